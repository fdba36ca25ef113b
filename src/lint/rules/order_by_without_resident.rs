//! `QL108` order-by-without-resident: ORDER BY on a LOAD that does not read RESIDENT (the parser's diagnostic).

use super::prelude::*;

pub static RULE: RuleMeta = RuleMeta {
    code: "QL108",
    name: "order-by-without-resident",
    category: Category::Correctness,
    severity: Severity::Error,
    stability: Stability::Stable,
    summary: "ORDER BY on a LOAD that does not read RESIDENT",
    why: "Qlik sorts only resident tables: ORDER BY on a file, inline or QVD load fails the reload with a syntax error.",
    example: "Orders: LOAD OrderID, Amount FROM [lib://Data/orders.csv] (txt) ORDER BY OrderID;",
    fix: "Load the file first, then `LOAD … RESIDENT Orders ORDER BY OrderID;` into a new table and drop the first.",
};

pub fn check(view: &AppView, out: &mut Sink) {
    super::report_diagnostics(view, out, &[Code::OrderByWithoutResident]);
}
