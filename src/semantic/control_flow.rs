//! The abstract machine: walks statements in execution order, expands and re-parses them,
//! follows IF/FOR/DO/SWITCH/SUB/CALL/EXIT and includes, and hands data statements to the
//! table model ([`super::loads`]).
//!
//! State that alternative paths can change (variables, tables, DIRECTORY, connection) lives
//! in [`State`], which an undecidable IF copies per branch and merges afterwards. What the
//! run found (loads, stores, unresolved items, diagnostics) is append-only output. Work is
//! bounded: loops by `max_loop_iterations`, everything by `max_statements`, includes and
//! calls by depth, expansion by size and depth.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::path::PathBuf;
use std::rc::Rc;

use super::connections::Connections;
use super::environment::{bounded_reason, Environment, VarValue};
use super::evaluate::{self, Context, Unknown, Value};
use super::expansion::{self, ExpandContext, Expansion, Issue, Lookup};
use super::includes::{resolve_path, ReadRefusal, Roots};
use super::model::{
    AppModel, FileId, Load, Location, ScriptFile, Store, Unresolved, VariableState,
};
use super::source_map::SourceMap;
use super::table_model::{self, TableModel};
use super::{AppInput, FileDiagnostic, ResolveOptions, Resolved};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::{SourceFile, Span};
use crate::syntax::ast::{
    ConnectKind, ExitTarget, Expr, FieldPattern, FieldPatternsKind, FieldsOrTables, ForEachList,
    Keyword, LoadSource, LoopConditionKind, RawKind, Script, SectionKind, Stmt, StmtKind,
};

mod branches;
mod finish;
mod include_run;
mod loops;
mod seen;
mod statements;
mod subs;

/// Includes nested deeper than this are refused.
const MAX_INCLUDE_DEPTH: usize = 32;
/// CALLs nested deeper than this are refused (recursion guard).
const MAX_CALL_DEPTH: usize = 32;

/// The database connection statements run on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct CurrentConnection {
    /// The data connection's name, or the connection string (credentials never shown).
    pub name: String,
    /// Text the SQL dialect is chosen from.
    pub provider: String,
}

/// What alternative paths can change.
#[derive(Debug, Clone)]
pub(super) struct State {
    pub env: Environment,
    pub tables: TableModel,
    pub directory: Option<String>,
    pub connection: Option<CurrentConnection>,
    pub section_access: bool,
    /// `MAP field USING mapping` bindings in force.
    pub mapped: Vec<(String, String)>,
}

/// How a statement left its block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Flow {
    Normal,
    ExitScript,
    ExitSub,
    ExitFor,
    ExitDo,
}

/// Where the statements being run come from: the text their spans index into and how those
/// spans map back to a file.
#[derive(Clone, Copy)]
pub(super) struct Origin<'t> {
    pub file: FileId,
    pub text: &'t str,
    pub map: Option<&'t SourceMap>,
}

impl Origin<'_> {
    pub fn loc(&self, span: Span) -> Location {
        Location {
            file: self.file,
            span: self.map.map_or(span, |m| m.map_span(span)),
        }
    }

    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }

    /// True when the text was produced by expansion (it is never expanded again).
    pub fn expanded(&self) -> bool {
        self.map.is_some()
    }
}

/// A SUB definition and the text its spans index into.
struct SubDef {
    file: FileId,
    text: Rc<str>,
    map: Option<Rc<SourceMap>>,
    stmt: Stmt,
}

