//! `QL111` include-missing: `$(Include=…)` of a file that does not exist (the resolver's diagnostic).

use super::prelude::*;

pub static RULE: RuleMeta = RuleMeta {
    code: "QL111",
    name: "include-missing",
    category: Category::Correctness,
    severity: Severity::Warning,
    stability: Stability::Stable,
    summary: "`$(Include=…)` of a file that does not exist",
    why: "Include of a missing file silently includes nothing: the variables, SUBs and tables it should bring are absent and later statements fail or load less.",
    example: "$(Include=lib://Scripts/calendar.qvs);",
    fix: "Fix the path; use `$(Must_Include=…)` so a missing file stops the reload instead of passing silently.",
};

pub fn check(view: &AppView, out: &mut Sink) {
    super::report_diagnostics(view, out, &[Code::IncludeMissing]);
}
