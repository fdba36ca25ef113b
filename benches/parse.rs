//! Lexing and parsing throughput on the concatenated corpus and on a synthetic 10 MB script.
//! Run: `cargo bench --bench parse`; the figures are reported in MB/s (criterion's MiB/s).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::path::Path;

#[path = "synthetic.rs"]
mod synthetic;

/// The same allocator as the `qlineage` binary, so the figures are the tool's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Every corpus script outside the error set, concatenated in a stable order.
fn corpus_text() -> String {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let mut out = String::new();
    for path in qlineage::inputs::script_files(&[corpus])
        .into_result()
        .unwrap()
    {
        if path.extension().is_some_and(|e| e == "qvs") && !path.iter().any(|c| c == "err") {
            let source = qlineage::source::SourceFile::decode("x", &std::fs::read(&path).unwrap());
            out.push_str(&source.text);
            out.push_str("\n;\n");
        }
    }
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
