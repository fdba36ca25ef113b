//! What the engine recorded confirms, contradicts or completes the static analysis: QVD
//! headers (fields, table, `CreatorDoc`, `<Lineage>`) and the app's `GetLineage` entries.
//!
//! A QVD header read from disk says what the file holds and where its rows came from, even
//! when the producing script is not part of the run (certainty `runtime`). Where a producer is
//! known, the header confirms its STORE edges or contradicts them (QG001, naming both sides).
//! `GetLineage` lists the sources of an app's last reload: each one found by the script
//! analysis is confirmed; one it did not find is added and reported (QG004).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use petgraph::Direction;

use super::facts::{Finding, Produced};
use super::graph::{Certainty, Edge, EdgeKind, Graph, Node};
use super::ids::{id, NodeKind};
use super::paths::PathCanon;
use crate::diagnostics::Code;
use crate::qlik::lineage::LineageEntry;
use crate::semantic::sources::{classify_discriminator, upstream_sources, Source};

/// Reads the header of every QVD node that has a readable file, and merges what it says.
pub fn qvd_headers(
    graph: &mut Graph,
    candidates: &[(String, PathBuf)],
    produced: &[Produced],
    canon: &PathCanon,
    findings: &mut Vec<Finding>,
) {
    let mut by_qvd: BTreeMap<&str, Vec<&PathBuf>> = BTreeMap::new();
    for (qvd, path) in candidates {
        by_qvd.entry(qvd.as_str()).or_default().push(path);
    }
    let mut producers: BTreeMap<&str, Vec<&Produced>> = BTreeMap::new();
    for p in produced {
        producers.entry(p.qvd.as_str()).or_default().push(p);
    }
    for (qvd, producers) in &producers {
        let apps: BTreeSet<&str> = producers.iter().map(|p| p.app.as_str()).collect();
        if apps.len() > 1 {
            findings.push(Finding::new(
                Code::QvdStoredTwice,
                format!(
                    "{} apps store {qvd}: {}",
                    apps.len(),
                    apps.iter().copied().collect::<Vec<_>>().join(", ")
                ),
                std::iter::once(qvd.to_string())
                    .chain(apps.iter().map(|a| id::app(a)))
                    .collect(),
            ));
        }
    }
    let jobs: Vec<(&str, &PathBuf)> = by_qvd
        .iter()
        .filter_map(|(qvd, paths)| paths.iter().find(|p| p.is_file()).map(|p| (*qvd, *p)))
        .collect();
    let headers: Vec<_> = {
        use rayon::prelude::*;
        jobs.par_iter()
            .map(|(qvd, path)| (*qvd, *path, crate::qvd::read_header(path)))
            .collect()
    };
    for (qvd, path, header) in headers {
        let header = match header {
            Ok(h) => h,
            Err(e) => {
                graph.set_attr(qvd, "header_error", e.to_string());
                continue;
            }
        };
        graph.set_attr(qvd, "header_file", path.display().to_string());
        graph.set_attr(qvd, "table_name", header.table_name.clone());
        graph.set_attr(qvd, "records", header.no_of_records.to_string());
        if !header.creator_doc.is_empty() {
            graph.set_attr(qvd, "creator_doc", header.creator_doc.clone());
        }
        if !header.create_utc_time.is_empty() {
            graph.set_attr(qvd, "created", header.create_utc_time.clone());
        }
        let header_fields: Vec<&str> = header
            .fields
            .iter()
            .map(|f| f.field_name.as_str())
            .collect();
        for field in &header_fields {
            let node = id::dataset_field(qvd, field);
            graph.add_node(Node {
                id: node.clone(),
                kind: NodeKind::QvdField,
                name: field.to_string(),
                attrs: Default::default(),
            });
            graph.add_edge(
                qvd,
                &node,
                Edge::new(EdgeKind::Contains, Certainty::Resolved),
            );
        }
        let evidence = format!("QVD header of {}", path.display());
        for producer in producers.get(qvd).into_iter().flatten() {
            check_producer(
                graph,
                qvd,
                producer,
                &header,
                &header_fields,
                &evidence,
                findings,
            );
        }
        if !producers.contains_key(qvd) {
            findings.push(Finding::new(
                Code::QvdNoProducer,
                format!(
                    "no app of this run stores {qvd}; its header's lineage ({} entries) stands in for the script",
                    header.lineage.len()
                ),
                vec![qvd.to_string()],
            ));
        }
        header_lineage(
            graph,
            qvd,
            &header.lineage,
            canon,
            &evidence,
            &header_fields,
        );
    }
}

