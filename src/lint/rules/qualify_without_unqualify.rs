//! `QL207` qualify-without-unqualify: `QUALIFY *` with no UNQUALIFY anywhere in the script.

use super::prelude::*;
use crate::syntax::ast::{FieldPattern, FieldPatternsKind};

pub static RULE: RuleMeta = RuleMeta {
    code: "QL207",
    name: "qualify-without-unqualify",
    category: Category::Suspicious,
    severity: Severity::Warning,
    stability: Stability::Stable,
    summary: "QUALIFY * without any UNQUALIFY of the key fields",
    why: "QUALIFY * renames every field to `Table.Field`, key fields included: no two tables share a field, so the data model has no associations at all and selections do not propagate.",
    example: "QUALIFY *;\nOrders: LOAD OrderID, CustomerID FROM [lib://QVD/Orders.qvd] (qvd);\nCustomers: LOAD CustomerID, Name FROM [lib://QVD/Customers.qvd] (qvd);",
    fix: "UNQUALIFY the key fields after QUALIFY * (`UNQUALIFY CustomerID, '%*';`), or qualify only the fields that clash.",
};

pub fn check(view: &AppView, out: &mut Sink) {
    let patterns = view.stmts.iter().filter_map(|s| match &s.stmt.kind {
        StmtKind::FieldPatterns(p) => Some((s, p)),
        _ => None,
    });
    let mut qualify_all = None;
    for (s, p) in patterns {
        match p.kind {
            FieldPatternsKind::Unqualify => return,
            FieldPatternsKind::Qualify
                if qualify_all.is_none()
                    && p.patterns.iter().any(|f| matches!(f, FieldPattern::All(_))) =>
            {
                qualify_all = Some((s.file, s.stmt.span));
            }
            _ => {}
        }
    }
    if let Some((file, span)) = qualify_all {
        out.report(
            file,
            span,
            "QUALIFY * and no UNQUALIFY: no table shares a key field",
        )
        .note("every field becomes `Table.Field`, so tables do not associate")
        .help("UNQUALIFY the key fields after QUALIFY *, e.g. `UNQUALIFY CustomerID;`");
    }
}
