//! The three listeners of a simulated node (QRS and engine with client certificates, the
//! proxy for Windows/JWT/header logins), each TLS over TCP with hyper serving HTTP/1.1 and
//! upgrading engine requests to WebSocket.

use super::access::Identity;
use super::engine::{self, Arrival};
use super::faults::{malformed, FaultPlan, HttpFault};
use super::proxy::{self, NtlmStep, ProxyState, Refusal, FORMS_AUTH_PATH, WINDOWS_AUTH_PATH};
use super::qrs::{self, Answer};
use super::site::{ProxyAuth, Site, UserId, VirtualProxy};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{
    HeaderValue, AUTHORIZATION, CONNECTION, CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE, UPGRADE,
    USER_AGENT, WWW_AUTHENTICATE,
};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::WebSocketStream;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Listener {
    Qrs,
    Engine,
    Proxy,
}

/// Everything the listeners share.
pub struct Shared {
    pub site: Arc<Site>,
    pub faults: Arc<FaultPlan>,
    pub proxy: ProxyState,
    /// `https://host:port` of the proxy, for redirects and login URIs.
    pub proxy_base: String,
}

type Resp = Response<Full<Bytes>>;

fn respond(status: u16, content_type: &str, body: impl Into<Bytes>) -> Resp {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(v) = HeaderValue::from_str(content_type) {
        r.headers_mut().insert(CONTENT_TYPE, v);
    }
    r
}

fn from_answer(answer: Answer, shared: &Shared) -> Resp {
    let body = if answer.content_type.starts_with("application/json") && shared.faults.malform() {
        malformed(&answer.body)
    } else {
        answer.body
    };
    respond(answer.status, answer.content_type, body)
}

fn header(req: &Request<Incoming>, name: impl hyper::header::AsHeaderName) -> Option<&str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

fn query_pairs(req: &Request<Incoming>) -> Vec<(String, String)> {
    req.uri()
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default()
}

fn is_websocket(req: &Request<Incoming>) -> bool {
    header(req, UPGRADE).is_some_and(|u| u.eq_ignore_ascii_case("websocket"))
        && req.headers().contains_key("sec-websocket-key")
}

/// Per-connection state: the NTLM handshake is bound to one TCP connection.
#[derive(Default)]
struct Connection {
    ntlm_challenge: Mutex<Option<[u8; 8]>>,
}

