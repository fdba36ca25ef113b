//! QIX JSON-RPC framing: requests with positional or named params, responses with the
//! engine's error codes, and the delta protocol enigma.js uses by default.

use serde_json::{json, Map, Value};

/// Engine error codes (engine-rpc.json) the simulator answers with.
pub mod code {
    pub const NOT_FOUND: i64 = 2;
    pub const INVALID_PATH: i64 = 4;
    pub const ACCESS_DENIED: i64 = 5;
    pub const INVALID_PARAMETERS: i64 = 8;
    pub const APP_ALREADY_OPEN: i64 = 1002;
    pub const APP_NOT_FOUND: i64 = 1003;
    pub const APP_NOT_OPEN: i64 = 1017;
    pub const PERSISTENCE_NOT_FOUND: i64 = 9003;
    pub const RPC_INVALID_REQUEST: i64 = -32600;
    pub const RPC_METHOD_NOT_FOUND: i64 = -32601;
    pub const RPC_INVALID_PARAMETERS: i64 = -32602;
    pub const RPC_PARSE_ERROR: i64 = -32700;
}

/// An error object, as `{"code","parameter","message"}`.
#[derive(Debug, Clone, PartialEq)]
pub struct RpcError {
    pub code: i64,
    pub parameter: String,
    pub message: String,
}

impl RpcError {
    pub fn new(code: i64, parameter: impl Into<String>) -> RpcError {
        let message = match code {
            code::NOT_FOUND => "Not found",
            code::INVALID_PATH => "Invalid Path",
            code::ACCESS_DENIED => "Access denied",
            code::INVALID_PARAMETERS => "Invalid parameters",
            code::APP_ALREADY_OPEN => "App already open",
            code::APP_NOT_FOUND => "App not found",
            code::APP_NOT_OPEN => "App not open",
            code::PERSISTENCE_NOT_FOUND => "Persistence not found",
            code::RPC_INVALID_REQUEST => "Invalid Request",
            code::RPC_METHOD_NOT_FOUND => "Method not found",
            code::RPC_INVALID_PARAMETERS => "Invalid Params",
            code::RPC_PARSE_ERROR => "Parse error",
            _ => "Engine error",
        };
        RpcError {
            code,
            parameter: parameter.into(),
            message: message.into(),
        }
    }

    fn to_json(&self) -> Value {
        json!({"code": self.code, "parameter": self.parameter, "message": self.message})
    }
}

/// A parsed request.
#[derive(Debug, Clone)]
pub struct Request {
    pub id: Value,
    pub method: String,
    pub handle: i64,
    pub params: Value,
    pub delta: bool,
}

impl Request {
    /// Parses one text frame. An unparseable frame still gets an answer, with the id when
    /// one can be found.
    pub fn parse(text: &str) -> Result<Request, Box<(Value, RpcError)>> {
        let value: Value = serde_json::from_str(text).map_err(|e| {
            (
                Value::Null,
                RpcError::new(code::RPC_PARSE_ERROR, e.to_string()),
            )
        })?;
        let id = value.get("id").cloned().unwrap_or(Value::Null);
        let invalid =
            |what: &str| Box::new((id.clone(), RpcError::new(code::RPC_INVALID_REQUEST, what)));
        let method = value
            .get("method")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("method"))?
            .to_owned();
        let handle = match value.get("handle") {
            Some(h) => h.as_i64().ok_or_else(|| invalid("handle"))?,
            None => -1,
        };
        let params = match value.get("params") {
            None | Some(Value::Null) => Value::Array(Vec::new()),
            Some(p @ (Value::Array(_) | Value::Object(_))) => p.clone(),
            Some(_) => return Err(invalid("params")),
        };
        let delta = value.get("delta").and_then(Value::as_bool).unwrap_or(false);
        Ok(Request {
            id,
            method,
            handle,
            params,
            delta,
        })
    }

    /// Parameter `index` (positional) or `name` (named).
    pub fn param(&self, index: usize, name: &str) -> Option<&Value> {
        match &self.params {
            Value::Array(items) => items.get(index),
            Value::Object(map) => map.get(name),
            _ => None,
        }
        .filter(|v| !v.is_null())
    }

    pub fn str_param(&self, index: usize, name: &str) -> Result<&str, RpcError> {
        self.param(index, name)
            .and_then(Value::as_str)
            .ok_or_else(|| RpcError::new(code::RPC_INVALID_PARAMETERS, name))
    }

    pub fn bool_param(&self, index: usize, name: &str, default: bool) -> bool {
        self.param(index, name)
            .and_then(Value::as_bool)
            .unwrap_or(default)
    }
}

