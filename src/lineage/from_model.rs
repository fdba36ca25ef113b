//! An app's resolved model as nodes and edges: its tables and fields, where each load read
//! from (QVD, file, database, resident table, inline data), what each field is derived from,
//! and what it stores.
//!
//! Table-level: dataset --reads--> app table --stores--> QVD; app --contains--> table
//! --contains--> field. Field-level: source column or field --derives--> app field
//! --derives--> QVD field. Each load's own output fields are used (`Load::fields`), so a
//! staging table that is later dropped still links its sources to what was made from it.

use std::collections::HashMap;
use std::path::PathBuf;

use super::facts::{Facts, Produced, UnresolvedItem};
use super::graph::{Certainty, Edge, EdgeKind, SpanRef, Transform};
use super::ids::{id, NodeKind};
use super::paths::PathCanon;
use super::reload_log::{self, Ran};
use crate::qlik::script_log::ScriptLog;
use crate::semantic::model::{AppModel, Derivation, Load, LoadKind, Location, SourceKind};
use crate::semantic::{ConnectionKind, Connections};

/// Who the app is, for ids and attributes.
#[derive(Debug, Clone, Default)]
pub struct AppRef {
    /// The key used in ids: the app id of a site snapshot, else the path as given.
    pub key: String,
    pub name: String,
    /// The folder relative paths are taken against (canonical form).
    pub base: Option<String>,
    /// Folders QVD headers may be read from (`--qvd-dir`).
    pub qvd_dirs: Vec<PathBuf>,
    /// The other apps of the run by model path (`AppModel::path`) → key, for BINARY loads.
    pub estate_keys: std::sync::Arc<HashMap<String, String>>,
    pub attrs: Vec<(&'static str, String)>,
}

/// A dataset a load read, as a node id and kind.
#[derive(Debug, Clone)]
struct Dataset {
    id: String,
    kind: DatasetKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DatasetKind {
    Qvd,
    File,
    /// Fields are `db:<conn>/<table>.<column>`; the id is the database.
    Database,
    Inline,
    /// Another table of this app.
    Resident,
}

pub fn facts(
    app: &AppRef,
    model: &AppModel,
    canon: &PathCanon,
    connections: &Connections,
    log: Option<&ScriptLog>,
) -> Facts {
    let mut builder = Builder {
        app,
        model,
        canon,
        connections,
        log,
        facts: Facts::default(),
        datasets_by_origin: HashMap::new(),
    };
    builder.run();
    builder.facts
}

struct Builder<'a> {
    app: &'a AppRef,
    model: &'a AppModel,
    canon: &'a PathCanon,
    connections: &'a Connections,
    /// The last reload's script log, when there is one.
    log: Option<&'a ScriptLog>,
    facts: Facts,
    /// A derivation's `source` text (the resolved or written path) → the dataset it names.
    datasets_by_origin: HashMap<String, Dataset>,
}

impl Builder<'_> {
    fn run(&mut self) {
        let app_id = id::app(&self.app.key);
        self.facts.node_with(
            app_id.clone(),
            NodeKind::App,
            self.app.name.clone(),
            self.app.attrs.clone(),
        );
        for (name, state) in &self.model.variables {
            let var = id::variable(&self.app.key, name);
            let value = match state {
                crate::semantic::model::VariableState::Known(v) => ("value", v.clone()),
                crate::semantic::model::VariableState::Unknown(r) => ("unknown", r.clone()),
            };
            self.facts
                .node_with(var.clone(), NodeKind::Variable, name.clone(), [value]);
            self.facts.edge(
                &app_id,
                &var,
                Edge::new(EdgeKind::Contains, Certainty::Resolved),
            );
        }
        for load in &self.model.loads {
            if load.kind == LoadKind::Preceding {
                continue;
            }
            self.load(load);
        }
        self.final_tables();
        for store in &self.model.stores {
            self.store(store);
        }
        for u in &self.model.unresolved {
            let (file, line, column) = self.position(u.location);
            self.facts.unresolved.push(UnresolvedItem {
                app: self.app.key.clone(),
                file,
                line,
                column,
                text: u.text.clone(),
                reason: u.reason.clone(),
                runtime: u.runtime,
            });
        }
    }

