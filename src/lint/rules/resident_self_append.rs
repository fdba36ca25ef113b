//! `QL204` resident-self-append: `LOAD … RESIDENT T` with T's own fields and no NOCONCATENATE,
//! which appends T to itself.

use super::prelude::*;
use crate::semantic::model::{LoadKind, SourceKind};

pub static RULE: RuleMeta = RuleMeta {
    code: "QL204",
    name: "resident-self-append",
    category: Category::Suspicious,
    severity: Severity::Warning,
    stability: Stability::Stable,
    summary: "a RESIDENT load of a table that auto-concatenates back into that table",
    why: "A RESIDENT load that keeps the same field set is appended to the table it reads: the rows double, and the usual `DROP TABLE` of the source afterwards drops everything.",
    example: "Orders: LOAD OrderID, Amount FROM [lib://QVD/Orders.qvd] (qvd);\nSorted: LOAD OrderID, Amount RESIDENT Orders ORDER BY OrderID;\nDROP TABLE Orders;",
    fix: "Add NOCONCATENATE before the LOAD.",
};

pub fn check(view: &AppView, out: &mut Sink) {
    let mut seen = std::collections::HashSet::new();
    for load in &view.model.loads {
        let self_read = load.kind == LoadKind::AutoConcatenate
            && load.source.kind == Some(SourceKind::Resident)
            && load.source.path.as_deref() == Some(load.target.as_str());
        if !self_read || !seen.insert((load.location.file, load.location.span.start)) {
            continue;
        }
        out.report(
            load.location.file,
            load.location.span,
            format!(
                "this RESIDENT load of `{}` has its fields and is appended to `{}` itself",
                load.target, load.target
            ),
        )
        .note("the rows double, and a DROP TABLE of the source afterwards drops all of them")
        .help("add NOCONCATENATE before the LOAD");
    }
}
