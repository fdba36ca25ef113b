//! The LET evaluator: computes script expressions whose inputs are constants or known
//! variables, the way the engine would at reload time.
//!
//! Values are Qlik's duals: a number, a text, or both (a date is its serial number with the
//! text `DateFormat` gives it). Anything that depends on data or on the clock (`Peek`,
//! `NoOfRows`, `Now`…) is [`Unknown`] with the reason, unless the user preset it. Dates use
//! Qlik's serial numbers (days since 1899-12-30) on `jiff` civil dates.

use jiff::civil::Date;
use jiff::{Span as JiffSpan, Unit};

use crate::syntax::ast::{BinaryOp, Expr, ExprCall, UnaryOp};

/// A computed value. `Null` is Qlik's NULL (an empty text when stored in a variable).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Num(f64),
    Text(String),
    /// A number with its display text (dates, `Dual()`, `Num()` with a format).
    Dual(f64, String),
}

/// Why a value could not be computed. `runtime` is true when the value exists at reload
/// time (the clock, the data, the engine's state) rather than being missing from the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unknown {
    pub reason: String,
    pub runtime: bool,
}

impl Unknown {
    pub fn runtime(reason: impl Into<String>) -> Self {
        Unknown {
            reason: reason.into(),
            runtime: true,
        }
    }

    pub fn missing(reason: impl Into<String>) -> Self {
        Unknown {
            reason: reason.into(),
            runtime: false,
        }
    }
}

pub type Eval = Result<Value, Unknown>;

/// What the evaluator asks of the analysis: variables, the date to assume for `Today()`,
/// and the table model for `TableNumber()` and friends.
pub trait Context {
    /// The text of a variable; `Err` when it is unknown, `Ok(None)` when it was never set.
    fn variable(&self, name: &str) -> Result<Option<String>, Unknown>;
    /// `--assume-date`, for `Today()`, `Now()` and `ReloadTime()`.
    fn assumed_date(&self) -> Option<Date>;
    /// Position of a live table in load order, for `TableNumber`.
    fn table_number(&self, name: &str) -> Option<usize>;
    fn table_count(&self) -> usize;
    /// Fields of a live table, for `FieldNumber` and `NoOfFields`; `None` if not known.
    fn table_fields(&self, name: &str) -> Option<Vec<String>>;
    /// The table loaded at `index`, for `TableName(n)`.
    fn table_name(&self, index: usize) -> Option<String>;
}

impl Value {
    pub fn from_bool(b: bool) -> Value {
        Value::Num(if b { -1.0 } else { 0.0 })
    }

    /// The number Qlik would use in arithmetic: texts that read as numbers count.
    pub fn number(&self) -> Option<f64> {
        match self {
            Value::Null => None,
            Value::Num(n) | Value::Dual(n, _) => Some(*n),
            Value::Text(t) => parse_number(t),
        }
    }

