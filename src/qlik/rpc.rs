//! QIX JSON-RPC framing both sides speak: error codes and error objects, and the client's
//! reading of a frame (a response matched by id, or a notification), with the top-level
//! `change`/`close` arrays and the proxy's and engine's notifications.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Engine error codes (engine-rpc.json).
pub mod code {
    pub const INTERNAL_ERROR: i64 = -128;
    pub const UNKNOWN: i64 = -1;
    pub const NOT_FOUND: i64 = 2;
    pub const INVALID_PATH: i64 = 4;
    pub const ACCESS_DENIED: i64 = 5;
    pub const INVALID_PARAMETERS: i64 = 8;
    pub const CONNECTION_LOST: i64 = 16;
    pub const APP_ALREADY_OPEN: i64 = 1002;
    pub const APP_NOT_FOUND: i64 = 1003;
    pub const APP_INVALID: i64 = 1007;
    pub const ALREADY_OPEN_IN_DIFFERENT_MODE: i64 = 1009;
    pub const APP_NOT_OPEN: i64 = 1017;
    pub const OUT_OF_SESSION_AND_USER_CALS: i64 = 5000;
    pub const PERSISTENCE_NOT_FOUND: i64 = 9003;
    pub const RPC_INVALID_REQUEST: i64 = -32600;
    pub const RPC_METHOD_NOT_FOUND: i64 = -32601;
    pub const RPC_INVALID_PARAMETERS: i64 = -32602;
    pub const RPC_PARSE_ERROR: i64 = -32700;
}

/// An error object, `{"code","parameter","message"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RpcError {
    #[serde(deserialize_with = "crate::qlik::lenient::lenient_i64")]
    pub code: i64,
    #[serde(default, deserialize_with = "crate::qlik::lenient::any_string")]
    pub parameter: String,
    #[serde(default, deserialize_with = "crate::qlik::lenient::any_string")]
    pub message: String,
}

impl RpcError {
    /// An error with the engine's message for the code.
    pub fn new(code: i64, parameter: impl Into<String>) -> RpcError {
        RpcError {
            code,
            parameter: parameter.into(),
            message: code_name(code).into(),
        }
    }

    /// "Not found" means either of the engine's two answers: error 2/9003, or (older
    /// versions) a `qReturn` with null `qType`/`qHandle`, which callers map to this.
    pub fn is_not_found(&self) -> bool {
        matches!(
            self.code,
            code::NOT_FOUND | code::PERSISTENCE_NOT_FOUND | code::APP_NOT_FOUND
        )
    }
}

/// The engine's text for an error code.
pub fn code_name(code: i64) -> &'static str {
    match code {
        code::INTERNAL_ERROR => "Internal error",
        code::NOT_FOUND => "Not found",
        code::INVALID_PATH => "Invalid Path",
        code::ACCESS_DENIED => "Access denied",
        code::INVALID_PARAMETERS => "Invalid parameters",
        code::CONNECTION_LOST => "Connection lost",
        code::APP_ALREADY_OPEN => "App already open",
        code::APP_NOT_FOUND => "App not found",
        code::APP_INVALID => "App invalid",
        code::ALREADY_OPEN_IN_DIFFERENT_MODE => "App already open in different mode",
        code::APP_NOT_OPEN => "App not open",
        code::OUT_OF_SESSION_AND_USER_CALS => "Out of session and user CALs",
        code::PERSISTENCE_NOT_FOUND => "Persistence not found",
        code::RPC_INVALID_REQUEST => "Invalid Request",
        code::RPC_METHOD_NOT_FOUND => "Method not found",
        code::RPC_INVALID_PARAMETERS => "Invalid Params",
        code::RPC_PARSE_ERROR => "Parse error",
        _ => "Engine error",
    }
}

/// Notifications that end a session: the proxy sends one, then closes the socket.
pub const FATAL_NOTIFICATIONS: &[&str] = &[
    "OnMaxParallelSessionsExceeded",
    "OnLicenseAccessDenied",
    "OnLicenseAccessDeniedPendingUserSync",
    "OnSessionClosed",
    "OnSessionLoggedOut",
    "OnSessionTimedOut",
    "OnNoEngineAvailable",
    "OnEngineWebsocketFailed",
];

