//! `QL301` unoptimized-qvd-load: a QVD load that loses Qlik's optimised (unpacked-in-place)
//! read because of a transformed field or a WHERE other than a single `Exists(field)`.

use super::prelude::*;
use crate::syntax::ast::{BinaryOp, Expr, FileType, FilterKind, FormatItem, LoadField, LoadSource};

pub static RULE: RuleMeta = RuleMeta {
    code: "QL301",
    name: "unoptimized-qvd-load",
    category: Category::Performance,
    severity: Severity::Warning,
    stability: Stability::Stable,
    summary: "a QVD load that is not optimised: a WHERE that Exists() would replace (warning), a transformed field or another filter (info)",
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

/// A constant: literals, `$(…)`, and functions of constants (`Date#('2024-01-01', …)`).
fn is_constant(e: &Expr) -> bool {
    match e {
        Expr::Number(_) | Expr::String(_) | Expr::Dollar(_) => true,
        Expr::Paren(p) => is_constant(&p.inner),
        Expr::Unary(u) => is_constant(&u.operand),
        Expr::Call(c) => c.args.iter().all(is_constant),
        _ => false,
    }
}

/// `Field = constant`, `Match(Field, constants…)`, or an OR of those on one field: a filter
/// `Exists(Field)` against a small table of the wanted values replaces exactly.
fn field_equals_constants(e: &Expr) -> Option<&str> {
    match e {
        Expr::Paren(p) => field_equals_constants(&p.inner),
        Expr::Binary(b) if b.op == BinaryOp::Eq => match (&*b.lhs, &*b.rhs) {
            (Expr::Field(f), c) | (c, Expr::Field(f)) if is_constant(c) => Some(&f.text),
            _ => None,
        },
        Expr::Binary(b) if b.op == BinaryOp::Or => {
            let l = field_equals_constants(&b.lhs)?;
            (field_equals_constants(&b.rhs)? == l).then_some(l)
        }
        Expr::Call(c) if c.name.text.eq_ignore_ascii_case("Match") => match c.args.split_first() {
            Some((Expr::Field(f), rest)) if !rest.is_empty() && rest.iter().all(is_constant) => {
                Some(&f.text)
            }
            _ => None,
        },
        _ => None,
    }
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
        let filter = load
            .filter
            .as_ref()
            .filter(|f| f.kind == FilterKind::While || !single_exists(&f.condition));
        // A WHERE that Exists() replaces exactly is a warning; other causes (transformations,
        // ranges, WHILE) may be needed where they are, so they are reported as information.
        if let Some(f) = filter {
            let exact = (f.kind == FilterKind::Where && transformed.is_none())
                .then(|| field_equals_constants(&f.condition))
                .flatten();
            if let Some(field) = exact {
                out.report(s.file, f.span, format!("QVD load is not optimised: this WHERE on `{field}` makes the engine read every row"))
                    .note("an optimised QVD load is typically 10 to 100 times faster")
                    .help(format!("load the wanted values into a table with a `{field}` field first, then `WHERE Exists({field})` keeps the load optimised"));
                continue;
            }
        }
        let (span, why) = match (transformed, filter) {
            (Some(span), _) => (span, "this field is transformed"),
            (None, Some(f)) if f.kind == FilterKind::While => (f.span, "WHILE"),
            (None, Some(f)) => (f.span, "this WHERE is not a single Exists(field)"),
            (None, None) => continue,
        };
        out.report(s.file, span, format!("QVD load is not optimised: {why}"))
            .severity(Severity::Info)
            .note("an optimised QVD load is typically 10 to 100 times faster")
            .help("if the QVD is large: load the fields as stored (AS renames are fine), filter with `WHERE Exists(Field)`, and transform in a RESIDENT load");
    }
}
