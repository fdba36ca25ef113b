//! The explorer's views, computed from the index: a node's facts, a neighbourhood graph at
//! table or field level, impact grouped by app, an app's badge summary, script excerpts.
//!
//! Every view is bounded (depth and node caps are parameters the API validates), so no
//! request walks the whole estate unless asked to, and every walk terminates on cycles
//! (visited sets).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

use petgraph::Direction as Side;
use serde_json::{json, Map, Value};

use super::explorer::{AppRef, Explorer, SourceText};
use crate::lineage::graph::EdgeView;
use crate::lineage::query::{self, Direction, ImpactOptions};
use crate::lineage::{EdgeKind, NodeKind};

/// Which way a neighbourhood walks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Walk {
    Upstream,
    Downstream,
    Both,
}

/// Table level shows fields and columns as what holds them; field level shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Table,
    Field,
}

#[derive(Debug, Clone, Copy)]
pub struct GraphRequest<'a> {
    pub walk: Walk,
    pub depth: usize,
    pub level: Level,
    /// Beyond this many nodes, nodes of other apps than the centre's are collapsed into one
    /// node per app.
    pub limit: usize,
    /// App node ids that stay expanded even when the view collapses (the explorer expands a
    /// collapsed app in place by asking again with it here).
    pub expand: &'a [String],
}

