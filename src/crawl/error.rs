//! What can go wrong talking to a site. Variants carry data, never a secret; the crawl loop
//! asks [`CrawlError::is_transient`] whether a retry may help (never for 401/403).

use crate::qlik::rpc::RpcError;

#[derive(Debug, Clone, thiserror::Error)]
pub enum CrawlError {
    #[error("configuration: {0}")]
    Config(String),
    #[error("TLS setup: {0}")]
    TlsSetup(String),
    #[error("cannot connect to {url}: {message}")]
    Connect { url: String, message: String },
    #[error("{url}: timed out")]
    Timeout { url: String },
    #[error("{url}: HTTP {status}: {body}")]
    Http {
        url: String,
        status: u16,
        body: String,
    },
    #[error("{url}: the server answered with a login page (HTML) instead of JSON: authentication did not happen{hint}")]
    LoginPage { url: String, hint: String },
    #[error("authentication refused ({status}) at {url}: {reason}")]
    Auth {
        url: String,
        status: u16,
        reason: String,
    },
    #[error("{url}: not the JSON expected ({what}): {message}")]
    Json {
        url: String,
        what: String,
        message: String,
    },
    #[error("engine {method}: error {} ({}){}", .error.code, .error.message, if .error.parameter.is_empty() { String::new() } else { format!(": {}", .error.parameter) })]
    Engine { method: String, error: RpcError },
    #[error("engine {method}: the object was not found")]
    NotFound { method: String },
    #[error("engine WebSocket {url}: {message}")]
    Socket { url: String, message: String },
    #[error("engine session refused: {notification}: {message}")]
    Session {
        notification: String,
        message: String,
    },
    #[error("engine {method}: timed out after {seconds} s")]
    EngineTimeout { method: String, seconds: u64 },
    #[error("{path}: {message}")]
    Io { path: String, message: String },
    #[error("stopped (Ctrl-C)")]
    Cancelled,
}

impl CrawlError {
    /// Connection resets, 502/503/504, timeouts, dropped sockets and malformed frames may go
    /// away on a retry; refusals (401/403), not-found and engine errors will not.
    pub fn is_transient(&self) -> bool {
        match self {
            CrawlError::Connect { .. } | CrawlError::Timeout { .. } => true,
            CrawlError::Http { status, .. } => matches!(status, 500 | 502 | 503 | 504 | 429),
            CrawlError::Json { .. } => true,
            CrawlError::Socket { .. } | CrawlError::EngineTimeout { .. } => true,
            CrawlError::Engine { error, .. } => {
                error.code == crate::qlik::rpc::code::CONNECTION_LOST
                    || error.code == crate::qlik::rpc::code::RPC_PARSE_ERROR
            }
            _ => false,
        }
    }

    /// A stable short name for summaries and JSON output.
    pub fn kind(&self) -> &'static str {
        match self {
            CrawlError::Config(_) => "config",
            CrawlError::TlsSetup(_) => "tls-setup",
            CrawlError::Connect { .. } => "connect",
            CrawlError::Timeout { .. } => "timeout",
            CrawlError::Http { .. } => "http",
            CrawlError::LoginPage { .. } => "login-page",
            CrawlError::Auth { .. } => "auth",
            CrawlError::Json { .. } => "json",
            CrawlError::Engine { .. } => "engine",
            CrawlError::NotFound { .. } => "not-found",
            CrawlError::Socket { .. } => "socket",
            CrawlError::Session { .. } => "session",
            CrawlError::EngineTimeout { .. } => "engine-timeout",
            CrawlError::Io { .. } => "io",
            CrawlError::Cancelled => "cancelled",
        }
    }
}

/// A reqwest error as text with its causes (rustls's reason is in the source chain).
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}
