//! Fields a LOAD reads that its input does not have: the engine's "Field not found" at reload.
//!
//! Recorded only when the caller keeps syntax trees for the linter
//! ([`super::ResolveOptions::keep_syntax`]), and only where the input's field names are exact:
//! a RESIDENT table created unconditionally, INLINE data, AUTOGENERATE (no input fields), a
//! QVD whose header was read, or a preceding level over a LOAD whose output is one of those or
//! an explicit field list. SQL results (the driver decides the case of column names), text
//! files, `*` over an unknown source, statements still holding a `$(…)`, section access (the
//! engine upper-cases it) and loads under an undecidable condition are never checked, so what
//! is recorded is certain on the path the resolver followed.

use super::control_flow::{Machine, Origin};
use super::model::{Field, LoadSourceInfo, Location, SourceKind};
use crate::syntax::ast::{Expr, LoadField, LoadSource, Prefix, StmtKind, StmtLoad};

/// Where in a LOAD a missing field is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clause {
    Field,
    Where,
    While,
    GroupBy,
    OrderBy,
}

impl Clause {
    pub fn as_str(self) -> &'static str {
        match self {
            Clause::Field => "field list",
            Clause::Where => "WHERE clause",
            Clause::While => "WHILE clause",
            Clause::GroupBy => "GROUP BY",
            Clause::OrderBy => "ORDER BY",
        }
    }
}

/// One read of a field the input does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingField {
    /// The name as written (its span), in the original file.
    pub location: Location,
    /// The field name, without quotes.
    pub name: String,
    pub clause: Clause,
    /// What the input is, in words (`resident table \`Orders\``, `the INLINE data`…).
    pub input: String,
    /// The input's field names (for "did you mean").
    pub available: Vec<String>,
    /// Fields this LOAD itself defines with that name (a LOAD cannot read its own aliases).
    pub defined_here: bool,
}

/// The reads recorded so far, with a set for the loops that run a statement again.
#[derive(Debug, Default)]
pub(super) struct MissingFields {
    list: Vec<MissingField>,
    seen: std::collections::HashSet<(Location, String)>,
}

impl MissingFields {
    pub(super) fn into_list(self) -> Vec<MissingField> {
        self.list
    }
}

/// Functions whose arguments name fields of the data already loaded (or are strings), not
/// fields of the input: `Exists(Field, expr)`, `Peek(Field)`, `FieldValue(Field, n)`…
const LOADED_DATA_FUNCTIONS: &[&str] = &[
    "exists",
    "peek",
    "fieldvalue",
    "fieldindex",
    "fieldvaluecount",
    "fieldnumber",
    "lookup",
    "noofrows",
];

impl Machine<'_> {
    /// Records the fields `load` reads that `input` lacks (see the module docs for when).
    pub(super) fn note_missing_fields(
        &mut self,
        load: &StmtLoad,
        origin: Origin,
        known: Option<&[Field]>,
        source: &LoadSourceInfo,
    ) {
        if !self.options.keep_syntax || self.is_conditional() || self.state.section_access {
            return;
        }
        let Some(known) = known else {
            return;
        };
        let mut reads: Vec<(&crate::syntax::ast::Ident, Clause)> = Vec::new();
        let mut dynamic = false;
        for field in &load.fields {
            if let LoadField::Expr(fe) = field {
                field_refs(&fe.expr, Clause::Field, &mut reads, &mut dynamic);
                if fe.alias.as_ref().is_some_and(|a| a.is_templated()) {
                    dynamic = true;
                }
            }
        }
        if let Some(filter) = &load.filter {
            let clause = match filter.kind {
                crate::syntax::ast::FilterKind::Where => Clause::Where,
                crate::syntax::ast::FilterKind::While => Clause::While,
            };
            field_refs(&filter.condition, clause, &mut reads, &mut dynamic);
        }
        if let Some(group) = &load.group_by {
            for key in &group.keys {
                field_refs(key, Clause::GroupBy, &mut reads, &mut dynamic);
            }
        }
        if let Some(order) = &load.order_by {
            for key in &order.keys {
                field_refs(&key.key, Clause::OrderBy, &mut reads, &mut dynamic);
            }
        }
        // A `$(…)` left in the statement could stand for anything, a field list included.
        if reads.is_empty() || dynamic || load.tail.is_some() {
            return;
        }
        // Wide inputs are looked up by hash; narrow ones by a scan, which is cheaper there.
        let index: Option<std::collections::HashSet<&str>> =
            (known.len() > 16).then(|| known.iter().map(|f| f.name.as_str()).collect());
        let has = |name: &str| match &index {
            Some(index) => index.contains(name),
            None => known.iter().any(|f| f.name == name),
        };
        let mut missing = reads
            .into_iter()
            .filter(|(ident, _)| !has(ident.text.as_str()))
            .peekable();
        if missing.peek().is_none() {
            return;
        }
        // Described only when something is missing: most loads read what they have.
        let Some(what) = self.exact_input(&load.source, source) else {
            return;
        };
        for (ident, clause) in missing {
            let name = ident.text.as_str();
            let location = origin.loc(ident.span);
            if !self
                .missing_fields
                .seen
                .insert((location, name.to_string()))
            {
                continue;
            }
            let defined_here = load.fields.iter().any(|f| match f {
                LoadField::Expr(fe) => match (&fe.alias, &fe.expr) {
                    (Some(alias), _) => alias.text == name,
                    _ => false,
                },
                LoadField::All(_) => false,
            });
            self.missing_fields.list.push(MissingField {
                location,
                name: name.to_string(),
                clause,
                input: what.clone(),
                available: known.iter().map(|f| f.name.clone()).collect(),
                defined_here,
            });
        }
    }

    /// The input described in words when its field names are exact, `None` otherwise.
    fn exact_input(&self, clause: &LoadSource, input: &LoadSourceInfo) -> Option<String> {
        match clause {
            LoadSource::Resident(table) => {
                let i = self.state.tables.find_any(&table.text)?;
                let t = &self.state.tables.tables[i].table;
                (!t.conditional && !t.fields_incomplete && !table.is_templated())
                    .then(|| format!("resident table `{}`", table.text))
            }
            LoadSource::Inline(_) => Some("the INLINE data".to_string()),
            LoadSource::AutoGenerate(_) => {
                Some("AUTOGENERATE (it has no input fields)".to_string())
            }
            LoadSource::From(from) => (input.kind == Some(SourceKind::Qvd)).then(|| {
                format!(
                    "the QVD `{}`",
                    input.resolved_path.as_deref().unwrap_or(&from.path.text)
                )
            }),
            LoadSource::Preceding(below) => {
                let only_labels = below.prefixes.iter().all(|p| matches!(p, Prefix::Label(_)));
                let StmtKind::Load(lower) = &below.kind else {
                    return None;
                };
                if !only_labels {
                    return None;
                }
                let star = lower.fields.iter().any(|f| matches!(f, LoadField::All(_)));
                if star && self.exact_input(&lower.source, input).is_none() {
                    return None;
                }
                Some("the LOAD below (a preceding load reads only its output fields)".to_string())
            }
            _ => None,
        }
    }
}

