//! `QL212` field-unused-by-charts: a field the script loads that no chart, master item or
//! variable of the app reads (needs the app's objects: a site snapshot or unbuild folder).

use super::prelude::*;
use crate::lineage::{charts, ids::id};

pub static RULE: RuleMeta = RuleMeta {
    code: "QL212",
    name: "field-unused-by-charts",
    category: Category::Suspicious,
    severity: Severity::Info,
    stability: Stability::Preview,
    summary: "a loaded field that no chart, master item or variable of the app reads",
    why: "Every field costs RAM and reload time in every copy of the app; a field nothing shows is usually a leftover. Needs the app's objects (a site snapshot app folder or a qlik-cli unbuild folder). Key fields (shared by two tables) and fields named with `%` or `_` (the hidden-field conventions) are left out. Preview: filter panes and selections by search also use fields the objects may not name.",
    example: "// with objects/ beside the script, none reading CustomerFax\nCustomers: LOAD CustomerID, Name, CustomerFax FROM [lib://QVD/Customers.qvd] (qvd);",
    fix: "Drop the field from the LOAD (an optimised QVD load stays optimised), or keep it with a `%` prefix and `SET HidePrefix='%';` when it is there on purpose.",
};

pub fn check(view: &AppView, out: &mut Sink) {
    let Some(dir) = view.app_dir else {
        return;
    };
    let has_objects = dir.join("objects").is_dir()
        || ["measures.json", "dimensions.json", "variables.json"]
            .iter()
            .any(|f| dir.join(f).is_file());
    if !has_objects {
        return;
    }
    const APP: &str = "lint";
    let facts = charts::facts(APP, dir, view.model, &[]);
    let read: std::collections::HashSet<&str> = facts
        .edges
        .iter()
        .map(|(from, _, _)| from.as_str())
        .collect();
    let mut tables_of: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for table in &view.model.tables {
        for field in &table.fields {
            *tables_of.entry(field.name.as_str()).or_default() += 1;
        }
    }
    for table in &view.model.tables {
        if table.fields_incomplete {
            continue;
        }
        for field in &table.fields {
            let name = field.name.as_str();
            if tables_of[name] > 1
                || name.starts_with('%')
                || name.starts_with('_')
                || read.contains(id::app_field(APP, &table.name, name).as_str())
            {
                continue;
            }
            let Some(load) = table.sources.first().and_then(|&i| view.model.loads.get(i)) else {
                continue;
            };
            out.report(
                load.location.file,
                load.location.span,
                format!("field `{name}` of `{}` is read by no chart, master item or variable", table.name),
            )
            .help("drop it from the load, or hide it with a `%` prefix and HidePrefix if it is kept on purpose");
        }
    }
}
