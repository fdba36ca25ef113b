//! `QL110` must-include-missing: `$(Must_Include=…)` of a file that does not exist (the resolver's diagnostic).

use super::prelude::*;

pub static RULE: RuleMeta = RuleMeta {
    code: "QL110",
    name: "must-include-missing",
    category: Category::Correctness,
    severity: Severity::Error,
    stability: Stability::Stable,
    summary: "`$(Must_Include=…)` of a file that does not exist",
    why: "Must_Include fails the reload when the file is missing: the script cannot run in any environment where the path does not resolve.",
    example: "$(Must_Include=lib://Scripts/config.qvs);",
    fix: "Fix the path or the connection; use `$(Include=…)` only if the file is truly optional.",
};

pub fn check(view: &AppView, out: &mut Sink) {
    super::report_diagnostics(view, out, &[Code::MustIncludeMissing]);
}
