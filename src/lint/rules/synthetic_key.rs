//! `QL205` synthetic-key: tables that share more than one field (a synthetic key) (the resolver's diagnostic).

use super::prelude::*;

pub static RULE: RuleMeta = RuleMeta {
    code: "QL205",
    name: "synthetic-key",
    category: Category::Suspicious,
    severity: Severity::Warning,
    stability: Stability::Stable,
    summary: "tables that share more than one field (a synthetic key)",
    why: "The engine joins tables on every field they share; two or more shared fields build a `$Syn` table of their combinations, which costs memory, slows selections and often links records that should not be linked.",
    example: "Orders: LOAD OrderID, CustomerID, Amount FROM [lib://QVD/Orders.qvd] (qvd);\nReturns: LOAD OrderID, CustomerID, Reason FROM [lib://QVD/Returns.qvd] (qvd);",
    fix: "Keep one key field: rename or QUALIFY the others, or build one composite key (`OrderID & '|' & CustomerID AS OrderKey`).",
};

pub fn check(view: &AppView, out: &mut Sink) {
    super::report_diagnostics(view, out, &[Code::SyntheticKey]);
}
