//! `QL202` unused-mapping-table: a MAPPING load no ApplyMap, MapSubString or USING names.

use super::prelude::*;
use crate::syntax::ast::Prefix;

pub static RULE: RuleMeta = RuleMeta {
    code: "QL202",
    name: "unused-mapping-table",
    category: Category::Suspicious,
    severity: Severity::Warning,
    stability: Stability::Stable,
    summary: "a mapping table that nothing in the script uses",
    why: "Mapping tables are dropped at the end of the reload: one nothing uses only costs reload time, and usually means the ApplyMap that should use it names another table or was deleted.",
    example: "RegionMap: MAPPING LOAD * INLINE [Code, Region\nSE, North];\nCustomers: LOAD Id, Code INLINE [Id, Code\n1, SE];",
    fix: "Use it (`ApplyMap('RegionMap', Code)`), or delete the mapping load.",
};

pub fn check(view: &AppView, out: &mut Sink) {
    let uses = super::unknown_mapping_table::mapping_uses(view);
    // A name only the reload knows may be any mapping table: nothing can be called unused.
    if uses.iter().any(|(_, _, name)| name.is_none()) {
        return;
    }
    let mut reported = std::collections::HashSet::new();
    for s in &view.stmts {
        if !s
            .stmt
            .prefixes
            .iter()
            .any(|p| matches!(p, Prefix::Mapping(_)))
        {
            continue;
        }
        let Some(label) = s.stmt.prefixes.iter().find_map(|p| match p {
            Prefix::Label(l) => Some(l),
            _ => None,
        }) else {
            continue;
        };
        if label.is_templated()
            || uses
                .iter()
                .any(|(_, _, n)| n.is_some_and(|n| n.eq_ignore_ascii_case(&label.text)))
            || !reported.insert(label.text.to_lowercase())
        {
            continue;
        }
        out.report(
            s.file,
            label.span,
            format!("mapping table `{}` is loaded but never used", label.text),
        )
        .help(format!(
            "use it with `ApplyMap('{}', …)` or `MAP … USING {}`, or delete the load",
            label.text, label.text
        ));
    }
}
