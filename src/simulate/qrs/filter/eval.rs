//! Evaluating a parsed filter against entities (JSON values) and checking it against a
//! template entity: property paths resolved to leaves, comparisons with QRS's semantics
//! (described in the module docs of `filter.rs`).

use serde_json::{Map, Value};

use super::parse::{parse_number, Comparison, Expr, Filter, Literal, Op, PropertyPath};
use super::{mismatch, FilterError};
use crate::simulate::time;

fn lookup<'a>(map: &'a Map<String, Value>, exact: &str, lower: &str) -> Option<&'a Value> {
    map.get(exact).or_else(|| {
        map.iter()
            .find(|(k, _)| k.to_lowercase() == lower)
            .map(|(_, v)| v)
    })
}

/// Resolves `path` against an entity. `None` leaves are null/missing.
pub(super) fn collect<'a>(
    v: &'a Value,
    path: &PropertyPath,
    at: usize,
    out: &mut Vec<Option<&'a Value>>,
) {
    match v {
        Value::Array(items) => {
            for item in items {
                collect(item, path, at, out);
            }
        }
        Value::Null => out.push(None),
        _ if at == path.segments.len() => out.push(Some(v)),
        Value::Object(map) => match lookup(map, &path.segments[at], &path.lower[at]) {
            Some(child) => collect(child, path, at + 1, out),
            None => out.push(None),
        },
        _ => out.push(None),
    }
}

/// Resolves `path` against a template. `Ok(None)` means "cannot be checked further"
/// (null or empty array in the template); `Ok(Some(v))` is a sample leaf value.
pub(super) fn template_leaf<'a>(
    template: &'a Value,
    path: &PropertyPath,
) -> Result<Option<&'a Value>, FilterError> {
    pub(super) fn skip_arrays(mut v: &Value) -> Option<&Value> {
        while let Value::Array(items) = v {
            v = items.first()?;
        }
        Some(v)
    }
    let mut cur = template;
    for (exact, lower) in path.segments.iter().zip(&path.lower) {
        cur = match skip_arrays(cur) {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Object(map)) => lookup(map, exact, lower)
                .ok_or_else(|| FilterError::UnknownProperty(path.text.clone()))?,
            Some(_) => return Err(FilterError::UnknownProperty(path.text.clone())),
        };
    }
    Ok(skip_arrays(cur).filter(|v| !v.is_null()))
}

impl Filter {
    /// Checks every property path against `template` (a full sample entity whose arrays hold
    /// one sample element) and catches obvious type mismatches. Paths through a `null` or an
    /// empty array in the template cannot be checked and are accepted.
    pub fn validate(&self, template: &Value) -> Result<(), FilterError> {
        let mut stack = vec![&self.root];
        while let Some(e) = stack.pop() {
            match e {
                Expr::Or(v) | Expr::And(v) => stack.extend(v.iter().rev()),
                Expr::Cmp(c) => validate_comparison(c, template)?,
            }
        }
        Ok(())
    }

    /// Whether `entity` satisfies the filter (see the module docs for the semantics).
    pub fn matches(&self, entity: &Value) -> bool {
        eval(&self.root, entity)
    }
}

