//! `QL401` hardcoded-credentials: passwords and keys written into CONNECT strings, comments,
//! REM statements or variables. Findings never quote the value.

use super::prelude::*;
use crate::syntax::ast::{ConnectKind, Expr, RawKind};

pub static RULE: RuleMeta = RuleMeta {
    code: "QL401",
    name: "hardcoded-credentials",
    category: Category::Security,
    severity: Severity::Error,
    stability: Stability::Stable,
    summary: "a password, key or token written into the script",
    why: "Load scripts are readable by every developer of the app, exported with it, kept in git and shown in reload logs. `XPassword` is only scrambled, not encrypted. Qlik Sense data connections keep credentials in the repository, encrypted, outside the script.",
    example: "CONNECT TO 'Provider=SQLOLEDB;Data Source=db01;User ID=qlik;Password=Summer2024';",
    fix: "Create a data connection with the credentials and use `LIB CONNECT TO 'Name';`; delete the secret from comments and variables, and rotate it: it is in the history.",
};

/// Words that introduce a secret, lower-case.
const KEYS: &[&str] = &[
    "password",
    "xpassword",
    "passwd",
    "pwd",
    "secret",
    "apikey",
    "api_key",
    "access_token",
    "client_secret",
];

/// Where a `key = value` (or, in CONNECT options, `key is value`) with a literal value stands
/// in `text`: the byte range of the key.
pub(super) fn find_secret(text: &str, extra: &[String], is_form: bool) -> Option<(usize, usize)> {
    // A secret is always `key = value` (or `key is value` in a CONNECT form): most comments
    // and REM texts have neither, and are skipped without lowering or searching them.
    let may_assign = text.contains('=')
        || (is_form
            && text
                .as_bytes()
                .windows(3)
                .any(|w| w.eq_ignore_ascii_case(b"is ")));
    if !may_assign {
        return None;
    }
    let lower = text.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let keys = KEYS.iter().copied().chain(extra.iter().map(String::as_str));
    let mut best: Option<(usize, usize)> = None;
    for key in keys {
        // KEYS are lower case already; only options may need lowering.
        let key: std::borrow::Cow<str> = if key.bytes().any(|b| b.is_ascii_uppercase()) {
            key.to_ascii_lowercase().into()
        } else {
            key.into()
        };
        let key = key.as_ref();
        let mut from = 0;
        while let Some(n) = lower[from..].find(key) {
            let start = from + n;
            let end = start + key.len();
            from = end;
            let boundary_before = start == 0 || !bytes[start - 1].is_ascii_alphanumeric();
            let boundary_after = bytes
                .get(end)
                .is_none_or(|b| !b.is_ascii_alphanumeric() && *b != b'_');
            if !(boundary_before && boundary_after) {
                continue;
            }
            let rest = lower[end..].trim_start();
            let value = if let Some(v) = rest.strip_prefix('=') {
                v
            } else if let Some(v) = rest.strip_prefix("is ").filter(|_| is_form) {
                v
            } else {
                continue;
            };
            let value = value.trim_start().trim_start_matches(['\'', '"', '[', '{']);
            let literal = value.chars().next().is_some_and(|c| {
                !matches!(c, '$' | ';' | ')' | ',' | '\'' | '"' | ']' | '}' | '<')
                    && !c.is_whitespace()
            });
            if literal && best.is_none_or(|(b, _)| start < b) {
                best = Some((start, end));
            }
        }
    }
    best
}

fn looks_secret_name(name: &str, extra: &[String]) -> bool {
    let lower = name.to_ascii_lowercase();
    KEYS.iter()
        .copied()
        .chain(extra.iter().map(String::as_str))
        .any(|k| lower.contains(&k.to_ascii_lowercase()))
        || lower.contains("token")
}

pub fn check(view: &AppView, out: &mut Sink) {
    let extra = out.option_strings("extra-keys");
    let report = |out: &mut Sink, file: u32, base: u32, key: (usize, usize), what: &str| {
        let span = Span::new(base as usize + key.0, base as usize + key.1);
        out.report(file, span, format!("credential written into {what}"))
            .note("anyone who can read the script, its exports or the repository history can read it")
            .help("use a data connection (`LIB CONNECT TO 'Name';`) that keeps the credential encrypted, and rotate this one");
    };
    for (file, tree) in view.trees.iter().enumerate() {
        let file = file as u32;
        for comment in &tree.comments {
            let text = view.text(file, comment.span);
            if let Some(key) = find_secret(text, &extra, false) {
                report(out, file, comment.span.start, key, "a comment");
            }
        }
    }
    for s in &view.stmts {
        match &s.stmt.kind {
            StmtKind::Connect(c) if c.kind != ConnectKind::Lib => {
                for raw in std::iter::once(&c.target).chain(c.options.as_ref()) {
                    if let Some(key) = find_secret(&raw.text, &extra, true) {
                        report(out, s.file, raw.span.start, key, "a CONNECT string");
                        break;
                    }
                }
            }
            StmtKind::Raw(r) if r.kind == RawKind::Rem => {
                if let Some(body) = &r.body {
                    if let Some(key) = find_secret(&body.text, &extra, false) {
                        report(out, s.file, body.span.start, key, "a REM statement");
                    }
                }
            }
            StmtKind::Set(set) => {
                let value = set.value.trim();
                let named = looks_secret_name(&set.name.text, &extra)
                    && !value.is_empty()
                    && !value.contains("$(");
                if named {
                    report(
                        out,
                        s.file,
                        set.name.span.start,
                        (0, set.name.span.len()),
                        "a variable",
                    );
                } else if let Some(raw) = &set.raw {
                    if let Some(key) = find_secret(&raw.text, &extra, false) {
                        report(out, s.file, raw.span.start, key, "a variable");
                    }
                }
            }
            StmtKind::Let(set) => {
                if let Some(Expr::String(lit)) = &set.value {
                    let named = looks_secret_name(&set.name.text, &extra)
                        && !lit.value.trim().is_empty()
                        && !lit.value.contains("$(");
                    if named {
                        report(
                            out,
                            s.file,
                            set.name.span.start,
                            (0, set.name.span.len()),
                            "a variable",
                        );
                    } else if let Some(key) = find_secret(&lit.value, &extra, false) {
                        // The literal's text starts one byte after its opening quote.
                        report(out, s.file, lit.span.start + 1, key, "a variable");
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::find_secret;

    #[test]
    fn literal_values_only() {
        assert!(find_secret("User ID=qlik;Password=Summer2024", &[], false).is_some());
        assert!(find_secret("XPassword is ZYXWVU", &[], true).is_some());
        assert!(find_secret("Password=$(vPwd)", &[], true).is_none());
        assert!(find_secret("Password=;", &[], true).is_none());
        assert!(find_secret("the password is kept in the vault", &[], false).is_none());
        assert!(find_secret("passwords=x", &[], false).is_none());
        assert!(find_secret("Token=abc", &["token".into()], false).is_some());
    }
}
