//! Dollar-sign expansions, `$(…)`, found and taken apart with the lexer's own rules.
//!
//! Qlik expands `$(…)` anywhere in a statement's text before it parses it: inside strings,
//! paths, templated names and SET values as much as in expressions. The resolver needs the
//! same view, so [`find`] scans any text for the segments, and [`DollarParts`] says what a
//! segment asks for (a variable with its arguments, `#` numeric, `=` expression, an include)
//! with a span for every part. The lexer's `$(` token uses [`closing_len`] too, so a segment
//! found in a string and a `$(…)` token always end at the same byte.

use crate::source::Span;
use serde::Serialize;

/// How far a `$(` segment reaches, from just after the `$(`: `Ok(n)` when its closing `)` is
/// the `n`-th byte; `Err(n)` when it is not closed, `n` bytes to the end of its line.
///
/// Parentheses inside quotes (`'`, `"`, `` ` ``, `[…]`) do not count. The body may not run
/// past the end of its line outside quotes: a `$(` left open is far more often a typo than a
/// multi-line expansion, and stopping there keeps the next statements intact.
pub fn closing_len(rest: &[u8]) -> Result<usize, usize> {
    let mut depth = 1usize;
    let mut i = 0;
    while i < rest.len() {
        match rest[i] {
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return Ok(i + 1);
                }
            }
            q @ (b'\'' | b'"' | b'`' | b'[') => {
                let close = if q == b'[' { b']' } else { q };
                match memchr::memchr(close, &rest[i + 1..]) {
                    Some(n) => i += n + 1,
                    None => break,
                }
            }
            b'\n' => break,
            _ => {}
        }
        i += 1;
    }
    Err(memchr::memchr(b'\n', rest).unwrap_or(rest.len()))
}

/// One `$(…)` found in a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DollarSegment {
    /// From `$(` to the closing `)` (or, when not closed, to the end of the line).
    pub span: Span,
    pub closed: bool,
}

impl DollarSegment {
    /// The segment's text in the text it was found in.
    pub fn text<'t>(&self, text: &'t str) -> &'t str {
        &text[self.span.range()]
    }
}

/// Every outermost `$(…)` in `text`, in order; spans are offsets into `text`. Nested ones
/// (`$(v$(i))`) are inside their outer segment: expand the inner first, then scan again, as
/// Qlik does.
pub fn find(text: &str) -> Vec<DollarSegment> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    // `memchr` for the `$` then a look at the next byte: `memmem::find` would build a
    // searcher on every call, and this runs on every text the resolver expands.
    while let Some(n) = memchr::memchr(b'$', &bytes[from..]) {
        let start = from + n;
        if bytes.get(start + 1) != Some(&b'(') {
            from = start + 1;
            continue;
        }
        let body = start + 2;
        let (end, closed) = match closing_len(&bytes[body..]) {
            Ok(len) => (body + len, true),
            Err(len) => (body + len, false),
        };
        out.push(DollarSegment {
            span: Span::new(start, end),
            closed,
        });
        from = end.max(start + 2);
    }
    out
}

/// A part of a `$(…)` with its place in the source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DollarPiece {
    /// As written: arguments keep their spaces, since Qlik substitutes `$1…$n` verbatim.
    pub text: String,
    pub span: Span,
}

/// What a `$(…)` asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DollarParts {
    /// `$(name)` or `$(name(a, b))`: the variable's text, with `$1`, `$2`… replaced by the
    /// arguments (split at top-level commas).
    Variable {
        name: DollarPiece,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        args: Vec<DollarPiece>,
    },
    /// `$(#name)`: the variable's numeric value with `.` as decimal separator.
    Numeric { name: DollarPiece },
    /// `$(=expression)`: the value of the expression, evaluated when the statement runs.
    Expression { expression: DollarPiece },
    /// `$(Include=path)` / `$(Must_Include=path)`.
    Include { must: bool, path: DollarPiece },
}