/// Accepts connections until the listener is dropped with its task.
pub async fn serve(
    listener: TcpListener,
    tls: Arc<rustls::ServerConfig>,
    kind: Listener,
    shared: Arc<Shared>,
) {
    let acceptor = tokio_rustls::TlsAcceptor::from(tls);
    loop {
        let Ok((tcp, _peer)) = listener.accept().await else {
            continue;
        };
        let acceptor = acceptor.clone();
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            // A failed handshake (no client certificate, wrong CA) just ends the connection;
            // the client sees the TLS alert.
            let Ok(tls) = acceptor.accept(tcp).await else {
                return;
            };
            let conn = Arc::new(Connection::default());
            let service = hyper::service::service_fn(move |req| {
                let shared = Arc::clone(&shared);
                let conn = Arc::clone(&conn);
                async move { Ok::<_, Infallible>(handle(req, kind, &shared, &conn).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(tls), service)
                .with_upgrades()
                .await;
        });
    }
}

async fn handle(
    req: Request<Incoming>,
    kind: Listener,
    shared: &Arc<Shared>,
    conn: &Connection,
) -> Resp {
    shared.faults.latency().await;
    if let HttpFault::Status(status) = shared.faults.http() {
        return respond(
            status,
            "text/plain; charset=utf-8",
            "Service Unavailable (injected fault)",
        );
    }
    match kind {
        Listener::Qrs => {
            let Some(who) = certificate_identity(&req) else {
                return unreadable_identity();
            };
            let path = req.uri().path().to_owned();
            match path.strip_prefix("/qrs") {
                Some(rest) if rest.is_empty() || rest.starts_with('/') => {
                    serve_qrs(&req, rest, &who, shared)
                }
                _ => respond(404, "text/plain; charset=utf-8", "Not found"),
            }
        }
        Listener::Engine => {
            let Some(who) = certificate_identity(&req) else {
                return unreadable_identity();
            };
            if req.uri().path().starts_with("/app") && is_websocket(&req) {
                upgrade(req, shared, Some(who), Arrival::Direct, None)
            } else {
                respond(
                    400,
                    "text/plain; charset=utf-8",
                    "Expected a WebSocket upgrade at /app/<appId>",
                )
            }
        }
        Listener::Proxy => handle_proxy(req, shared, conn).await,
    }
}

/// `X-Qlik-User` on a certificate-authenticated port; without it, the repository's service
/// account (full rights), as Qlik documents for certificate calls. A header that is there but
/// unreadable is refused rather than read as "no header", which would grant full rights.
/// `None` when the header is there but unreadable.
fn certificate_identity(req: &Request<Incoming>) -> Option<Identity> {
    match req.headers().get("x-qlik-user") {
        None => Some(Identity::certificate_default()),
        Some(value) => value
            .to_str()
            .ok()
            .and_then(UserId::from_qlik_user_header)
            .map(Identity::for_user),
    }
}

fn unreadable_identity() -> Resp {
    respond(
        400,
        "text/plain; charset=utf-8",
        "X-Qlik-User must read UserDirectory=<directory>; UserId=<id>",
    )
}

/// 403 for a QRS path the fault plan forbids, in the words QRS uses for a missing rule.
fn qrs_refusal(rest: &str, who: &Identity, shared: &Shared) -> Option<Resp> {
    let resource = shared.faults.qrs_forbidden(rest)?;
    Some(respond(
        403,
        "text/plain; charset=utf-8",
        format!(
            "Forbidden: no security rule grants {} read access to {resource}",
            who.user_id()
        ),
    ))
}

fn serve_qrs(req: &Request<Incoming>, rest: &str, who: &Identity, shared: &Shared) -> Resp {
    if let Some(refusal) = qrs_refusal(rest, who, shared) {
        return refusal;
    }
    let query = query_pairs(req);
    let request = qrs::Request {
        method: req.method().as_str(),
        path: rest,
        query: &query,
        xrfkey_header: header(req, "x-qlik-xrfkey"),
    };
    from_answer(qrs::handle(&shared.site, who, &request), shared)
}

/// Answers 101 and serves the engine session on the upgraded connection.
fn upgrade(
    mut req: Request<Incoming>,
    shared: &Arc<Shared>,
    who: Option<Identity>,
    arrival: Arrival,
    set_cookie: Option<String>,
) -> Resp {
    let Some(key) = req.headers().get("sec-websocket-key").cloned() else {
        return respond(
            400,
            "text/plain; charset=utf-8",
            "Missing Sec-WebSocket-Key",
        );
    };
    let accept = tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes());
    let on_upgrade = hyper::upgrade::on(&mut req);
    let site = Arc::clone(&shared.site);
    let faults = Arc::clone(&shared.faults);
    tokio::spawn(async move {
        if let Ok(upgraded) = on_upgrade.await {
            let ws =
                WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await;
            engine::serve(ws, site, who, arrival, faults).await;
        }
    });
    let mut r = Response::new(Full::new(Bytes::new()));
    *r.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let h = r.headers_mut();
    h.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
    h.insert(UPGRADE, HeaderValue::from_static("websocket"));
    if let Ok(v) = HeaderValue::from_str(&accept) {
        h.insert("sec-websocket-accept", v);
    }
    if let Some(c) = set_cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        h.insert(SET_COOKIE, c);
    }
    r
}

fn cookie(proxy: &VirtualProxy, session: &str) -> String {
    format!(
        "{}={session}; Path=/; HttpOnly; SameSite=None; Secure",
        proxy.session_cookie
    )
}

fn redirect(location: &str) -> Resp {
    let mut r = respond(
        302,
        "text/html; charset=utf-8",
        format!("<html><body>Moved to <a href=\"{location}\">here</a></body></html>"),
    );
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(LOCATION, v);
    }
    r
}

