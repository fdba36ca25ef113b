//! Analyses of SQL bodies kept by shape, so a script that sends the same query again and again
//! with other constants (a loop over regions or years, one extract per layer) parses it once.
//!
//! A body's *shape* is its text with the content of every plain string literal replaced by
//! one marker character. Two bodies with the same shape tokenize to the same tokens except for
//! the values of those literals, and sqlparser never branches on a literal's value, so their
//! trees differ only there. What [`super::analyse`] takes from a tree (tables, output column
//! names, the columns each reads) holds a literal's value only when the literal is printed
//! into a name (`SELECT 'a'` is a column named `'a'`); an analysis holding the marker is
//! therefore never shared, and such bodies are analysed as they are.
//!
//! The shape is only taken when literals are found with certainty: a body holding a comment,
//! a quoted or bracketed identifier, a `$`, a backslash, a doubled quote or a prefixed string
//! (`N'…'`, `E'…'`, `X'…'`) is analysed as it is, uncached. Only parsed analyses are shared;
//! a refused body keeps its own reason (the parser's message quotes its tokens and positions).

use rustc_hash::FxHashMap as HashMap;
use std::rc::Rc;

use super::{analyse, SqlAnalysis, SqlDialect};

/// Stands for a literal's content in a shape; a name holding it came from a literal.
const MARKER: char = '\u{1}';
/// Cached shapes past this many bytes in total empty the cache.
const MAX_CACHED_BYTES: usize = 1 << 20;

#[derive(Debug, Default)]
pub struct SqlCache {
    /// `None`: the shape's analysis cannot be shared (it failed, or names hold a literal).
    shapes: HashMap<(SqlDialect, String), Option<Rc<SqlAnalysis>>>,
    bytes: usize,
}

impl SqlCache {
    /// [`analyse`], answered from the cache when a body of the same shape was analysed.
    pub fn analyse(&mut self, body: &str, dialect: SqlDialect) -> SqlAnalysis {
        let Some(shape) = shape(body) else {
            return analyse(body, dialect);
        };
        let key = (dialect, shape);
        if let Some(entry) = self.shapes.get(&key) {
            return match entry {
                Some(analysis) => SqlAnalysis::clone(analysis),
                None => analyse(body, dialect),
            };
        }
        let of_shape = analyse(&key.1, dialect);
        let shared = of_shape.fallback.is_none() && !mentions_marker(&of_shape);
        self.bytes += key.1.len();
        if self.bytes > MAX_CACHED_BYTES {
            self.shapes.clear();
            self.bytes = key.1.len();
        }
        if shared {
            self.shapes.insert(key, Some(Rc::new(of_shape.clone())));
            of_shape
        } else {
            self.shapes.insert(key, None);
            analyse(body, dialect)
        }
    }
}

/// The body with each plain string literal's content replaced by [`MARKER`]; `None` when the
/// body holds something that makes finding its literals uncertain (see the module doc).
fn shape(body: &str) -> Option<String> {
    if !body.contains('\'') {
        return None;
    }
    let uncertain = |b: &u8| {
        matches!(
            b,
            b'"' | b'`' | b'[' | b'#' | b'$' | b'\\' | b'{' | b'}' | 0x01
        )
    };
    if body.bytes().any(|b| uncertain(&b))
        || body.contains("--")
        || body.contains("/*")
        || body.contains("''")
    {
        return None;
    }
    let bytes = body.as_bytes();
    let mut out = String::with_capacity(body.len());
    let mut copied = 0;
    let mut i = 0;
    while let Some(found) = body[i..].find('\'') {
        let open = i + found;
        let plain_before = open == 0
            || matches!(
                bytes[open - 1],
                b' ' | b'\t'
                    | b'\r'
                    | b'\n'
                    | b'('
                    | b','
                    | b'='
                    | b'<'
                    | b'>'
                    | b'+'
                    | b'-'
                    | b'*'
                    | b'/'
                    | b'%'
                    | b'|'
            );
        if !plain_before {
            return None;
        }
        let close = open + 1 + body[open + 1..].find('\'')?;
        out.push_str(&body[copied..=open]);
        out.push(MARKER);
        copied = close;
        i = close + 1;
    }
    out.push_str(&body[copied..]);
    Some(out)
}