    fn position(&self, location: Location) -> (String, u32, u32) {
        match self.model.files.get(location.file as usize) {
            Some(file) => {
                let lc = file.source.line_col(location.span.start);
                (file.source.path.clone(), lc.line, lc.column)
            }
            None => (self.model.path.clone(), 0, 0),
        }
    }

    fn span(&self, location: Location) -> Option<SpanRef> {
        let (file, line, column) = self.position(location);
        (line > 0).then_some(SpanRef { file, line, column })
    }

    /// Resolved, or partial with the first unresolved item inside the statement.
    fn certainty(&self, resolved: bool, location: Location) -> Certainty {
        if resolved {
            return Certainty::Resolved;
        }
        let missing = self
            .model
            .unresolved
            .iter()
            .find(|u| u.location.file == location.file && location.span.contains(u.location.span))
            .map(|u| format!("{}: {}", u.text, u.reason))
            .unwrap_or_else(|| "source or target not fully determined".to_string());
        Certainty::Partial { missing }
    }

    fn table_node(&mut self, table: &str, attrs: Vec<(&'static str, String)>) -> String {
        let node = id::app_table(&self.app.key, table);
        self.facts
            .node_with(node.clone(), NodeKind::AppTable, table.to_string(), attrs);
        let app = id::app(&self.app.key);
        self.facts.edge(
            &app,
            &node,
            Edge::new(EdgeKind::Contains, Certainty::Resolved),
        );
        node
    }

    fn field_node(&mut self, table: &str, field: &str) -> String {
        let table_id = id::app_table(&self.app.key, table);
        let node = id::app_field(&self.app.key, table, field);
        self.facts
            .node(node.clone(), NodeKind::AppField, field.to_string());
        self.facts.edge(
            &table_id,
            &node,
            Edge::new(EdgeKind::Contains, Certainty::Resolved),
        );
        node
    }

    /// The dataset node of a file-like source (QVD, file, web file).
    /// The canonical form of a path; `written` is the path as the script wrote it.
    fn canonical_path(&self, path: &str, written: Option<&str>) -> String {
        // A path reached through a connection is not relative to the app, even when the
        // connection's own root is written relative (a test estate's connections file).
        let through_connection = written.is_some_and(|w| {
            w.trim_start_matches(['[', '"', '\'', ' '])
                .get(..6)
                .is_some_and(|p| p.eq_ignore_ascii_case("lib://"))
        });
        let base = if through_connection {
            None
        } else {
            self.app.base.as_deref()
        };
        self.canon.canonical(path, base)
    }

    fn file_dataset(&mut self, path: &str, kind: DatasetKind, disk_hint: Option<&str>) -> Dataset {
        let canonical = self.canonical_path(path, disk_hint);
        let (node, node_kind) = match kind {
            DatasetKind::Qvd => (id::qvd(&canonical), NodeKind::Qvd),
            _ => (id::file(&canonical), NodeKind::File),
        };
        let name = canonical
            .rsplit('/')
            .next()
            .unwrap_or(&canonical)
            .to_string();
        self.facts
            .node_with(node.clone(), node_kind, name, [("path", canonical.clone())]);
        if kind == DatasetKind::Qvd {
            for candidate in self.disk_candidates(disk_hint.unwrap_or(path)) {
                self.facts.qvd_files.push((node.clone(), candidate));
            }
        }
        Dataset { id: node, kind }
    }

    /// Where a QVD written `path` may be read on this machine: through a folder connection's
    /// local copy, or under a `--qvd-dir` by its tail or its file name.
    fn disk_candidates(&self, path: &str) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let unified = path.trim().trim_matches(['[', ']']).replace('\\', "/");
        let lower = unified.to_ascii_lowercase();
        let tail = if let Some(rest) = lower.strip_prefix("lib://") {
            let rest = &unified[6..6 + rest.len()];
            let (name, tail) = rest.split_once('/').unwrap_or((rest, ""));
            if let Some(c) = self.connections.get(name) {
                if let ConnectionKind::Folder { path, disk } = &c.kind {
                    if let Some(disk) = self.connections.folder_disk(path, disk.as_ref()) {
                        out.push(disk.join(tail));
                    }
                }
            }
            tail.to_string()
        } else {
            out.extend(self.connections.mounted(&unified));
            unified.clone()
        };
        let file_name = tail.rsplit('/').next().unwrap_or(&tail).to_string();
        for dir in &self.app.qvd_dirs {
            out.push(dir.join(tail.trim_start_matches('/')));
            out.push(dir.join(&file_name));
        }
        out
    }

