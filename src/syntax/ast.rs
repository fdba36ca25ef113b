//! The syntax tree of a load script, as written (before any `$(…)` expansion).
//!
//! Every node carries a byte [`Span`] into the decoded source. Names keep their text and quoting
//! exactly as written; `$(…)` is kept as text wherever it stands (the resolver expands it later).
//! Definitions and uses are not told apart here: that is the resolver's job.

mod expr;
mod load;
mod stmt;

pub use expr::*;
pub use load::*;
pub use stmt::*;

pub use crate::source::Span;
use serde::Serialize;

/// A parsed script: statements (with control blocks nested), and the comments and `///$tab`
/// markers that the statements do not hold.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Script {
    pub statements: Vec<Stmt>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tabs: Vec<Tab>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub comments: Vec<Comment>,
}

/// A `///$tab Name` marker: the start of an editor tab (section) of the script.
#[derive(Debug, Clone, Serialize)]
pub struct Tab {
    pub name: String,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CommentKind {
    Line,
    Block,
}

/// A comment, kept out of the tree in a side table for formatters and linters.
#[derive(Debug, Clone, Serialize)]
pub struct Comment {
    pub kind: CommentKind,
    pub span: Span,
}

/// How a name or literal was delimited in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Quote {
    None,
    /// `"name"`
    Double,
    /// `[name]`
    Bracket,
    /// `` `name` ``
    Backtick,
    /// `'name'` (legal for table labels and a few name positions)
    Single,
}

/// Text of names and number literals: a string stored inline up to 24 bytes, so the
/// millions of short names a large script holds cost no heap allocation. Serialises as a
/// plain string; derefs to `&str`.
pub type Name = compact_str::CompactString;

/// A name as written: a field, table, variable, sub, connection or tag name.
///
/// `text` is the name without its delimiters and with doubled delimiters undone; names are
/// case-sensitive in Qlik, so compare `text` exactly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ident {
    pub text: Name,
    pub quote: Quote,
    pub span: Span,
}

impl Ident {
    /// True when the name holds a `$(…)` expansion, so its real value is only known after
    /// expansion.
    pub fn is_templated(&self) -> bool {
        self.text.contains("$(")
    }
}

/// Source text kept verbatim (SQL bodies, SET values, TRACE text, unquoted paths…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RawText {
    pub text: String,
    pub span: Span,
}

impl Script {
    /// Statements in the tree (nested ones included), not counting empty `;`.
    pub fn statement_count(&self) -> usize {
        let mut count = 0;
        let mut stack: Vec<&Stmt> = self.statements.iter().collect();
        while let Some(stmt) = stack.pop() {
            if stmt.kind != StmtKind::Empty {
                count += 1;
            }
            stack.extend(stmt.children());
        }
        count
    }
}

impl Stmt {
    /// Statements directly nested in this one: block bodies and the statement a preceding
    /// LOAD reads from.
    pub fn children(&self) -> Vec<&Stmt> {
        match &self.kind {
            StmtKind::Load(load) => match &load.source {
                LoadSource::Preceding(below) => vec![below.as_ref()],
                _ => Vec::new(),
            },
            StmtKind::If(s) => s
                .branches
                .iter()
                .flat_map(|b| &b.body)
                .chain(s.else_branch.iter().flat_map(|e| &e.body))
                .chain(s.dead_branches.iter().flat_map(|e| &e.body))
                .collect(),
            StmtKind::For(s) => s.body.iter().collect(),
            StmtKind::ForEach(s) => s.body.iter().collect(),
            StmtKind::Do(s) => s.body.iter().collect(),
            StmtKind::Sub(s) => s.body.iter().collect(),
            StmtKind::Switch(s) => s
                .before_first_case
                .iter()
                .chain(s.cases.iter().flat_map(|c| &c.body))
                .chain(s.default.iter().flat_map(|d| &d.body))
                .collect(),
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod size_tests {
    use super::*;

    /// Parsers move these values through many combinators and scripts hold millions of them:
    /// large variants are boxed to keep every node small.
    #[test]
    fn nodes_stay_small() {
        assert!(std::mem::size_of::<Stmt>() <= 80);
        assert!(std::mem::size_of::<StmtKind>() <= 48);
        assert!(std::mem::size_of::<Expr>() <= 48);
        assert!(std::mem::size_of::<Prefix>() <= 64);
    }
}