    pub fn text(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Num(n) => format_number(*n),
            Value::Text(t) => t.clone(),
            Value::Dual(_, t) => t.clone(),
        }
    }

    pub fn truthy(&self) -> bool {
        match self.number() {
            Some(n) => n != 0.0,
            None => false,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
}

/// Reads a number the way the engine reads a variable's text in arithmetic.
pub fn parse_number(text: &str) -> Option<f64> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    let ok = t
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'));
    if !ok || t.starts_with(['e', 'E']) {
        return None;
    }
    t.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// Formats a number as LET stores it: integers without decimals, others with up to 14
/// significant digits and `.` as separator.
pub fn format_number(n: f64) -> String {
    if n.is_nan() || n.is_infinite() {
        return String::new();
    }
    if n == n.trunc() && n.abs() < 1e15 {
        return format!("{}", n as i64);
    }
    let text = format!(
        "{:.*}",
        14usize.saturating_sub(n.abs().log10().max(0.0) as usize),
        n
    );
    let text = text.trim_end_matches('0').trim_end_matches('.');
    text.to_string()
}

/// Evaluates `expr`. Depth is bounded by the parser's nesting cap.
pub fn evaluate(expr: &Expr, ctx: &dyn Context) -> Eval {
    match expr {
        Expr::Number(n) => {
            Ok(parse_number(&n.text).map_or(Value::Text(n.text.to_string()), Value::Num))
        }
        Expr::String(s) => Ok(Value::Text(s.value.clone())),
        Expr::Field(ident) => match ctx.variable(&ident.text)? {
            Some(text) => Ok(match parse_number(&text) {
                Some(n) => Value::Dual(n, text),
                None => Value::Text(text),
            }),
            None => Err(Unknown::missing(format!(
                "`{}` is neither a variable set earlier nor a constant",
                ident.text
            ))),
        },
        Expr::Paren(p) => evaluate(&p.inner, ctx),
        Expr::Unary(u) => {
            let v = evaluate(&u.operand, ctx)?;
            Ok(match u.op {
                UnaryOp::Neg => v.number().map_or(Value::Null, |n| Value::Num(-n)),
                UnaryOp::Plus => v.number().map_or(Value::Null, Value::Num),
                UnaryOp::Not => Value::from_bool(!v.truthy()),
                UnaryOp::BitNot => v
                    .number()
                    .map_or(Value::Null, |n| Value::Num(!(n as i64) as f64)),
            })
        }
        Expr::Binary(b) => binary(b.op, &b.lhs, &b.rhs, ctx),
        Expr::Call(call) => call_function(call, ctx),
        // A `$(…)` left in an expanded expression stands for a value that is not known.
        Expr::Dollar(d) => {
            let body = d.body().trim();
            let name = super::expansion::split_call(body.trim_start_matches('#')).0;
            match ctx.variable(name) {
                Err(unknown) => Err(unknown),
                _ => Err(Unknown::missing(format!("{} is not known here", d.text))),
            }
        }
        Expr::Param(p) => Err(Unknown::missing(format!(
            "parameter {} outside a variable body",
            p.text
        ))),
        Expr::Position(_)
        | Expr::Tuple(_)
        | Expr::Scoped(_)
        | Expr::Keyword(_)
        | Expr::Error(_) => Err(Unknown::missing("not a script expression".to_string())),
    }
}

fn binary(op: BinaryOp, lhs: &Expr, rhs: &Expr, ctx: &dyn Context) -> Eval {
    // AND/OR short-circuit so `IF IsNull(x) OR x = 1` is decidable when the left side decides.
    if matches!(op, BinaryOp::And | BinaryOp::Or) {
        let left = evaluate(lhs, ctx);
        if let Ok(l) = &left {
            if op == BinaryOp::And && !l.truthy() {
                return Ok(Value::from_bool(false));
            }
            if op == BinaryOp::Or && l.truthy() {
                return Ok(Value::from_bool(true));
            }
        }
        let right = evaluate(rhs, ctx)?;
        let left = left?;
        return Ok(Value::from_bool(match op {
            BinaryOp::And => left.truthy() && right.truthy(),
            _ => left.truthy() || right.truthy(),
        }));
    }
    let l = evaluate(lhs, ctx)?;
    let r = evaluate(rhs, ctx)?;
    let num = |f: fn(f64, f64) -> f64| match (l.number(), r.number()) {
        (Some(a), Some(b)) => {
            let v = f(a, b);
            if v.is_finite() {
                Value::Num(v)
            } else {
                Value::Null
            }
        }
        _ => Value::Null,
    };
    Ok(match op {
        BinaryOp::Add => num(|a, b| a + b),
        BinaryOp::Sub => num(|a, b| a - b),
        BinaryOp::Mul => num(|a, b| a * b),
        BinaryOp::Div => num(|a, b| a / b),
        BinaryOp::Concat => Value::Text(l.text() + &r.text()),
        BinaryOp::Eq
        | BinaryOp::NotEq
        | BinaryOp::Lt
        | BinaryOp::LtEq
        | BinaryOp::Gt
        | BinaryOp::GtEq => {
            let ordering = match (l.number(), r.number()) {
                (Some(a), Some(b)) => a.partial_cmp(&b),
                _ => Some(l.text().to_lowercase().cmp(&r.text().to_lowercase())),
            };
            let Some(ordering) = ordering else {
                return Ok(Value::Null);
            };
            use std::cmp::Ordering::*;
            Value::from_bool(match op {
                BinaryOp::Eq => ordering == Equal,
                BinaryOp::NotEq => ordering != Equal,
                BinaryOp::Lt => ordering == Less,
                BinaryOp::LtEq => ordering != Greater,
                BinaryOp::Gt => ordering == Greater,
                _ => ordering != Less,
            })
        }
        BinaryOp::Like => Value::from_bool(wildcard_match(
            &r.text().to_lowercase(),
            &l.text().to_lowercase(),
        )),
        BinaryOp::Precedes => Value::from_bool(l.text() < r.text()),
        BinaryOp::Follows => Value::from_bool(l.text() > r.text()),
        BinaryOp::Xor => Value::from_bool(l.truthy() != r.truthy()),
        BinaryOp::BitAnd => int_op(&l, &r, |a, b| a & b),
        BinaryOp::BitOr => int_op(&l, &r, |a, b| a | b),
        BinaryOp::BitXor => int_op(&l, &r, |a, b| a ^ b),
        BinaryOp::Shl => int_op(&l, &r, |a, b| a.checked_shl(b as u32).unwrap_or(0)),
        BinaryOp::Shr => int_op(&l, &r, |a, b| a.checked_shr(b as u32).unwrap_or(0)),
        BinaryOp::And | BinaryOp::Or => unreachable!("handled above"),
    })
}

fn int_op(l: &Value, r: &Value, f: fn(i64, i64) -> i64) -> Value {
    match (l.number(), r.number()) {
        (Some(a), Some(b)) => Value::Num(f(a as i64, b as i64) as f64),
        _ => Value::Null,
    }
}

/// `*` and `?` wildcards, as in Qlik's `like` and `WildMatch` (case-sensitive).
pub use crate::wildcard::matches as wildcard_match;

/// Functions whose result depends on the data or the reload: never constant.
const RUNTIME_FUNCTIONS: &[&str] = &[
    "peek",
    "previous",
    "noofrows",
    "fieldvalue",
    "fieldvaluecount",
    "fieldindex",
    "filetime",
    "filesize",
    "qvdcreatetime",
    "qvdnoofrecords",
    "qvdnooffields",
    "qvdfieldname",
    "qvdtablename",
    "getfolderpath",
    "documentname",
    "documentpath",
    "documenttitle",
    "osuser",
    "computername",
    "qvuser",
    "random",
    "rand",
    "lookup",
    "exists",
    "rowno",
    "recno",
    "iterno",
    "filebasename",
    "filename",
    "filedir",
    "fileextension",
    "filepath",
    "connectstring",
    "getdatacontent",
    "reloadtime",
    "elapsedtime",
];

const CLOCK_FUNCTIONS: &[&str] = &["today", "now", "reloadtime"];

fn call_function(call: &ExprCall, ctx: &dyn Context) -> Eval {
    let name = call.name.text.to_ascii_lowercase();
    let args = &call.args;
    if CLOCK_FUNCTIONS.contains(&name.as_str()) {
        return match ctx.assumed_date() {
            Some(date) => Ok(date_value(date_serial(date), ctx)),
            None => Err(Unknown::runtime(format!(
                "{}() is the reload time (preset it with --assume-date)",
                call.name.text
            ))),
        };
    }
    if RUNTIME_FUNCTIONS.contains(&name.as_str()) {
        return Err(Unknown::runtime(format!(
            "{}() depends on the data or the reload",
            call.name.text
        )));
    }
    // Functions that decide on their arguments lazily.
    match name.as_str() {
        "if" => {
            let cond = evaluate(arg(args, 0)?, ctx)?;
            return if cond.truthy() {
                evaluate(arg(args, 1)?, ctx)
            } else {
                args.get(2).map_or(Ok(Value::Null), |e| evaluate(e, ctx))
            };
        }
        "alt" => {
            let mut last = Err(Unknown::missing("Alt() without arguments"));
            for a in args {
                match evaluate(a, ctx) {
                    Ok(v) if v.number().is_some() => return Ok(v),
                    other => last = other,
                }
            }
            return last.or(Ok(Value::Null));
        }
        "pick" => {
            let n = num_arg(args, 0, ctx)? as usize;
            return match args.get(n) {
                Some(e) if n >= 1 => evaluate(e, ctx),
                _ => Ok(Value::Null),
            };
        }
        "isnull" => {
            return Ok(Value::from_bool(match evaluate(arg(args, 0)?, ctx)? {
                Value::Null => true,
                v => v.text().is_empty() && v.number().is_none(),
            }))
        }
        _ => {}
    }
    let values: Vec<Value> = args
        .iter()
        .map(|a| evaluate(a, ctx))
        .collect::<Result<_, _>>()?;
    apply(&name, &call.name.text, &values, ctx)
}

fn arg(args: &[Expr], i: usize) -> Result<&Expr, Unknown> {
    args.get(i)
        .ok_or_else(|| Unknown::missing(format!("missing argument {}", i + 1)))
}

fn num_arg(args: &[Expr], i: usize, ctx: &dyn Context) -> Result<f64, Unknown> {
    evaluate(arg(args, i)?, ctx)?
        .number()
        .ok_or_else(|| Unknown::missing(format!("argument {} is not a number", i + 1)))
}

fn text_of(values: &[Value], i: usize) -> String {
    values.get(i).map(Value::text).unwrap_or_default()
}

fn num_of(values: &[Value], i: usize) -> Option<f64> {
    values.get(i).and_then(Value::number)
}

fn chars_take(text: &str, n: usize) -> String {
    text.chars().take(n).collect()
}

fn apply(name: &str, written: &str, v: &[Value], ctx: &dyn Context) -> Eval {
    let t = |i| text_of(v, i);
    let n = |i| num_of(v, i);
    let num_or_null = |x: Option<f64>| x.filter(|x| x.is_finite()).map_or(Value::Null, Value::Num);
    Ok(match name {
        "len" => Value::Num(t(0).chars().count() as f64),
        "upper" => Value::Text(t(0).to_uppercase()),
        "lower" => Value::Text(t(0).to_lowercase()),
        "trim" => Value::Text(t(0).trim_matches(' ').to_string()),
        "ltrim" => Value::Text(t(0).trim_start_matches(' ').to_string()),
        "rtrim" => Value::Text(t(0).trim_end_matches(' ').to_string()),
        "left" => Value::Text(chars_take(&t(0), n(1).unwrap_or(0.0).max(0.0) as usize)),
        "right" => {
            let s: Vec<char> = t(0).chars().collect();
            let k = (n(1).unwrap_or(0.0).max(0.0) as usize).min(s.len());
            Value::Text(s[s.len() - k..].iter().collect())
        }
        "mid" => {
            let s: Vec<char> = t(0).chars().collect();
            let start = (n(1).unwrap_or(1.0).max(1.0) as usize - 1).min(s.len());
            let len = n(2).map_or(s.len(), |l| l.max(0.0) as usize);
            Value::Text(s[start..].iter().take(len).collect())
        }
        "replace" => {
            let from = t(1);
            if from.is_empty() {
                Value::Text(t(0))
            } else {
                Value::Text(t(0).replace(&from, &t(2)))
            }
        }
        "subfield" => {
            let text = t(0);
            let sep = t(1);
            let parts: Vec<&str> = if sep.is_empty() {
                vec![text.as_str()]
            } else {
                text.split(sep.as_str()).collect()
            };
            match n(2) {
                None => Value::Text(parts.first().map(|s| s.to_string()).unwrap_or_default()),
                Some(k) => {
                    let k = k as i64;
                    let index = if k > 0 {
                        Some((k - 1) as usize)
                    } else if k < 0 && (-k) as usize <= parts.len() {
                        Some(parts.len() - (-k) as usize)
                    } else {
                        None
                    };
                    index
                        .and_then(|i| parts.get(i))
                        .map_or(Value::Null, |s| Value::Text(s.to_string()))
                }
            }
        }
        "textbetween" => {
            let text = t(0);
            let (open, close) = (t(1), t(2));
            let nth = n(3).unwrap_or(1.0).max(1.0) as usize;
            let mut rest = text.as_str();
            let mut found = None;
            for _ in 0..nth {
                match rest.find(open.as_str()) {
                    Some(at) => {
                        let after = &rest[at + open.len()..];
                        match after.find(close.as_str()) {
                            Some(end) => {
                                found = Some(after[..end].to_string());
                                rest = &after[end..];
                            }
                            None => {
                                found = None;
                                break;
                            }
                        }
                    }
                    None => {
                        found = None;
                        break;
                    }
                }
            }
            found.map_or(Value::Null, Value::Text)
        }
        "index" => {
            let text = t(0);
            let sub = t(1);
            let nth = n(2).unwrap_or(1.0) as i64;
            let positions: Vec<usize> = text
                .match_indices(sub.as_str())
                .map(|(i, _)| text[..i].chars().count() + 1)
                .collect();
            let pos = if nth > 0 {
                positions.get((nth - 1) as usize).copied()
            } else if nth < 0 {
                positions
                    .len()
                    .checked_sub((-nth) as usize)
                    .and_then(|i| positions.get(i).copied())
            } else {
                None
            };
            Value::Num(pos.unwrap_or(0) as f64)
        }
        "purgechar" => {
            let drop = t(1);
            Value::Text(t(0).chars().filter(|c| !drop.contains(*c)).collect())
        }
        "keepchar" => {
            let keep = t(1);
            Value::Text(t(0).chars().filter(|c| keep.contains(*c)).collect())
        }
        "chr" => Value::Text(
            n(0).and_then(|c| char::from_u32(c as u32))
                .map(String::from)
                .unwrap_or_default(),
        ),
        "ord" => Value::Num(t(0).chars().next().map_or(0.0, |c| c as u32 as f64)),
        "repeat" => {
            let count = n(1).unwrap_or(1.0).max(0.0) as usize;
            let text = t(0);
            if text.len().saturating_mul(count) > 1 << 20 {
                return Err(Unknown::missing("Repeat() result over 1 MiB"));
            }
            Value::Text(text.repeat(count))
        }
        "capitalize" => Value::Text(
            t(0).split(' ')
                .map(|w| {
                    let mut c = w.chars();
                    c.next().map_or(String::new(), |f| {
                        f.to_uppercase().collect::<String>() + &c.as_str().to_lowercase()
                    })
                })
                .collect::<Vec<_>>()
                .join(" "),
        ),
        "match" | "mixmatch" | "wildmatch" => {
            let subject = t(0);
            let hit = v.iter().skip(1).position(|c| match name {
                "match" => c.text() == subject,
                "mixmatch" => c.text().to_lowercase() == subject.to_lowercase(),
                _ => wildcard_match(&c.text().to_lowercase(), &subject.to_lowercase()),
            });
            Value::Num(hit.map_or(0.0, |i| (i + 1) as f64))
        }
        "num" => match (n(0), v.get(1)) {
            (Some(x), Some(fmt)) => Value::Dual(x, format_with_pattern(x, &fmt.text())),
            (Some(x), None) => Value::Num(x),
            (None, _) => Value::Null,
        },
        "num#" | "evaluate" => num_or_null(parse_number(&t(0))),
        "text" => Value::Text(t(0)),
        "dual" => match n(1) {
            Some(x) => Value::Dual(x, t(0)),
            None => Value::Text(t(0)),
        },
        "floor" => num_or_null(n(0).map(|x| {
            let step = n(1).unwrap_or(1.0);
            if step == 0.0 {
                x
            } else {
                (x / step).floor() * step
            }
        })),
        "ceil" => num_or_null(n(0).map(|x| {
            let step = n(1).unwrap_or(1.0);
            if step == 0.0 {
                x
            } else {
                (x / step).ceil() * step
            }
        })),
        "round" => num_or_null(n(0).map(|x| {
            let step = n(1).unwrap_or(1.0);
            if step == 0.0 {
                x
            } else {
                (x / step + 0.5).floor() * step
            }
        })),
        "fabs" => num_or_null(n(0).map(f64::abs)),
        "sign" => num_or_null(n(0).map(|x| {
            if x > 0.0 {
                1.0
            } else if x < 0.0 {
                -1.0
            } else {
                0.0
            }
        })),
        "mod" => num_or_null(n(0).zip(n(1)).map(|(a, b)| a.rem_euclid(b))),
        "fmod" => num_or_null(n(0).zip(n(1)).map(|(a, b)| a % b)),
        "div" => num_or_null(n(0).zip(n(1)).map(|(a, b)| (a / b).trunc())),
        "frac" => num_or_null(n(0).map(f64::fract)),
        "sqrt" => num_or_null(n(0).map(f64::sqrt)),
        "pow" => num_or_null(n(0).zip(n(1)).map(|(a, b)| a.powf(b))),
        "exp" => num_or_null(n(0).map(f64::exp)),
        "log" => num_or_null(n(0).map(f64::ln)),
        "log10" => num_or_null(n(0).map(f64::log10)),
        "rangemax" => num_or_null(v.iter().filter_map(Value::number).reduce(f64::max)),
        "rangemin" => num_or_null(v.iter().filter_map(Value::number).reduce(f64::min)),
        "rangesum" => Value::Num(v.iter().filter_map(Value::number).sum()),
        "true" => Value::from_bool(true),
        "false" => Value::from_bool(false),
        "null" => Value::Null,
        "isnum" => Value::from_bool(v.first().and_then(Value::number).is_some()),
        "istext" => {
            Value::from_bool(matches!(v.first(), Some(Value::Text(t)) if parse_number(t).is_none()))
        }
        "tablenumber" => ctx
            .table_number(&t(0))
            .map_or(Value::Null, |i| Value::Num(i as f64)),
        "nooftables" => Value::Num(ctx.table_count() as f64),
        "tablename" => n(0)
            .and_then(|i| ctx.table_name(i as usize))
            .map_or(Value::Null, Value::Text),
        "nooffields" => match ctx.table_fields(&t(0)) {
            Some(fields) => Value::Num(fields.len() as f64),
            None => {
                return Err(Unknown::runtime(format!(
                    "the fields of table {} are not known",
                    t(0)
                )))
            }
        },
        "fieldnumber" => match ctx.table_fields(&t(1)) {
            Some(fields) => Value::Num(
                fields
                    .iter()
                    .position(|f| *f == t(0))
                    .map_or(0.0, |i| (i + 1) as f64),
            ),
            None => {
                return Err(Unknown::runtime(format!(
                    "the fields of table {} are not known",
                    t(1)
                )))
            }
        },
        "fieldname" => match ctx.table_fields(&t(1)) {
            Some(fields) => n(0)
                .and_then(|i| fields.get((i as usize).wrapping_sub(1)).cloned())
                .map_or(Value::Null, Value::Text),
            None => {
                return Err(Unknown::runtime(format!(
                    "the fields of table {} are not known",
                    t(1)
                )))
            }
        },
        _ => return dates(name, written, v, ctx),
    })
}

// ---- dates -------------------------------------------------------------------------------

fn epoch() -> Date {
    jiff::civil::date(1899, 12, 30)
}

/// Qlik's serial number of a date: days since 1899-12-30.
pub fn date_serial(date: Date) -> f64 {
    epoch()
        .until((Unit::Day, date))
        .map_or(0.0, |span| span.get_days() as f64)
}

/// The date of a serial number (its integer part).
pub fn serial_date(serial: f64) -> Option<Date> {
    if !serial.is_finite() || serial.abs() > 3_000_000.0 {
        return None;
    }
    epoch()
        .checked_add(JiffSpan::new().days(serial.floor() as i64))
        .ok()
}

fn date_format(ctx: &dyn Context) -> String {
    ctx.variable("DateFormat")
        .ok()
        .flatten()
        .unwrap_or_else(|| "M/D/YYYY".to_string())
}

fn date_value(serial: f64, ctx: &dyn Context) -> Value {
    match serial_date(serial) {
        Some(d) => Value::Dual(serial, format_date(d, &date_format(ctx), ctx)),
        None => Value::Null,
    }
}

fn names(ctx: &dyn Context, var: &str, fallback: &str) -> Vec<String> {
    ctx.variable(var)
        .ok()
        .flatten()
        .unwrap_or_else(|| fallback.to_string())
        .split(';')
        .map(str::to_string)
        .collect()
}

/// Formats a date with Qlik's format codes (`YYYY`, `YY`, `MMMM`, `MMM`, `MM`, `M`, `DD`,
/// `D`, `WWWW`, `WWW`); other characters are copied.
pub fn format_date(date: Date, format: &str, ctx: &dyn Context) -> String {
    let mut out = String::new();
    let chars: Vec<char> = format.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let mut run = 1;
        while i + run < chars.len() && chars[i + run].eq_ignore_ascii_case(&c) {
            run += 1;
        }
        match c.to_ascii_uppercase() {
            'Y' if run >= 3 => out.push_str(&format!("{:04}", date.year())),
            'Y' => out.push_str(&format!("{:02}", date.year().rem_euclid(100))),
            'M' if run >= 4 => out.push_str(
                names(ctx, "LongMonthNames", "January;February;March;April;May;June;July;August;September;October;November;December")
                    .get(date.month() as usize - 1)
                    .map_or("", String::as_str),
            ),
            'M' if run == 3 => out.push_str(
                names(ctx, "MonthNames", "Jan;Feb;Mar;Apr;May;Jun;Jul;Aug;Sep;Oct;Nov;Dec")
                    .get(date.month() as usize - 1)
                    .map_or("", String::as_str),
            ),
            'M' if run == 2 => out.push_str(&format!("{:02}", date.month())),
            'M' => out.push_str(&date.month().to_string()),
            'D' if run >= 2 => out.push_str(&format!("{:02}", date.day())),
            'D' => out.push_str(&date.day().to_string()),
            'W' if run >= 3 => {
                let list = if run >= 4 {
                    names(ctx, "LongDayNames", "Monday;Tuesday;Wednesday;Thursday;Friday;Saturday;Sunday")
                } else {
                    names(ctx, "DayNames", "Mon;Tue;Wed;Thu;Fri;Sat;Sun")
                };
                let wd = date.weekday().to_monday_zero_offset() as usize;
                out.push_str(list.get(wd).map_or("", String::as_str));
            }
            _ => {
                for _ in 0..run {
                    out.push(c);
                }
            }
        }
        i += run;
    }
    out
}

