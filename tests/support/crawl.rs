//! Crawls a running simulator into a folder, the way every crawl test starts.
#![allow(dead_code)]

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use qlineage::crawl::{self, Config};
use qlineage::simulate;

/// Writes the simulator's crawl configuration for `auth`, crawls into `out` (bounded in
/// time) and returns the summary.
pub async fn crawl_running(
    running: &simulate::Running,
    auth: &str,
    out: &Path,
    data_model: bool,
) -> crawl::Summary {
    let conf_dir = tempfile::tempdir().unwrap();
    let path = conf_dir.path().join("site.toml");
    running.write_crawl_config(&path, auth).unwrap();
    let mut config = Config::load(&path).unwrap();
    config.crawl.data_model = data_model;
    tokio::time::timeout(
        std::time::Duration::from_secs(120),
        crawl::crawl(&config, out, Arc::new(AtomicBool::new(false)), &|_| {}),
    )
    .await
    .expect("the crawl finishes in time")
    .expect("the crawl runs")
}
