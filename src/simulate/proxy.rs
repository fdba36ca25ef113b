//! The proxy (QPS) listener: virtual proxies by prefix, each authenticating its way (Windows
//! NTLM through the authentication module, JWT, header), then a session cookie named per
//! virtual proxy that later requests and the engine WebSocket reuse.

use super::site::{ProxyAuth, Site, UserId, VirtualProxy};
use crate::auth::{jwt, ntlm};
use base64::Engine as _;
use ring::rand::SecureRandom;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Path of the Windows authentication module (Qlik serves it on 4244 or under this path).
pub const WINDOWS_AUTH_PATH: &str = "/internal_windows_authentication/";
pub const FORMS_AUTH_PATH: &str = "/internal_forms_authentication/";
const TICKET_LIFETIME: Duration = Duration::from_secs(60);

/// Proxy sessions, login targets and one-time tickets.
#[derive(Default)]
pub struct ProxyState {
    sessions: Mutex<HashMap<String, (String, UserId)>>,
    tickets: Mutex<HashMap<String, (UserId, Instant)>>,
    targets: Mutex<HashMap<String, (String, Instant)>>,
}

/// How long a login target (the URL to return to) is kept.
const TARGET_LIFETIME: Duration = Duration::from_secs(600);

pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    // SystemRandom fails only when the OS has no randomness; fall back to time-derived bytes.
    if ring::rand::SystemRandom::new().fill(&mut buf).is_err() {
        let t = super::time::now_millis() as u64;
        for (i, b) in buf.iter_mut().enumerate() {
            *b = (t >> ((i % 8) * 8)) as u8 ^ i as u8;
        }
    }
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

impl ProxyState {
    /// A session for the user on this virtual proxy: the existing one if there is one, so a
    /// client that sends its token on every request without keeping cookies does not pile up
    /// sessions.
    pub fn new_session(&self, proxy: &VirtualProxy, user: UserId) -> String {
        let prefix = proxy.prefix.to_lowercase();
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((id, _)) = sessions
            .iter()
            .find(|(_, (p, u))| p == &prefix && u == &user)
        {
            return id.clone();
        }
        let id = random_hex(16);
        sessions.insert(id.clone(), (prefix, user));
        id
    }

    /// The user of a session cookie, if it belongs to this virtual proxy.
    pub fn session_user(
        &self,
        proxy: &VirtualProxy,
        cookie_header: Option<&str>,
    ) -> Option<UserId> {
        let cookie_header = cookie_header?;
        let sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        for pair in cookie_header.split(';') {
            let Some((name, value)) = pair.trim().split_once('=') else {
                continue;
            };
            if name == proxy.session_cookie {
                if let Some((prefix, user)) = sessions.get(value.trim()) {
                    if prefix == &proxy.prefix.to_lowercase() {
                        return Some(user.clone());
                    }
                }
            }
        }
        None
    }

    pub fn issue_ticket(&self, user: UserId) -> String {
        let ticket = random_hex(12);
        let mut tickets = self.tickets.lock().unwrap_or_else(|e| e.into_inner());
        tickets.retain(|_, (_, at)| at.elapsed() < TICKET_LIFETIME);
        tickets.insert(ticket.clone(), (user, Instant::now()));
        ticket
    }

    /// Redeems a one-time ticket (valid for a minute, like Qlik's).
    pub fn redeem_ticket(&self, ticket: &str) -> Option<UserId> {
        let (user, at) = self
            .tickets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(ticket)?;
        (at.elapsed() < TICKET_LIFETIME).then_some(user)
    }

    pub fn remember_target(&self, url: String) -> String {
        let id = random_hex(16);
        let mut targets = self.targets.lock().unwrap_or_else(|e| e.into_inner());
        targets.retain(|_, (_, at)| at.elapsed() < TARGET_LIFETIME);
        targets.insert(id.clone(), (url, Instant::now()));
        id
    }

    pub fn target(&self, id: &str) -> Option<String> {
        self.targets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .map(|(url, _)| url.clone())
    }
}

/// Splits `/<prefix>/rest` into the virtual proxy and the rest of the path.
pub fn route<'a>(site: &'a Site, path: &'a str) -> Option<(&'a VirtualProxy, &'a str)> {
    let trimmed = path.strip_prefix('/').unwrap_or(path);
    let (first, rest) = match trimmed.find('/') {
        Some(i) => (&trimmed[..i], &trimmed[i..]),
        None => (trimmed, ""),
    };
    if !first.is_empty() {
        if let Some(proxy) = site
            .proxies
            .iter()
            .find(|p| !p.prefix.is_empty() && p.prefix.eq_ignore_ascii_case(first))
        {
            return Some((proxy, if rest.is_empty() { "/" } else { rest }));
        }
    }
    site.proxy("").map(|p| (p, path))
}

/// Why a request was refused, and how: the statuses Qlik's proxy answers with.
#[derive(Debug, PartialEq)]
pub enum Refusal {
    /// 401 with a reason (bad or missing token or header).
    Unauthorized(String),
    /// 302 to the Windows authentication module or the forms page.
    Redirect(String),
}

