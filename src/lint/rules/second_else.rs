//! `QL210` second-else: a second ELSE in one IF block (the parser's diagnostic).

use super::prelude::*;

pub static RULE: RuleMeta = RuleMeta {
    code: "QL210",
    name: "second-else",
    category: Category::Suspicious,
    severity: Severity::Warning,
    stability: Stability::Stable,
    summary: "a second ELSE in one IF block",
    why: "Qlik skips from the second ELSE to END IF: its statements never run, whatever the condition.",
    example: "IF v = 1 THEN\n  TRACE one;\nELSE\n  TRACE other;\nELSE\n  TRACE never;\nEND IF",
    fix: "Turn the first ELSE into `ELSEIF condition THEN`, or merge the branches.",
};

pub fn check(view: &AppView, out: &mut Sink) {
    super::report_diagnostics(view, out, &[Code::SecondElse]);
}
