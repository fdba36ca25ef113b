//! The lineage compiler: one graph for a whole estate, from resolved app models, QVD
//! headers, the engine's records and crawled app objects, plus manual edges; and the queries
//! and exports people and catalogs use.
//!
//! Apps are resolved and turned into [`facts::Facts`] in parallel; each app's AST and model
//! are dropped as soon as its facts exist. The facts then merge into one [`graph::Graph`],
//! keyed by canonical ids ([`ids`], [`paths`]), and the estate-wide passes run on it: QVD
//! headers and `GetLineage` confirm or complete the static edges ([`runtime`]), manual edges
//! are added ([`manual`]), cycles are reported. Every edge points the way data flows.
//!
//! Entry point: [`build`].

pub mod charts;
pub mod estate;
pub mod export;
pub mod facts;
pub mod from_model;
pub mod graph;
pub mod ids;
pub mod manual;
pub mod paths;
pub mod query;
pub mod reload_log;
pub mod runtime;

use std::path::PathBuf;

use rayon::prelude::*;

pub use estate::{discover, EstateApp, EstateError};
pub use facts::{Finding, UnresolvedItem};
pub use graph::{Certainty, Edge, EdgeKind, Graph, Node, SpanRef, Transform};
pub use ids::NodeKind;
pub use manual::{ManualError, ManualFile};
pub use paths::{AliasError, PathCanon};

use crate::diagnostics::{Code, Severity};
use crate::semantic::{self, AppInput, Connections, ResolveOptions};

/// What the caller gives besides the apps.
#[derive(Debug, Clone, Default)]
pub struct LineageOptions {
    pub resolve: ResolveOptions,
    /// The user's connections (`--connections`); a site snapshot's own are added per app.
    pub connections: Connections,
    /// `--alias FROM=TO` folder aliases.
    pub aliases: Vec<String>,
    pub manual: Vec<ManualFile>,
}

/// A diagnostic of the run: a resolver diagnostic of some app's script (with its position),
/// or a finding about the estate (with the nodes concerned).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct LineageDiagnostic {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    pub severity: Severity,
    pub code: Code,
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nodes: Vec<String>,
}

