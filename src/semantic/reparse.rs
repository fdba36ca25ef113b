//! Re-parsing expanded text through the front-end's [`Parser`], as Qlik parses a statement
//! again after expanding its `$(…)`.
//!
//! The expanded text is its own coordinate space (offset 0; the expansion's source map leads
//! spans back to the file), so equal texts parse to equal trees: the results are kept by text.
//! A loop re-runs the same statement with the same values again and again (the synthetic
//! script's `FOR v = 1 TO 12 … LET vMonth = …$(v)…` in every layer), and building the parser
//! costs more than the rest of such a statement's analysis. The cache is bounded in bytes.

use rustc_hash::FxHashMap as HashMap;
use std::rc::Rc;

use super::control_flow::Machine;
use super::model::FileId;
use crate::syntax::{Origin, Parsed, ParsedExpr, Parser};

/// Cached texts past this many bytes in total empty the cache.
const MAX_CACHED_BYTES: usize = 1 << 20;

#[derive(Default)]
pub(super) struct ReparseCache {
    statements: HashMap<String, Rc<Parsed>>,
    expressions: HashMap<String, Rc<ParsedExpr>>,
    bytes: usize,
}

impl ReparseCache {
    fn make_room(&mut self, len: usize) {
        self.bytes += len;
        if self.bytes > MAX_CACHED_BYTES {
            self.statements.clear();
            self.expressions.clear();
            self.bytes = len;
        }
    }
}

impl Machine<'_> {
    /// `text` parsed as statements, its diagnostics attributed to `file`.
    pub(super) fn reparse_statements(&mut self, text: &str, file: FileId) -> Rc<Parsed> {
        if let Some(parsed) = self.reparse.statements.get(text) {
            return parsed.clone();
        }
        let parsed = Rc::new(Parser::new().statements(text, origin(file)));
        self.reparse.make_room(text.len());
        self.reparse
            .statements
            .insert(text.to_string(), parsed.clone());
        parsed
    }

    /// `text` parsed as a script expression.
    pub(super) fn reparse_expression(&mut self, text: &str, file: FileId) -> Rc<ParsedExpr> {
        if let Some(parsed) = self.reparse.expressions.get(text) {
            return parsed.clone();
        }
        let parsed = Rc::new(Parser::new().expression(text, origin(file), false));
        self.reparse.make_room(text.len());
        self.reparse
            .expressions
            .insert(text.to_string(), parsed.clone());
        parsed
    }
}

fn origin(file: FileId) -> Origin {
    Origin {
        file: crate::source::FileId(file),
        offset: 0,
    }
}
