//! `QL112` unreachable-after-exit: statements after an unconditional EXIT SCRIPT in the same
//! block.

use super::prelude::*;
use crate::syntax::ast::ExitTarget;

pub static RULE: RuleMeta = RuleMeta {
    code: "QL112",
    name: "unreachable-after-exit",
    category: Category::Suspicious,
    severity: Severity::Warning,
    stability: Stability::Stable,
    summary: "statements after an unconditional EXIT SCRIPT in the same block",
    why: "EXIT SCRIPT ends the reload successfully: nothing after it in the block ever runs. An EXIT SCRIPT left from debugging silently skips the rest of the load, and the app publishes with missing tables.",
    example: "Orders: LOAD * FROM [lib://QVD/Orders.qvd] (qvd);\nEXIT SCRIPT;\nCustomers: LOAD * FROM [lib://QVD/Customers.qvd] (qvd);",
    fix: "Delete the EXIT SCRIPT, make it conditional (`EXIT SCRIPT WHEN …;`), or delete the dead statements.",
};

pub fn check(view: &AppView, out: &mut Sink) {
    for (file, tree) in view.trees.iter().enumerate() {
        check_block(&tree.statements, file as u32, out);
    }
}

fn check_block(block: &[Stmt], file: u32, out: &mut Sink) {
    let mut exited = false;
    let mut dead: Option<Span> = None;
    for stmt in block {
        if exited {
            if stmt.kind != StmtKind::Empty {
                dead = Some(dead.map_or(stmt.span, |d| d.cover(stmt.span)));
            }
            continue;
        }
        for child_block in blocks_of(stmt) {
            check_block(child_block, file, out);
        }
        if let StmtKind::Exit(exit) = &stmt.kind {
            if exit.target == ExitTarget::Script
                && exit.condition.is_none()
                && stmt.prefixes.is_empty()
            {
                exited = true;
            }
        }
    }
    if let Some(dead) = dead {
        out.report(
            file,
            dead,
            "unreachable: an EXIT SCRIPT above ends the reload first",
        )
        .help("delete the EXIT SCRIPT or make it conditional (`EXIT SCRIPT WHEN …;`)");
    }
}

/// The block bodies a statement holds.
fn blocks_of(stmt: &Stmt) -> Vec<&[Stmt]> {
    match &stmt.kind {
        StmtKind::If(s) => s
            .branches
            .iter()
            .map(|b| b.body.as_slice())
            .chain(s.else_branch.iter().map(|e| e.body.as_slice()))
            .collect(),
        StmtKind::For(s) => vec![&s.body],
        StmtKind::ForEach(s) => vec![&s.body],
        StmtKind::Do(s) => vec![&s.body],
        StmtKind::Sub(s) => vec![&s.body],
        StmtKind::Switch(s) => s
            .cases
            .iter()
            .map(|c| c.body.as_slice())
            .chain(s.default.iter().map(|d| d.body.as_slice()))
            .collect(),
        _ => Vec::new(),
    }
}