/// Drawn edges by (from, to, kind): the weakest certainty among the raw edges merged into
/// each, that edge's JSON, and how many were merged.
type Merged = BTreeMap<(String, String, &'static str), (u8, Value, usize)>;

/// How many direct edges a node view lists per side.
const NODE_EDGE_CAP: usize = 200;
/// How many parts (a table's fields, an app's tables) a node view lists.
const NODE_CHILD_CAP: usize = 500;

/// A certainty's weakness: a lifted edge (fields folded into tables) shows its weakest part.
fn weakness(certainty: &str, not_taken: bool) -> u8 {
    if not_taken {
        return 0;
    }
    match certainty {
        "partial" => 1,
        "manual" => 2,
        "resolved" => 3,
        _ => 4,
    }
}

/// The certainty style of an edge: its certainty, or `not_taken` when the reload log shows its
/// statement did not run.
fn style_of(e: &EdgeView<'_>) -> &'static str {
    if e.edge.not_taken {
        "not_taken"
    } else {
        e.edge.certainty.name()
    }
}

/// An edge as the API and the embedded file give it.
pub(crate) fn edge_json(e: &EdgeView<'_>) -> Value {
    let mut m = Map::new();
    m.insert("from".into(), json!(e.from));
    m.insert("to".into(), json!(e.to));
    m.insert("kind".into(), json!(e.edge.kind.name()));
    m.insert("certainty".into(), json!(e.edge.certainty.name()));
    m.insert("style".into(), json!(style_of(e)));
    if let Some(detail) = e.edge.certainty.detail() {
        m.insert("detail".into(), json!(detail));
    }
    if let Some(t) = e.edge.transform {
        m.insert("transform".into(), json!(t.name()));
    }
    if let Some(span) = &e.edge.span {
        m.insert(
            "span".into(),
            json!({"file": span.file, "line": span.line, "column": span.column}),
        );
    }
    Value::Object(m)
}

fn node_json(ex: &Explorer, id: &str) -> Value {
    let Some(node) = ex.node(id) else {
        return Value::Null;
    };
    let mut m = Map::new();
    m.insert("id".into(), json!(node.id));
    m.insert("kind".into(), json!(node.kind.name()));
    m.insert("name".into(), json!(node.name));
    if let Some(app) = ex.app_of(id).filter(|a| a.id != node.id) {
        m.insert("app".into(), json!(AppRef::of(app)));
    }
    if node.kind.is_field_level() {
        if let Some(c) = container(ex, id) {
            m.insert(
                "container".into(),
                json!({"id": c, "name": ex.node(&c).map(|n| n.name.as_str())}),
            );
        }
    }
    Value::Object(m)
}

/// Kinds drawn as what holds them in the table-level view.
pub fn folds_at_table_level(kind: NodeKind) -> bool {
    kind.is_field_level() || matches!(kind, NodeKind::ChartMeasure | NodeKind::ChartDimension)
}

fn container(ex: &Explorer, id: &str) -> Option<String> {
    ex.lineage()
        .graph
        .neighbours(id, Side::Incoming)
        .into_iter()
        .find(|e| e.edge.kind == EdgeKind::Contains)
        .map(|e| e.from.to_string())
}

/// A node's facts: attributes, its app, what holds it and what it holds, its direct
/// data-flow edges with the script lines behind them, unresolved items and findings.
pub fn node(ex: &Explorer, id: &str) -> Option<Value> {
    let node = ex.node(id)?;
    let graph = &ex.lineage().graph;
    let mut out = node_json(ex, id);
    let m = out.as_object_mut()?;
    m.insert("attrs".into(), json!(node.attrs));
    let children: Vec<&str> = graph
        .neighbours(id, Side::Outgoing)
        .into_iter()
        .filter(|e| e.edge.kind == EdgeKind::Contains)
        .map(|e| e.to)
        .collect();
    m.insert("children_total".into(), json!(children.len()));
    m.insert(
        "children".into(),
        Value::Array(
            children
                .iter()
                .take(NODE_CHILD_CAP)
                .map(|c| node_json(ex, c))
                .collect(),
        ),
    );
    for (key, side) in [("incoming", Side::Incoming), ("outgoing", Side::Outgoing)] {
        let edges: Vec<EdgeView<'_>> = graph
            .neighbours(id, side)
            .into_iter()
            .filter(|e| e.edge.kind != EdgeKind::Contains)
            .collect();
        m.insert(format!("{key}_total"), json!(edges.len()));
        m.insert(
            key.into(),
            Value::Array(
                edges
                    .iter()
                    .take(NODE_EDGE_CAP)
                    .map(|e| {
                        let other = if side == Side::Incoming { e.from } else { e.to };
                        json!({"edge": edge_json(e), "node": node_json(ex, other)})
                    })
                    .collect(),
            ),
        );
    }
    let lineage = ex.lineage();
    if node.kind == NodeKind::App {
        let key = id.strip_prefix("app:").unwrap_or(id);
        let unresolved: Vec<_> = lineage.unresolved.iter().filter(|u| u.app == key).collect();
        m.insert("unresolved".into(), json!(unresolved));
        let diagnostics: Vec<_> = lineage
            .diagnostics
            .iter()
            .filter(|d| d.app.as_deref() == Some(key) || d.nodes.iter().any(|n| n == id))
            .collect();
        m.insert("diagnostics".into(), json!(diagnostics));
    } else {
        let diagnostics: Vec<_> = lineage
            .diagnostics
            .iter()
            .filter(|d| d.nodes.iter().any(|n| n == id))
            .collect();
        m.insert("diagnostics".into(), json!(diagnostics));
    }
    Some(out)
}

/// The node a node is drawn as at a level: at table level a field or column is drawn as its
/// table or dataset, a chart's measure or dimension as the chart.
fn shown_as(ex: &Explorer, id: &str, level: Level) -> String {
    match (level, ex.node(id)) {
        (Level::Table, Some(n)) if folds_at_table_level(n.kind) => {
            container(ex, id).unwrap_or_else(|| id.to_string())
        }
        _ => id.to_string(),
    }
}

/// The neighbourhood of a node: everything within `depth` data-flow edges upstream,
/// downstream or both, at table or field level, collapsed by app beyond `limit` nodes.
pub fn neighbourhood(ex: &Explorer, id: &str, request: GraphRequest<'_>) -> Option<Value> {
    ex.node(id)?;
    let graph = &ex.lineage().graph;
    // The start and its parts (a table stands for its fields, an app for its tables).
    let mut starts = vec![id.to_string()];
    let mut seen: HashSet<String> = starts.iter().cloned().collect();
    let mut i = 0;
    while i < starts.len() && starts.len() < 50_000 {
        for e in graph.neighbours(&starts[i], Side::Outgoing) {
            if e.edge.kind == EdgeKind::Contains && seen.insert(e.to.to_string()) {
                starts.push(e.to.to_string());
            }
        }
        i += 1;
    }
    let sides: &[Side] = match request.walk {
        Walk::Upstream => &[Side::Incoming],
        Walk::Downstream => &[Side::Outgoing],
        Walk::Both => &[Side::Incoming, Side::Outgoing],
    };
    let mut reached: HashMap<String, usize> = starts.iter().map(|s| (s.clone(), 0)).collect();
    let mut lifted: Merged = BTreeMap::new();
    for &side in sides {
        let mut depth: HashMap<String, usize> = starts.iter().map(|s| (s.clone(), 0)).collect();
        let mut queue: VecDeque<String> = starts.iter().cloned().collect();
        while let Some(current) = queue.pop_front() {
            let d = depth[&current];
            if d >= request.depth {
                continue;
            }
            for e in graph.neighbours(&current, side) {
                if e.edge.kind == EdgeKind::Contains {
                    continue;
                }
                let next = if side == Side::Incoming { e.from } else { e.to };
                let from = shown_as(ex, e.from, request.level);
                let to = shown_as(ex, e.to, request.level);
                if from != to {
                    let weak = weakness(e.edge.certainty.name(), e.edge.not_taken);
                    let entry = lifted
                        .entry((from, to, e.edge.kind.name()))
                        .or_insert_with(|| (weak, edge_json(&e), 0));
                    entry.2 += 1;
                    if weak < entry.0 {
                        let count = entry.2;
                        *entry = (weak, edge_json(&e), count);
                    }
                }
                if !depth.contains_key(next) {
                    depth.insert(next.to_string(), d + 1);
                    let best = reached.entry(next.to_string()).or_insert(d + 1);
                    *best = (*best).min(d + 1);
                    queue.push_back(next.to_string());
                }
            }
        }
    }
    let centre = shown_as(ex, id, request.level);
    let mut shown: BTreeMap<String, usize> = BTreeMap::new();
    for (raw, d) in &reached {
        let s = shown_as(ex, raw, request.level);
        let entry = shown.entry(s).or_insert(*d);
        *entry = (*entry).min(*d);
    }
    // At table level the start's own fields fold into it.
    shown.insert(centre.clone(), 0);
    let centre_app = ex.app_of(&centre).map(|a| a.id.clone());
    let collapse = shown.len() > request.limit;
    let group_of = |node: &str| -> Option<String> {
        if !collapse || node == centre {
            return None;
        }
        let app = ex.app_of(node)?;
        (Some(&app.id) != centre_app.as_ref() && !request.expand.contains(&app.id))
            .then(|| format!("group:{}", app.id))
    };
    let mut nodes: Vec<Value> = Vec::new();
    let mut groups: BTreeMap<String, usize> = BTreeMap::new();
    for (s, d) in &shown {
        match group_of(s) {
            Some(g) => *groups.entry(g).or_default() += 1,
            None => {
                let mut n = node_json(ex, s);
                if let Some(m) = n.as_object_mut() {
                    m.insert("distance".into(), json!(d));
                    m.insert("centre".into(), json!(*s == centre));
                }
                nodes.push(n);
            }
        }
    }
    for (g, count) in &groups {
        let app_id = g.strip_prefix("group:").unwrap_or(g);
        let name = ex.node(app_id).map(|n| n.name.as_str()).unwrap_or(app_id);
        nodes.push(json!({"id": g, "kind": "app_group", "name": name, "app": {"id": app_id, "name": name}, "collapsed": count}));
    }
    let mut edges: Merged = BTreeMap::new();
    for ((from, to, kind), (weak, mut edge, count)) in lifted {
        if !shown.contains_key(&from) || !shown.contains_key(&to) {
            continue;
        }
        let from = group_of(&from).unwrap_or(from);
        let to = group_of(&to).unwrap_or(to);
        if from == to {
            continue;
        }
        if let Some(m) = edge.as_object_mut() {
            m.insert("from".into(), json!(from));
            m.insert("to".into(), json!(to));
        }
        let entry = edges
            .entry((from, to, kind))
            .or_insert((weak, edge.clone(), 0));
        entry.2 += count;
        if weak < entry.0 {
            entry.0 = weak;
            entry.1 = edge;
        }
    }
    let edges: Vec<Value> = edges
        .into_values()
        .map(|(_, mut edge, count)| {
            if let Some(m) = edge.as_object_mut() {
                m.insert("count".into(), json!(count));
            }
            edge
        })
        .collect();
    Some(json!({
        "centre": centre,
        "level": match request.level { Level::Table => "table", Level::Field => "field" },
        "depth": request.depth,
        "collapsed": collapse,
        "expanded": request.expand,
        "nodes": nodes,
        "edges": edges,
    }))
}

/// "What breaks if this changes" (downstream) or "where does this come from" (upstream):
/// the impact query's results grouped by app, with the sheets that hold every object reached.
pub fn impact(
    ex: &Explorer,
    id: &str,
    direction: Direction,
    depth: Option<usize>,
) -> Option<Value> {
    ex.node(id)?;
    let graph = &ex.lineage().graph;
    let result = query::impact(
        graph,
        id,
        ImpactOptions {
            direction,
            depth,
            field_level: false,
        },
    );
    let mut by_app: BTreeMap<Option<String>, Vec<Value>> = BTreeMap::new();
    let mut sheets: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in &result.results {
        let app = ex.app_of(&r.id).map(|a| a.id.clone());
        if r.kind == NodeKind::VisualObject {
            if let (Some(sheet), Some(app)) = (container(ex, &r.id), &app) {
                if ex.node(&sheet).is_some_and(|n| n.kind == NodeKind::Sheet) {
                    sheets.entry(app.clone()).or_default().insert(sheet);
                }
            }
        }
        by_app.entry(app).or_default().push(json!({
            "id": r.id,
            "kind": r.kind.name(),
            "name": r.name,
            "depth": r.depth,
            "path": r.path,
        }));
    }
    let groups: Vec<Value> = by_app
        .into_iter()
        .map(|(app, items)| {
            let app_node = app.as_deref().and_then(|a| ex.node(a));
            let sheet_list: Vec<Value> = app
                .as_ref()
                .and_then(|a| sheets.get(a))
                .map(|s| s.iter().map(|id| node_json(ex, id)).collect())
                .unwrap_or_default();
            let charts = items
                .iter()
                .filter(|i| i["kind"] == "visual_object")
                .count();
            json!({
                "app": app_node.map(AppRef::of),
                "charts": charts,
                "sheets": sheet_list,
                "items": items,
            })
        })
        .collect();
    Some(json!({
        "node": node_json(ex, id),
        "direction": result.direction,
        "groups": groups,
        "cycles": result.cycles,
    }))
}

/// What the browser extension's badge shows for one app: its sources (databases, files, QVDs),
/// the apps downstream, unresolved items and diagnostics, and where the data comes from.
pub fn app_summary(ex: &Explorer, app_id: &str) -> Option<Value> {
    let node = ex.node(app_id).filter(|n| n.kind == NodeKind::App)?;
    let graph = &ex.lineage().graph;
    let upstream = query::impact(
        graph,
        app_id,
        ImpactOptions {
            direction: Direction::Upstream,
            depth: None,
            field_level: false,
        },
    );
    let mut databases = BTreeSet::new();
    let mut files = BTreeSet::new();
    let mut qvds = BTreeSet::new();
    for r in &upstream.results {
        let set = match r.kind {
            NodeKind::Database | NodeKind::DbTable | NodeKind::DataConnection => {
                // A table stands for its database: `db:<connection>/<table>`.
                let db =
                    r.id.split_once('/')
                        .map(|(db, _)| db)
                        .unwrap_or(r.id.as_str());
                databases.insert(db.to_string());
                continue;
            }
            NodeKind::File => &mut files,
            NodeKind::Qvd => &mut qvds,
            _ => continue,
        };
        set.insert(r.id.clone());
    }
    databases.retain(|d: &String| d.starts_with("db:"));
    let downstream = query::impact(
        graph,
        app_id,
        ImpactOptions {
            direction: Direction::Downstream,
            depth: None,
            field_level: false,
        },
    );
    let downstream_apps: BTreeSet<String> = downstream
        .results
        .iter()
        .filter_map(|r| ex.app_of(&r.id).map(|a| a.id.clone()))
        .filter(|a| a != app_id)
        .collect();
    let key = app_id.strip_prefix("app:").unwrap_or(app_id);
    let lineage = ex.lineage();
    let unresolved = lineage.unresolved.iter().filter(|u| u.app == key).count();
    let errors = lineage
        .diagnostics
        .iter()
        .filter(|d| d.app.as_deref() == Some(key))
        .filter(|d| d.severity == crate::diagnostics::Severity::Error)
        .count();
    let named = |ids: &BTreeSet<String>| -> Vec<Value> {
        ids.iter()
            .map(|id| json!({"id": id, "name": ex.node(id).map(|n| n.name.as_str()).unwrap_or(id)}))
            .collect()
    };
    Some(json!({
        "app": {"id": node.id, "name": node.name, "attrs": node.attrs},
        "sources": {
            "databases": named(&databases),
            "files": named(&files),
            "qvds": named(&qvds),
        },
        "downstream_apps": named(&downstream_apps),
        "unresolved": unresolved,
        "errors": errors,
        "origin": ex.origin(),
    }))
}

/// Lines around `line` (1-based) of a script file an edge names, at most `context` either side.
pub fn source_excerpt(ex: &Explorer, file: &str, line: usize, context: usize) -> Option<Value> {
    match ex.source_lines(file)? {
        SourceText::Missing { missing } => Some(json!({"file": file, "missing": missing})),
        SourceText::Lines { lines } => {
            let first = line.saturating_sub(context).max(1);
            let last = (line + context).min(lines.len());
            let shown: Vec<Value> = (first..=last)
                .map(|n| json!({"line": n, "text": lines[n - 1]}))
                .collect();
            Some(json!({"file": file, "line": line, "lines": shown, "total_lines": lines.len()}))
        }
    }
}

/// The estate in numbers, and where the data comes from.
pub fn summary(ex: &Explorer) -> Value {
    let lineage = ex.lineage();
    let mut kinds = std::collections::BTreeMap::new();
    for node in lineage.graph.nodes() {
        *kinds.entry(node.kind.name()).or_insert(0usize) += 1;
    }
    json!({
        "format": "qlineage-explorer/1",
        "apps": lineage.apps,
        "nodes": lineage.graph.node_count(),
        "edges": lineage.graph.edge_count(),
        "kinds": kinds,
        "unresolved": lineage.unresolved.len(),
        "diagnostics": lineage.diagnostics.len(),
        "origin": ex.origin(),
    })
}
