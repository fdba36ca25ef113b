//! Sources named by QVD lineage entries and by statements: the vocabulary the catalog and
//! the lineage graph use for "where data came from".
//!
//! A QVD header's `<LineageInfo>` discriminator says what the engine read or wrote, in the
//! forms Qlik writes: a resolved physical path (`\\server\share\orders.csv;`,
//! `lib://QVD/Orders.qvd;`), a URL, `INLINE;`, `RESIDENT T;`, `AUTOGENERATE;`, a connection
//! name in braces (`{ReportingDB (svc)};`) or bare, a connection string (`Provider=…;`),
//! `CONNECT TO …`, or a STORE (`{STORE - [target] (qvd)};`, newer builds
//! `{STORE - STORE [T] INTO [target](parquet)};`). [`classify_discriminator`] reads those
//! forms by hand. The statement, when present, goes through the script parser, and its SQL
//! through [`super::sql`] ([`upstream_sources`]).

use serde::Serialize;

use crate::syntax::ast::{FormatItem, LoadSource, Stmt, StmtKind};

/// Something a table was read from or written to, as named by a lineage entry or a statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    /// A file path (resolved physical path, or `lib://` form).
    File { path: String },
    /// A web file.
    Url { url: String },
    /// `LOAD … INLINE`.
    Inline,
    /// `LOAD … RESIDENT table`.
    Resident { table: String },
    /// `LOAD … AUTOGENERATE n`; the count as written, when given.
    Autogenerate { count: Option<String> },
    /// A database or connector: a data connection name or a connection string (passwords removed).
    Connection { name: String },
    /// A table named in a SQL `FROM` or `JOIN`, as written (`db.schema.table`).
    SqlTable { name: String },
    /// A STORE of the table: where it went and in which format.
    Store {
        table: Option<String>,
        target: String,
        format: Option<String>,
    },
    /// A server-side extension (`EXTENSION …`).
    Extension { text: String },
    /// An empty discriminator.
    Empty,
}

/// A QVD lineage entry with what it names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassifiedLineage {
    pub discriminator: String,
    pub statement: String,
    /// What the discriminator names.
    pub source: Source,
    /// What the statement reads, for database loads (empty when there is no statement).
    pub upstream: Vec<Source>,
}

/// Classifies every raw lineage entry of a QVD header.
pub fn classify_lineage(entries: &[crate::qvd::LineageEntry]) -> Vec<ClassifiedLineage> {
    entries
        .iter()
        .map(|entry| ClassifiedLineage {
            discriminator: entry.discriminator.clone(),
            statement: entry.statement.clone(),
            source: classify_discriminator(&entry.discriminator),
            upstream: upstream_sources(&entry.statement),
        })
        .collect()
}

/// Classifies one discriminator by the forms Qlik writes.
pub fn classify_discriminator(discriminator: &str) -> Source {
    let text = discriminator.trim();
    let text = text.strip_suffix(';').unwrap_or(text).trim();
    let text = match text.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
        Some(inner) => inner.trim(),
        None => text,
    };
    if text.is_empty() {
        return Source::Empty;
    }
    if let Some(rest) = strip_keyword(text, "STORE") {
        if let Some(rest) = rest.trim_start().strip_prefix('-') {
            return classify_store(rest.trim());
        }
    }
    if text.eq_ignore_ascii_case("INLINE") {
        return Source::Inline;
    }
    if let Some(table) = strip_keyword(text, "RESIDENT") {
        return Source::Resident {
            table: unquote(table.trim()).to_string(),
        };
    }
    if let Some(rest) = strip_keyword(text, "AUTOGENERATE") {
        let count = rest
            .trim()
            .trim_start_matches('(')
            .trim_end_matches(')')
            .trim();
        return Source::Autogenerate {
            count: (!count.is_empty()).then(|| count.to_string()),
        };
    }
    if strip_keyword(text, "EXTENSION").is_some() {
        return Source::Extension {
            text: text.to_string(),
        };
    }
    if let Some(name) = connect_target(text) {
        return Source::Connection {
            name: redact_password(name),
        };
    }
    if is_connection_string(text) {
        return Source::Connection {
            name: redact_password(text),
        };
    }
    if let Some((scheme, _)) = text.split_once("://") {
        if !scheme.eq_ignore_ascii_case("lib") && scheme.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Source::Url {
                url: text.to_string(),
            };
        }
    }
    if looks_like_path(text) {
        return Source::File {
            path: unquote(text).to_string(),
        };
    }
    Source::Connection {
        name: text.to_string(),
    }
}

