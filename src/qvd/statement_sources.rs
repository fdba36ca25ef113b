//! Name the sources a lineage statement reads or writes.
//!
//! Qlik records the full statement text (a preceding `LOAD …;` then `SQL SELECT … FROM
//! db.schema.table`, a `STORE … INTO …`, a `CONNECT TO …`). The script parser reads the Qlik
//! part; SQL bodies, which Qlik passes to the database untouched, go through a small tokenizer
//! that finds the tables after `FROM`/`JOIN`. A statement the parser cannot read (an error, or
//! one that only makes sense after `$(…)` expansion) falls back to the same token scan.

use super::lineage::Source;
use crate::syntax::ast::{FormatItem, LoadSource, Stmt, StmtKind};

/// The sources `statement` reads or writes, in order of appearance, without repeats.
pub fn upstream_sources(statement: &str) -> Vec<Source> {
    let parsed = crate::syntax::parse_str(statement);
    let mut sources = Vec::new();
    let mut stack: Vec<&Stmt> = parsed.script.statements.iter().rev().collect();
    while let Some(stmt) = stack.pop() {
        sources_of(statement, stmt, &mut sources);
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

fn sources_of(text: &str, stmt: &Stmt, sources: &mut Vec<Source>) {
    match &stmt.kind {
        StmtKind::Load(load) => match &load.source {
            LoadSource::From(from) => sources.push(file_or_url(from.path.text.clone())),
            LoadSource::Resident(table) => sources.push(Source::Resident {
                table: table.text.to_string(),
            }),
            LoadSource::Inline(_) => sources.push(Source::Inline),
            LoadSource::AutoGenerate(count) => {
                let count = text[count.span().range()].trim();
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
            | LoadSource::Dynamic(_)
            | LoadSource::Following
            | LoadSource::Missing => {}
        },
        StmtKind::Select(select) => scan_sql(&select.body.text, sources),
        StmtKind::Store(store) => sources.push(Source::Store {
            table: store.tables.first().map(|t| t.text.to_string()),
            target: store.path.text.clone(),
            format: store
                .format
                .iter()
                .flat_map(|f| &f.items)
                .find_map(|item| match item {
                    FormatItem::FileType(word) => Some(word.word.clone()),
                    _ => None,
                }),
        }),
        StmtKind::Connect(connect) => sources.push(Source::Connection {
            name: connect.target.text.clone(),
        }),
        StmtKind::Error | StmtKind::Dynamic(_) => {
            let tokens = tokenize(&text[stmt.span.range()]);
            scan_statement(&tokens, sources);
        }
        _ => {}
    }
}

/// The tables after `FROM`/`JOIN` in a SQL body.
fn scan_sql(body: &str, sources: &mut Vec<Source>) {
    let tokens = tokenize(body);
    let mut index = 0;
    while index < tokens.len() {
        let token = tokens[index];
        index += 1;
        if token.is_keyword("FROM") || token.is_keyword("JOIN") {
            index += read_sql_tables(&tokens[index..], sources);
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A bare run of characters: keyword, name, number, unquoted path.
    Word,
    /// Text inside `[]`, `""`, `''` or backticks, without the quotes.
    Quoted,
    /// One punctuation character.
    Punct,
}

#[derive(Debug, Clone, Copy)]
struct Token<'a> {
    kind: Kind,
    text: &'a str,
    /// No whitespace or comment separates this token from the previous one.
    joined: bool,
}

impl Token<'_> {
    fn is_keyword(&self, keyword: &str) -> bool {
        self.kind == Kind::Word && self.text.eq_ignore_ascii_case(keyword)
    }

    fn is_punct(&self, punct: &str) -> bool {
        self.kind == Kind::Punct && self.text == punct
    }
}

fn is_punct_char(c: char) -> bool {
    matches!(
        c,
        ';' | ',' | '(' | ')' | '=' | '<' | '>' | '+' | '*' | '&' | '!' | '{' | '}'
    )
}

fn tokenize(text: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut rest = text;
    let mut joined = false;
    while let Some(c) = rest.chars().next() {
        if c.is_whitespace() {
            rest = &rest[c.len_utf8()..];
            joined = false;
            continue;
        }
        if rest.starts_with("//") {
            rest = rest.find('\n').map_or("", |end| &rest[end..]);
            joined = false;
            continue;
        }
        if rest.starts_with("/*") {
            rest = rest[2..].find("*/").map_or("", |end| &rest[2 + end + 2..]);
            joined = false;
            continue;
        }
        let close = match c {
            '[' => Some(']'),
            '"' | '\'' | '`' => Some(c),
            _ => None,
        };
        let (token, next) = if let Some(close) = close {
            let inner = &rest[1..];
            let end = inner.find(close).unwrap_or(inner.len());
            let next = inner.get(end + 1..).unwrap_or("");
            (
                Token {
                    kind: Kind::Quoted,
                    text: &inner[..end],
                    joined,
                },
                next,
            )
        } else if is_punct_char(c) {
            let len = c.len_utf8();
            (
                Token {
                    kind: Kind::Punct,
                    text: &rest[..len],
                    joined,
                },
                &rest[len..],
            )
        } else {
            let end = rest
                .find(|c: char| {
                    c.is_whitespace() || is_punct_char(c) || matches!(c, '[' | '"' | '\'' | '`')
                })
                .unwrap_or(rest.len());
            (
                Token {
                    kind: Kind::Word,
                    text: &rest[..end],
                    joined,
                },
                &rest[end..],
            )
        };
        tokens.push(token);
        rest = next;
        joined = true;
    }
    tokens
}

/// Reads a name made of adjacent word and quoted tokens (`db."dbo".[t]`), returning it and the
/// number of tokens used.
fn read_name(tokens: &[Token<'_>]) -> Option<(String, usize)> {
    let first = tokens.first()?;
    if first.kind == Kind::Punct {
        return None;
    }
    let mut name = first.text.to_string();
    let mut used = 1;
    for token in &tokens[1..] {
        if !token.joined || token.kind == Kind::Punct {
            break;
        }
        name.push_str(token.text);
        used += 1;
    }
    Some((name, used))
}

/// Index just past the parenthesised group starting at `tokens[0]`, or 0 if there is none.
fn skip_parens(tokens: &[Token<'_>]) -> usize {
    if !tokens.first().is_some_and(|t| t.is_punct("(")) {
        return 0;
    }
    let mut depth = 0usize;
    for (index, token) in tokens.iter().enumerate() {
        if token.is_punct("(") {
            depth += 1;
        } else if token.is_punct(")") {
            depth -= 1;
            if depth == 0 {
                return index + 1;
            }
        }
    }
    tokens.len()
}

const SQL_CLAUSE_KEYWORDS: &[&str] = &[
    "WHERE",
    "GROUP",
    "ORDER",
    "HAVING",
    "UNION",
    "JOIN",
    "INNER",
    "LEFT",
    "RIGHT",
    "FULL",
    "CROSS",
    "OUTER",
    "ON",
    "LIMIT",
    "WITH",
    "FROM",
    "SELECT",
    "EXCEPT",
    "INTERSECT",
];

fn scan_statement(tokens: &[Token<'_>], sources: &mut Vec<Source>) {
    let is_sql = tokens
        .iter()
        .any(|t| t.is_keyword("SQL") || t.is_keyword("SELECT"));
    let mut index = 0;
    while index < tokens.len() {
        let token = tokens[index];
        let rest = &tokens[index + 1..];
        index += 1;
        if is_sql && (token.is_keyword("FROM") || token.is_keyword("JOIN")) {
            index += read_sql_tables(rest, sources);
        } else if !is_sql && token.is_keyword("FROM") {
            if let Some((path, used)) = read_name(rest) {
                index += used;
                sources.push(file_or_url(path));
            }
        } else if token.is_keyword("RESIDENT") {
            if let Some((table, used)) = read_name(rest) {
                index += used;
                sources.push(Source::Resident { table });
            }
        } else if token.is_keyword("INLINE") {
            sources.push(Source::Inline);
            // The inline data is one bracketed token; nothing in it is a source.
            index += usize::from(rest.first().is_some_and(|t| t.kind == Kind::Quoted));
        } else if token.is_keyword("AUTOGENERATE") {
            let count = rest
                .iter()
                .take_while(|t| !t.is_keyword("WHILE") && !t.is_punct(";"))
                .map(|t| t.text)
                .collect::<String>();
            let count = count
                .trim_start_matches('(')
                .trim_end_matches(')')
                .to_string();
            sources.push(Source::Autogenerate {
                count: (!count.is_empty()).then_some(count),
            });
        } else if token.is_keyword("STORE") {
            index += read_store(rest, sources);
        } else if token.is_keyword("CONNECT") && rest.first().is_some_and(|t| t.is_keyword("TO")) {
            let target = &rest[1..];
            let target = match target.first() {
                Some(t) if t.text == "32" || t.text == "64" => &target[1..],
                _ => target,
            };
            if let Some((name, used)) = read_name(target) {
                index += used + 1;
                sources.push(Source::Connection { name });
            }
        }
    }
}

/// Reads `name [AS alias] [(args)], name …` after a SQL `FROM`/`JOIN`; returns tokens used.
fn read_sql_tables(tokens: &[Token<'_>], sources: &mut Vec<Source>) -> usize {
    let mut index = 0;
    loop {
        let Some((name, used)) = read_name(&tokens[index..]) else {
            return index;
        };
        if SQL_CLAUSE_KEYWORDS
            .iter()
            .any(|k| name.eq_ignore_ascii_case(k))
        {
            return index;
        }
        index += used;
        sources.push(Source::SqlTable { name });
        index += skip_parens(&tokens[index..]);
        if tokens.get(index).is_some_and(|t| t.is_keyword("AS")) {
            index += 1;
        }
        if let Some(alias) = tokens.get(index) {
            let keyword = SQL_CLAUSE_KEYWORDS.iter().any(|k| alias.is_keyword(k));
            if alias.kind != Kind::Punct && !keyword {
                index += 1;
            }
        }
        if !tokens.get(index).is_some_and(|t| t.is_punct(",")) {
            return index;
        }
        index += 1;
    }
}

/// Reads `… INTO target (format)` after `STORE`; returns tokens used.
fn read_store(tokens: &[Token<'_>], sources: &mut Vec<Source>) -> usize {
    let Some(into) = tokens.iter().position(|t| t.is_keyword("INTO")) else {
        return 0;
    };
    let before = &tokens[..into];
    let table = match before.iter().rposition(|t| t.is_keyword("FROM")) {
        Some(from) => read_name(&before[from + 1..]),
        None => read_name(before),
    }
    .map(|(name, _)| name);
    let Some((target, used)) = read_name(&tokens[into + 1..]) else {
        return into + 1;
    };
    let mut index = into + 1 + used;
    let format = match (
        tokens.get(index),
        tokens.get(index + 1),
        tokens.get(index + 2),
    ) {
        (Some(open), Some(format), Some(close)) if open.is_punct("(") && close.is_punct(")") => {
            index += 3;
            Some(format.text.to_string())
        }
        _ => None,
    };
    sources.push(Source::Store {
        table,
        target,
        format,
    });
    index
}

fn file_or_url(path: String) -> Source {
    let is_url = ["http://", "https://", "ftp://"]
        .iter()
        .any(|scheme| starts_with_ignore_case(&path, scheme));
    if is_url {
        Source::Url { url: path }
    } else {
        Source::File { path }
    }
}

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(statement: &str, expected: &[Source]) {
        assert_eq!(upstream_sources(statement), expected, "{statement}");
    }

    fn sql(name: &str) -> Source {
        Source::SqlTable { name: name.into() }
    }

    #[test]
    fn preceding_load_and_sql_select() {
        check(
            "Parties:\r\nLOAD PartyId, Name;\r\nSQL SELECT PartyId, Name\r\n  FROM ReportingDataDB.dbo.tvf_parties_as_of(default, default);",
            &[sql("ReportingDataDB.dbo.tvf_parties_as_of")],
        );
    }

    #[test]
    fn sql_joins_lists_aliases_and_quoted_names() {
        check(
            "SELECT * FROM \"db\".\"dbo\".\"Orders\" o, Customers c JOIN [dbo].[Lines] AS l ON o.id = l.id WHERE x IN (SELECT y FROM Other)",
            &[sql("db.dbo.Orders"), sql("Customers"), sql("dbo.Lines"), sql("Other")],
        );
    }

    #[test]
    fn load_forms() {
        check(
            "LOAD * FROM [lib://QVD/Orders.qvd] (qvd);",
            &[Source::File {
                path: "lib://QVD/Orders.qvd".into(),
            }],
        );
        check(
            "LOAD * FROM lib://QVD/x.qvd (qvd) // comment FROM y",
            &[Source::File {
                path: "lib://QVD/x.qvd".into(),
            }],
        );
        check(
            "LOAD a RESIDENT [Order Lines] WHERE a > 1;",
            &[Source::Resident {
                table: "Order Lines".into(),
            }],
        );
        check("LOAD * INLINE [a\nFROM x];", &[Source::Inline]);
        check(
            "LOAD RecNo() AS n AUTOGENERATE 10;",
            &[Source::Autogenerate {
                count: Some("10".into()),
            }],
        );
        check(
            "LOAD * FROM https://example.com/data.csv (txt);",
            &[Source::Url {
                url: "https://example.com/data.csv".into(),
            }],
        );
    }

    #[test]
    fn store_and_connect() {
        check(
            "STORE Orders INTO [lib://QVD/Orders.qvd] (qvd);",
            &[Source::Store {
                table: Some("Orders".into()),
                target: "lib://QVD/Orders.qvd".into(),
                format: Some("qvd".into()),
            }],
        );
        check(
            "LIB CONNECT TO 'DW (svc)';",
            &[Source::Connection {
                name: "DW (svc)".into(),
            }],
        );
    }

    #[test]
    fn comments_and_empty_text_name_nothing() {
        check("", &[]);
        check("/* FROM a */ // FROM b", &[]);
    }
}