pub(super) struct Machine<'o> {
    pub options: &'o ResolveOptions,
    pub connections: &'o Connections,
    pub app_dir: Option<PathBuf>,
    include_roots: Roots,
    pub files_root: Option<Roots>,
    /// Where QVD headers may be read (include roots, files root, `--qvd-dir`).
    pub qvd_roots: Roots,
    pub files: Vec<ScriptFile>,
    /// Each file's text as a shared string, made when first needed (SUB bodies and includes
    /// keep it; the main script runs on the caller's text, not a copy).
    texts: Vec<Option<Rc<str>>>,
    pub state: State,
    pub loads: Vec<Load>,
    /// Loads by a hash of what makes two records the same (see [`Machine::push_load`]).
    load_keys: seen::SeenIndex,
    pub stores: Vec<Store>,
    /// Stores by a hash of location, table, path and condition.
    store_keys: seen::SeenIndex,
    pub unresolved: Vec<Unresolved>,
    /// Unresolved items by a hash of location and text.
    unresolved_keys: seen::SeenIndex,
    pub diagnostics: Vec<FileDiagnostic>,
    diagnostic_keys: HashSet<(FileId, Span, Code)>,
    subs: HashMap<String, Rc<SubDef>>,
    /// Canonical paths of the files being run, for include cycles. The script's own path is
    /// put first when the first include runs ([`Machine::root_path`]): resolving the path costs
    /// system calls that most scripts, having no include, never need.
    include_stack: Vec<PathBuf>,
    /// The script's path as given, until the first include puts its canonical form on the
    /// include stack.
    root_path: Option<PathBuf>,
    steps: usize,
    stopped: bool,
    pub conditional: usize,
    /// Loops analysed once symbolically (their values unknown) that are running now.
    symbolic_loops: usize,
    /// The SUBs being run, innermost last (lower-case names; its length is the call depth),
    /// each with [`Machine::symbolic_loops`] as it was
    /// when the call began: a recursive CALL from a symbolic iteration started inside the same
    /// SUB would only repeat its statements with the same unknowns, one level deeper.
    active_subs: Vec<(String, usize)>,
    undefined_reported: HashSet<String>,
    /// The first include this run could not look at (no local copy of its folder, or outside
    /// the allowed roots): from then on a variable never set may have been set there, so it
    /// is unknown rather than empty.
    pub unread_include: Option<String>,
    /// Preceding LOADs being analysed below one another (a recursion depth).
    pub preceding_depth: usize,
    /// QVD field lists already read, by canonical path.
    pub qvd_cache: HashMap<PathBuf, Option<Vec<String>>>,
    /// Preceding LOADs waiting for the LOAD or SELECT that runs next.
    pub pending_following: Vec<super::loads::PendingLoad>,
    /// The other apps of the estate, when the app is resolved with them (BINARY).
    pub estate: Option<&'o super::estate::EstateView<'o>>,
    /// Expanded texts already parsed.
    pub(super) reparse: super::reparse::ReparseCache,
    /// SQL bodies already analysed, by dialect and shape.
    pub(super) sql_cache: super::sql::SqlCache,
    /// Each file's tree, kept for [`Resolved::syntax`] when the options ask for it.
    trees: Vec<Rc<Script>>,
    /// Fields read that the input lacks (linter facts, [`super::field_reads`]).
    pub missing_fields: super::field_reads::MissingFields,
}

/// Runs the app's script.
pub(super) fn run(
    input: &AppInput,
    options: &ResolveOptions,
    estate: Option<&super::estate::EstateView>,
) -> Resolved {
    let mut include_dirs: Vec<PathBuf> = options.include_roots.clone();
    if include_dirs.is_empty() {
        include_dirs.extend(input.app_dir.clone());
    }
    include_dirs.extend(input.roots.iter().cloned());
    // A mounted server folder is readable because the user said where it is.
    include_dirs.extend(
        input
            .connections
            .mounts()
            .iter()
            .map(|m| m.local().to_path_buf()),
    );
    include_dirs.extend(options.include_dirs.iter().cloned());
    let mut qvd_dirs = include_dirs.clone();
    qvd_dirs.extend(options.files_root.iter().cloned());
    qvd_dirs.extend(options.qvd_dirs.iter().cloned());
    let mut machine = Machine {
        options,
        connections: &input.connections,
        app_dir: input.app_dir.clone(),
        include_roots: Roots::new(&include_dirs),
        files_root: options
            .files_root
            .as_ref()
            .map(|r| Roots::new(std::slice::from_ref(r))),
        qvd_roots: Roots::new(&qvd_dirs),
        files: Vec::new(),
        texts: Vec::new(),
        state: State {
            env: Environment::with_defaults(&options.variables),
            tables: TableModel::default(),
            directory: None,
            connection: None,
            section_access: false,
            mapped: Vec::new(),
        },
        loads: Vec::new(),
        load_keys: Default::default(),
        stores: Vec::new(),
        store_keys: Default::default(),
        unresolved: Vec::new(),
        unresolved_keys: Default::default(),
        diagnostics: Vec::new(),
        diagnostic_keys: HashSet::default(),
        subs: HashMap::default(),
        include_stack: Vec::new(),
        root_path: Some(PathBuf::from(&input.script.path)),
        steps: 0,
        stopped: false,
        conditional: 0,
        symbolic_loops: 0,
        active_subs: Vec::new(),
        undefined_reported: HashSet::default(),
        unread_include: None,
        preceding_depth: 0,
        qvd_cache: HashMap::default(),
        pending_following: Vec::new(),
        estate,
        reparse: Default::default(),
        sql_cache: Default::default(),
        trees: Vec::new(),
        missing_fields: Default::default(),
    };
    let (file, script) = machine.add_file(input.script.clone(), None);
    let origin = Origin {
        file,
        text: &input.script.text,
        map: None,
    };
    machine.collect_subs(&script.statements, origin, None);
    machine.exec_block(&script.statements, origin);
    // The kept trees are unwrapped without a copy when this is the last other handle.
    drop(script);
    machine.report_dangling_following();
    machine.finish(input)
}

