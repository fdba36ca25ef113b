//! `QL203` accidental-auto-concatenation: a labelled load whose rows went into another table
//! because the field sets were equal.

use super::prelude::*;
use crate::semantic::model::{LoadKind, SourceKind};
use crate::syntax::ast::Prefix;

pub static RULE: RuleMeta = RuleMeta {
    code: "QL203",
    name: "accidental-auto-concatenation",
    category: Category::Suspicious,
    severity: Severity::Warning,
    stability: Stability::Stable,
    summary: "a labelled load auto-concatenated into another table with the same fields",
    why: "Qlik appends a load to any earlier table with exactly the same field set, whatever its label: the labelled table never exists, later DROP, STORE or RESIDENT of it fail, and the rows land in the other table.",
    example: "Budget: LOAD Region, Amount FROM [lib://Data/budget.csv] (txt);\nActuals: LOAD Region, Amount FROM [lib://Data/actuals.csv] (txt);",
    fix: "Add NOCONCATENATE if the tables must stay apart, or CONCATENATE (Budget) and drop the label if appending is meant.",
};

pub fn check(view: &AppView, out: &mut Sink) {
    let mut seen = std::collections::HashSet::new();
    for load in &view.model.loads {
        if load.kind != LoadKind::AutoConcatenate {
            continue;
        }
        // A RESIDENT load of the table itself is resident-self-append.
        if load.source.kind == Some(SourceKind::Resident)
            && load.source.path.as_deref() == Some(load.target.as_str())
        {
            continue;
        }
        let Some(s) = view.stmt_at(load.location.file, load.location.span.start) else {
            continue;
        };
        let Some(label) = s.stmt.prefixes.iter().find_map(|p| match p {
            Prefix::Label(l) => Some(l),
            _ => None,
        }) else {
            continue;
        };
        if label.is_templated() || label.text == load.target.as_str() {
            continue;
        }
        if !seen.insert((load.location.file, load.location.span.start)) {
            continue;
        }
        out.report(
            s.file,
            label.span,
            format!(
                "`{}` has the same fields as `{}`: its rows are appended there and `{}` never exists",
                label.text, load.target, label.text
            ),
        )
        .help(format!(
            "add NOCONCATENATE to keep `{}` apart, or write CONCATENATE ({}) if appending is meant",
            label.text, load.target
        ));
    }
}