/// Takes `text` (a whole `$(…)`, standing at `span.start` in its source) apart.
pub fn parts(text: &str, span: Span) -> DollarParts {
    let inner_end = if text.ends_with(')') && text.len() >= 3 {
        text.len() - 1
    } else {
        text.len()
    };
    let inner_start = 2.min(inner_end);
    let base = span.start as usize;
    let piece = |from: usize, to: usize| DollarPiece {
        text: text[from..to].to_owned(),
        span: Span::new(base + from, base + to),
    };
    // Leading and trailing spaces of the whole body are not part of a name.
    let body = &text[inner_start..inner_end];
    let lead = body.len() - body.trim_start().len();
    let start = inner_start + lead;
    let end = inner_start + body.trim_end().len();
    let end = end.max(start);
    let body = &text[start..end];
    if body.starts_with('=') {
        return DollarParts::Expression {
            expression: piece(start + 1, end),
        };
    }
    if let Some(name) = body.strip_prefix('#') {
        let name_start = start + 1 + (name.len() - name.trim_start().len());
        return DollarParts::Numeric {
            name: piece(name_start, end),
        };
    }
    for (word, must) in [("must_include", true), ("include", false)] {
        let head = body.get(..word.len());
        if head.is_some_and(|h| h.eq_ignore_ascii_case(word)) {
            let after = &body[word.len()..];
            if let Some(path) = after.trim_start().strip_prefix('=') {
                let path_start = end - path.len();
                let lead = path.len() - path.trim_start().len();
                return DollarParts::Include {
                    must,
                    path: piece(path_start + lead, end),
                };
            }
        }
    }
    // `name(args)`: the arguments are in the first top-level parentheses, if the body ends
    // with their `)`.
    let bytes = body.as_bytes();
    if let Some(open) = args_open(bytes) {
        if body.ends_with(')') {
            if let Ok(len) = closing_len(&bytes[open + 1..]) {
                if open + 1 + len == body.len() {
                    let name_end = start + body[..open].trim_end().len();
                    let args = split_args(&bytes[open + 1..body.len() - 1])
                        .into_iter()
                        .map(|(a, b)| piece(start + open + 1 + a, start + open + 1 + b))
                        .collect();
                    return DollarParts::Variable {
                        name: piece(start, name_end),
                        args,
                    };
                }
            }
        }
    }
    DollarParts::Variable {
        name: piece(start, end),
        args: Vec::new(),
    }
}

/// The `(` that opens a variable's arguments: the first one outside a nested `$(…)`.
fn args_open(body: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i < body.len() {
        match body[i] {
            b'$' if body.get(i + 1) == Some(&b'(') => match closing_len(&body[i + 2..]) {
                Ok(len) => i += 2 + len,
                Err(_) => return None,
            },
            b'(' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// Byte ranges of the comma-separated arguments in `inner`, at parenthesis depth 0 and outside
/// quotes.
fn split_args(inner: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    let mut i = 0;
    while i < inner.len() {
        match inner[i] {
            b'(' => depth += 1,
            b')' => depth = depth.saturating_sub(1),
            b',' if depth == 0 => {
                out.push((start, i));
                start = i + 1;
            }
            q @ (b'\'' | b'"' | b'`' | b'[') => {
                let close = if q == b'[' { b']' } else { q };
                if let Some(n) = memchr::memchr(close, &inner[i + 1..]) {
                    i += n + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out.push((start, inner.len()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<&str> {
        find(text).iter().map(|s| s.text(text)).collect()
    }

    #[test]
    fn finds_segments_anywhere_with_the_lexers_rules() {
        assert_eq!(
            texts("LOAD * FROM [$(vPath)\\Orders_$(vYear).qvd] (qvd);"),
            ["$(vPath)", "$(vYear)"]
        );
        assert_eq!(
            texts("'$(=Date(Max(D), 'YY)'))' x"),
            ["$(=Date(Max(D), 'YY)'))"]
        );
        assert_eq!(texts("Sales_$(v$(i))"), ["$(v$(i))"]);
        let open = find("a $(v\nLOAD x;");
        assert_eq!(open.len(), 1);
        assert!(!open[0].closed);
        assert_eq!(open[0].span, Span::new(2, 5));
        assert!(find("no dollars, $1 and $ alone").is_empty());
    }

    #[test]
    fn the_lexer_and_find_end_every_segment_at_the_same_byte() {
        for text in ["$(a(b, c))x", "$(=Sum([A)]))", "$(x", "$('(')"] {
            let token = crate::syntax::tokens(text)
                .into_iter()
                .next()
                .expect("token");
            assert_eq!(
                find(text)[0].span.end as usize,
                token.span.end as usize,
                "{text}"
            );
        }
    }

    fn at(text: &str, base: usize) -> DollarParts {
        parts(text, Span::new(base, base + text.len()))
    }

    #[test]
    fn parts_have_spans_into_the_source() {
        let DollarParts::Variable { name, args } = at("$(vf( a ,b(1,2), 'x,y'))", 10) else {
            panic!("variable");
        };
        assert_eq!(name.text, "vf");
        assert_eq!(name.span, Span::new(12, 14));
        let args: Vec<_> = args.iter().map(|a| a.text.as_str()).collect();
        assert_eq!(args, [" a ", "b(1,2)", " 'x,y'"]);
        assert_eq!(
            at("$( =Sum(X) )", 0),
            DollarParts::Expression {
                expression: DollarPiece {
                    text: "Sum(X)".into(),
                    span: Span::new(4, 10)
                }
            }
        );
        assert!(matches!(at("$(#vN)", 0), DollarParts::Numeric { name } if name.text == "vN"));
        assert!(matches!(
            at("$(Must_Include = lib://C/x.qvs)", 0),
            DollarParts::Include { must: true, path } if path.text == "lib://C/x.qvs" && path.span == Span::new(17, 30)
        ));
        assert!(matches!(
            at("$(v$(i))", 0),
            DollarParts::Variable { name, args } if name.text == "v$(i)" && args.is_empty()
        ));
        assert!(matches!(
            at("$(include(x))", 0),
            DollarParts::Variable { name, .. } if name.text == "include"
        ));
    }
}