/// Reads the part after `STORE -`: `[target] (fmt)` or `STORE [T] INTO [target](fmt)`.
fn classify_store(rest: &str) -> Source {
    let (table, target_part) = match strip_keyword(rest, "STORE") {
        Some(statement) => match find_keyword(statement, "INTO") {
            Some(at) => {
                // `STORE T INTO …` or `STORE fields FROM T INTO …`.
                let before_into = statement[..at].trim();
                let table = match find_keyword(before_into, "FROM") {
                    Some(from) => before_into[from + 4..].trim(),
                    None => before_into,
                };
                (Some(unquote(table).to_string()), statement[at + 4..].trim())
            }
            None => (None, statement.trim()),
        },
        None => (None, rest),
    };
    let (target, after) = split_name(target_part);
    let format = after
        .trim()
        .strip_prefix('(')
        .and_then(|f| f.split(')').next())
        .map(|f| f.trim().to_string())
        .filter(|f| !f.is_empty());
    Source::Store {
        table,
        target: target.to_string(),
        format,
    }
}

/// Splits a leading name (`[…]`, `"…"`, `'…'` or a run up to `(` or a line break) from the rest.
fn split_name(text: &str) -> (&str, &str) {
    let text = text.trim_start();
    for (open, close) in [('[', ']'), ('"', '"'), ('\'', '\''), ('`', '`')] {
        if let Some(inner) = text.strip_prefix(open) {
            if let Some(end) = inner.find(close) {
                return (&inner[..end], &inner[end + close.len_utf8()..]);
            }
        }
    }
    let end = text.find(['(', '\n', '\r']).unwrap_or(text.len());
    (text[..end].trim_end(), &text[end..])
}

/// If `text` starts with `keyword` (any case) followed by a non-word character or the end,
/// returns what follows it.
fn strip_keyword<'a>(text: &'a str, keyword: &str) -> Option<&'a str> {
    let head = text.get(..keyword.len())?;
    if !head.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let rest = &text[keyword.len()..];
    match rest.chars().next() {
        Some(c) if c.is_alphanumeric() || c == '_' => None,
        _ => Some(rest),
    }
}

/// Byte index of `keyword` as a whole word (any case) in `text`.
fn find_keyword(text: &str, keyword: &str) -> Option<usize> {
    let lower = text.to_ascii_lowercase();
    let keyword = keyword.to_ascii_lowercase();
    let mut from = 0;
    while let Some(found) = lower[from..].find(&keyword) {
        let at = from + found;
        let before_ok = lower[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric() && c != '_');
        let after_ok = lower[at + keyword.len()..]
            .chars()
            .next()
            .is_none_or(|c| !c.is_alphanumeric() && c != '_');
        if before_ok && after_ok {
            return Some(at);
        }
        from = at + keyword.len();
    }
    None
}

/// The target of `CONNECT TO x`, `LIB CONNECT TO x`, `ODBC CONNECT TO x`, `OLEDB CONNECT TO x`.
fn connect_target(text: &str) -> Option<&str> {
    let mut rest = text;
    for prefix in ["LIB", "ODBC", "OLEDB", "CUSTOM"] {
        if let Some(after) = strip_keyword(rest, prefix) {
            rest = after.trim_start();
            break;
        }
    }
    let rest = strip_keyword(rest, "CONNECT")?.trim_start();
    let rest = strip_keyword(rest, "TO")?.trim_start();
    let rest = rest
        .strip_prefix("32")
        .or_else(|| rest.strip_prefix("64"))
        .unwrap_or(rest);
    Some(split_name(rest).0)
}

fn is_connection_string(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    ["provider=", "dsn=", "driver=", "data source="]
        .iter()
        .any(|key| lower.contains(key))
}

/// Replaces the values of `Password=`, `Pwd=` and `XPassword=` in a connection string.
fn redact_password(text: &str) -> String {
    text.split(';')
        .map(|part| match part.split_once('=') {
            Some((key, _))
                if ["password", "pwd", "xpassword"]
                    .contains(&key.trim().to_ascii_lowercase().as_str()) =>
            {
                format!("{key}=***")
            }
            _ => part.to_string(),
        })
        .collect::<Vec<_>>()
        .join(";")
}

