//! The crawl configuration: a TOML file with what Qlik administrators know from catalog
//! connectors. Unknown keys and wrong types are errors naming the key, line and column, so a
//! typo never silently falls back to a default. Secrets are references ([`SecretRef`]).

use super::secret::{SecretError, SecretRef};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// How the crawler authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum AuthMethod {
    /// Client certificate straight to QRS (4242) and the engine (4747), acting as a user via
    /// `X-Qlik-User`.
    Certificate,
    /// Windows (NTLM) through the proxy's default virtual proxy.
    Windows,
    /// A JWT through a virtual proxy.
    Jwt,
    /// Header authentication through a virtual proxy.
    Header,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub server: Server,
    pub auth: Auth,
    #[serde(default)]
    pub tls: Tls,
    #[serde(default)]
    pub http_proxy: HttpProxy,
    #[serde(default)]
    pub crawl: Crawl,
    #[serde(default)]
    pub paths: Paths,
    #[serde(default)]
    pub limits: Limits,
    /// The folder relative paths are read from (the configuration file's folder).
    #[serde(skip)]
    pub base_dir: PathBuf,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Server {
    /// The proxy's URL (`https://qlik.example.com`), for windows, jwt and header.
    #[serde(default)]
    pub url: Option<String>,
    /// QRS straight, for certificate auth (`https://node:4242`).
    #[serde(default)]
    pub qrs_url: Option<String>,
    /// The engine straight, for certificate auth (`wss://node:4747`).
    #[serde(default)]
    pub engine_url: Option<String>,
    /// The virtual proxy prefix (`jwt`), used when `virtual_proxy_enabled`.
    #[serde(default)]
    pub virtual_proxy: String,
    #[serde(default = "yes")]
    pub virtual_proxy_enabled: bool,
    /// A name for the snapshot's `site.json`.
    #[serde(default = "default_site_name")]
    pub site_name: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Auth {
    pub method: AuthMethod,
    #[serde(default)]
    pub user_directory: String,
    #[serde(default)]
    pub user_id: String,
    /// Windows password, by reference.
    #[serde(default)]
    pub password: Option<String>,
    /// JWT, by reference.
    #[serde(default)]
    pub token: Option<String>,
    /// Header authentication: the header the virtual proxy reads.
    #[serde(default)]
    pub header_name: Option<String>,
    /// Header authentication: the value (the user id, or `DIR\id` for dynamic directories).
    #[serde(default)]
    pub header_value: Option<String>,
    /// The User-Agent for Windows auth; must contain the virtual proxy's pattern.
    #[serde(default = "windows_agent")]
    pub user_agent: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tls {
    /// The site CA (`root.pem` from the QMC export). Without it the system has no way to trust
    /// Qlik's self-signed site CA.
    #[serde(default)]
    pub ca_bundle: Option<PathBuf>,
    /// The name the server certificate is checked against (the node's machine name), when the
    /// URL's host is not on the certificate.
    #[serde(default)]
    pub alias_host: Option<String>,
    /// Accept a certificate whose subject CN (not a SAN) matches: Qlik's node certificates
    /// often have no subject alternative name.
    #[serde(default = "yes")]
    pub accept_common_name: bool,
    /// Client certificate (PEM) and key (PEM, PKCS#1 or PKCS#8).
    #[serde(default)]
    pub client_cert: Option<PathBuf>,
    #[serde(default)]
    pub client_key: Option<PathBuf>,
    /// Or a PFX/P12 file, with its password by reference.
    #[serde(default)]
    pub client_pfx: Option<PathBuf>,
    #[serde(default)]
    pub pfx_password: Option<String>,
    /// Skip every certificate check. Warned about loudly on every run.
    #[serde(default)]
    pub insecure: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpProxy {
    #[serde(default)]
    pub enabled: bool,
    #[serde(default)]
    pub url: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Crawl {
    #[serde(default = "yes")]
    pub streams: bool,
    #[serde(default)]
    pub exclude_unpublished_apps: bool,
    #[serde(default)]
    pub exclude_unpublished_sheets: bool,
    /// Stream and app name patterns (`*` and `?`, case-insensitive). Empty include = all.
    #[serde(default)]
    pub include_streams: Vec<String>,
    #[serde(default)]
    pub exclude_streams: Vec<String>,
    #[serde(default)]
    pub include_apps: Vec<String>,
    #[serde(default)]
    pub exclude_apps: Vec<String>,
    /// Fetch the last reload's script log through QRS.
    #[serde(default = "yes")]
    pub script_logs: bool,
    /// Open apps with data to read the data model (costs memory on the server).
    #[serde(default)]
    pub data_model: bool,
}

/// Folders on this machine holding what the server's scripts read, so lineage can read it
/// too (the server's paths stay the names). Relative paths are against the configuration file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Paths {
    /// Include scripts (`.qvs`), looked up by their path under their folder connection, then
    /// by file name.
    #[serde(default)]
    pub qvs_scripts: Option<PathBuf>,
    /// QVD files, looked up by their path under their folder connection, then by file name:
    /// their headers give `LOAD *` its fields and confirm the stores.
    #[serde(default)]
    pub qvd: Option<PathBuf>,
    /// The Qlik Sense log folder (`C:\ProgramData\Qlik\Sense\Log` or its `Script`
    /// subfolder): an app's newest `<app id>.*.log` when QRS gives no script log.
    #[serde(default)]
    pub logs: Option<PathBuf>,
    /// Server folders and where they are here: `'\\fileserver\qlik' = "/mnt/qlik"`.
    #[serde(default)]
    pub mounts: std::collections::BTreeMap<String, PathBuf>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    /// 0 means no limit.
    #[serde(default)]
    pub requests_per_second: f64,
    #[serde(default = "default_connect_timeout")]
    pub connect_timeout_secs: u64,
    #[serde(default = "default_request_timeout")]
    pub request_timeout_secs: u64,
    #[serde(default = "default_retries")]
    pub retries: u32,
}

fn yes() -> bool {
    true
}
fn default_site_name() -> String {
    "Crawled site".into()
}
fn windows_agent() -> String {
    "Windows".into()
}
fn default_concurrency() -> usize {
    4
}
fn default_connect_timeout() -> u64 {
    10
}
fn default_request_timeout() -> u64 {
    60
}
fn default_retries() -> u32 {
    3
}

impl Default for Crawl {
    fn default() -> Crawl {
        Crawl {
            streams: true,
            exclude_unpublished_apps: false,
            exclude_unpublished_sheets: false,
            include_streams: Vec::new(),
            exclude_streams: Vec::new(),
            include_apps: Vec::new(),
            exclude_apps: Vec::new(),
            script_logs: true,
            data_model: false,
        }
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            concurrency: default_concurrency(),
            requests_per_second: 0.0,
            connect_timeout_secs: default_connect_timeout(),
            request_timeout_secs: default_request_timeout(),
            retries: default_retries(),
        }
    }
}

/// Why a configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}:{column}: {key}{message}")]
    Parse {
        path: PathBuf,
        line: usize,
        column: usize,
        /// `key `…`: ` when the place names one, else empty.
        key: String,
        message: String,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("{path}: {source}")]
    Secret { path: PathBuf, source: SecretError },
}

impl Config {
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let mut config = Config::parse(&text, path)?;
        config.base_dir = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        Ok(config)
    }

    /// Parses and checks; `path` only names the file in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| {
            let (line, column, key) = match e.span() {
                Some(span) => place(text, span.start),
                None => (1, 1, String::new()),
            };
            ConfigError::Parse {
                path: path.to_path_buf(),
                line,
                column,
                key: if key.is_empty() {
                    String::new()
                } else {
                    format!("key `{key}`: ")
                },
                message: e.message().trim().to_owned(),
            }
        })?;
        config.check(path)?;
        Ok(config)
    }

    fn check(&self, path: &Path) -> Result<(), ConfigError> {
        let invalid = |message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let secret = |key: &str, v: &Option<String>| -> Result<(), ConfigError> {
            if let Some(v) = v {
                SecretRef::parse(v).map_err(|source| ConfigError::Secret {
                    path: path.to_path_buf(),
                    source: match source {
                        SecretError::NotAReference(hint) => {
                            SecretError::NotAReference(format!("{key} = {hint}"))
                        }
                        other => other,
                    },
                })?;
            }
            Ok(())
        };
        secret("auth.password", &self.auth.password)?;
        secret("auth.token", &self.auth.token)?;
        secret("tls.pfx_password", &self.tls.pfx_password)?;
        match self.auth.method {
            AuthMethod::Certificate => {
                if self.server.qrs_url.is_none() || self.server.engine_url.is_none() {
                    return Err(invalid(
                        "auth.method = \"certificate\" needs server.qrs_url (port 4242) and server.engine_url (port 4747)".into(),
                    ));
                }
                if self.tls.client_pfx.is_none()
                    && (self.tls.client_cert.is_none() || self.tls.client_key.is_none())
                {
                    return Err(invalid(
                        "certificate auth needs tls.client_cert and tls.client_key, or tls.client_pfx".into(),
                    ));
                }
            }
            method => {
                if self.server.url.is_none() {
                    return Err(invalid(format!(
                        "auth.method = \"{}\" needs server.url (the proxy)",
                        method.name()
                    )));
                }
                let need = |ok: bool, what: &str| {
                    if ok {
                        Ok(())
                    } else {
                        Err(invalid(format!(
                            "auth.method = \"{}\" needs {what}",
                            method.name()
                        )))
                    }
                };
                match method {
                    AuthMethod::Windows => need(
                        self.auth.password.is_some() && !self.auth.user_id.is_empty(),
                        "auth.user_directory, auth.user_id and auth.password",
                    )?,
                    AuthMethod::Jwt => need(self.auth.token.is_some(), "auth.token")?,
                    AuthMethod::Header => need(
                        self.auth.header_name.is_some(),
                        "auth.header_name (and auth.header_value or auth.user_id)",
                    )?,
                    AuthMethod::Certificate => {}
                }
            }
        }
        if self.limits.concurrency == 0 {
            return Err(invalid("limits.concurrency must be at least 1".into()));
        }
        if self.limits.requests_per_second < 0.0 || !self.limits.requests_per_second.is_finite() {
            return Err(invalid(
                "limits.requests_per_second must be 0 (no limit) or more".into(),
            ));
        }
        if self.http_proxy.enabled && self.http_proxy.url.is_none() {
            return Err(invalid("http_proxy.enabled needs http_proxy.url".into()));
        }
        Ok(())
    }

    /// A path from the configuration, relative to its folder.
    pub fn path(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.base_dir.join(p)
        }
    }

    /// The prefix in URLs: `/jwt` or empty.
    pub fn prefix(&self) -> String {
        let p = self.server.virtual_proxy.trim_matches('/');
        if self.server.virtual_proxy_enabled && !p.is_empty() {
            format!("/{p}")
        } else {
            String::new()
        }
    }
}

