//! Every authentication mode against the simulator over real TLS, with right and wrong
//! credentials, the certificate checks (root, alias host, CN, insecure), PFX client
//! certificates, and a grep of every output of a passing and a failing crawl for the secrets.

#[path = "support/sim.rs"]
mod sim;

use qlineage::crawl::{self, site_client::SiteClient, Config, CrawlError};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

struct Setup {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

fn config_for(s: &sim::Sim, auth: &str) -> (Setup, Config) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("site.toml");
    s.running.write_crawl_config(&path, auth).unwrap();
    let config = Config::load(&path).unwrap();
    (Setup { _dir: dir, path }, config)
}

async fn connect(config: &Config) -> Result<SiteClient, CrawlError> {
    tokio::time::timeout(Duration::from_secs(30), SiteClient::connect(config))
        .await
        .expect("login finishes in time")
}

async fn crawl_into(config: &Config, out: &Path) -> Result<crawl::Summary, CrawlError> {
    tokio::time::timeout(
        Duration::from_secs(60),
        crawl::crawl(config, out, Arc::new(AtomicBool::new(false)), &|_| {}),
    )
    .await
    .expect("the crawl finishes in time")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwt_right_and_wrong() {
    let s = sim::start().await;
    let (_setup, config) = config_for(&s, "jwt");
    let client = connect(&config).await.expect("a good token logs in");
    assert!(
        client
            .cookie_header(&client.qrs_base)
            .is_some_and(|c| c.contains("X-Qlik-Session-jwt")),
        "the proxy session cookie is kept"
    );
    let out = tempfile::tempdir().unwrap();
    let summary = crawl_into(&config, out.path()).await.unwrap();
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    assert!(!summary.crawled.is_empty());

    let (setup, mut bad) = config_for(&s, "jwt");
    let token_file = setup.path.parent().unwrap().join("demo.jwt");
    let token = std::fs::read_to_string(&token_file).unwrap();
    // Flip a character of the signature.
    let mut tampered = token.clone().into_bytes();
    let last = tampered.len() - 2;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    std::fs::write(&token_file, &tampered).unwrap();
    bad.auth.token = Some("file:demo.jwt".into());
    let e = connect(&bad).await.unwrap_err();
    assert!(matches!(e, CrawlError::Auth { status: 401, .. }), "{e}");
    assert!(
        !e.to_string().contains(&token[token.len() - 20..]),
        "no token in {e}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn header_right_and_wrong() {
    let s = sim::start().await;
    let (_setup, config) = config_for(&s, "header");
    let out = tempfile::tempdir().unwrap();
    let summary = crawl_into(&config, out.path()).await.unwrap();
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    assert!(!summary.crawled.is_empty());

    let mut bad = config.clone();
    bad.auth.header_name = Some("x-not-the-header".into());
    let e = connect(&bad).await.unwrap_err();
    assert!(matches!(e, CrawlError::Auth { status: 401, .. }), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn windows_ntlm_right_and_wrong() {
    let s = sim::start().await;
    let (setup, config) = config_for(&s, "windows");
    let password =
        std::fs::read_to_string(setup.path.parent().unwrap().join("demo-password.txt")).unwrap();
    let out = tempfile::tempdir().unwrap();
    let summary = crawl_into(&config, out.path()).await.unwrap();
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    assert!(!summary.crawled.is_empty());

    let dir = setup.path.parent().unwrap();
    std::fs::write(dir.join("wrong.txt"), "not-the-password").unwrap();
    let mut bad = config.clone();
    bad.auth.password = Some("file:wrong.txt".into());
    let e = connect(&bad).await.unwrap_err();
    assert!(matches!(e, CrawlError::Auth { .. }), "{e}");
    assert!(e.to_string().contains("NTLM refused"), "{e}");

    let mut browser = config.clone();
    browser.auth.user_agent = "Mozilla/5.0".into();
    let e = connect(&browser).await.unwrap_err();
    assert!(matches!(e, CrawlError::LoginPage { .. }), "{e}");
    assert!(e.to_string().contains("User-Agent"), "{e}");

    // Every output of the passing and the failing crawl is free of the password.
    let mut outputs = vec![
        format!("{e}"),
        format!("{e:?}"),
        format!("{config:?}"),
        format!("{summary:?}"),
    ];
    for (name, bytes) in walk(out.path()) {
        outputs.push(format!("{name}: {}", String::from_utf8_lossy(&bytes)));
    }
    for text in outputs {
        assert!(
            !text.contains(password.trim()),
            "the password leaked: {}",
            &text[..text.len().min(200)]
        );
    }
}

fn walk(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.display().to_string(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificates_right_and_wrong() {
    let s = sim::start().await;
    let (_setup, config) = config_for(&s, "certificate");
    connect(&config)
        .await
        .expect("the site's client certificate works");

    // No client certificate: the QRS port refuses the handshake.
    let mut none = config.clone();
    none.tls.client_cert = None;
    none.tls.client_key = None;
    let e = connect(&none).await.unwrap_err();
    assert!(matches!(e, CrawlError::Connect { .. }), "{e}");

    // Another site's CA as root: the server certificate is not trusted.
    let other = tempfile::tempdir().unwrap();
    let other_certs = qlineage::simulate::tls::ensure_certificates(other.path()).unwrap();
    let mut untrusted = config.clone();
    untrusted.tls.ca_bundle = Some(other_certs.root.clone());
    let e = connect(&untrusted).await.unwrap_err();
    assert!(e.to_string().to_lowercase().contains("certificate"), "{e}");

    // ...unless told to trust anything (the insecure option).
    let mut insecure = untrusted.clone();
    insecure.tls.insecure = true;
    connect(&insecure).await.expect("insecure skips the checks");

    // Another site's client certificate: refused.
    let mut foreign = config.clone();
    foreign.tls.client_cert = Some(other_certs.client.clone());
    foreign.tls.client_key = Some(other_certs.client_key.clone());
    assert!(connect(&foreign).await.is_err());

    // The alias host decides the name checked.
    let mut alias = config.clone();
    alias.tls.alias_host = Some("localhost".into());
    connect(&alias)
        .await
        .expect("localhost is on the server certificate");
    alias.tls.alias_host = Some("qlik-node-7.example".into());
    let e = connect(&alias).await.unwrap_err();
    assert!(
        e.to_string().contains("not valid for name") || e.to_string().contains("NotValidForName"),
        "{e}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pfx_client_certificates() {
    use p12_keystore::{Certificate, KeyStore, KeyStoreEntry, PrivateKeyChain};
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let s = sim::start().await;
    let (setup, config) = config_for(&s, "certificate");
    let cert = CertificateDer::from_pem_file(&s.running.certs.client).unwrap();
    let key = PrivateKeyDer::from_pem_file(&s.running.certs.client_key).unwrap();
    let mut store = KeyStore::new();
    store.add_entry(
        "client",
        KeyStoreEntry::PrivateKeyChain(PrivateKeyChain::new(
            key.secret_der(),
            [1u8; 20],
            [Certificate::from_der(cert.as_ref()).unwrap()],
        )),
    );
    let dir = setup.path.parent().unwrap();
    std::fs::write(
        dir.join("client.pfx"),
        store.writer("pfx-pass-123").write().unwrap(),
    )
    .unwrap();
    std::fs::write(dir.join("pfx-password.txt"), "pfx-pass-123").unwrap();
    let mut pfx = config.clone();
    pfx.tls.client_cert = None;
    pfx.tls.client_key = None;
    pfx.tls.client_pfx = Some(PathBuf::from("client.pfx"));
    pfx.tls.pfx_password = Some("file:pfx-password.txt".into());
    connect(&pfx).await.expect("the PFX identity works");

    std::fs::write(dir.join("pfx-password.txt"), "wrong").unwrap();
    let e = connect(&pfx).await.unwrap_err();
    assert!(matches!(e, CrawlError::TlsSetup(_)), "{e}");
    assert!(
        e.to_string().contains("PFX") && !e.to_string().contains("pfx-pass-123"),
        "{e}"
    );
}
