//! Lexing and parsing throughput on the concatenated corpus and on a synthetic 10 MB script.
//! Run: `cargo bench --bench parse`; the figures are reported in MB/s (criterion's MiB/s).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::path::Path;

#[path = "synthetic.rs"]
mod synthetic;

/// The same allocator as the `qlineage` binary, so the figures are the tool's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn corpus_text() -> String {
    fn walk(dir: &Path, out: &mut String) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                if !path.ends_with("err") {
                    walk(&path, out);
                }
            } else if path.extension().is_some_and(|e| e == "qvs") {
                let source =
                    qlineage::source::SourceFile::decode("x", &std::fs::read(&path).unwrap());
                out.push_str(&source.text);
                out.push_str("\n;\n");
            }
        }
    }
    let mut out = String::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus"),
        &mut out,
    );
    out
}

fn bench(c: &mut Criterion) {
    let inputs = [
        ("corpus", corpus_text()),
        ("synthetic-10MB", synthetic::script(10 << 20)),
    ];
    for (name, text) in &inputs {
        let mut group = c.benchmark_group(format!("front-end/{name}"));
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.sample_size(10);
        group.bench_function("lex", |b| b.iter(|| qlineage::syntax::lex(text).count()));
        // The tree is dropped outside the timed part: freeing it is not parsing.
        group.bench_function("lex+parse", |b| {
            b.iter_with_large_drop(|| qlineage::syntax::parse_str(text))
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
