//! SQL bodies of `SQL SELECT …` statements, parsed with `sqlparser` in the dialect of the
//! connection they run on: the tables they read (CTE names excluded), and for each output
//! column the table columns it reads, through aliases, CTEs and derived tables.
//!
//! Qlik passes the body to the database untouched, so it may be in any dialect, use a
//! connector's own syntax (REST, SAP), or still hold a `$(…)` we could not expand. When the
//! parser refuses it, a tolerant token scan lists the tables it can and the result says so.

use rustc_hash::FxHashMap as HashMap;
use std::ops::ControlFlow;

use sqlparser::ast::{
    Expr as SqlExpr, ObjectName, ObjectNamePart, Query, Select, SelectItem, SetExpr, Statement,
    TableFactor, TableWithJoins,
};
use sqlparser::dialect::{
    BigQueryDialect, Dialect, GenericDialect, MsSqlDialect, MySqlDialect, OracleDialect,
    PostgreSqlDialect, SnowflakeDialect,
};
use sqlparser::parser::Parser;

/// The SQL dialects we tell apart, chosen from a connection's provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlDialect {
    SqlServer,
    Oracle,
    PostgreSql,
    MySql,
    Snowflake,
    BigQuery,
    Generic,
}

impl SqlDialect {
    /// Picks the dialect from a provider, driver or connection type text
    /// (`QvOdbcConnectorPackage.exe;driver=sqlserver`, `OraOLEDB.Oracle`, `PostgreSQL`…).
    pub fn from_provider(provider: &str) -> SqlDialect {
        let p = provider.to_ascii_lowercase();
        let has = |words: &[&str]| words.iter().any(|w| p.contains(w));
        if has(&[
            "sqlserver",
            "sql server",
            "sqloledb",
            "msoledbsql",
            "sqlncli",
            "mssql",
            "azure sql",
            "synapse",
        ]) {
            SqlDialect::SqlServer
        } else if has(&["oracle", "oraoledb"]) {
            SqlDialect::Oracle
        } else if has(&["postgres", "redshift", "psql"]) {
            SqlDialect::PostgreSql
        } else if has(&["mysql", "maria"]) {
            SqlDialect::MySql
        } else if has(&["snowflake"]) {
            SqlDialect::Snowflake
        } else if has(&["bigquery", "google big"]) {
            SqlDialect::BigQuery
        } else {
            SqlDialect::Generic
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            SqlDialect::SqlServer => "sqlserver",
            SqlDialect::Oracle => "oracle",
            SqlDialect::PostgreSql => "postgresql",
            SqlDialect::MySql => "mysql",
            SqlDialect::Snowflake => "snowflake",
            SqlDialect::BigQuery => "bigquery",
            SqlDialect::Generic => "generic",
        }
    }

    fn parser_dialect(self) -> Box<dyn Dialect> {
        match self {
            SqlDialect::SqlServer => Box::new(MsSqlDialect {}),
            SqlDialect::Oracle => Box::new(OracleDialect {}),
            SqlDialect::PostgreSql => Box::new(PostgreSqlDialect {}),
            SqlDialect::MySql => Box::new(MySqlDialect {}),
            SqlDialect::Snowflake => Box::new(SnowflakeDialect {}),
            SqlDialect::BigQuery => Box::new(BigQueryDialect {}),
            SqlDialect::Generic => Box::new(GenericDialect {}),
        }
    }
}

/// A column the query reads: the table (as written, aliases resolved) and the column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnRef {
    /// `None` when the column is unqualified and several tables are in scope.
    pub table: Option<String>,
    pub column: String,
}

/// One output column of the query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlColumn {
    /// The name the database gives it (alias, or the column's own name).
    pub name: String,
    pub reads: Vec<ColumnRef>,
    /// Copied unchanged from one column (no expression).
    pub direct: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlAnalysis {
    /// Tables read, as written, in order of appearance, without repeats; CTE names excluded.
    pub tables: Vec<String>,
    /// Output columns; `None` when the projection holds a `*` (the database decides) or the
    /// body could not be parsed.
    pub columns: Option<Vec<SqlColumn>>,
    pub dialect: SqlDialect,
    /// Why the parser refused the body; the tables then come from the token scan.
    pub fallback: Option<String>,
}

impl SqlAnalysis {
    pub fn describe(&self) -> String {
        match &self.fallback {
            None => format!("parsed ({})", self.dialect.name()),
            Some(reason) => format!("fallback scan: {reason}"),
        }
    }
}

