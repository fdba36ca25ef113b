//! Parsing `filter` text into comparisons joined by `and`/`or` (the grammar is in the module
//! docs of `filter.rs`): property paths, operators, literal values, and the checks that need
//! no entity (an operator that does not fit its value).

use std::borrow::Cow;
use std::cmp::Ordering;

use super::lex::{shorten, Cursor, Tok};
use super::{mismatch, syntax, FilterError, MAX_DEPTH};
use crate::simulate::time;

#[derive(Debug, Clone, PartialEq)]
pub(super) struct PropertyPath {
    /// As written by the client (used in error messages).
    pub(super) text: String,
    pub(super) segments: Vec<String>,
    pub(super) lower: Vec<String>,
}

impl PropertyPath {
    pub(super) fn parse(word: &str, pos: usize) -> Result<Self, FilterError> {
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Op {
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
    pub(super) fn parse(word: &str) -> Option<Op> {
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

    pub(super) fn name(self) -> &'static str {
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

    pub(super) fn is_text_only(self) -> bool {
        matches!(self, Op::Sw | Op::Ew | Op::So)
    }

    pub(super) fn is_equality(self) -> bool {
        matches!(self, Op::Eq | Op::Ne)
    }

    pub(super) fn holds(self, ord: Ordering) -> bool {
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
pub(super) enum Literal {
    Str(String),
    Number { value: f64, raw: String },
    Bool(bool),
    Null,
    Guid(String),
}

impl Literal {
    pub(super) fn text(&self) -> Option<Cow<'_, str>> {
        match self {
            Literal::Str(s) | Literal::Guid(s) => Some(Cow::Borrowed(s)),
            Literal::Number { raw, .. } => Some(Cow::Borrowed(raw)),
            Literal::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
            Literal::Null => None,
        }
    }

    pub(super) fn describe(&self) -> String {
        match self {
            Literal::Str(s) => format!("'{}'", shorten(&s.replace('\'', "''"))),
            Literal::Number { raw, .. } => raw.clone(),
            Literal::Bool(b) => b.to_string(),
            Literal::Null => "null".to_string(),
            Literal::Guid(g) => g.clone(),
        }
    }
}

pub(super) fn is_guid(s: &str) -> bool {
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
pub(super) fn parse_number(s: &str) -> Option<f64> {
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

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Comparison {
    pub(super) path: PropertyPath,
    pub(super) op: Op,
    pub(super) value: Literal,
    /// Lowercased text of `value` (None for `null`).
    pub(super) value_lower: Option<String>,
    /// `value` as an instant, if it parses as a date/time.
    pub(super) value_instant: Option<i128>,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Expr {
    Or(Vec<Expr>),
    And(Vec<Expr>),
    Cmp(Comparison),
}

/// A parsed QRS `filter` expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    pub(super) root: Expr,
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
        let value_instant = value.text().and_then(|t| time::parse_nanos(&t));
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
}