    fn database(&mut self, connection: &str) -> String {
        let conn = id::connection(connection);
        let db = id::database(connection);
        let provider = self
            .connections
            .get(connection)
            .map(|c| c.provider_text())
            .unwrap_or_default();
        let mut attrs = Vec::new();
        if !provider.is_empty() {
            attrs.push(("provider", provider_name(&provider)));
        }
        self.facts.node_with(
            conn.clone(),
            NodeKind::DataConnection,
            connection.to_string(),
            attrs,
        );
        self.facts
            .node(db.clone(), NodeKind::Database, connection.to_string());
        self.facts.edge(
            &conn,
            &db,
            Edge::new(EdgeKind::Contains, Certainty::Resolved),
        );
        db
    }

    fn db_table(&mut self, connection: &str, table: &str) -> String {
        let db = self.database(connection);
        let node = id::db_table(connection, table);
        self.facts
            .node(node.clone(), NodeKind::DbTable, table.to_string());
        self.facts.edge(
            &db,
            &node,
            Edge::new(EdgeKind::Contains, Certainty::Resolved),
        );
        node
    }

    /// The dataset a load read, with its node; `None` for sources with no node (AUTOGENERATE).
    fn dataset_of(&mut self, load: &Load) -> Option<Dataset> {
        let source = &load.source;
        let dataset = match source.kind? {
            SourceKind::Qvd | SourceKind::File | SourceKind::Web => {
                let path = source.resolved_path.as_ref().or(source.path.as_ref())?;
                let kind = if source.kind == Some(SourceKind::Qvd) {
                    DatasetKind::Qvd
                } else {
                    DatasetKind::File
                };
                let dataset = self.file_dataset(&path.clone(), kind, source.path.as_deref());
                for origin in [&source.resolved_path, &source.path].into_iter().flatten() {
                    self.datasets_by_origin
                        .insert(origin.clone(), dataset.clone());
                }
                dataset
            }
            SourceKind::Sql => {
                let connection = source
                    .connection
                    .clone()
                    .unwrap_or_else(|| "unknown".into());
                let db = self.database(&connection);
                Dataset {
                    id: db,
                    kind: DatasetKind::Database,
                }
            }
            SourceKind::Inline => {
                let node = id::inline_table(&self.app.key, &load.target);
                self.facts
                    .node(node.clone(), NodeKind::InlineTable, load.target.clone());
                Dataset {
                    id: node,
                    kind: DatasetKind::Inline,
                }
            }
            SourceKind::Resident | SourceKind::FromField => {
                let table = match source.kind {
                    Some(SourceKind::FromField) => source
                        .path
                        .as_deref()
                        .and_then(|p| p.split_once('.'))
                        .map(|(t, _)| t.to_string())?,
                    _ => source.path.clone()?,
                };
                let node = self.table_node(&table, Vec::new());
                Dataset {
                    id: node,
                    kind: DatasetKind::Resident,
                }
            }
            SourceKind::Binary => {
                let other = self
                    .app
                    .estate_keys
                    .get(source.resolved_path.as_ref()?)?
                    .clone();
                let node = id::app_table(&other, &load.target);
                self.facts
                    .node(node.clone(), NodeKind::AppTable, load.target.clone());
                Dataset {
                    id: node,
                    kind: DatasetKind::Resident,
                }
            }
            SourceKind::Autogenerate | SourceKind::Extension => return None,
        };
        Some(dataset)
    }

