//! `QL603` deprecated-filters: the `filters(…)` transformation steps of a file format spec.

use super::prelude::*;
use crate::syntax::ast::{FormatItem, LoadSource};

pub static RULE: RuleMeta = RuleMeta {
    code: "QL603",
    name: "deprecated-filters",
    category: Category::Compatibility,
    severity: Severity::Warning,
    stability: Stability::Stable,
    summary: "the deprecated `filters(…)` file transformation in a format spec",
    why: "`filters(Remove(Row, …), Rotate(…))` comes from QlikView's file wizard; Qlik Sense keeps it for old scripts only, its data load editor cannot edit it, and it hides the real shape of the source from readers and from lineage.",
    example: "Budget: LOAD * FROM [lib://Data/budget.xlsx] (ooxml, embedded labels, filters(Remove(Row, Pos(Top, 1))));",
    fix: "Express the transformation in the LOAD: `WHERE`, `header is n lines`, CROSSTABLE or a RESIDENT pass.",
};

pub fn check(view: &AppView, out: &mut Sink) {
    for s in &view.stmts {
        let StmtKind::Load(load) = &s.stmt.kind else {
            continue;
        };
        let LoadSource::From(from) = &load.source else {
            continue;
        };
        for item in from.format.iter().flat_map(|f| &f.items) {
            if let FormatItem::Filters(raw) = item {
                out.report(s.file, raw.span, "`filters(…)` is deprecated")
                    .help(
                    "write the transformation in the LOAD (WHERE, header is n lines, CROSSTABLE)",
                );
            }
        }
    }
}
