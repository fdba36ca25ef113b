//! `QL116` load-without-source: a preceding LOAD with no LOAD or SELECT below it (the parser's diagnostic).

use super::prelude::*;

pub static RULE: RuleMeta = RuleMeta {
    code: "QL116",
    name: "load-without-source",
    category: Category::Correctness,
    severity: Severity::Error,
    stability: Stability::Stable,
    summary: "a preceding LOAD with no LOAD or SELECT below it",
    why: "A LOAD without FROM, RESIDENT, INLINE or AUTOGENERATE reads the statement below it; when nothing follows, the reload fails.",
    example: "Orders: LOAD OrderID, Amount * 2 AS Double;\nDROP TABLE Temp;",
    fix: "Add the source clause, or put the LOAD or SELECT it should read right below it.",
};

pub fn check(view: &AppView, out: &mut Sink) {
    super::report_diagnostics(view, out, &[Code::PrecedingLoadWithoutSource]);
}
