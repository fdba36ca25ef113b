//! `qlineage validate`: the connection checked step by step, each step one pass/fail line
//! and, on failure, the cause and the fix in plain words. It covers the failures users know
//! from catalog connectors' troubleshooting tables ("SSL validation failed", "PKIX path
//! building failed", "SSL trust failed", "engine certificate validation failed", "403
//! Forbidden during engine validation") by naming what is actually wrong.

use super::config::{AuthMethod, Config};
use super::engine_client::{handle_of, EngineClient};
use super::error::CrawlError;
use super::site_client::SiteClient;
use rustls::CertificateError;
use serde::Serialize;
use serde_json::{json, Value};
use std::time::Duration;
use tokio::net::TcpStream;

/// One check's outcome.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Check {
    pub step: &'static str,
    pub target: String,
    pub ok: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cause: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub fix: String,
}

impl Check {
    fn pass(step: &'static str, target: impl Into<String>) -> Check {
        Check {
            step,
            target: target.into(),
            ok: true,
            cause: String::new(),
            fix: String::new(),
        }
    }
    fn fail(
        step: &'static str,
        target: impl Into<String>,
        cause: impl Into<String>,
        fix: impl Into<String>,
    ) -> Check {
        Check {
            step,
            target: target.into(),
            ok: false,
            cause: cause.into(),
            fix: fix.into(),
        }
    }
}

/// The endpoints a configuration talks to: (what, URL).
fn endpoints(config: &Config) -> Vec<(&'static str, String)> {
    match config.auth.method {
        AuthMethod::Certificate => vec![
            ("QRS", config.server.qrs_url.clone().unwrap_or_default()),
            (
                "engine",
                config.server.engine_url.clone().unwrap_or_default(),
            ),
        ],
        _ => vec![("proxy", config.server.url.clone().unwrap_or_default())],
    }
}