impl AuthMethod {
    pub fn name(self) -> &'static str {
        match self {
            AuthMethod::Certificate => "certificate",
            AuthMethod::Windows => "windows",
            AuthMethod::Jwt => "jwt",
            AuthMethod::Header => "header",
        }
    }
}

/// Line, column (1-based, in characters) and the key on that line, for a byte offset.
fn place(text: &str, offset: usize) -> (usize, usize, String) {
    let offset = offset.min(text.len());
    let before = &text[..text.floor_char_boundary_compat(offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    let line_text = text[line_start..].lines().next().unwrap_or("");
    let key = line_text
        .split_once('=')
        .map(|(k, _)| k.trim().trim_matches('"').to_owned())
        .filter(|k| !k.starts_with('[') && !k.starts_with('#'))
        .unwrap_or_default();
    (line, column, key)
}

trait FloorCharBoundary {
    fn floor_char_boundary_compat(&self, i: usize) -> usize;
}

impl FloorCharBoundary for str {
    fn floor_char_boundary_compat(&self, mut i: usize) -> usize {
        while i > 0 && !self.is_char_boundary(i) {
            i -= 1;
        }
        i
    }
}

/// The commented sample `qlineage init` writes.
pub fn sample(method: AuthMethod) -> String {
    let server = match method {
        AuthMethod::Certificate => {
            "# Certificate authentication goes straight to the Repository (4242) and engine (4747).\nqrs_url = \"https://qlik-node-1.example.com:4242\"\nengine_url = \"wss://qlik-node-1.example.com:4747\"\n"
        }
        _ => "# The proxy: what users type in the browser.\nurl = \"https://qlik.example.com\"\n",
    };
    let prefix = match method {
        AuthMethod::Jwt => "jwt",
        AuthMethod::Header => "hdr",
        _ => "",
    };
    let auth = match method {
        AuthMethod::Certificate => "# Act as this user (X-Qlik-User). INTERNAL\\sa_api has full read rights.\nuser_directory = \"INTERNAL\"\nuser_id = \"sa_api\"\n",
        AuthMethod::Windows => "user_directory = \"DOMAIN\"\nuser_id = \"svc_qlineage\"\n# The password by reference only: env:NAME, file:PATH or cmd:COMMAND (its output).\npassword = \"env:QLIK_PASSWORD\"\n# Must contain the virtual proxy's Windows authentication pattern, or the proxy\n# answers with its forms login page.\nuser_agent = \"Windows\"\n",
        AuthMethod::Jwt => "# The token by reference only: env:NAME, file:PATH or cmd:COMMAND (its output).\ntoken = \"file:qlik.jwt\"\n",
        AuthMethod::Header => "# The header the virtual proxy reads, and the user it names.\nheader_name = \"hdr-usr\"\nuser_id = \"svc_qlineage\"\n",
    };
    let client = match method {
        AuthMethod::Certificate => "# The client certificate exported from the QMC (platform independent PEM)...\nclient_cert = \"client.pem\"\nclient_key = \"client_key.pem\"\n# ...or a PFX/P12 file, its password by reference:\n# client_pfx = \"client.pfx\"\n# pfx_password = \"env:QLIK_PFX_PASSWORD\"\n",
        _ => "",
    };
    format!(
        "# qlineage crawl configuration (qlineage init --auth {m}).\n# Paths are relative to this file. Secrets are references, never values.\n\n[server]\n{server}# Virtual proxy prefix (jwt, hdr, ...); empty for the default virtual proxy.\nvirtual_proxy = \"{prefix}\"\nvirtual_proxy_enabled = {vp}\n# The name written into the snapshot's site.json.\nsite_name = \"Production\"\n\n[auth]\n# certificate | windows | jwt | header\nmethod = \"{m}\"\n{auth}\n[tls]\n# The site CA from the QMC certificate export.\nca_bundle = \"root.pem\"\n# The name the server certificate is checked against, when it differs from the URL's host.\n# alias_host = \"qlik-node-1\"\n# Accept a certificate whose subject CN matches (Qlik node certificates often lack a SAN).\naccept_common_name = true\n{client}# Skip all certificate checks (warned about on every run). Never in production.\ninsecure = false\n\n[http_proxy]\nenabled = false\n# url = \"http://proxy.example.com:3128\"\n\n[crawl]\n# Read streams from QRS.\nstreams = true\nexclude_unpublished_apps = false\n# Skip private sheets (neither published nor approved).\nexclude_unpublished_sheets = false\n# Name patterns with * and ?, case-insensitive; an empty include list means all.\ninclude_streams = []\nexclude_streams = []\ninclude_apps = []\nexclude_apps = [\"*test*\"]\n# The last reload's script log, through QRS.\nscript_logs = true\n# Open apps with data to read the data model (costs server memory).\ndata_model = false\n\n[paths]\n# Folders on this machine holding what the server's scripts read; lineage reads them\n# (include scripts, QVD headers, script logs) and keeps naming the server's paths.\n# qvs_scripts = \"D:/qlik/scripts\"\n# qvd = \"//fileserver/qvd\"\n# logs = \"C:/ProgramData/Qlik/Sense/Log\"\n\n[paths.mounts]\n# A server folder = where it is here.\n# '\\\\fileserver\\qlik' = \"/mnt/qlik\"\n\n[limits]\n# Apps crawled at once.\nconcurrency = 4\n# 0 means no limit.\nrequests_per_second = 0\nconnect_timeout_secs = 10\nrequest_timeout_secs = 60\n# Retries of transient failures (connection reset, 502/503/504, WebSocket drop); never on 401/403.\nretries = 3\n",
        m = method.name(),
        vp = !prefix.is_empty(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sample_parses() {
        for m in [
            AuthMethod::Certificate,
            AuthMethod::Windows,
            AuthMethod::Jwt,
            AuthMethod::Header,
        ] {
            let c = Config::parse(&sample(m), Path::new("site.toml"))
                .unwrap_or_else(|e| panic!("{}: {e}", m.name()));
            assert_eq!(c.auth.method, m);
            assert_eq!(c.limits.concurrency, 4);
        }
    }

    #[test]
    fn unknown_keys_and_wrong_types_name_key_line_and_column() {
        let text = sample(AuthMethod::Jwt).replace("concurrency = 4", "concurency = 4");
        let e = Config::parse(&text, Path::new("site.toml"))
            .unwrap_err()
            .to_string();
        let line = text
            .lines()
            .position(|l| l.starts_with("concurency"))
            .unwrap()
            + 1;
        assert!(
            e.starts_with(&format!("site.toml:{line}:1: key `concurency`")),
            "{e}"
        );
        assert!(e.contains("unknown field `concurency`"), "{e}");

        let text = sample(AuthMethod::Jwt).replace("concurrency = 4", "concurrency = \"four\"");
        let e = Config::parse(&text, Path::new("site.toml"))
            .unwrap_err()
            .to_string();
        let line = text
            .lines()
            .position(|l| l.starts_with("concurrency"))
            .unwrap()
            + 1;
        assert!(
            e.starts_with(&format!("site.toml:{line}:15: key `concurrency`")),
            "{e}"
        );
        assert!(e.contains("invalid type"), "{e}");
    }

    #[test]
    fn a_secret_written_in_place_is_refused_without_echoing_it() {
        let text = sample(AuthMethod::Jwt).replace("file:qlik.jwt", "eyJhbGciOiJSUzI1NiJ9.secret");
        let e = Config::parse(&text, Path::new("site.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("auth.token") && !e.contains("eyJhbGci"), "{e}");
    }

    #[test]
    fn methods_need_their_settings() {
        let text = sample(AuthMethod::Windows).replace("password = \"env:QLIK_PASSWORD\"\n", "");
        let e = Config::parse(&text, Path::new("s.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("auth.password"), "{e}");
        let text = sample(AuthMethod::Certificate).replace("client_key = \"client_key.pem\"\n", "");
        let e = Config::parse(&text, Path::new("s.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("tls.client_key"), "{e}");
    }
}
