//! `QL211` statements-before-case: statements between SWITCH and its first CASE (the parser's diagnostic).

use super::prelude::*;

pub static RULE: RuleMeta = RuleMeta {
    code: "QL211",
    name: "statements-before-case",
    category: Category::Suspicious,
    severity: Severity::Warning,
    stability: Stability::Stable,
    summary: "statements between SWITCH and its first CASE",
    why: "Qlik never runs statements between SWITCH and the first CASE.",
    example: "SWITCH vMode\n  TRACE start;\nCASE 1\n  TRACE one;\nEND SWITCH",
    fix: "Move the statements before SWITCH or into a CASE.",
};

pub fn check(view: &AppView, out: &mut Sink) {
    super::report_diagnostics(view, out, &[Code::StatementsBeforeCase]);
}
