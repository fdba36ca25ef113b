//! Delta crawl figure: a simulated site of N apps written to disk (the demo estate's apps
//! cloned under new ids), served by the simulator in its own process with injected latency,
//! crawled into a catalog in full, then PERCENT of its apps modified (their `modifiedDate`
//! stamped now, as Qlik does on save) and the site crawled again, delta. Prints each crawl's
//! time and engine sessions.
//!
//! ```sh
//! cargo build --release --examples && target/release/examples/delta_bench \
//!     target/release/qlineage 500 1 20 8
//! ```
//! Arguments: the qlineage binary, apps, percent changed, latency in ms, concurrency.

use qlineage::catalog::crawl_run::crawl_to_catalog;
use qlineage::crawl::Config;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("a folder");
    for entry in std::fs::read_dir(from).expect("a readable folder") {
        let entry = entry.expect("an entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("a copy");
        }
    }
}

fn edit_json(path: &Path, f: impl FnOnce(&mut serde_json::Value)) {
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("a file")).expect("JSON");
    f(&mut v);
    std::fs::write(path, serde_json::to_vec_pretty(&v).expect("JSON")).expect("written");
}

/// The demo site with its apps cloned to `n` (ids derived from the index).
fn write_site(dir: &Path, n: usize) -> Vec<PathBuf> {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/site");
    std::fs::create_dir_all(dir).expect("the site folder");
    for item in ["site.json", "files", "keys"] {
        let from = demo.join(item);
        if from.is_dir() {
            copy_dir(&from, &dir.join(item));
        } else {
            std::fs::copy(&from, dir.join(item)).expect("site.json");
        }
    }
    let mut originals: Vec<PathBuf> = std::fs::read_dir(demo.join("apps"))
        .expect("apps")
        .map(|e| e.expect("an app").path())
        .collect();
    originals.sort();
    let mut folders = Vec::new();
    for i in 0..n {
        let folder = dir.join("apps").join(format!("app-{i:04}"));
        copy_dir(&originals[i % originals.len()], &folder);
        if i >= originals.len() {
            edit_json(&folder.join("app.json"), |v| {
                v["id"] = format!("00000000-0000-4000-8000-{i:012}").into();
                let name = v["name"].as_str().unwrap_or("app").to_owned();
                v["name"] = format!("{name} #{i}").into();
            });
        }
        folders.push(folder);
    }
    folders
}

fn start_sim(binary: &str, site: &Path, work: &Path, latency: u64) -> (Child, PathBuf) {
    let faults = work.join("faults.json");
    std::fs::write(&faults, format!("{{\"latency_ms\": {latency}}}")).expect("faults");
    let config = work.join("site.toml");
    let _ = std::fs::remove_file(&config);
    let child = Command::new(binary)
        .args(["simulate", "--site"])
        .arg(site)
        .arg("--faults")
        .arg(&faults)
        .arg("--certs")
        .arg(work.join("certs"))
        .arg("--write-config")
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the simulator starts");
    let start = Instant::now();
    while !config.exists() {
        assert!(start.elapsed() < Duration::from_secs(60), "no config");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(300));
    (child, config)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 6 {
        eprintln!("usage: delta_bench QLINEAGE_BINARY APPS PERCENT_CHANGED LATENCY_MS CONCURRENCY");
        std::process::exit(2);
    }
    let binary = &args[1];
    let apps: usize = args[2].parse().expect("APPS");
    let percent: f64 = args[3].parse().expect("PERCENT_CHANGED");
    let latency: u64 = args[4].parse().expect("LATENCY_MS");
    let concurrency: usize = args[5].parse().expect("CONCURRENCY");
    let work = tempfile::tempdir().expect("a temp dir");
    let site = work.path().join("site");
    let folders = write_site(&site, apps);
    let db = work.path().join("catalog.db");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let crawl = |full: bool| {
        let (mut sim, config_path) = start_sim(binary, &site, work.path(), latency);
        let mut config = Config::load(&config_path).expect("the config");
        config.limits.concurrency = concurrency;
        let started = Instant::now();
        let report = runtime
            .block_on(crawl_to_catalog(
                &config,
                &db,
                None,
                full,
                Arc::new(AtomicBool::new(false)),
                &|_| {},
            ))
            .expect("the crawl runs");
        let seconds = started.elapsed().as_secs_f64();
        let _ = sim.kill();
        let _ = sim.wait();
        assert!(
            report.summary.failed.is_empty(),
            "{:?}",
            report.summary.failed
        );
        (report, seconds)
    };
    let (full, full_s) = crawl(true);
    println!(
        "full crawl:  {apps} apps, {} read, {} engine sessions, {full_s:.2} s",
        full.summary.crawled.len(),
        full.summary.engine_sessions
    );
    let started = Instant::now();
    qlineage::catalog::Catalog::open(&db)
        .and_then(|mut c| c.build_lineage(qlineage::lineage::LineageOptions::default()))
        .expect("lineage from the catalog");
    let full_lineage_s = started.elapsed().as_secs_f64();
    let changed = ((apps as f64) * percent / 100.0).round().max(1.0) as usize;
    let stamp = {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("a clock")
            .as_millis() as i64;
        qlineage::qlik::date::format_millis(ms)
    };
    let step = folders.len() / changed;
    for folder in folders.iter().step_by(step.max(1)).take(changed) {
        edit_json(&folder.join("app.json"), |v| {
            v["description"] = "changed for the delta benchmark".into();
            v["modifiedDate"] = stamp.clone().into();
        });
    }
    let (delta, delta_s) = crawl(false);
    println!(
        "delta crawl: {changed} apps changed, {} read, {} unchanged, {} engine sessions, {delta_s:.2} s",
        delta.summary.crawled.len(),
        delta.summary.unchanged.len(),
        delta.summary.engine_sessions
    );
    println!(
        "delta/full: time {:.1} %, engine sessions {:.1} %",
        100.0 * delta_s / full_s,
        100.0 * delta.summary.engine_sessions as f64 / full.summary.engine_sessions as f64
    );
    // After the delta crawl: lineage recompiled from the stored apps, only the changed ones
    // resolved again (the build after the full crawl resolved them all).
    let mut catalog = qlineage::catalog::Catalog::open(&db).expect("the catalog");
    let started = Instant::now();
    let (graph, counts) = catalog
        .build_lineage_counted(qlineage::lineage::LineageOptions::default())
        .expect("lineage from the catalog");
    println!(
        "lineage after the delta crawl: {} apps ({} resolved, {} reused), {} nodes, {} edges, {:.2} s (full build after the full crawl: {full_lineage_s:.2} s)",
        graph.apps,
        counts.resolved,
        counts.reused,
        graph.graph.node_count(),
        graph.graph.edge_count(),
        started.elapsed().as_secs_f64()
    );
}