fn validate_comparison(c: &Comparison, template: &Value) -> Result<(), FilterError> {
    let Some(sample) = template_leaf(template, &c.path)? else {
        return Ok(());
    };
    let prop = c.path.text.as_str();
    let op = c.op.name();
    if c.value == Literal::Null {
        return Ok(());
    }
    match sample {
        Value::Object(_) => Err(mismatch(
            prop,
            format!(
                "'{prop}' is an object; compare one of its properties (e.g. '{prop}.id') \
                 or use 'eq null' / 'ne null'"
            ),
        )),
        Value::String(s) => {
            if matches!(c.value, Literal::Bool(_)) {
                return Err(mismatch(
                    prop,
                    format!(
                        "'{prop}' is a string; quote the value ('{}')",
                        c.value.describe()
                    ),
                ));
            }
            if !c.op.is_text_only() && time::parse_nanos(s).is_some() {
                let is_date = matches!(c.value, Literal::Str(_)) && c.value_instant.is_some();
                if !is_date {
                    return Err(mismatch(
                        prop,
                        format!(
                            "'{prop}' is a date/time; expected a quoted value like \
                             '2024-01-01T00:00:00.000Z' or '2024-01-01', found {}",
                            c.value.describe()
                        ),
                    ));
                }
            }
            Ok(())
        }
        Value::Number(_) => {
            if c.op.is_text_only() {
                return Err(mismatch(
                    prop,
                    format!("operator '{op}' only applies to strings, but '{prop}' is a number"),
                ));
            }
            let numeric = match &c.value {
                Literal::Number { .. } => true,
                Literal::Str(s) => parse_number(s.trim()).is_some(),
                _ => false,
            };
            if numeric {
                Ok(())
            } else {
                Err(mismatch(
                    prop,
                    format!(
                        "'{prop}' is a number; expected a numeric value, found {}",
                        c.value.describe()
                    ),
                ))
            }
        }
        Value::Bool(_) => {
            if !c.op.is_equality() {
                return Err(mismatch(
                    prop,
                    format!("'{prop}' is a boolean; only 'eq' and 'ne' apply, not '{op}'"),
                ));
            }
            if bool_value(&c.value).is_some() {
                Ok(())
            } else {
                Err(mismatch(
                    prop,
                    format!(
                        "'{prop}' is a boolean; expected true or false, found {}",
                        c.value.describe()
                    ),
                ))
            }
        }
        Value::Null | Value::Array(_) => Ok(()),
    }
}

fn bool_value(lit: &Literal) -> Option<bool> {
    match lit {
        Literal::Bool(b) => Some(*b),
        Literal::Str(s) if s.trim().eq_ignore_ascii_case("true") => Some(true),
        Literal::Str(s) if s.trim().eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

fn eval(e: &Expr, entity: &Value) -> bool {
    match e {
        Expr::Or(v) => v.iter().any(|x| eval(x, entity)),
        Expr::And(v) => v.iter().all(|x| eval(x, entity)),
        Expr::Cmp(c) => {
            let mut leaves = Vec::new();
            collect(entity, &c.path, 0, &mut leaves);
            leaves.into_iter().any(|leaf| compare_leaf(c, leaf))
        }
    }
}

fn compare_leaf(c: &Comparison, leaf: Option<&Value>) -> bool {
    let Some(leaf) = leaf else {
        return c.value == Literal::Null && c.op == Op::Eq;
    };
    if c.value == Literal::Null {
        return c.op == Op::Ne;
    }
    match leaf {
        Value::String(s) => {
            let Some(needle) = c.value_lower.as_deref() else {
                return false;
            };
            let hay = s.to_lowercase();
            match c.op {
                Op::Sw => hay.starts_with(needle),
                Op::Ew => hay.ends_with(needle),
                Op::So => hay.contains(needle),
                op => {
                    let ord = match (c.value_instant, time::parse_nanos(s)) {
                        (Some(v), Some(e)) => e.cmp(&v),
                        _ => hay.as_str().cmp(needle),
                    };
                    op.holds(ord)
                }
            }
        }
        Value::Number(n) => {
            let target = match &c.value {
                Literal::Number { value, .. } => Some(*value),
                Literal::Str(s) => parse_number(s.trim()),
                _ => None,
            };
            match (n.as_f64(), target) {
                (Some(a), Some(b)) if !c.op.is_text_only() => {
                    a.partial_cmp(&b).is_some_and(|o| c.op.holds(o))
                }
                _ => false,
            }
        }
        Value::Bool(b) => match (bool_value(&c.value), c.op) {
            (Some(v), Op::Eq) => *b == v,
            (Some(v), Op::Ne) => *b != v,
            _ => false,
        },
        _ => false,
    }
}
