//! QIX JSON-RPC framing, server side: requests with positional or named params, responses with
//! the engine's error codes (defined in `qlik::rpc`, shared with the crawler), and the delta
//! protocol enigma.js uses by default.

use serde_json::{json, Map, Value};

pub use crate::qlik::rpc::{code, RpcError};

fn error_json(error: &RpcError) -> Value {
    json!({"code": error.code, "parameter": error.parameter, "message": error.message})
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
        Err(error) => json!({"jsonrpc": "2.0", "id": id, "error": error_json(&error)}),
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
