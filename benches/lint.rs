//! Linting against resolving the same bytes: every corpus script as its own app, and the
//! synthetic 10 MB script as one app. The goal is linting at most 1.5 times resolving (lint
//! includes the resolve it needs). Run: `cargo bench --bench lint`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use qlineage::lint::{self, Config, Selection};
use qlineage::semantic::{self, AppInput, Connections, ResolveOptions};

#[path = "synthetic.rs"]
mod synthetic;

#[path = "corpus_scripts.rs"]
mod corpus;
use corpus::corpus_scripts;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn bench(c: &mut Criterion) {
    let options = ResolveOptions::default();
    let config = Config::load(None, &Selection::default()).unwrap();
    let scripts = corpus_scripts();
    let bytes: usize = scripts.iter().map(String::len).sum();
    let inputs: Vec<AppInput> = scripts
        .iter()
        .map(|s| AppInput::from_text("bench.qvs", s, Connections::default()))
        .collect();
    let mut group = c.benchmark_group("lint/corpus");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(10);
    group.bench_function("resolve", |b| {
        b.iter(|| {
            inputs
                .iter()
                .map(|i| semantic::resolve(i, &options).model.loads.len())
                .sum::<usize>()
        })
    });
    group.bench_function("lint", |b| {
        b.iter(|| {
            inputs
                .iter()
                .map(|i| {
                    lint::lint(std::slice::from_ref(i), &options, &config)
                        .findings
                        .len()
                })
                .sum::<usize>()
        })
    });
    group.finish();

    let text = synthetic::script(10 << 20);
    let input = [AppInput::from_text(
        "synthetic.qvs",
        &text,
        Connections::default(),
    )];
    let mut group = c.benchmark_group("lint/synthetic-10MB");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.sample_size(10);
    group.bench_function("resolve", |b| {
        b.iter_with_large_drop(|| semantic::resolve(&input[0], &options))
    });
    group.bench_function("lint", |b| {
        b.iter_with_large_drop(|| lint::lint(&input, &options, &config))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