    fn load(&mut self, load: &Load) {
        if load.target.is_empty() {
            return;
        }
        let first_edge = self.facts.edges.len();
        let mut ran = self.ran(load.location);
        // A path the analysis could not determine (it holds a `$(…)`), which the reload log
        // shows: the log's files replace the template, which would only be noise beside them.
        let template_superseded = match &ran {
            Some(Ran::Yes { executions, .. }) if !load.resolved => {
                self.static_dataset_path(load)
                    .is_some_and(|p| p.contains("$("))
                    && !self.logged_paths(executions).is_empty()
            }
            _ => false,
        };
        self.load_static(load, !template_superseded);
        if let Some(Ran::Yes {
            line,
            executions,
            fields,
        }) = &ran
        {
            let static_path = self.static_dataset_path(load);
            let logged = self.logged_paths(executions);
            let agrees = match (&static_path, logged.as_slice()) {
                (Some(path), [only]) => path == only,
                // A source with no path (SQL, RESIDENT, INLINE) ran: nothing to compare.
                (None, _) | (_, []) => true,
                _ => false,
            };
            if !agrees || !load.resolved {
                if load.resolved {
                    self.facts.findings.push(super::facts::Finding::new(
                        crate::diagnostics::Code::ReloadLogDisagrees,
                        format!(
                            "app {}, script line {line}: the reload read {}, the script analysis found {}",
                            self.app.key,
                            logged.join(", "),
                            static_path.clone().unwrap_or_default()
                        ),
                        vec![id::app_table(&self.app.key, &load.target)],
                    ));
                }
                let (line, executions, fields) = (*line, executions.clone(), fields.clone());
                self.load_from_log(load, line, &executions, fields.as_deref());
                // The static claim stands as it was: not confirmed.
                ran = None;
            }
        }
        self.apply_log(first_edge, load.resolved, &ran);
    }

    /// The canonical path of a load's file source, as the static analysis has it.
    fn static_dataset_path(&self, load: &Load) -> Option<String> {
        match load.source.kind? {
            SourceKind::Qvd | SourceKind::File | SourceKind::Web => {}
            _ => return None,
        }
        let path = load
            .source
            .resolved_path
            .as_ref()
            .or(load.source.path.as_ref())?;
        Some(self.canonical_path(path, load.source.path.as_deref()))
    }

    /// The canonical paths the logged executions read (once each).
    fn logged_paths(&self, executions: &[String]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for text in executions {
            if let Some(path) = reload_log::executed_path(text) {
                let canonical = self.canonical_path(&path, Some(&path));
                if !out.contains(&canonical) {
                    out.push(canonical);
                }
            }
        }
        out
    }

    /// Whether the statement at `location` ran in the logged reload (main script only: the
    /// log numbers the lines of the whole script text).
    fn ran(&self, location: Location) -> Option<Ran> {
        let log = self.log?;
        if location.file != 0 {
            return None;
        }
        let file = &self.model.files.first()?.source;
        let first = file.line_col(location.span.start).line;
        let last = file
            .line_col(location.span.end.saturating_sub(1).max(location.span.start))
            .line;
        Some(reload_log::ran(log, first, last))
    }

    /// Marks the edges a statement produced (from `first_edge` on): confirmed by the log when
    /// it ran and was resolved, not taken when it did not run.
    fn apply_log(&mut self, first_edge: usize, resolved: bool, ran: &Option<Ran>) {
        for (_, _, edge) in &mut self.facts.edges[first_edge..] {
            if edge.kind == EdgeKind::Contains {
                continue;
            }
            match ran {
                Some(Ran::Yes { line, .. }) if resolved => {
                    edge.certainty = Certainty::Runtime {
                        evidence: format!("reload log, script line {line}"),
                    }
                }
                Some(Ran::No) => edge.not_taken = true,
                _ => {}
            }
        }
    }

