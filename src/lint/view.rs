//! The shared view every rule reads: the resolver's trees, model and diagnostics of one app,
//! with the facts several rules need indexed once (statements in source order, function calls,
//! `$(…)` uses). Built once per app; rules never parse.

use crate::semantic::model::{AppModel, FileId, SourceKind};
use crate::semantic::{AppInput, Connections, FileDiagnostic, Resolved};
use crate::source::{SourceFile, Span};
use crate::syntax::ast::{Expr, LoadSource, Script, Stmt, StmtKind};
use crate::syntax::dollar::{self, DollarParts};
use crate::syntax::visit::{walk, Visit};

/// One statement of a file, nested ones included, in source order.
#[derive(Debug, Clone, Copy)]
pub struct StmtRef<'a> {
    pub file: FileId,
    pub stmt: &'a Stmt,
    /// Control blocks around it (0 at the top of the file).
    pub depth: u32,
    /// A lower level of a preceding-load chain (the statement a LOAD above reads from).
    pub preceding_level: bool,
    /// The top of a preceding-load chain of two or more levels.
    pub chain_top: bool,
}

/// A function call in a script expression.
#[derive(Debug, Clone)]
pub struct CallFact {
    pub file: FileId,
    pub name: String,
    pub name_span: Span,
    pub span: Span,
    pub args: usize,
    /// The first argument when it is a string literal (`ApplyMap('Map', …)`).
    pub first_string: Option<String>,
}

/// A `$(name)` or `$(#name)` use of a variable anywhere in a file's text.
#[derive(Debug, Clone)]
pub struct DollarUse {
    pub file: FileId,
    pub name: String,
    pub span: Span,
}

/// Everything a rule may read about one app.
pub struct AppView<'a> {
    pub model: &'a AppModel,
    /// The resolver's and the parser's diagnostics (syntax ones of every file).
    pub diagnostics: &'a [FileDiagnostic],
    /// Each file's tree, indexed like `model.files`.
    pub trees: &'a [Script],
    /// Fields LOADs read that their input lacks (the resolver's facts, in execution order).
    pub missing_fields: &'a [crate::semantic::field_reads::MissingField],
    pub connections: &'a Connections,
    /// The app's folder (site snapshot or unbuild app), where its objects may be.
    pub app_dir: Option<&'a std::path::Path>,
    /// Every statement, sorted by file and start.
    pub stmts: Vec<StmtRef<'a>>,
    pub calls: Vec<CallFact>,
    /// Sorted by file and start.
    pub dollar_uses: Vec<DollarUse>,
    /// Files the app's QVD and file loads read (resolved paths, `/` separators, lower case):
    /// what estate rules look up in other apps.
    pub read_paths: std::collections::HashSet<String>,
}

/// A resolved path as [`AppView::read_paths`] holds it.
pub fn path_key(path: &str) -> String {
    path.replace('\\', "/").to_lowercase()
}

impl<'a> AppView<'a> {
    pub fn new(resolved: &'a Resolved, input: &'a AppInput) -> Self {
        let connections = &input.connections;
        let mut stmts = Vec::new();
        let mut calls = Vec::new();
        let mut dollar_uses = Vec::new();
        for (file, tree) in resolved.syntax.iter().enumerate() {
            let file = file as FileId;
            for stmt in &tree.statements {
                push_stmt(&mut stmts, file, stmt, 0, false);
            }
            let mut collector = Calls {
                file,
                out: &mut calls,
            };
            collector.visit_script(tree);
            if let Some(source) = resolved.model.files.get(file as usize) {
                collect_dollars(file, &source.source.text, &mut dollar_uses);
            }
        }
        dollar_uses.sort_by_key(|u| (u.file, u.span.start));
        debug_assert!(stmts
            .windows(2)
            .all(|w| (w[0].file, w[0].stmt.span.start) <= (w[1].file, w[1].stmt.span.start)));
        let read_paths = resolved
            .model
            .loads
            .iter()
            .filter(|l| matches!(l.source.kind, Some(SourceKind::Qvd | SourceKind::File)))
            .filter_map(|l| l.source.resolved_path.as_deref())
            .map(path_key)
            .collect();
        AppView {
            model: &resolved.model,
            diagnostics: &resolved.diagnostics,
            trees: &resolved.syntax,
            missing_fields: &resolved.missing_fields,
            connections,
            app_dir: input.app_dir.as_deref(),
            stmts,
            calls,
            dollar_uses,
            read_paths,
        }
    }

