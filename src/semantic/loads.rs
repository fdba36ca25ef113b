//! LOAD, SELECT, STORE and BINARY: what a data statement reads, the fields it produces and
//! how each is derived, and where its rows go in the table model.
//!
//! A preceding-load chain is read bottom-up: the bottom statement's source gives the input
//! fields (a QVD header, an INLINE header, a SQL projection, a resident table), each level
//! computes its fields from the level below, and only the top level's output is placed in
//! the model. Derivations compose through the levels, so a top field points at the source
//! columns it really comes from.

use std::path::PathBuf;
use std::sync::Arc;

use super::control_flow::{shorten, Machine, Origin};
use super::derivation;
use super::includes::{resolve_path, ResolvedPath};
use super::inline::{delimiter_of, inline_header, split_header};
use super::model::{
    Derivation, Derivations, Field, Load, LoadKind, LoadSourceInfo, Location, SourceKind, Store,
    Transform,
};
use super::sql::SqlDialect;
use super::table_model::{source_field, Domain, Placed, Placement};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::{
    Expr, FileType, FormatItem, FormatSpec, Labels, LoadField, LoadSource, Prefix, Stmt, StmtKind,
    StmtLoad, StmtStore, StoreField,
};

/// Tables (live or dropped) one run may create; past this the analysis stops, so a loop
/// creating tables without end stays bounded in time and output.
mod files;
mod inputs;
mod prefixes;

const MAX_TABLES: usize = 100_000;

/// One level's result.
struct Level {
    fields: Vec<Field>,
    /// Some fields are not known (a `*` over an unknown source, a SQL `SELECT *`).
    incomplete: bool,
    source: LoadSourceInfo,
    resolved: bool,
    default_name: String,
}

/// A load's input before its field list is applied.
struct Input {
    fields: Option<Vec<Field>>,
    source: LoadSourceInfo,
    resolved: bool,
    default_name: String,
    /// How derivations name the input when it has no field list of its own.
    table: Option<Arc<str>>,
    origin: Option<Arc<str>>,
}

/// A preceding LOAD whose rows come from the next LOAD or SELECT that runs
/// ([`LoadSource::Following`]), kept with the text its spans index into.
pub(super) struct PendingLoad {
    stmt: Stmt,
    file: super::model::FileId,
    text: std::rc::Rc<str>,
    map: Option<std::rc::Rc<super::source_map::SourceMap>>,
}

impl PendingLoad {
    fn origin(&self) -> Origin<'_> {
        Origin {
            file: self.file,
            text: &self.text,
            map: self.map.as_deref(),
        }
    }
}

fn input_from(level: Level) -> Input {
    Input {
        fields: (!level.incomplete).then_some(level.fields),
        source: level.source,
        resolved: level.resolved,
        default_name: level.default_name,
        table: None,
        origin: None,
    }
}

