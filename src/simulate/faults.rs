//! Fault injection for reliability tests: set once per run (`--faults FILE` or
//! [`super::Config::faults`]), applied by every listener. Random choices come from a seeded
//! generator, so a failing test replays the same faults.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Faults {
    /// Added before every HTTP answer and every engine response.
    #[serde(default)]
    pub latency_ms: u64,
    /// Share (0..=1) of HTTP requests answered 503 Service Unavailable.
    #[serde(default)]
    pub http_503_rate: f64,
    /// Share (0..=1) of HTTP requests answered 500 Internal Server Error.
    #[serde(default)]
    pub http_500_rate: f64,
    /// Share (0..=1) of JSON answers (QRS bodies, engine responses) cut in half.
    #[serde(default)]
    pub malformed_json_rate: f64,
    /// Close each engine WebSocket after it has sent this many messages.
    #[serde(default)]
    pub ws_drop_after: Option<u64>,
    /// Apps (by id) whose OpenDoc and doc calls fail with this engine error code.
    #[serde(default)]
    pub engine_errors: BTreeMap<String, i64>,
    /// Delay before OpenDoc answers.
    #[serde(default)]
    pub slow_open_doc_ms: u64,
    /// Seed of the fault generator.
    #[serde(default)]
    pub seed: u64,
    /// The order of the engine's greeting: `connected_first` (OnConnected before
    /// OnAuthenticationInformation) or `no_connected` (OnConnected never sent); default
    /// OnAuthenticationInformation first.
    #[serde(default)]
    pub greeting: Option<String>,
    /// A fatal notification (`OnLicenseAccessDenied`, `OnMaxParallelSessionsExceeded`,
    /// `OnSessionClosed`…) sent on every engine socket instead of a session, then a close.
    #[serde(default)]
    pub fatal_greeting: Option<String>,
    /// QRS paths (after `/qrs/`, e.g. `app/object`) answered 403 Forbidden, as for a user no
    /// security rule grants read access to that resource. A path matches itself and every
    /// path under it (`app/object` covers `app/object/full` and `app/object/count`).
    #[serde(default)]
    pub qrs_forbidden: Vec<String>,
    /// The virtual proxy's WebSocket origin allow list: when set, an engine upgrade through
    /// the proxy whose `Origin` host is not listed is refused with 403, as Qlik's proxy does.
    #[serde(default)]
    pub websocket_origin_allow_list: Option<Vec<String>>,
}

/// The fault plan with its generator.
#[derive(Debug, Default)]
pub struct FaultPlan {
    pub faults: Faults,
    state: AtomicU64,
}

/// What to do to one HTTP request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpFault {
    None,
    Status(u16),
}

impl FaultPlan {
    pub fn new(faults: Faults) -> FaultPlan {
        let seed = faults.seed ^ 0x9e37_79b9_7f4a_7c15;
        FaultPlan {
            faults,
            state: AtomicU64::new(seed | 1),
        }
    }

    /// A uniform draw in [0, 1) (xorshift; lock-free, shared by all connections).
    fn draw(&self) -> f64 {
        let mut x = self.state.load(Ordering::Relaxed);
        loop {
            let mut y = x;
            y ^= y << 13;
            y ^= y >> 7;
            y ^= y << 17;
            match self
                .state
                .compare_exchange_weak(x, y, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return (y >> 11) as f64 / (1u64 << 53) as f64,
                Err(now) => x = now,
            }
        }
    }

    fn hit(&self, rate: f64) -> bool {
        rate > 0.0 && self.draw() < rate
    }

    pub fn http(&self) -> HttpFault {
        if self.hit(self.faults.http_503_rate) {
            HttpFault::Status(503)
        } else if self.hit(self.faults.http_500_rate) {
            HttpFault::Status(500)
        } else {
            HttpFault::None
        }
    }

    pub fn malform(&self) -> bool {
        self.hit(self.faults.malformed_json_rate)
    }

    pub async fn latency(&self) {
        if self.faults.latency_ms > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(self.faults.latency_ms)).await;
        }
    }

    /// The forbidden entry that covers a QRS path, if any.
    pub fn qrs_forbidden(&self, path: &str) -> Option<&str> {
        let path = path.trim_matches('/');
        self.faults
            .qrs_forbidden
            .iter()
            .map(|f| f.trim_matches('/'))
            .find(|f| {
                path.len() >= f.len()
                    && path[..f.len()].eq_ignore_ascii_case(f)
                    && (path.len() == f.len() || path.as_bytes()[f.len()] == b'/')
            })
    }

    /// Whether an upgrade with this `Origin` header passes the allow list.
    pub fn origin_allowed(&self, origin: Option<&str>) -> bool {
        let Some(list) = &self.faults.websocket_origin_allow_list else {
            return true;
        };
        let host = origin
            .map(|o| o.split("://").last().unwrap_or(o))
            .map(|o| o.split(['/', ':']).next().unwrap_or(o))
            .unwrap_or("");
        !host.is_empty() && list.iter().any(|h| h.eq_ignore_ascii_case(host))
    }

    pub fn engine_error(&self, app_id: &str) -> Option<i64> {
        self.faults
            .engine_errors
            .iter()
            .find(|(id, _)| id.eq_ignore_ascii_case(app_id))
            .map(|(_, code)| *code)
    }
}

/// Cuts a JSON text in half, so clients meet a truncated document.
pub fn malformed(text: &str) -> String {
    let mut cut = text.len() / 2;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    text[..cut].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_roughly_honoured_and_replayable() {
        let plan = |seed| {
            FaultPlan::new(Faults {
                http_503_rate: 0.3,
                seed,
                ..Faults::default()
            })
        };
        let a = plan(7);
        let hits: Vec<bool> = (0..1000).map(|_| a.http() != HttpFault::None).collect();
        let count = hits.iter().filter(|h| **h).count();
        assert!((200..400).contains(&count), "{count}");
        let b = plan(7);
        let again: Vec<bool> = (0..1000).map(|_| b.http() != HttpFault::None).collect();
        assert_eq!(hits, again);
        let none = FaultPlan::new(Faults::default());
        assert!((0..100).all(|_| none.http() == HttpFault::None));
    }

    #[test]
    fn forbidden_paths_and_origins() {
        let plan = FaultPlan::new(Faults {
            qrs_forbidden: vec!["app/object".into()],
            websocket_origin_allow_list: Some(vec!["qlik.example.com".into()]),
            ..Faults::default()
        });
        assert_eq!(plan.qrs_forbidden("/app/object/full"), Some("app/object"));
        assert_eq!(plan.qrs_forbidden("App/Object"), Some("app/object"));
        assert_eq!(plan.qrs_forbidden("app/objects"), None);
        assert_eq!(plan.qrs_forbidden("app"), None);
        assert!(plan.origin_allowed(Some("https://qlik.example.com:443")));
        assert!(!plan.origin_allowed(Some("https://crawler.example.com")));
        assert!(!plan.origin_allowed(None));
        assert!(FaultPlan::new(Faults::default()).origin_allowed(None));
    }

    #[test]
    fn malformed_json_does_not_parse() {
        let text = r#"{"a":[1,2,3],"b":"ü"}"#;
        assert!(serde_json::from_str::<serde_json::Value>(&malformed(text)).is_err());
    }
}
