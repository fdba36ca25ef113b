//! `QL201` unused-variable: a variable the script sets and nothing in the script reads.

use super::prelude::*;
use crate::semantic::environment::Environment;
use crate::semantic::model::FileId;
use crate::syntax::ast::Expr;
use crate::syntax::visit::{walk, Visit};

pub static RULE: RuleMeta = RuleMeta {
    code: "QL201",
    name: "unused-variable",
    category: Category::Suspicious,
    severity: Severity::Warning,
    stability: Stability::Preview,
    summary: "a variable set with SET or LET that no statement of the script reads",
    why: "A variable nothing reads is dead code or a typo in the reading place (which then expands to nothing). Preview: variables are also read by charts, which a script alone does not show; list those in the rule's `ignore` option.",
    example: "SET vDataPath = 'lib://Data/';\nOrders: LOAD * FROM [lib://Data/orders.csv] (txt);",
    fix: "Delete the assignment, or use the variable where it was meant to be used. Variables for the front end can be listed in `[lint.rules.unused-variable] ignore = [\"vColor*\"]`.",
};

/// Every SET and LET with its name: `(file, name span, name)`.
pub(super) fn assigned<'v>(view: &AppView<'v>) -> Vec<(FileId, Span, &'v str)> {
    view.stmts
        .iter()
        .filter_map(|s| match &s.stmt.kind {
            StmtKind::Set(set) => Some((s.file, set.name.span, set.name.text.as_str())),
            StmtKind::Let(set) => Some((s.file, set.name.span, set.name.text.as_str())),
            _ => None,
        })
        .collect()
}

/// Names read as plain names in expressions (LET right-hand sides and control conditions
/// read variables without `$(…)`).
struct Names<'o>(&'o mut std::collections::HashSet<String>);

impl Visit for Names<'_> {
    fn visit_expr(&mut self, node: &Expr) {
        if let Expr::Field(name) = node {
            self.0.insert(name.text.to_string());
        }
        walk::expr(self, node)
    }
}

pub fn check(view: &AppView, out: &mut Sink) {
    let ignore = out.option_strings("ignore");
    let mut read: std::collections::HashSet<String> =
        view.dollar_uses.iter().map(|u| u.name.clone()).collect();
    for tree in view.trees {
        Names(&mut read).visit_script(tree);
    }
    // Names passed as strings (`Peek`-style look-ups of variables are rare; `$(…)` built by
    // concatenation cannot be seen): FOR loop variables and CALL by reference also read.
    let mut seen = std::collections::HashSet::new();
    for (file, span, name) in assigned(view) {
        if read.contains(name)
            || Environment::is_system(name)
            || name.contains("$(")
            || ignore.iter().any(|p| crate::wildcard::matches(p, name))
            || !seen.insert(name)
        {
            continue;
        }
        out.report(
            file,
            span,
            format!("variable `{name}` is set but never read by the script"),
        )
        .help("delete it, or list it in `[lint.rules.unused-variable] ignore` if a chart reads it");
    }
}
