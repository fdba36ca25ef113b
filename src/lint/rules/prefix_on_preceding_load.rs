//! `QL115` prefix-on-preceding-load: JOIN, KEEP, CROSSTABLE or INTERVALMATCH on a preceding-load
//! stack, where Qlik does not apply them.

use super::prelude::*;
use crate::syntax::ast::Prefix;

pub static RULE: RuleMeta = RuleMeta {
    code: "QL115",
    name: "prefix-on-preceding-load",
    category: Category::Correctness,
    severity: Severity::Error,
    stability: Stability::Stable,
    summary: "JOIN, KEEP, CROSSTABLE or INTERVALMATCH used with a preceding load",
    why: "Qlik's help on preceding loads: the prefixes Join, Crosstable and Intervalmatch cannot be used in conjunction with a preceding LOAD. On a lower level of the stack a prefix (JOIN, KEEP, CONCATENATE, CROSSTABLE…) is not applied to the table at all: the level only feeds the LOAD above it.",
    example: "Facts:\nCROSSTABLE(Month, Amount) LOAD Region, Jan, Feb;\nLOAD * FROM [lib://Data/budget.xlsx] (ooxml, embedded labels);",
    fix: "Load into a temporary table first, then apply the prefix in a separate `LOAD … RESIDENT Temp;` and drop the temporary table.",
};

fn is_restricted(prefix: &Prefix, lower: bool) -> bool {
    match prefix {
        Prefix::CrossTable(_) | Prefix::IntervalMatch(_) => true,
        Prefix::Join(_) | Prefix::Keep(_) | Prefix::Concatenate(_) | Prefix::Mapping(_) => lower,
        _ => false,
    }
}

pub fn check(view: &AppView, out: &mut Sink) {
    for s in &view.stmts {
        if !(s.preceding_level || s.chain_top) {
            continue;
        }
        for prefix in &s.stmt.prefixes {
            if !is_restricted(prefix, s.preceding_level) {
                continue;
            }
            let text = view.text(s.file, prefix.span());
            let head = text.split('(').next().unwrap_or(text);
            let word = head
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_uppercase();
            let message = if s.preceding_level {
                format!("`{word}` on a lower level of a preceding-load stack is not applied")
            } else {
                format!("`{word}` cannot be used with a preceding load")
            };
            out.report(s.file, prefix.span(), message).help(
                "load into a temporary table, then apply the prefix in a `LOAD … RESIDENT` of it",
            );
        }
    }
}
