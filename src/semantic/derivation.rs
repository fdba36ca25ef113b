//! Field-level derivation: which input fields an output expression reads, and how.
//!
//! The classification follows what matters for lineage: a plain copy (identity or rename),
//! a computation, an aggregation, a mapping lookup (which also reads the mapping table), or a
//! constant. Field names in a LOAD expression are fields of the load's input, never variables.

use crate::syntax::ast::{Expr, LoadFieldExpr};

use super::model::Transform;

/// What one LOAD field expression reads; names borrow from the expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExprReads<'a> {
    /// Input field names, in order of appearance, without repeats (inline up to four: one
    /// per LOAD field expression, most read one or two).
    pub fields: Names<'a>,
    /// Mapping tables named in `ApplyMap('M', …)` / `MapSubString('M', …)`.
    pub mappings: Names<'a>,
    pub transform: Transform,
}

pub type Names<'a> = smallvec::SmallVec<[&'a str; 4]>;

/// Aggregation functions of the script (GROUP BY loads).
const AGGREGATIONS: &[&str] = &[
    "sum",
    "count",
    "min",
    "max",
    "avg",
    "only",
    "concat",
    "firstsortedvalue",
    "minstring",
    "maxstring",
    "mode",
    "median",
    "stdev",
    "fractile",
    "firstvalue",
    "lastvalue",
    "nullcount",
    "numericcount",
    "textcount",
    "missingcount",
];

/// True for the aggregation functions of scripts and charts (`Sum`, `Count`, `Only`…).
pub fn is_aggregation(function: &str) -> bool {
    AGGREGATIONS
        .iter()
        .any(|a| a.eq_ignore_ascii_case(function))
}

/// Reads an output field's expression. `name` is the output name (alias or the field).
pub fn reads<'a>(field: &'a LoadFieldExpr, output_name: &str) -> ExprReads<'a> {
    let mut fields = Names::new();
    let mut mappings = Names::new();
    let mut aggregation = false;
    collect(&field.expr, &mut fields, &mut mappings, &mut aggregation);
    let transform = match &field.expr {
        Expr::Field(ident) if ident.text == output_name => Transform::Identity,
        Expr::Field(_) => Transform::Rename,
        _ if !mappings.is_empty() => Transform::Mapping,
        _ if aggregation => Transform::Aggregation,
        _ if fields.is_empty() => Transform::Constant,
        _ => Transform::Expression,
    };
    ExprReads {
        fields,
        mappings,
        transform,
    }
}

fn collect<'a>(
    expr: &'a Expr,
    fields: &mut Names<'a>,
    mappings: &mut Names<'a>,
    aggregation: &mut bool,
) {
    match expr {
        Expr::Field(ident) => {
            if !fields.contains(&ident.text.as_str()) {
                fields.push(ident.text.as_str());
            }
        }
        Expr::Position(p) => {
            if !fields.contains(&p.text.as_str()) {
                fields.push(p.text.as_str());
            }
        }
        Expr::Unary(u) => collect(&u.operand, fields, mappings, aggregation),
        Expr::Binary(b) => {
            collect(&b.lhs, fields, mappings, aggregation);
            collect(&b.rhs, fields, mappings, aggregation);
        }
        Expr::Paren(p) => collect(&p.inner, fields, mappings, aggregation),
        Expr::Call(call) => {
            let name = call.name.text.as_str();
            if is_aggregation(name) {
                *aggregation = true;
            }
            let mut args = call.args.iter();
            if name.eq_ignore_ascii_case("applymap") || name.eq_ignore_ascii_case("mapsubstring") {
                if let Some(first) = args.next() {
                    match first {
                        Expr::String(s) => mappings.push(s.value.as_str()),
                        other => collect(other, fields, mappings, aggregation),
                    }
                }
            }
            for arg in args {
                collect(arg, fields, mappings, aggregation);
            }
        }
        Expr::Tuple(t) => {
            for item in &t.items {
                collect(item, fields, mappings, aggregation);
            }
        }
        Expr::Scoped(s) => collect(&s.expr, fields, mappings, aggregation),
        Expr::Number(_)
        | Expr::String(_)
        | Expr::Dollar(_)
        | Expr::Param(_)
        | Expr::Keyword(_)
        | Expr::Error(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::ast::{LoadField, StmtKind};

    /// The reads of a load's first field, owned: (fields, mappings, transform).
    fn first_field(load: &str) -> (Owned, String) {
        let parsed = crate::syntax::parse_str(load);
        let StmtKind::Load(l) = &parsed.script.statements[0].kind else {
            panic!("not a load: {load}");
        };
        let LoadField::Expr(f) = &l.fields[0] else {
            panic!("star");
        };
        let name = f
            .alias
            .as_ref()
            .map(|a| a.text.as_str().to_owned())
            .unwrap_or_else(|| load.to_string());
        let r = reads(f, &name);
        let owned = |v: Names| v.into_iter().map(str::to_string).collect();
        (
            Owned {
                fields: owned(r.fields),
                mappings: owned(r.mappings),
                transform: r.transform,
            },
            name,
        )
    }

    struct Owned {
        fields: Vec<String>,
        mappings: Vec<String>,
        transform: Transform,
    }

    #[test]
    fn kinds() {
        let (r, _) = first_field("LOAD OrderID as OrderID INLINE [OrderID\n1];");
        assert_eq!(r.transform, Transform::Identity);
        let (r, _) = first_field("LOAD OrderID as ID INLINE [OrderID\n1];");
        assert_eq!(
            (r.transform, r.fields),
            (Transform::Rename, vec!["OrderID".to_string()])
        );
        let (r, _) = first_field("LOAD Qty * Price as Amount INLINE [Qty,Price\n1,2];");
        assert_eq!(r.transform, Transform::Expression);
        assert_eq!(r.fields, vec!["Qty", "Price"]);
        let (r, _) = first_field("LOAD Sum(Amount) as Total RESIDENT T GROUP BY K;");
        assert_eq!(r.transform, Transform::Aggregation);
        let (r, _) = first_field("LOAD ApplyMap('CountryMap', Code, 'n/a') as Country RESIDENT T;");
        assert_eq!(r.transform, Transform::Mapping);
        assert_eq!(r.mappings, vec!["CountryMap"]);
        assert_eq!(r.fields, vec!["Code"]);
        let (r, _) = first_field("LOAD 'EUR' as Currency RESIDENT T;");
        assert_eq!(r.transform, Transform::Constant);
    }
}