/// The outcome of a method: result members, plus handles the engine closed.
#[derive(Debug, Default)]
pub struct Outcome {
    pub result: Map<String, Value>,
    /// Handles whose objects changed (top-level `change`).
    pub change: Vec<i64>,
    /// Handles the engine closed (top-level `close`).
    pub close: Vec<i64>,
}

impl Outcome {
    pub fn one(key: &str, value: Value) -> Outcome {
        let mut result = Map::new();
        result.insert(key.to_owned(), value);
        Outcome {
            result,
            ..Outcome::default()
        }
    }
}

/// Serialises a response. With `delta`, every result member becomes one JSON-Patch `add` at
/// the root, which enigma.js applies by replacing its cached value.
pub fn response(id: &Value, outcome: Result<Outcome, RpcError>, delta: bool) -> Value {
    match outcome {
        Ok(outcome) => {
            let result: Map<String, Value> = if delta {
                outcome
                    .result
                    .into_iter()
                    .map(|(k, v)| (k, json!([{"op": "add", "path": "/", "value": v}])))
                    .collect()
            } else {
                outcome.result
            };
            let mut out = json!({"jsonrpc": "2.0", "id": id, "result": result});
            if delta {
                out["delta"] = json!(true);
            }
            if !outcome.change.is_empty() {
                out["change"] = json!(outcome.change);
            }
            if !outcome.close.is_empty() {
                out["close"] = json!(outcome.close);
            }
            out
        }
        Err(error) => json!({"jsonrpc": "2.0", "id": id, "error": error.to_json()}),
    }
}

pub fn notification(method: &str, params: Value) -> Value {
    json!({"jsonrpc": "2.0", "method": method, "params": params})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positional_and_named_params() {
        let r = Request::parse(r#"{"jsonrpc":"2.0","id":1,"method":"OpenDoc","handle":-1,"params":["abc","","","",true]}"#).unwrap();
        assert_eq!(r.str_param(0, "qDocName").unwrap(), "abc");
        assert!(r.bool_param(4, "qNoData", false));
        let r = Request::parse(
            r#"{"id":2,"method":"OpenDoc","handle":-1,"params":{"qDocName":"abc"},"outKey":-1}"#,
        )
        .unwrap();
        assert_eq!(r.str_param(0, "qDocName").unwrap(), "abc");
        assert!(!r.bool_param(4, "qNoData", false));
    }

    #[test]
    fn bad_frames_are_answered() {
        let (id, e) = *Request::parse("{nope").unwrap_err();
        assert_eq!((id, e.code), (Value::Null, code::RPC_PARSE_ERROR));
        let (id, e) = *Request::parse(r#"{"id":7}"#).unwrap_err();
        assert_eq!((id, e.code), (json!(7), code::RPC_INVALID_REQUEST));
    }

    #[test]
    fn delta_wraps_every_member() {
        let out = response(
            &json!(3),
            Ok(Outcome::one("qScript", json!("LOAD 1;"))),
            true,
        );
        assert_eq!(out["delta"], json!(true));
        assert_eq!(
            out["result"]["qScript"],
            json!([{"op": "add", "path": "/", "value": "LOAD 1;"}])
        );
        let plain = response(&json!(3), Ok(Outcome::one("qScript", json!("x"))), false);
        assert_eq!(plain["result"]["qScript"], json!("x"));
        assert!(plain.get("delta").is_none());
    }
}