/// Analyses a SQL body (the text after `SQL`, or a `SELECT …`).
pub fn analyse(body: &str, dialect: SqlDialect) -> SqlAnalysis {
    let text = body.trim().trim_end_matches(';');
    // A `$(…)` left unexpanded (its value is unknown) stands in as a placeholder name, so the
    // rest of the statement is still read; names holding one keep the `$(…)` text.
    let (parsable, placeholders) = hide_dollars(text);
    let parser_dialect = dialect.parser_dialect();
    let mut analysis = analyse_parsable(&parsable, dialect, parser_dialect.as_ref());
    if !placeholders.is_empty() {
        if analysis.fallback.is_some() {
            return fallback(text, dialect, analysis.fallback.unwrap_or_default());
        }
        let restore = |t: &str| {
            let mut t = t.to_string();
            for (placeholder, original) in &placeholders {
                t = t.replace(placeholder, original);
            }
            t
        };
        analysis.tables = analysis.tables.iter().map(|t| restore(t)).collect();
        if let Some(columns) = &mut analysis.columns {
            for c in columns {
                c.name = restore(&c.name);
                for r in &mut c.reads {
                    r.column = restore(&r.column);
                    r.table = r.table.as_deref().map(restore);
                }
            }
        }
    }
    analysis
}

/// Replaces every `$(…)` with a placeholder identifier; returns the text and the pairs.
fn hide_dollars(text: &str) -> (String, Vec<(String, String)>) {
    let mut out = String::with_capacity(text.len());
    let mut pairs = Vec::new();
    let mut i = 0;
    while let Some(found) = text[i..].find("$(") {
        let at = i + found;
        let Some(close) = super::expansion::matching_paren(text, at + 1) else {
            break;
        };
        out.push_str(&text[i..at]);
        let placeholder = format!("qlineage_dollar_{}", pairs.len());
        out.push_str(&placeholder);
        pairs.push((placeholder, text[at..=close].to_string()));
        i = close + 1;
    }
    out.push_str(&text[i..]);
    (out, pairs)
}

fn analyse_parsable(text: &str, dialect: SqlDialect, parser_dialect: &dyn Dialect) -> SqlAnalysis {
    match Parser::parse_sql(parser_dialect, text) {
        Ok(statements) if !statements.is_empty() => {
            let mut analysis = SqlAnalysis {
                tables: Vec::new(),
                columns: None,
                dialect,
                fallback: None,
            };
            for statement in &statements {
                collect_tables(statement, &mut analysis.tables);
            }
            if let Some(Statement::Query(query)) = statements.last() {
                analysis.columns = query_columns(query, &HashMap::default());
            }
            analysis
        }
        Ok(_) => fallback(text, dialect, "empty SQL statement".to_string()),
        Err(error) => fallback(text, dialect, format!("{} parser: {error}", dialect.name())),
    }
}

fn fallback(text: &str, dialect: SqlDialect, reason: String) -> SqlAnalysis {
    SqlAnalysis {
        tables: scan_tables(text),
        columns: None,
        dialect,
        fallback: Some(reason),
    }
}