/// Reads a date written in `format` (the inverse of [`format_date`] for numeric codes).
pub fn parse_date(text: &str, format: &str) -> Option<Date> {
    let (mut year, mut month, mut day) = (None, None, None);
    let t: Vec<char> = text.trim().chars().collect();
    let f: Vec<char> = format.chars().collect();
    let (mut ti, mut fi) = (0, 0);
    while fi < f.len() {
        let c = f[fi].to_ascii_uppercase();
        let mut run = 1;
        while fi + run < f.len() && f[fi + run].eq_ignore_ascii_case(&f[fi]) {
            run += 1;
        }
        if matches!(c, 'Y' | 'M' | 'D') {
            let max = if c == 'Y' { run.max(2) } else { 2 };
            let start = ti;
            while ti < t.len() && t[ti].is_ascii_digit() && ti - start < max {
                ti += 1;
            }
            let value: i32 = t[start..ti].iter().collect::<String>().parse().ok()?;
            match c {
                'Y' => year = Some(if run <= 2 { 2000 + value } else { value }),
                'M' => month = Some(value),
                _ => day = Some(value),
            }
        } else {
            for _ in 0..run {
                if t.get(ti) != Some(&f[fi]) {
                    return None;
                }
                ti += 1;
            }
        }
        fi += run;
    }
    if ti != t.len() {
        return None;
    }
    Date::new(year? as i16, month? as i8, day.unwrap_or(1) as i8).ok()
}

