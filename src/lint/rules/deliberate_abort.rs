//! `QL208` deliberate-abort: a statement that is one bare word, written to make the reload fail.

use super::prelude::*;
use crate::semantic::model::FileId;

pub static RULE: RuleMeta = RuleMeta {
    code: "QL208",
    name: "deliberate-abort",
    category: Category::Suspicious,
    severity: Severity::Warning,
    stability: Stability::Stable,
    summary: "a bare word as a statement, written to stop the reload on purpose",
    why: "A common trick stops a reload with a statement the engine cannot read (`STOP;`, `abort;`, `x;`). It works only because the reload fails when it reaches a statement it cannot read: the log says \"Syntax error\" instead of why the reload stopped, the script editor and every syntax check flag it, and a real syntax error elsewhere looks the same.",
    example: "IF NoOfRows('Orders') = 0 THEN\n  STOP;\nEND IF",
    fix: "Say what you mean: `EXIT SCRIPT;` to end the reload successfully, or fail it with a message, e.g. `SET ErrorMode = 1;` then `LET x = Error('no orders');`, or `EXIT ERROR 'no orders';` on recent releases.",
};

/// Statements the parser rejected whose whole text is one word (with or without `;`).
pub(super) fn abort_statements<'v>(view: &AppView<'v>) -> Vec<(FileId, Span, &'v str)> {
    view.stmts
        .iter()
        .filter(|s| s.stmt.kind == StmtKind::Error)
        .filter_map(|s| {
            let text = view.text(s.file, s.stmt.span);
            let word = text.trim().trim_end_matches(';').trim();
            let mut chars = word.chars();
            let first = chars.next()?;
            let is_word = (first.is_alphabetic() || first == '_')
                && chars.all(|c| c.is_alphanumeric() || c == '_');
            is_word.then_some((s.file, s.stmt.span, word))
        })
        .collect()
}

pub fn check(view: &AppView, out: &mut Sink) {
    for (file, span, word) in abort_statements(view) {
        out.report(
            file,
            span,
            format!("`{word}` is not a statement: it stops the reload with a syntax error"),
        )
        .note("the reload fails here with \"Syntax error\", which does not say why it stopped")
        .help("use `EXIT SCRIPT;` to stop, or fail on purpose with a message (`EXIT ERROR 'reason';`, or ErrorMode and Error())");
    }
}
