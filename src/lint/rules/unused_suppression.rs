//! `QL501` unused-suppression: a `// qlineage: ignore …` comment that suppressed nothing. The
//! driver reports it after matching suppressions to findings; `check` has nothing to read.

use super::prelude::*;

pub static RULE: RuleMeta = RuleMeta {
    code: "QL501",
    name: "unused-suppression",
    category: Category::Style,
    severity: Severity::Warning,
    stability: Stability::Stable,
    summary: "an inline suppression that suppresses nothing",
    why: "A suppression left after the code it excused was fixed hides the next real finding on that statement; an unknown code in it is a typo that suppresses nothing.",
    example: "// qlineage: ignore QL302\nOrders: SQL SELECT OrderID FROM dbo.Orders;",
    fix: "Delete the suppression, or correct the code it names.",
};

pub fn check(_view: &AppView, _out: &mut Sink) {}
