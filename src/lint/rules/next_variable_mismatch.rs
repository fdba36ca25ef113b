//! `QL103` next-variable-mismatch: NEXT naming a different variable than its FOR (the parser's diagnostic).

use super::prelude::*;

pub static RULE: RuleMeta = RuleMeta {
    code: "QL103",
    name: "next-variable-mismatch",
    category: Category::Correctness,
    severity: Severity::Error,
    stability: Stability::Stable,
    summary: "NEXT naming a different variable than its FOR",
    why: "`NEXT i` must name the loop variable of the FOR it closes; naming another one fails the reload, and usually means two loops were interleaved by an edit.",
    example: "FOR i = 1 TO 3\n  TRACE $(i);\nNEXT j",
    fix: "Name the FOR's own variable after NEXT, or leave the name out.",
};

pub fn check(view: &AppView, out: &mut Sink) {
    super::report_diagnostics(view, out, &[Code::NextVariableMismatch]);
}