fn object_name(name: &ObjectName) -> String {
    name.0
        .iter()
        .map(|part| match part {
            ObjectNamePart::Identifier(ident) => ident.value.clone(),
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// Every table a statement reads, minus the names its CTEs define.
fn collect_tables(statement: &Statement, tables: &mut Vec<String>) {
    let mut ctes: Vec<String> = Vec::new();
    let _ = sqlparser::ast::visit_statements(statement, |s| {
        if let Statement::Query(q) = s {
            collect_cte_names(q, &mut ctes);
        }
        ControlFlow::<()>::Continue(())
    });
    // CTEs nested in subqueries are found by walking every query too.
    let _ = sqlparser::ast::visit_expressions(statement, |e| {
        if let SqlExpr::Subquery(q) = e {
            collect_cte_names(q, &mut ctes);
        }
        ControlFlow::<()>::Continue(())
    });
    let _ = sqlparser::ast::visit_relations(statement, |relation| {
        let name = object_name(relation);
        let is_cte = relation.0.len() == 1 && ctes.iter().any(|c| c.eq_ignore_ascii_case(&name));
        if !is_cte && !tables.contains(&name) {
            tables.push(name);
        }
        ControlFlow::<()>::Continue(())
    });
}

fn collect_cte_names(query: &Query, out: &mut Vec<String>) {
    if let Some(with) = &query.with {
        for cte in &with.cte_tables {
            out.push(cte.alias.name.value.clone());
            collect_cte_names(&cte.query, out);
        }
    }
}

/// What a name in a FROM clause stands for inside one SELECT.
#[derive(Debug, Clone)]
enum Relation {
    Table(String),
    /// A CTE or derived table with its columns (when known).
    Derived(Option<Vec<SqlColumn>>),
}

type Scope = HashMap<String, Relation>;

fn query_columns(query: &Query, outer_ctes: &Scope) -> Option<Vec<SqlColumn>> {
    let mut ctes = outer_ctes.clone();
    if let Some(with) = &query.with {
        for cte in &with.cte_tables {
            let columns = query_columns(&cte.query, &ctes);
            ctes.insert(
                cte.alias.name.value.to_lowercase(),
                Relation::Derived(columns),
            );
        }
    }
    set_expr_columns(&query.body, &ctes)
}

fn set_expr_columns(body: &SetExpr, ctes: &Scope) -> Option<Vec<SqlColumn>> {
    match body {
        SetExpr::Select(select) => select_columns(select, ctes),
        SetExpr::Query(q) => query_columns(q, ctes),
        SetExpr::SetOperation { left, right, .. } => {
            // Names come from the left branch; reads from both.
            let mut columns = set_expr_columns(left, ctes)?;
            if let Some(other) = set_expr_columns(right, ctes) {
                for (c, o) in columns.iter_mut().zip(other) {
                    c.reads.extend(o.reads);
                    c.direct = false;
                }
            }
            Some(columns)
        }
        _ => None,
    }
}

fn add_relation(factor: &TableFactor, ctes: &Scope, scope: &mut Scope, order: &mut Vec<String>) {
    match factor {
        TableFactor::Table { name, alias, .. } => {
            let written = object_name(name);
            let relation = match ctes.get(&written.to_lowercase()) {
                Some(cte) if name.0.len() == 1 => cte.clone(),
                _ => Relation::Table(written.clone()),
            };
            let key = alias
                .as_ref()
                .map(|a| a.name.value.clone())
                .unwrap_or_else(|| {
                    name.0
                        .last()
                        .map(|p| match p {
                            ObjectNamePart::Identifier(i) => i.value.clone(),
                            other => other.to_string(),
                        })
                        .unwrap_or_default()
                });
            // The full name works as a qualifier too (`dbo.Orders.OrderID`).
            scope.insert(written.to_lowercase(), relation.clone());
            scope.insert(key.to_lowercase(), relation);
            order.push(key.to_lowercase());
        }
        TableFactor::Derived {
            subquery, alias, ..
        } => {
            let columns = query_columns(subquery, ctes);
            if let Some(alias) = alias {
                scope.insert(alias.name.value.to_lowercase(), Relation::Derived(columns));
                order.push(alias.name.value.to_lowercase());
            } else {
                order.push(String::new());
            }
        }
        TableFactor::NestedJoin {
            table_with_joins, ..
        } => {
            add_from(table_with_joins, ctes, scope, order);
        }
        _ => order.push(String::new()),
    }
}

fn add_from(from: &TableWithJoins, ctes: &Scope, scope: &mut Scope, order: &mut Vec<String>) {
    add_relation(&from.relation, ctes, scope, order);
    for join in &from.joins {
        add_relation(&join.relation, ctes, scope, order);
    }
}

fn select_columns(select: &Select, ctes: &Scope) -> Option<Vec<SqlColumn>> {
    let mut scope = Scope::default();
    let mut order = Vec::new();
    for from in &select.from {
        add_from(from, ctes, &mut scope, &mut order);
    }
    let single = if order.len() == 1 {
        scope.get(&order[0]).cloned()
    } else {
        None
    };
    let mut columns = Vec::new();
    for item in &select.projection {
        let (expr, alias) = match item {
            SelectItem::UnnamedExpr(e) => (e, None),
            SelectItem::ExprWithAlias { expr, alias } => (expr, Some(alias.value.clone())),
            SelectItem::ExprWithAliases { expr, aliases } => {
                (expr, aliases.first().map(|a| a.value.clone()))
            }
            SelectItem::QualifiedWildcard(..) | SelectItem::Wildcard(..) => return None,
        };
        let mut direct = matches!(
            expr,
            SqlExpr::Identifier(_) | SqlExpr::CompoundIdentifier(_)
        );
        let name = alias.unwrap_or_else(|| match expr {
            SqlExpr::Identifier(i) => i.value.clone(),
            SqlExpr::CompoundIdentifier(parts) => {
                parts.last().map(|i| i.value.clone()).unwrap_or_default()
            }
            other => other.to_string(),
        });
        let mut reads = Vec::new();
        let _ = sqlparser::ast::visit_expressions(expr, |e| {
            match e {
                SqlExpr::Identifier(ident) => {
                    direct &=
                        resolve_column(None, &ident.value, &scope, single.as_ref(), &mut reads)
                }
                SqlExpr::CompoundIdentifier(parts) if parts.len() >= 2 => {
                    let qualifier = parts[..parts.len() - 1]
                        .iter()
                        .map(|p| p.value.clone())
                        .collect::<Vec<_>>()
                        .join(".");
                    let column = &parts[parts.len() - 1].value;
                    direct &= resolve_column(
                        Some(&qualifier),
                        column,
                        &scope,
                        single.as_ref(),
                        &mut reads,
                    )
                }
                _ => {}
            }
            ControlFlow::<()>::Continue(())
        });
        columns.push(SqlColumn {
            name,
            reads,
            direct,
        });
    }
    Some(columns)
}

fn resolve_column(
    qualifier: Option<&str>,
    column: &str,
    scope: &Scope,
    single: Option<&Relation>,
    reads: &mut Vec<ColumnRef>,
) -> bool {
    let relation = match qualifier {
        Some(q) => scope.get(&q.to_lowercase()),
        None => single,
    };
    let mut direct = true;
    let found: Vec<ColumnRef> = match relation {
        Some(Relation::Table(table)) => vec![ColumnRef {
            table: Some(table.clone()),
            column: column.to_string(),
        }],
        Some(Relation::Derived(Some(columns))) => {
            match columns.iter().find(|c| c.name.eq_ignore_ascii_case(column)) {
                Some(c) => {
                    direct = c.direct;
                    c.reads.clone()
                }
                None => Vec::new(),
            }
        }
        Some(Relation::Derived(None)) => vec![ColumnRef {
            table: None,
            column: column.to_string(),
        }],
        None => vec![ColumnRef {
            table: qualifier.map(str::to_string),
            column: column.to_string(),
        }],
    };
    for f in found {
        if !reads.contains(&f) {
            reads.push(f);
        }
    }
    direct
}

// ---- the tolerant fallback ---------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok<'a> {
    Word(&'a str),
    Quoted(&'a str),
    Punct(char),
}

fn tokenize(text: &str) -> Vec<Tok<'_>> {
    let mut tokens = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c == b'-' && bytes.get(i + 1) == Some(&b'-') {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
        } else if c == b'/' && bytes.get(i + 1) == Some(&b'*') {
            i = text[i + 2..]
                .find("*/")
                .map_or(bytes.len(), |e| i + 2 + e + 2);
        } else if matches!(c, b'[' | b'"' | b'`' | b'\'') {
            let close = if c == b'[' { b']' } else { c };
            let end = bytes[i + 1..]
                .iter()
                .position(|b| *b == close)
                .map_or(bytes.len(), |p| i + 1 + p);
            if c == b'\'' {
                tokens.push(Tok::Punct('\''));
            } else {
                tokens.push(Tok::Quoted(&text[i + 1..end]));
            }
            i = (end + 1).min(bytes.len());
        } else if c.is_ascii_alphanumeric()
            || matches!(c, b'_' | b'@' | b'#')
            || c >= 0x80
            || (c == b'$' && bytes.get(i + 1) == Some(&b'('))
        {
            let start = i;
            while i < bytes.len() {
                let b = bytes[i];
                if b == b'$' && bytes.get(i + 1) == Some(&b'(') {
                    // An unexpanded `$(…)` stays part of the name it is glued to.
                    match super::expansion::matching_paren(text, i + 1) {
                        Some(close) => i = close + 1,
                        None => i = bytes.len(),
                    }
                } else if b.is_ascii_alphanumeric()
                    || matches!(b, b'_' | b'@' | b'#' | b'$')
                    || b >= 0x80
                {
                    i += 1;
                } else {
                    break;
                }
            }
            tokens.push(Tok::Word(&text[start..i]));
        } else {
            let ch = text[i..].chars().next().unwrap_or(' ');
            tokens.push(Tok::Punct(ch));
            i += ch.len_utf8();
        }
    }
    tokens
}

fn is_word(tok: Option<&Tok>, word: &str) -> bool {
    matches!(tok, Some(Tok::Word(w)) if w.eq_ignore_ascii_case(word))
}

/// Tables after FROM and JOIN, where FROM belongs to a query: not inside a function's
/// parentheses (`EXTRACT(YEAR FROM d)`, `SUBSTRING(x FROM 1 FOR 3)`), not a CTE's name.
pub fn scan_tables(text: &str) -> Vec<String> {
    let tokens = tokenize(text);
    let mut ctes: Vec<String> = Vec::new();
    // `WITH name AS (` and `, name AS (` define CTEs.
    for w in tokens.windows(3) {
        if let [Tok::Word(name) | Tok::Quoted(name), Tok::Word(kw), Tok::Punct('(')] = w {
            if kw.eq_ignore_ascii_case("as") {
                ctes.push(name.to_lowercase());
            }
        }
    }
    // A stack of parenthesis kinds: true where the parentheses hold a query.
    let mut stack: Vec<bool> = vec![true];
    let mut tables = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        match tokens[i] {
            Tok::Punct('(') => {
                let query =
                    is_word(tokens.get(i + 1), "select") || is_word(tokens.get(i + 1), "with");
                stack.push(query);
            }
            Tok::Punct(')') if stack.len() > 1 => {
                stack.pop();
            }
            Tok::Word(w)
                if (w.eq_ignore_ascii_case("from") || w.eq_ignore_ascii_case("join"))
                    && *stack.last().unwrap_or(&true) =>
            {
                let mut j = i + 1;
                loop {
                    let (name, next) = read_name(&tokens, j);
                    let Some(name) = name else { break };
                    let lower = name.to_lowercase();
                    let numeric = name.bytes().all(|b| b.is_ascii_digit() || b == b'.');
                    if !numeric && !ctes.contains(&lower) && !tables.contains(&name) {
                        tables.push(name);
                    }
                    j = next;
                    // Skip an alias, then continue after a comma (`FROM a x, b y`).
                    if is_word(tokens.get(j), "as") {
                        j += 1;
                    }
                    if matches!(tokens.get(j), Some(Tok::Word(w)) if !is_clause_word(w)) {
                        j += 1;
                    }
                    if matches!(tokens.get(j), Some(Tok::Punct(','))) {
                        j += 1;
                        continue;
                    }
                    break;
                }
                i = j;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    tables
}

fn is_clause_word(w: &str) -> bool {
    [
        "where", "join", "inner", "left", "right", "full", "outer", "cross", "on", "group",
        "order", "having", "union", "limit", "with", "natural",
    ]
    .iter()
    .any(|k| w.eq_ignore_ascii_case(k))
}

/// A dotted name starting at `at`: `db.schema.table`, `[My Table]`, `"s"."t"`.
fn read_name(tokens: &[Tok], mut at: usize) -> (Option<String>, usize) {
    let mut parts: Vec<&str> = Vec::new();
    loop {
        match tokens.get(at) {
            Some(Tok::Word(w))
                if parts.is_empty() && (is_clause_word(w) || w.eq_ignore_ascii_case("select")) =>
            {
                return (None, at)
            }
            Some(Tok::Word(w)) | Some(Tok::Quoted(w)) => {
                parts.push(w);
                at += 1;
            }
            _ => break,
        }
        if matches!(tokens.get(at), Some(Tok::Punct('.'))) {
            at += 1;
        } else {
            break;
        }
    }
    if parts.is_empty() {
        (None, at)
    } else {
        (Some(parts.join(".")), at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tables(sql: &str, dialect: SqlDialect) -> Vec<String> {
        let a = analyse(sql, dialect);
        assert!(a.fallback.is_none(), "{sql}: {:?}", a.fallback);
        a.tables
    }

    #[test]
    fn functions_with_from_are_not_tables() {
        let sql = "SELECT EXTRACT(YEAR FROM OrderDate) AS Y, SUBSTRING(Code FROM 1 FOR 3) AS P FROM sales.orders";
        assert_eq!(tables(sql, SqlDialect::PostgreSql), vec!["sales.orders"]);
        // The fallback scan gets it right too.
        assert_eq!(scan_tables(sql), vec!["sales.orders"]);
    }

    #[test]
    fn cte_names_are_not_tables() {
        let sql = "WITH recent AS (SELECT OrderID, CustomerID FROM dbo.Orders WHERE OrderDate > '2024-01-01') \
                   SELECT r.OrderID, c.Name AS CustomerName FROM recent r JOIN dbo.Customers c ON c.ID = r.CustomerID";
        let a = analyse(sql, SqlDialect::SqlServer);
        assert!(a.fallback.is_none());
        assert_eq!(a.tables, vec!["dbo.Orders", "dbo.Customers"]);
        let columns = a.columns.expect("projection known");
        assert_eq!(columns[0].name, "OrderID");
        assert_eq!(
            columns[0].reads,
            vec![ColumnRef {
                table: Some("dbo.Orders".into()),
                column: "OrderID".into()
            }]
        );
        assert_eq!(columns[1].name, "CustomerName");
        assert_eq!(columns[1].reads[0].table.as_deref(), Some("dbo.Customers"));
        assert_eq!(scan_tables(sql), vec!["dbo.Orders", "dbo.Customers"]);
    }

    #[test]
    fn aliases_and_subqueries() {
        let sql = "SELECT o.ID, t.Total FROM shop.orders o LEFT JOIN (SELECT order_id, SUM(amount) AS Total FROM shop.payments GROUP BY order_id) t ON t.order_id = o.ID";
        let a = analyse(sql, SqlDialect::MySql);
        assert_eq!(a.tables, vec!["shop.orders", "shop.payments"]);
        let columns = a.columns.unwrap();
        assert_eq!(
            columns[1].reads,
            vec![ColumnRef {
                table: Some("shop.payments".into()),
                column: "amount".into()
            }]
        );
        assert!(!columns[1].direct);
    }

    #[test]
    fn dialects_by_provider() {
        assert_eq!(
            SqlDialect::from_provider("provider=QvOdbcConnectorPackage.exe;driver=sqlserver"),
            SqlDialect::SqlServer
        );
        assert_eq!(
            SqlDialect::from_provider("OraOLEDB.Oracle.1"),
            SqlDialect::Oracle
        );
        assert_eq!(
            SqlDialect::from_provider("driver=postgres"),
            SqlDialect::PostgreSql
        );
        assert_eq!(SqlDialect::from_provider("ODBC"), SqlDialect::Generic);
        assert_eq!(
            tables(
                "SELECT TOP 10 [Order ID] FROM [dbo].[Orders]",
                SqlDialect::SqlServer
            ),
            vec!["dbo.Orders"]
        );
        assert_eq!(
            tables("SELECT * FROM `proj.ds.events`", SqlDialect::BigQuery),
            vec!["proj.ds.events"]
        );
        assert_eq!(
            tables(
                "SELECT ROWNUM, e.ename FROM scott.emp e",
                SqlDialect::Oracle
            ),
            vec!["scott.emp"]
        );
        assert_eq!(
            tables(
                "SELECT a FROM db.sch.t QUALIFY ROW_NUMBER() OVER (PARTITION BY a ORDER BY b) = 1",
                SqlDialect::Snowflake
            ),
            vec!["db.sch.t"]
        );
    }

    #[test]
    fn fallback_says_so() {
        let a = analyse(
            "SELECT * FROM JSON (wrap on) \"root\" PK \"__KEY_root\"",
            SqlDialect::Generic,
        );
        assert!(a.fallback.is_some());
        let a = analyse(
            "SELECT x FROM t_$(vYear) WHERE d >= '$(vFrom)'",
            SqlDialect::Generic,
        );
        assert!(
            a.fallback.is_none(),
            "an unknown value is a placeholder, not a failure"
        );
        assert_eq!(a.tables, vec!["t_$(vYear)"]);
        let a = analyse(
            "SELECT x FROM $(vTable) WHERE $(vWhere)",
            SqlDialect::Generic,
        );
        assert_eq!(a.tables, vec!["$(vTable)"]);
        let a = analyse(
            "SELECT x FROM t JOIN JSON (wrap on) $(v)",
            SqlDialect::Generic,
        );
        assert!(a.fallback.is_some());
    }

    #[test]
    fn star_leaves_columns_unknown() {
        let a = analyse("SELECT * FROM dbo.Orders", SqlDialect::SqlServer);
        assert!(a.columns.is_none());
        assert_eq!(a.tables, vec!["dbo.Orders"]);
    }
}
