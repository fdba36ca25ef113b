//! Qlik Sense Repository Service (QRS) `filter` and `orderby` query parameters.
//!
//! Self-contained: depends only on `serde_json` and `thiserror`.
//!
//! # Filter grammar
//!
//! ```text
//! filter     := or_expr
//! or_expr    := and_expr ( "or" and_expr )*          -- "and" binds tighter than "or"
//! and_expr   := primary ( "and" primary )*           -- both are left-associative
//! primary    := "(" or_expr ")" | comparison
//! comparison := property operator value
//! property   := segment ( "." segment )*             -- segment: letter or '_', then letters, digits, '_'
//! operator   := eq | ne | gt | ge | lt | le | sw | ew | so
//! value      := 'quoted string' | number | true | false | null | GUID
//! ```
//!
//! Keywords, operators, `true`, `false` and `null` are case-insensitive. Inside a quoted
//! string `''` stands for one `'`. Bare values that are not a number, boolean, `null` or a
//! GUID (`8-4-4-4-12` hex digits, optionally in braces) are rejected: strings must be quoted.
//! Syntax errors carry the 0-based **character** (not byte) offset of the offending token.
//!
//! # Matching semantics
//!
//! * Property names are matched against JSON keys exactly first, then case-insensitively.
//! * A path is resolved to a set of *leaves*. Arrays met anywhere along the path (including
//!   the final value, e.g. `roles eq 'Admin'` on `"roles": ["Admin"]`) are flattened, and a
//!   comparison is true when **any** leaf satisfies it (existential semantics for every
//!   operator, including `ne`). An empty array yields no leaves, so every comparison on it
//!   is false.
//! * A JSON `null`, a missing key, or a non-object met before the path ends is a *null leaf*.
//!   A null leaf satisfies only `eq null`; every other comparison on it (including `ne 'x'`
//!   and `ne null`) is false, as in SQL.
//! * A non-null leaf satisfies `ne null` and never `eq null`.
//! * Strings compare case-insensitively (Unicode lowercase). When both the entity string and
//!   the filter value parse as ISO date/times (`YYYY-MM-DD`, optionally `T` or space plus
//!   `HH:MM[:SS[.fff]]`, optionally `Z` or `±HH:MM`; no zone means UTC; a bare date means
//!   midnight) they compare as instants. Otherwise strings compare lexicographically by
//!   their lowercase forms. Bare numbers and GUIDs compare against strings by their text.
//! * `sw` (starts with), `ew` (ends with) and `so` (substring: the property *contains* the
//!   value) apply to strings only.
//! * Numbers compare numerically with a number or a quoted number (`status eq '8'`).
//! * Booleans support `eq`/`ne` with `true`/`false`, bare or quoted, any case.
//! * Any other type combination (e.g. `gt` on an object) is simply false; `validate`
//!   reports the obvious ones up front as [`FilterError::TypeMismatch`].
//!
//! # Ordering semantics
//!
//! `orderby=key [asc|desc] [, key [asc|desc]]*`. Sorting is stable. The sort value of a key
//! is its first leaf (see above). Nulls/missing sort first, then booleans (false < true),
//! then numbers (numerically), then date/time strings (by instant), then other strings
//! (case-insensitively), then objects/arrays. `desc` reverses this whole order, so nulls
//! come last in a descending key (SQL Server style).

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::{Map, Value};

/// Deepest allowed nesting of parentheses (protects the stack against hostile input).
const MAX_DEPTH: usize = 64;

/// Errors from parsing or validating a `filter` / `orderby` expression.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FilterError {
    /// Malformed text; `position` is the 0-based character offset of the problem.
    #[error("syntax error at position {position}: {message}")]
    Syntax { position: usize, message: String },
    /// A property path (as written) that does not exist on the entity type.
    #[error("unknown property '{0}'")]
    UnknownProperty(String),
    /// The operator or value does not fit the property's (or the value's) type.
    #[error("type mismatch on property '{property}': {message}")]
    TypeMismatch { property: String, message: String },
}

fn syntax(position: usize, message: impl Into<String>) -> FilterError {
    FilterError::Syntax {
        position,
        message: message.into(),
    }
}

fn mismatch(property: &str, message: impl Into<String>) -> FilterError {
    FilterError::TypeMismatch {
        property: property.to_string(),
        message: message.into(),
    }
}

// ---------------------------------------------------------------------------------------
// Lexer
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Quoted(String),
    LParen,
    RParen,
    Comma,
    End,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    pos: usize,
}

fn lex(text: &str) -> Result<Vec<Token>, FilterError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let simple = match c {
            '(' => Some(Tok::LParen),
            ')' => Some(Tok::RParen),
            ',' => Some(Tok::Comma),
            _ => None,
        };
        if let Some(tok) = simple {
            out.push(Token { tok, pos: i });
            i += 1;
            continue;
        }
        let start = i;
        if c == '\'' {
            i += 1;
            let mut s = String::new();
            loop {
                match chars.get(i) {
                    None => {
                        return Err(syntax(
                            start,
                            "unterminated string: expected a closing ' \
                             (write '' for a quote inside a string)",
                        ))
                    }
                    Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                        s.push('\'');
                        i += 2;
                    }
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(&ch) => {
                        s.push(ch);
                        i += 1;
                    }
                }
            }
            out.push(Token {
                tok: Tok::Quoted(s),
                pos: start,
            });
        } else {
            while i < chars.len()
                && !chars[i].is_whitespace()
                && !matches!(chars[i], '(' | ')' | ',' | '\'')
            {
                i += 1;
            }
            out.push(Token {
                tok: Tok::Word(chars[start..i].iter().collect()),
                pos: start,
            });
        }
    }
    out.push(Token {
        tok: Tok::End,
        pos: chars.len(),
    });
    Ok(out)
}

fn shorten(s: &str) -> String {
    const MAX: usize = 40;
    if s.chars().count() > MAX {
        let mut t: String = s.chars().take(MAX).collect();
        t.push('…');
        t
    } else {
        s.to_string()
    }
}

fn describe(tok: &Tok, end: &str) -> String {
    match tok {
        Tok::Word(w) => format!("'{}'", shorten(w)),
        Tok::Quoted(s) => format!("string '{}'", shorten(&s.replace('\'', "''"))),
        Tok::LParen => "'('".to_string(),
        Tok::RParen => "')'".to_string(),
        Tok::Comma => "','".to_string(),
        Tok::End => end.to_string(),
    }
}

struct Cursor {
    toks: Vec<Token>,
    idx: usize,
    end_name: &'static str,
}

impl Cursor {
    fn new(text: &str, end_name: &'static str) -> Result<Self, FilterError> {
        Ok(Cursor {
            toks: lex(text)?,
            idx: 0,
            end_name,
        })
    }