    /// What an unresolved load really read, from the expanded text the log shows for each
    /// execution.
    fn load_from_log(
        &mut self,
        load: &Load,
        line: u32,
        executions: &[String],
        fields: Option<&[String]>,
    ) {
        let evidence = Certainty::Runtime {
            evidence: format!("reload log, script line {line}"),
        };
        let table = id::app_table(&self.app.key, &load.target);
        let span = self.span(load.location);
        let names: Vec<String> = match fields {
            Some(f) => f.to_vec(),
            None => load.fields.iter().map(|f| f.name.clone()).collect(),
        };
        let kind = match load.source.kind {
            Some(SourceKind::Qvd) => DatasetKind::Qvd,
            Some(SourceKind::File | SourceKind::Web) => DatasetKind::File,
            _ => return,
        };
        let mut seen = std::collections::HashSet::new();
        for text in executions {
            let Some(path) = reload_log::executed_path(text) else {
                continue;
            };
            if !seen.insert(path.clone()) || path.contains("$(") {
                continue;
            }
            let dataset = self.file_dataset(&path, kind, Some(&path));
            self.facts.edge(
                &dataset.id,
                &table,
                Edge::new(EdgeKind::Reads, evidence.clone()).with_span(span.clone()),
            );
            for name in &names {
                let target = self.field_node(&load.target, name);
                let from = id::dataset_field(&dataset.id, name);
                let field_kind = if kind == DatasetKind::Qvd {
                    NodeKind::QvdField
                } else {
                    NodeKind::FileField
                };
                self.facts.node(from.clone(), field_kind, name.clone());
                self.facts.edge(
                    &dataset.id,
                    &from,
                    Edge::new(EdgeKind::Contains, Certainty::Resolved),
                );
                self.facts.edge(
                    &from,
                    &target,
                    Edge::new(EdgeKind::Derives, evidence.clone())
                        .with_transform(Transform::Identity)
                        .with_span(span.clone()),
                );
            }
        }
    }

    /// The load's table, its fields' derivations and, when `with_dataset`, the dataset it read.
    fn load_static(&mut self, load: &Load, with_dataset: bool) {
        let mut attrs = Vec::new();
        match load.kind {
            LoadKind::Mapping => attrs.push(("mapping", "true".to_string())),
            LoadKind::SectionAccess => attrs.push(("section_access", "true".to_string())),
            _ => {}
        }
        if load.conditional {
            attrs.push(("conditional", "true".to_string()));
        }
        let table = self.table_node(&load.target, attrs);
        let certainty = self.certainty(load.resolved, load.location);
        let span = self.span(load.location);
        let dataset = if with_dataset {
            self.dataset_of(load)
        } else {
            None
        };
        if let Some(d) = &dataset {
            if d.kind == DatasetKind::Database {
                let connection = load
                    .source
                    .connection
                    .clone()
                    .unwrap_or_else(|| "unknown".into());
                for t in &load.source.sql_tables {
                    let t_node = self.db_table(&connection, t);
                    self.facts.edge(
                        &t_node,
                        &table,
                        Edge::new(EdgeKind::Reads, certainty.clone()).with_span(span.clone()),
                    );
                }
            } else {
                self.facts.edge(
                    &d.id,
                    &table,
                    Edge::new(EdgeKind::Reads, certainty.clone()).with_span(span.clone()),
                );
            }
        }
        let join = matches!(load.kind, LoadKind::Join | LoadKind::Keep);
        let concat = matches!(load.kind, LoadKind::Concatenate | LoadKind::AutoConcatenate);
        for field in &load.fields {
            let target = self.field_node(&load.target, &field.name);
            for derivation in &field.derived_from {
                let Some(from) = self.derivation_source(load, dataset.as_ref(), derivation) else {
                    continue;
                };
                let mut transform = Transform::from(derivation.transform);
                if transform == Transform::Identity && concat {
                    transform = Transform::Concatenate;
                } else if transform == Transform::Identity && join {
                    transform = Transform::Join;
                }
                self.facts.edge(
                    &from,
                    &target,
                    Edge::new(EdgeKind::Derives, certainty.clone())
                        .with_transform(transform)
                        .with_span(span.clone()),
                );
            }
        }
    }

