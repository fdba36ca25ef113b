//! Certificate failures produced for real: the simulator serves hand-made server certificates
//! (`--certs DIR`), and `validate` names the cause and the fix of each; the fixes it names
//! (the alias host, the CN fallback) make the same server pass.

#[path = "support/sim.rs"]
mod sim;

use qlineage::crawl::validate::{validate, Check};
use qlineage::crawl::Config;
use qlineage::simulate::tls::{Authority, Leaf};
use qlineage::simulate::{self, Running};
use std::time::Duration;

/// The demo site served with `server` (made by `make` with the site CA) as its certificate.
async fn serve_with(
    make: impl FnOnce(&Authority) -> Leaf,
) -> (Running, tempfile::TempDir, tempfile::TempDir, Config) {
    let certs = tempfile::tempdir().unwrap();
    let authority = Authority::new("Qlik-node-1-CA").unwrap();
    let server = authority.issue_leaf(&make(&authority)).unwrap();
    authority.write_dir(certs.path(), server).unwrap();
    let running = simulate::start(simulate::Config::new(sim::site_dir(), certs.path()))
        .await
        .expect("the simulator serves hand-made certificates");
    let conf = tempfile::tempdir().unwrap();
    let path = conf.path().join("site.toml");
    running.write_crawl_config(&path, "certificate").unwrap();
    let config = Config::load(&path).unwrap();
    (running, certs, conf, config)
}

async fn run(config: &Config) -> Vec<Check> {
    tokio::time::timeout(Duration::from_secs(30), validate(config))
        .await
        .expect("validate finishes in time")
}

/// The TLS trust check fails, saying `cause_has`, with a fix that says `fix_has`.
fn tls_fails(checks: &[Check], cause_has: &str, fix_has: &str) {
    let c = checks
        .iter()
        .find(|c| !c.ok)
        .unwrap_or_else(|| panic!("a failing check in {checks:#?}"));
    assert_eq!(c.step, "TLS trust", "{checks:#?}");
    assert!(c.cause.contains(cause_has), "cause: {c:#?}");
    assert!(c.fix.contains(fix_has), "fix: {c:#?}");
}

fn all_pass(checks: &[Check]) {
    assert!(checks.iter().all(|c| c.ok), "{checks:#?}");
    assert!(checks.iter().any(|c| c.step == "engine app access"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_server_certificate() {
    let (_r, _c, _d, config) = serve_with(|_| Leaf {
        valid_years: Some((2019, 2021)),
        ..Leaf::new("localhost", &["localhost", "127.0.0.1"])
    })
    .await;
    tls_fails(&run(&config).await, "expired", "renew");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_without_server_purpose() {
    // A client certificate in the server's slot: clientAuth only.
    let (_r, _c, _d, config) = serve_with(|_| Leaf {
        purpose: Some(false),
        ..Leaf::new("localhost", &["localhost", "127.0.0.1"])
    })
    .await;
    tls_fails(&run(&config).await, "wrong purpose", "server.pem");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_root() {
    let (_r, _c, _d, mut config) =
        serve_with(|_| Leaf::new("localhost", &["localhost", "127.0.0.1"])).await;
    let other = tempfile::tempdir().unwrap();
    let stranger = Authority::new("Another-site-CA").unwrap();
    let pair = stranger.issue("x", &["x"], true).unwrap();
    let files = stranger.write_dir(other.path(), pair).unwrap();
    config.tls.ca_bundle = Some(files.root);
    tls_fails(&run(&config).await, "untrusted root", "root.pem");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_mismatch_fixed_by_the_alias_host() {
    let (_r, _c, _d, mut config) =
        serve_with(|_| Leaf::new("qlik-node-1", &["qlik-node-1.corp.example"])).await;
    config.tls.accept_common_name = false;
    tls_fails(&run(&config).await, "name mismatch", "alias_host");
    config.tls.alias_host = Some("qlik-node-1.corp.example".into());
    all_pass(&run(&config).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_without_sans_passes_by_its_common_name() {
    // Qlik's self-signed node certificates: the machine name as CN, no SAN at all.
    let (_r, _c, _d, mut config) = serve_with(|_| Leaf::new("qlik-node-1", &[])).await;
    config.tls.alias_host = Some("qlik-node-1".into());
    config.tls.accept_common_name = false;
    tls_fails(&run(&config).await, "name mismatch", "accept_common_name");
    config.tls.accept_common_name = true;
    all_pass(&run(&config).await);
    // The CN must still match: another alias is refused.
    config.tls.alias_host = Some("qlik-node-2".into());
    tls_fails(&run(&config).await, "name mismatch", "alias_host");
}
