//! OpenLineage over HTTP: the run events `lineage::export::openlineage` builds, posted one
//! per request to an OpenLineage endpoint (`POST {url}/api/v1/lineage`, as Marquez serves
//! it; DataHub and OpenMetadata accept the same). The CLI runs near the Qlik server and
//! pushes out, so no inbound firewall change is needed.
//!
//! Transient failures (connection errors, 429, 5xx) are retried with exponential backoff,
//! honouring `Retry-After`; any other refusal is final for that event and reported with its
//! status and the start of the answer, and the push goes on with the next event. When the
//! endpoint cannot be reached at all after the retries, the push stops: every further event
//! would fail the same way.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;

use crate::crawl::secret::Secret;

/// How and where to push.
#[derive(Debug, Clone)]
pub struct PushOptions {
    /// The endpoint's base URL (`http://marquez:5000`) or the full lineage URL.
    pub url: String,
    /// Sent as `Authorization: Bearer …`.
    pub api_key: Option<Secret>,
    /// A PEM file of extra trusted roots (a private CA), on top of the system's.
    pub ca_cert: Option<PathBuf>,
    /// Retries of one event after its first attempt.
    pub retries: u32,
    /// The first retry's wait; each next one doubles it.
    pub backoff: Duration,
    pub timeout: Duration,
}

impl PushOptions {
    pub fn new(url: impl Into<String>) -> PushOptions {
        PushOptions {
            url: url.into(),
            api_key: None,
            ca_cert: None,
            retries: 4,
            backoff: Duration::from_millis(500),
            timeout: Duration::from_secs(30),
        }
    }
}

/// An event the endpoint refused for good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// Its position in the list pushed (0-based).
    pub index: usize,
    /// `eventType job-namespace/job-name run runId`.
    pub event: String,
    pub status: u16,
    /// The start of the endpoint's answer.
    pub body: String,
    pub attempts: u32,
}

/// What a push did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PushReport {
    pub accepted: usize,
    pub refused: Vec<Refused>,
    /// Attempts that were retried (transient failures met on the way).
    pub retries: usize,
}

/// Why a push could not run or had to stop.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    #[error("--url `{url}`: {message}")]
    Url { url: String, message: String },
    #[error("--ca-cert {path}: {message}")]
    CaCert { path: PathBuf, message: String },
    #[error("cannot set up the HTTP client: {0}")]
    Client(String),
    #[error("{url} cannot be reached after {attempts} attempts: {message} ({accepted} events were accepted before)")]
    Unreachable {
        url: String,
        attempts: u32,
        message: String,
        accepted: usize,
        report: PushReport,
    },
}