fn looks_like_path(text: &str) -> bool {
    let bytes = text.as_bytes();
    let drive = bytes.len() > 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    let extension = text.rsplit_once('.').is_some_and(|(_, ext)| {
        (1..=8).contains(&ext.len()) && ext.bytes().all(|b| b.is_ascii_alphanumeric())
    });
    drive || text.contains(['\\', '/']) || (extension && !text.contains(char::is_whitespace))
}

/// Removes one pair of `[]`, `""`, `''` or backticks around a name.
fn unquote(text: &str) -> &str {
    for (open, close) in [('[', ']'), ('"', '"'), ('\'', '\''), ('`', '`')] {
        if let Some(inner) = text.strip_prefix(open).and_then(|t| t.strip_suffix(close)) {
            return inner;
        }
    }
    text
}

/// The sources `statement` (a lineage entry's statement text) reads or writes, in order of
/// appearance, without repeats. SQL bodies are parsed with `sqlparser` (generic dialect:
/// the entry does not say which database it ran on), with the token-scan fallback.
pub fn upstream_sources(statement: &str) -> Vec<Source> {
    let parsed =
        crate::syntax::Parser::new().statements(statement, crate::syntax::Origin::default());
    let mut sources = Vec::new();
    let mut stack: Vec<&Stmt> = parsed.script.statements.iter().rev().collect();
    while let Some(stmt) = stack.pop() {
        statement_sources(statement, stmt, &mut sources);
        stack.extend(stmt.children().into_iter().rev());
    }
    let mut unique: Vec<Source> = Vec::with_capacity(sources.len());
    for source in sources {
        if !unique.contains(&source) {
            unique.push(source);
        }
    }
    unique
}

fn statement_sources(text: &str, stmt: &Stmt, sources: &mut Vec<Source>) {
    match &stmt.kind {
        StmtKind::Load(load) => match &load.source {
            LoadSource::From(from) => sources.push(file_or_url(&from.path.text)),
            LoadSource::Resident(table) => sources.push(Source::Resident {
                table: table.text.as_str().to_owned(),
            }),
            LoadSource::Inline(_) => sources.push(Source::Inline),
            LoadSource::AutoGenerate(count) => {
                let count = text.get(count.span().range()).unwrap_or("").trim();
                let count = count.trim_start_matches('(').trim_end_matches(')');
                sources.push(Source::Autogenerate {
                    count: (!count.is_empty()).then(|| count.to_owned()),
                });
            }
            LoadSource::Extension(ext) => sources.push(Source::Extension {
                text: format!("{}({})", ext.function.text, ext.args.text),
            }),
            LoadSource::FromField(_)
            | LoadSource::Preceding(_)
            | LoadSource::Following
            | LoadSource::Dynamic(_)
            | LoadSource::Missing => {}
        },
        StmtKind::Select(select) => sql_sources(&select.body.text, sources),
        StmtKind::Store(store) => sources.push(Source::Store {
            table: store.tables.first().map(|t| t.text.as_str().to_owned()),
            target: store.path.text.clone(),
            format: store
                .format
                .iter()
                .flat_map(|f| &f.items)
                .find_map(|item| match item {
                    FormatItem::FileType(word) => Some(word.word.name().to_string()),
                    _ => None,
                }),
        }),
        StmtKind::Connect(connect) => sources.push(Source::Connection {
            name: redact_password(&connect.target.text),
        }),
        StmtKind::Error | StmtKind::Dynamic(_) => {
            // Not readable as a script statement: a SQL body standing alone, or text that only
            // makes sense after expansion. The SQL reader's fallback finds its tables.
            let raw = text.get(stmt.span.range()).unwrap_or("");
            sql_sources(raw, sources);
        }
        _ => {}
    }
}

fn sql_sources(body: &str, sources: &mut Vec<Source>) {
    let analysis = super::sql::analyse(body, super::sql::SqlDialect::Generic);
    for table in analysis.tables {
        sources.push(Source::SqlTable { name: table });
    }
}