/// Runs every check in order; later steps are skipped (not run) once a step they need fails.
pub async fn validate(config: &Config) -> Vec<Check> {
    let mut checks = Vec::new();
    let connect_timeout = Duration::from_secs(config.limits.connect_timeout_secs.max(1));
    let tls = match super::tls::client_config(config, config.auth.method == AuthMethod::Certificate)
    {
        Ok(t) => {
            checks.push(Check::pass("TLS setup", "certificates and keys"));
            Some(t)
        }
        Err(e) => {
            checks.push(Check::fail(
                "TLS setup",
                "certificates and keys",
                e.to_string(),
                "check the [tls] paths; a PFX needs its password (tls.pfx_password); export PEM files from the QMC (Certificates, platform independent PEM, include secret key)",
            ));
            None
        }
    };
    let mut transport_ok = tls.is_some();
    for (what, url) in endpoints(config) {
        let parsed = match reqwest::Url::parse(&url) {
            Ok(u) if u.host_str().is_some() => u,
            _ => {
                checks.push(Check::fail(
                    "URL",
                    what,
                    format!("`{url}` is not a URL"),
                    "write it as https://host[:port] (wss://host:4747 for the engine)",
                ));
                transport_ok = false;
                continue;
            }
        };
        let host = parsed
            .host_str()
            .unwrap_or("")
            .trim_matches(['[', ']'])
            .to_owned();
        let port = parsed.port_or_known_default().unwrap_or(443);
        let target = format!("{what} {host}:{port}");
        // DNS
        let addrs = match tokio::time::timeout(
            connect_timeout,
            tokio::net::lookup_host((host.as_str(), port)),
        )
        .await
        {
            Ok(Ok(a)) => a.collect::<Vec<_>>(),
            Ok(Err(e)) => {
                checks.push(Check::fail("DNS", &target, e.to_string(), "check the host name in [server], or use the node's IP address with tls.alias_host set to its certificate name"));
                transport_ok = false;
                continue;
            }
            Err(_) => {
                checks.push(Check::fail(
                    "DNS",
                    &target,
                    "timed out",
                    "check the DNS servers of this machine",
                ));
                transport_ok = false;
                continue;
            }
        };
        checks.push(Check::pass("DNS", &target));
        // TCP
        let tcp = match tokio::time::timeout(connect_timeout, TcpStream::connect(addrs.as_slice()))
            .await
        {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => {
                checks.push(Check::fail("TCP", &target, e.to_string(), format!("open port {port} from this machine to the server (firewall), and check the Qlik service listens there (QRS 4242, engine 4747, proxy 443)")));
                transport_ok = false;
                continue;
            }
            Err(_) => {
                checks.push(Check::fail(
                    "TCP",
                    &target,
                    "timed out",
                    format!("a firewall drops port {port}; open it from this machine"),
                ));
                transport_ok = false;
                continue;
            }
        };
        checks.push(Check::pass("TCP", &target));
        // TLS
        let Some(tls) = &tls else { continue };
        let Ok(name) = rustls::pki_types::ServerName::try_from(host.clone()) else {
            continue;
        };
        let handshake = tokio::time::timeout(
            connect_timeout,
            tokio_rustls::TlsConnector::from(tls.clone()).connect(name, tcp),
        )
        .await;
        match handshake {
            Ok(Ok(_)) => checks.push(Check::pass("TLS trust", &target)),
            Ok(Err(e)) => {
                let (cause, fix) = explain_tls(&e, config);
                checks.push(Check::fail("TLS trust", &target, cause, fix));
                transport_ok = false;
            }
            Err(_) => {
                checks.push(Check::fail(
                    "TLS trust",
                    &target,
                    "the handshake timed out",
                    "check that the port speaks TLS (https), not plain HTTP",
                ));
                transport_ok = false;
            }
        }
    }
    if !transport_ok {
        return checks;
    }
    // Authentication and QRS access.
    let site = match SiteClient::connect(config).await {
        Ok(s) => {
            checks.push(Check::pass("authentication", config.auth.method.name()));
            s
        }
        Err(e) => {
            let (cause, fix) = explain_auth(&e, config);
            checks.push(Check::fail(
                "authentication",
                config.auth.method.name(),
                cause,
                fix,
            ));
            return checks;
        }
    };
    let apps: Vec<Value> = match site.get("app", &[]).await {
        Ok(a) => {
            checks.push(Check::pass("QRS access", "GET /qrs/app"));
            a
        }
        Err(e) => {
            let fix = match &e {
                CrawlError::Auth { status: 403, .. } => "the user lacks read access to apps: add a security rule in the QMC (resource filter App*, action Read) for this user, or use INTERNAL\\sa_api with certificates",
                CrawlError::Http { status: 400, .. } => "the server refused the request (Xrfkey or filter): report this with the server version",
                _ => "see the cause",
            };
            checks.push(Check::fail(
                "QRS access",
                "GET /qrs/app",
                e.to_string(),
                fix,
            ));
            return checks;
        }
    };
    // The other resources a crawl reads: each needs a read rule of its own.
    let mut rights_ok = true;
    for (path, resource) in RESOURCES {
        let target = format!("GET /qrs/{path}");
        match site.get::<crate::qlik::qrs::ValueOf>(path, &[]).await {
            Ok(_) => checks.push(Check::pass("QRS access", target)),
            Err(e) => {
                rights_ok = false;
                let user = site
                    .identity
                    .clone()
                    .unwrap_or_else(|| "the crawl user".into());
                let fix = match &e {
                    CrawlError::Auth { status: 403, .. } => format!("missing security rule: in the QMC (Security rules) grant {user} Read on resource filter `{resource}`, or crawl as INTERNAL\\sa_api with certificates"),
                    _ => "see the cause".to_owned(),
                };
                checks.push(Check::fail("QRS access", target, e.to_string(), fix));
            }
        }
    }
    if !rights_ok {
        return checks;
    }
    // Engine: a socket, then an app.
    let first = apps
        .first()
        .and_then(|a| a["id"].as_str())
        .unwrap_or("")
        .to_owned();
    match EngineClient::open(&site, &first).await {
        Ok(mut engine) => {
            let r = engine.call(-1, "EngineVersion", json!([])).await;
            match r {
                Ok(_) => checks.push(Check::pass("engine WebSocket", site.engine_base.clone())),
                Err(e) => {
                    let (cause, fix) = explain_engine(&e);
                    checks.push(Check::fail(
                        "engine WebSocket",
                        site.engine_base.clone(),
                        cause,
                        fix,
                    ));
                    engine.close().await;
                    return checks;
                }
            }
            if !first.is_empty() {
                let opened = engine
                    .call(-1, "OpenDoc", json!([first, "", "", "", true]))
                    .await
                    .and_then(|r| handle_of("OpenDoc", &r));
                match opened {
                    Ok(_) => checks.push(Check::pass("engine app access", first.clone())),
                    Err(e) => {
                        let (cause, fix) = explain_engine(&e);
                        checks.push(Check::fail("engine app access", first.clone(), cause, fix));
                    }
                }
            }
            engine.close().await;
        }
        Err(e) => {
            let (cause, fix) = explain_engine(&e);
            checks.push(Check::fail(
                "engine WebSocket",
                site.engine_base.clone(),
                cause,
                fix,
            ));
        }
    }
    checks
}

