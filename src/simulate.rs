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
    let site = Arc::new(Site::load(&config.site_dir)?);
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
}