    fn peek(&self) -> &Token {
        // The token list always ends with `End`, and `idx` never moves past it.
        &self.toks[self.idx]
    }

    fn bump(&mut self) -> Token {
        let t = self.toks[self.idx].clone();
        if self.idx + 1 < self.toks.len() {
            self.idx += 1;
        }
        t
    }

    fn peek_keyword(&self, kw: &str) -> bool {
        matches!(&self.peek().tok, Tok::Word(w) if w.eq_ignore_ascii_case(kw))
    }

    fn found(&self, tok: &Tok) -> String {
        describe(tok, self.end_name)
    }
}

// ---------------------------------------------------------------------------------------
// Property paths
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
struct PropertyPath {
    /// As written by the client (used in error messages).
    text: String,
    segments: Vec<String>,
    lower: Vec<String>,
}

impl PropertyPath {
    fn parse(word: &str, pos: usize) -> Result<Self, FilterError> {
        let mut segments = Vec::new();
        let mut offset = pos;
        for seg in word.split('.') {
            let mut chars = seg.chars();
            let ok = match chars.next() {
                Some(c) if c.is_alphabetic() || c == '_' => {
                    chars.all(|c| c.is_alphanumeric() || c == '_')
                }
                _ => false,
            };
            if !ok {
                return Err(syntax(
                    offset,
                    format!(
                        "invalid property name '{}': expected names made of letters, digits \
                         and '_' (not starting with a digit), separated by '.'",
                        shorten(word)
                    ),
                ));
            }
            offset += seg.chars().count() + 1;
            segments.push(seg.to_string());
        }
        Ok(PropertyPath {
            text: word.to_string(),
            lower: segments.iter().map(|s| s.to_lowercase()).collect(),
            segments,
        })
    }
}

fn lookup<'a>(map: &'a Map<String, Value>, exact: &str, lower: &str) -> Option<&'a Value> {
    map.get(exact).or_else(|| {
        map.iter()
            .find(|(k, _)| k.to_lowercase() == lower)
            .map(|(_, v)| v)
    })
}

/// Resolves `path` against an entity. `None` leaves are null/missing.
fn collect<'a>(v: &'a Value, path: &PropertyPath, at: usize, out: &mut Vec<Option<&'a Value>>) {
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
fn template_leaf<'a>(
    template: &'a Value,
    path: &PropertyPath,
) -> Result<Option<&'a Value>, FilterError> {
    fn skip_arrays(mut v: &Value) -> Option<&Value> {
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

// ---------------------------------------------------------------------------------------
// Values and date/time handling
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    Sw,
    Ew,
    So,
}

