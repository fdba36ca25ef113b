//! The span invariant every parse must hold, on the corpus and on fuzzed input alike.
#![allow(dead_code)]

use qlineage::source::Span;

/// Every `span` in the serialized tree lies inside the source and inside its parent's span.
pub fn check_spans(
    value: &serde_json::Value,
    parent: Span,
    len: u32,
    path: &str,
    problems: &mut Vec<String>,
) {
    match value {
        serde_json::Value::Object(map) => {
            let mut here = parent;
            if let Some(span) = map.get("span").and_then(|s| s.as_array()) {
                let (a, b) = (
                    span[0].as_u64().unwrap() as u32,
                    span[1].as_u64().unwrap() as u32,
                );
                let span = Span { start: a, end: b };
                if a > b || b > len || !parent.contains(span) {
                    problems.push(format!(
                        "{path}: span {a}..{b} outside parent {}..{}",
                        parent.start, parent.end
                    ));
                }
                here = span;
            }
            for (k, v) in map {
                if k != "span" {
                    check_spans(v, here, len, path, problems);
                }
            }
        }
        serde_json::Value::Array(items) => {
            for v in items {
                check_spans(v, parent, len, path, problems);
            }
        }
        _ => {}
    }
}
