//! `QL119` unknown-field: a LOAD expression, WHERE, WHILE, GROUP BY or ORDER BY reading a field
//! its input does not have, where the input's fields are known exactly (the resolver's
//! [`crate::semantic::field_reads`] facts), with the closest input field.

use super::prelude::*;
use crate::lint::similar::suggest;

pub static RULE: RuleMeta = RuleMeta {
    code: "QL119",
    name: "unknown-field",
    category: Category::Correctness,
    severity: Severity::Error,
    stability: Stability::Stable,
    summary: "a LOAD reads a field its input does not have",
    why: "A name in a LOAD's field list, WHERE, WHILE, GROUP BY or ORDER BY is a field of the LOAD's input: the resident table, the QVD, the INLINE data, or the LOAD below a preceding load. When the input has no such field the reload fails with \"Field not found\". Field names are case-sensitive, and a LOAD cannot read the aliases it defines itself. Checked only where the input's fields are known exactly: a RESIDENT table created unconditionally, INLINE data, AUTOGENERATE (no input fields), a QVD whose header was read, and a preceding load over one of those or over an explicit field list. SQL results (the driver decides the case of column names), text files, `*` over an unknown source, statements holding a `$(…)` the resolver could not expand, section access and loads under an undecidable condition are not checked. Functions that name loaded data (`Exists`' first argument, `Peek`, `FieldValue`, `FieldIndex`, `Lookup`…) are not input reads.",
    example: "Orders: LOAD * INLINE [OrderID, Amount\n1, 10];\nTotals: LOAD Sum(Amout) AS Total RESIDENT Orders;",
    fix: "Use the field's name as the input has it (see `qlineage model`), including its case and any QUALIFY prefix; to read a field computed in the same LOAD, compute it in a preceding LOAD above.",
};

pub fn check(view: &AppView, out: &mut Sink) {
    for missing in view.missing_fields {
        let name = missing.name.as_str();
        let finding = out.report(
            missing.location.file,
            missing.location.span,
            format!("`{name}` is not a field of {}", missing.input),
        );
        finding.note(format!(
            "read in the {}: the reload fails with \"Field not found\"",
            missing.clause.as_str()
        ));
        let same_but_case = missing
            .available
            .iter()
            .find(|f| f.to_lowercase() == name.to_lowercase());
        let qualified = missing
            .available
            .iter()
            .find(|f| f.strip_suffix(name).is_some_and(|q| q.ends_with('.')));
        if let Some(field) = same_but_case {
            finding.help(format!(
                "field names are case-sensitive: did you mean `{field}`?"
            ));
        } else if let Some(field) = qualified {
            finding.help(format!(
                "the input's fields are qualified (QUALIFY): did you mean `{field}`?"
            ));
        } else if missing.defined_here {
            finding.help(format!(
                "`{name}` is defined by this same LOAD, which cannot read its own fields: compute it in a preceding LOAD above this one"
            ));
        } else if let Some(near) = suggest(name, missing.available.iter().map(String::as_str)) {
            finding.help(format!("did you mean `{near}`?"));
        } else if missing.available.is_empty() {
            finding.help(
                "the input has no fields: use a constant, a variable (`$(v)`) or RecNo()/IterNo()",
            );
        }
    }
}