fn unauthorized(reason: &str) -> Resp {
    respond(
        401,
        "text/html; charset=utf-8",
        format!(
            "<html><body><h1>401 Unauthorized</h1><p>{}</p></body></html>",
            html_escape(reason)
        ),
    )
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

async fn handle_proxy(req: Request<Incoming>, shared: &Arc<Shared>, conn: &Connection) -> Resp {
    let path = req.uri().path().to_owned();
    if path.starts_with(WINDOWS_AUTH_PATH.trim_end_matches('/')) {
        return windows_module(&req, shared, conn);
    }
    if path.starts_with(FORMS_AUTH_PATH.trim_end_matches('/')) {
        return forms_module(req, shared).await;
    }
    let site = Arc::clone(&shared.site);
    let Some((proxy, rest)) = proxy::route(&site, &path) else {
        return respond(
            404,
            "text/plain; charset=utf-8",
            "Unable to route: no virtual proxy for this path",
        );
    };
    let rest = rest.to_owned();
    let mut query = query_pairs(&req);
    let prefix_path = if proxy.prefix.is_empty() {
        String::new()
    } else {
        format!("/{}", proxy.prefix)
    };

    // Who is this? A session cookie, a ticket from the login module, or the virtual proxy's
    // own method.
    let mut new_session = None;
    let mut user = shared.proxy.session_user(proxy, header(&req, COOKIE));
    if user.is_none() {
        if let Some(pos) = query.iter().position(|(k, _)| k == "qlikTicket") {
            let (_, ticket) = query.remove(pos);
            user = shared.proxy.redeem_ticket(&ticket);
            match &user {
                Some(u) => new_session = Some(shared.proxy.new_session(proxy, u.clone())),
                None => {
                    return respond(
                        403,
                        "text/html; charset=utf-8",
                        "<html><body>Invalid or expired ticket</body></html>",
                    )
                }
            }
        }
    }
    if user.is_none() {
        let attempt = match &proxy.auth {
            ProxyAuth::Jwt { .. } => {
                Some(proxy::authenticate_jwt(proxy, header(&req, AUTHORIZATION)))
            }
            ProxyAuth::Header { header_name, .. } => Some(proxy::authenticate_header(
                proxy,
                header(&req, header_name.as_str()),
            )),
            ProxyAuth::Windows { pattern } => {
                // Not logged in: off to the authentication module, or the forms page for
                // clients that do not say they are Windows.
                let target = shared.proxy.remember_target(
                    req.uri()
                        .path_and_query()
                        .map(|p| p.to_string())
                        .unwrap_or_else(|| path.clone()),
                );
                let windows =
                    header(&req, USER_AGENT).is_some_and(|ua| ua.contains(pattern.as_str()));
                let module = if windows {
                    WINDOWS_AUTH_PATH
                } else {
                    FORMS_AUTH_PATH
                };
                let location = format!("{}{module}?targetId={target}", shared.proxy_base);
                Some(Err(Refusal::Redirect(location)))
            }
        };
        match attempt {
            Some(Ok(u)) => user = Some(u),
            Some(Err(refusal)) => {
                let (login_uri, response) = match refusal {
                    Refusal::Unauthorized(reason) => (String::new(), unauthorized(&reason)),
                    Refusal::Redirect(location) => {
                        let response = redirect(&location);
                        (location, response)
                    }
                };
                // A socket is upgraded and told where to log in; a plain request gets the
                // refusal itself.
                if rest.starts_with("/app") && is_websocket(&req) {
                    let arrival = Arrival::MustAuthenticate { login_uri };
                    return upgrade(req, shared, None, arrival, None);
                }
                return response;
            }
            None => {}
        }
        if let Some(u) = &user {
            new_session = Some(shared.proxy.new_session(proxy, u.clone()));
        }
    }
    let Some(user) = user else {
        return unauthorized("not authenticated");
    };
    let set_cookie = new_session.map(|s| cookie(proxy, &s));
    let who = Identity::for_user(user);
    if rest.starts_with("/app") && is_websocket(&req) {
        if !shared
            .faults
            .origin_allowed(header(&req, hyper::header::ORIGIN))
        {
            return respond(
                403,
                "text/plain; charset=utf-8",
                "Forbidden: the WebSocket origin is not on the virtual proxy's allow list",
            );
        }
        let logout_uri = format!("{}{prefix_path}/qps/user", shared.proxy_base);
        return upgrade(
            req,
            shared,
            Some(who),
            Arrival::Proxied { logout_uri },
            set_cookie,
        );
    }
    let mut response = match rest.strip_prefix("/qrs") {
        Some(r) if r.is_empty() || r.starts_with('/') => match qrs_refusal(r, &who, shared) {
            Some(refusal) => refusal,
            None => {
                let request = qrs::Request {
                    method: req.method().as_str(),
                    path: r,
                    query: &query,
                    xrfkey_header: header(&req, "x-qlik-xrfkey"),
                };
                from_answer(qrs::handle(&site, &who, &request), shared)
            }
        },
        _ if rest == "/qps/user" => {
            let u = who.user_id();
            from_answer(
                Answer::json(
                    200,
                    &serde_json::json!({"userDirectory": u.directory, "userId": u.id, "session": "active"}),
                ),
                shared,
            )
        }
        _ => match super::hub_pages::page(&site, &who, &rest) {
            Some((status, html)) => respond(status, "text/html; charset=utf-8", html),
            None => respond(404, "text/plain; charset=utf-8", "Not found"),
        },
    };
    if let Some(c) = set_cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        response.headers_mut().insert(SET_COOKIE, c);
    }
    response
}