/// What a crawl reads besides the app list, by count (cheap on any site), with the QMC
/// resource filter a security rule needs for it.
const RESOURCES: [(&str, &str); 4] = [
    ("app/object/count", "App.Object_*"),
    ("stream/count", "Stream_*"),
    ("dataconnection/count", "DataConnection_*"),
    ("reloadtask/count", "ReloadTask_*"),
];

fn find_cert_error(e: &(dyn std::error::Error + 'static)) -> Option<rustls::Error> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if let Some(r) = s.downcast_ref::<rustls::Error>() {
            return Some(r.clone());
        }
        source = s.source();
    }
    None
}

/// Cause and fix for a failed handshake.
pub fn explain_tls(e: &std::io::Error, config: &Config) -> (String, String) {
    let inner = e.get_ref().and_then(|i| find_cert_error(i));
    let text = inner
        .as_ref()
        .map_or_else(|| e.to_string(), ToString::to_string);
    let (cause, fix) = match inner {
        Some(rustls::Error::InvalidCertificate(c)) => match c {
            CertificateError::UnknownIssuer | CertificateError::BadSignature => (
                "untrusted root: the server's certificate is not signed by a CA in tls.ca_bundle (\"SSL trust failed\", \"PKIX path building failed\")".to_owned(),
                "add root.pem: export it from the QMC (Certificates) and set tls.ca_bundle to it".to_owned(),
            ),
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => (
                "the server certificate has expired".to_owned(),
                "renew the Qlik node certificate (restart the Qlik Sense Repository Service to regenerate it), then export root.pem again".to_owned(),
            ),
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => (
                "name mismatch: the server certificate is not issued to the host name used (\"SSL validation failed\")".to_owned(),
                "set tls.alias_host to the name on the certificate (usually the node's machine name), or keep tls.accept_common_name = true".to_owned(),
            ),
            CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => (
                "wrong purpose: the certificate presented is not a server certificate (\"unsupported certificate purpose\")".to_owned(),
                "the wrong certificate is in the slot: use the node's server.pem on the server, client.pem/client_key.pem for the crawler".to_owned(),
            ),
            other => (format!("certificate refused: {other:?}"), "check tls.ca_bundle and tls.alias_host".to_owned()),
        },
        Some(rustls::Error::AlertReceived(alert)) => (
            format!("the server refused our client certificate ({alert:?}) (\"engine certificate validation failed\")"),
            if config.auth.method == AuthMethod::Certificate {
                "export client.pem and client_key.pem from this site's QMC (Certificates) and set tls.client_cert / tls.client_key (or tls.client_pfx)".to_owned()
            } else {
                "the proxy asked for a client certificate: check the URL points at the proxy (port 443)".to_owned()
            },
        ),
        _ => (text.clone(), "check that the port speaks TLS and tls.ca_bundle holds the site CA".to_owned()),
    };
    (format!("{cause} [{text}]"), fix)
}

/// Cause and fix for a failed login.
pub fn explain_auth(e: &CrawlError, config: &Config) -> (String, String) {
    let fix = match (e, config.auth.method) {
        (CrawlError::LoginPage { .. }, AuthMethod::Windows) => "set auth.user_agent to contain the virtual proxy's Windows authentication pattern (default \"Windows\")",
        (CrawlError::LoginPage { .. }, _) => "the virtual proxy sent its login page: check server.virtual_proxy is the prefix of a JWT/header virtual proxy",
        (CrawlError::Auth { .. }, AuthMethod::Jwt) => "the proxy refused the JWT: check it is signed (RS256/384/512) with the key of the virtual proxy's certificate, not expired, and carries the user id/directory claims (and audience) it maps",
        (CrawlError::Auth { .. }, AuthMethod::Windows) => "NTLM refused: check auth.user_directory (the domain), auth.user_id and the password; the account must not be locked",
        (CrawlError::Auth { .. }, AuthMethod::Header) => "check auth.header_name is the header the virtual proxy reads and the user exists",
        (CrawlError::Auth { status: 403, .. }, AuthMethod::Certificate) => "403 with certificates: the client certificate is from another site, or the X-Qlik-User user is inactive or blocked",
        (CrawlError::Http { status: 404, .. }, _) => "unknown virtual proxy prefix: check server.virtual_proxy",
        // With TLS 1.3 a server that refuses the client certificate says so after the client
        // has finished its handshake, so the first request may only see the connection drop.
        (CrawlError::Connect { message, .. }, _)
            if message.contains("alert")
                || message.contains("Certificate")
                || (has_client_certificate(config)
                    && ["not ready", "Canceled", "closed", "reset", "EOF"]
                        .iter()
                        .any(|m| message.contains(m))) =>
        {
            return (
                format!("the server refused our client certificate (\"engine certificate validation failed\"): {e}"),
                "export client.pem and client_key.pem from this site's QMC (Certificates) and set tls.client_cert / tls.client_key (or tls.client_pfx)".to_owned(),
            )
        }
        _ => "see the cause",
    };
    (e.to_string(), fix.to_owned())
}

