//! `validate` against the simulator: all checks pass on a good configuration, and each
//! failure users meet (closed port, untrusted root, name mismatch, foreign client
//! certificate, refused JWT, refused NTLM, forms page, refused upgrade, no license, app access
//! denied) is produced for real and named with its cause and fix.

#[path = "support/sim.rs"]
mod sim;

use qlineage::crawl::validate::{validate, Check};
use qlineage::crawl::Config;
use qlineage::simulate::faults::Faults;
use std::time::Duration;

fn config_for(s: &sim::Sim, auth: &str) -> (tempfile::TempDir, Config) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("site.toml");
    s.running.write_crawl_config(&path, auth).unwrap();
    let config = Config::load(&path).unwrap();
    (dir, config)
}

async fn run(config: &Config) -> Vec<Check> {
    tokio::time::timeout(Duration::from_secs(30), validate(config))
        .await
        .expect("validate finishes in time")
}

/// The first failing check, which must be of `step` and say `cause_has`.
fn failed(checks: &[Check], step: &str, cause_has: &str) -> Check {
    let c = checks
        .iter()
        .find(|c| !c.ok)
        .unwrap_or_else(|| panic!("a failing check in {checks:#?}"));
    assert_eq!(c.step, step, "{checks:#?}");
    assert!(
        c.cause.contains(cause_has),
        "cause should say `{cause_has}`: {c:#?}"
    );
    assert!(!c.fix.is_empty());
    c.clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_good_configuration_passes_every_step() {
    let s = sim::start().await;
    for auth in ["certificate", "jwt", "windows", "header"] {
        let (_dir, config) = config_for(&s, auth);
        let checks = run(&config).await;
        assert!(checks.iter().all(|c| c.ok), "{auth}: {checks:#?}");
        let steps: Vec<&str> = checks.iter().map(|c| c.step).collect();
        for step in [
            "DNS",
            "TCP",
            "TLS trust",
            "authentication",
            "QRS access",
            "engine WebSocket",
            "engine app access",
        ] {
            assert!(steps.contains(&step), "{auth}: {steps:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transport_failures() {
    let s = sim::start().await;
    let (_dir, config) = config_for(&s, "certificate");

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let mut c = config.clone();
    c.server.qrs_url = Some(format!("https://127.0.0.1:{port}"));
    let checks = run(&c).await;
    let f = failed(&checks, "TCP", "refused");
    assert!(f.fix.contains("port"), "{f:?}");

    let other = tempfile::tempdir().unwrap();
    let other_certs = qlineage::simulate::tls::ensure_certificates(other.path()).unwrap();
    let mut c = config.clone();
    c.tls.ca_bundle = Some(other_certs.root.clone());
    let f = failed(&run(&c).await, "TLS trust", "untrusted root");
    assert!(f.fix.contains("root.pem"), "{f:?}");

    let mut c = config.clone();
    c.tls.alias_host = Some("qlik-node-9.example".into());
    let f = failed(&run(&c).await, "TLS trust", "name mismatch");
    assert!(f.fix.contains("alias_host"), "{f:?}");

    let mut c = config.clone();
    c.tls.client_cert = Some(other_certs.client.clone());
    c.tls.client_key = Some(other_certs.client_key.clone());
    let checks = run(&c).await;
    let f = checks.iter().find(|c| !c.ok).expect("a failure");
    assert!(f.cause.contains("client certificate"), "{checks:#?}");
    assert!(f.fix.contains("client_cert"), "{f:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_failures() {
    let s = sim::start().await;
    let (dir, config) = config_for(&s, "jwt");
    std::fs::write(
        dir.path().join("bad.jwt"),
        "eyJhbGciOiJSUzI1NiJ9.eyJ1c2VySWQiOiJ4In0.AAAA",
    )
    .unwrap();
    let mut c = config.clone();
    c.auth.token = Some("file:bad.jwt".into());
    let f = failed(&run(&c).await, "authentication", "401");
    assert!(f.fix.contains("JWT"), "{f:?}");

    let (dir, config) = config_for(&s, "windows");
    std::fs::write(dir.path().join("wrong.txt"), "wrong").unwrap();
    let mut c = config.clone();
    c.auth.password = Some("file:wrong.txt".into());
    let f = failed(&run(&c).await, "authentication", "NTLM refused");
    assert!(f.fix.contains("password"), "{f:?}");

    let mut c = config.clone();
    c.auth.user_agent = "Mozilla/5.0".into();
    let f = failed(&run(&c).await, "authentication", "login page");
    assert!(f.fix.contains("user_agent"), "{f:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn engine_failures() {
    let s = sim::start().await;
    let (_dir, config) = config_for(&s, "certificate");
    let mut c = config.clone();
    c.server.engine_url = c
        .server
        .qrs_url
        .clone()
        .map(|u| u.replace("https://", "wss://"));
    let f = failed(&run(&c).await, "engine WebSocket", "upgrade was refused");
    assert!(f.fix.contains("engine_url"), "{f:?}");

    let s = sim::start_with(Faults {
        fatal_greeting: Some("OnLicenseAccessDenied".into()),
        ..Faults::default()
    })
    .await;
    let (_dir, config) = config_for(&s, "jwt");
    let f = failed(
        &run(&config).await,
        "engine WebSocket",
        "OnLicenseAccessDenied",
    );
    assert!(f.fix.contains("license"), "{f:?}");

    let mut faults = Faults::default();
    for app in &sim::start().await.running.site.apps {
        faults.engine_errors.insert(app.meta.id.clone(), 5);
    }
    let s = sim::start_with(faults).await;
    let (_dir, config) = config_for(&s, "certificate");
    let f = failed(&run(&config).await, "engine app access", "Access denied");
    assert!(f.fix.contains("app access denied"), "{f:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_qrs_security_rule_is_named() {
    let s = sim::start_with(Faults {
        qrs_forbidden: vec!["app/object".into()],
        ..Faults::default()
    })
    .await;
    for auth in ["certificate", "jwt"] {
        let (_dir, config) = config_for(&s, auth);
        let checks = run(&config).await;
        let f = failed(&checks, "QRS access", "403");
        assert_eq!(f.target, "GET /qrs/app/object/count", "{auth}: {f:?}");
        assert!(f.fix.contains("App.Object_*"), "{auth}: {f:?}");
        assert!(f.fix.contains("security rule"), "{auth}: {f:?}");
        // The rules that are there pass, and the engine is not tried without them.
        assert!(checks
            .iter()
            .any(|c| c.ok && c.target == "GET /qrs/stream/count"));
        assert!(!checks.iter().any(|c| c.step == "engine WebSocket"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_websocket_origin_off_the_allow_list_is_named() {
    let s = sim::start_with(Faults {
        websocket_origin_allow_list: Some(vec!["qlik.example.com".into()]),
        ..Faults::default()
    })
    .await;
    let (_dir, config) = config_for(&s, "jwt");
    let f = failed(&run(&config).await, "engine WebSocket", "origin");
    assert!(f.cause.contains("403"), "{f:?}");
    assert!(f.fix.contains("WebSocket origin allow list"), "{f:?}");
    let host = reqwest::Url::parse(config.server.url.as_deref().unwrap())
        .unwrap()
        .host_str()
        .unwrap()
        .to_owned();
    assert!(
        f.fix.contains(&host),
        "the fix names the origin sent: {f:?}"
    );

    // The crawler's origin on the list: every step passes.
    let s = sim::start_with(Faults {
        websocket_origin_allow_list: Some(vec!["qlik.example.com".into(), host]),
        ..Faults::default()
    })
    .await;
    let (_dir, config) = config_for(&s, "jwt");
    let checks = run(&config).await;
    assert!(checks.iter().all(|c| c.ok), "{checks:#?}");
}
