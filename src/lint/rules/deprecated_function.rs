//! `QL601` deprecated-function: a function the engine's grammar marks deprecated.

use super::prelude::*;
use crate::syntax::grammar_tables::function;

pub static RULE: RuleMeta = RuleMeta {
    code: "QL601",
    name: "deprecated-function",
    category: Category::Compatibility,
    severity: Severity::Warning,
    stability: Stability::Stable,
    summary: "a function the engine marks deprecated",
    why: "Deprecated functions (flag `qDepr` in the engine's grammar) still run but may be removed in a later release, and most have a direct replacement (NumSum → RangeSum, QVUser → OSUser).",
    example: "LET vTotal = NumSum(1, 2, 3);",
    fix: "Use the replacement the help names (`RangeSum`, `RangeAvg`, `RangeCount`, `RangeMax`, `RangeMin`, `OSUser`, `EngineVersion`…).",
};

/// The usual replacement of a deprecated function.
fn replacement(name: &str) -> Option<&'static str> {
    Some(match name.to_ascii_lowercase().as_str() {
        "numsum" => "RangeSum",
        "numavg" => "RangeAvg",
        "numcount" => "RangeCount",
        "nummax" => "RangeMax",
        "nummin" => "RangeMin",
        "qvuser" => "OSUser",
        "qlikviewversion" => "EngineVersion",
        "qliktechblue" | "qliktechgray" => "RGB",
        "year2date" => "InYearToDate",
        _ => return None,
    })
}

pub fn check(view: &AppView, out: &mut Sink) {
    for call in &view.calls {
        let Some(info) = function(&call.name).filter(|f| f.deprecated) else {
            continue;
        };
        let finding = out.report(
            call.file,
            call.name_span,
            format!("`{}` is deprecated", info.name),
        );
        if let Some(new) = replacement(info.name) {
            finding.help(format!("use `{new}` instead"));
        }
    }
}
