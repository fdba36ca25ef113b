//! `QL302` select-star: `SQL SELECT *` from a database.

use super::prelude::*;

pub static RULE: RuleMeta = RuleMeta {
    code: "QL302",
    name: "select-star",
    category: Category::Performance,
    severity: Severity::Warning,
    stability: Stability::Stable,
    summary: "`SELECT *` sent to a database",
    why: "`SELECT *` moves every column over the network and into the app, including ones added to the table later; the data model then changes when the database does (new synthetic keys, renamed fields), and lineage cannot say which columns the app depends on.",
    example: "LIB CONNECT TO 'SalesDB';\nOrders: SQL SELECT * FROM dbo.Orders;",
    fix: "List the columns the app uses: `SQL SELECT OrderID, CustomerID, Amount FROM dbo.Orders;`.",
};

/// The body with leading SQL comments and blanks removed.
fn strip_leading_comments(mut body: &str) -> &str {
    loop {
        body = body.trim_start();
        if let Some(rest) = body.strip_prefix("--") {
            body = rest.split_once('\n').map_or("", |(_, r)| r);
        } else if let Some(rest) = body.strip_prefix("/*") {
            body = rest.split_once("*/").map_or("", |(_, r)| r);
        } else {
            return body;
        }
    }
}

pub fn check(view: &AppView, out: &mut Sink) {
    for s in &view.stmts {
        let StmtKind::Select(select) = &s.stmt.kind else {
            continue;
        };
        let body = strip_leading_comments(&select.body.text);
        if !body
            .get(..6)
            .is_some_and(|w| w.eq_ignore_ascii_case("select"))
        {
            continue;
        }
        let mut after = body[6..].trim_start();
        for word in ["distinct", "all"] {
            if after.len() > word.len()
                && after[..word.len()].eq_ignore_ascii_case(word)
                && after[word.len()..].starts_with(char::is_whitespace)
            {
                after = after[word.len()..].trim_start();
            }
        }
        if after.starts_with('*') {
            out.report(
                s.file,
                select.body.span,
                "`SELECT *` reads every column of the table",
            )
            .help("list the columns the app needs");
        }
    }
}
