//! The abstract machine: walks statements in execution order, expands and re-parses them,
//! follows IF/FOR/DO/SWITCH/SUB/CALL/EXIT and includes, and hands data statements to the
//! table model ([`super::loads`]).
//!
//! State that alternative paths can change (variables, tables, DIRECTORY, connection) lives
//! in [`State`], which an undecidable IF copies per branch and merges afterwards. What the
//! run found (loads, stores, unresolved items, diagnostics) is append-only output. Work is
//! bounded: loops by `max_loop_iterations`, everything by `max_statements`, includes and
//! calls by depth, expansion by size and depth.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::rc::Rc;

use super::connections::Connections;
use super::environment::{Environment, VarValue};
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
    texts: Vec<Rc<str>>,
    pub state: State,
    pub loads: Vec<Load>,
    /// Loads by a hash of what makes two records the same (see [`Machine::push_load`]).
    load_keys: HashMap<u64, Vec<usize>>,
    pub stores: Vec<Store>,
    pub unresolved: Vec<Unresolved>,
    /// Unresolved items by a hash of location and text.
    unresolved_keys: HashMap<u64, Vec<usize>>,
    pub diagnostics: Vec<FileDiagnostic>,
    diagnostic_keys: HashSet<(FileId, Span, Code)>,
    subs: HashMap<String, Rc<SubDef>>,
    include_stack: Vec<PathBuf>,
    steps: usize,
    stopped: bool,
    pub conditional: usize,
    call_depth: usize,
    undefined_reported: HashSet<String>,
    /// QVD field lists already read, by canonical path.
    pub qvd_cache: HashMap<PathBuf, Option<Vec<String>>>,
    /// Preceding LOADs waiting for the LOAD or SELECT that runs next.
    pub pending_following: Vec<super::loads::PendingLoad>,
    /// The other apps of the estate, when the app is resolved with them (BINARY).
    pub estate: Option<&'o super::estate::EstateView<'o>>,
    /// Expanded texts already parsed.
    pub(super) reparse: super::reparse::ReparseCache,
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
        load_keys: HashMap::new(),
        stores: Vec::new(),
        unresolved: Vec::new(),
        unresolved_keys: HashMap::new(),
        diagnostics: Vec::new(),
        diagnostic_keys: HashSet::new(),
        subs: HashMap::new(),
        include_stack: Vec::new(),
        steps: 0,
        stopped: false,
        conditional: 0,
        call_depth: 0,
        undefined_reported: HashSet::new(),
        qvd_cache: HashMap::new(),
        pending_following: Vec::new(),
        estate,
        reparse: Default::default(),
    };
    let (file, script) = machine.add_file(input.script.clone(), None);
    if let Ok(real) = std::fs::canonicalize(&input.script.path) {
        machine.include_stack.push(real);
    }
    let text = machine.texts[file as usize].clone();
    let origin = Origin {
        file,
        text: &text,
        map: None,
    };
    machine.collect_subs(&script.statements, origin, None);
    machine.exec_block(&script.statements, origin);
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
        self.texts.push(Rc::from(source.text.as_str()));
        self.files.push(ScriptFile {
            source,
            included_from: from,
        });
        (file, Rc::new(parsed.script))
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
        let same = |u: &Unresolved| u.location == location && u.text == text;
        let seen = self.unresolved_keys.entry(key).or_default();
        if seen.iter().any(|&i| same(&self.unresolved[i])) {
            return;
        }
        seen.push(self.unresolved.len());
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
        let seen = self.load_keys.entry(key).or_default();
        if let Some(&index) = seen.iter().find(|&&i| same(&self.loads[i])) {
            return index;
        }
        seen.push(self.loads.len());
        self.loads.push(load);
        self.loads.len() - 1
    }

    pub fn push_store(&mut self, store: Store) {
        if !self.stores.contains(&store) {
            self.stores.push(store);
        }
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

    // ---- statements ----------------------------------------------------------------------

    pub fn exec_block(&mut self, stmts: &[Stmt], origin: Origin) -> Flow {
        for stmt in stmts {
            if self.stopped {
                return Flow::ExitScript;
            }
            self.steps += 1;
            if self.steps > self.options.max_statements {
                self.stopped = true;
                let location = origin.loc(stmt.span);
                self.diagnostic(
                    location,
                    Diagnostic::new(
                        Code::StepBudgetExhausted,
                        location.span,
                        format!(
                            "{} statements executed: analysis stopped here",
                            self.options.max_statements
                        ),
                    )
                    .with_note("nested loops or recursion multiply the statements a reload runs"),
                );
                self.unresolved(
                    location,
                    "",
                    "analysis stopped: statement budget exhausted",
                    false,
                );
                return Flow::ExitScript;
            }
            let flow = self.exec_stmt(stmt, origin);
            if flow != Flow::Normal {
                return flow;
            }
        }
        Flow::Normal
    }

    fn exec_stmt(&mut self, stmt: &Stmt, origin: Origin) -> Flow {
        match &stmt.kind {
            StmtKind::If(s) => return self.exec_if(s, origin),
            StmtKind::For(s) => return self.exec_for(s, origin),
            StmtKind::ForEach(s) => return self.exec_for_each(s, origin),
            StmtKind::Do(s) => return self.exec_do(s, origin),
            StmtKind::Switch(s) => return self.exec_switch(s, origin),
            StmtKind::Sub(_) => {
                self.define_sub(stmt, origin, None);
                return Flow::Normal;
            }
            StmtKind::Call(call) => return self.exec_call(call, stmt.span, origin),
            StmtKind::Exit(exit) => return self.exec_exit(exit, origin),
            StmtKind::Include(include) => return self.exec_include(include, stmt.span, origin),
            StmtKind::Empty | StmtKind::Error => return Flow::Normal,
            StmtKind::Raw(raw) if raw.kind == RawKind::Rem => return Flow::Normal,
            _ => {}
        }
        let span = full_span(stmt);
        let text = origin.slice(span);
        if !origin.expanded() && text.contains("$(") {
            return self.exec_expanded(text, span, origin);
        }
        self.exec_simple(stmt, origin);
        Flow::Normal
    }

    /// Expands a statement's text and runs what it parses to (zero, one or more statements).
    fn exec_expanded(&mut self, text: &str, span: Span, origin: Origin) -> Flow {
        let expansion = self.expand_text(text, span, origin);
        if expansion.is_cut() {
            // A statement cut at a cap is not what the reload would run: it is not executed.
            return Flow::Normal;
        }
        let parsed = self.reparse_statements(&expansion.text, origin.file);
        let inner = Origin {
            file: origin.file,
            text: &expansion.text,
            map: Some(&expansion.map),
        };
        for diagnostic in parsed.diagnostics.iter().cloned() {
            if diagnostic.is_error() {
                let location = inner.loc(diagnostic.span);
                let diagnostic = diagnostic.with_note(format!(
                    "after expansion the statement reads: {}",
                    shorten(expansion.text.trim(), 200)
                ));
                self.diagnostic(location, diagnostic);
            }
        }
        // SUBs defined in expanded text are collected before they run, like the others.
        let map = Rc::new(expansion.map.clone());
        let text_rc: Rc<str> = Rc::from(expansion.text.as_str());
        self.collect_subs(&parsed.script.statements, inner, Some((text_rc, map)));
        self.exec_block(&parsed.script.statements, inner)
    }

    fn exec_simple(&mut self, stmt: &Stmt, origin: Origin) {
        let location = origin.loc(stmt.span);
        match &stmt.kind {
            StmtKind::Set(set) => {
                if set.raw.is_none() {
                    self.state.env.remove(&set.name.text);
                } else {
                    let value = if set.value.contains("$(") {
                        // Left by an expansion whose value is unknown.
                        VarValue::Unknown {
                            reason: format!(
                                "SET {} holds a $(…) whose value is unknown",
                                set.name.text
                            ),
                            runtime: self.runtime_within(location),
                        }
                    } else {
                        bounded(set.value.clone())
                    };
                    self.state.env.set(&set.name.text, value);
                }
            }
            StmtKind::Let(let_) => match &let_.value {
                None => {
                    self.state.env.remove(&let_.name.text);
                }
                Some(expr) => {
                    let value = match self.eval_expr(expr, origin) {
                        Ok(Value::Null) => None,
                        Ok(v) => Some(bounded(v.text())),
                        Err(u) => Some(VarValue::Unknown {
                            reason: format!("LET {}: {}", let_.name.text, u.reason),
                            runtime: u.runtime,
                        }),
                    };
                    match value {
                        Some(v) => self.state.env.set(&let_.name.text, v),
                        None => {
                            self.state.env.remove(&let_.name.text);
                        }
                    }
                }
            },
            StmtKind::Load(_) | StmtKind::Select(_) => self.exec_load(stmt, origin),
            StmtKind::Store(store) => self.exec_store(store, stmt.span, origin),
            StmtKind::Drop(drop) => {
                let names: Vec<String> = drop.names.iter().map(|n| n.text.to_string()).collect();
                match drop.target {
                    FieldsOrTables::Tables => {
                        for name in &names {
                            if !self.state.tables.drop_table(name) && !self.is_conditional() {
                                self.unknown_table(location, name, "DROP TABLE");
                            }
                        }
                    }
                    FieldsOrTables::Fields => {
                        let from: Vec<String> =
                            drop.from.iter().map(|n| n.text.to_string()).collect();
                        let _ = self.state.tables.drop_fields(&names, &from);
                    }
                }
            }
            StmtKind::Rename(rename) => self.exec_rename(rename, location),
            StmtKind::FieldPatterns(p) => {
                let qualify = match p.kind {
                    FieldPatternsKind::Qualify => true,
                    FieldPatternsKind::Unqualify => false,
                    _ => return,
                };
                for pattern in &p.patterns {
                    let text = match pattern {
                        FieldPattern::All(_) => "*".to_string(),
                        FieldPattern::Name(n) => n.text.to_string(),
                    };
                    self.state.tables.qualify.push((text, qualify));
                }
            }
            StmtKind::Alias(alias) => {
                for pair in &alias.pairs {
                    self.state
                        .tables
                        .aliases
                        .push((pair.from.text.to_string(), pair.to.text.to_string()));
                }
            }
            StmtKind::Map(map) => {
                for field in &map.fields {
                    let text = match field {
                        FieldPattern::All(_) => "*".to_string(),
                        FieldPattern::Name(n) => n.text.to_string(),
                    };
                    self.state.mapped.push((text, map.mapping.text.to_string()));
                }
            }
            StmtKind::Unmap(unmap) => {
                for field in &unmap.fields {
                    match field {
                        FieldPattern::All(_) => self.state.mapped.clear(),
                        FieldPattern::Name(n) => {
                            self.state.mapped.retain(|(f, _)| f != n.text.as_str())
                        }
                    }
                }
            }
            StmtKind::Connect(connect) => {
                let target = connect.target.text.trim().to_string();
                self.state.connection = Some(match connect.kind {
                    ConnectKind::Lib => {
                        let provider = self
                            .connections
                            .get(&target)
                            .map(|c| c.provider_text())
                            .unwrap_or_default();
                        if self.connections.get(&target).is_none() && !self.connections.is_empty() {
                            self.unresolved(
                                location,
                                &target,
                                "no data connection of that name in the connections file: SQL dialect unknown",
                                false,
                            );
                        }
                        CurrentConnection {
                            name: target,
                            provider,
                        }
                    }
                    _ => CurrentConnection {
                        name: redact(&target),
                        provider: target,
                    },
                });
            }
            StmtKind::Keyword(k) if k.keyword == Keyword::Disconnect => {
                self.state.connection = None;
            }
            StmtKind::Section(section) => {
                self.state.section_access = section.kind == SectionKind::Access;
            }
            StmtKind::Raw(raw) => match raw.kind {
                RawKind::Directory => {
                    let dir = raw
                        .body
                        .as_ref()
                        .map(|b| unquote(b.text.trim()).to_string());
                    self.state.directory = dir.filter(|d| !d.is_empty());
                }
                RawKind::Binary => self.exec_binary(
                    raw.body.as_ref().map(|b| b.text.as_str()).unwrap_or(""),
                    location,
                ),
                _ => {}
            },
            StmtKind::Dynamic(raw) => {
                self.unresolved(
                    location,
                    &shorten(raw.text.trim(), 120),
                    "the statement is only known after expanding a $(…) whose value is unknown",
                    self.unresolved
                        .iter()
                        .rev()
                        .find(|u| {
                            u.location.file == location.file
                                && location.span.contains(u.location.span)
                        })
                        .is_some_and(|u| u.runtime),
                );
            }
            _ => {}
        }
    }

    /// Stops the analysis when the run has created as many tables as it may.
    pub fn stop_at_table_cap(&mut self, location: Location) {
        self.stopped = true;
        self.diagnostic(
            location,
            Diagnostic::new(
                Code::StepBudgetExhausted,
                location.span,
                format!(
                    "{} tables created: analysis stopped here",
                    self.state.tables.tables.len()
                ),
            )
            .with_note("a loop that creates a new table on every iteration never settles"),
        );
        self.unresolved(location, "", "analysis stopped: table cap reached", false);
    }

    pub fn unknown_table(&mut self, location: Location, name: &str, what: &str) {
        self.diagnostic(
            location,
            Diagnostic::new(
                Code::UnknownTable,
                location.span,
                format!("{what} names table `{name}`, which does not exist at this point"),
            )
            .with_note("the reload fails with \"Table not found\""),
        );
    }

    // ---- control flow --------------------------------------------------------------------

    /// Runs alternative bodies on copies of the state and merges the results.
    fn fork(&mut self, bodies: &[&[Stmt]], origin: Origin, why: &str, runtime: bool) -> Flow {
        let base = self.state.clone();
        let base_tables = base.tables.tables.len();
        let mut results: Vec<State> = Vec::new();
        let mut flows = Vec::new();
        self.conditional += 1;
        for body in bodies {
            self.state = base.clone();
            flows.push(self.exec_block(body, origin));
            results.push(std::mem::replace(&mut self.state, base.clone()));
        }
        self.conditional -= 1;
        let mut merged = results.remove(0);
        for other in results {
            merge_state(&mut merged, other, base_tables, why, runtime);
        }
        self.state = merged;
        if flows.iter().all(|f| *f == flows[0]) {
            flows[0]
        } else if flows.contains(&Flow::ExitScript) && self.stopped {
            Flow::ExitScript
        } else {
            Flow::Normal
        }
    }

    fn exec_if(&mut self, s: &crate::syntax::ast::StmtIf, origin: Origin) -> Flow {
        for (i, branch) in s.branches.iter().enumerate() {
            match self.eval_expr(&branch.condition, origin) {
                Ok(v) if v.truthy() => return self.exec_block(&branch.body, origin),
                Ok(_) => continue,
                Err(u) => {
                    let location = origin.loc(branch.condition.span());
                    let text = origin.slice(branch.condition.span()).to_string();
                    self.unresolved(
                        location,
                        &text,
                        &format!("IF condition not decidable ({}): every branch analysed, results marked conditional", u.reason),
                        u.runtime,
                    );
                    let mut bodies: Vec<&[Stmt]> =
                        s.branches[i..].iter().map(|b| b.body.as_slice()).collect();
                    bodies.push(
                        s.else_branch
                            .as_ref()
                            .map_or(&[][..], |e| e.body.as_slice()),
                    );
                    let why = format!("set under the undecided condition `{}`", shorten(&text, 80));
                    return self.fork(&bodies, origin, &why, u.runtime);
                }
            }
        }
        match &s.else_branch {
            Some(e) => self.exec_block(&e.body, origin),
            None => Flow::Normal,
        }
    }

    fn exec_switch(&mut self, s: &crate::syntax::ast::StmtSwitch, origin: Origin) -> Flow {
        let subject = match self.eval_expr(&s.subject, origin) {
            Ok(v) => v,
            Err(u) => return self.switch_undecided(s, origin, u),
        };
        for case in &s.cases {
            for value in &case.values {
                match self.eval_expr(value, origin) {
                    Ok(v) if values_equal(&v, &subject) => {
                        return self.exec_block(&case.body, origin)
                    }
                    Ok(_) => {}
                    Err(u) => return self.switch_undecided(s, origin, u),
                }
            }
        }
        match &s.default {
            Some(d) => self.exec_block(&d.body, origin),
            None => Flow::Normal,
        }
    }

    fn switch_undecided(
        &mut self,
        s: &crate::syntax::ast::StmtSwitch,
        origin: Origin,
        u: Unknown,
    ) -> Flow {
        let location = origin.loc(s.subject.span());
        let text = origin.slice(s.subject.span()).to_string();
        self.unresolved(
            location,
            &text,
            &format!(
                "SWITCH not decidable ({}): every case analysed, results marked conditional",
                u.reason
            ),
            u.runtime,
        );
        let mut bodies: Vec<&[Stmt]> = s.cases.iter().map(|c| c.body.as_slice()).collect();
        bodies.push(s.default.as_ref().map_or(&[][..], |d| d.body.as_slice()));
        let why = format!("set under the undecided SWITCH `{}`", shorten(&text, 80));
        self.fork(&bodies, origin, &why, u.runtime)
    }

    /// Runs a loop body once with the loop variable unknown.
    fn symbolic_iteration(
        &mut self,
        variable: &str,
        body: &[Stmt],
        origin: Origin,
        reason: String,
        runtime: bool,
    ) -> Flow {
        self.state
            .env
            .set(variable, VarValue::Unknown { reason, runtime });
        self.conditional += 1;
        let flow = self.exec_block(body, origin);
        self.conditional -= 1;
        match flow {
            Flow::ExitScript | Flow::ExitSub => flow,
            _ => Flow::Normal,
        }
    }

    fn exec_for(&mut self, s: &crate::syntax::ast::StmtFor, origin: Origin) -> Flow {
        let var = s.variable.text.to_string();
        let bounds = (|| {
            let from = self.eval_expr(&s.from, origin)?;
            let to = self.eval_expr(&s.to, origin)?;
            let step = match &s.step {
                Some(e) => self.eval_expr(e, origin)?,
                None => Value::Num(1.0),
            };
            match (from.number(), to.number(), step.number()) {
                (Some(a), Some(b), Some(c)) => Ok((a, b, c)),
                _ => Err(Unknown::missing("FOR bounds are not numbers")),
            }
        })();
        let location = origin.loc(s.from.span().cover(s.to.span()));
        let (from, to, step) = match bounds {
            Ok(b) => b,
            Err(u) => {
                self.unresolved(
                    location,
                    &var,
                    &format!(
                        "FOR bounds unknown ({}): the body is analysed once with {var} unknown",
                        u.reason
                    ),
                    u.runtime,
                );
                return self.symbolic_iteration(
                    &var,
                    &s.body,
                    origin,
                    format!("loop variable of a FOR with unknown bounds: {}", u.reason),
                    u.runtime,
                );
            }
        };
        if step == 0.0 {
            return self.symbolic_iteration(&var, &s.body, origin, "FOR with STEP 0".into(), false);
        }
        let count = ((to - from) / step).floor() + 1.0;
        let cap = self.options.max_loop_iterations;
        if count > cap as f64 {
            self.diagnostic(
                location,
                Diagnostic::new(
                    Code::LoopCapped,
                    location.span,
                    format!("FOR runs {count} times, over the cap of {cap}: analysed once with {var} unknown"),
                ),
            );
            self.unresolved(
                location,
                &var,
                &format!("FOR with {count} iterations is not unrolled (cap {cap})"),
                false,
            );
            return self.symbolic_iteration(
                &var,
                &s.body,
                origin,
                format!("loop variable of a FOR over {cap} iterations"),
                false,
            );
        }
        let mut i = 0.0;
        while i < count {
            let value = from + i * step;
            self.state
                .env
                .set(&var, VarValue::Known(evaluate::format_number(value)));
            match self.exec_block(&s.body, origin) {
                Flow::ExitFor => break,
                Flow::ExitScript => return Flow::ExitScript,
                Flow::ExitSub => return Flow::ExitSub,
                Flow::ExitDo => return Flow::ExitDo,
                Flow::Normal => {}
            }
            i += 1.0;
        }
        Flow::Normal
    }

    fn exec_for_each(&mut self, s: &crate::syntax::ast::StmtForEach, origin: Origin) -> Flow {
        let var = s.variable.text.to_string();
        let values: Result<Vec<String>, (Unknown, Span)> = match &s.list {
            ForEachList::Values(list) => self.for_each_values(list, origin),
            ForEachList::FileList(pattern) | ForEachList::DirList(pattern) => {
                let dirs = matches!(s.list, ForEachList::DirList(_));
                match self.eval_expr(pattern, origin) {
                    Ok(p) => match self.list_folder(&p.text(), dirs) {
                        Ok(v) => Ok(v),
                        Err(reason) => {
                            let location = origin.loc(pattern.span());
                            let text = p.text();
                            self.unresolved(location, &text, &reason, false);
                            // One symbolic iteration with the wildcard path itself.
                            self.state.env.set(&var, VarValue::Known(text));
                            self.conditional += 1;
                            let flow = self.exec_block(&s.body, origin);
                            self.conditional -= 1;
                            return match flow {
                                Flow::ExitScript | Flow::ExitSub => flow,
                                _ => Flow::Normal,
                            };
                        }
                    },
                    Err(u) => Err((u, pattern.span())),
                }
            }
            ForEachList::FieldValueList(e) => Err((
                Unknown::runtime("FieldValueList() lists a field's values, which are data"),
                e.span(),
            )),
        };
        match values {
            Ok(values) => {
                for value in values.into_iter().take(self.options.max_loop_iterations) {
                    self.state.env.set(&var, VarValue::Known(value));
                    match self.exec_block(&s.body, origin) {
                        Flow::ExitFor => break,
                        Flow::ExitScript => return Flow::ExitScript,
                        Flow::ExitSub => return Flow::ExitSub,
                        Flow::ExitDo => return Flow::ExitDo,
                        Flow::Normal => {}
                    }
                }
                Flow::Normal
            }
            Err((u, span)) => {
                let location = origin.loc(span);
                self.unresolved(
                    location,
                    origin.slice(span),
                    &format!(
                        "FOR EACH list unknown ({}): the body is analysed once with {var} unknown",
                        u.reason
                    ),
                    u.runtime,
                );
                self.symbolic_iteration(
                    &var,
                    &s.body,
                    origin,
                    format!(
                        "loop variable of FOR EACH over an unknown list: {}",
                        u.reason
                    ),
                    u.runtime,
                )
            }
        }
    }

    /// The values of a FOR EACH list; a list written through `$(…)` is expanded and split
    /// at top-level commas first.
    fn for_each_values(
        &mut self,
        list: &[Expr],
        origin: Origin,
    ) -> Result<Vec<String>, (Unknown, Span)> {
        let Some(span) = list
            .first()
            .map(|f| f.span().cover(list[list.len() - 1].span()))
        else {
            return Ok(Vec::new());
        };
        let text = origin.slice(span);
        let exprs: Vec<Expr> = if !origin.expanded() && text.contains("$(") {
            let expansion = self.expand_text(text, span, origin);
            let (_, parts) = expansion::split_call(&format!("f({})", expansion.text));
            let mut exprs = Vec::new();
            for part in parts.iter().filter(|p| !p.is_empty()) {
                match &self.reparse_expression(part, origin.file).expr {
                    Some(e) => exprs.push(e.clone()),
                    None => {
                        return Err((
                            Unknown::missing(format!(
                                "`{part}` is not an expression after expansion"
                            )),
                            span,
                        ))
                    }
                }
            }
            let ctx = self.eval_ctx();
            return exprs
                .iter()
                .map(|e| {
                    evaluate::evaluate(e, &ctx)
                        .map(|v| v.text())
                        .map_err(|u| (u, span))
                })
                .collect();
        } else {
            list.to_vec()
        };
        exprs
            .iter()
            .map(|e| {
                self.eval_expr(e, origin)
                    .map(|v| v.text())
                    .map_err(|u| (u, e.span()))
            })
            .collect()
    }

    /// Lists a folder for FileList/DirList when the pattern resolves inside `--files-root`.
    fn list_folder(&self, pattern: &str, dirs: bool) -> Result<Vec<String>, String> {
        let resolved = resolve_path(
            pattern,
            self.state.directory.as_deref(),
            self.connections,
            self.app_dir.as_deref(),
        );
        let Some(roots) = &self.files_root else {
            return Err(format!(
                "{}() over `{pattern}`: no --files-root given, so the folder is not listed; the body is analysed once with the wildcard path",
                if dirs { "DirList" } else { "FileList" }
            ));
        };
        let disk = resolved
            .disk
            .ok_or_else(|| format!("`{pattern}` does not resolve to a local folder"))?;
        let (folder, file_pattern) = match (disk.parent(), disk.file_name()) {
            (Some(p), Some(f)) => (p.to_path_buf(), f.to_string_lossy().to_lowercase()),
            _ => return Err(format!("`{pattern}` names no folder")),
        };
        let folder = roots.check(&folder).map_err(|r| match r {
            ReadRefusal::OutsideRoots => {
                format!("`{pattern}` lies outside --files-root: not listed")
            }
            ReadRefusal::Missing => format!("the folder of `{pattern}` does not exist"),
        })?;
        let mut names: Vec<String> = std::fs::read_dir(&folder)
            .map_err(|e| format!("cannot list the folder of `{pattern}`: {e}"))?
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_dir() == dirs)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| evaluate::wildcard_match(&file_pattern, &n.to_lowercase()))
            .collect();
        names.sort();
        // Qlik returns the paths in the script's own form: the pattern's folder + the name.
        let prefix_end = pattern.rfind(['/', '\\']).map_or(0, |i| i + 1);
        Ok(names
            .into_iter()
            .map(|n| format!("{}{}", &pattern[..prefix_end], n))
            .collect())
    }

    fn exec_do(&mut self, s: &crate::syntax::ast::StmtDo, origin: Origin) -> Flow {
        let cap = self.options.max_loop_iterations;
        let decide = |this: &mut Self,
                      cond: &Option<crate::syntax::ast::LoopCondition>|
         -> Result<bool, (Unknown, Span)> {
            match cond {
                None => Ok(true),
                Some(c) => {
                    let v = this
                        .eval_expr(&c.condition, origin)
                        .map_err(|u| (u, c.condition.span()))?;
                    Ok(match c.kind {
                        LoopConditionKind::While => v.truthy(),
                        LoopConditionKind::Until => !v.truthy(),
                    })
                }
            }
        };
        let mut iterations = 0;
        loop {
            match decide(self, &s.condition) {
                Ok(false) => return Flow::Normal,
                Ok(true) => {}
                Err((u, span)) => return self.do_symbolic(s, origin, u, span),
            }
            if iterations >= cap {
                let span = s
                    .condition
                    .as_ref()
                    .map_or(Span::empty_at(0), |c| c.condition.span());
                let location = origin.loc(span);
                self.diagnostic(
                    location,
                    Diagnostic::new(
                        Code::LoopCapped,
                        location.span,
                        format!("DO loop still running after {cap} iterations: analysis stopped there"),
                    )
                    .with_note("the reload would run this loop for as long as its condition holds, or forever"),
                );
                self.unresolved(
                    location,
                    origin.slice(span),
                    &format!("DO loop did not end within {cap} iterations"),
                    false,
                );
                return Flow::Normal;
            }
            iterations += 1;
            match self.exec_block(&s.body, origin) {
                Flow::ExitDo => return Flow::Normal,
                Flow::ExitScript => return Flow::ExitScript,
                Flow::ExitSub => return Flow::ExitSub,
                Flow::ExitFor => return Flow::ExitFor,
                Flow::Normal => {}
            }
            match decide(self, &s.loop_condition) {
                Ok(false) => return Flow::Normal,
                Ok(true) => {}
                Err((u, span)) => {
                    let location = origin.loc(span);
                    self.unresolved(
                        location,
                        origin.slice(span),
                        &format!(
                            "DO loop condition not decidable ({}): analysed once",
                            u.reason
                        ),
                        u.runtime,
                    );
                    return Flow::Normal;
                }
            }
        }
    }

    fn do_symbolic(
        &mut self,
        s: &crate::syntax::ast::StmtDo,
        origin: Origin,
        u: Unknown,
        span: Span,
    ) -> Flow {
        let location = origin.loc(span);
        self.unresolved(
            location,
            origin.slice(span),
            &format!(
                "DO loop condition not decidable ({}): the body is analysed once",
                u.reason
            ),
            u.runtime,
        );
        self.conditional += 1;
        let flow = self.exec_block(&s.body, origin);
        self.conditional -= 1;
        match flow {
            Flow::ExitScript | Flow::ExitSub => flow,
            _ => Flow::Normal,
        }
    }

    fn exec_exit(&mut self, exit: &crate::syntax::ast::StmtExit, origin: Origin) -> Flow {
        if let Some(cond) = &exit.condition {
            match self.eval_expr(&cond.condition, origin) {
                Ok(v) => {
                    let holds =
                        v.truthy() == (cond.kind == crate::syntax::ast::ConditionKind::When);
                    if !holds {
                        return Flow::Normal;
                    }
                }
                Err(u) => {
                    let location = origin.loc(cond.condition.span());
                    self.unresolved(
                        location,
                        origin.slice(cond.condition.span()),
                        &format!("EXIT condition not decidable ({}): analysis continues as if it did not exit", u.reason),
                        u.runtime,
                    );
                    return Flow::Normal;
                }
            }
        }
        match exit.target {
            // EXIT ERROR ends the reload as failed: for the model, like EXIT SCRIPT.
            ExitTarget::Script | ExitTarget::Error => {
                if !self.is_conditional() {
                    self.stopped = true;
                }
                Flow::ExitScript
            }
            ExitTarget::Sub => Flow::ExitSub,
            ExitTarget::For => Flow::ExitFor,
            ExitTarget::Do => Flow::ExitDo,
        }
    }

    // ---- SUB and CALL --------------------------------------------------------------------

    /// Collects SUB definitions anywhere in a tree (Qlik finds a SUB before its CALL runs).
    fn collect_subs(
        &mut self,
        stmts: &[Stmt],
        origin: Origin,
        owned: Option<(Rc<str>, Rc<SourceMap>)>,
    ) {
        let mut stack: Vec<&Stmt> = stmts.iter().collect();
        while let Some(stmt) = stack.pop() {
            if let StmtKind::Sub(_) = &stmt.kind {
                self.define_sub(stmt, origin, owned.clone());
            } else {
                stack.extend(stmt.children());
            }
        }
    }

    fn define_sub(&mut self, stmt: &Stmt, origin: Origin, owned: Option<(Rc<str>, Rc<SourceMap>)>) {
        let StmtKind::Sub(sub) = &stmt.kind else {
            return;
        };
        let (text, map) = match owned {
            Some((t, m)) => (t, Some(m)),
            None => match origin.map {
                // A SUB met while running expanded text: keep a copy of that text.
                Some(m) => (Rc::from(origin.text), Some(Rc::new(m.clone()))),
                None => (self.texts[origin.file as usize].clone(), None),
            },
        };
        let name = sub.name.text.to_lowercase().to_string();
        self.subs.insert(
            name,
            Rc::new(SubDef {
                file: origin.file,
                text,
                map,
                stmt: stmt.clone(),
            }),
        );
    }

    fn exec_call(
        &mut self,
        call: &crate::syntax::ast::StmtCall,
        span: Span,
        origin: Origin,
    ) -> Flow {
        let location = origin.loc(span);
        let mut name = call.name.text.to_string();
        if name.contains("$(") && !origin.expanded() {
            name = self.expand_text(&name, call.name.span, origin).text;
        }
        let Some(def) = self.subs.get(&name.to_lowercase()).cloned() else {
            self.diagnostic(
                location,
                Diagnostic::new(
                    Code::UnknownSub,
                    location.span,
                    format!("CALL {name}: no SUB of that name is defined"),
                ),
            );
            self.unresolved(
                location,
                &name,
                "CALL of a SUB that is not defined (an include not read?)",
                false,
            );
            return Flow::Normal;
        };
        if self.call_depth >= MAX_CALL_DEPTH {
            self.diagnostic(
                location,
                Diagnostic::new(
                    Code::RecursionTooDeep,
                    location.span,
                    format!("CALL {name} nested {MAX_CALL_DEPTH} deep: not followed further"),
                ),
            );
            self.unresolved(
                location,
                &name,
                "SUB recursion deeper than the guard",
                false,
            );
            return Flow::Normal;
        }
        let StmtKind::Sub(sub) = &def.stmt.kind else {
            return Flow::Normal;
        };
        // Bind parameters: a plain variable name is passed by reference.
        let mut saved: Vec<(String, Option<VarValue>)> = Vec::new();
        let mut by_ref: Vec<(String, String)> = Vec::new();
        let mut bound: Vec<(String, Option<VarValue>)> = Vec::new();
        for (i, param) in sub.params.iter().enumerate() {
            let value = match call.args.get(i) {
                None => None,
                Some(Expr::Field(ident)) if self.state.env.get(&ident.text).is_some() => {
                    by_ref.push((param.text.to_string(), ident.text.to_string()));
                    self.state.env.get(&ident.text).cloned()
                }
                Some(arg) => Some(match self.eval_expr(arg, origin) {
                    Ok(v) => VarValue::Known(v.text()),
                    Err(u) => VarValue::Unknown {
                        reason: format!(
                            "parameter {} of {}: {}",
                            param.text, sub.name.text, u.reason
                        ),
                        runtime: u.runtime,
                    },
                }),
            };
            bound.push((param.text.to_string(), value));
        }
        for (param, value) in bound {
            saved.push((param.clone(), self.state.env.get(&param).cloned()));
            match value {
                Some(v) => self.state.env.set(&param, v),
                None => {
                    self.state.env.remove(&param);
                }
            }
        }
        self.call_depth += 1;
        let text = def.text.clone();
        let map = def.map.clone();
        let inner = Origin {
            file: def.file,
            text: &text,
            map: map.as_deref(),
        };
        let flow = self.exec_block(&sub.body, inner);
        self.call_depth -= 1;
        let results: Vec<(String, Option<VarValue>)> = by_ref
            .iter()
            .map(|(param, caller)| (caller.clone(), self.state.env.get(param).cloned()))
            .collect();
        for (param, old) in saved.into_iter().rev() {
            match old {
                Some(v) => self.state.env.set(&param, v),
                None => {
                    self.state.env.remove(&param);
                }
            }
        }
        for (caller, value) in results {
            if let Some(v) = value {
                self.state.env.set(&caller, v);
            }
        }
        match flow {
            Flow::ExitScript => Flow::ExitScript,
            _ => Flow::Normal,
        }
    }

    // ---- includes ------------------------------------------------------------------------

    fn exec_include(
        &mut self,
        include: &crate::syntax::ast::StmtInclude,
        span: Span,
        origin: Origin,
    ) -> Flow {
        let location = origin.loc(span);
        let mut path = include.path.trim().to_string();
        if path.contains("$(") && !origin.expanded() {
            // The path sits inside the `$(…)` token: expand it on its own.
            let expansion = self.expand_text(&path, include.expansion.span, origin);
            path = expansion.text.trim().to_string();
        }
        let path = unquote(&path).to_string();
        let (code, level) = if include.must {
            (Code::MustIncludeMissing, "Must_Include")
        } else {
            (Code::IncludeMissing, "Include")
        };
        let candidates = self.include_candidates(&path, origin.file);
        if candidates.is_empty() {
            self.unresolved(
                location,
                &path,
                &format!(
                    "{level} path not determined: {}",
                    if path.contains("$(") {
                        "it holds a $(…) whose value is unknown"
                    } else {
                        "no local file for it"
                    }
                ),
                false,
            );
            return Flow::Normal;
        }
        let mut refusal = ReadRefusal::Missing;
        for candidate in &candidates {
            match self.include_roots.check(candidate) {
                Ok(real) => return self.run_include(real, candidate, location, &path),
                Err(ReadRefusal::OutsideRoots) => refusal = ReadRefusal::OutsideRoots,
                Err(ReadRefusal::Missing) => {}
            }
        }
        match refusal {
            ReadRefusal::OutsideRoots => {
                self.diagnostic(
                    location,
                    Diagnostic::new(
                        Code::IncludeOutsideRoots,
                        location.span,
                        format!("{level} `{path}` is outside the allowed include roots: not read"),
                    )
                    .with_help("allow its folder with --include-root DIR"),
                );
                self.unresolved(
                    location,
                    &path,
                    "include refused: outside the allowed include roots",
                    false,
                );
            }
            ReadRefusal::Missing => {
                self.diagnostic(
                    location,
                    Diagnostic::new(
                        code,
                        location.span,
                        format!("{level} file `{path}` not found"),
                    )
                    .with_note(if include.must {
                        "Must_Include fails the reload when the file is missing"
                    } else {
                        "Include of a missing file is silently nothing in Qlik"
                    }),
                );
                self.unresolved(location, &path, &format!("{level} file not found"), false);
            }
        }
        Flow::Normal
    }

    /// Local files an include path may mean: through a folder connection, against DIRECTORY,
    /// against the including file's folder.
    fn include_candidates(&self, path: &str, from: FileId) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let direct = resolve_path(path, None, self.connections, None);
        if let Some(disk) = direct.disk {
            if std::path::Path::new(path).is_absolute()
                || path.to_ascii_lowercase().starts_with("lib://")
            {
                out.push(disk);
                return out;
            }
        }
        if let Some(dir) = &self.state.directory {
            if let Some(disk) =
                resolve_path(path, Some(dir), self.connections, self.app_dir.as_deref()).disk
            {
                out.push(disk);
            }
        }
        let including = std::path::Path::new(&self.files[from as usize].source.path)
            .parent()
            .map(|p| p.to_path_buf());
        if let Some(dir) = including.or_else(|| self.app_dir.clone()) {
            let mut p = dir;
            for part in path.split(['/', '\\']).filter(|p| !p.is_empty()) {
                p.push(part);
            }
            out.push(p);
        }
        out
    }

    /// Runs an include file; `real` is its canonical path (for cycles), `shown` the path as
    /// found (for output, so it stays relative when the input was).
    fn run_include(
        &mut self,
        real: PathBuf,
        shown: &std::path::Path,
        location: Location,
        written: &str,
    ) -> Flow {
        if self.include_stack.contains(&real) {
            self.diagnostic(
                location,
                Diagnostic::new(
                    Code::IncludeCycle,
                    location.span,
                    format!(
                        "`{written}` includes itself (through {} files)",
                        self.include_stack.len()
                    ),
                ),
            );
            self.unresolved(location, written, "include cycle: not read again", false);
            return Flow::Normal;
        }
        if self.include_stack.len() >= MAX_INCLUDE_DEPTH {
            self.diagnostic(
                location,
                Diagnostic::new(
                    Code::IncludeTooDeep,
                    location.span,
                    format!("includes nested {MAX_INCLUDE_DEPTH} deep"),
                ),
            );
            self.unresolved(location, written, "includes nested too deep", false);
            return Flow::Normal;
        }
        let bytes = match std::fs::read(&real) {
            Ok(b) => b,
            Err(e) => {
                self.unresolved(
                    location,
                    written,
                    &format!("include not readable: {e}"),
                    false,
                );
                return Flow::Normal;
            }
        };
        let source = SourceFile::decode(shown.display().to_string(), &bytes);
        let (file, script) = self.add_file(source, Some(location));
        let text = self.texts[file as usize].clone();
        let origin = Origin {
            file,
            text: &text,
            map: None,
        };
        self.include_stack.push(real);
        self.collect_subs(&script.statements, origin, None);
        let flow = self.exec_block(&script.statements, origin);
        self.include_stack.pop();
        match flow {
            Flow::ExitScript => Flow::ExitScript,
            _ => Flow::Normal,
        }
    }

    // ---- the end -------------------------------------------------------------------------

    fn finish(mut self, input: &AppInput) -> Resolved {
        let (tables, section_access_tables) = self.state.tables.finish();
        let synthetic_keys = table_model::synthetic_keys(&tables);
        let circular_references = table_model::circular_references(&tables);
        // Model-level findings point at the load that created the last table involved.
        let created_at = |name: &str| -> Location {
            tables
                .iter()
                .find(|t| t.name == name)
                .and_then(|t| t.sources.first())
                .and_then(|&i| self.loads.get(i))
                .map(|l| l.location)
                .unwrap_or(Location {
                    file: 0,
                    span: Span::empty_at(0),
                })
        };
        let mut findings = Vec::new();
        for key in &synthetic_keys {
            let location = created_at(key.tables.last().map_or("", String::as_str));
            findings.push((
                location,
                Diagnostic::new(
                    Code::SyntheticKey,
                    location.span,
                    format!(
                        "tables {} share the fields {}: synthetic key",
                        key.tables.join(", "),
                        key.fields.join(", ")
                    ),
                )
                .with_help("rename or qualify all but one shared field, or build a composite key"),
            ));
        }
        for group in &circular_references {
            let location = created_at(group.last().map_or("", String::as_str));
            findings.push((
                location,
                Diagnostic::new(Code::CircularReference, location.span, format!("tables {} associate in a loop", group.join(", ")))
                    .with_note("Qlik loosens one table of the loop, so some associations silently stop working"),
            ));
        }
        for (location, diagnostic) in findings {
            self.diagnostic(location, diagnostic);
        }
        let defaults = Environment::with_defaults(&[]);
        let variables = self
            .state
            .env
            .iter()
            .filter(|(name, value)| {
                !Environment::is_system(name) || defaults.get(name) != Some(*value)
            })
            .map(|(name, value)| {
                (
                    name.to_string(),
                    match value {
                        VarValue::Known(t) => VariableState::Known(t.clone()),
                        VarValue::Unknown { reason, .. } => VariableState::Unknown(reason.clone()),
                    },
                )
            })
            .collect();
        Resolved {
            model: AppModel {
                path: input.path.clone(),
                files: self.files,
                tables,
                section_access_tables,
                loads: self.loads,
                stores: self.stores,
                variables,
                unresolved: self.unresolved,
                synthetic_keys,
                circular_references,
            },
            diagnostics: self.diagnostics,
        }
    }
}