/// The estate's lineage: the graph and everything that could not be determined.
#[derive(Debug, Default)]
pub struct LineageGraph {
    pub graph: Graph,
    pub apps: usize,
    pub unresolved: Vec<UnresolvedItem>,
    pub diagnostics: Vec<LineageDiagnostic>,
    /// The connections of the run (the user's and every site snapshot's): exports that name
    /// database hosts read them; the graph itself keeps no connection strings.
    pub connections: Connections,
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Alias(#[from] AliasError),
    #[error(transparent)]
    Input(#[from] semantic::InputError),
    #[error("{path}: {message}")]
    EngineLineage { path: String, message: String },
    #[error("{path}: {message}")]
    ScriptLog { path: String, message: String },
    #[error("manual lineage: {}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
    Manual(Vec<ManualError>),
}

/// What one app contributes, computed on its own: its facts, its script's diagnostics and its
/// engine lineage. A catalog keeps it for apps that did not change ([`build_reusing`]).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct AppOutcome {
    pub facts: facts::Facts,
    pub diagnostics: Vec<LineageDiagnostic>,
    pub engine_lineage: Option<(String, Vec<crate::qlik::lineage::LineageEntry>)>,
}

/// Resolves every app, compiles the estate graph and runs the estate-wide passes.
pub fn build(apps: &[EstateApp], options: &LineageOptions) -> Result<LineageGraph, BuildError> {
    build_reusing(apps, options, &mut |_, _| None, &mut |_, _, _| {})
}

/// [`build`], asking the caller for the outcome of each app (`reuse(i, estate)` for
/// `apps[i]`: one an earlier build computed from the same app inputs and the same `estate`
/// fingerprint, or `None`) instead of resolving it again, and handing every outcome it
/// computes to `computed(i, estate, outcome)` (for the caller's cache). `estate` says what
/// every app's facts depend on besides the app: the run's connections (paths are
/// canonicalised with them) and the aliases. An estate with a BINARY load is resolved whole
/// (its apps depend on each other).
pub fn build_reusing(
    apps: &[EstateApp],
    options: &LineageOptions,
    reuse: &mut dyn FnMut(usize, &str) -> Option<AppOutcome>,
    computed: &mut dyn FnMut(usize, &str, &AppOutcome),
) -> Result<LineageGraph, BuildError> {
    let inputs = apps
        .par_iter()
        .map(|app| AppInput::read(&app.path, &options.connections))
        .collect::<Result<Vec<_>, _>>()?;
    let connections = run_connections(&inputs, &options.connections);
    let estate = {
        let mut entries: Vec<String> = connections.iter().map(|c| format!("{c:?}")).collect();
        entries.sort();
        format!(
            "{entries:?} {:?} {:?}",
            options.aliases,
            connections.mounts()
        )
    };
    let mut canon = PathCanon::new(connections);
    for alias in &options.aliases {
        canon.add_alias(alias)?;
    }
    // Apps are resolved in parallel a chunk at a time and their facts merged at once, so only
    // one chunk's facts are held beside the graph. An estate with BINARY loads is resolved
    // whole, in dependency order, so each app sees the tables of the app it loads.
    let estate_keys: std::sync::Arc<std::collections::HashMap<String, String>> =
        std::sync::Arc::new(
            apps.iter()
                .zip(&inputs)
                .map(|(app, input)| (input.path.clone(), app.app.key.clone()))
                .collect(),
        );
    let resolve = |input: &AppInput, app: &EstateApp| {
        let mut resolve = options.resolve.clone();
        resolve.qvd_dirs.extend(app.app.qvd_dirs.iter().cloned());
        semantic::resolve(input, &resolve)
    };
    let binary = inputs.iter().any(|i| has_binary(&i.script.text));
    let mut reuse: Vec<Option<AppOutcome>> = if binary {
        vec![None; apps.len()]
    } else {
        (0..apps.len()).map(|i| reuse(i, &estate)).collect()
    };
    let mut estate_resolved = if binary {
        semantic::resolve_estate(&inputs, &options.resolve)
            .into_iter()
            .map(Some)
            .collect()
    } else {
        Vec::new()
    };
    let mut all = facts::Facts::default();
    let mut diagnostics = Vec::new();
    let mut engine = Vec::new();
    let mut graph = Graph::default();
    let indexes: Vec<usize> = (0..apps.len()).collect();
    for chunk in indexes.chunks(64) {
        let ready: Vec<Option<semantic::Resolved>> = chunk
            .iter()
            .map(|&i| estate_resolved.get_mut(i).and_then(Option::take))
            .collect();
        let reused: Vec<Option<AppOutcome>> = chunk.iter().map(|&i| reuse[i].take()).collect();
        let outcomes: Vec<(usize, bool, Result<AppOutcome, BuildError>)> = chunk
            .par_iter()
            .zip(ready)
            .zip(reused)
            .map(|((&i, ready), reused)| {
                if let Some(outcome) = reused {
                    return (i, false, Ok(outcome));
                }
                let resolved = ready.unwrap_or_else(|| resolve(&inputs[i], &apps[i]));
                let outcome = app_outcome(
                    &apps[i],
                    &inputs[i],
                    resolved,
                    options,
                    &canon,
                    &estate_keys,
                );
                (i, true, outcome)
            })
            .collect();
        for (i, fresh, outcome) in outcomes {
            let mut outcome = outcome?;
            if fresh {
                computed(i, &estate, &outcome);
            }
            merge(&mut graph, &mut outcome.facts);
            all.extend(outcome.facts);
            diagnostics.extend(outcome.diagnostics);
            engine.extend(outcome.engine_lineage);
        }
    }
    let mut findings = std::mem::take(&mut all.findings);
    runtime::qvd_headers(
        &mut graph,
        &all.qvd_files,
        &all.produced,
        &canon,
        &mut findings,
    );
    for (app, entries) in &engine {
        runtime::engine_lineage(&mut graph, app, entries, &canon, &mut findings);
    }
    let mut manual_errors = Vec::new();
    for file in &options.manual {
        manual_errors.extend(file.apply(&mut graph, &canon));
    }
    if !manual_errors.is_empty() {
        return Err(BuildError::Manual(manual_errors));
    }
    for cycle in graph.cycles() {
        // A field-level cycle repeats its tables' cycle: report the tables'.
        let all_fields = cycle
            .iter()
            .all(|id| graph.node(id).is_some_and(|n| n.kind.is_field_level()));
        if all_fields {
            continue;
        }
        findings.push(Finding::new(
            Code::DataFlowCycle,
            format!(
                "data flows in a cycle through {} nodes: {}",
                cycle.len(),
                cycle.join(" → ")
            ),
            cycle,
        ));
    }
    diagnostics.extend(findings.into_iter().map(|f| LineageDiagnostic {
        app: None,
        file: None,
        line: None,
        column: None,
        severity: f.severity,
        code: f.code,
        message: f.message,
        nodes: f.nodes,
    }));
    diagnostics.sort();
    diagnostics.dedup();
    let mut unresolved = all.unresolved;
    unresolved.sort();
    unresolved.dedup();
    Ok(LineageGraph {
        graph,
        apps: apps.len(),
        unresolved,
        diagnostics,
        connections: canon.connections().clone(),
    })
}

/// Adds an app's nodes, then its edges, to the graph; leaves the rest of its facts.
fn merge(graph: &mut Graph, facts: &mut facts::Facts) {
    for node in std::mem::take(&mut facts.nodes) {
        graph.add_node(node);
    }
    for (from, to, edge) in std::mem::take(&mut facts.edges) {
        if !graph.contains(&to) && to.starts_with("object:") {
            // A sheet cell naming an object the folder does not hold: nothing to link.
            continue;
        }
        if !graph.contains(&from) {
            // Master items referenced but not defined in this app: keep the reference.
            let (kind, name) = placeholder(&from);
            graph.add_node(Node {
                id: from.clone(),
                kind,
                name,
                attrs: [("missing".to_string(), "true".to_string())].into(),
            });
        }
        graph.add_edge(&from, &to, edge);
    }
}

/// Every app's connections (a site snapshot's come with its apps), the user's winning: for
/// `lib://` in header lineage, engine records and logs, which name no app.
fn run_connections(inputs: &[AppInput], user: &Connections) -> Connections {
    let mut all = Connections::default();
    for c in inputs.iter().flat_map(|i| i.connections.iter()) {
        all.insert(c.clone());
    }
    for c in user.iter() {
        all.insert(c.clone());
    }
    for m in user.mounts() {
        all.add_mount(m.clone());
    }
    all
}

fn placeholder(id: &str) -> (NodeKind, String) {
    let kind = match id.split(':').next() {
        Some("measure") => NodeKind::MasterMeasure,
        Some("dimension") => NodeKind::MasterDimension,
        Some("masterobject") => NodeKind::MasterVisualization,
        Some("var") => NodeKind::Variable,
        _ => NodeKind::External,
    };
    (kind, id.rsplit('/').next().unwrap_or(id).to_string())
}

/// A BINARY statement somewhere in the script (a cheap test before the estate-wide order).
fn has_binary(text: &str) -> bool {
    text.lines().any(|line| {
        let t = line.trim_start();
        t.get(..6).is_some_and(|w| w.eq_ignore_ascii_case("binary"))
            && t[6..].starts_with([' ', '\t', '['])
    })
}

fn app_outcome(
    app: &EstateApp,
    input: &AppInput,
    resolved: semantic::Resolved,
    options: &LineageOptions,
    canon: &PathCanon,
    estate_keys: &std::sync::Arc<std::collections::HashMap<String, String>>,
) -> Result<AppOutcome, BuildError> {
    let mut app_ref = app.app.clone();
    app_ref.estate_keys = estate_keys.clone();
    app_ref
        .qvd_dirs
        .extend(options.resolve.qvd_dirs.iter().cloned());
    let log = match &app.script_log {
        Some(path) => Some(read_script_log(path)?),
        None => None,
    };
    let mut facts = from_model::facts(
        &app_ref,
        &resolved.model,
        canon,
        &input.connections,
        log.as_ref(),
    );
    if let Some(log) = &log {
        for problem in &log.problems {
            facts.findings.push(Finding::new(
                Code::ReloadLogMalformed,
                format!(
                    "reload log of app {}, line {}: {}",
                    app.app.key, problem.log_line, problem.message
                ),
                vec![ids::id::app(&app.app.key)],
            ));
        }
    }
    if let Some(dir) = &app.objects {
        let logged = logged_fields(&facts, &app.app.key, &resolved.model);
        facts.extend(charts::facts(&app.app.key, dir, &resolved.model, &logged));
    }
    let diagnostics = resolved
        .diagnostics
        .iter()
        .map(|d| {
            let file = &resolved.model.files[d.file as usize].source;
            let at = file.line_col(d.diagnostic.span.start);
            LineageDiagnostic {
                app: Some(app.app.key.clone()),
                file: Some(file.path.clone()),
                line: Some(at.line),
                column: Some(at.column),
                severity: d.diagnostic.severity,
                code: d.diagnostic.code,
                message: d.diagnostic.message.clone(),
                nodes: Vec::new(),
            }
        })
        .collect();
    let engine_lineage = match &app.engine_lineage {
        Some(path) => Some((app.app.key.clone(), read_engine_lineage(path)?)),
        None => None,
    };
    // The model and AST are dropped here: only the facts go on.
    drop(resolved);
    Ok(AppOutcome {
        facts,
        diagnostics,
        engine_lineage,
    })
}

/// Fields of the data model's tables that only the reload log named (a `LOAD *` of a source
/// the analysis could not read), from the app's field nodes.
fn logged_fields(
    facts: &facts::Facts,
    app_key: &str,
    model: &semantic::AppModel,
) -> Vec<(String, String)> {
    let prefix = format!("{}/table/", ids::id::app(app_key));
    let mut out = Vec::new();
    for node in &facts.nodes {
        if node.kind != NodeKind::AppField {
            continue;
        }
        let Some((table, field)) = node
            .id
            .strip_prefix(&prefix)
            .and_then(|rest| rest.split_once("/field/"))
        else {
            continue;
        };
        let in_model = model
            .tables
            .iter()
            .any(|t| t.name == table && !t.fields.iter().any(|f| f.name == field));
        if in_model {
            out.push((table.to_string(), field.to_string()));
        }
    }
    out.sort();
    out.dedup();
    out
}

fn read_script_log(path: &PathBuf) -> Result<crate::qlik::script_log::ScriptLog, BuildError> {
    let bytes = std::fs::read(path).map_err(|e| BuildError::ScriptLog {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    Ok(crate::qlik::script_log::parse(
        &crate::qlik::script_log::decode(&bytes),
    ))
}

fn read_engine_lineage(
    path: &PathBuf,
) -> Result<Vec<crate::qlik::lineage::LineageEntry>, BuildError> {
    let error = |message: String| BuildError::EngineLineage {
        path: path.display().to_string(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| error(e.to_string()))?;
    serde_json::from_str(&text).map_err(|e| error(format!("not a GetLineage array: {e}")))
}