/// The URL events are posted to.
pub fn lineage_url(base: &str) -> Result<reqwest::Url, PushError> {
    let trimmed = base.trim().trim_end_matches('/');
    let full = if trimmed.ends_with("/api/v1/lineage") {
        trimmed.to_string()
    } else {
        format!("{trimmed}/api/v1/lineage")
    };
    let url = reqwest::Url::parse(&full).map_err(|e| PushError::Url {
        url: base.to_string(),
        message: e.to_string(),
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(PushError::Url {
            url: base.to_string(),
            message: "expected http://host[:port] or https://host[:port]".into(),
        });
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(PushError::Url {
            url: "[redacted]".into(),
            message: "credentials in the URL are refused; use --api-key-ref".into(),
        });
    }
    Ok(url)
}

fn client(options: &PushOptions) -> Result<reqwest::Client, PushError> {
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .timeout(options.timeout)
        .connect_timeout(options.timeout.min(Duration::from_secs(10)))
        .redirect(reqwest::redirect::Policy::none());
    if let Some(path) = &options.ca_cert {
        let bytes = std::fs::read(path).map_err(|e| PushError::CaCert {
            path: path.clone(),
            message: e.to_string(),
        })?;
        let certs =
            reqwest::Certificate::from_pem_bundle(&bytes).map_err(|e| PushError::CaCert {
                path: path.clone(),
                message: format!("not a PEM certificate bundle: {e}"),
            })?;
        if certs.is_empty() {
            return Err(PushError::CaCert {
                path: path.clone(),
                message: "holds no certificate (expected -----BEGIN CERTIFICATE-----)".into(),
            });
        }
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    builder
        .build()
        .map_err(|e| PushError::Client(e.to_string()))
}

/// Posts `events` in order; `progress(done, total)` after each.
pub async fn push(
    events: &[Value],
    options: &PushOptions,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<PushReport, PushError> {
    let url = lineage_url(&options.url)?;
    if url.scheme() == "https" && options.ca_cert.is_none() {
        // The client carries no root store of its own (rustls with manual roots, as the
        // crawler's): without a CA file every handshake would fail, retried for nothing.
        return Err(PushError::Url {
            url: options.url.clone(),
            message: "an https endpoint needs --ca-cert FILE, the CA (PEM) that signed its certificate (for a public CA on Linux: /etc/ssl/certs/ca-certificates.crt)".into(),
        });
    }
    let http = client(options)?;
    let mut report = PushReport::default();
    for (index, event) in events.iter().enumerate() {
        let body = serde_json::to_vec(event).map_err(|e| PushError::Client(e.to_string()))?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut request = http
                .post(url.clone())
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.clone());
            if let Some(key) = &options.api_key {
                request = request.bearer_auth(key.expose());
            }
            let last = attempt > options.retries;
            match request.send().await {
                Ok(response) if response.status().is_success() => {
                    report.accepted += 1;
                    break;
                }
                Ok(response) => {
                    let status = response.status();
                    let transient = status.as_u16() == 429 || status.is_server_error();
                    if transient && !last {
                        report.retries += 1;
                        let wait =
                            retry_after(&response).unwrap_or_else(|| backoff(options, attempt));
                        tokio::time::sleep(wait).await;
                        continue;
                    }
                    let text = response.text().await.unwrap_or_default();
                    report.refused.push(Refused {
                        index,
                        event: describe(event),
                        status: status.as_u16(),
                        body: excerpt(&text),
                        attempts: attempt,
                    });
                    break;
                }
                Err(error) => {
                    if !last {
                        report.retries += 1;
                        tokio::time::sleep(backoff(options, attempt)).await;
                        continue;
                    }
                    return Err(PushError::Unreachable {
                        url: url.to_string(),
                        attempts: attempt,
                        message: error_chain(&error),
                        accepted: report.accepted,
                        report,
                    });
                }
            }
        }
        progress(index + 1, events.len());
    }
    Ok(report)
}

/// `base · 2^(attempt-1)`, at most a minute.
fn backoff(options: &PushOptions, attempt: u32) -> Duration {
    let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(16));
    options
        .backoff
        .saturating_mul(factor)
        .min(Duration::from_secs(60))
}

/// `Retry-After` in seconds (the HTTP-date form is rare for APIs and is ignored), at most a
/// minute.
fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    let seconds: u64 = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(seconds.min(60)))
}

/// Which event: its type, job and run, for the user to find it in the file export.
pub fn describe(event: &Value) -> String {
    let text = |p: &str| event.pointer(p).and_then(Value::as_str).unwrap_or("?");
    format!(
        "{} {}/{} run {}",
        text("/eventType"),
        text("/job/namespace"),
        text("/job/name"),
        text("/run/runId")
    )
}

/// The first 300 characters of an answer, on one line.
fn excerpt(body: &str) -> String {
    let flat: String = body
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let flat = flat.trim();
    if flat.chars().count() > 300 {
        format!("{}…", flat.chars().take(300).collect::<String>())
    } else {
        flat.to_string()
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lineage_path_is_added_once() {
        assert_eq!(
            lineage_url("http://marquez:5000").unwrap().as_str(),
            "http://marquez:5000/api/v1/lineage"
        );
        assert_eq!(
            lineage_url("https://dh.example/gms/").unwrap().as_str(),
            "https://dh.example/gms/api/v1/lineage"
        );
        assert_eq!(
            lineage_url("http://m:5000/api/v1/lineage")
                .unwrap()
                .as_str(),
            "http://m:5000/api/v1/lineage"
        );
        assert!(lineage_url("marquez:5000").is_err());
        assert!(lineage_url("ftp://m").is_err());
        let err = lineage_url("https://user:secret@m")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("secret"), "{err}");
    }

    #[tokio::test]
    async fn https_without_a_ca_file_is_refused_before_sending() {
        let options = PushOptions::new("https://marquez.example");
        let err = push(&[serde_json::json!({})], &options, &|_, _| {})
            .await
            .unwrap_err();
        assert!(err.to_string().contains("--ca-cert"), "{err}");
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let options = PushOptions::new("http://x");
        assert_eq!(backoff(&options, 1), Duration::from_millis(500));
        assert_eq!(backoff(&options, 3), Duration::from_secs(2));
        assert_eq!(backoff(&options, 40), Duration::from_secs(60));
    }

    #[test]
    fn excerpts_are_short_single_lines() {
        assert_eq!(excerpt("a\nb\r\n"), "a b");
        assert_eq!(excerpt(&"x".repeat(400)).chars().count(), 301);
    }
}