fn file_or_url(path: &str) -> Source {
    match classify_discriminator(path) {
        url @ Source::Url { .. } => url,
        _ => Source::File {
            path: path.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(discriminator: &str, expected: Source) {
        assert_eq!(
            classify_discriminator(discriminator),
            expected,
            "{discriminator}"
        );
    }

    fn file(path: &str) -> Source {
        Source::File { path: path.into() }
    }

    fn connection(name: &str) -> Source {
        Source::Connection { name: name.into() }
    }

    #[test]
    fn file_paths() {
        check("lib://QVD/Orders.qvd;", file("lib://QVD/Orders.qvd"));
        check(
            r"\\ruffer.local\dfs\shared\it\sam\aapl.csv;",
            file(r"\\ruffer.local\dfs\shared\it\sam\aapl.csv"),
        );
        check(r"c:\data\products.csv;", file(r"c:\data\products.csv"));
        check("{c:\\my data\\x (1).csv};", file("c:\\my data\\x (1).csv"));
        check("orders.qvd;", file("orders.qvd"));
    }

    #[test]
    fn urls() {
        check(
            "https://bolin.su.se/data/stockholm.csv;",
            Source::Url {
                url: "https://bolin.su.se/data/stockholm.csv".into(),
            },
        );
    }

    #[test]
    fn inline_resident_autogenerate() {
        check("INLINE;", Source::Inline);
        check(
            "RESIDENT Orders;",
            Source::Resident {
                table: "Orders".into(),
            },
        );
        check(
            "RESIDENT [Order Lines]",
            Source::Resident {
                table: "Order Lines".into(),
            },
        );
        check("AUTOGENERATE;", Source::Autogenerate { count: None });
        check(
            "AUTOGENERATE(10)",
            Source::Autogenerate {
                count: Some("10".into()),
            },
        );
    }

    #[test]
    fn connections() {
        check(
            "{ReportingDB (ruffer_svcqvp)};",
            connection("ReportingDB (ruffer_svcqvp)"),
        );
        check("Healthcheck;", connection("Healthcheck"));
        check(
            "LIB CONNECT TO 'SQL Server (svc)';",
            connection("SQL Server (svc)"),
        );
        check(
            "Provider=SQLOLEDB.1;Data Source=db01;Password=secret;",
            connection("Provider=SQLOLEDB.1;Data Source=db01;Password=***"),
        );
    }

    #[test]
    fn stores_old_and_new_forms() {
        check(
            "{STORE - [lib://Shared (ruffer_ccleaver)/IT/Sam/AAPL.qvd]\r\n (qvd)};",
            Source::Store {
                table: None,
                target: "lib://Shared (ruffer_ccleaver)/IT/Sam/AAPL.qvd".into(),
                format: Some("qvd".into()),
            },
        );
        check(
            "{STORE - STORE [stockholm_temp] INTO [lib://Testdata - freenas2/sweden/t.parquet](parquet)};",
            Source::Store {
                table: Some("stockholm_temp".into()),
                target: "lib://Testdata - freenas2/sweden/t.parquet".into(),
                format: Some("parquet".into()),
            },
        );
        check(
            "STORE - lib://QVD/Orders.qvd",
            Source::Store {
                table: None,
                target: "lib://QVD/Orders.qvd".into(),
                format: None,
            },
        );
    }

    #[test]
    fn empty_and_extension() {
        check("", Source::Empty);
        check(" ; ", Source::Empty);
        check(
            "EXTENSION R.ScriptEval(x)",
            Source::Extension {
                text: "EXTENSION R.ScriptEval(x)".into(),
            },
        );
    }

    #[test]
    fn statement_sql_is_parsed_not_scanned() {
        let sources = upstream_sources(
            "Orders: LOAD *; SQL SELECT EXTRACT(YEAR FROM OrderDate) AS Y, SUBSTRING(Code FROM 1 FOR 3) AS P FROM sales.orders;",
        );
        assert_eq!(
            sources,
            vec![Source::SqlTable {
                name: "sales.orders".into()
            }]
        );
        let sources = upstream_sources(
            "SQL WITH recent AS (SELECT * FROM dbo.Orders) SELECT * FROM recent JOIN dbo.Lines l ON l.ID = recent.ID;",
        );
        assert_eq!(
            sources,
            vec![
                Source::SqlTable {
                    name: "dbo.Orders".into()
                },
                Source::SqlTable {
                    name: "dbo.Lines".into()
                }
            ]
        );
    }

    #[test]
    fn statement_file_and_store() {
        assert_eq!(
            upstream_sources("LOAD * FROM [lib://QVD/a.qvd] (qvd);"),
            vec![file("lib://QVD/a.qvd")]
        );
        assert!(matches!(
            &upstream_sources("STORE T INTO [lib://QVD/t.qvd] (qvd);")[0],
            Source::Store { table: Some(t), .. } if t == "T"
        ));
    }
}
