//! `QL118` locale-format-in-sql: a variable formatted by the script's locale settings
//! (`DateFormat`, `TimestampFormat`, `DecimalSep`) expanded into a SQL statement.

use super::prelude::*;
use crate::syntax::ast::Expr;

pub static RULE: RuleMeta = RuleMeta {
    code: "QL118",
    name: "locale-format-in-sql",
    category: Category::Correctness,
    severity: Severity::Warning,
    stability: Stability::Stable,
    summary: "a date or number formatted by the script's locale SETs, expanded into SQL",
    why: "`Date(x)`, `Today()`, `MonthStart(x)`… without a format text, and `Num(x)` without one, format with the script's `SET DateFormat`, `TimestampFormat` and `DecimalSep` (M/D/YYYY and `.` unless set). Expanded into a SQL statement, that text is read by the database with its own rules: `'03/04/2024'` is March or April depending on the server, `1,5` is two values. The statement then filters on the wrong dates or fails, depending on the day of the month.",
    example: "SET DateFormat='DD.MM.YYYY';\nLET vFrom = Date(Today() - 30);\nOrders: SQL SELECT OrderID FROM dbo.Orders WHERE OrderDate >= '$(vFrom)';",
    fix: "Give the format the database reads: `LET vFrom = Date(Today() - 30, 'YYYY-MM-DD');` (`Num(x, '0.00', '.')` for numbers).",
};

/// Functions whose text is formatted by `DateFormat` (`Date` only without a format argument).
const DATE_FUNCTIONS: &[&str] = &[
    "date",
    "today",
    "makedate",
    "addmonths",
    "addyears",
    "monthstart",
    "monthend",
    "yearstart",
    "yearend",
    "quarterstart",
    "quarterend",
    "weekstart",
    "weekend",
    "daystart",
    "dayend",
];
/// Functions whose text is formatted by `TimestampFormat`.
const TIMESTAMP_FUNCTIONS: &[&str] = &["timestamp", "now"];

/// Which locale variable formats a LET's value, if any.
fn formatted_by(value: &Expr) -> Option<&'static str> {
    let Expr::Call(call) = value else {
        return None;
    };
    let name = call.name.text.to_ascii_lowercase();
    let explicit = match name.as_str() {
        "date" | "timestamp" | "num" => call.args.len() >= 2,
        _ => false,
    };
    if explicit {
        return None;
    }
    if DATE_FUNCTIONS.contains(&name.as_str()) {
        Some("DateFormat")
    } else if TIMESTAMP_FUNCTIONS.contains(&name.as_str()) {
        Some("TimestampFormat")
    } else if name == "num" {
        Some("DecimalSep")
    } else {
        None
    }
}

/// Qlik Sense's defaults when the script does not SET them.
fn default_of(setting: &str) -> &'static str {
    match setting {
        "DateFormat" => "M/D/YYYY",
        "TimestampFormat" => "M/D/YYYY h:mm:ss[.fff] TT",
        _ => ".",
    }
}

/// True when databases read the text as meant: ISO dates, `.` decimals.
fn database_safe(setting: &str, value: &str) -> bool {
    match setting {
        "DecimalSep" => value == ".",
        _ => value.to_ascii_uppercase().starts_with("YYYY-MM-DD"),
    }
}

pub fn check(view: &AppView, out: &mut Sink) {
    // The last SET of each setting wins (scripts set them once, at the top).
    let setting = |name: &str| -> String {
        view.stmts
            .iter()
            .rev()
            .find_map(|s| match &s.stmt.kind {
                StmtKind::Set(set) if set.name.text.eq_ignore_ascii_case(name) => {
                    Some(set.value.clone())
                }
                _ => None,
            })
            .unwrap_or_else(|| default_of(name).to_string())
    };
    let mut risky: Vec<(&str, &'static str)> = Vec::new();
    for s in &view.stmts {
        if let StmtKind::Let(set) = &s.stmt.kind {
            if let Some(by) = set.value.as_ref().and_then(formatted_by) {
                risky.push((set.name.text.as_str(), by));
            }
        }
    }
    if risky.is_empty() {
        return;
    }
    for s in &view.stmts {
        let StmtKind::Select(select) = &s.stmt.kind else {
            continue;
        };
        let body = select.body.span;
        for used in view
            .dollar_uses_in(s.file, body)
            .iter()
            .filter(|u| body.contains(u.span))
        {
            let Some((name, by)) = risky.iter().find(|(n, _)| *n == used.name) else {
                continue;
            };
            let value = setting(by);
            if database_safe(by, &value) {
                continue;
            }
            out.report(
                used.file,
                used.span,
                format!("`$({name})` puts text formatted by {by} '{value}' into SQL"),
            )
            .note("the database reads the literal by its own rules, not the script's locale")
            .help(if *by == "DecimalSep" {
                format!("format it for the database: `Num(…, '0.00', '.')` when setting `{name}`")
            } else {
                format!("format it for the database: `Date(…, 'YYYY-MM-DD')` when setting `{name}`")
            });
        }
    }
}
