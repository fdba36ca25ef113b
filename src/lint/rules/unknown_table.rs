//! `QL106` unknown-table: DROP, STORE, RESIDENT, JOIN or CONCATENATE naming a table that does
//! not exist at that point (the resolver's QM301), with the closest table name.

use super::prelude::*;
use crate::lint::similar::suggest;

pub static RULE: RuleMeta = RuleMeta {
    code: "QL106",
    name: "unknown-table",
    category: Category::Correctness,
    severity: Severity::Error,
    stability: Stability::Stable,
    summary: "a statement names a table that does not exist at that point",
    why: "DROP TABLE, STORE, RESIDENT, JOIN (T) and CONCATENATE (T) of a table that does not exist fail the reload with \"Table not found\". Often the table was auto-concatenated into another one, renamed, dropped earlier, or its name is misspelt.",
    example: "Orders: LOAD * INLINE [OrderID\n1];\nDROP TABLE Order;",
    fix: "Use the name the table has at that point (see `qlineage model`), or give the load a label / NOCONCATENATE so the table exists under that name.",
};

pub fn check(view: &AppView, out: &mut Sink) {
    let tables = view.table_names();
    for (file, d) in super::diagnostics_with(view, &[Code::UnknownTable]) {
        let finding = out.report(file, d.span, d.message.clone());
        finding.notes = d.notes.clone();
        if let Some(near) =
            super::quoted_name(&d.message).and_then(|name| suggest(name, tables.iter().copied()))
        {
            finding.help(format!("did you mean `{near}`?"));
        }
    }
}