impl<'o> Machine<'o> {
    /// Registers a file and parses it; its syntax diagnostics join the output.
    fn add_file(&mut self, source: SourceFile, from: Option<Location>) -> (FileId, Rc<Script>) {
        let parsed = crate::syntax::parse(&source);
        let file = self.files.len() as FileId;
        for diagnostic in parsed.diagnostics {
            self.diagnostics.push(FileDiagnostic { file, diagnostic });
        }
        self.texts.push(None);
        self.files.push(ScriptFile {
            source,
            included_from: from,
        });
        let script = Rc::new(parsed.script);
        if self.options.keep_syntax {
            self.trees.push(script.clone());
        }
        (file, script)
    }

    /// The text of `file` as a shared string.
    fn text_of(&mut self, file: FileId) -> Rc<str> {
        let files = &self.files;
        self.texts[file as usize]
            .get_or_insert_with(|| Rc::from(files[file as usize].source.text.as_str()))
            .clone()
    }

    // ---- output helpers ------------------------------------------------------------------

    pub fn diagnostic(&mut self, location: Location, diagnostic: Diagnostic) {
        let key = (location.file, location.span, diagnostic.code);
        if self.diagnostic_keys.insert(key) {
            let diagnostic = Diagnostic {
                span: location.span,
                ..diagnostic
            };
            self.diagnostics.push(FileDiagnostic {
                file: location.file,
                diagnostic,
            });
        }
    }

    pub fn unresolved(&mut self, location: Location, text: &str, reason: &str, runtime: bool) {
        let key = hash_of(&(location, text));
        let recorded = &self.unresolved;
        let same = |i: usize| recorded[i].location == location && recorded[i].text == text;
        if self
            .unresolved_keys
            .find_or_insert(key, recorded.len(), same)
            .is_some()
        {
            return;
        }
        self.unresolved.push(Unresolved {
            location,
            text: text.to_string(),
            reason: reason.to_string(),
            runtime,
        });
    }

    /// Records a load unless the same statement already recorded the same load (loops);
    /// returns its index.
    pub fn push_load(&mut self, load: Load) -> usize {
        // A preceding level gets its target after the level above is placed: leave it out.
        let preceding = load.kind == super::model::LoadKind::Preceding;
        let target = if preceding { "" } else { load.target.as_str() };
        let key = hash_of(&(
            load.location.file,
            load.location.span.start,
            target,
            load.kind,
            &load.source,
            load.conditional,
        ));
        let same = |other: &Load| {
            other.location.file == load.location.file
                && other.location.span.start == load.location.span.start
                && (preceding || other.target == load.target)
                && other.kind == load.kind
                && other.source == load.source
                && other.conditional == load.conditional
        };
        let loads = &self.loads;
        if let Some(index) = self
            .load_keys
            .find_or_insert(key, loads.len(), |i| same(&loads[i]))
        {
            return index;
        }
        self.loads.push(load);
        self.loads.len() - 1
    }

