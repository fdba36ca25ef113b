//! A local stand-in for a Qlik Sense Enterprise on Windows site: QRS REST, the engine's
//! JSON-RPC over WebSocket and the proxy's logins, over real TLS on loopback, serving a site
//! directory (docs/site-format.md). Tests, the demo and users' first five minutes run on it.
//!
//! Data flows one way: [`site`] loads and checks the directory; [`access`] decides who sees
//! what; [`qrs`] and [`engine`] answer from the site; [`proxy`] authenticates; [`server`]
//! carries it all over TLS and HTTP/1.1; [`faults`] makes it misbehave on purpose.

pub mod access;
pub mod engine;
pub mod faults;
pub mod hub_pages;
pub mod proxy;
pub mod qrs;
pub mod server;
pub mod site;
pub mod time;
pub mod tls;

use faults::{FaultPlan, Faults};
use serde_json::{json, Value};
use server::{Listener, Shared};
use site::{ProxyAuth, Site};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use tls::CertFiles;

/// Why the simulator cannot start.
#[derive(Debug, thiserror::Error)]
pub enum SimulateError {
    #[error("site: {0}")]
    Site(#[from] site::SiteError),
    #[error("certificates: {0}")]
    Tls(#[from] tls::TlsError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("JWT signing key: {0}")]
    Jwt(#[from] crate::auth::jwt::JwtError),
    #[error("{path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("unknown authentication `{0}` (certificate, windows, jwt, header)")]
    Auth(String),
}

/// How to run.
#[derive(Debug, Clone)]
pub struct Config {
    pub site_dir: PathBuf,
    pub bind: IpAddr,
    /// Where the site CA and certificates live (made there when missing).
    pub certs_dir: PathBuf,
    /// 0 picks a free port.
    pub qrs_port: u16,
    pub engine_port: u16,
    pub proxy_port: u16,
    pub faults: Faults,
    /// Multiply the site's apps to this many (0 keeps the site as it is), for benchmarks.
    pub scale: usize,
}

impl Config {
    pub fn new(site_dir: impl Into<PathBuf>, certs_dir: impl Into<PathBuf>) -> Config {
        Config {
            site_dir: site_dir.into(),
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            certs_dir: certs_dir.into(),
            qrs_port: 0,
            engine_port: 0,
            proxy_port: 0,
            faults: Faults::default(),
            scale: 0,
        }
    }
}

/// A running simulator; dropping it stops the listeners.
pub struct Running {
    pub qrs: SocketAddr,
    pub engine: SocketAddr,
    pub proxy: SocketAddr,
    pub certs: CertFiles,
    pub site: Arc<Site>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// Loads the site, makes or reads the certificates, binds the three listeners and serves
/// them on the current tokio runtime.
pub async fn start(config: Config) -> Result<Running, SimulateError> {
    let mut site = Site::load(&config.site_dir)?;
    if config.scale > 0 {
        site.scale_to(config.scale);
    }
    let site = Arc::new(site);
    let certs = tls::ensure_certificates(&config.certs_dir)?;
    let with_client_certs = tls::server_config(&certs, true)?;
    let without = tls::server_config(&certs, false)?;
    let bind = |port: u16| SocketAddr::new(config.bind, port);
    let mut listeners = Vec::new();
    for port in [config.qrs_port, config.engine_port, config.proxy_port] {
        let addr = bind(port);
        listeners.push(
            server::bind(addr)
                .await
                .map_err(|source| SimulateError::Bind { addr, source })?,
        );
    }
    let addrs: Vec<SocketAddr> = listeners
        .iter()
        .map(|l| l.local_addr())
        .collect::<Result<_, _>>()
        .map_err(|source| SimulateError::Bind {
            addr: bind(0),
            source,
        })?;
    let shared = Arc::new(Shared {
        site: Arc::clone(&site),
        faults: Arc::new(FaultPlan::new(config.faults.clone())),
        proxy: proxy::ProxyState::default(),
        proxy_base: format!("https://{}", display_addr(addrs[2])),
    });
    let mut tasks = Vec::new();
    let kinds = [
        (Listener::Qrs, Arc::clone(&with_client_certs)),
        (Listener::Engine, with_client_certs),
        (Listener::Proxy, without),
    ];
    for (listener, (kind, tls)) in listeners.into_iter().zip(kinds) {
        tasks.push(tokio::spawn(server::serve(
            listener,
            tls,
            kind,
            Arc::clone(&shared),
        )));
    }
    Ok(Running {
        qrs: addrs[0],
        engine: addrs[1],
        proxy: addrs[2],
        certs,
        site,
        tasks,
    })
}

fn display_addr(addr: SocketAddr) -> String {
    addr.to_string()
}

impl Running {
    /// The connection settings for the site's demo user, as `--print-config` prints them.
    pub fn client_config(&self) -> Result<Value, SimulateError> {
        let site = &self.site;
        let demo = &site.demo_user;
        let jwt_proxy = site
            .proxies
            .iter()
            .find(|p| matches!(p.auth, ProxyAuth::Jwt { .. }));
        let header_proxy = site
            .proxies
            .iter()
            .find(|p| matches!(p.auth, ProxyAuth::Header { .. }));
        let token = match (jwt_proxy, &site.jwt_signing_key) {
            (Some(p), Some(key)) => {
                let ProxyAuth::Jwt {
                    user_id_claim,
                    user_directory_claim,
                    audience,
                    ..
                } = &p.auth
                else {
                    unreachable!("filtered on Jwt above")
                };
                let signer = crate::auth::jwt::Signer::from_pkcs8_pem(key)?;
                let now = time::now_millis() / 1000;
                let mut claims = json!({
                    user_id_claim.as_str(): demo.id,
                    user_directory_claim.as_str(): demo.directory,
                    "name": site.user(demo).map(|u| u.name.clone()).unwrap_or_default(),
                    "iat": now,
                    "exp": now + 24 * 3600,
                });
                if let Some(aud) = audience {
                    claims["aud"] = json!(aud);
                }
                Some(signer.sign(crate::auth::jwt::Alg::RS256, &claims)?)
            }
            _ => None,
        };
        let password = site.user(demo).and_then(|u| u.password.clone());
        Ok(json!({
            "qrs_url": format!("https://{}", display_addr(self.qrs)),
            "engine_url": format!("wss://{}", display_addr(self.engine)),
            "proxy_url": format!("https://{}", display_addr(self.proxy)),
            "jwt_prefix": jwt_proxy.map(|p| p.prefix.clone()),
            "header_prefix": header_proxy.map(|p| p.prefix.clone()),
            "header_name": header_proxy.and_then(|p| match &p.auth { ProxyAuth::Header { header_name, .. } => Some(header_name.clone()), _ => None }),
            "root_cert": self.certs.root,
            "client_cert": self.certs.client,
            "client_key": self.certs.client_key,
            "jwt": token,
            "user_directory": demo.directory,
            "user_id": demo.id,
            "windows_user": demo.to_string(),
            "windows_password": password,
        }))
    }

    /// Writes a crawl configuration (docs/crawl.md) for this running simulator into `path`,
    /// for `auth` (`certificate`, `windows`, `jwt` or `header`), with its secrets in files
    /// beside it referenced as `file:` (mode 0600). Certificate crawls act as
    /// `INTERNAL\sa_api`, a service account that sees everything, private sheets included.
    pub fn write_crawl_config(
        &self,
        path: &std::path::Path,
        auth: &str,
    ) -> Result<(), SimulateError> {
        let io = |p: &std::path::Path, source: std::io::Error| SimulateError::Write {
            path: p.to_path_buf(),
            source,
        };
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(std::path::Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        let client = self.client_config()?;
        let text = |k: &str| client[k].as_str().unwrap_or("").to_owned();
        let quote = |s: &str| format!("{:?}", s);
        let secret_file = |name: &str, value: &str| -> Result<String, SimulateError> {
            let p = dir.join(name);
            std::fs::write(&p, value).map_err(|e| io(&p, e))?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let _ = std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600));
            }
            Ok(format!("file:{name}"))
        };
        let root = self.certs.root.display().to_string();
        let (server, auth_section) = match auth {
            "certificate" => (
                format!(
                    "qrs_url = {}\nengine_url = {}\n",
                    quote(&text("qrs_url")),
                    quote(&text("engine_url"))
                ),
                "method = \"certificate\"\nuser_directory = \"INTERNAL\"\nuser_id = \"sa_api\"\n"
                    .to_owned(),
            ),
            "windows" => {
                let password = secret_file("demo-password.txt", &text("windows_password"))?;
                (
                    format!("url = {}\n", quote(&text("proxy_url"))),
                    format!(
                        "method = \"windows\"\nuser_directory = {}\nuser_id = {}\npassword = {}\nuser_agent = \"Windows\"\n",
                        quote(&text("user_directory")),
                        quote(&text("user_id")),
                        quote(&password)
                    ),
                )
            }
            "jwt" => {
                let token = secret_file("demo.jwt", &text("jwt"))?;
                (
                    format!(
                        "url = {}\nvirtual_proxy = {}\n",
                        quote(&text("proxy_url")),
                        quote(&text("jwt_prefix"))
                    ),
                    format!("method = \"jwt\"\ntoken = {}\n", quote(&token)),
                )
            }
            "header" => (
                format!(
                    "url = {}\nvirtual_proxy = {}\n",
                    quote(&text("proxy_url")),
                    quote(&text("header_prefix"))
                ),
                format!(
                    "method = \"header\"\nheader_name = {}\nuser_id = {}\n",
                    quote(&text("header_name")),
                    quote(&text("user_id"))
                ),
            ),
            other => {
                return Err(SimulateError::Auth(other.to_owned()));
            }
        };
        let client_certs = if auth == "certificate" {
            format!(
                "client_cert = {}\nclient_key = {}\n",
                quote(&self.certs.client.display().to_string()),
                quote(&self.certs.client_key.display().to_string())
            )
        } else {
            String::new()
        };
        let toml = format!(
            "# Crawl configuration for the simulated site `{site}` ({auth}), written by\n# qlineage simulate --write-config. Secrets are in files beside this one.\n\n[server]\n{server}site_name = {name}\n\n[auth]\n{auth_section}\n[tls]\nca_bundle = {root}\n{client_certs}",
            site = self.site.name,
            name = quote(&self.site.name),
            root = quote(&root),
        );
        std::fs::write(path, toml).map_err(|e| io(path, e))
    }
}