/// A date argument: a number (serial), or a text read with `DateFormat` or ISO form.
fn date_arg(v: &[Value], i: usize, ctx: &dyn Context) -> Option<Date> {
    let value = v.get(i)?;
    if let Some(n) = value.number() {
        return serial_date(n);
    }
    let text = value.text();
    parse_date(&text, &date_format(ctx)).or_else(|| parse_date(&text, "YYYY-MM-DD"))
}

fn dates(name: &str, written: &str, v: &[Value], ctx: &dyn Context) -> Eval {
    let d = |i| date_arg(v, i, ctx);
    let shift = |i: usize| v.get(i).and_then(Value::number).unwrap_or(0.0) as i64;
    let dv = |date: Option<Date>| Ok(date.map_or(Value::Null, |d| date_value(date_serial(d), ctx)));
    match name {
        "date" => match (d(0), v.get(1)) {
            (Some(date), Some(fmt)) => Ok(Value::Dual(
                date_serial(date),
                format_date(date, &fmt.text(), ctx),
            )),
            (date, _) => dv(date),
        },
        "date#" => {
            let fmt = v.get(1).map_or_else(|| date_format(ctx), Value::text);
            dv(parse_date(&text_of(v, 0), &fmt))
        }
        "makedate" => {
            let y = num_of(v, 0).unwrap_or(0.0) as i16;
            let m = num_of(v, 1).unwrap_or(1.0) as i8;
            let day = num_of(v, 2).unwrap_or(1.0) as i8;
            dv(Date::new(y, m, day).ok())
        }
        "year" => Ok(d(0).map_or(Value::Null, |x| Value::Num(x.year() as f64))),
        "month" => Ok(d(0).map_or(Value::Null, |x| {
            let names = names(
                ctx,
                "MonthNames",
                "Jan;Feb;Mar;Apr;May;Jun;Jul;Aug;Sep;Oct;Nov;Dec",
            );
            Value::Dual(
                x.month() as f64,
                names
                    .get(x.month() as usize - 1)
                    .cloned()
                    .unwrap_or_default(),
            )
        })),
        "day" => Ok(d(0).map_or(Value::Null, |x| Value::Num(x.day() as f64))),
        "weekday" => Ok(d(0).map_or(Value::Null, |x| {
            Value::Num(x.weekday().to_monday_zero_offset() as f64)
        })),
        "week" => Ok(d(0).map_or(Value::Null, |x| Value::Num(x.iso_week_date().week() as f64))),
        "weekyear" => Ok(d(0).map_or(Value::Null, |x| Value::Num(x.iso_week_date().year() as f64))),
        "addmonths" => dv(d(0).and_then(|x| x.checked_add(JiffSpan::new().months(shift(1))).ok())),
        "addyears" => dv(d(0).and_then(|x| x.checked_add(JiffSpan::new().years(shift(1))).ok())),
        "monthstart" => dv(d(0)
            .and_then(|x| x.checked_add(JiffSpan::new().months(shift(1))).ok())
            .map(|x| x.first_of_month())),
        "monthend" => dv(d(0)
            .and_then(|x| x.checked_add(JiffSpan::new().months(shift(1))).ok())
            .map(|x| x.last_of_month())),
        "yearstart" => dv(d(0)
            .and_then(|x| x.checked_add(JiffSpan::new().years(shift(1))).ok())
            .map(|x| x.first_of_year())),
        "yearend" => dv(d(0)
            .and_then(|x| x.checked_add(JiffSpan::new().years(shift(1))).ok())
            .map(|x| x.last_of_year())),
        "quarterstart" | "quarterend" => dv(d(0)
            .and_then(|x| x.checked_add(JiffSpan::new().months(3 * shift(1))).ok())
            .and_then(|x| {
                let first = (x.month() - 1) / 3 * 3 + 1;
                let start = Date::new(x.year(), first, 1).ok()?;
                if name == "quarterstart" {
                    Some(start)
                } else {
                    start
                        .checked_add(JiffSpan::new().months(2))
                        .ok()
                        .map(|s| s.last_of_month())
                }
            })),
        "weekstart" | "weekend" => dv(d(0)
            .and_then(|x| x.checked_add(JiffSpan::new().weeks(shift(1))).ok())
            .and_then(|x| {
                let back = x.weekday().to_monday_zero_offset() as i64;
                let start = x.checked_sub(JiffSpan::new().days(back)).ok()?;
                if name == "weekstart" {
                    Some(start)
                } else {
                    start.checked_add(JiffSpan::new().days(6)).ok()
                }
            })),
        "daystart" | "dayend" | "dayname" | "monthname" => dv(d(0)),
        _ => Err(Unknown::missing(format!(
            "{written}() is not evaluated by the resolver"
        ))),
    }
}

