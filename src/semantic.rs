//! The semantic resolver: executes a load script abstractly, the way the engine does at
//! reload time, and builds the data model it produces.
//!
//! Variables carry known text or an unknown reason; `$(…)` is expanded on each statement's
//! text and the result re-parsed with the front-end's parser (spans map back through a
//! [`source_map::SourceMap`]); includes are read inside the roots the caller allowed; IF with a
//! decidable condition takes one branch, otherwise every branch runs on a copy of the state
//! and the results merge, marked conditional; loops with known bounds unroll (capped); SUBs
//! are inlined at their CALLs with parameters bound by reference. The table model follows
//! Qlik's rules ([`table_model`]). Everything that could not be determined is listed in
//! [`model::AppModel::unresolved`] with a reason, never dropped.
//!
//! Entry points: [`resolve`] for one app, [`resolve_estate`] for the apps of an estate
//! (BINARY statements then load the tables of the app they name). No I/O happens outside the include, file and QVD roots in
//! [`ResolveOptions`].

mod binary;
pub mod connections;
mod control_flow;
pub mod derivation;
pub mod environment;
mod estate;
pub mod evaluate;
pub mod expansion;
pub mod field_reads;
pub mod includes;
mod inline;
mod input;
mod loads;
pub mod model;
pub mod mounts;
mod rename;
mod reparse;
pub mod source_map;
pub mod sources;
pub mod sql;
pub mod table_model;

use std::path::PathBuf;

pub use connections::{Connection, ConnectionKind, Connections, ConnectionsError};
pub use estate::resolve_estate;
pub use input::{AppInput, InputError};
pub use model::AppModel;

use crate::diagnostics::Diagnostic;

/// What the caller allows and presets.
#[derive(Debug, Clone)]
pub struct ResolveOptions {
    /// `--var NAME=VALUE`: variables set before the script runs (override system defaults).
    pub variables: Vec<(String, String)>,
    /// `--assume-date`: the date `Today()`, `Now()` and `ReloadTime()` return.
    pub assume_date: Option<jiff::civil::Date>,
    /// Folders include files may be read from. Empty: the main script's folder.
    pub include_roots: Vec<PathBuf>,
    /// Folders an include script is looked for in when its own path has no local copy: by
    /// its path under its folder connection, then by file name (a crawl's
    /// `[paths] qvs_scripts`, `--include-dir`). Readable like the include roots.
    pub include_dirs: Vec<PathBuf>,
    /// The folder `FileList()`/`DirList()` may list.
    pub files_root: Option<PathBuf>,
    /// Folders QVD headers may be read from (for `LOAD *`), besides the roots above.
    pub qvd_dirs: Vec<PathBuf>,
    /// FOR loops with more iterations than this run once, symbolically; DO loops stop here.
    pub max_loop_iterations: usize,
    /// Statements executed in total before the analysis stops (nested loops, recursion).
    pub max_statements: usize,
    /// Keep each file's syntax tree in [`Resolved::syntax`] (the linter reads the tree the
    /// resolver parsed instead of parsing again); off by default, since trees are large.
    pub keep_syntax: bool,
}

impl Default for ResolveOptions {
    fn default() -> Self {
        ResolveOptions {
            variables: Vec::new(),
            assume_date: None,
            include_roots: Vec::new(),
            include_dirs: Vec::new(),
            files_root: None,
            qvd_dirs: Vec::new(),
            max_loop_iterations: 10_000,
            max_statements: 1_000_000,
            keep_syntax: false,
        }
    }
}

/// A diagnostic with the file it is about (an index into [`AppModel::files`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDiagnostic {
    pub file: model::FileId,
    pub diagnostic: Diagnostic,
}

/// The result of resolving one app.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub model: AppModel,
    /// Syntax diagnostics of every file read, then the resolver's own, in the order found.
    pub diagnostics: Vec<FileDiagnostic>,
    /// Each file's syntax tree, indexed like [`AppModel::files`], when
    /// [`ResolveOptions::keep_syntax`] asked for it; empty otherwise.
    pub syntax: Vec<crate::syntax::ast::Script>,
    /// Fields LOADs read that their input does not have ("Field not found"), recorded with
    /// [`ResolveOptions::keep_syntax`] only; see [`field_reads`].
    pub missing_fields: Vec<field_reads::MissingField>,
}

impl Resolved {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.diagnostic.is_error())
    }
}

/// Resolves one app: runs its script abstractly and returns the model with its diagnostics.
pub fn resolve(input: &AppInput, options: &ResolveOptions) -> Resolved {
    control_flow::run(input, options, None)
}
