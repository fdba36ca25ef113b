//! Crawl benchmark: a simulated site of N apps (the demo estate multiplied with
//! `simulate --scale`) with injected latency, crawled at several concurrencies. The simulator
//! runs as a separate process, so the peak memory printed (VmHWM) is the crawler's own.
//!
//! ```sh
//! cargo build --release && cargo run --release --example crawl_bench -- \
//!     target/release/qlineage 500 20 1 4 8 16
//! ```
//! Arguments: the qlineage binary, the number of apps, the latency in ms, then concurrencies.

use qlineage::crawl::{self, Config};
use std::process::{Command, Stdio};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|k| k.parse::<f64>().ok())
            })
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 5 {
        eprintln!("usage: crawl_bench QLINEAGE_BINARY APPS LATENCY_MS CONCURRENCY...");
        std::process::exit(2);
    }
    let binary = &args[1];
    let apps: usize = args[2].parse().expect("APPS is a number");
    let latency: u64 = args[3].parse().expect("LATENCY_MS is a number");
    let levels: Vec<usize> = args[4..]
        .iter()
        .map(|a| a.parse().expect("a concurrency"))
        .collect();
    let dir = tempfile::tempdir().expect("a temp dir");
    let faults = dir.path().join("faults.json");
    std::fs::write(&faults, format!("{{\"latency_ms\": {latency}}}")).expect("faults file");
    let config_path = dir.path().join("site.toml");
    let site = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/site");
    let mut sim = Command::new(binary)
        .args(["simulate", "--site"])
        .arg(&site)
        .arg("--scale")
        .arg(apps.to_string())
        .arg("--faults")
        .arg(&faults)
        .arg("--certs")
        .arg(dir.path().join("certs"))
        .arg("--write-config")
        .arg(&config_path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the simulator starts");
    let start = Instant::now();
    while !config_path.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the simulator wrote no config"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(300));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    for level in levels {
        let mut config = Config::load(&config_path).expect("the config");
        config.limits.concurrency = level;
        let out = tempfile::tempdir().expect("a temp dir");
        let t = Instant::now();
        let summary = runtime
            .block_on(crawl::crawl(
                &config,
                out.path(),
                Arc::new(AtomicBool::new(false)),
                &|_| {},
            ))
            .expect("the crawl runs");
        let secs = t.elapsed().as_secs_f64();
        println!(
            "apps={apps} latency_ms={latency} concurrency={level} crawled={} failed={} seconds={secs:.2} apps_per_s={:.1} peak_rss_mib={:.1}",
            summary.crawled.len(),
            summary.failed.len(),
            summary.crawled.len() as f64 / secs,
            peak_rss_mib()
        );
    }
    let _ = sim.kill();
    let _ = sim.wait();
}