fn check_producer(
    graph: &mut Graph,
    qvd: &str,
    producer: &Produced,
    header: &crate::qvd::QvdHeader,
    header_fields: &[&str],
    evidence: &str,
    findings: &mut Vec<Finding>,
) {
    let app = id::app(&producer.app);
    let table = id::app_table(&producer.app, &producer.table);
    let mut contradictions = Vec::new();
    if !header.table_name.is_empty() && header.table_name != producer.table {
        contradictions.push(format!(
            "the header's table is `{}`, the script stores `{}`",
            header.table_name, producer.table
        ));
    }
    let script: BTreeSet<&str> = producer.fields.iter().map(String::as_str).collect();
    let file: BTreeSet<&str> = header_fields.iter().copied().collect();
    if !producer.fields.is_empty() && script != file {
        let missing: Vec<_> = script.difference(&file).copied().collect();
        let extra: Vec<_> = file.difference(&script).copied().collect();
        let mut text = String::from("fields differ:");
        if !missing.is_empty() {
            text.push_str(&format!(
                " stored by the script but not in the file: {}",
                missing.join(", ")
            ));
        }
        if !extra.is_empty() {
            if !missing.is_empty() {
                text.push(';');
            }
            text.push_str(&format!(
                " in the file but not stored by the script: {}",
                extra.join(", ")
            ));
        }
        contradictions.push(text);
    }
    let creator = header.creator_doc.trim();
    if !creator.is_empty() && !creator_matches(creator, &producer.app, graph.node(&app)) {
        contradictions.push(format!(
            "the header's CreatorDoc is `{creator}`, the script is app `{}`",
            producer.app
        ));
    }
    if contradictions.is_empty() {
        graph.confirm_edge(&table, qvd, EdgeKind::Stores, evidence);
        for field in &producer.fields {
            let from = id::app_field(&producer.app, &producer.table, field);
            let to = id::dataset_field(qvd, field);
            graph.confirm_edge(&from, &to, EdgeKind::Derives, evidence);
        }
    } else {
        findings.push(Finding::new(
            Code::QvdHeaderContradicts,
            format!(
                "{qvd}: {} (header: {evidence}; script: app {} table {})",
                contradictions.join("; "),
                producer.app,
                producer.table
            ),
            vec![qvd.to_string(), table],
        ));
    }
}

/// Qlik Sense writes the writer app's id; QlikView the `.qvw` path. Either may name the app.
fn creator_matches(creator: &str, app_key: &str, app: Option<&Node>) -> bool {
    let creator = creator.replace('\\', "/").to_lowercase();
    let stem = creator
        .rsplit('/')
        .next()
        .unwrap_or(&creator)
        .trim_end_matches(".qvw")
        .trim_end_matches(".qvf")
        .to_string();
    let key = app_key.to_lowercase();
    if creator == key
        || stem == key
        || key.ends_with(&format!("/{stem}"))
        || key.ends_with(&format!("/{stem}-prj"))
    {
        return true;
    }
    let Some(app) = app else {
        return false;
    };
    let name = app.name.to_lowercase();
    stem == name
        || app
            .attrs
            .get("app_id")
            .is_some_and(|id| id.to_lowercase() == stem)
}