    /// The node a derivation reads, created when needed.
    fn derivation_source(
        &mut self,
        load: &Load,
        dataset: Option<&Dataset>,
        d: &Derivation,
    ) -> Option<String> {
        let field = d.field.as_deref()?;
        let source = d.source.as_deref().unwrap_or("");
        if source == "resident" || source == "mapping" || source == "from_field" {
            let table = d.table.as_deref()?;
            self.table_node(table, Vec::new());
            return Some(self.field_node(table, field));
        }
        if source == "sql" || source.starts_with("sql ") {
            let connection = source
                .strip_prefix("sql ")
                .map(str::to_string)
                .or_else(|| load.source.connection.clone())
                .unwrap_or_else(|| "unknown".into());
            let table = match (&d.table, load.source.sql_tables.as_slice()) {
                (Some(t), tables) => qualify_sql_table(t, tables),
                (None, [only]) => only.clone(),
                (None, _) => "?".to_string(),
            };
            let t_node = self.db_table(&connection, &table);
            let column = id::db_column(&connection, &table, field);
            self.facts
                .node(column.clone(), NodeKind::DbColumn, field.to_string());
            self.facts.edge(
                &t_node,
                &column,
                Edge::new(EdgeKind::Contains, Certainty::Resolved),
            );
            return Some(column);
        }
        if source == "inline" {
            let dataset = dataset?;
            let node = id::dataset_field(&dataset.id, field);
            self.facts
                .node(node.clone(), NodeKind::FileField, field.to_string());
            self.facts.edge(
                &dataset.id,
                &node,
                Edge::new(EdgeKind::Contains, Certainty::Resolved),
            );
            return Some(node);
        }
        if let Some(app_path) = source.strip_prefix("binary ") {
            // All tables of another app of the run: its field of the same table and name.
            let other = self.app.estate_keys.get(app_path)?.clone();
            let table = d.table.as_deref()?;
            let node = id::app_field(&other, table, field);
            self.facts
                .node(node.clone(), NodeKind::AppField, field.to_string());
            return Some(node);
        }
        if source == "autogenerate" || source.is_empty() {
            return None;
        }
        let dataset = match self.datasets_by_origin.get(source) {
            Some(d) => d.clone(),
            None => dataset?.clone(),
        };
        if !matches!(dataset.kind, DatasetKind::Qvd | DatasetKind::File) {
            return None;
        }
        let kind = if dataset.kind == DatasetKind::Qvd {
            NodeKind::QvdField
        } else {
            NodeKind::FileField
        };
        let node = id::dataset_field(&dataset.id, field);
        self.facts.node(node.clone(), kind, field.to_string());
        self.facts.edge(
            &dataset.id,
            &node,
            Edge::new(EdgeKind::Contains, Certainty::Resolved),
        );
        Some(node)
    }

    /// Tables left at the end of the script: in the data model, with every field. A field
    /// whose table or name changed after its load (RENAME, QUALIFY after the fact) is linked
    /// to the load's field of the same name, or else to what its derivations read.
    fn final_tables(&mut self) {
        let tables: Vec<_> = self
            .model
            .tables
            .iter()
            .map(|t| (t, false))
            .chain(self.model.section_access_tables.iter().map(|t| (t, true)))
            .collect();
        for (table, section_access) in tables {
            let in_model = (!section_access).to_string();
            let mut attrs = vec![("in_data_model", in_model.clone())];
            if section_access {
                attrs.push(("section_access", "true".to_string()));
            }
            if table.fields_incomplete {
                attrs.push(("fields_incomplete", "true".to_string()));
            }
            self.table_node(&table.name, attrs);
            // Later facts about a node only add attributes, so mark this one explicitly.
            self.mark_last_node("in_data_model", &in_model);
            for field in &table.fields {
                let target = self.field_node(&table.name, &field.name);
                self.mark_last_node("in_data_model", &in_model);
                for &source in &table.sources {
                    let Some(load) = self.model.loads.get(source) else {
                        continue;
                    };
                    if load.target.is_empty() || load.kind == LoadKind::Preceding {
                        continue;
                    }
                    let certainty = self.certainty(load.resolved, load.location);
                    let span = self.span(load.location);
                    if let Some(same) = load.fields.iter().find(|f| f.name == field.name) {
                        if load.target != table.name {
                            let from = id::app_field(&self.app.key, &load.target, &same.name);
                            self.facts.edge(
                                &from,
                                &target,
                                Edge::new(EdgeKind::Derives, certainty)
                                    .with_transform(Transform::Identity)
                                    .with_span(span),
                            );
                        }
                        continue;
                    }
                    let dataset = self.dataset_of(load);
                    for derivation in &field.derived_from {
                        let Some(from) = self.derivation_source(load, dataset.as_ref(), derivation)
                        else {
                            continue;
                        };
                        self.facts.edge(
                            &from,
                            &target,
                            Edge::new(EdgeKind::Derives, certainty.clone())
                                .with_transform(Transform::Rename)
                                .with_span(span.clone()),
                        );
                    }
                }
            }
        }
    }

