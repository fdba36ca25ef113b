//! QVD reader benchmarks: header-only reads of 1,000 files, and a profile (with NULL counts) of
//! a generated 1 GB QVD. Files are generated into a temporary folder and deleted afterwards.
//!
//! `QVD_BENCH_PROFILE_MB` changes the size of the large file (default 1024, or 4 when run as a
//! test by `cargo test --all-targets`);
//! `QVD_BENCH_KEEP=1` keeps the generated folder and prints its path (to measure the CLI).

#[path = "../tests/support/qvd_writer.rs"]
mod qvd_writer;

use std::fs::File;
use std::hint::black_box;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use qlineage::qvd::{profile, read_header, scan, ProfileOptions, QvdFile, ScanOptions};
use qvd_writer::{FieldSpec, TableSpec, Value};

/// `cargo bench` passes `--bench`; without it (`cargo test --all-targets`) criterion runs each
/// bench once as a smoke test, and the generated files are kept small so tests stay fast.
fn measuring() -> bool {
    std::env::args().any(|arg| arg == "--bench")
}

fn header_files() -> usize {
    if measuring() {
        1_000
    } else {
        20
    }
}

fn bench_dir() -> tempfile::TempDir {
    let mut dir = tempfile::Builder::new()
        .prefix("qvd-bench")
        .tempdir()
        .unwrap();
    if std::env::var_os("QVD_BENCH_KEEP").is_some() {
        dir.disable_cleanup(true);
        eprintln!("keeping generated files in {}", dir.path().display());
    }
    dir
}

/// A typical extract QVD: a dozen fields, a few hundred rows, three lineage entries.
fn small_table(number: usize) -> TableSpec {
    let fields = (0..12)
        .map(|f| {
            let values: Vec<Value> = (0..50)
                .map(|v| Value::Text(format!("value {f} {v}")))
                .collect();
            let mut field = FieldSpec::new(&format!("Field {f} of table {number}"), &values);
            field.tags = vec!["$text".into(), "$ascii".into()];
            field
        })
        .collect();
    TableSpec {
        table_name: format!("Table{number}"),
        fields,
        no_of_records: 500,
        lineage: vec![
            (format!("{{STORE - [lib://QVD/Table{number}.qvd] (qvd)}};"), String::new()),
            (
                "{ReportingDB (svc)};".into(),
                "LOAD *;\r\nSQL SELECT * FROM Sales.dbo.Orders o JOIN Sales.dbo.Lines l ON o.id = l.id;".into(),
            ),
            (r"\\srv\share\extract\orders.csv;".into(), String::new()),
        ],
        ..Default::default()
    }
}

fn write_small_files(dir: &Path) -> Vec<PathBuf> {
    (0..header_files())
        .map(|number| {
            let path = dir.join(format!("t{number:04}.qvd"));
            let mut out = BufWriter::new(File::create(&path).unwrap());
            small_table(number)
                .write(&mut out, |row, idx| {
                    idx.iter_mut().for_each(|i| *i = Some(row % 50))
                })
                .unwrap();
            path
        })
        .collect()
}

/// A wide fact table: keys, names, amounts with NULLs and dates, sized to `target_bytes`.
fn write_large_file(path: &Path, target_bytes: u64) -> u64 {
    // About 15% of the file is symbol tables, the rest records: a typical fact table.
    let keys = (target_bytes / 256).clamp(1_000, 4_000_000);
    let amounts = keys / 4;
    let days = keys.min(20_000);
    let mut key = FieldSpec::new("OrderKey", &[]);
    let mut name = FieldSpec::new("CustomerName", &[]);
    for n in 0..keys {
        key.symbols.push(&Value::Int(n as i32));
        name.symbols
            .push_text(&format!("Customer {n:08} Ltd. Ünïcode"));
    }
    let mut amount = FieldSpec::new("Amount", &[]);
    amount.nullable = true;
    for n in 0..amounts {
        amount.symbols.push(&Value::Float(n as f64 * 0.25));
    }
    let mut date = FieldSpec::new("OrderDate", &[]);
    for n in 0..days as i32 {
        date.symbols
            .push(&Value::DualInt(40_000 + n, format!("day {n}")));
    }
    date.number_format_type = "DATE".into();
    let mut table = TableSpec {
        table_name: "Facts".into(),
        fields: vec![key, name, amount, date],
        ..Default::default()
    };
    let symbols: u64 = table
        .fields
        .iter()
        .map(|f| f.symbols.bytes.len() as u64)
        .sum();
    table.no_of_records = target_bytes.saturating_sub(symbols) / table.record_byte_size();
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path).unwrap());
    table
        .write(&mut out, |row, idx| {
            let mixed = row.wrapping_mul(0x9E37_79B9_7F4A_7C15);
            idx[0] = Some(row % keys);
            idx[1] = Some((mixed >> 8) % keys);
            idx[2] = (mixed % 10 != 0).then_some((mixed >> 20) % amounts);
            idx[3] = Some((mixed >> 40) % days);
        })
        .unwrap();
    drop(out);
    std::fs::metadata(path).unwrap().len()
}

fn headers(c: &mut Criterion) {
    let dir = bench_dir();
    let paths = write_small_files(dir.path());
    let mut group = c.benchmark_group("qvd_headers");
    group.throughput(Throughput::Elements(paths.len() as u64));
    group.bench_function("read_header_one_thread", |b| {
        b.iter(|| {
            for path in &paths {
                black_box(read_header(path).unwrap());
            }
        })
    });
    group.bench_function("scan_folder_rayon", |b| {
        let roots = [dir.path().to_path_buf()];
        b.iter(|| {
            let scanned = scan(&roots, &ScanOptions::default());
            assert_eq!(scanned.len(), paths.len());
            black_box(scanned)
        })
    });
    group.finish();
}

fn large_profile(c: &mut Criterion) {
    let megabytes: u64 = std::env::var("QVD_BENCH_PROFILE_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if measuring() { 1024 } else { 4 });
    // Generated on first use, so filtering to the header benches does not write 1 GB.
    let dir = bench_dir();
    let path = dir.path().join("facts.qvd");
    let size = std::sync::OnceLock::new();
    let generate = || *size.get_or_init(|| write_large_file(&path, megabytes * 1024 * 1024));
    let mut group = c.benchmark_group("qvd_profile");
    group.sample_size(10);
    // The file is the target size to within its header (a few KB), so MB/s is exact enough.
    group.throughput(Throughput::Bytes(megabytes * 1024 * 1024));
    for (name, count_nulls) in [("symbols_only", false), ("symbols_and_nulls", true)] {
        let id = format!("{name}_{megabytes}MB");
        group.bench_function(id, |b| {
            generate();
            let options = ProfileOptions {
                top_values: 5,
                count_nulls,
            };
            b.iter(|| {
                let file = QvdFile::open(&path).unwrap();
                black_box(profile(&file, &options).unwrap())
            })
        });
    }
    group.finish();
}

criterion_group!(benches, headers, large_profile);
criterion_main!(benches);
