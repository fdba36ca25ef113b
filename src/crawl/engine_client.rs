//! The engine client: one WebSocket per app over our own rustls stream, JSON-RPC answers
//! matched by id (requests may be sent in batches and answered in any order), notifications
//! routed as they come (OnAuthenticationInformation before or after OnConnected, or no
//! OnConnected at all; fatal greetings become [`CrawlError::Session`]), handles from the
//! `qReturn` interfaces, a timeout per call and a clean close.

use super::error::CrawlError;
use super::site_client::SiteClient;
use crate::qlik::engine::ObjectInterface;
use crate::qlik::rpc::{self, Frame};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

type Socket = WebSocketStream<TlsStream<TcpStream>>;

/// One call: a handle, a method and positional params.
#[derive(Debug, Clone)]
pub struct Call {
    pub handle: i64,
    pub method: String,
    pub params: Value,
}

impl Call {
    pub fn new(handle: i64, method: &str, params: Value) -> Call {
        Call {
            handle,
            method: method.to_owned(),
            params,
        }
    }
}

pub struct EngineClient {
    socket: Socket,
    url: String,
    next_id: i64,
    timeout: Duration,
    /// Whether OnConnected arrived (some proxies never send it).
    pub connected: bool,
    /// What OnAuthenticationInformation said, if it came.
    pub authenticated_user: Option<String>,
}

fn socket_error(url: &str, message: impl Into<String>) -> CrawlError {
    CrawlError::Socket {
        url: url.to_owned(),
        message: message.into(),
    }
}

/// `https://host[:port]` for a `wss://host[:port]/…` URL: the origin a browser on the hub
/// would send.
pub fn origin_of(url: &str) -> String {
    let http = url
        .replacen("wss://", "https://", 1)
        .replacen("ws://", "http://", 1);
    match reqwest::Url::parse(&http) {
        Ok(u) => u.origin().ascii_serialization(),
        Err(_) => http,
    }
}

impl EngineClient {
    /// Opens `…/app/<app_id>` with the site's authentication (client certificate and
    /// X-Qlik-User, or the proxy session cookie, or the bearer token).
    pub async fn open(site: &SiteClient, app_id: &str) -> Result<EngineClient, CrawlError> {
        let url = format!("{}/app/{}", site.engine_base, app_id);
        let parsed = reqwest::Url::parse(&url)
            .map_err(|e| CrawlError::Config(format!("engine URL {url}: {e}")))?;
        let host = parsed
            .host_str()
            .ok_or_else(|| CrawlError::Config(format!("engine URL {url} has no host")))?
            .trim_matches(['[', ']'])
            .to_owned();
        let port = parsed.port_or_known_default().unwrap_or(443);
        site.limit.wait().await;
        let connect = async {
            let tcp = TcpStream::connect((host.as_str(), port))
                .await
                .map_err(|e| CrawlError::Connect {
                    url: url.clone(),
                    message: e.to_string(),
                })?;
            let _ = tcp.set_nodelay(true);
            let name = rustls::pki_types::ServerName::try_from(host.clone())
                .map_err(|_| CrawlError::Config(format!("engine host `{host}` is not a name")))?;
            let tls = tokio_rustls::TlsConnector::from(site.engine_tls.clone())
                .connect(name, tcp)
                .await
                .map_err(|e| CrawlError::Connect {
                    url: url.clone(),
                    message: format!("TLS: {}", super::error::chain(&e)),
                })?;
            let mut request = url
                .as_str()
                .into_client_request()
                .map_err(|e| socket_error(&url, e.to_string()))?;
            let headers = request.headers_mut();
            let mut add = |k: &str, v: &str| {
                if let (Ok(name), Ok(value)) = (
                    k.parse::<tokio_tungstenite::tungstenite::http::HeaderName>(),
                    v.parse::<tokio_tungstenite::tungstenite::http::HeaderValue>(),
                ) {
                    headers.insert(name, value);
                }
            };
            for (k, v) in site.auth_headers() {
                add(&k, &v);
            }
            if let Some(cookie) = site.cookie_header(&url) {
                add("Cookie", &cookie);
            }
            add("User-Agent", &site.user_agent);
            // A browser opening the hub sends the server's own origin; Qlik's proxy checks it
            // against the virtual proxy's WebSocket origin allow list.
            add("Origin", &origin_of(&url));
            let (socket, _) = tokio_tungstenite::client_async(request, tls)
                .await
                .map_err(|e| match e {
                    tokio_tungstenite::tungstenite::Error::Http(resp) => {
                        let status = resp.status().as_u16();
                        let said = resp
                            .body()
                            .as_deref()
                            .map(|b| {
                                String::from_utf8_lossy(b)
                                    .trim()
                                    .chars()
                                    .take(200)
                                    .collect::<String>()
                            })
                            .filter(|b| !b.is_empty())
                            .map(|b| format!(" ({b})"))
                            .unwrap_or_default();
                        if matches!(status, 401 | 403) {
                            CrawlError::Auth {
                                url: url.clone(),
                                status,
                                reason: format!(
                                    "the WebSocket upgrade was refused{said}; Origin: {}",
                                    origin_of(&url)
                                ),
                            }
                        } else {
                            CrawlError::Http {
                                url: url.clone(),
                                status,
                                body: "the WebSocket upgrade was refused".into(),
                            }
                        }
                    }
                    other => socket_error(&url, other.to_string()),
                })?;
            Ok::<_, CrawlError>(socket)
        };
        let socket = tokio::time::timeout(site.connect_timeout, connect)
            .await
            .map_err(|_| CrawlError::Timeout { url: url.clone() })??;
        Ok(EngineClient {
            socket,
            url,
            next_id: 1,
            timeout: site.request_timeout,
            connected: false,
            authenticated_user: None,
        })
    }

