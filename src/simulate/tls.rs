//! The site's certificates and the rustls configurations of the three listeners.
//!
//! Like a Qlik node, the simulator has a site CA (`root.pem`), a server certificate and a
//! client certificate exported for API callers (`client.pem`, `client_key.pem`). They are made
//! at start-up with rcgen unless the certificate directory already holds them. The server
//! certificate names `localhost` and `127.0.0.1`, so standard clients verify it against the CA.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not a PEM {what}")]
    Pem { path: PathBuf, what: &'static str },
    #[error("generating certificates: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("TLS configuration: {0}")]
    Rustls(#[from] rustls::Error),
    #[error("client verifier: {0}")]
    Verifier(String),
    #[error("{dir}: has some of root.pem, server.pem, server_key.pem but not all")]
    Partial { dir: PathBuf },
}

/// Paths of the PEM files, named as Qlik's certificate export names them.
#[derive(Debug, Clone)]
pub struct CertFiles {
    pub root: PathBuf,
    pub server: PathBuf,
    pub server_key: PathBuf,
    pub client: PathBuf,
    pub client_key: PathBuf,
}

impl CertFiles {
    pub fn in_dir(dir: &Path) -> CertFiles {
        CertFiles {
            root: dir.join("root.pem"),
            server: dir.join("server.pem"),
            server_key: dir.join("server_key.pem"),
            client: dir.join("client.pem"),
            client_key: dir.join("client_key.pem"),
        }
    }
}

/// Makes a CA and the certificates it signs.
pub struct Authority {
    ca: rcgen::Certificate,
    ca_key: rcgen::KeyPair,
}

impl Authority {
    pub fn new(common_name: &str) -> Result<Authority, TlsError> {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new())?;
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, common_name);
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
            rcgen::KeyUsagePurpose::DigitalSignature,
        ];
        let ca_key = rcgen::KeyPair::generate()?;
        let ca = params.self_signed(&ca_key)?;
        Ok(Authority { ca, ca_key })
    }

    pub fn ca_pem(&self) -> String {
        self.ca.pem()
    }

    /// A leaf certificate: `(cert PEM, key PEM)`.
    pub fn issue(
        &self,
        common_name: &str,
        names: &[&str],
        server: bool,
    ) -> Result<(String, String), TlsError> {
        self.issue_leaf(&Leaf {
            purpose: Some(server),
            ..Leaf::new(common_name, names)
        })
    }

    /// A leaf certificate as `leaf` describes it: `(cert PEM, key PEM)`.
    pub fn issue_leaf(&self, leaf: &Leaf) -> Result<(String, String), TlsError> {
        let mut params = rcgen::CertificateParams::new(leaf.names.clone())?;
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, leaf.common_name.as_str());
        params.use_authority_key_identifier_extension = true;
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::DigitalSignature,
            rcgen::KeyUsagePurpose::KeyEncipherment,
        ];
        params.extended_key_usages = match leaf.purpose {
            Some(true) => vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth],
            Some(false) => vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth],
            None => Vec::new(),
        };
        if let Some((from, to)) = leaf.valid_years {
            params.not_before = rcgen::date_time_ymd(from, 1, 1);
            params.not_after = rcgen::date_time_ymd(to, 1, 1);
        }
        let key = rcgen::KeyPair::generate()?;
        let cert = params.signed_by(&key, &self.ca, &self.ca_key)?;
        Ok((cert.pem(), key.serialize_pem()))
    }

    /// Writes a complete certificate directory for `--certs`: this CA as `root.pem`, the
    /// given server pair, and a client certificate of this CA for API callers. Tests use it
    /// to serve hand-made server certificates (expired, wrong purpose, without SANs).
    pub fn write_dir(&self, dir: &Path, server: (String, String)) -> Result<CertFiles, TlsError> {
        std::fs::create_dir_all(dir).map_err(|source| TlsError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let files = CertFiles::in_dir(dir);
        let (client, client_key) = self.issue("QlikClient", &[], false)?;
        for (path, text) in [
            (&files.root, self.ca_pem()),
            (&files.server, server.0),
            (&files.server_key, server.1),
            (&files.client, client),
            (&files.client_key, client_key),
        ] {
            write_private(path, &text)?;
        }
        Ok(files)
    }
}