/// A dataset node for what a lineage discriminator names, created when missing.
fn dataset_for(graph: &mut Graph, source: &Source, canon: &PathCanon) -> Option<String> {
    let (node, kind, name) = match source {
        Source::File { path } => {
            let canonical = canon.canonical(path, None);
            let name = canonical
                .rsplit('/')
                .next()
                .unwrap_or(&canonical)
                .to_string();
            if canonical.to_ascii_lowercase().ends_with(".qvd") {
                (id::qvd(&canonical), NodeKind::Qvd, name)
            } else {
                (id::file(&canonical), NodeKind::File, name)
            }
        }
        Source::Url { url } => {
            let canonical = canon.canonical(url, None);
            (id::file(&canonical), NodeKind::File, canonical)
        }
        Source::Connection { name } => {
            let clean = connection_name(name);
            (id::database(&clean), NodeKind::Database, clean)
        }
        _ => return None,
    };
    graph.add_node(Node {
        id: node.clone(),
        kind,
        name,
        attrs: Default::default(),
    });
    Some(node)
}

/// `Name (user)` as QRS names connections, or a connection string: the name part.
fn connection_name(name: &str) -> String {
    let name = name.trim();
    match name.rfind(" (") {
        Some(i) if name.ends_with(')') => name[..i].to_string(),
        _ => name.to_string(),
    }
}

/// The header's own lineage: where the QVD's rows came from, as the engine recorded it.
fn header_lineage(
    graph: &mut Graph,
    qvd: &str,
    entries: &[LineageEntry],
    canon: &PathCanon,
    evidence: &str,
    header_fields: &[&str],
) {
    for entry in entries {
        let source = classify_discriminator(&entry.discriminator);
        if matches!(source, Source::Store { .. }) {
            continue;
        }
        let Some(dataset) = dataset_for(graph, &source, canon) else {
            continue;
        };
        if dataset == qvd {
            continue;
        }
        let runtime = Certainty::Runtime {
            evidence: evidence.to_string(),
        };
        let tables: Vec<String> = upstream_sources(&entry.statement)
            .into_iter()
            .filter_map(|s| match s {
                Source::SqlTable { name } => Some(name),
                _ => None,
            })
            .collect();
        if tables.is_empty() || !matches!(source, Source::Connection { .. }) {
            graph.add_edge(&dataset, qvd, Edge::new(EdgeKind::Derives, runtime.clone()));
            // Field by field when the source is a QVD with the same fields (a copy).
            if graph
                .node(&dataset)
                .is_some_and(|n| n.kind == NodeKind::Qvd)
            {
                for field in header_fields {
                    let from = id::dataset_field(&dataset, field);
                    if graph.contains(&from) {
                        graph.add_edge(
                            &from,
                            &id::dataset_field(qvd, field),
                            Edge::new(EdgeKind::Derives, runtime.clone()),
                        );
                    }
                }
            }
            continue;
        }
        let connection = graph
            .node(&dataset)
            .map(|n| n.name.clone())
            .unwrap_or_default();
        header_columns(
            graph,
            qvd,
            &connection,
            &entry.statement,
            header_fields,
            &runtime,
        );
        for table in tables {
            let node = id::db_table(&connection, &table);
            graph.add_node(Node {
                id: node.clone(),
                kind: NodeKind::DbTable,
                name: table.clone(),
                attrs: Default::default(),
            });
            graph.add_edge(
                &dataset,
                &node,
                Edge::new(EdgeKind::Contains, Certainty::Resolved),
            );
            graph.add_edge(&node, qvd, Edge::new(EdgeKind::Derives, runtime.clone()));
        }
    }
}