    pub fn push_store(&mut self, store: Store) {
        let key = hash_of(&(store.location, &store.table, &store.path, store.conditional));
        let stores = &self.stores;
        if self
            .store_keys
            .find_or_insert(key, stores.len(), |i| stores[i] == store)
            .is_some()
        {
            return;
        }
        self.stores.push(store);
    }

    pub fn is_conditional(&self) -> bool {
        self.conditional > 0
    }

    // ---- evaluation ----------------------------------------------------------------------

    pub fn eval_ctx(&self) -> EvalCtx<'_> {
        EvalCtx {
            env: &self.state.env,
            tables: &self.state.tables,
            assume: self.options.assume_date,
            unread_include: self.unread_include.as_deref(),
        }
    }

    /// Expands `$(…)` in a text that starts at `span.start` of the origin, reporting what the
    /// expansion could not do.
    pub fn expand_text(&mut self, text: &str, span: Span, origin: Origin) -> Expansion {
        let expansion = expansion::expand(text, span.start as usize, &self.eval_ctx());
        for issue in &expansion.issues {
            match issue {
                Issue::Undefined { name, span } => {
                    if self.undefined_reported.insert(name.clone()) {
                        let location = origin.loc(*span);
                        self.diagnostic(
                            location,
                            Diagnostic::new(
                                Code::UndefinedVariable,
                                location.span,
                                format!("variable `{name}` is not set here: $({name}) expands to nothing"),
                            )
                            .with_note("Qlik expands a variable that does not exist to an empty text")
                            .with_help(format!("SET or LET `{name}` before this point, or preset it with --var {name}=…")),
                        );
                    }
                }
                Issue::Unknown {
                    text,
                    reason,
                    runtime,
                    span,
                } => {
                    let location = origin.loc(*span);
                    self.unresolved(location, text, reason, *runtime);
                }
                Issue::TooDeep { span } => {
                    let location = origin.loc(*span);
                    self.diagnostic(
                        location,
                        Diagnostic::new(
                            Code::ExpansionTooDeep,
                            location.span,
                            format!("expansion nested deeper than {} levels", expansion::MAX_DEPTH),
                        )
                        .with_note("a variable whose value expands itself never ends; Qlik stops at 1000 levels"),
                    );
                    self.unresolved(
                        location,
                        origin.slice(*span),
                        "expansion nested too deep",
                        false,
                    );
                }
                Issue::TooLarge { span } => {
                    let location = origin.loc(*span);
                    self.diagnostic(
                        location,
                        Diagnostic::new(
                            Code::ExpansionTooLarge,
                            location.span,
                            format!("expansion output over {} bytes: cut", expansion::MAX_OUTPUT),
                        ),
                    );
                    self.unresolved(
                        location,
                        origin.slice(*span),
                        "expansion output over the size cap",
                        false,
                    );
                }
            }
        }
        expansion
    }

    /// Evaluates an expression of a control clause or LET, expanding its text first when it
    /// holds `$(…)`.
    pub fn eval_expr(&mut self, expr: &Expr, origin: Origin) -> Result<Value, Unknown> {
        let span = expr.span();
        let text = origin.slice(span);
        if !origin.expanded() && text.contains("$(") {
            let expansion = self.expand_text(text, span, origin);
            let parsed = self.reparse_expression(&expansion.text, origin.file);
            return match &parsed.expr {
                Some(e) => evaluate::evaluate(e, &self.eval_ctx()),
                None => Err(Unknown::missing(format!(
                    "`{}` does not read as an expression after expansion",
                    expansion.text.trim()
                ))),
            };
        }
        evaluate::evaluate(expr, &self.eval_ctx())
    }
}

/// A hash to find equal records by (each candidate is compared in full).
fn hash_of(value: &impl std::hash::Hash) -> u64 {
    use std::hash::BuildHasher;
    rustc_hash::FxBuildHasher.hash_one(value)
}

/// Variable values past this size are kept as unknown: they are never paths or names, and
/// keeping them would let a self-doubling variable fill the output.
const MAX_VARIABLE_BYTES: usize = 64 * 1024;