    /// Handles one notification; fatal ones end the session with an error.
    fn notification(&mut self, method: &str, params: &Value) -> Result<(), CrawlError> {
        match method {
            "OnConnected" => {
                let state = params
                    .get("qSessionState")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                if rpc::session_state_is_error(state) {
                    return Err(CrawlError::Session {
                        notification: method.into(),
                        message: state.into(),
                    });
                }
                self.connected = true;
            }
            "OnAuthenticationInformation" => {
                if params
                    .get("mustAuthenticate")
                    .and_then(Value::as_bool)
                    .unwrap_or(false)
                {
                    return Err(CrawlError::Session {
                        notification: method.into(),
                        message: "mustAuthenticate: the proxy did not accept the session (log in again, or the user has no access)".into(),
                    });
                }
                let dir = params.get("userDirectory").and_then(Value::as_str);
                let id = params.get("userId").and_then(Value::as_str);
                if let (Some(d), Some(i)) = (dir, id) {
                    self.authenticated_user = Some(format!("{d}\\{i}"));
                }
            }
            m if rpc::FATAL_NOTIFICATIONS.contains(&m) => {
                let message = params
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned();
                return Err(CrawlError::Session {
                    notification: m.into(),
                    message,
                });
            }
            _ => {}
        }
        Ok(())
    }

    /// Sends the calls at once and collects every answer by id, in the calls' order.
    pub async fn batch(
        &mut self,
        calls: &[Call],
    ) -> Result<Vec<Result<Map<String, Value>, CrawlError>>, CrawlError> {
        let mut ids = HashMap::new();
        for (i, call) in calls.iter().enumerate() {
            let id = self.next_id;
            self.next_id += 1;
            ids.insert(id, i);
            let text = rpc::request(id, call.handle, &call.method, call.params.clone());
            self.socket
                .send(Message::text(text))
                .await
                .map_err(|e| socket_error(&self.url, e.to_string()))?;
        }
        let mut out: Vec<Option<Result<Map<String, Value>, CrawlError>>> =
            (0..calls.len()).map(|_| None).collect();
        let mut left = calls.len();
        let deadline = tokio::time::Instant::now() + self.timeout;
        while left > 0 {
            let next = tokio::time::timeout_at(deadline, self.socket.next()).await;
            let method = || {
                calls
                    .iter()
                    .zip(&out)
                    .find(|(_, o)| o.is_none())
                    .map(|(c, _)| c.method.clone())
                    .unwrap_or_default()
            };
            let message = match next {
                Err(_) => {
                    return Err(CrawlError::EngineTimeout {
                        method: method(),
                        seconds: self.timeout.as_secs(),
                    })
                }
                Ok(None) => return Err(socket_error(&self.url, "closed by the server")),
                Ok(Some(Err(e))) => return Err(socket_error(&self.url, e.to_string())),
                Ok(Some(Ok(m))) => m,
            };
            let text = match message {
                Message::Text(t) => t.to_string(),
                Message::Binary(b) => String::from_utf8_lossy(&b).into_owned(),
                Message::Close(frame) => {
                    return Err(socket_error(
                        &self.url,
                        format!(
                            "closed by the server{}",
                            frame.map(|f| format!(": {}", f.reason)).unwrap_or_default()
                        ),
                    ))
                }
                _ => continue,
            };
            let frame = Frame::parse(&text).map_err(|e| CrawlError::Json {
                url: self.url.clone(),
                what: "engine frame".into(),
                message: e.to_string(),
            })?;
            match frame {
                Frame::Notification { method, params } => self.notification(&method, &params)?,
                Frame::Response(resp) => {
                    let Some(&i) = ids.get(&resp.id) else {
                        continue; // an answer to nothing we asked: ignore
                    };
                    if out[i].is_some() {
                        continue;
                    }
                    let method = calls[i].method.clone();
                    out[i] = Some(
                        resp.outcome
                            .map_err(|error| CrawlError::Engine { method, error }),
                    );
                    left -= 1;
                }
            }
        }
        Ok(out
            .into_iter()
            .map(|o| o.unwrap_or_else(|| Ok(Map::new())))
            .collect())
    }

    /// One call.
    pub async fn call(
        &mut self,
        handle: i64,
        method: &str,
        params: Value,
    ) -> Result<Map<String, Value>, CrawlError> {
        let mut results = self.batch(&[Call::new(handle, method, params)]).await?;
        results.pop().unwrap_or_else(|| Ok(Map::new()))
    }

    /// Closes the socket politely; errors on the way out do not matter.
    pub async fn close(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(2), self.socket.close(None)).await;
    }
}

/// The handle in a `qReturn`; a null `qType`/`qHandle` (older engines) means not found.
pub fn handle_of(method: &str, result: &Map<String, Value>) -> Result<i64, CrawlError> {
    let interface: ObjectInterface = result
        .get("qReturn")
        .cloned()
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    interface
        .usable_handle()
        .ok_or_else(|| CrawlError::NotFound {
            method: method.to_owned(),
        })
}

/// The member `key` of a result, or `Null`.
pub fn member(result: &Map<String, Value>, key: &str) -> Value {
    result.get(key).cloned().unwrap_or(Value::Null)
}
