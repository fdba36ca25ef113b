//! `QL206` circular-reference: tables whose shared fields form a loop (the resolver's diagnostic).

use super::prelude::*;

pub static RULE: RuleMeta = RuleMeta {
    code: "QL206",
    name: "circular-reference",
    category: Category::Suspicious,
    severity: Severity::Warning,
    stability: Stability::Stable,
    summary: "tables whose shared fields form a loop",
    why: "The engine cannot associate a loop: it loosens one table of it, so some selections stop propagating, and which one is loosened depends on load order.",
    example: "Orders: LOAD OrderID, CustomerID, StoreID FROM [lib://QVD/Orders.qvd] (qvd);\nCustomers: LOAD CustomerID, StoreID FROM [lib://QVD/Customers.qvd] (qvd);",
    fix: "Break the loop: rename one of the fields, or concatenate the tables into one link table.",
};

pub fn check(view: &AppView, out: &mut Sink) {
    super::report_diagnostics(view, out, &[Code::CircularReference]);
}