fn bounded(text: String) -> VarValue {
    if text.len() > MAX_VARIABLE_BYTES {
        VarValue::Unknown {
            reason: format!(
                "value of {} bytes, over the {MAX_VARIABLE_BYTES}-byte cap",
                text.len()
            ),
            runtime: false,
        }
    } else {
        VarValue::Known(text)
    }
}

fn values_equal(a: &Value, b: &Value) -> bool {
    match (a.number(), b.number()) {
        (Some(x), Some(y)) => x == y,
        _ => a.text().eq_ignore_ascii_case(&b.text()),
    }
}

/// The span of a statement with the statements a preceding load reads from.
pub(super) fn full_span(stmt: &Stmt) -> Span {
    match &stmt.kind {
        StmtKind::Load(load) => match &load.source {
            LoadSource::Preceding(below) => stmt.span.cover(full_span(below)),
            _ => stmt.span,
        },
        _ => stmt.span,
    }
}

pub(super) fn unquote(text: &str) -> &str {
    for (open, close) in [('[', ']'), ('"', '"'), ('\'', '\''), ('`', '`')] {
        if let Some(inner) = text.strip_prefix(open).and_then(|t| t.strip_suffix(close)) {
            return inner;
        }
    }
    text
}

pub(super) fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max).collect();
    out.push('…');
    out
}

/// A connection string without its password values.
pub(super) fn redact(text: &str) -> String {
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

/// The evaluator's and the expander's view of the machine.
pub(super) struct EvalCtx<'a> {
    env: &'a Environment,
    tables: &'a TableModel,
    assume: Option<jiff::civil::Date>,
    unread_include: Option<&'a str>,
}

impl EvalCtx<'_> {
    /// Why a variable never set is not simply empty: an include we could not read may set it.
    fn maybe_in_unread_include(&self, name: &str) -> Option<String> {
        self.unread_include.map(|path| {
            format!("{name} is not set here; it may be set in `{path}`, which was not read")
        })
    }
}

impl Context for EvalCtx<'_> {
    fn variable(&self, name: &str) -> Result<Option<String>, Unknown> {
        match self.env.get(name) {
            Some(VarValue::Known(t)) => Ok(Some(t.clone())),
            Some(VarValue::Unknown { reason, runtime }) => Err(Unknown {
                reason: bounded_reason(format!("{name}: {reason}")),
                runtime: *runtime,
            }),
            None => match self.maybe_in_unread_include(name) {
                Some(reason) => Err(Unknown {
                    reason,
                    runtime: false,
                }),
                None => Ok(None),
            },
        }
    }
    fn assumed_date(&self) -> Option<jiff::civil::Date> {
        self.assume
    }
    fn table_number(&self, name: &str) -> Option<usize> {
        self.tables
            .data_tables()
            .iter()
            .position(|t| t.name == name)
    }
    fn table_count(&self) -> usize {
        self.tables.data_tables().len()
    }
    fn table_fields(&self, name: &str) -> Option<Vec<String>> {
        let tables = self.tables.data_tables();
        let table = tables.iter().find(|t| t.name == name)?;
        (!table.fields_incomplete).then(|| table.fields.iter().map(|f| f.name.clone()).collect())
    }
    fn table_name(&self, index: usize) -> Option<String> {
        self.tables.data_tables().get(index).map(|t| t.name.clone())
    }
}

impl ExpandContext for EvalCtx<'_> {
    fn lookup(&self, name: &str) -> Lookup {
        match self.env.get(name) {
            Some(VarValue::Known(t)) => Lookup::Known(t.clone()),
            Some(VarValue::Unknown { reason, runtime }) => Lookup::Unknown {
                reason: bounded_reason(format!("{name}: {reason}")),
                runtime: *runtime,
            },
            None => match self.maybe_in_unread_include(name) {
                Some(reason) => Lookup::Unknown {
                    reason,
                    runtime: false,
                },
                None => Lookup::Undefined,
            },
        }
    }
    fn evaluate(&self, expr: &str) -> Result<String, Unknown> {
        let parsed =
            crate::syntax::Parser::new().expression(expr, crate::syntax::Origin::default(), false);
        match parsed.expr {
            Some(e) => evaluate::evaluate(&e, self).map(|v| v.text()),
            None => Err(Unknown::missing(format!("`{expr}` is not an expression"))),
        }
    }
}