/// Authenticates a JWT bearer token for a JWT virtual proxy.
pub fn authenticate_jwt(
    proxy: &VirtualProxy,
    authorization: Option<&str>,
) -> Result<UserId, Refusal> {
    let ProxyAuth::Jwt {
        certificate_pem,
        user_id_claim,
        user_directory_claim,
        audience,
    } = &proxy.auth
    else {
        return Err(Refusal::Unauthorized("not a JWT virtual proxy".into()));
    };
    let token = authorization
        .and_then(|a| {
            a.strip_prefix("Bearer ")
                .or_else(|| a.strip_prefix("bearer "))
        })
        .map(str::trim)
        .ok_or_else(|| Refusal::Unauthorized("no bearer token".into()))?;
    let verifier = jwt::Verifier::from_certificate_pem(certificate_pem)
        .map_err(|e| Refusal::Unauthorized(format!("virtual proxy certificate: {e}")))?;
    let now = (super::time::now_millis() / 1000).max(0) as u64;
    let claims = verifier
        .verify(token, now)
        .map_err(|e| Refusal::Unauthorized(format!("invalid token: {e}")))?;
    if let Some(audience) = audience {
        let ok = match claims.get("aud") {
            Some(serde_json::Value::String(a)) => a == audience,
            Some(serde_json::Value::Array(items)) => {
                items.iter().any(|a| a.as_str() == Some(audience))
            }
            _ => false,
        };
        if !ok {
            return Err(Refusal::Unauthorized("audience does not match".into()));
        }
    }
    let claim = |name: &str| {
        claims
            .get(name)
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
    };
    let (Some(id), Some(dir)) = (claim(user_id_claim), claim(user_directory_claim)) else {
        return Err(Refusal::Unauthorized(format!(
            "token lacks the `{user_id_claim}` or `{user_directory_claim}` claim"
        )));
    };
    Ok(UserId::new(dir, id))
}

/// Authenticates a header virtual proxy's user header (US-ASCII only, as Qlik requires).
pub fn authenticate_header(proxy: &VirtualProxy, value: Option<&str>) -> Result<UserId, Refusal> {
    let ProxyAuth::Header { user_directory, .. } = &proxy.auth else {
        return Err(Refusal::Unauthorized("not a header virtual proxy".into()));
    };
    match value.map(str::trim) {
        Some(v) if !v.is_empty() && v.is_ascii() => Ok(UserId::new(user_directory, v)),
        _ => Err(Refusal::Unauthorized("missing user header".into())),
    }
}

/// One step of the NTLM handshake at the authentication module.
pub enum NtlmStep {
    /// 401 with `WWW-Authenticate: NTLM` or `NTLM <challenge>`.
    Challenge(Option<String>),
    Authenticated(UserId),
}

/// Runs the server side of NTLM for one request on one connection. `challenge` is the
/// connection's pending server challenge: the handshake is bound to the TCP connection.
pub fn ntlm_step(
    site: &Site,
    authorization: Option<&str>,
    challenge: &mut Option<[u8; 8]>,
) -> NtlmStep {
    let Some(token) = authorization.and_then(|a| {
        a.strip_prefix("NTLM ")
            .or_else(|| a.strip_prefix("Negotiate "))
            .map(str::trim)
    }) else {
        return NtlmStep::Challenge(None);
    };
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(token) else {
        return NtlmStep::Challenge(None);
    };
    match ntlm::message_type(&bytes) {
        Ok(ntlm::NEGOTIATE) => {
            let mut server_challenge = [0u8; 8];
            if ring::rand::SystemRandom::new()
                .fill(&mut server_challenge)
                .is_err()
            {
                return NtlmStep::Challenge(None);
            }
            *challenge = Some(server_challenge);
            let now = (super::time::now_millis() / 1000).max(0) as u64;
            let msg =
                ntlm::challenge_message(server_challenge, "DEMO", ntlm::filetime_from_unix(now));
            NtlmStep::Challenge(Some(base64::engine::general_purpose::STANDARD.encode(msg)))
        }
        Ok(ntlm::AUTHENTICATE) => {
            let Some(server_challenge) = challenge.take() else {
                return NtlmStep::Challenge(None);
            };
            let Ok(auth) = ntlm::parse_authenticate(&bytes) else {
                return NtlmStep::Challenge(None);
            };
            let user = site.users.iter().find(|u| {
                u.id.id.eq_ignore_ascii_case(&auth.user)
                    && (auth.domain.is_empty() || u.id.directory.eq_ignore_ascii_case(&auth.domain))
            });
            match user {
                Some(u)
                    if u.password
                        .as_deref()
                        .is_some_and(|p| ntlm::verify_ntlmv2(&auth, server_challenge, p)) =>
                {
                    NtlmStep::Authenticated(u.id.clone())
                }
                _ => NtlmStep::Challenge(None),
            }
        }
        _ => NtlmStep::Challenge(None),
    }
}

/// The forms login page the proxy shows browsers without the Windows pattern.
pub fn forms_page(target_id: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html><head><title>Qlik Sense</title></head><body>\n<form method=\"post\" action=\"{FORMS_AUTH_PATH}?targetId={target_id}\">\n<label>User name <input name=\"username\" placeholder=\"DOMAIN\\user\"></label>\n<label>Password <input name=\"pwd\" type=\"password\"></label>\n<button type=\"submit\">Log in</button>\n</form></body></html>\n"
    )
}

/// Checks a forms login (`username=DOMAIN\user&pwd=…`).
pub fn forms_login(site: &Site, body: &[u8]) -> Option<UserId> {
    let mut user = None;
    let mut pwd = None;
    for (k, v) in form_urlencoded::parse(body) {
        match k.as_ref() {
            "username" => user = UserId::parse(&v),
            "pwd" | "password" => pwd = Some(v.into_owned()),
            _ => {}
        }
    }
    let (user, pwd) = (user?, pwd?);
    site.user(&user)
        .filter(|u| u.password.as_deref() == Some(pwd.as_str()))
        .map(|u| u.id.clone())
}
