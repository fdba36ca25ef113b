//! Inline suppressions: `// qlineage: ignore QL123, unknown-table` on the line of a finding or
//! on its own line before the statement, and `// qlineage: ignore-file QL123` for the whole
//! file (block comments work too). A suppression that suppresses nothing is reported
//! (`QL501 unused-suppression`).

use super::{AppView, Finding, RuleMeta};
use crate::source::Span;

#[derive(Debug)]
pub(super) struct Suppression {
    pub file: u32,
    /// The comment.
    pub span: Span,
    /// The bytes it covers; `None` for the whole file.
    pub scope: Option<Span>,
    /// The codes or names written, each with whether it suppressed something.
    pub entries: Vec<(String, bool)>,
}

/// The directive in a comment's text: `(whole file, entries)`.
fn directive(comment: &str) -> Option<(bool, Vec<String>)> {
    let body = comment
        .trim_start_matches("//")
        .trim_start_matches("/*")
        .trim_end_matches("*/")
        .trim();
    let rest = body.strip_prefix("qlineage:")?.trim_start();
    let (file, rest) = if let Some(r) = rest.strip_prefix("ignore-file") {
        (true, r)
    } else if let Some(r) = rest.strip_prefix("ignore") {
        (false, r)
    } else {
        return None;
    };
    let entries: Vec<String> = rest
        .split([',', ' ', '\t'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    Some((file, entries))
}

/// Every suppression comment of the app's files.
pub(super) fn collect(view: &AppView) -> Vec<Suppression> {
    let mut out = Vec::new();
    for (file, tree) in view.trees.iter().enumerate() {
        let file = file as u32;
        let Some(source) = view.source(file) else {
            continue;
        };
        for comment in &tree.comments {
            let Some((whole, entries)) = directive(view.text(file, comment.span)) else {
                continue;
            };
            let line = source.line_range(source.line_index(comment.span.start));
            let before = &source.text[line.start..comment.span.start as usize];
            let scope = if whole {
                None
            } else if !before.trim().is_empty() {
                // A trailing comment: the line it ends.
                Some(Span::new(line.start, line.end))
            } else {
                // On its own line: the next statement (its whole span).
                let next = view
                    .stmts
                    .iter()
                    .filter(|s| s.file == file && s.stmt.span.start >= comment.span.end)
                    .min_by_key(|s| s.stmt.span.start);
                Some(next.map_or(Span::empty_at(comment.span.end as usize), |s| s.stmt.span))
            };
            out.push(Suppression {
                file,
                span: comment.span,
                scope,
                entries: entries.into_iter().map(|e| (e, false)).collect(),
            });
        }
    }
    out
}

fn names(entry: &str, rule: &RuleMeta) -> bool {
    entry.eq_ignore_ascii_case(rule.code) || entry.eq_ignore_ascii_case(rule.name)
}

/// Drops suppressed findings, marking the entries that suppressed them.
pub(super) fn apply(findings: &mut Vec<Finding>, suppressions: &mut [Suppression]) {
    findings.retain(|f| {
        let mut suppressed = false;
        for s in suppressions.iter_mut() {
            let in_scope = s.file == f.file
                && s.scope.is_none_or(|scope| {
                    scope.contains(f.span)
                        || (f.span.start >= scope.start
                            && f.span.start < scope.end.max(scope.start + 1))
                });
            if !in_scope {
                continue;
            }
            for (entry, used) in &mut s.entries {
                if names(entry, f.rule) {
                    *used = true;
                    suppressed = true;
                }
            }
        }
        !suppressed
    });
}

#[cfg(test)]
mod tests {
    use super::directive;

    #[test]
    fn reads_directives() {
        assert_eq!(
            directive("// qlineage: ignore QL101, select-star"),
            Some((false, vec!["QL101".into(), "select-star".into()]))
        );
        assert_eq!(
            directive("/* qlineage: ignore-file QL3 */"),
            Some((true, vec!["QL3".into()]))
        );
        assert_eq!(directive("// just a comment"), None);
    }
}
