//! Checks on a parsed statement: what the grammar accepts but Qlik refuses.

use super::ast::{FormatItem, FormatSpec, LoadSource, Prefix, Stmt, StmtKind};
use super::problem::Problem;
use crate::diagnostics::Diagnostic;

/// Checks that the grammar accepts but Qlik refuses, and format items we do not know.
pub(super) fn check_statement(stmt: &Stmt, diagnostics: &mut Vec<Diagnostic>) {
    let loads_table = matches!(stmt.kind, StmtKind::Load(_) | StmtKind::Select(_));
    let map_like = matches!(stmt.kind, StmtKind::Map(_));
    for prefix in &stmt.prefixes {
        let allowed = loads_table
            || prefix.is_default_prefix()
            || (map_like && matches!(prefix, Prefix::Add(_) | Prefix::Replace(_)));
        if !allowed {
            diagnostics.push(Problem::PrefixNotAllowed.at(prefix.span()));
        }
    }
    let mut check_format = |format: &Option<FormatSpec>| {
        for item in format.iter().flat_map(|f| &f.items) {
            if let FormatItem::Unknown(raw) = item {
                diagnostics.push(Problem::UnknownFormatItem { text: &raw.text }.at(raw.span));
            }
        }
    };
    match &stmt.kind {
        StmtKind::Load(load) => {
            match &load.source {
                LoadSource::From(f) => check_format(&f.format),
                LoadSource::FromField(f) => check_format(&f.format),
                LoadSource::Inline(f) => check_format(&f.format),
                _ => {}
            }
            if let (Some(order_by), false) = (
                &load.order_by,
                matches!(load.source, LoadSource::Resident(_)),
            ) {
                let span = order_by.span;
                diagnostics.push(Problem::OrderByWithoutResident.at(span));
            }
        }
        StmtKind::Store(store) => check_format(&store.format),
        _ => {}
    }
}