/// A hash to find equal records by (each candidate is compared in full).
fn hash_of(value: &impl std::hash::Hash) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault};
    BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default().hash_one(value)
}

/// Merges the state another path produced into `into`. Both came from the same base state
/// with `base_tables` tables: tables below that index are the same table in both (compared
/// by pointer first, merged field by field when a branch changed them); tables past it were
/// created by one branch and are kept, marked conditional.
fn merge_state(into: &mut State, other: State, base_tables: usize, why: &str, runtime: bool) {
    into.env.merge(&other.env, why, runtime);
    let mine = &mut into.tables;
    if std::rc::Rc::ptr_eq(&mine.tables, &other.tables.tables) {
        // Neither path changed a table.
    } else {
        merge_tables(mine, other.tables, base_tables);
    }
    if into.directory != other.directory {
        into.directory = into.directory.clone().or(other.directory);
    }
    if into.connection.is_none() {
        into.connection = other.connection;
    }
}

/// Merges the tables of another path (see [`merge_state`]).
fn merge_tables(mine: &mut TableModel, other: TableModel, base_tables: usize) {
    for (i, theirs) in other.tables.iter().enumerate() {
        if i >= base_tables {
            let mut table = (**theirs).clone();
            table.table.conditional = true;
            mine.push_table(table);
            continue;
        }
        if std::rc::Rc::ptr_eq(&mine.tables[i], theirs) {
            continue;
        }
        let target = mine.table_mut(i);
        // Dropped on one path only: it may exist afterwards.
        if target.dropped != theirs.dropped {
            target.dropped = false;
            target.table.conditional = true;
        }
        for field in &theirs.table.fields {
            match target
                .table
                .fields
                .iter_mut()
                .find(|f| f.name == field.name)
            {
                Some(existing) => {
                    for d in &field.derived_from {
                        if !existing.derived_from.contains(d) {
                            existing.derived_from.push(d.clone());
                        }
                    }
                }
                None => {
                    target.table.fields.push(field.clone());
                    target.table.conditional = true;
                }
            }
        }
        for s in &theirs.table.sources {
            if !target.table.sources.contains(s) {
                target.table.sources.push(*s);
            }
        }
    }
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
}

impl Context for EvalCtx<'_> {
    fn variable(&self, name: &str) -> Result<Option<String>, Unknown> {
        match self.env.get(name) {
            Some(VarValue::Known(t)) => Ok(Some(t.clone())),
            Some(VarValue::Unknown { reason, runtime }) => Err(Unknown {
                reason: format!("{name}: {reason}"),
                runtime: *runtime,
            }),
            None => Ok(None),
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
                reason: format!("{name}: {reason}"),
                runtime: *runtime,
            },
            None => Lookup::Undefined,
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