/// `Num(x, '#,##0.00')`-style formatting: the number of decimals after the last `.` or `,`
/// of the pattern; grouping is not applied.
fn format_with_pattern(x: f64, pattern: &str) -> String {
    let decimals = pattern.rfind(['.', ',']).map_or(0, |at| {
        pattern[at + 1..]
            .chars()
            .filter(|c| *c == '0' || *c == '#')
            .count()
    });
    if pattern.rfind(['.', ',']).is_none() {
        return format!("{}", x.round() as i64);
    }
    format!("{x:.decimals$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Ctx {
        vars: Vec<(&'static str, &'static str)>,
        today: Option<Date>,
    }

    impl Context for Ctx {
        fn variable(&self, name: &str) -> Result<Option<String>, Unknown> {
            Ok(self
                .vars
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string()))
        }
        fn assumed_date(&self) -> Option<Date> {
            self.today
        }
        fn table_number(&self, name: &str) -> Option<usize> {
            (name == "Orders").then_some(0)
        }
        fn table_count(&self) -> usize {
            1
        }
        fn table_fields(&self, _: &str) -> Option<Vec<String>> {
            None
        }
        fn table_name(&self, _: usize) -> Option<String> {
            None
        }
    }

    fn eval(text: &str) -> Result<String, String> {
        let ctx = Ctx {
            vars: vec![
                ("DateFormat", "YYYY-MM-DD"),
                ("vYear", "2024"),
                ("vName", "Sales"),
            ],
            today: Some(jiff::civil::date(2026, 3, 15)),
        };
        let parsed = crate::syntax::parse_expression(text);
        let expr = parsed.expr.expect("parses");
        evaluate(&expr, &ctx)
            .map(|v| v.text())
            .map_err(|u| u.reason)
    }

    fn check(text: &str, expected: &str) {
        assert_eq!(eval(text).as_deref(), Ok(expected), "{text}");
    }

    #[test]
    fn arithmetic_and_strings() {
        check("1 + 2 * 3", "7");
        check("7 / 2", "3.5");
        check("'a' & 'b' & 1", "ab1");
        check("vYear + 1", "2025");
        check("Upper(vName) & '_' & Left('abcdef', 3)", "SALES_abc");
        check("Mid('abcdef', 2, 3)", "bcd");
        check("Right('abcdef', 2)", "ef");
        check("SubField('a;b;c', ';', 2)", "b");
        check("SubField('a;b;c', ';', -1)", "c");
        check("Replace('a-b-c', '-', '/')", "a/b/c");
        check("Len('héllo')", "5");
        check("Trim('  x  ')", "x");
        check("Chr(65) & Repeat('x', 3)", "Axxx");
        check("TextBetween('<a><b>', '<', '>', 2)", "b");
        check("PurgeChar('a1b2', '12')", "ab");
        check("KeepChar('a1b2', '12')", "12");
        check("Index('abcabc', 'b', 2)", "5");
    }

    #[test]
    fn conditionals_and_comparisons() {
        check("If(1 = 1, 'yes', 'no')", "yes");
        check("If(vYear > 2030, 'late', 'early')", "early");
        check("Alt(Null(), 5)", "5");
        check("Pick(2, 'a', 'b', 'c')", "b");
        check("Match('b', 'a', 'b')", "2");
        check("WildMatch('Sales2024', 'sales*')", "1");
        check("'abc' = 'ABC'", "-1");
        check("IsNull(TableNumber('Missing'))", "-1");
        check("IsNull(TableNumber('Orders'))", "0");
    }

    #[test]
    fn dates_use_serial_numbers() {
        check("Num(MakeDate(2024, 1, 1))", "45292");
        check("MakeDate(2024, 1, 31)", "2024-01-31");
        check("AddMonths(MakeDate(2024, 1, 31), 1)", "2024-02-29");
        check("MonthEnd(MakeDate(2023, 2, 10))", "2023-02-28");
        check("YearStart('2024-06-15')", "2024-01-01");
        check("Date(45292, 'DD/MM/YYYY')", "01/01/2024");
        check("Year(Today())", "2026");
        check("Week(MakeDate(2024, 1, 1))", "1");
        check("Date(MakeDate(2024, 3, 5), 'YYYYMMDD')", "20240305");
    }

    #[test]
    fn runtime_values_are_unknown() {
        assert!(eval("Peek('x', 0, 'T')").is_err());
        assert!(eval("NoOfRows('T')").is_err());
        assert!(eval("undefinedName + 1").is_err());
    }

    #[test]
    fn numbers_format_like_let() {
        assert_eq!(format_number(10.0), "10");
        assert_eq!(format_number(0.5), "0.5");
        assert_eq!(format_number(-3.25), "-3.25");
        assert_eq!(format_number(1.0 / 3.0), "0.33333333333333");
    }
}
