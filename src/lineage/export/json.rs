//! `qlineage-lineage/1`: the graph as one JSON document (documented in `docs/lineage.md`),
//! and its reader, which `qlineage impact --graph` uses.

use serde_json::{json, Map, Value};

use crate::lineage::graph::{Certainty, Edge, EdgeKind, Graph, Node, SpanRef, Transform};
use crate::lineage::ids::NodeKind;
use crate::lineage::LineageGraph;

pub const FORMAT: &str = "qlineage-lineage/1";

/// One edge as the document writes it.
#[derive(serde::Serialize)]
struct EdgeOut<'a> {
    from: &'a str,
    to: &'a str,
    kind: EdgeKind,
    certainty: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    transform: Option<Transform>,
    #[serde(skip_serializing_if = "Option::is_none")]
    span: Option<&'a SpanRef>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    not_taken: bool,
}

#[derive(serde::Serialize)]
struct Document<'a> {
    format: &'static str,
    apps: usize,
    nodes: Vec<&'a Node>,
    edges: Vec<EdgeOut<'a>>,
    unresolved: &'a [crate::lineage::UnresolvedItem],
    diagnostics: &'a [crate::lineage::LineageDiagnostic],
}

/// Writes the document straight from the graph (no intermediate JSON tree: an estate of
/// 10,000 apps holds hundreds of thousands of nodes).
pub fn write(lineage: &LineageGraph, out: &mut dyn std::io::Write) -> serde_json::Result<()> {
    let edges = lineage
        .graph
        .edges()
        .into_iter()
        .map(|e| EdgeOut {
            from: e.from,
            to: e.to,
            kind: e.edge.kind,
            certainty: e.edge.certainty.name(),
            detail: e.edge.certainty.detail(),
            transform: e.edge.transform,
            span: e.edge.span.as_ref(),
            not_taken: e.edge.not_taken,
        })
        .collect();
    let document = Document {
        format: FORMAT,
        apps: lineage.apps,
        nodes: lineage.graph.nodes(),
        edges,
        unresolved: &lineage.unresolved,
        diagnostics: &lineage.diagnostics,
    };
    serde_json::to_writer_pretty(out, &document)
}

pub fn to_value(lineage: &LineageGraph) -> Value {
    let nodes: Vec<Value> = lineage
        .graph
        .nodes()
        .into_iter()
        .map(|n| {
            json!({
                "id": n.id,
                "kind": n.kind,
                "name": n.name,
                "attrs": n.attrs,
            })
        })
        .collect();
    let edges: Vec<Value> = lineage
        .graph
        .edges()
        .into_iter()
        .map(|e| {
            let mut edge = Map::new();
            edge.insert("from".into(), json!(e.from));
            edge.insert("to".into(), json!(e.to));
            edge.insert("kind".into(), json!(e.edge.kind));
            edge.insert("certainty".into(), json!(e.edge.certainty.name()));
            if let Some(detail) = e.edge.certainty.detail() {
                edge.insert("detail".into(), json!(detail));
            }
            if let Some(t) = e.edge.transform {
                edge.insert("transform".into(), json!(t));
            }
            if let Some(span) = &e.edge.span {
                edge.insert("span".into(), json!(span));
            }
            if e.edge.not_taken {
                edge.insert("not_taken".into(), json!(true));
            }
            Value::Object(edge)
        })
        .collect();
    json!({
        "format": FORMAT,
        "apps": lineage.apps,
        "nodes": nodes,
        "edges": edges,
        "unresolved": lineage.unresolved,
        "diagnostics": lineage.diagnostics,
    })
}

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("not JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("not a qlineage lineage graph (expected \"format\": \"{FORMAT}\")")]
    Format,
    #[error("{what} {index}: {message}")]
    Entry {
        what: &'static str,
        index: usize,
        message: String,
    },
}

/// Reads a graph written by [`to_value`].
pub fn read(text: &str) -> Result<Graph, ReadError> {
    let value: Value = serde_json::from_str(text)?;
    if value.get("format").and_then(Value::as_str) != Some(FORMAT) {
        return Err(ReadError::Format);
    }
    let mut graph = Graph::default();
    let empty = Vec::new();
    let entry = |what, index, message: &str| ReadError::Entry {
        what,
        index,
        message: message.to_string(),
    };
    for (index, n) in value["nodes"]
        .as_array()
        .unwrap_or(&empty)
        .iter()
        .enumerate()
    {
        let id = n["id"]
            .as_str()
            .ok_or_else(|| entry("node", index, "no id"))?;
        let kind = n["kind"]
            .as_str()
            .and_then(NodeKind::parse)
            .ok_or_else(|| entry("node", index, "unknown kind"))?;
        let attrs = n["attrs"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                    .collect()
            })
            .unwrap_or_default();
        graph.add_node(Node {
            id: id.to_string(),
            kind,
            name: n["name"].as_str().unwrap_or(id).to_string(),
            attrs,
        });
    }
    for (index, e) in value["edges"]
        .as_array()
        .unwrap_or(&empty)
        .iter()
        .enumerate()
    {
        let (Some(from), Some(to)) = (e["from"].as_str(), e["to"].as_str()) else {
            return Err(entry("edge", index, "no from or to"));
        };
        let kind = match e["kind"].as_str() {
            Some("derives") => EdgeKind::Derives,
            Some("reads") => EdgeKind::Reads,
            Some("stores") => EdgeKind::Stores,
            Some("contains") => EdgeKind::Contains,
            Some("uses") => EdgeKind::Uses,
            _ => return Err(entry("edge", index, "unknown kind")),
        };
        let detail = e["detail"].as_str().unwrap_or_default().to_string();
        let certainty = match e["certainty"].as_str() {
            Some("resolved") => Certainty::Resolved,
            Some("partial") => Certainty::Partial { missing: detail },
            Some("runtime") => Certainty::Runtime { evidence: detail },
            Some("manual") => Certainty::Manual {
                note: (!detail.is_empty()).then_some(detail),
            },
            _ => return Err(entry("edge", index, "unknown certainty")),
        };
        let transform = e
            .get("transform")
            .and_then(|t| serde_json::from_value::<Transform>(t.clone()).ok());
        let span = e.get("span").and_then(|s| {
            Some(SpanRef {
                file: s["file"].as_str()?.to_string(),
                line: s["line"].as_u64()? as u32,
                column: s["column"].as_u64()? as u32,
            })
        });
        let edge = Edge {
            kind,
            certainty,
            transform,
            span,
            not_taken: e["not_taken"].as_bool().unwrap_or(false),
        };
        if !graph.add_edge(from, to, edge) {
            return Err(entry(
                "edge",
                index,
                "names a node the document does not hold",
            ));
        }
    }
    Ok(graph)
}
