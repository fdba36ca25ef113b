//! `QL301` unoptimized-qvd-load: a QVD load that loses Qlik's optimised (unpacked-in-place)
//! read because of a transformed field or a WHERE other than a single `Exists(field)`.

use super::prelude::*;
use crate::syntax::ast::{Expr, FileType, FilterKind, FormatItem, LoadField, LoadSource};

pub static RULE: RuleMeta = RuleMeta {
    code: "QL301",
    name: "unoptimized-qvd-load",
    category: Category::Performance,
    severity: Severity::Warning,
    stability: Stability::Stable,
    summary: "a QVD load that is not optimised: a transformed field, or a WHERE other than one Exists(field)",
    why: "An optimised QVD load copies the stored symbol and record tables as they are, typically 10 to 100 times faster than a standard load. Any expression on a field (other than a rename), a WHILE, or a WHERE other than `Exists(Field)` with one argument makes the engine unpack and evaluate every row.",
    example: "Orders: LOAD OrderID, Upper(Customer) AS Customer FROM [lib://QVD/Orders.qvd] (qvd) WHERE Year >= 2024;",
    fix: "Load the fields as they are (renames with AS are fine), filter with `WHERE Exists(Year)` against a table of wanted values, and transform in a later RESIDENT load, or store the QVD already transformed.",
};

fn is_qvd(load: &crate::syntax::ast::StmtLoad) -> bool {
    let LoadSource::From(from) = &load.source else {
        return false;
    };
    let declared = from.format.as_ref().map(|f| {
        f.items
            .iter()
            .any(|i| matches!(i, FormatItem::FileType(t) if t.word == FileType::Qvd))
    });
    declared.unwrap_or_else(|| {
        from.path
            .text
            .trim_end_matches([']', '"', '\''])
            .to_ascii_lowercase()
            .ends_with(".qvd")
    })
}

fn single_exists(condition: &Expr) -> bool {
    let inner = match condition {
        Expr::Paren(p) => &p.inner,
        other => other,
    };
    matches!(inner, Expr::Call(c) if c.name.text.eq_ignore_ascii_case("Exists") && c.args.len() == 1)
}

pub fn check(view: &AppView, out: &mut Sink) {
    for s in &view.stmts {
        let StmtKind::Load(load) = &s.stmt.kind else {
            continue;
        };
        if !is_qvd(load) || load.tail.is_some() {
            continue;
        }
        let transformed = load.fields.iter().find_map(|f| match f {
            LoadField::Expr(e) if !matches!(e.expr, Expr::Field(_)) => Some(e.span),
            _ => None,
        });
        let filter = load.filter.as_ref().filter(|f| {
            f.kind == FilterKind::While || !single_exists(&f.condition)
        });
        let (span, why) = match (transformed, filter) {
            (Some(span), _) => (span, "this field is transformed"),
            (None, Some(f)) => (
                f.span,
                if f.kind == FilterKind::While {
                    "WHILE"
                } else {
                    "this WHERE is not a single Exists(field)"
                },
            ),
            (None, None) => continue,
        };
        out.report(s.file, span, format!("QVD load is not optimised: {why}"))
            .note("an optimised QVD load is typically 10 to 100 times faster")
            .help("load the fields as stored (AS renames are fine), filter with `WHERE Exists(Field)`, and transform in a RESIDENT load");
    }
}