impl Op {
    fn parse(word: &str) -> Option<Op> {
        Some(match word.to_ascii_lowercase().as_str() {
            "eq" => Op::Eq,
            "ne" => Op::Ne,
            "gt" => Op::Gt,
            "ge" => Op::Ge,
            "lt" => Op::Lt,
            "le" => Op::Le,
            "sw" => Op::Sw,
            "ew" => Op::Ew,
            "so" => Op::So,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Op::Eq => "eq",
            Op::Ne => "ne",
            Op::Gt => "gt",
            Op::Ge => "ge",
            Op::Lt => "lt",
            Op::Le => "le",
            Op::Sw => "sw",
            Op::Ew => "ew",
            Op::So => "so",
        }
    }

    fn is_text_only(self) -> bool {
        matches!(self, Op::Sw | Op::Ew | Op::So)
    }

    fn is_equality(self) -> bool {
        matches!(self, Op::Eq | Op::Ne)
    }

    fn holds(self, ord: Ordering) -> bool {
        match self {
            Op::Eq => ord == Ordering::Equal,
            Op::Ne => ord != Ordering::Equal,
            Op::Gt => ord == Ordering::Greater,
            Op::Ge => ord != Ordering::Less,
            Op::Lt => ord == Ordering::Less,
            Op::Le => ord != Ordering::Greater,
            Op::Sw | Op::Ew | Op::So => false,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Literal {
    Str(String),
    Number { value: f64, raw: String },
    Bool(bool),
    Null,
    Guid(String),
}

impl Literal {
    fn text(&self) -> Option<Cow<'_, str>> {
        match self {
            Literal::Str(s) | Literal::Guid(s) => Some(Cow::Borrowed(s)),
            Literal::Number { raw, .. } => Some(Cow::Borrowed(raw)),
            Literal::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
            Literal::Null => None,
        }
    }

    fn describe(&self) -> String {
        match self {
            Literal::Str(s) => format!("'{}'", shorten(&s.replace('\'', "''"))),
            Literal::Number { raw, .. } => raw.clone(),
            Literal::Bool(b) => b.to_string(),
            Literal::Null => "null".to_string(),
            Literal::Guid(g) => g.clone(),
        }
    }
}

fn is_guid(s: &str) -> bool {
    let inner = s
        .strip_prefix('{')
        .and_then(|r| r.strip_suffix('}'))
        .unwrap_or(s);
    let groups: Vec<&str> = inner.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Strict decimal number: `-?digits[.digits][(e|E)[+-]digits]` (also `.5`, `5.`).
fn parse_number(s: &str) -> Option<f64> {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let mut parts = mantissa.splitn(2, '.');
    let int = parts.next().unwrap_or("");
    let frac = parts.next().unwrap_or("");
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !digits(int) || !digits(frac) {
        return None;
    }
    if let Some(e) = exponent {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        if e.is_empty() || !digits(e) {
            return None;
        }
    }
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Parses an ISO-like date/time into nanoseconds since the Unix epoch (UTC).
fn parse_datetime(s: &str) -> Option<i128> {
    let b = s.trim().as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = b.get(from..from + len)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        part.iter()
            .try_fold(0i64, |acc, d| Some(acc * 10 + i64::from(d - b'0')))
    };
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let mut secs = days_from_civil(year, month, day) * 86_400;
    let mut nanos: i64 = 0;
    let mut i = 10;
    if i < b.len() {
        if !matches!(b[i], b'T' | b't' | b' ') {
            return None;
        }
        let (hh, mm) = (num(i + 1, 2)?, num(i + 4, 2)?);
        if b.get(i + 3) != Some(&b':') || hh > 23 || mm > 59 {
            return None;
        }
        secs += hh * 3600 + mm * 60;
        i += 6;
        if b.get(i) == Some(&b':') {
            let ss = num(i + 1, 2)?;
            if ss > 60 {
                return None;
            }
            secs += ss;
            i += 3;
            if b.get(i) == Some(&b'.') {
                i += 1;
                let start = i;
                while i < b.len() && b[i].is_ascii_digit() {
                    if i - start < 9 {
                        nanos = nanos * 10 + i64::from(b[i] - b'0');
                    }
                    i += 1;
                }
                if i == start {
                    return None;
                }
                for _ in (i - start)..9 {
                    nanos *= 10;
                }
            }
        }
        match b.get(i) {
            None => {}
            Some(b'Z' | b'z') if i + 1 == b.len() => {}
            Some(&sign @ (b'+' | b'-')) => {
                let oh = num(i + 1, 2)?;
                let om = match b.get(i + 3) {
                    Some(b':') if b.len() == i + 6 => num(i + 4, 2)?,
                    _ if b.len() == i + 5 => num(i + 3, 2)?,
                    _ if b.len() == i + 3 => 0,
                    _ => return None,
                };
                if oh > 23 || om > 59 {
                    return None;
                }
                let offset = oh * 3600 + om * 60;
                secs -= if sign == b'+' { offset } else { -offset };
            }
            _ => return None,
        }
    }
    Some(i128::from(secs) * 1_000_000_000 + i128::from(nanos))
}

// ---------------------------------------------------------------------------------------
// Filter
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
struct Comparison {
    path: PropertyPath,
    op: Op,
    value: Literal,
    /// Lowercased text of `value` (None for `null`).
    value_lower: Option<String>,
    /// `value` as an instant, if it parses as a date/time.
    value_instant: Option<i128>,
}

#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Or(Vec<Expr>),
    And(Vec<Expr>),
    Cmp(Comparison),
}

/// A parsed QRS `filter` expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    root: Expr,
}

struct FilterParser {
    cur: Cursor,
    depth: usize,
}

impl FilterParser {
    fn parse_or(&mut self) -> Result<Expr, FilterError> {
        let mut items = vec![self.parse_and()?];
        while self.cur.peek_keyword("or") {
            self.cur.bump();
            items.push(self.parse_and()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Expr::Or(items)
        })
    }

    fn parse_and(&mut self) -> Result<Expr, FilterError> {
        let mut items = vec![self.parse_primary(None)?];
        while self.cur.peek_keyword("and") {
            self.cur.bump();
            items.push(self.parse_primary(Some("and"))?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Expr::And(items)
        })
    }

    fn parse_primary(&mut self, after: Option<&str>) -> Result<Expr, FilterError> {
        let after = after
            .map(|a| format!(" after '{a}'"))
            .or_else(|| self.previous_or())
            .unwrap_or_default();
        let tok = self.cur.bump();
        match &tok.tok {
            Tok::LParen => {
                if self.depth >= MAX_DEPTH {
                    return Err(syntax(
                        tok.pos,
                        format!("parentheses nested too deeply (at most {MAX_DEPTH} levels)"),
                    ));
                }
                self.depth += 1;
                let inner = self.parse_or()?;
                self.depth -= 1;
                let close = self.cur.bump();
                if close.tok != Tok::RParen {
                    return Err(syntax(
                        close.pos,
                        format!(
                            "expected 'and', 'or' or ')' to close the '(' at position {}, found {}",
                            tok.pos,
                            self.cur.found(&close.tok)
                        ),
                    ));
                }
                Ok(inner)
            }
            Tok::Word(w) if w.eq_ignore_ascii_case("and") || w.eq_ignore_ascii_case("or") => {
                Err(syntax(
                    tok.pos,
                    format!("expected a property name or '('{after}, found keyword '{w}'"),
                ))
            }
            Tok::Word(w) => self.parse_comparison(w, tok.pos).map(Expr::Cmp),
            Tok::Quoted(_) => Err(syntax(
                tok.pos,
                format!(
                    "expected a property name or '('{after}, found {} \
                     (property names are not quoted)",
                    self.cur.found(&tok.tok)
                ),
            )),
            other => Err(syntax(
                tok.pos,
                format!(
                    "expected a property name or '('{after}, found {}",
                    self.cur.found(other)
                ),
            )),
        }
    }

    /// " after 'or'" if the token before the current one is the keyword `or`.
    fn previous_or(&self) -> Option<String> {
        let prev = self.cur.idx.checked_sub(1)?;
        match &self.cur.toks[prev].tok {
            Tok::Word(w) if w.eq_ignore_ascii_case("or") => Some(" after 'or'".to_string()),
            _ => None,
        }
    }

    fn parse_comparison(&mut self, word: &str, pos: usize) -> Result<Comparison, FilterError> {
        let path = PropertyPath::parse(word, pos)?;
        let op_tok = self.cur.bump();
        let op = match &op_tok.tok {
            Tok::Word(w) => Op::parse(w),
            _ => None,
        }
        .ok_or_else(|| {
            syntax(
                op_tok.pos,
                format!(
                    "expected an operator (eq, ne, gt, ge, lt, le, sw, ew, so) after '{}', found {}",
                    shorten(&path.text),
                    self.cur.found(&op_tok.tok)
                ),
            )
        })?;
        let val_tok = self.cur.bump();
        let value = match &val_tok.tok {
            Tok::Quoted(s) => Literal::Str(s.clone()),
            Tok::Word(w) => classify_bare(w).ok_or_else(|| {
                syntax(
                    val_tok.pos,
                    format!(
                        "expected a value (quoted string, number, true, false, null or GUID) \
                         after '{}', found '{}'; string values must be enclosed in single quotes",
                        op.name(),
                        shorten(w)
                    ),
                )
            })?,
            other => {
                return Err(syntax(
                    val_tok.pos,
                    format!(
                        "expected a value (quoted string, number, true, false, null or GUID) \
                         after '{}', found {}",
                        op.name(),
                        self.cur.found(other)
                    ),
                ))
            }
        };
        check_op_value(&path.text, op, &value)?;
        let value_lower = value.text().map(|t| t.to_lowercase());
        let value_instant = value.text().and_then(|t| parse_datetime(&t));
        Ok(Comparison {
            path,
            op,
            value,
            value_lower,
            value_instant,
        })
    }
}

fn classify_bare(w: &str) -> Option<Literal> {
    if w.eq_ignore_ascii_case("null") {
        Some(Literal::Null)
    } else if w.eq_ignore_ascii_case("true") {
        Some(Literal::Bool(true))
    } else if w.eq_ignore_ascii_case("false") {
        Some(Literal::Bool(false))
    } else if is_guid(w) {
        let g = w.trim_start_matches('{').trim_end_matches('}');
        Some(Literal::Guid(g.to_string()))
    } else {
        parse_number(w).map(|value| Literal::Number {
            value,
            raw: w.to_string(),
        })
    }
}

/// Operator/value combinations that are wrong whatever the property's type.
fn check_op_value(property: &str, op: Op, value: &Literal) -> Result<(), FilterError> {
    match value {
        Literal::Null if !op.is_equality() => Err(mismatch(
            property,
            format!(
                "null can only be used with 'eq' or 'ne', not '{}'",
                op.name()
            ),
        )),
        Literal::Bool(_) if !op.is_equality() => Err(mismatch(
            property,
            format!(
                "boolean values can only be used with 'eq' or 'ne', not '{}'",
                op.name()
            ),
        )),
        Literal::Str(_) | Literal::Guid(_) => Ok(()),
        _ if op.is_text_only() => Err(mismatch(
            property,
            format!(
                "operator '{}' requires a string value in single quotes, found {}",
                op.name(),
                value.describe()
            ),
        )),
        _ => Ok(()),
    }
}

impl Filter {
    /// Parses a QRS filter expression.
    pub fn parse(text: &str) -> Result<Filter, FilterError> {
        let mut p = FilterParser {
            cur: Cursor::new(text, "end of filter")?,
            depth: 0,
        };
        let root = p.parse_or()?;
        let tok = p.cur.peek().clone();
        match &tok.tok {
            Tok::End => Ok(Filter { root }),
            Tok::RParen => Err(syntax(tok.pos, "unexpected ')' without a matching '('")),
            other => Err(syntax(
                tok.pos,
                format!(
                    "expected 'and', 'or' or end of filter, found {}",
                    p.cur.found(other)
                ),
            )),
        }
    }

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
            if !c.op.is_text_only() && parse_datetime(s).is_some() {
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
                    let ord = match (c.value_instant, parse_datetime(s)) {
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

// ---------------------------------------------------------------------------------------
// OrderBy
// ---------------------------------------------------------------------------------------

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
            Some(Value::String(s)) => match parse_datetime(s) {
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

// ---------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn app() -> Value {
        json!({
            "id": "0b5e0f3e-1234-4abc-9def-0123456789ab",
            "name": "Sales Dashboard",
            "description": null,
            "published": true,
            "publishTime": "2024-03-01T10:00:00.000Z",
            "modifiedDate": "2024-06-15T08:30:00.000Z",
            "fileSize": 123456,
            "status": 8,
            "ratio": 0.5,
            "stream": {"id": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", "name": "Finance Stream"},
            "owner": {"userId": "jdoe", "userDirectory": "CORP", "name": "John O'Brien"},
            "tags": [
                {"id": "11111111-1111-1111-1111-111111111111", "name": "Finance"},
                {"id": "22222222-2222-2222-2222-222222222222", "name": "Quarterly"}
            ],
            "roles": ["Admin", "Developer"],
            "operational": {"lastExecutionResult": {
                "status": 7, "startTime": "2012-05-09T12:00:00.000Z"}},
            "ÄrgerlichName": "Größe"
        })
    }

    fn unpublished() -> Value {
        json!({
            "id": "ffffffff-1234-4abc-9def-0123456789ab",
            "name": "HR Report",
            "description": "People",
            "published": false,
            "publishTime": "1753-01-01T00:00:00.000Z",
            "modifiedDate": "2023-01-01T00:00:00.000Z",
            "fileSize": 99,
            "status": 2,
            "ratio": 1.5,
            "stream": null,
            "owner": {"userId": "asmith", "userDirectory": "CORP", "name": "Ann Smith"},
            "tags": [],
            "roles": [],
            "operational": {"lastExecutionResult": {
                "status": 8, "startTime": "2026-01-01T00:00:00.000Z"}},
            "ÄrgerlichName": "x"
        })
    }

    fn m(filter: &str, entity: &Value) -> bool {
        let f = Filter::parse(filter).unwrap_or_else(|e| panic!("{filter}: {e}"));
        f.validate(&app())
            .unwrap_or_else(|e| panic!("{filter}: validate: {e}"));
        f.matches(entity)
    }

    fn syntax_err(filter: &str) -> (usize, String) {
        match Filter::parse(filter) {
            Err(FilterError::Syntax { position, message }) => (position, message),
            other => panic!("{filter}: expected syntax error, got {other:?}"),
        }
    }

    fn validate_err(filter: &str) -> FilterError {
        Filter::parse(filter)
            .unwrap_or_else(|e| panic!("{filter}: {e}"))
            .validate(&app())
            .expect_err(filter)
    }

    // --- strings -----------------------------------------------------------------------

    #[test]
    fn string_eq_ne_case_insensitive() {
        assert!(m("name eq 'Sales Dashboard'", &app()));
        assert!(m("name eq 'sales DASHBOARD'", &app()));
        assert!(!m("name eq 'Sales'", &app()));
        assert!(m("name ne 'Sales'", &app()));
        assert!(!m("name ne 'SALES dashboard'", &app()));
    }

    #[test]
    fn string_unicode_case_insensitive() {
        assert!(m("ÄRGERLICHNAME eq 'größe'", &app()));
        assert!(m("ärgerlichName sw 'GRÖ'", &app()));
        assert!(m("ärgerlichname eq 'GRÖßE'", &app()));
    }

    #[test]
    fn string_ordering_ops() {
        assert!(m("name gt 'Apple'", &app()));
        assert!(!m("name gt 'zebra'", &app()));
        assert!(m("name ge 'sales dashboard'", &app()));
        assert!(m("name le 'SALES DASHBOARD'", &app()));
        assert!(m("name lt 'T'", &app()));
        assert!(!m("name lt 'sales'", &app()));
    }

    #[test]
    fn string_sw_ew_so() {
        assert!(m("name sw 'sales'", &app()));
        assert!(!m("name sw 'dash'", &app()));
        assert!(m("name ew 'BOARD'", &app()));
        assert!(!m("name ew 'sales'", &app()));
        assert!(m("name so 'les da'", &app()));
        assert!(!m("name so 'xyz'", &app()));
        assert!(m("name sw ''", &app()));
    }

    #[test]
    fn quoted_quotes() {
        assert!(m("owner.name eq 'John O''Brien'", &app()));
        assert!(m("owner.name so ''''", &app()));
        assert!(!m("owner.name eq 'John OBrien'", &app()));
        let f = Filter::parse("name eq 'a''''b'").unwrap();
        assert!(f.matches(&json!({"name": "a''b"})));
    }

    #[test]
    fn quoted_value_with_keywords_and_parens() {
        let e = json!({"name": "x and (y) or z, 'q'"});
        let f = Filter::parse("name eq 'x and (y) or z, ''q'''").unwrap();
        assert!(f.matches(&e));
    }

    #[test]
    fn guid_values() {
        assert!(m("id eq 0b5e0f3e-1234-4abc-9def-0123456789ab", &app()));
        assert!(m("id eq 0B5E0F3E-1234-4ABC-9DEF-0123456789AB", &app()));
        assert!(m("id eq {0b5e0f3e-1234-4abc-9def-0123456789ab}", &app()));
        assert!(m("id eq '0b5e0f3e-1234-4abc-9def-0123456789ab'", &app()));
        assert!(m("id ne 0b5e0f3e-1234-4abc-9def-0123456789ac", &app()));
        assert!(m(
            "stream.id eq AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE",
            &app()
        ));
        assert!(m("tags.id eq 22222222-2222-2222-2222-222222222222", &app()));
    }

    // --- numbers -----------------------------------------------------------------------

    #[test]
    fn number_ops() {
        assert!(m("status eq 8", &app()));
        assert!(!m("status eq 7", &app()));
        assert!(m("status ne 7", &app()));
        assert!(m("status gt 7", &app()));
        assert!(!m("status gt 8", &app()));
        assert!(m("status ge 8", &app()));
        assert!(m("status lt 9", &app()));
        assert!(m("status le 8", &app()));
        assert!(!m("status lt 8", &app()));
        assert!(m("fileSize gt 1.2e5", &app()));
        assert!(m("ratio eq 0.5", &app()));
        assert!(m("ratio lt 1", &app()));
        assert!(m("ratio gt -1", &app()));
        assert!(m("status eq 8.0", &app()));
        assert!(m("status eq '8'", &app()));
        assert!(m("status eq ' 8 '", &app()));
    }

    #[test]
    fn number_value_against_string_compares_text() {
        let e = json!({"code": "42"});
        assert!(Filter::parse("code eq 42").unwrap().matches(&e));
    }

    // --- booleans ----------------------------------------------------------------------

    #[test]
    fn bool_ops() {
        assert!(m("published eq true", &app()));
        assert!(!m("published eq false", &app()));
        assert!(m("published ne false", &app()));
        assert!(m("published eq TRUE", &app()));
        assert!(m("published eq False", &unpublished()));
        assert!(m("published eq 'true'", &app()));
        assert!(!m("published eq true", &unpublished()));
    }

    // --- dates -------------------------------------------------------------------------

    #[test]
    fn date_comparisons() {
        assert!(m("modifiedDate gt '2024-01-01T00:00:00.000Z'", &app()));
        assert!(!m(
            "modifiedDate gt '2024-01-01T00:00:00.000Z'",
            &unpublished()
        ));
        assert!(m("modifiedDate lt '2025-01-01'", &app()));
        assert!(m("modifiedDate eq '2024-06-15 08:30:00'", &app()));
        assert!(m("modifiedDate eq '2024-06-15T08:30Z'", &app()));
        assert!(m("modifiedDate eq '2024-06-15T10:30:00+02:00'", &app()));
        assert!(m("modifiedDate ge '2024-06-15T08:30:00.000Z'", &app()));
        assert!(!m("modifiedDate gt '2024-06-15T08:30:00.000Z'", &app()));
        assert!(m("modifiedDate gt '2024-06-15T08:29:59.999Z'", &app()));
        assert!(m("modifiedDate le '2024-06-15T08:30:00.0001Z'", &app()));
        assert!(m("modifiedDate lt '2024-06-15T08:30:00.0001Z'", &app()));
        assert!(m(
            "operational.lastExecutionResult.startTime gt '2012-05-09 11:59:59'",
            &app()
        ));
        assert!(!m(
            "operational.lastExecutionResult.startTime gt '2012-05-09 12:00:00'",
            &app()
        ));
        assert!(m(
            "operational.lastExecutionResult.startTime eq '2026-01-01'",
            &unpublished()
        ));
        // A date-only value is midnight: anything later that day is greater.
        assert!(m("modifiedDate gt '2024-06-15'", &app()));
        assert!(m("modifiedDate lt '2024-06-16'", &app()));
        // Prefix match on a date works textually.
        assert!(m("modifiedDate sw '2024-06'", &app()));
    }

    #[test]
    fn datetime_parser() {
        let base = parse_datetime("1970-01-01").unwrap();
        assert_eq!(base, 0);
        assert_eq!(
            parse_datetime("1970-01-02T00:00:01.5Z"),
            Some(86_401_500_000_000)
        );
        assert_eq!(
            parse_datetime("2000-03-01"),
            Some(951_868_800 * 1_000_000_000)
        );
        assert_eq!(
            parse_datetime("2024-02-29"),
            parse_datetime("2024-02-29T00:00")
        );
        assert!(parse_datetime("2023-02-29").is_none());
        assert!(parse_datetime("2024-13-01").is_none());
        assert!(parse_datetime("2024-01-01T24:00").is_none());
        assert!(parse_datetime("2024-01-01X").is_none());
        assert!(parse_datetime("2024-01-01T10:00:00.Z").is_none());
        assert!(parse_datetime("2024-01-01T10:00:00ZZ").is_none());
        assert!(parse_datetime("Sales").is_none());
        assert!(parse_datetime("２０２４-01-01").is_none());
        assert_eq!(
            parse_datetime("2024-01-01T01:00:00+0100"),
            parse_datetime("2024-01-01T00:00:00Z")
        );
        assert_eq!(
            parse_datetime("2023-12-31T23:00:00-01"),
            parse_datetime("2024-01-01T00:00:00Z")
        );
    }

    // --- conditionals ------------------------------------------------------------------

    #[test]
    fn and_binds_tighter_than_or() {
        // true or (false and false) => true; (true or false) and false => false.
        let e = app();
        assert!(m("status eq 8 or status eq 1 and name eq 'x'", &e));
        assert!(!m("(status eq 8 or status eq 1) and name eq 'x'", &e));
        // (false and true) or true => true
        assert!(m("status eq 1 and published eq true or name sw 's'", &e));
        // false and (true or true) => false
        assert!(!m("status eq 1 and (published eq true or name sw 's')", &e));
    }

    #[test]
    fn and_or_chains_and_case() {
        let e = app();
        assert!(m("status eq 8 AND published eq true And name sw 'S'", &e));
        assert!(!m("status eq 8 and published eq false and name sw 'S'", &e));
        assert!(m("status eq 1 OR status eq 2 Or status eq 8", &e));
        assert!(!m("status eq 1 or status eq 2 or status eq 3", &e));
    }

    #[test]
    fn nested_parentheses() {
        let e = app();
        assert!(m("((status eq 8))", &e));
        assert!(m(
            "(name eq 'x' or (status gt 5 and (published eq true or status eq 0)))",
            &e
        ));
        assert!(!m(
            "(name eq 'x' or (status gt 5 and (published eq false or status eq 0)))",
            &e
        ));
        assert!(m("(status eq 8)and(name sw 's')", &e));
    }

    #[test]
    fn operators_and_keywords_case_insensitive() {
        let e = app();
        assert!(m("name EQ 'Sales Dashboard'", &e));
        assert!(m("name Sw 'sales'", &e));
        assert!(m("status GE 8 aNd status LE 8", &e));
        assert!(m("stream Ne NULL", &e));
    }

    // --- paths -------------------------------------------------------------------------

    #[test]
    fn nested_paths() {
        let e = app();
        assert!(m("stream.name eq 'Finance Stream'", &e));
        assert!(m("owner.userId eq 'JDOE'", &e));
        assert!(m("operational.lastExecutionResult.status eq 7", &e));
        assert!(m(
            "operational.lastExecutionResult.status eq 8",
            &unpublished()
        ));
    }

    #[test]
    fn property_names_case_insensitive() {
        let e = app();
        assert!(m("Name eq 'sales dashboard'", &e));
        assert!(m("STREAM.NAME eq 'finance stream'", &e));
        assert!(m("Owner.UserID eq 'jdoe'", &e));
        assert!(m("OPERATIONAL.lastexecutionresult.STATUS eq 7", &e));
    }

    #[test]
    fn exact_key_preferred_over_case_insensitive() {
        let e = json!({"Name": "upper", "name": "lower"});
        assert!(Filter::parse("name eq 'lower'").unwrap().matches(&e));
        assert!(Filter::parse("Name eq 'upper'").unwrap().matches(&e));
        assert!(!Filter::parse("Name eq 'lower'").unwrap().matches(&e));
    }

    #[test]
    fn arrays_match_any_element() {
        let e = app();
        assert!(m("tags.name eq 'Finance'", &e));
        assert!(m("tags.name eq 'quarterly'", &e));
        assert!(!m("tags.name eq 'HR'", &e));
        assert!(m("tags.name sw 'quar'", &e));
        assert!(m("roles eq 'admin'", &e));
        assert!(!m("roles eq 'root'", &e));
        // existential `ne`: some tag is not named Finance
        assert!(m("tags.name ne 'Finance'", &e));
        // empty arrays have no element, so nothing matches
        assert!(!m("tags.name eq 'Finance'", &unpublished()));
        assert!(!m("tags.name ne 'Finance'", &unpublished()));
        assert!(!m("tags.name eq null", &unpublished()));
    }

    #[test]
    fn nested_arrays() {
        let e = json!({"a": [{"b": [{"c": 1}, {"c": 2}]}, {"b": [{"c": 3}]}], "m": [[1, 2], [3]]});
        let f = |s: &str| Filter::parse(s).unwrap().matches(&e);
        assert!(f("a.b.c eq 3"));
        assert!(f("a.b.c gt 2"));
        assert!(!f("a.b.c gt 3"));
        assert!(f("m eq 3"));
    }

    // --- null --------------------------------------------------------------------------

    #[test]
    fn null_handling() {
        let (a, u) = (app(), unpublished());
        assert!(m("stream ne null", &a));
        assert!(!m("stream eq null", &a));
        assert!(m("stream eq null", &u));
        assert!(!m("stream ne null", &u));
        // null along the path
        assert!(m("stream.name eq null", &u));
        assert!(!m("stream.name ne null", &u));
        assert!(!m("stream.name eq 'Finance Stream'", &u));
        assert!(!m("stream.name ne 'Finance Stream'", &u));
        assert!(!m("stream.name sw 'F'", &u));
        // null leaf
        assert!(m("description eq null", &a));
        assert!(!m("description ne 'x'", &a));
        assert!(m("description ne null", &u));
        // missing key in the entity behaves like null
        let missing = json!({"name": "x"});
        let f = Filter::parse("stream.name eq null").unwrap();
        assert!(f.matches(&missing));
        let f = Filter::parse("stream ne null").unwrap();
        assert!(!f.matches(&missing));
        // null literal is case-insensitive
        assert!(m("stream eq NULL", &u));
    }

    #[test]
    fn null_only_with_eq_ne() {
        assert!(matches!(
            Filter::parse("stream gt null"),
            Err(FilterError::TypeMismatch { ref property, .. }) if property == "stream"
        ));
        assert!(matches!(
            Filter::parse("name sw null"),
            Err(FilterError::TypeMismatch { .. })
        ));
    }

    // --- validation --------------------------------------------------------------------

    #[test]
    fn unknown_property() {
        assert_eq!(
            validate_err("nmae eq 'x'"),
            FilterError::UnknownProperty("nmae".into())
        );
        assert_eq!(
            validate_err("status eq 8 and Stream.Nmae eq 'x'"),
            FilterError::UnknownProperty("Stream.Nmae".into())
        );
        assert_eq!(
            validate_err("name.length eq 3"),
            FilterError::UnknownProperty("name.length".into())
        );
        assert_eq!(
            validate_err("(name eq 'a' or (tags.color eq 'red'))"),
            FilterError::UnknownProperty("tags.color".into())
        );
        assert_eq!(
            FilterError::UnknownProperty("x".into()).to_string(),
            "unknown property 'x'"
        );
    }

    #[test]
    fn validate_accepts_good_filters() {
        let t = app();
        for f in [
            "name eq 'x'",
            "tags.name eq 'Finance'",
            "roles eq 'Admin'",
            "stream eq null",
            "stream.name ne null",
            "description eq 'anything'",
            "modifiedDate gt '2024-01-01'",
            "modifiedDate sw '2024'",
            "status eq '8'",
            "published eq 'FALSE'",
            "id eq 0b5e0f3e-1234-4abc-9def-0123456789ab",
        ] {
            Filter::parse(f).unwrap().validate(&t).unwrap();
        }
        // Through null / empty arrays in the template the rest is unchecked.
        let t2 = json!({"stream": null, "tags": []});
        Filter::parse("stream.whatever eq 1 and tags.anything eq 'x'")
            .unwrap()
            .validate(&t2)
            .unwrap();
    }

    #[test]
    fn type_mismatches() {
        let cases = [
            ("published eq 'x'", "published"),
            ("published lt 'true'", "published"),
            ("published eq 1", "published"),
            ("status sw '8'", "status"),
            ("status eq 'eight'", "status"),
            ("status eq true", "status"),
            ("status eq 0b5e0f3e-1234-4abc-9def-0123456789ab", "status"),
            ("name eq true", "name"),
            ("modifiedDate gt 'yesterday'", "modifiedDate"),
            ("modifiedDate gt 2024", "modifiedDate"),
            ("stream eq 'x'", "stream"),
            ("Owner so 'x'", "Owner"),
        ];
        for (f, prop) in cases {
            match validate_err(f) {
                FilterError::TypeMismatch { property, message } => {
                    assert_eq!(property, prop, "{f}");
                    assert!(!message.is_empty());
                }
                other => panic!("{f}: {other:?}"),
            }
        }
    }

    #[test]
    fn type_mismatches_at_parse_time() {
        for f in [
            "name sw 5",
            "name ew true",
            "name so null",
            "published gt false",
        ] {
            assert!(
                matches!(Filter::parse(f), Err(FilterError::TypeMismatch { .. })),
                "{f}"
            );
        }
    }

    #[test]
    fn mismatched_types_never_match() {
        let e = app();
        let f = |s: &str| Filter::parse(s).unwrap().matches(&e);
        assert!(!f("status eq 'eight'"));
        assert!(!f("status ne 'eight'"));
        assert!(!f("published eq 'maybe'"));
        assert!(!f("stream eq 'x'"));
        assert!(!f("stream ne 'x'"));
        assert!(!f("status eq true"));
    }

    // --- syntax errors -----------------------------------------------------------------

    #[test]
    fn syntax_unterminated_string() {
        let (pos, msg) = syntax_err("name eq 'abc");
        assert_eq!(pos, 8);
        assert!(msg.contains("unterminated string"), "{msg}");
        let (pos, _) = syntax_err("name eq 'it''s");
        assert_eq!(pos, 8);
    }

    #[test]
    fn syntax_missing_value() {
        let (pos, msg) = syntax_err("name eq");
        assert_eq!(pos, 7);
        assert!(msg.contains("expected a value"), "{msg}");
        assert!(msg.contains("end of filter"), "{msg}");
        let (pos, msg) = syntax_err("(name eq)");
        assert_eq!(pos, 8);
        assert!(msg.contains("found ')'"), "{msg}");
        let (pos, msg) = syntax_err("name eq Sales");
        assert_eq!(pos, 8);
        assert!(msg.contains("single quotes"), "{msg}");
    }

    #[test]
    fn syntax_missing_or_bad_operator() {
        let (pos, msg) = syntax_err("name");
        assert_eq!(pos, 4);
        assert!(msg.contains("expected an operator"), "{msg}");
        let (pos, msg) = syntax_err("name = 'x'");
        assert_eq!(pos, 5);
        assert!(msg.contains("found '='"), "{msg}");
        let (pos, _) = syntax_err("name contains 'x'");
        assert_eq!(pos, 5);
    }

    #[test]
    fn syntax_trailing_garbage() {
        let (pos, msg) = syntax_err("name eq 'x' foo");
        assert_eq!(pos, 12);
        assert!(
            msg.contains("expected 'and', 'or' or end of filter"),
            "{msg}"
        );
        let (pos, _) = syntax_err("name eq 'x''y' 'z'");
        assert_eq!(pos, 15);
        let (pos, msg) = syntax_err("name eq 'x' and");
        assert_eq!(pos, 15);
        assert!(msg.contains("after 'and'"), "{msg}");
        let (pos, msg) = syntax_err("name eq 'x' or or status eq 1");
        assert_eq!(pos, 15);
        assert!(msg.contains("keyword 'or'"), "{msg}");
        let (pos, _) = syntax_err("name eq 'x',");
        assert_eq!(pos, 11);
    }

    #[test]
    fn syntax_unbalanced_parens() {
        let (pos, msg) = syntax_err("(name eq 'x'");
        assert_eq!(pos, 12);
        assert!(msg.contains("to close the '(' at position 0"), "{msg}");
        let (pos, msg) = syntax_err("name eq 'x')");
        assert_eq!(pos, 11);
        assert!(msg.contains("without a matching '('"), "{msg}");
        let (pos, _) = syntax_err("((name eq 'x')");
        assert_eq!(pos, 14);
        let (pos, msg) = syntax_err("()");
        assert_eq!(pos, 1);
        assert!(msg.contains("expected a property name or '('"), "{msg}");
    }

    #[test]
    fn syntax_misc() {
        let (pos, msg) = syntax_err("");
        assert_eq!(pos, 0);
        assert!(msg.contains("end of filter"), "{msg}");
        let (pos, _) = syntax_err("   ");
        assert_eq!(pos, 3);
        let (pos, msg) = syntax_err("'name' eq 'x'");
        assert_eq!(pos, 0);
        assert!(msg.contains("not quoted"), "{msg}");
        let (pos, msg) = syntax_err("stream..name eq 'x'");
        assert_eq!(pos, 7);
        assert!(msg.contains("invalid property name"), "{msg}");
        let (pos, _) = syntax_err("1abc eq 'x'");
        assert_eq!(pos, 0);
        // positions are character offsets, not bytes
        let (pos, _) = syntax_err("ärger eq 'x' ü");
        assert_eq!(pos, 13);
        let e = Filter::parse("name eq").unwrap_err();
        assert!(e.to_string().starts_with("syntax error at position 7: "));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = format!("{}name eq 'x'{}", "(".repeat(10_000), ")".repeat(10_000));
        let (pos, msg) = syntax_err(&deep);
        assert_eq!(pos, MAX_DEPTH);
        assert!(msg.contains("nested too deeply"), "{msg}");
        let ok = format!(
            "{}name eq 'x'{}",
            "(".repeat(MAX_DEPTH),
            ")".repeat(MAX_DEPTH)
        );
        assert!(Filter::parse(&ok).unwrap().matches(&json!({"name": "X"})));
        let long = vec!["status eq 1"; 5_000].join(" or ");
        assert!(Filter::parse(&long).unwrap().matches(&json!({"status": 1})));
    }

    #[test]
    fn garbage_never_panics() {
        let atoms = [
            "name",
            "eq",
            "ne",
            "gt",
            "sw",
            "and",
            "or",
            "AND",
            "(",
            ")",
            "'",
            "''",
            "'x'",
            ",",
            " ",
            "  ",
            "null",
            "true",
            "8",
            "-1.5e3",
            ".",
            "a.b",
            "tags.name",
            "é",
            "💥",
            "\t",
            "0b5e0f3e-1234-4abc-9def-0123456789ab",
            "'2024-01-01'",
            "asc",
            "desc",
            "{",
            "\\",
            "\"",
            "=",
            "e",
            "1e999",
            "stream",
        ];
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let entities = [
            app(),
            unpublished(),
            json!(null),
            json!([1, {"name": []}]),
            json!(7),
        ];
        let mut parsed = 0;
        for _ in 0..20_000 {
            let n = (next() % 12) as usize;
            let mut s = String::new();
            for _ in 0..n {
                if next() % 10 == 0 {
                    // raw random character, including control and non-BMP ones
                    let c = char::from_u32((next() % 0x1_0000) as u32).unwrap_or('?');
                    s.push(c);
                } else {
                    s.push_str(atoms[(next() % atoms.len() as u64) as usize]);
                    if next() % 2 == 0 {
                        s.push(' ');
                    }
                }
            }
            if let Ok(f) = Filter::parse(&s) {
                parsed += 1;
                for e in &entities {
                    let _ = f.validate(e);
                    let _ = f.matches(e);
                }
            }
            if let Ok(o) = OrderBy::parse(&s) {
                let _ = o.validate(&app());
                let mut items = entities.to_vec();
                o.sort(&mut items);
            }
            if let Err(FilterError::Syntax { position, .. }) = Filter::parse(&s) {
                assert!(position <= s.chars().count(), "{s:?}");
            }
        }
        assert!(parsed > 0);
        for s in [
            "",
            "'",
            "''",
            "(",
            ")",
            "name eq '",
            "\u{0}",
            "eq eq eq",
            "and or",
        ] {
            let _ = Filter::parse(s);
            let _ = OrderBy::parse(s);
        }
    }

    // --- orderby -----------------------------------------------------------------------

    fn names(items: &[Value]) -> Vec<String> {
        items
            .iter()
            .map(|v| v["name"].as_str().unwrap_or("").to_string())
            .collect()
    }

    fn sorted(order: &str, items: &[Value]) -> Vec<String> {
        let o = OrderBy::parse(order).unwrap_or_else(|e| panic!("{order}: {e}"));
        let mut v = items.to_vec();
        o.sort(&mut v);
        names(&v)
    }

    #[test]
    fn orderby_single_key() {
        let items = vec![
            json!({"name": "beta", "n": 10}),
            json!({"name": "Alpha", "n": 9}),
            json!({"name": "gamma", "n": 100}),
        ];
        assert_eq!(sorted("name", &items), ["Alpha", "beta", "gamma"]);
        assert_eq!(sorted("name asc", &items), ["Alpha", "beta", "gamma"]);
        assert_eq!(sorted("NAME DESC", &items), ["gamma", "beta", "Alpha"]);
        // numbers numerically, not textually
        assert_eq!(sorted("n", &items), ["Alpha", "beta", "gamma"]);
        assert_eq!(sorted("n desc", &items), ["gamma", "beta", "Alpha"]);
    }

    #[test]
    fn orderby_multi_key_and_stability() {
        let items = vec![
            json!({"name": "b", "modifiedDate": "2024-01-01T00:00:00.000Z", "k": 1}),
            json!({"name": "a", "modifiedDate": "2024-01-01 00:00:00", "k": 2}),
            json!({"name": "c", "modifiedDate": "2025-01-01T00:00:00.000Z", "k": 3}),
            json!({"name": "A", "modifiedDate": "2023-01-01T00:00:00.000Z", "k": 4}),
        ];
        assert_eq!(
            sorted("modifiedDate desc, name asc", &items),
            ["c", "a", "b", "A"]
        );
        assert_eq!(
            sorted("modifiedDate desc,name desc", &items),
            ["c", "b", "a", "A"]
        );
        // "a" and "A" compare equal: original order is kept (stable).
        assert_eq!(sorted("name", &items), ["a", "A", "b", "c"]);
        let mut rev = items.clone();
        rev.reverse();
        assert_eq!(sorted("name", &rev), ["A", "a", "b", "c"]);
    }

    #[test]
    fn orderby_nulls_first_and_nested() {
        let items = vec![
            json!({"name": "s2", "stream": {"name": "Zeta"}}),
            json!({"name": "none", "stream": null}),
            json!({"name": "s1", "stream": {"name": "alpha"}}),
            json!({"name": "missing"}),
        ];
        assert_eq!(
            sorted("stream.name", &items),
            ["none", "missing", "s1", "s2"]
        );
        assert_eq!(
            sorted("Stream.Name desc", &items),
            ["s2", "s1", "none", "missing"]
        );
    }

    #[test]
    fn orderby_mixed_types_total_order() {
        let items = vec![
            json!({"name": "str", "v": "x"}),
            json!({"name": "num", "v": 3}),
            json!({"name": "null", "v": null}),
            json!({"name": "bool", "v": true}),
            json!({"name": "date", "v": "2024-01-01"}),
            json!({"name": "obj", "v": {}}),
            json!({"name": "arr", "v": [2]}),
        ];
        assert_eq!(
            sorted("v", &items),
            ["null", "bool", "arr", "num", "date", "str", "obj"]
        );
    }

    #[test]
    fn orderby_parse_errors() {
        let err = |s: &str| match OrderBy::parse(s) {
            Err(FilterError::Syntax { position, message }) => (position, message),
            other => panic!("{s}: {other:?}"),
        };
        let (pos, msg) = err("");
        assert_eq!(pos, 0);
        assert!(msg.contains("end of orderby"), "{msg}");
        let (pos, msg) = err("name,");
        assert_eq!(pos, 5);
        assert!(msg.contains("after ','"), "{msg}");
        let (pos, msg) = err("name ascending");
        assert_eq!(pos, 5);
        assert!(
            msg.contains("expected 'asc', 'desc', ',' or end of orderby"),
            "{msg}"
        );
        let (pos, _) = err("name asc desc");
        assert_eq!(pos, 9);
        let (pos, _) = err("name desc, , id");
        assert_eq!(pos, 11);
        let (pos, _) = err("'name'");
        assert_eq!(pos, 0);
        let (pos, _) = err("a..b");
        assert_eq!(pos, 2);
    }

    #[test]
    fn orderby_validate() {
        let t = app();
        OrderBy::parse("name, modifiedDate desc, stream.name, tags.name, roles")
            .unwrap()
            .validate(&t)
            .unwrap();
        assert_eq!(
            OrderBy::parse("name, nmae desc").unwrap().validate(&t),
            Err(FilterError::UnknownProperty("nmae".into()))
        );
        assert!(matches!(
            OrderBy::parse("stream").unwrap().validate(&t),
            Err(FilterError::TypeMismatch { ref property, .. }) if property == "stream"
        ));
    }

    #[test]
    fn orderby_sort_on_entities() {
        let mut items = vec![app(), unpublished()];
        OrderBy::parse("modifiedDate").unwrap().sort(&mut items);
        assert_eq!(names(&items), ["HR Report", "Sales Dashboard"]);
        OrderBy::parse("tags.name desc").unwrap().sort(&mut items);
        assert_eq!(names(&items), ["Sales Dashboard", "HR Report"]);
        let mut empty: Vec<Value> = vec![];
        OrderBy::parse("name").unwrap().sort(&mut empty);
    }

    #[test]
    fn number_and_guid_lexing() {
        assert!(parse_number("8").is_some());
        assert!(parse_number("-1.5e3").is_some());
        assert!(parse_number(".5").is_some());
        for bad in [
            "inf", "NaN", "infinity", "1e", "e5", "-", ".", "1.2.3", "0x10", "1e999",
        ] {
            assert!(parse_number(bad).is_none(), "{bad}");
        }
        assert!(is_guid("0b5e0f3e-1234-4abc-9def-0123456789ab"));
        assert!(!is_guid("0b5e0f3e-1234-4abc-9def-0123456789a"));
        assert!(!is_guid("0b5e0f3g-1234-4abc-9def-0123456789ab"));
    }
}
