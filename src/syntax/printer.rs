//! A stable, readable text form of the AST for snapshots.
//!
//! It walks the serde form of the tree, so every node type prints without a hand-written case:
//! enum variants become headings, `span` fields become `@start..end`, names print with their
//! quotes, empty and false fields are left out. Fields print in declaration order, and a
//! statement prints as its kind (`Load @0..40`) with the statement's own fields merged in.

use super::ast::Script;
use serde::Serialize;
use serde_json::{Map, Value};
use std::fmt::Write;

/// Prints any serializable node.
pub fn print<T: Serialize>(node: &T) -> String {
    let value = serde_json::to_value(node).unwrap_or(Value::Null);
    let mut out = String::new();
    write_node(&mut out, 0, None, &value);
    out
}

pub fn print_script(script: &Script) -> String {
    let mut out = String::new();
    for tab in &script.tabs {
        let _ = writeln!(
            out,
            "tab {:?} @{}..{}",
            tab.name, tab.span.start, tab.span.end
        );
    }
    for stmt in &script.statements {
        out.push_str(&print(stmt));
    }
    out
}

fn span_text(value: &Value) -> Option<String> {
    let a = value.as_array()?;
    match (a.first()?.as_u64(), a.get(1)?.as_u64(), a.len()) {
        (Some(s), Some(e), 2) => Some(format!("@{s}..{e}")),
        _ => None,
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null | Value::Bool(false) => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// A one-line form for leaf-like nodes (names, literals, raw text), if the node is one.
fn inline(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Object(o) => {
            let span = o.get("span").and_then(span_text).unwrap_or_default();
            let mut keys: Vec<&str> = o.keys().map(String::as_str).collect();
            keys.sort_unstable();
            match keys.as_slice() {
                ["quote", "span", "text"] => {
                    let text = o["text"].as_str()?;
                    // Re-quoted as Qlik would write it: the closing delimiter doubled inside.
                    let quoted = match o["quote"].as_str()? {
                        "Double" => format!("\"{}\"", text.replace('"', "\"\"")),
                        "Bracket" => format!("[{}]", text.replace(']', "]]")),
                        "Backtick" => format!("`{}`", text.replace('`', "``")),
                        "Single" => format!("'{}'", text.replace('\'', "''")),
                        _ => text.to_owned(),
                    };
                    Some(format!("{quoted}{span}"))
                }
                ["span", "value"] => Some(format!(
                    "{}{span}",
                    Value::String(o["value"].as_str()?.to_owned())
                )),
                ["span", "text"] => Some(format!(
                    "{}{span}",
                    Value::String(o["text"].as_str()?.to_owned())
                )),
                ["span", "word"] => Some(format!("{}{span}", o["word"].as_str()?)),
                ["span"] => Some(span),
                _ => None,
            }
        }
        Value::Array(_) => span_text(value),
        Value::Null => None,
    }
}

fn write_node(out: &mut String, indent: usize, label: Option<&str>, value: &Value) {
    let pad = "  ".repeat(indent);
    let head = label.map(|l| format!("{l} ")).unwrap_or_default();
    if let Some(text) = inline(value) {
        let _ = writeln!(out, "{pad}{}{text}", head);
        return;
    }
    match value {
        Value::Array(items) => {
            let _ = writeln!(out, "{pad}{}[{}]", head, items.len());
            for item in items {
                if item.is_null() {
                    let _ = writeln!(out, "{pad}  - (empty)");
                } else {
                    write_node(out, indent + 1, Some("-"), item);
                }
            }
        }
        Value::Object(o) if o.len() == 1 && o.keys().all(|k| k.starts_with(char::is_uppercase)) => {
            // An enum variant: fold its name into the heading.
            let (variant, inner) = o.iter().next().expect("one entry");
            let label = format!("{}{}", head, variant);
            if let Some(text) = inline(inner) {
                let _ = writeln!(out, "{pad}{label} {text}");
                return;
            }
            match inner {
                Value::Object(fields) => match fold_kind(fields) {
                    Some((kind, merged)) => {
                        write_object(out, indent, &format!("{label} {kind}"), &merged)
                    }
                    None => write_object(out, indent, &label, fields),
                },
                other => write_node(out, indent, Some(&label), other),
            }
        }
        Value::Object(fields) => match fold_kind(fields) {
            // A statement: its kind becomes the heading, its fields join the statement's.
            Some((variant, merged)) => {
                write_object(out, indent, &format!("{head}{variant}"), &merged)
            }
            None => write_object(out, indent, head.trim_end(), fields),
        },
        _ => {}
    }
}

fn write_object(out: &mut String, indent: usize, label: &str, fields: &Map<String, Value>) {
    let pad = "  ".repeat(indent);
    let mut line = format!("{pad}{label}");
    if let Some(span) = fields.get("span").and_then(span_text) {
        let _ = write!(line, " {span}");
    }
    let mut nested = Vec::new();
    for (key, value) in fields {
        if key == "span" || is_empty(value) {
            continue;
        }
        match value {
            Value::String(s) => {
                let _ = write!(line, " {key}={}", Value::String(s.clone()));
            }
            Value::Number(_) | Value::Bool(_) => {
                let _ = write!(line, " {key}={value}");
            }
            _ => nested.push((key, value)),
        }
    }
    out.push_str(line.trim_end());
    out.push('\n');
    for (key, value) in nested {
        write_node(out, indent + 1, Some(&format!("{key}:")), value);
    }
}

/// For `{kind: {Variant: {...}}, span, prefixes}`, the variant name and the merged fields.
fn fold_kind(fields: &Map<String, Value>) -> Option<(String, Map<String, Value>)> {
    let kind = fields.get("kind")?;
    let (variant, inner) = match kind {
        Value::String(unit) => (unit.clone(), None),
        Value::Object(o) if o.len() == 1 => {
            let (k, v) = o.iter().next()?;
            (k.clone(), Some(v))
        }
        _ => return None,
    };
    let mut merged = Map::new();
    if let Some(span) = fields.get("span") {
        merged.insert("span".into(), span.clone());
    }
    match inner {
        Some(Value::Object(inner)) => {
            for (k, v) in inner {
                merged.insert(k.clone(), v.clone());
            }
        }
        Some(other) => {
            merged.insert("value".into(), other.clone());
        }
        None => {}
    }
    for (k, v) in fields {
        if k != "kind" && k != "span" {
            merged.insert(k.clone(), v.clone());
        }
    }
    Some((variant, merged))
}
