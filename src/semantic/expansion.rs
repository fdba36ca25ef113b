//! Dollar-sign expansion: `$(v)`, `$(v(a, b))` with `$1…$n`, `$(#v)` and `$(=expr)`, nested
//! and re-scanned, as the engine does on a statement's text before parsing it.
//!
//! A variable the script never set expands to nothing (Qlik's rule) and is reported. A
//! variable whose value is unknown keeps its `$(…)` text, so the re-parsed statement still
//! shows where the value goes and later stages mark what it feeds as unresolved. Output size
//! and nesting depth are capped: a self-referencing or self-doubling variable gives a
//! diagnostic, never a hang.

use super::source_map::SourceMap;
use crate::source::Span;
use crate::syntax::dollar::{self, DollarParts};

/// Expansions nested deeper than this stop (the engine's own limit is 1000).
pub const MAX_DEPTH: usize = 64;
/// One statement's expanded text may not grow past this many bytes.
pub const MAX_OUTPUT: usize = 1 << 20;

/// What a `$(name)` finds.
pub enum Lookup {
    Known(String),
    Unknown { reason: String, runtime: bool },
    Undefined,
}

/// What expansion needs from the analysis.
pub trait ExpandContext {
    fn lookup(&self, name: &str) -> Lookup;
    /// Evaluates the text of `$(=expr)` (already expanded); `Err` holds why it is unknown.
    fn evaluate(&self, expr: &str) -> Result<String, super::evaluate::Unknown>;
}

/// A problem met while expanding, located in the original text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Issue {
    Undefined {
        name: String,
        span: Span,
    },
    Unknown {
        text: String,
        reason: String,
        runtime: bool,
        span: Span,
    },
    TooDeep {
        span: Span,
    },
    TooLarge {
        span: Span,
    },
}

#[derive(Debug, Clone, Default)]
pub struct Expansion {
    pub text: String,
    pub map: SourceMap,
    pub issues: Vec<Issue>,
}

impl Expansion {
    /// True when expansion stopped at a cap: the text is not what Qlik would run.
    pub fn is_cut(&self) -> bool {
        self.issues
            .iter()
            .any(|i| matches!(i, Issue::TooDeep { .. } | Issue::TooLarge { .. }))
    }

    /// True when some `$(…)` kept its text because its value is unknown (or expansion was cut).
    pub fn is_partial(&self) -> bool {
        self.issues
            .iter()
            .any(|i| !matches!(i, Issue::Undefined { .. }))
    }
}

/// Expands every `$(…)` in `text`, which starts at `base` in its file.
pub fn expand(text: &str, base: usize, ctx: &dyn ExpandContext) -> Expansion {
    let mut expansion = Expansion::default();
    let mut out = String::with_capacity(text.len() + 16);
    let mut budget = MAX_OUTPUT.max(text.len() * 2);
    let mut state = State {
        ctx,
        issues: &mut expansion.issues,
        budget: &mut budget,
    };
    let mut copied_from = 0;
    for segment in dollar::find(text) {
        if !segment.closed {
            // Left open: the lexer reported it (QS004); nothing after it is expanded.
            break;
        }
        let (at, end) = (segment.span.start as usize, segment.span.end as usize);
        let close = end - 1;
        let span = Span::new(base + at, base + end);
        expansion
            .map
            .push_copied(out.len(), Span::new(base + copied_from, base + at));
        out.push_str(&text[copied_from..at]);
        let start = out.len();
        let whole = segment.text(text);
        if matches!(dollar::parts(whole, span), DollarParts::Include { .. }) {
            // Includes are statements of their own; one inside another statement stays text.
            out.push_str(whole);
        } else {
            state.expand_one(&text[at + 2..close], span, 0, &mut out);
        }
        expansion.map.push_expanded(start, out.len() - start, span);
        copied_from = end;
        if *state.budget == 0 {
            break;
        }
    }
    expansion
        .map
        .push_copied(out.len(), Span::new(base + copied_from, base + text.len()));
    out.push_str(&text[copied_from..]);
    expansion.text = out;
    expansion
}

/// The index of the `)` closing the `(` at `open`, balancing parentheses and skipping quoted
/// text; `None` if it is not closed.
pub fn matching_paren(text: &str, open: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = open;
    let mut quote: Option<u8> = None;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) => {
                if b == q {
                    quote = None;
                }
            }
            None => match b {
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(i);
                    }
                }
                b'\'' | b'"' => quote = Some(b),
                b'[' => quote = Some(b']'),
                _ => {}
            },
        }
        i += 1;
    }
    None
}

struct State<'c, 'i> {
    ctx: &'c dyn ExpandContext,
    issues: &'i mut Vec<Issue>,
    budget: &'i mut usize,
}

