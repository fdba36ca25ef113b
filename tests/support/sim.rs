//! Starts the simulator in-process on the demo site and gives tests real clients: reqwest
//! over TLS (with or without the site's client certificate) and engine WebSockets.
#![allow(dead_code)]

use futures_util::{SinkExt, StreamExt};
use qlineage::simulate::{self, faults::Faults, Config, Running};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

pub const XRF: &str = "abcdefghij012345";

pub fn site_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/site")
}

pub struct Sim {
    pub running: Running,
    pub certs_dir: tempfile::TempDir,
}

pub async fn start() -> Sim {
    start_with(Faults::default()).await
}

pub async fn start_with(faults: Faults) -> Sim {
    let certs_dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(site_dir(), certs_dir.path());
    config.faults = faults;
    let running = simulate::start(config).await.expect("simulator starts");
    Sim { running, certs_dir }
}

impl Sim {
    pub fn qrs_url(&self, path_and_query: &str) -> String {
        format!("https://{}{path_and_query}", self.running.qrs)
    }
    pub fn proxy_url(&self, path_and_query: &str) -> String {
        format!("https://{}{path_and_query}", self.running.proxy)
    }

    fn root(&self) -> reqwest::Certificate {
        reqwest::Certificate::from_pem(&std::fs::read(&self.running.certs.root).unwrap()).unwrap()
    }

    /// A rustls client configuration that trusts the site's root (no client certificate),
    /// for tests that hold one connection themselves.
    pub fn tls_client_config(&self) -> Arc<rustls::ClientConfig> {
        use rustls::pki_types::{pem::PemObject, CertificateDer};
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_file_iter(&self.running.certs.root).unwrap() {
            roots.add(cert.unwrap()).unwrap();
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        Arc::new(
            rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_root_certificates(roots)
                .with_no_client_auth(),
        )
    }

    /// A client that presents the site's client certificate.
    pub fn cert_client(&self) -> reqwest::Client {
        let mut pem = std::fs::read(&self.running.certs.client).unwrap();
        pem.extend(std::fs::read(&self.running.certs.client_key).unwrap());
        reqwest::Client::builder()
            .use_rustls_tls()
            .tls_built_in_root_certs(false)
            .add_root_certificate(self.root())
            .identity(reqwest::Identity::from_pem(&pem).unwrap())
            .build()
            .unwrap()
    }

    /// A client without a client certificate; no redirects followed, cookies kept.
    pub fn plain_client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .use_rustls_tls()
            .tls_built_in_root_certs(false)
            .add_root_certificate(self.root())
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .pool_max_idle_per_host(1)
            .build()
            .unwrap()
    }

    /// GET on QRS with certificates, as `user` (`DIR\id`) or the service account.
    pub async fn qrs(&self, path: &str, user: Option<&str>) -> (u16, String) {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut req = self
            .cert_client()
            .get(self.qrs_url(&format!("{path}{sep}xrfkey={XRF}")))
            .header("X-Qlik-Xrfkey", XRF);
        if let Some(u) = user {
            let (dir, id) = u.split_once('\\').unwrap();
            req = req.header("X-Qlik-User", format!("UserDirectory={dir}; UserId={id}"));
        }
        let resp = req.send().await.unwrap();
        (resp.status().as_u16(), resp.text().await.unwrap())
    }

    pub async fn qrs_json(&self, path: &str, user: Option<&str>) -> Value {
        let (status, body) = self.qrs(path, user).await;
        assert_eq!(status, 200, "{path}: {body}");
        serde_json::from_str(&body).unwrap()
    }

    /// An engine WebSocket straight to the engine port with the client certificate.
    pub async fn engine(&self, path: &str, user: Option<&str>) -> Ws {
        let config = qlineage::simulate::tls::client_config(
            &self.running.certs.root,
            Some((&self.running.certs.client, &self.running.certs.client_key)),
        )
        .unwrap();
        let mut headers = Vec::new();
        if let Some(u) = user {
            let (dir, id) = u.split_once('\\').unwrap();
            headers.push((
                "X-Qlik-User".to_owned(),
                format!("UserDirectory={dir}; UserId={id}"),
            ));
        }
        connect_ws(config, self.running.engine, path, &headers)
            .await
            .expect("engine socket")
    }