    fn mark_last_node(&mut self, key: &str, value: &str) {
        if let Some(node) = self.facts.nodes.last_mut() {
            node.attrs.insert(key.to_string(), value.to_string());
        }
    }

    fn store(&mut self, store: &crate::semantic::model::Store) {
        let first_edge = self.facts.edges.len();
        let ran = self.ran(store.location);
        match (&ran, store.resolved) {
            (
                Some(Ran::Yes {
                    line, executions, ..
                }),
                false,
            ) => {
                let line = *line;
                let paths: Vec<String> = executions
                    .iter()
                    .filter_map(|t| reload_log::executed_path(t))
                    .filter(|p| !p.contains("$("))
                    .collect();
                for path in paths {
                    let mut resolved = store.clone();
                    resolved.resolved_path = None;
                    resolved.path = path;
                    resolved.resolved = true;
                    let from = self.facts.edges.len();
                    self.store_static(&resolved);
                    for (_, _, edge) in &mut self.facts.edges[from..] {
                        if edge.kind != EdgeKind::Contains {
                            edge.certainty = Certainty::Runtime {
                                evidence: format!("reload log, script line {line}"),
                            };
                        }
                    }
                }
                return;
            }
            _ => self.store_static(store),
        }
        self.apply_log(first_edge, store.resolved, &ran);
    }

    fn store_static(&mut self, store: &crate::semantic::model::Store) {
        let certainty = self.certainty(store.resolved, store.location);
        let span = self.span(store.location);
        let table = self.table_node(&store.table, Vec::new());
        let path = store
            .resolved_path
            .clone()
            .unwrap_or_else(|| store.path.clone());
        let kind = if store.format.eq_ignore_ascii_case("qvd") {
            DatasetKind::Qvd
        } else {
            DatasetKind::File
        };
        let dataset = self.file_dataset(&path, kind, Some(&store.path));
        self.mark_last_node("format", &store.format.to_ascii_lowercase());
        self.facts.edge(
            &table,
            &dataset.id,
            Edge::new(EdgeKind::Stores, certainty.clone()).with_span(span.clone()),
        );
        let field_kind = if kind == DatasetKind::Qvd {
            NodeKind::QvdField
        } else {
            NodeKind::FileField
        };
        for field in &store.fields {
            let from = self.field_node(&store.table, field);
            let to = id::dataset_field(&dataset.id, field);
            self.facts.node(to.clone(), field_kind, field.clone());
            self.facts.edge(
                &dataset.id,
                &to,
                Edge::new(EdgeKind::Contains, Certainty::Resolved),
            );
            self.facts.edge(
                &from,
                &to,
                Edge::new(EdgeKind::Derives, certainty.clone())
                    .with_transform(Transform::Identity)
                    .with_span(span.clone()),
            );
        }
        if kind == DatasetKind::Qvd {
            self.facts.produced.push(Produced {
                qvd: dataset.id,
                app: self.app.key.clone(),
                table: store.table.clone(),
                fields: store.fields.clone(),
            });
        }
    }
}

/// A SQL derivation's table as written (an alias already resolved by the SQL stage, or a bare
/// name) matched to a fully written table of the statement (`Customers` → `crm.dbo.Customers`).
fn qualify_sql_table(table: &str, tables: &[String]) -> String {
    let bare = id::sql_name(table);
    tables
        .iter()
        .find(|t| {
            let full = id::sql_name(t);
            full == bare || full.ends_with(&format!(".{bare}"))
        })
        .cloned()
        .unwrap_or_else(|| table.to_string())
}

/// A readable provider name from a connection's provider text.
fn provider_name(provider_text: &str) -> String {
    let lower = provider_text.to_ascii_lowercase();
    for (needle, name) in [
        ("sqlserver", "sqlserver"),
        ("sqloledb", "sqlserver"),
        ("sqlncli", "sqlserver"),
        ("oracle", "oracle"),
        ("oraoledb", "oracle"),
        ("postgres", "postgresql"),
        ("mysql", "mysql"),
        ("snowflake", "snowflake"),
        ("bigquery", "bigquery"),
        ("teradata", "teradata"),
        ("db2", "db2"),
        ("sap", "sap"),
    ] {
        if lower.contains(needle) {
            return name.to_string();
        }
    }
    provider_text
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_string()
}
