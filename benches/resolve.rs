//! Resolver throughput against parsing the same bytes: every corpus script resolved as its
//! own app (scripts/s, MB/s, parse included), and the synthetic 10 MB script as one app.
//! `corpus/syntax/err/` (broken on purpose) and `corpus/model/hostile/` (loops that run to
//! their caps on purpose) are left out. Run: `cargo bench --bench resolve`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use qlineage::semantic::{self, AppInput, Connections, ResolveOptions};

#[path = "synthetic.rs"]
mod synthetic;

#[path = "corpus_scripts.rs"]
mod corpus;
use corpus::corpus_scripts;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn resolve_all(inputs: &[AppInput], options: &ResolveOptions) -> usize {
    inputs
        .iter()
        .map(|input| semantic::resolve(input, options).model.loads.len())
        .sum()
}

fn bench(c: &mut Criterion) {
    let options = ResolveOptions::default();
    let scripts = corpus_scripts();
    let bytes: usize = scripts.iter().map(String::len).sum();
    let inputs: Vec<AppInput> = scripts
        .iter()
        .map(|s| AppInput::from_text("bench.qvs", s, Connections::default()))
        .collect();
    eprintln!("corpus: {} scripts, {bytes} bytes", scripts.len());
    let mut group = c.benchmark_group("resolve/corpus");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(10);
    group.bench_function("parse", |b| {
        b.iter(|| {
            scripts
                .iter()
                .map(|s| qlineage::syntax::parse_str(s).script.statements.len())
                .sum::<usize>()
        })
    });
    group.bench_function("resolve", |b| b.iter(|| resolve_all(&inputs, &options)));
    group.finish();

    let text = synthetic::script(10 << 20);
    let input = AppInput::from_text("synthetic.qvs", &text, Connections::default());
    let mut group = c.benchmark_group("resolve/synthetic-10MB");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.sample_size(10);
    group.bench_function("parse", |b| {
        b.iter_with_large_drop(|| qlineage::syntax::parse_str(&text))
    });
    // Both sides leave freeing their result out of the timing (the parse above does too).
    group.bench_function("resolve", |b| {
        b.iter_with_large_drop(|| semantic::resolve(&input, &options))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