fn has_client_certificate(config: &Config) -> bool {
    config.tls.client_cert.is_some() || config.tls.client_pfx.is_some()
}

/// Cause and fix for the engine.
pub fn explain_engine(e: &CrawlError) -> (String, String) {
    let fix = match e {
        CrawlError::Auth { status: 403, reason, .. } if reason.to_ascii_lowercase().contains("origin is not") || reason.contains("allow list") => {
            let origin = reason.rsplit("Origin: ").next().unwrap_or("the server's origin");
            return (
                format!("403 Forbidden during engine validation: the proxy refused the WebSocket origin {origin} [{e}]"),
                format!("add the host of {origin} to the virtual proxy's WebSocket origin allow list (QMC, Virtual proxies, the prefix in server.virtual_proxy)"),
            );
        }
        CrawlError::Auth { status, .. } if *status == 403 => "403 Forbidden during engine validation: the WebSocket origin is not on the virtual proxy's allow-list, or the user has no access; add this host to the virtual proxy's WebSocket origin allow list",
        CrawlError::Auth { .. } | CrawlError::Http { .. } => "the engine refused the WebSocket upgrade: check server.engine_url (wss://node:4747) or the proxy prefix",
        CrawlError::Session { notification, .. } if notification.contains("License") => "no license: allocate a professional or analyzer access to the user in the QMC (License management), or crawl as INTERNAL\\sa_api with certificates",
        CrawlError::Session { notification, .. } if notification.contains("MaxParallel") => "too many sessions for this user: lower limits.concurrency",
        CrawlError::Session { .. } => "the proxy did not accept the session: log in again, or grant the user access",
        CrawlError::Engine { error, .. } if error.code == crate::qlik::rpc::code::ACCESS_DENIED => "app access denied: the user may not open this app; grant read access to its stream",
        _ => "see the cause",
    };
    (e.to_string(), fix.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn explain(e: rustls::Error) -> (String, String) {
        let config = Config::parse(
            &super::super::config::sample(AuthMethod::Certificate),
            std::path::Path::new("s.toml"),
        )
        .unwrap();
        explain_tls(
            &std::io::Error::new(std::io::ErrorKind::InvalidData, e),
            &config,
        )
    }

    #[test]
    fn every_certificate_failure_has_its_cause_and_fix() {
        use rustls::Error::InvalidCertificate as Bad;
        let (cause, fix) = explain(Bad(CertificateError::Expired));
        assert!(
            cause.contains("expired") && fix.contains("renew"),
            "{cause} / {fix}"
        );
        let (cause, fix) = explain(Bad(CertificateError::InvalidPurpose));
        assert!(
            cause.contains("wrong purpose") && fix.contains("server.pem"),
            "{cause} / {fix}"
        );
        let (cause, fix) = explain(Bad(CertificateError::UnknownIssuer));
        assert!(
            cause.contains("PKIX") && fix.contains("root.pem"),
            "{cause} / {fix}"
        );
        let (cause, fix) = explain(Bad(CertificateError::NotValidForName));
        assert!(
            cause.contains("name mismatch") && fix.contains("alias_host"),
            "{cause} / {fix}"
        );
        let (cause, fix) = explain(rustls::Error::AlertReceived(
            rustls::AlertDescription::CertificateRequired,
        ));
        assert!(
            cause.contains("client certificate") && fix.contains("client_cert"),
            "{cause} / {fix}"
        );
    }
}
