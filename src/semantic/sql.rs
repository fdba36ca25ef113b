//! SQL bodies of `SQL SELECT …` statements, parsed with `sqlparser` in the dialect of the
//! connection they run on: the tables they read (CTE names excluded), and for each output
//! column the table columns it reads, through aliases, CTEs and derived tables.
//!
//! Qlik passes the body to the database untouched, so it may be in any dialect, use a
//! connector's own syntax (REST, SAP), or still hold a `$(…)` we could not expand. When the
//! parser refuses it, a tolerant token scan lists the tables it can and the result says so.

use std::ops::ControlFlow;

use sqlparser::ast::{ObjectName, ObjectNamePart, Query, Statement, Visit, Visitor};
use sqlparser::dialect::{
    BigQueryDialect, Dialect, GenericDialect, MsSqlDialect, MySqlDialect, OracleDialect,
    PostgreSqlDialect, SnowflakeDialect,
};
use sqlparser::parser::Parser;

mod cache;
mod projection;
mod scan;
#[cfg(test)]
mod tests;

pub use cache::SqlCache;
use projection::output_columns;
pub use scan::scan_tables;

/// The SQL dialects we tell apart, chosen from a connection's provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
fn hide_dollars(text: &str) -> (std::borrow::Cow<'_, str>, Vec<(String, String)>) {
    if !text.contains("$(") {
        return (text.into(), Vec::new());
    }
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
    (out.into(), pairs)
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
                analysis.columns = output_columns(query);
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

/// Every table a statement reads, minus the names its CTEs define (at any depth: in the
/// statement, a subquery, a derived table or another CTE). One walk of the tree.
fn collect_tables(statement: &Statement, tables: &mut Vec<String>) {
    #[derive(Default)]
    struct Collector {
        ctes: Vec<String>,
        relations: Vec<(String, bool)>,
    }
    impl Visitor for Collector {
        type Break = ();
        fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
            if let Some(with) = &query.with {
                for cte in &with.cte_tables {
                    self.ctes.push(cte.alias.name.value.clone());
                }
            }
            ControlFlow::Continue(())
        }
        fn pre_visit_relation(&mut self, relation: &ObjectName) -> ControlFlow<()> {
            self.relations
                .push((object_name(relation), relation.0.len() == 1));
            ControlFlow::Continue(())
        }
    }
    let mut found = Collector::default();
    let _ = statement.visit(&mut found);
    for (name, single_part) in found.relations {
        let is_cte = single_part && found.ctes.iter().any(|c| c.eq_ignore_ascii_case(&name));
        if !is_cte && !tables.contains(&name) {
            tables.push(name);
        }
    }
}
