//! The engine (QIX) JSON-RPC API over WebSocket: the transport loop around a [`Session`].
//!
//! A socket gets `OnAuthenticationInformation` first when it came through the proxy, then
//! `OnConnected`; requests are answered in order, each matched by its id. Faults (latency,
//! malformed frames, drops after N messages) are applied here, not in the session.

pub mod layout;
pub mod rpc;
pub mod session;

use super::access::Identity;
use super::faults::{malformed, FaultPlan};
use super::site::Site;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
pub use session::Session;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

/// How the socket was authenticated, for the proxy's first notification.
pub enum Arrival {
    Direct,
    /// Through a virtual proxy; `logout_uri` is its `/qps/user` address.
    Proxied {
        logout_uri: String,
    },
    /// Through a virtual proxy without a session: the client must log in first.
    MustAuthenticate {
        login_uri: String,
    },
}

/// Serves one engine WebSocket until the client closes it (or a fault drops it).
pub async fn serve<S>(
    mut ws: WebSocketStream<S>,
    site: Arc<Site>,
    who: Option<Identity>,
    arrival: Arrival,
    faults: Arc<FaultPlan>,
) where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut sent: u64 = 0;
    let drop_after = faults.faults.ws_drop_after;
    macro_rules! send {
        ($value:expr) => {{
            let text = $value.to_string();
            let text = if faults.malform() {
                malformed(&text)
            } else {
                text
            };
            if ws.send(Message::text(text)).await.is_err() {
                return;
            }
            sent += 1;
            if drop_after.is_some_and(|n| sent >= n) {
                // An abrupt drop, as when a proxy or node goes away: no close frame.
                return;
            }
        }};
    }
    if let Some(fatal) = &faults.faults.fatal_greeting {
        send!(rpc::notification(
            fatal,
            json!({"severity": "fatal", "timestamp": crate::simulate::time::format_millis(crate::simulate::time::now_millis()),
                   "message": format!("{fatal}: refused by the simulator's fault plan")})
        ));
        let _ = ws.close(None).await;
        return;
    }
    let greeting = faults.faults.greeting.as_deref().unwrap_or("");
    let connected = rpc::notification("OnConnected", json!({"qSessionState": "SESSION_CREATED"}));
    if greeting == "connected_first" && who.is_some() {
        send!(connected.clone());
    }
    match (&arrival, &who) {
        (Arrival::MustAuthenticate { .. }, _) | (_, None) => {
            let login_uri = match &arrival {
                Arrival::MustAuthenticate { login_uri } => login_uri.clone(),
                _ => String::new(),
            };
            send!(rpc::notification(
                "OnAuthenticationInformation",
                json!({"loginUri": login_uri, "mustAuthenticate": true})
            ));
            let _ = ws.close(None).await;
            return;
        }
        (Arrival::Proxied { logout_uri }, Some(who)) => {
            let u = who.user_id();
            send!(rpc::notification(
                "OnAuthenticationInformation",
                json!({"userId": u.id, "userDirectory": u.directory, "logoutUri": logout_uri, "mustAuthenticate": false})
            ));
        }
        (Arrival::Direct, Some(_)) => {}
    }
    let Some(who) = who else { return };
    if greeting.is_empty() {
        send!(connected);
    }
    let mut session = Session::new(site, who, Arc::clone(&faults));
    while let Some(message) = ws.next().await {
        let text = match message {
            Ok(Message::Text(t)) => t.to_string(),
            Ok(Message::Binary(b)) => String::from_utf8_lossy(&b).into_owned(),
            Ok(Message::Close(_)) | Err(_) => break,
            Ok(_) => continue,
        };
        faults.latency().await;
        let reply = session.handle_text(&text);
        if reply.delay_ms > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(reply.delay_ms)).await;
        }
        let message: Value = reply.message;
        send!(message);
    }
    let _ = ws.close(None).await;
}
