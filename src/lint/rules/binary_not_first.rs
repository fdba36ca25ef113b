//! `QL109` binary-not-first: a BINARY statement that is not the first statement of the script.

use super::prelude::*;
use crate::syntax::ast::RawKind;

pub static RULE: RuleMeta = RuleMeta {
    code: "QL109",
    name: "binary-not-first",
    category: Category::Correctness,
    severity: Severity::Error,
    stability: Stability::Stable,
    summary: "BINARY that is not the first statement of the main script",
    why: "The engine accepts BINARY only as the very first statement: it replaces the data model and the variables, so anything before it (even SET statements) makes the reload fail. Inside a block or an include it is never the first statement either.",
    example: "SET ThousandSep=',';\nBinary [lib://Apps/Sales Model.qvf];",
    fix: "Move BINARY to the top of the first script section; put the SET statements after it.",
};

pub fn check(view: &AppView, out: &mut Sink) {
    let mut first = true;
    for s in &view.stmts {
        if s.stmt.kind == StmtKind::Empty {
            continue;
        }
        let is_binary = matches!(&s.stmt.kind, StmtKind::Raw(r) if r.kind == RawKind::Binary);
        if is_binary && !(first && s.file == 0 && s.depth == 0) {
            out.report(
                s.file,
                s.stmt.span,
                "BINARY is not the first statement of the script",
            )
            .note("the reload fails: BINARY must come before every other statement")
            .help("move BINARY to the top of the first script section");
        }
        first = false;
    }
}