    pub fn source(&self, file: FileId) -> Option<&'a SourceFile> {
        self.model.files.get(file as usize).map(|f| &f.source)
    }

    /// The source text of a span (empty when out of range).
    pub fn text(&self, file: FileId, span: Span) -> &'a str {
        self.source(file)
            .and_then(|s| s.text.get(span.range()))
            .unwrap_or("")
    }

    /// The outermost statement of `file` whose span starts at `start`, if any (`stmts` is
    /// sorted by file and start: a pre-order walk of source-ordered trees).
    pub fn stmt_at(&self, file: FileId, start: u32) -> Option<&StmtRef<'a>> {
        let at = self
            .stmts
            .partition_point(|s| (s.file, s.stmt.span.start) < (file, start));
        self.stmts
            .get(at)
            .filter(|s| s.file == file && s.stmt.span.start == start)
    }

    /// The `$(…)` uses that start inside `span` of `file` (`dollar_uses` is sorted).
    pub fn dollar_uses_in(&self, file: FileId, span: Span) -> &[DollarUse] {
        let from = self
            .dollar_uses
            .partition_point(|u| (u.file, u.span.start) < (file, span.start));
        let to = self
            .dollar_uses
            .partition_point(|u| (u.file, u.span.start) < (file, span.end));
        &self.dollar_uses[from..to.max(from)]
    }

    /// The names of every table the script creates or loads into, in any path (mapping
    /// tables included): candidates for "did you mean".
    pub fn table_names(&self) -> Vec<&'a str> {
        let mut names: Vec<&str> = self.model.loads.iter().map(|l| l.target.as_str()).collect();
        names.extend(self.model.tables.iter().map(|t| t.name.as_str()));
        names.sort_unstable();
        names.dedup();
        names.retain(|n| !n.is_empty());
        names
    }
}

fn push_stmt<'a>(
    out: &mut Vec<StmtRef<'a>>,
    file: FileId,
    stmt: &'a Stmt,
    depth: u32,
    preceding_level: bool,
) {
    let chain_top = !preceding_level
        && matches!(&stmt.kind, StmtKind::Load(l) if matches!(l.source, LoadSource::Preceding(_)));
    out.push(StmtRef {
        file,
        stmt,
        depth,
        preceding_level,
        chain_top,
    });
    match &stmt.kind {
        StmtKind::Load(load) => {
            if let LoadSource::Preceding(below) = &load.source {
                push_stmt(out, file, below, depth, true);
            }
        }
        _ => {
            for child in stmt.children() {
                push_stmt(out, file, child, depth + 1, false);
            }
        }
    }
}

struct Calls<'o> {
    file: FileId,
    out: &'o mut Vec<CallFact>,
}

impl Visit for Calls<'_> {
    fn visit_expr(&mut self, node: &Expr) {
        if let Expr::Call(call) = node {
            let first_string = match call.args.first() {
                Some(Expr::String(s)) => Some(s.value.clone()),
                _ => None,
            };
            self.out.push(CallFact {
                file: self.file,
                name: call.name.text.to_string(),
                name_span: call.name.span,
                span: call.span,
                args: call.args.len(),
                first_string,
            });
        }
        walk::expr(self, node)
    }
}

/// Every `$(v)`, `$(v(args))` and `$(#v)` in the text, nested ones included.
fn collect_dollars(file: FileId, text: &str, out: &mut Vec<DollarUse>) {
    let mut pending: Vec<(usize, usize)> = vec![(0, text.len())];
    while let Some((from, to)) = pending.pop() {
        let Some(slice) = text.get(from..to) else {
            continue;
        };
        for segment in dollar::find(slice) {
            let span = Span::new(
                from + segment.span.start as usize,
                from + segment.span.end as usize,
            );
            let seg_text = &text[span.range()];
            match dollar::parts(seg_text, span) {
                DollarParts::Variable { name, .. } | DollarParts::Numeric { name } => {
                    out.push(DollarUse {
                        file,
                        name: name.text.trim().to_string(),
                        span,
                    });
                }
                _ => {}
            }
            // Inner expansions (`$(v$(i))`, `$(=Sum($(x)))`) are uses too.
            if span.len() > 3 {
                pending.push((span.start as usize + 2, span.end as usize - 1));
            }
        }
    }
}
