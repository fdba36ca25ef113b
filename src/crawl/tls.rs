//! The crawler's TLS: one rustls client configuration for QRS and the engine alike. It trusts
//! the site CA (`root.pem`), presents the client certificate (PEM pair or PFX) when there is
//! one, and checks the server's name against the alias host, falling back to the subject CN
//! because Qlik's self-signed node certificates often carry no subject alternative name (and
//! rustls checks names only against SANs). `insecure` skips every check, loudly.

use super::config::Config;
use super::secret::{SecretError, SecretRef};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum TlsSetupError {
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("the PFX password: {0}")]
    Secret(#[from] SecretError),
    #[error("{path}: cannot open the PFX file (wrong password, or not PKCS#12): {message}")]
    Pfx { path: PathBuf, message: String },
    #[error("TLS: {0}")]
    Rustls(#[from] rustls::Error),
    #[error("TLS: {0}")]
    Verifier(String),
}

pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn read(path: &Path) -> Result<Vec<u8>, TlsSetupError> {
    std::fs::read(path).map_err(|e| TlsSetupError::File {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

fn pem_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsSetupError> {
    let bytes = read(path)?;
    let certs: Vec<_> = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<_, _>>()
        .map_err(|e| TlsSetupError::File {
            path: path.to_path_buf(),
            message: format!("not a PEM certificate file: {e}"),
        })?;
    if certs.is_empty() {
        return Err(TlsSetupError::File {
            path: path.to_path_buf(),
            message: "holds no certificate (expected -----BEGIN CERTIFICATE-----)".into(),
        });
    }
    Ok(certs)
}

fn pem_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsSetupError> {
    let bytes = read(path)?;
    PrivateKeyDer::from_pem_slice(&bytes).map_err(|e| TlsSetupError::File {
        path: path.to_path_buf(),
        message: format!("not a PEM private key (PKCS#1, PKCS#8 or SEC1): {e}"),
    })
}

/// The client identity from a PFX/P12 file: the key and its chain.
pub fn pfx_identity(
    path: &Path,
    password: &str,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), TlsSetupError> {
    let bytes = read(path)?;
    let store =
        p12_keystore::KeyStore::from_pkcs12(&bytes, password).map_err(|e| TlsSetupError::Pfx {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
    let (_, chain) = store
        .private_key_chain()
        .ok_or_else(|| TlsSetupError::Pfx {
            path: path.to_path_buf(),
            message: "no private key inside".into(),
        })?;
    let certs = chain
        .chain()
        .iter()
        .map(|c| CertificateDer::from(c.as_der().to_vec()))
        .collect();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(chain.key().to_vec()));
    Ok((certs, key))
}

/// The client configuration for a crawl. `present_client_cert` is false for proxy logins.
pub fn client_config(
    config: &Config,
    present_client_cert: bool,
) -> Result<Arc<rustls::ClientConfig>, TlsSetupError> {
    let builder = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?;
    let names = if config.tls.insecure {
        None
    } else {
        let mut roots = rustls::RootCertStore::empty();
        if let Some(ca) = &config.tls.ca_bundle {
            for cert in pem_certs(&config.path(ca))? {
                roots.add(cert)?;
            }
        }
        let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider())
            .build()
            .map_err(|e| TlsSetupError::Verifier(e.to_string()))?;
        Some(ChainAndName {
            inner,
            alias_host: config.tls.alias_host.clone(),
            accept_common_name: config.tls.accept_common_name,
        })
    };
    let verifier = Arc::new(SiteVerifier {
        provider: provider(),
        chain: names,
    });
    let builder = builder
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let tls = &config.tls;
    let mut client = if present_client_cert {
        if let Some(pfx) = &tls.client_pfx {
            let password = match &tls.pfx_password {
                Some(r) => SecretRef::parse(r)?.resolve(&config.base_dir)?,
                None => super::secret::Secret::new(String::new()),
            };
            let (certs, key) = pfx_identity(&config.path(pfx), password.expose())?;
            builder.with_client_auth_cert(certs, key)?
        } else if let (Some(cert), Some(key)) = (&tls.client_cert, &tls.client_key) {
            builder.with_client_auth_cert(
                pem_certs(&config.path(cert))?,
                pem_key(&config.path(key))?,
            )?
        } else {
            builder.with_no_client_auth()
        }
    } else {
        builder.with_no_client_auth()
    };
    client.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(client))
}

/// The one server verifier: the chain and name check below, or none at all when `insecure`
/// (`chain: None`). The handshake signatures are checked either way, with the provider's
/// algorithms, as rustls's own verifier does.
#[derive(Debug)]
struct SiteVerifier {
    provider: Arc<rustls::crypto::CryptoProvider>,
    chain: Option<ChainAndName>,
}

/// Chain to the site CA; name against the alias host (when set) or the URL's host, by SAN or,
/// when allowed, by the subject CN.
#[derive(Debug)]
struct ChainAndName {
    inner: Arc<WebPkiServerVerifier>,
    alias_host: Option<String>,
    accept_common_name: bool,
}

impl ChainAndName {
    fn verify(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let alias;
        let name = match &self.alias_host {
            Some(host) => {
                alias = ServerName::try_from(host.as_str())
                    .map_err(|_| {
                        rustls::Error::General(format!("alias host `{host}` is not a host name"))
                    })?
                    .to_owned();
                &alias
            }
            None => server_name,
        };
        match self
            .inner
            .verify_server_cert(end_entity, intermediates, name, ocsp_response, now)
        {
            // webpki checks the chain before the name: a name error means the chain is good.
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) if self.accept_common_name
                && common_name(end_entity)
                    .is_some_and(|cn| cn.eq_ignore_ascii_case(&name.to_str())) =>
            {
                Ok(ServerCertVerified::assertion())
            }
            other => other,
        }
    }
}

impl ServerCertVerifier for SiteVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match &self.chain {
            Some(check) => check.verify(end_entity, intermediates, server_name, ocsp_response, now),
            None => Ok(ServerCertVerified::assertion()),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// The subject's CN of a certificate.
pub fn common_name(cert: &CertificateDer<'_>) -> Option<String> {
    let parsed = p12_keystore::Certificate::from_der(cert.as_ref()).ok()?;
    parsed
        .subject()
        .split(',')
        .filter_map(|part| part.trim().strip_prefix("CN="))
        .next()
        .map(str::to_owned)
}
