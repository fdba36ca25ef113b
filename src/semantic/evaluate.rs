//! The LET evaluator: computes script expressions whose inputs are constants or known
//! variables, the way the engine would at reload time.
//!
//! Values are Qlik's duals: a number, a text, or both (a date is its serial number with the
//! text `DateFormat` gives it). Anything that depends on data or on the clock (`Peek`,
//! `NoOfRows`, `Now`…) is [`Unknown`] with the reason, unless the user preset it. Dates use
//! Qlik's serial numbers (days since 1899-12-30) on `jiff` civil dates.

use jiff::civil::Date;
use jiff::Span as JiffSpan;

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
        // Digit by digit: a FOR loop formats its variable on every iteration.
        let mut text = String::with_capacity(16);
        dates::push_padded(&mut text, n as i64, 1);
        return text;
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
            Ok(parse_number(&n.text).map_or(Value::Text(n.text.as_str().to_owned()), Value::Num))
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

mod dates;
mod functions;

use dates::*;
pub use dates::{date_serial, format_date, parse_date, serial_date};
use functions::*;

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
    fn date_format_codes() {
        // Every code, a run of a code Qlik does not know (copied), and non-ASCII text.
        check(
            "Date(MakeDate(2024, 3, 5), 'YYYY YY MMMM MMM MM M DD D')",
            "2024 24 March Mar 03 3 05 5",
        );
        check("Date(MakeDate(2024, 3, 5), 'WWWW WWW')", "Tuesday Tue");
        check(
            "Date(MakeDate(2024, 3, 5), 'DD.MM. été xx')",
            "05.03. été xx",
        );
        // The script's own name lists win over Qlik's defaults.
        let ctx = Ctx {
            vars: vec![
                ("MonthNames", "jan;feb;mar"),
                ("DayNames", "ma;ti;on;to;fr;lø;sø"),
            ],
            today: None,
        };
        let d = jiff::civil::date(2024, 3, 5);
        assert_eq!(dates::format_date(d, "MMM WWW", &ctx), "mar ti");
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
        for n in [
            -0.0,
            -7.0,
            0.0,
            1.0,
            12.0,
            2024.0,
            -99999.0,
            999_999_999_999_999.0,
        ] {
            assert_eq!(format_number(n), format!("{}", n as i64), "{n}");
        }
    }

    #[test]
    fn function_names_are_case_insensitive() {
        check("UPPER('a') & upper('b') & Upper('c')", "ABC");
        check("mAkEdAtE(2024, 3, 5)", "2024-03-05");
    }
}