    /// An engine WebSocket through the proxy, with extra headers (cookie, bearer…).
    pub async fn proxied_engine(&self, path: &str, headers: &[(String, String)]) -> Ws {
        let config =
            qlineage::simulate::tls::client_config(&self.running.certs.root, None).unwrap();
        connect_ws(config, self.running.proxy, path, headers)
            .await
            .expect("proxied socket")
    }
}

type Stream =
    tokio_tungstenite::WebSocketStream<tokio_rustls::client::TlsStream<tokio::net::TcpStream>>;

pub struct Ws {
    pub stream: Stream,
    next_id: i64,
}

pub async fn connect_ws(
    config: Arc<rustls::ClientConfig>,
    addr: std::net::SocketAddr,
    path: &str,
    headers: &[(String, String)],
) -> Result<Ws, String> {
    let tcp = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| e.to_string())?;
    let connector = tokio_rustls::TlsConnector::from(config);
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
    let tls = connector
        .connect(name, tcp)
        .await
        .map_err(|e| e.to_string())?;
    let mut request = format!("wss://{addr}{path}").into_client_request().unwrap();
    for (k, v) in headers {
        request.headers_mut().insert(
            reqwest::header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            v.parse().unwrap(),
        );
    }
    let (stream, _) = tokio_tungstenite::client_async(request, tls)
        .await
        .map_err(|e| e.to_string())?;
    Ok(Ws { stream, next_id: 1 })
}

impl Ws {
    /// The next text frame as JSON, or None when the socket ends.
    pub async fn recv(&mut self) -> Option<Value> {
        loop {
            match tokio::time::timeout(std::time::Duration::from_secs(10), self.stream.next()).await
            {
                Ok(Some(Ok(Message::Text(t)))) => {
                    return Some(
                        serde_json::from_str(&t).unwrap_or(json!({"unparseable": t.to_string()})),
                    )
                }
                Ok(Some(Ok(Message::Close(_)))) | Ok(None) | Ok(Some(Err(_))) => return None,
                Ok(Some(Ok(_))) => continue,
                Err(_) => panic!("no frame within 10 s"),
            }
        }
    }

    /// Sends a request and returns the response with the same id, skipping notifications.
    pub async fn call(&mut self, handle: i64, method: &str, params: Value) -> Value {
        self.call_with(json!({"handle": handle, "method": method, "params": params}))
            .await
    }

    pub async fn call_with(&mut self, mut request: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        request["jsonrpc"] = json!("2.0");
        request["id"] = json!(id);
        self.stream
            .send(Message::text(request.to_string()))
            .await
            .unwrap();
        loop {
            let msg = self
                .recv()
                .await
                .expect("socket closed before the response");
            if msg.get("id") == Some(&json!(id)) {
                return msg;
            }
        }
    }

    /// Opens a doc and returns its handle.
    pub async fn open(&mut self, app_id: &str, no_data: bool) -> i64 {
        let r = self
            .call(-1, "OpenDoc", json!([app_id, "", "", "", no_data]))
            .await;
        r["result"]["qReturn"]["qHandle"]
            .as_i64()
            .unwrap_or_else(|| panic!("OpenDoc: {r}"))
    }
}

/// The site files, read directly, for comparing what the simulator serves.
pub fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// `(folder, app.json)` of every app.
pub fn apps() -> Vec<(PathBuf, Value)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(site_dir().join("apps")).unwrap() {
        let dir = entry.unwrap().path();
        out.push((dir.clone(), read_json(&dir.join("app.json"))));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Objects of an app folder.
pub fn objects(dir: &Path) -> Vec<Value> {
    let mut out = Vec::new();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir.join("objects"))
        .map(|r| r.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    paths.sort();
    for p in paths {
        out.push(read_json(&p));
    }
    out
}

/// A published app with sheets and master measures.
pub fn dashboard() -> (PathBuf, Value) {
    apps()
        .into_iter()
        .find(|(dir, app)| {
            let objs = objects(dir);
            app["published"] == json!(true)
                && objs
                    .iter()
                    .any(|o| o["qProperty"]["qInfo"]["qType"] == "sheet")
                && objs
                    .iter()
                    .any(|o| o["qProperty"]["qInfo"]["qType"] == "measure")
        })
        .expect("the demo site has a published dashboard")
}