/// Field level for a database entry: the entry's statement (a LOAD over a SELECT, as the
/// script had it, expanded) is resolved on its own, on the entry's connection, and each QVD
/// field is linked to the columns its derivation reads.
fn header_columns(
    graph: &mut Graph,
    qvd: &str,
    connection: &str,
    statement: &str,
    header_fields: &[&str],
    runtime: &Certainty,
) {
    use crate::semantic::{self, AppInput, Connections, ResolveOptions};
    let script = format!(
        "LIB CONNECT TO '{}';\n{}\n;",
        connection.replace('\'', "''"),
        statement
    );
    let input = AppInput::from_text("qvd-header-lineage", &script, Connections::default());
    let resolved = semantic::resolve(&input, &ResolveOptions::default());
    for load in &resolved.model.loads {
        for field in &load.fields {
            if !header_fields.contains(&field.name.as_str()) {
                continue;
            }
            let to = id::dataset_field(qvd, &field.name);
            for d in &field.derived_from {
                let (Some(column), Some(source)) = (&d.field, &d.source) else {
                    continue;
                };
                if !source.starts_with("sql") {
                    continue;
                }
                let table = match (&d.table, load.source.sql_tables.as_slice()) {
                    (Some(t), _) => t.to_string(),
                    (None, [only]) => only.clone(),
                    _ => continue,
                };
                let table_node = id::db_table(connection, &table);
                let column_node = id::db_column(connection, &table, column);
                for (node, kind, name) in [
                    (&table_node, NodeKind::DbTable, table.as_str()),
                    (&column_node, NodeKind::DbColumn, &**column),
                ] {
                    graph.add_node(Node {
                        id: node.clone(),
                        kind,
                        name: name.to_string(),
                        attrs: Default::default(),
                    });
                }
                graph.add_edge(
                    &table_node,
                    &column_node,
                    Edge::new(EdgeKind::Contains, Certainty::Resolved),
                );
                let mut edge = Edge::new(EdgeKind::Derives, runtime.clone());
                edge.transform = Some(d.transform.into());
                graph.add_edge(&column_node, &to, edge);
            }
        }
    }
}

/// Merges an app's `GetLineage` entries: confirms the reads and stores the script analysis
/// found, adds the ones it missed.
pub fn engine_lineage(
    graph: &mut Graph,
    app_key: &str,
    entries: &[LineageEntry],
    canon: &PathCanon,
    findings: &mut Vec<Finding>,
) {
    let app = id::app(app_key);
    let prefix = format!("{app}/");
    let evidence = format!("GetLineage of app {app_key}");
    for entry in entries {
        let source = classify_discriminator(&entry.discriminator);
        if let Source::Store { target, .. } = &source {
            let canonical = canon.canonical(target, None);
            let qvd = id::qvd(&canonical);
            let stores: Vec<String> = graph
                .neighbours(&qvd, Direction::Incoming)
                .iter()
                .filter(|e| e.edge.kind == EdgeKind::Stores && e.from.starts_with(&prefix))
                .map(|e| e.from.to_string())
                .collect();
            for from in stores {
                graph.confirm_edge(&from, &qvd, EdgeKind::Stores, &evidence);
            }
            continue;
        }
        let Some(dataset) = dataset_for(graph, &source, canon) else {
            continue;
        };
        // A database's reads leave from its tables; a file's from the file.
        let mut sources = vec![dataset.clone()];
        if graph
            .node(&dataset)
            .is_some_and(|n| n.kind == NodeKind::Database)
        {
            sources.extend(
                graph
                    .neighbours(&dataset, Direction::Outgoing)
                    .iter()
                    .filter(|e| e.edge.kind == EdgeKind::Contains)
                    .map(|e| e.to.to_string()),
            );
        }
        let mut confirmed = false;
        for source_node in &sources {
            let reads: Vec<String> = graph
                .neighbours(source_node, Direction::Outgoing)
                .iter()
                .filter(|e| e.edge.kind == EdgeKind::Reads && e.to.starts_with(&prefix))
                .map(|e| e.to.to_string())
                .collect();
            for to in reads {
                confirmed |= graph.confirm_edge(source_node, &to, EdgeKind::Reads, &evidence);
            }
        }
        if !confirmed && graph.contains(&app) {
            graph.add_edge(
                &dataset,
                &app,
                Edge::new(
                    EdgeKind::Reads,
                    Certainty::Runtime {
                        evidence: evidence.clone(),
                    },
                ),
            );
            findings.push(Finding::new(
                Code::EngineLineageUnmatched,
                format!(
                    "the engine's lineage of app {app_key} names `{}`, which the script analysis did not find as a source",
                    entry.discriminator.trim()
                ),
                vec![app.clone(), dataset],
            ));
        }
    }
}