/// `OnConnected` session states that mean the session is unusable.
pub fn session_state_is_error(state: &str) -> bool {
    state.starts_with("SESSION_ERROR") || state == "SESSION_ACCESS_CONTROL_SETUP_FAILURE"
}

/// One frame as a client reads it.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    Response(Response),
    Notification { method: String, params: Value },
}

/// A response: `result` or `error`, plus the handles that changed or closed.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub id: i64,
    pub outcome: Result<Map<String, Value>, RpcError>,
    pub change: Vec<i64>,
    pub close: Vec<i64>,
}

/// Why a frame is not JSON-RPC.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FrameError {
    #[error("not JSON: {0}")]
    Json(String),
    #[error("not a JSON-RPC message: {0}")]
    Shape(&'static str),
}

impl Frame {
    /// Reads one text frame. Duplicate keys keep the last value, as JavaScript clients read
    /// them; ids may be numbers or numeric strings.
    pub fn parse(text: &str) -> Result<Frame, FrameError> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| FrameError::Json(e.to_string()))?;
        let Value::Object(mut map) = value else {
            return Err(FrameError::Shape("not an object"));
        };
        let id = map
            .get("id")
            .and_then(crate::qlik::lenient::number)
            .map(|n| n as i64);
        if let Some(id) = id {
            let handles = |v: Option<&Value>| -> Vec<i64> {
                v.and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(Value::as_i64).collect())
                    .unwrap_or_default()
            };
            let change = handles(map.get("change"));
            let close = handles(map.get("close"));
            let outcome = if let Some(error) = map.remove("error") {
                Err(serde_json::from_value::<RpcError>(error)
                    .map_err(|_| FrameError::Shape("error without a code"))?)
            } else {
                match map.remove("result") {
                    Some(Value::Object(result)) => Ok(result),
                    Some(Value::Null) | None => Ok(Map::new()),
                    Some(_) => return Err(FrameError::Shape("result is not an object")),
                }
            };
            return Ok(Frame::Response(Response {
                id,
                outcome,
                change,
                close,
            }));
        }
        match map.remove("method") {
            Some(Value::String(method)) => Ok(Frame::Notification {
                method,
                params: map.remove("params").unwrap_or(Value::Null),
            }),
            _ => Err(FrameError::Shape("neither a response nor a notification")),
        }
    }
}

/// A request as a client sends it (positional params, no delta: plain values back).
pub fn request(id: i64, handle: i64, method: &str, params: Value) -> String {
    serde_json::json!({"jsonrpc": "2.0", "id": id, "method": method, "handle": handle, "params": params})
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn responses_carry_change_beside_result() {
        let f = Frame::parse(
            r#"{"jsonrpc":"2.0","id":3,"result":{"qReturn":{"qType":"Doc","qHandle":1}},"change":[1,2]}"#,
        )
        .unwrap();
        let Frame::Response(r) = f else {
            panic!("a response")
        };
        assert_eq!((r.id, r.change.as_slice()), (3, &[1, 2][..]));
        assert_eq!(r.outcome.unwrap()["qReturn"]["qHandle"], json!(1));
    }

    #[test]
    fn errors_and_notifications() {
        let f = Frame::parse(
            r#"{"jsonrpc":"2.0","id":"4","error":{"code":1007,"parameter":"","message":"App invalid"}}"#,
        )
        .unwrap();
        let Frame::Response(r) = f else {
            panic!("a response")
        };
        assert_eq!(r.outcome.unwrap_err().code, code::APP_INVALID);
        let f = Frame::parse(
            r#"{"jsonrpc":"2.0","method":"OnAuthenticationInformation","params":{"mustAuthenticate":false}}"#,
        )
        .unwrap();
        assert!(
            matches!(f, Frame::Notification { ref method, .. } if method == "OnAuthenticationInformation")
        );
        assert!(Frame::parse("[1]").is_err());
        assert!(Frame::parse("{\"id\":1,\"error\":{}}").is_err());
        assert!(Frame::parse("{\"jsonrpc\":\"2.0\"}").is_err());
        assert!(Frame::parse("{nope").is_err());
    }
}