fn mentions_marker(analysis: &SqlAnalysis) -> bool {
    let has = |t: &str| t.contains(MARKER);
    analysis.tables.iter().any(|t| has(t))
        || analysis.columns.iter().flatten().any(|c| {
            has(&c.name)
                || c.reads
                    .iter()
                    .any(|r| has(&r.column) || r.table.as_deref().is_some_and(has))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_blank_plain_literals_only() {
        assert_eq!(
            shape("SELECT a FROM t WHERE r = 'R1' AND s IN ('x', 'y z')").as_deref(),
            Some("SELECT a FROM t WHERE r = '\u{1}' AND s IN ('\u{1}', '\u{1}')")
        );
        assert_eq!(shape("SELECT a FROM t"), None);
        for uncertain in [
            "SELECT a FROM t WHERE r = N'x'",
            "SELECT a FROM t WHERE r = E'x'",
            "SELECT a FROM t WHERE r = 'it''s'",
            "SELECT a FROM t -- it's\nWHERE r = 'x'",
            "SELECT a FROM t /* it's */ WHERE r = 'x'",
            "SELECT \"it's\" FROM t WHERE r = 'x'",
            "SELECT [it's] FROM t WHERE r = 'x'",
            "SELECT a FROM t WHERE r = 'a\\'b'",
            "SELECT a FROM t WHERE r = '$(v)'",
            "SELECT a FROM t WHERE r = 'open",
        ] {
            assert_eq!(shape(uncertain), None, "{uncertain}");
        }
    }

    #[test]
    fn same_shape_shares_the_analysis() {
        let mut cache = SqlCache::default();
        for region in ["R1", "R22", "North West"] {
            let sql =
                format!("SELECT OrderID, Amount FROM dbo.Orders o WHERE o.Region = '{region}'");
            let cached = cache.analyse(&sql, SqlDialect::SqlServer);
            assert_eq!(cached, analyse(&sql, SqlDialect::SqlServer));
        }
        assert_eq!(cache.shapes.len(), 1);
        assert!(cache.shapes.values().all(Option::is_some));
    }

    #[test]
    fn literals_printed_into_names_are_not_shared() {
        let mut cache = SqlCache::default();
        for sql in [
            "SELECT 'a', b FROM t WHERE c = 'x'",
            "SELECT 'b', b FROM t WHERE c = 'y'",
            "SELECT COALESCE(b, 'none') FROM t",
            "SELECT COALESCE(b, 'n/a') FROM t",
        ] {
            assert_eq!(
                cache.analyse(sql, SqlDialect::Generic),
                analyse(sql, SqlDialect::Generic),
                "{sql}"
            );
        }
    }

    #[test]
    fn refused_bodies_keep_their_own_reason() {
        let mut cache = SqlCache::default();
        for sql in ["SELECT FROM WHERE 'x'", "SELECT FROM WHERE 'longer one'"] {
            let cached = cache.analyse(sql, SqlDialect::Generic);
            assert!(cached.fallback.is_some());
            assert_eq!(cached, analyse(sql, SqlDialect::Generic), "{sql}");
        }
    }

    /// Every SQL body of the corpus, in every dialect, and each with its literals changed:
    /// the cached analysis equals the direct one, first time and from the cache.
    #[test]
    fn corpus_bodies_analyse_the_same_through_the_cache() {
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
        let files = crate::inputs::script_files(&[corpus])
            .into_result()
            .expect("corpus readable");
        let mut bodies = Vec::new();
        for path in files {
            let bytes = std::fs::read(&path).expect("corpus file readable");
            let source = crate::source::SourceFile::decode("x", &bytes);
            let parsed = crate::syntax::parse(&source);
            collect_bodies(&parsed.script.statements, &mut bodies);
        }
        assert!(bodies.len() > 50, "only {} SQL bodies found", bodies.len());
        let dialects = [
            SqlDialect::SqlServer,
            SqlDialect::Oracle,
            SqlDialect::PostgreSql,
            SqlDialect::MySql,
            SqlDialect::Snowflake,
            SqlDialect::BigQuery,
            SqlDialect::Generic,
        ];
        let mut shaped = 0;
        for dialect in dialects {
            let mut cache = SqlCache::default();
            for body in &bodies {
                let variant = change_literals(body);
                shaped += usize::from(shape(body).is_some());
                for text in [body.as_str(), variant.as_str(), body.as_str()] {
                    assert_eq!(
                        cache.analyse(text, dialect),
                        analyse(text, dialect),
                        "{dialect:?}: {text}"
                    );
                }
            }
        }
        assert!(
            shaped > 0,
            "no corpus body has a shape: the test proves nothing"
        );
    }

    fn collect_bodies(stmts: &[crate::syntax::ast::Stmt], out: &mut Vec<String>) {
        let mut stack: Vec<&crate::syntax::ast::Stmt> = stmts.iter().collect();
        while let Some(stmt) = stack.pop() {
            if let crate::syntax::ast::StmtKind::Select(select) = &stmt.kind {
                out.push(select.body.text.as_str().to_owned());
            }
            stack.extend(stmt.children());
        }
    }

    /// The body with each plain literal's content replaced by another of a different length.
    fn change_literals(body: &str) -> String {
        let mut out = String::new();
        let mut inside = false;
        for c in body.chars() {
            if c == '\'' {
                if !inside {
                    out.push_str("'other value");
                }
                inside = !inside;
                if !inside {
                    out.push('\'');
                }
            } else if !inside {
                out.push(c);
            }
        }
        out
    }
}