impl Machine<'_> {
    /// Runs a LOAD or SELECT. A LOAD reading from the statement that runs next is kept until
    /// that statement comes; then the chain is read bottom-up.
    pub(super) fn exec_load(&mut self, stmt: &Stmt, origin: Origin) {
        if self.state.tables.tables.len() >= MAX_TABLES {
            self.stop_at_table_cap(origin.loc(stmt.span));
            return;
        }
        if let StmtKind::Load(load) = &stmt.kind {
            if load.source == LoadSource::Following {
                self.pending_following.push(PendingLoad {
                    stmt: stmt.clone(),
                    file: origin.file,
                    text: std::rc::Rc::from(origin.text),
                    map: origin.map.map(|m| std::rc::Rc::new(m.clone())),
                });
                return;
            }
        }
        if self.pending_following.is_empty() {
            return self.place_load(stmt, origin, None);
        }
        let mut pending = std::mem::take(&mut self.pending_following);
        let top = pending.remove(0);
        let first = self.loads.len();
        let mut level = self.level(stmt, origin);
        let mut location = origin.loc(stmt.span);
        for p in pending.iter().rev() {
            self.push_preceding(location, &level);
            let StmtKind::Load(load) = &p.stmt.kind else {
                continue;
            };
            level = self.level_from(load, p.origin(), input_from(level));
            location = p.origin().loc(p.stmt.span);
        }
        self.push_preceding(location, &level);
        self.place_load(&top.stmt, top.origin(), Some((level, first)));
    }

    fn push_preceding(&mut self, location: Location, level: &Level) {
        let load = Load {
            location,
            target: String::new(),
            kind: LoadKind::Preceding,
            source: level.source.clone(),
            resolved: level.resolved,
            conditional: self.is_conditional(),
            fields: Vec::new(),
        };
        self.push_load(load);
    }

    /// Reads a preceding LOAD the script never gave a LOAD or SELECT to read from.
    pub(super) fn report_dangling_following(&mut self) {
        for p in std::mem::take(&mut self.pending_following) {
            let location = p.origin().loc(p.stmt.span);
            self.unresolved(
                location,
                "LOAD",
                "preceding LOAD with no LOAD or SELECT running after it",
                false,
            );
        }
    }

    /// Places a load's output in the model; `below` is the level a deferred chain computed.
    fn place_load(&mut self, stmt: &Stmt, origin: Origin, below: Option<(Level, usize)>) {
        let location = origin.loc(stmt.span);
        let mut placement = Placement {
            conditional: self.is_conditional(),
            section_access: self.state.section_access,
            ..Default::default()
        };
        let mut generic = false;
        for prefix in &stmt.prefixes {
            match prefix {
                // An empty label (a variable that expanded to nothing) names nothing.
                Prefix::Label(l) => {
                    placement.label =
                        Some(l.text.as_str().to_owned()).filter(|t| !t.trim().is_empty())
                }
                Prefix::Mapping(_) => placement.mapping = true,
                Prefix::NoConcatenate(_) => placement.no_concatenate = true,
                Prefix::Concatenate(t) => {
                    placement.concatenate =
                        Some(t.table.as_ref().map(|t| t.text.as_str().to_owned()))
                }
                Prefix::Join(j) => {
                    placement.join = Some(j.table.as_ref().map(|t| t.text.as_str().to_owned()))
                }
                Prefix::Keep(k) => {
                    placement.keep = Some(k.table.as_ref().map(|t| t.text.as_str().to_owned()))
                }
                Prefix::Generic(_) => generic = true,
                Prefix::When(p) | Prefix::Unless(p) => {
                    let when = matches!(prefix, Prefix::When(_));
                    match self.eval_expr(&p.expr, origin) {
                        Ok(v) if v.truthy() != when => return,
                        Ok(_) => {}
                        Err(u) => {
                            placement.conditional = true;
                            self.unresolved(
                                origin.loc(p.span),
                                origin.slice(p.span),
                                &format!("WHEN/UNLESS condition not decidable: {}", u.reason),
                                u.runtime,
                            );
                        }
                    }
                }
                Prefix::Dynamic(d) => {
                    let runtime = self.runtime_within(origin.loc(d.span));
                    self.unresolved(
                        origin.loc(d.span),
                        &d.text,
                        "a prefix written as a $(…) whose value is unknown",
                        runtime,
                    );
                }
                _ => {}
            }
        }
        let first_level_load = below.as_ref().map_or(self.loads.len(), |(_, first)| *first);
        let mut level = match (below, &stmt.kind) {
            (Some((b, _)), StmtKind::Load(load)) => self.level_from(load, origin, input_from(b)),
            (Some((b, _)), _) => b,
            (None, _) => self.level(stmt, origin),
        };
        self.apply_prefixes(stmt, &mut level, origin);
        let mut default_name = std::mem::take(&mut level.default_name);
        if generic {
            let label = placement.label.take().unwrap_or(default_name.clone());
            default_name = format!("{label}.*");
            placement.label = Some(default_name.clone());
            placement.no_concatenate = true;
            level.incomplete = true;
            self.unresolved(
                location,
                &label,
                "GENERIC makes one table per attribute value (named <label>.<value>); the values are data, so one symbolic table stands for them",
                true,
            );
        }
        self.apply_map_using(&mut level.fields);
        let qualifier = placement.label.as_deref().unwrap_or(&default_name);
        self.state
            .tables
            .rename_output(&mut level.fields, qualifier);
        let index = self.loads.len();
        let output_fields = level.fields.clone();
        let (placed, issues) = self.state.tables.place(
            level.fields,
            level.incomplete,
            &default_name,
            &placement,
            index,
        );
        if generic {
            if let Some(last) = self.state.tables.tables.len().checked_sub(1) {
                self.state.tables.table_mut(last).table.note =
                    Some("GENERIC: stands for one table per attribute value".to_string());
            }
        }
        for issue in issues {
            if issue.reason.contains("mapping table") {
                self.diagnostic(
                    location,
                    Diagnostic::new(
                        Code::MappingShape,
                        location.span,
                        format!(
                            "mapping table `{}` does not have exactly two fields",
                            issue.text
                        ),
                    ),
                );
            } else if !self.is_conditional() {
                self.diagnostic(
                    location,
                    Diagnostic::new(Code::UnknownTable, location.span, issue.reason.clone()),
                );
                self.unresolved(location, &issue.text, &issue.reason, false);
            }
        }
        if let (Placed::Mapping(_), StmtKind::Load(load)) = (&placed, &stmt.kind) {
            if let (LoadSource::Inline(inline), None, None) =
                (&load.source, &load.filter, &load.tail)
            {
                let rows = super::inline::mapping_rows(inline, &output_fields);
                if let Some(last) = self.state.tables.tables.len().checked_sub(1) {
                    self.state.tables.table_mut(last).rows = rows.map(std::rc::Rc::new);
                }
            }
        }
        let kind = match &placed {
            Placed::Created(_) => LoadKind::Create,
            Placed::AutoConcatenated(_) => LoadKind::AutoConcatenate,
            Placed::Concatenated(_) => LoadKind::Concatenate,
            Placed::Joined(_) => LoadKind::Join,
            Placed::Kept(_) => LoadKind::Keep,
            Placed::Mapping(_) => LoadKind::Mapping,
            Placed::SectionAccess(_) => LoadKind::SectionAccess,
        };
        let target = placed.into_target();
        for lower in &mut self.loads[first_level_load..] {
            if lower.kind == LoadKind::Preceding && lower.target.is_empty() {
                lower.target = target.clone();
            }
        }
        let load = Load {
            location,
            target,
            kind,
            source: level.source,
            resolved: level.resolved,
            conditional: placement.conditional,
            fields: output_fields,
        };
        let pushed = self.push_load(load);
        if pushed != index {
            // The same load seen again (a loop): point the table at the first record.
            for i in 0..self.state.tables.tables.len() {
                if !self.state.tables.tables[i].table.sources.contains(&index) {
                    continue;
                }
                let t = self.state.tables.table_mut(i);
                for s in &mut t.table.sources {
                    if *s == index {
                        *s = pushed;
                    }
                }
                t.table.sources.dedup();
            }
        }
    }

    /// True when an unresolved item inside `location` is a run-time value.
    pub(super) fn runtime_within(&self, location: Location) -> bool {
        // The items a statement reported were added last.
        self.unresolved
            .iter()
            .rev()
            .take(64)
            .filter(|u| u.location.file == location.file && location.span.contains(u.location.span))
            .any(|u| u.runtime)
    }

    fn level(&mut self, stmt: &Stmt, origin: Origin) -> Level {
        match &stmt.kind {
            StmtKind::Load(load) => self.load_level(load, stmt, origin),
            StmtKind::Select(select) => {
                self.select_level(&select.body.text, origin.loc(select.body.span))
            }
            _ => Level {
                fields: Vec::new(),
                incomplete: true,
                source: LoadSourceInfo::default(),
                resolved: false,
                default_name: String::new(),
            },
        }
    }

    fn load_level(&mut self, load: &StmtLoad, stmt: &Stmt, origin: Origin) -> Level {
        let input = self.input(load, stmt, origin);
        self.level_from(load, origin, input)
    }

    /// Applies a LOAD's field list to its input.
    fn level_from(&mut self, load: &StmtLoad, origin: Origin, mut input: Input) -> Level {
        self.note_missing_fields(load, origin, input.fields.as_deref(), &input.source);
        // `LOAD *` alone over known fields: they pass through as they are, moved, not copied.
        if let ([LoadField::All(_)], Some(known)) = (load.fields.as_slice(), &mut input.fields) {
            let mut fields: Vec<Field> = Vec::with_capacity(known.len());
            for f in known.drain(..) {
                if !fields.iter().any(|g| g.name == f.name) {
                    fields.push(f);
                }
            }
            return Level {
                fields,
                incomplete: false,
                source: input.source,
                resolved: input.resolved,
                default_name: input.default_name,
            };
        }
        let mut fields: Vec<Field> = Vec::new();
        let mut incomplete = false;
        for field in &load.fields {
            match field {
                LoadField::All(span) => match &input.fields {
                    Some(known) => {
                        for f in known {
                            if !fields.iter().any(|g| g.name == f.name) {
                                fields.push(f.clone());
                            }
                        }
                    }
                    None => {
                        incomplete = true;
                        let what = input
                            .source
                            .resolved_path
                            .clone()
                            .or(input.source.path.clone())
                            .unwrap_or_default();
                        self.unresolved(
                            origin.loc(*span),
                            "*",
                            &format!("LOAD * over {what}: its fields are not known (give the QVD under --qvd-dir or an allowed root)"),
                            false,
                        );
                    }
                },
                LoadField::Expr(fe) => {
                    let name = match (&fe.alias, &fe.expr) {
                        (Some(alias), _) => alias.text.as_str().to_owned(),
                        (None, Expr::Field(ident)) => ident.text.as_str().to_owned(),
                        (None, e) => origin.slice(e.span()).trim().to_string(),
                    };
                    if name.contains("$(") {
                        let runtime = self.runtime_within(origin.loc(fe.span));
                        self.unresolved(
                            origin.loc(fe.span),
                            &name,
                            "field name holds a $(…) whose value is unknown",
                            runtime,
                        );
                    }
                    let reads = derivation::reads(fe, &name);
                    let mut derived_from = Derivations::new();
                    for read in &reads.fields {
                        let from_input = input
                            .fields
                            .as_ref()
                            .and_then(|f| f.iter().find(|g| &g.name == read));
                        match from_input {
                            Some(g) => {
                                for d in &g.derived_from {
                                    push_unique(
                                        &mut derived_from,
                                        Derivation {
                                            transform: compose(reads.transform, d.transform),
                                            ..d.clone()
                                        },
                                    );
                                }
                            }
                            None => push_unique(
                                &mut derived_from,
                                Derivation {
                                    table: input.table.clone(),
                                    field: Some(Arc::from(*read)),
                                    source: input.origin.clone(),
                                    transform: reads.transform,
                                },
                            ),
                        }
                    }
                    for mapping in &reads.mappings {
                        let value_field = self
                            .state
                            .tables
                            .find(mapping, Domain::Mapping)
                            .and_then(|i| {
                                self.state.tables.tables[i]
                                    .table
                                    .fields
                                    .get(1)
                                    .map(|f| Arc::from(f.name.as_str()))
                            });
                        if value_field.is_none() && !self.is_conditional() {
                            self.unresolved(
                                origin.loc(fe.span),
                                mapping,
                                "ApplyMap names a mapping table that is not loaded at this point",
                                false,
                            );
                        }
                        push_unique(
                            &mut derived_from,
                            Derivation {
                                table: Some(Arc::from(*mapping)),
                                field: value_field,
                                source: Some("mapping".into()),
                                transform: Transform::Mapping,
                            },
                        );
                    }
                    if derived_from.is_empty() {
                        derived_from.push(Derivation {
                            table: None,
                            field: None,
                            source: input.origin.clone(),
                            transform: Transform::Constant,
                        });
                    }
                    if !fields.iter().any(|g| g.name == name) {
                        fields.push(Field { name, derived_from });
                    }
                }
            }
        }
        Level {
            fields,
            incomplete,
            source: input.source,
            resolved: input.resolved,
            default_name: input.default_name,
        }
    }
}

fn push_unique(list: &mut Derivations, d: Derivation) {
    if !list.contains(&d) {
        list.push(d);
    }
}

/// The transform of a field computed by `outer` from a field computed by `inner`.
fn compose(outer: Transform, inner: Transform) -> Transform {
    match (outer, inner) {
        (Transform::Identity, i) => i,
        (o, Transform::Identity) => o,
        (Transform::Rename, i) => i,
        (o, Transform::Rename) => o,
        (o, _) => o,
    }
}

fn has_label(stmt: &Stmt) -> bool {
    stmt.prefixes.iter().any(|p| matches!(p, Prefix::Label(_)))
}

fn format_word(format: Option<&FormatSpec>) -> Option<String> {
    format?.items.iter().find_map(|i| match i {
        FormatItem::FileType(w) => Some(w.word.name().to_string()),
        _ => None,
    })
}

/// The default table name Qlik derives from a file: its name without folder and extension.
fn file_stem(path: &str) -> String {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let stem = match name.rfind('.') {
        Some(at) if at > 0 => &name[..at],
        _ => name,
    };
    let end = stem.char_indices().nth(32).map_or(stem.len(), |(at, _)| at);
    stem[..end].to_string()
}