impl State<'_, '_> {
    /// Expands the text of a value or body: every `$(…)` in it, recursively.
    fn expand_text(&mut self, text: &str, span: Span, depth: usize, out: &mut String) {
        let mut i = 0;
        for segment in dollar::find(text) {
            if !segment.closed {
                break;
            }
            let (at, end) = (segment.span.start as usize, segment.span.end as usize);
            self.push(out, &text[i..at]);
            self.expand_one(&text[at + 2..end - 1], span, depth + 1, out);
            i = end;
            if *self.budget == 0 {
                return;
            }
        }
        self.push(out, &text[i..]);
    }

    fn push(&mut self, out: &mut String, text: &str) {
        if text.len() > *self.budget {
            *self.budget = 0;
            return;
        }
        *self.budget -= text.len();
        out.push_str(text);
    }

    /// Expands one `$(body)` written at `span`.
    fn expand_one(&mut self, body: &str, span: Span, depth: usize, out: &mut String) {
        if depth >= MAX_DEPTH {
            if !self
                .issues
                .iter()
                .any(|i| matches!(i, Issue::TooDeep { .. }))
            {
                self.issues.push(Issue::TooDeep { span });
            }
            return;
        }
        if *self.budget == 0 {
            return;
        }
        // Inner expansions first: `$(vPath$(i))`.
        let mut inner = String::new();
        if memchr::memchr(b'$', body.as_bytes()).is_none() {
            // Nothing inside to expand (`$(v)`): what expand_text would do, without its scan.
            self.push(&mut inner, body);
        } else {
            self.expand_text(body, span, depth, &mut inner);
        }
        if *self.budget == 0 {
            self.report_too_large(span);
            return;
        }
        let trimmed = inner.trim();
        if let Some(expr) = trimmed.strip_prefix('=') {
            match self.ctx.evaluate(expr) {
                Ok(value) => self.push(out, &value),
                Err(unknown) => {
                    self.issues.push(Issue::Unknown {
                        text: format!("$({trimmed})"),
                        reason: unknown.reason,
                        runtime: unknown.runtime,
                        span,
                    });
                    self.push(out, &format!("$({inner})"));
                }
            }
            return;
        }
        let (numeric, name_and_args) = match trimmed.strip_prefix('#') {
            Some(rest) => (true, rest.trim()),
            None => (false, trimmed),
        };
        let (name, args) = split_call(name_and_args);
        match self.ctx.lookup(name) {
            Lookup::Known(value) => {
                let value = if args.is_empty() {
                    value
                } else {
                    substitute_params(&value, &args)
                };
                let value = if numeric {
                    super::evaluate::parse_number(&value)
                        .map_or_else(|| "0".to_string(), super::evaluate::format_number)
                } else {
                    value
                };
                if value.contains("$(") {
                    // Re-scanning costs budget too, so a value made only of expansions
                    // (`$(v)$(v)` inside v) cannot branch without end.
                    let cost = value.len().max(1);
                    if cost > *self.budget {
                        *self.budget = 0;
                        self.report_too_large(span);
                        return;
                    }
                    *self.budget -= cost;
                    self.expand_text(&value, span, depth + 1, out);
                } else {
                    self.push(out, &value);
                }
                if *self.budget == 0 {
                    self.report_too_large(span);
                }
            }
            Lookup::Unknown { reason, runtime } => {
                self.issues.push(Issue::Unknown {
                    text: format!("$({trimmed})"),
                    reason,
                    runtime,
                    span,
                });
                self.push(out, &format!("$({inner})"));
            }
            Lookup::Undefined => {
                if numeric {
                    self.push(out, "0");
                }
                self.issues.push(Issue::Undefined {
                    name: name.to_string(),
                    span,
                });
            }
        }
    }

    fn report_too_large(&mut self, span: Span) {
        if !self
            .issues
            .iter()
            .any(|i| matches!(i, Issue::TooLarge { .. }))
        {
            self.issues.push(Issue::TooLarge { span });
        }
    }
}

/// Splits `name(a, b)` into the name and its arguments (split at top-level commas, quotes and
/// parentheses respected); `name` alone has no arguments.
pub fn split_call(text: &str) -> (&str, Vec<String>) {
    let Some(open) = text.find('(') else {
        return (text.trim(), Vec::new());
    };
    if !text.ends_with(')') {
        return (text.trim(), Vec::new());
    }
    let name = text[..open].trim();
    let inner = &text[open + 1..text.len() - 1];
    let mut args = Vec::new();
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut current = String::new();
    for c in inner.chars() {
        match quote {
            Some(q) => {
                if c == q {
                    quote = None;
                }
                current.push(c);
            }
            None => match c {
                '\'' | '"' => {
                    quote = Some(c);
                    current.push(c);
                }
                '[' => {
                    quote = Some(']');
                    current.push(c);
                }
                '(' => {
                    depth += 1;
                    current.push(c);
                }
                ')' => {
                    depth -= 1;
                    current.push(c);
                }
                ',' if depth == 0 => args.push(std::mem::take(&mut current).trim().to_string()),
                _ => current.push(c),
            },
        }
    }
    args.push(current.trim().to_string());
    (name, args)
}