/// What a leaf certificate holds: Qlik's own node certificates vary (no SAN, CN only), and
/// the failures users meet come from expired or wrong-purpose ones.
#[derive(Debug, Clone)]
pub struct Leaf {
    pub common_name: String,
    /// Subject alternative names; none means no SAN extension at all.
    pub names: Vec<String>,
    /// `Some(true)` serverAuth, `Some(false)` clientAuth, `None` no extended key usage.
    pub purpose: Option<bool>,
    /// `(from, to)` January 1st of these years; `None` keeps rcgen's default.
    pub valid_years: Option<(i32, i32)>,
}

impl Leaf {
    /// A server certificate for `names`, valid now.
    pub fn new(common_name: &str, names: &[&str]) -> Leaf {
        Leaf {
            common_name: common_name.to_owned(),
            names: names.iter().map(|n| (*n).to_owned()).collect(),
            purpose: Some(true),
            valid_years: None,
        }
    }
}

/// Uses the certificates in `dir` when root, server and server key are all there; otherwise
/// makes a new site CA, server and client certificate and writes them there.
pub fn ensure_certificates(dir: &Path) -> Result<CertFiles, TlsError> {
    let files = CertFiles::in_dir(dir);
    let present = [&files.root, &files.server, &files.server_key]
        .iter()
        .filter(|p| p.exists())
        .count();
    if present == 3 {
        return Ok(files);
    }
    if present != 0 {
        return Err(TlsError::Partial {
            dir: dir.to_path_buf(),
        });
    }
    let authority = Authority::new("qlineage-simulator-CA")?;
    let server = authority.issue("localhost", &["localhost", "127.0.0.1"], true)?;
    authority.write_dir(dir, server)
}

fn write_private(path: &Path, text: &str) -> Result<(), TlsError> {
    let io = |source| TlsError::Io {
        path: path.to_path_buf(),
        source,
    };
    std::fs::write(path, text).map_err(io)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
    }
    Ok(())
}

fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs: Vec<_> = CertificateDer::pem_file_iter(path)
        .map_err(|_| TlsError::Pem {
            path: path.to_path_buf(),
            what: "certificate",
        })?
        .collect::<Result<_, _>>()
        .map_err(|_| TlsError::Pem {
            path: path.to_path_buf(),
            what: "certificate",
        })?;
    if certs.is_empty() {
        return Err(TlsError::Pem {
            path: path.to_path_buf(),
            what: "certificate",
        });
    }
    Ok(certs)
}

fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    PrivateKeyDer::from_pem_file(path).map_err(|_| TlsError::Pem {
        path: path.to_path_buf(),
        what: "private key",
    })
}

pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The server configuration; `client_auth` requires a client certificate signed by the site CA
/// (the QRS and engine ports), otherwise none is asked for (the proxy).
pub fn server_config(
    files: &CertFiles,
    client_auth: bool,
) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let chain = read_certs(&files.server)?;
    let key = read_key(&files.server_key)?;
    let builder = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?;
    let builder = if client_auth {
        let mut roots = rustls::RootCertStore::empty();
        for cert in read_certs(&files.root)? {
            roots.add(cert)?;
        }
        let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
            Arc::new(roots),
            provider(),
        )
        .build()
        .map_err(|e| TlsError::Verifier(e.to_string()))?;
        builder.with_client_cert_verifier(verifier)
    } else {
        builder.with_no_client_auth()
    };
    let mut config = builder.with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// A client configuration trusting the site CA, optionally presenting a client certificate:
/// what tests and the crawler use.
pub fn client_config(
    root: &Path,
    identity: Option<(&Path, &Path)>,
) -> Result<Arc<rustls::ClientConfig>, TlsError> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in read_certs(root)? {
        roots.add(cert)?;
    }
    let builder = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots);
    let config = match identity {
        Some((cert, key)) => builder.with_client_auth_cert(read_certs(cert)?, read_key(key)?)?,
        None => builder.with_no_client_auth(),
    };
    Ok(Arc::new(config))
}