/// The field names `expr` reads from the input, with the clause; `dynamic` is set when a
/// `$(…)` remains.
fn field_refs<'e>(
    expr: &'e Expr,
    clause: Clause,
    out: &mut Vec<(&'e crate::syntax::ast::Ident, Clause)>,
    dynamic: &mut bool,
) {
    match expr {
        Expr::Field(ident) => {
            if ident.is_templated() {
                *dynamic = true;
            } else {
                out.push((ident, clause));
            }
        }
        Expr::Dollar(_) => *dynamic = true,
        Expr::Unary(u) => field_refs(&u.operand, clause, out, dynamic),
        Expr::Binary(b) => {
            field_refs(&b.lhs, clause, out, dynamic);
            field_refs(&b.rhs, clause, out, dynamic);
        }
        Expr::Paren(p) => field_refs(&p.inner, clause, out, dynamic),
        Expr::Call(call) => {
            if call.name.is_templated() {
                *dynamic = true;
            }
            let name = LOADED_DATA_FUNCTIONS
                .iter()
                .find(|f| f.eq_ignore_ascii_case(&call.name.text));
            if let Some(&name) = name {
                // Their field arguments name loaded data; the other arguments still read
                // the input (`Exists(Key, OrderID & '|' & Line)` reads OrderID and Line).
                // Only `Exists`' expression and `Lookup`'s match value are read here; the
                // rest are names or positions, skipped rather than guessed.
                let read = match name {
                    "exists" => 1..call.args.len(),
                    "lookup" => 2..call.args.len().min(3),
                    _ => 0..0,
                };
                for arg in call.args.get(read).unwrap_or_default() {
                    field_refs(arg, clause, out, dynamic);
                }
                return;
            }
            for arg in &call.args {
                field_refs(arg, clause, out, dynamic);
            }
        }
        Expr::Tuple(t) => {
            for item in &t.items {
                field_refs(item, clause, out, dynamic);
            }
        }
        Expr::Scoped(s) => field_refs(&s.expr, clause, out, dynamic),
        Expr::Number(_)
        | Expr::String(_)
        | Expr::Position(_)
        | Expr::Param(_)
        | Expr::Keyword(_)
        | Expr::Error(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use crate::semantic::{resolve, AppInput, Connections, ResolveOptions};

    /// The missing names `script` reads, with `keep_syntax` on or off.
    fn missing(script: &str, keep_syntax: bool) -> Vec<String> {
        let input = AppInput::from_text("t.qvs", script, Connections::default());
        let options = ResolveOptions {
            keep_syntax,
            ..ResolveOptions::default()
        };
        let resolved = resolve(&input, &options);
        resolved
            .missing_fields
            .into_iter()
            .map(|m| m.name)
            .collect()
    }

    const ORDERS: &str = "Orders: LOAD * INLINE [OrderID, Amount\n1, 10];\n";

    #[test]
    fn recorded_only_for_the_linter() {
        let script = format!("{ORDERS}T: LOAD Amout AS X RESIDENT Orders;");
        assert_eq!(missing(&script, true), ["Amout"]);
        assert!(missing(&script, false).is_empty());
    }

    #[test]
    fn loaded_data_functions_read_only_their_input_arguments() {
        let script = format!(
            "{ORDERS}T: LOAD Peek(Other, 0, Orders) AS P, FieldValue(Other, 1) AS V, \
             Lookup('Amount', 'OrderID', Missing1, 'Orders') AS L RESIDENT Orders \
             WHERE Exists(Other) AND Exists(Other, Missing2);"
        );
        assert_eq!(missing(&script, true), ["Missing1", "Missing2"]);
    }

    #[test]
    fn loops_record_a_read_once_and_unexpanded_statements_not_at_all() {
        let script = format!(
            "{ORDERS}FOR i = 1 TO 3\n  T$(i): NOCONCATENATE LOAD Nope AS X$(i) RESIDENT Orders;\nNEXT\n\
             U: LOAD $(vUnknown) AS Y, Nope AS Z RESIDENT Orders;"
        );
        assert_eq!(missing(&script, true), ["Nope"]);
    }
}