/// Sends a logged-in user back to where they were going, with a one-time ticket.
fn back_with_ticket(shared: &Shared, target: &str, user: UserId) -> Resp {
    let ticket = shared.proxy.issue_ticket(user);
    let sep = if target.contains('?') { '&' } else { '?' };
    redirect(&format!(
        "{}{target}{sep}qlikTicket={ticket}",
        shared.proxy_base
    ))
}

/// The Windows authentication module: the 401 NTLM handshake, then back to the target with a
/// one-time ticket.
fn windows_module(req: &Request<Incoming>, shared: &Shared, conn: &Connection) -> Resp {
    let query = query_pairs(req);
    let target_id = query
        .iter()
        .find(|(k, _)| k == "targetId")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let Some(target) = shared.proxy.target(&target_id) else {
        return respond(
            400,
            "text/html; charset=utf-8",
            "<html><body>Unknown or missing targetId</body></html>",
        );
    };
    let step = {
        let mut challenge = conn
            .ntlm_challenge
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        proxy::ntlm_step(&shared.site, header(req, AUTHORIZATION), &mut challenge)
    };
    match step {
        NtlmStep::Challenge(token) => {
            let mut r = unauthorized("Windows authentication required");
            let value = match token {
                Some(t) => format!("NTLM {t}"),
                None => "NTLM".to_owned(),
            };
            if let Ok(v) = HeaderValue::from_str(&value) {
                r.headers_mut().insert(WWW_AUTHENTICATE, v);
            }
            r
        }
        NtlmStep::Authenticated(user) => back_with_ticket(shared, &target, user),
    }
}

/// The forms login page (GET) and its submission (POST).
async fn forms_module(req: Request<Incoming>, shared: &Shared) -> Resp {
    let query = query_pairs(&req);
    let target_id = query
        .iter()
        .find(|(k, _)| k == "targetId")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    if req.method() != hyper::Method::POST {
        return respond(
            200,
            "text/html; charset=utf-8",
            proxy::forms_page(&html_escape(&target_id)),
        );
    }
    let Some(target) = shared.proxy.target(&target_id) else {
        return respond(
            400,
            "text/html; charset=utf-8",
            "<html><body>Unknown or missing targetId</body></html>",
        );
    };
    let body = match req.into_body().collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return respond(400, "text/plain; charset=utf-8", "Unreadable body"),
    };
    match proxy::forms_login(&shared.site, &body) {
        Some(user) => back_with_ticket(shared, &target, user),
        None => respond(
            200,
            "text/html; charset=utf-8",
            proxy::forms_page(&html_escape(&target_id)),
        ),
    }
}

/// Binds a listener.
pub async fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    TcpListener::bind(addr).await
}
