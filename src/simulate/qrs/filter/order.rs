//! `orderby`: parsing sort keys and a stable sort with one total order over JSON values
//! (nulls, booleans, numbers, instants, text, the rest).

use std::cmp::Ordering;

use serde_json::Value;

use super::eval::{collect, template_leaf};
use super::lex::{Cursor, Tok};
use super::parse::PropertyPath;
use super::{mismatch, syntax, FilterError};
use crate::simulate::time;

#[derive(Debug, Clone, PartialEq)]
struct SortKey {
    path: PropertyPath,
    descending: bool,
}

/// A parsed QRS `orderby` clause: one or more keys, each ascending by default.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderBy {
    keys: Vec<SortKey>,
}

impl OrderBy {
    /// Parses e.g. `"name"`, `"name asc"`, `"modifiedDate desc, name asc"`.
    pub fn parse(text: &str) -> Result<OrderBy, FilterError> {
        let mut cur = Cursor::new(text, "end of orderby")?;
        let mut keys = Vec::new();
        loop {
            let tok = cur.bump();
            let path = match &tok.tok {
                Tok::Word(w) => PropertyPath::parse(w, tok.pos)?,
                other => {
                    let after = if keys.is_empty() { "" } else { " after ','" };
                    return Err(syntax(
                        tok.pos,
                        format!(
                            "expected a property name{after}, found {}",
                            cur.found(other)
                        ),
                    ));
                }
            };
            let mut descending = false;
            if let Tok::Word(w) = &cur.peek().tok {
                if w.eq_ignore_ascii_case("desc") {
                    descending = true;
                    cur.bump();
                } else if w.eq_ignore_ascii_case("asc") {
                    cur.bump();
                }
            }
            keys.push(SortKey { path, descending });
            let next = cur.bump();
            match &next.tok {
                Tok::End => break,
                Tok::Comma => continue,
                other => {
                    return Err(syntax(
                        next.pos,
                        format!(
                            "expected 'asc', 'desc', ',' or end of orderby, found {}",
                            cur.found(other)
                        ),
                    ))
                }
            }
        }
        Ok(OrderBy { keys })
    }

    /// Checks every key's path against `template`; ordering by an object is a type mismatch.
    pub fn validate(&self, template: &Value) -> Result<(), FilterError> {
        for key in &self.keys {
            if let Some(Value::Object(_)) = template_leaf(template, &key.path)? {
                let p = &key.path.text;
                return Err(mismatch(
                    p,
                    format!("cannot order by '{p}' because it is an object; use e.g. '{p}.name'"),
                ));
            }
        }
        Ok(())
    }

    /// Stable sort of `items` by the keys (see the module docs for the ordering).
    pub fn sort(&self, items: &mut [Value]) {
        if self.keys.is_empty() || items.len() < 2 {
            return;
        }
        let mut keyed: Vec<(Vec<SortValue>, Value)> = items
            .iter_mut()
            .map(|item| {
                let k = self
                    .keys
                    .iter()
                    .map(|key| SortValue::of(item, &key.path))
                    .collect();
                (k, std::mem::take(item))
            })
            .collect();
        keyed.sort_by(|(a, _), (b, _)| {
            for ((x, y), key) in a.iter().zip(b).zip(&self.keys) {
                let o = x.cmp(y);
                let o = if key.descending { o.reverse() } else { o };
                if o != Ordering::Equal {
                    return o;
                }
            }
            Ordering::Equal
        });
        for (slot, (_, v)) in items.iter_mut().zip(keyed) {
            *slot = v;
        }
    }
}

/// Totally ordered sort value (so sorting never panics on inconsistent comparisons).
#[derive(Debug)]
enum SortValue {
    Null,
    Bool(bool),
    Number(f64),
    Instant(i128),
    Text(String),
    Other,
}

impl SortValue {
    fn of(item: &Value, path: &PropertyPath) -> SortValue {
        let mut leaves = Vec::new();
        collect(item, path, 0, &mut leaves);
        match leaves.into_iter().next().flatten() {
            None | Some(Value::Null) => SortValue::Null,
            Some(Value::Bool(b)) => SortValue::Bool(*b),
            Some(Value::Number(n)) => SortValue::Number(n.as_f64().unwrap_or(0.0)),
            Some(Value::String(s)) => match time::parse_nanos(s) {
                Some(t) => SortValue::Instant(t),
                None => SortValue::Text(s.to_lowercase()),
            },
            Some(_) => SortValue::Other,
        }
    }

    fn rank(&self) -> u8 {
        match self {
            SortValue::Null => 0,
            SortValue::Bool(_) => 1,
            SortValue::Number(_) => 2,
            SortValue::Instant(_) => 3,
            SortValue::Text(_) => 4,
            SortValue::Other => 5,
        }
    }

    fn cmp(&self, other: &SortValue) -> Ordering {
        match (self, other) {
            (SortValue::Bool(a), SortValue::Bool(b)) => a.cmp(b),
            (SortValue::Number(a), SortValue::Number(b)) => a.total_cmp(b),
            (SortValue::Instant(a), SortValue::Instant(b)) => a.cmp(b),
            (SortValue::Text(a), SortValue::Text(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}