/// Replaces `$1…$n` with the arguments and `$0` with their count; a missing argument leaves
/// its `$n` as written (Qlik's rule).
pub fn substitute_params(value: &str, args: &[String]) -> String {
    let mut out = String::with_capacity(value.len());
    let bytes = value.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'$' && i + 1 < bytes.len() && bytes[i + 1].is_ascii_digit() {
            let mut j = i + 1;
            while j < bytes.len() && bytes[j].is_ascii_digit() {
                j += 1;
            }
            let n: usize = value[i + 1..j].parse().unwrap_or(usize::MAX);
            if n == 0 {
                out.push_str(&args.len().to_string());
            } else if let Some(arg) = args.get(n - 1) {
                out.push_str(arg);
            } else {
                out.push_str(&value[i..j]);
            }
            i = j;
        } else {
            let c = value[i..].chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Vars(HashMap<&'static str, &'static str>);

    impl ExpandContext for Vars {
        fn lookup(&self, name: &str) -> Lookup {
            match self.0.get(name) {
                Some(&"?") => Lookup::Unknown {
                    reason: format!("{name} is a run-time value"),
                    runtime: true,
                },
                Some(v) => Lookup::Known(v.to_string()),
                None => Lookup::Undefined,
            }
        }
        fn evaluate(&self, expr: &str) -> Result<String, crate::semantic::evaluate::Unknown> {
            match expr.trim() {
                "1+1" => Ok("2".into()),
                other => Err(crate::semantic::evaluate::Unknown::missing(format!(
                    "cannot evaluate {other}"
                ))),
            }
        }
    }

    fn vars() -> Vars {
        Vars(HashMap::from([
            ("vQvd", "lib://QVD/"),
            ("vYear", "2024"),
            ("i", "2"),
            ("vPath2", "lib://Lake/"),
            ("MUL", "$1*$2"),
            ("vRef", "$(vYear)"),
            ("vNow", "?"),
            ("vSelf", "$(vSelf)"),
            ("vNum", "3.50"),
        ]))
    }

    fn run(text: &str) -> Expansion {
        expand(text, 0, &vars())
    }

    #[test]
    fn variables_and_params() {
        assert_eq!(
            run("[$(vQvd)Orders_$(vYear).qvd]").text,
            "[lib://QVD/Orders_2024.qvd]"
        );
        assert_eq!(run("X = $(MUL(3, 7))").text, "X = 3*7");
        assert_eq!(run("$(MUL(3))").text, "3*$2");
        assert_eq!(run("$(vPath$(i))x").text, "lib://Lake/x");
        assert_eq!(run("$(vRef)").text, "2024", "values are re-scanned");
        assert_eq!(run("$(#vNum)").text, "3.5");
        assert_eq!(run("$(=1+1)").text, "2");
    }

    #[test]
    fn undefined_is_empty_and_unknown_keeps_text() {
        let e = run("a$(nothing)b");
        assert_eq!(e.text, "ab");
        assert!(matches!(&e.issues[..], [Issue::Undefined { name, .. }] if name == "nothing"));
        assert!(!e.is_partial());
        let e = run("FROM [$(vNow).qvd]");
        assert_eq!(e.text, "FROM [$(vNow).qvd]");
        assert!(e.is_partial());
    }

    #[test]
    fn self_reference_is_cut() {
        let e = run("$(vSelf)");
        assert!(e.issues.iter().any(|i| matches!(i, Issue::TooDeep { .. })));
    }

    #[test]
    fn spans_map_back() {
        let e = expand("LOAD * FROM $(vQvd)x.qvd", 100, &vars());
        assert_eq!(e.text, "LOAD * FROM lib://QVD/x.qvd");
        let from = e.text.find("lib").unwrap();
        assert_eq!(e.map.map_span(Span::new(0, 4)), Span::new(100, 104));
        assert_eq!(
            e.map.map_span(Span::new(from, e.text.len())),
            Span::new(112, 124)
        );
    }

    #[test]
    fn call_arguments_split_at_top_level() {
        let (name, args) = split_call("f('a,b', g(1, 2), 3)");
        assert_eq!(name, "f");
        assert_eq!(args, vec!["'a,b'", "g(1, 2)", "3"]);
    }
}
