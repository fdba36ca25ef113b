//! `QL107` unknown-mapping-table: ApplyMap, MapSubString, MAP … USING or RENAME … USING
//! naming a mapping table the script never loads.

use super::prelude::*;
use crate::lint::similar::suggest;
use crate::semantic::model::FileId;
use crate::syntax::ast::Prefix;

pub static RULE: RuleMeta = RuleMeta {
    code: "QL107",
    name: "unknown-mapping-table",
    category: Category::Correctness,
    severity: Severity::Error,
    stability: Stability::Stable,
    summary: "ApplyMap, MapSubString or USING naming a mapping table that is never loaded",
    why: "ApplyMap of an unknown mapping table fails the reload (\"Mapping table not found\"); MAP … USING an unknown one does too. Mapping tables exist only during the reload, so they must be loaded earlier in the same script.",
    example: "CountryMap: MAPPING LOAD * INLINE [Code, Name\nSE, Sweden];\nCustomers: LOAD Id, ApplyMap('CountyMap', Code) AS Country INLINE [Id, Code\n1, SE];",
    fix: "Correct the name, or load the mapping table (`Name: MAPPING LOAD key, value …`) before its first use.",
};

/// The mapping tables the script loads, by label; `None` when one of them has no label or a
/// label only expansion decides, so the set of names is not known.
pub(super) fn mapping_labels<'v>(view: &AppView<'v>) -> Option<Vec<&'v str>> {
    let mut names = Vec::new();
    for s in &view.stmts {
        if !s
            .stmt
            .prefixes
            .iter()
            .any(|p| matches!(p, Prefix::Mapping(_)))
        {
            continue;
        }
        let label = s.stmt.prefixes.iter().find_map(|p| match p {
            Prefix::Label(l) => Some(l),
            _ => None,
        })?;
        if label.is_templated() {
            return None;
        }
        names.push(label.text.as_str());
    }
    if view
        .stmts
        .iter()
        .any(|s| matches!(s.stmt.kind, StmtKind::Dynamic(_)))
    {
        return None;
    }
    Some(names)
}

/// Every place a mapping table is named: `(file, span, name)`; `None` in the name when the
/// name is not a literal (so any mapping table may be the one used).
pub(super) fn mapping_uses<'v>(view: &'v AppView) -> Vec<(FileId, Span, Option<&'v str>)> {
    let mut uses = Vec::new();
    for call in &view.calls {
        if call.name.eq_ignore_ascii_case("ApplyMap")
            || call.name.eq_ignore_ascii_case("MapSubString")
        {
            let name = call.first_string.as_deref().filter(|n| !n.contains("$("));
            uses.push((call.file, call.span, name));
        }
    }
    for s in &view.stmts {
        let using = match &s.stmt.kind {
            StmtKind::Map(map) => Some(&map.mapping),
            StmtKind::Rename(r) => r.using.as_ref(),
            StmtKind::Comment(c) => c.using.as_ref(),
            StmtKind::Tag(t) => t.using.as_ref(),
            _ => None,
        };
        if let Some(name) = using {
            let literal = (!name.is_templated()).then_some(name.text.as_str());
            uses.push((s.file, name.span, literal));
        }
    }
    uses
}

pub fn check(view: &AppView, out: &mut Sink) {
    let Some(labels) = mapping_labels(view) else {
        return;
    };
    for (file, span, name) in mapping_uses(view) {
        let Some(name) = name else { continue };
        if labels.iter().any(|l| l.eq_ignore_ascii_case(name)) {
            continue;
        }
        let finding = out.report(
            file,
            span,
            format!("mapping table `{name}` is never loaded by this script"),
        );
        finding.note("the reload fails with \"Mapping table not found\"");
        match suggest(name, labels.iter().copied()) {
            Some(near) => finding.help(format!("did you mean `{near}`?")),
            None => finding.help("load it with `MAPPING LOAD` before this statement"),
        };
    }
}
