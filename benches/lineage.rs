//! The lineage compiler on synthetic estates (`benches/estate.rs`): resolve every app and
//! compile the estate graph, for 1,000 and 10,000 apps. Run: `cargo bench --bench lineage`.
//! Peak memory is measured outside criterion: see docs/lineage.md.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use qlineage::lineage::{self, LineageOptions};
use qlineage::semantic::Connections;

#[path = "estate.rs"]
mod estate;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("lineage");
    group.sample_size(10);
    for n in [1_000usize, 10_000] {
        let dir = std::env::temp_dir().join(format!("qlineage-estate-{n}"));
        if !dir.join("apps").is_dir() {
            estate::write(&dir, n).unwrap();
        }
        let connections = Connections::read(&dir.join("connections.json")).unwrap();
        let apps = lineage::discover(&[dir.join("apps")]).unwrap();
        let options = LineageOptions {
            connections,
            ..LineageOptions::default()
        };
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(format!("build {n} apps"), |b| {
            b.iter(|| lineage::build(&apps, &options).unwrap().graph.node_count())
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
