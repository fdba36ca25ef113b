//! Manual lineage: edges users add by hand for what no script or engine record shows (a Power
//! BI report reading a QVD, an Excel file someone exports from an app), with optional field
//! mappings, who added them and why. The file is TOML, documented in `docs/lineage.md`:
//!
//! ```toml
//! [[node]]
//! id = "ext:powerbi/sales-report"
//! name = "Sales report (Power BI)"
//!
//! [[edge]]
//! from = "qvd://nas01/qlik/qvd/transform/factsales.qvd"
//! to = "ext:powerbi/sales-report"
//! note = "imported nightly"
//! by = "DEMO\\ana"
//! date = "2026-11-30"
//! fields = [{ from = "NetAmount", to = "Net Sales" }]
//! ```
//!
//! Endpoints are node ids; `ext:` ids need no declaration. QVD and file ids are canonicalised
//! like every other path, so any spelling of the path finds the node.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::graph::{Certainty, Edge, EdgeKind, Graph, Node};
use super::ids::{id, NodeKind};
use super::paths::PathCanon;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ManualFileText {
    #[serde(default)]
    node: Vec<Spanned<ManualNode>>,
    #[serde(default)]
    edge: Vec<Spanned<ManualEdge>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ManualNode {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    description: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ManualEdge {
    from: String,
    to: String,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    by: Option<String>,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    fields: Vec<FieldMapping>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct FieldMapping {
    from: String,
    to: String,
}

/// A manual-lineage file, read and checked for shape.
#[derive(Debug, Clone)]
pub struct ManualFile {
    path: PathBuf,
    text: String,
    nodes: Vec<(usize, ManualNode)>,
    edges: Vec<(usize, ManualEdge)>,
}

/// A line of a manual-lineage file that cannot be used.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("{path}:{line}:{column}: {message}")]
pub struct ManualError {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

impl ManualFile {
    pub fn read(path: &Path) -> Result<ManualFile, ManualError> {
        let text = std::fs::read_to_string(path).map_err(|e| ManualError {
            path: path.display().to_string(),
            line: 0,
            column: 0,
            message: e.to_string(),
        })?;
        ManualFile::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<ManualFile, ManualError> {
        let parsed: ManualFileText = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map_or((1, 1), |s| line_col(text, s.start));
            ManualError {
                path: path.display().to_string(),
                line,
                column,
                message: format!(
                    "{} (expected [[node]] tables with id, name, kind, description and [[edge]] tables with from, to, kind, note, by, date, fields)",
                    e.message().trim()
                ),
            }
        })?;
        Ok(ManualFile {
            path: path.to_path_buf(),
            text: text.to_string(),
            nodes: parsed
                .node
                .into_iter()
                .map(|n| (n.span().start, n.into_inner()))
                .collect(),
            edges: parsed
                .edge
                .into_iter()
                .map(|e| (e.span().start, e.into_inner()))
                .collect(),
        })
    }

    fn error(&self, offset: usize, message: String) -> ManualError {
        let (line, column) = line_col(&self.text, offset);
        ManualError {
            path: self.path.display().to_string(),
            line,
            column,
            message,
        }
    }

    /// Adds the file's nodes and edges (certainty `manual`); every line that names an unknown
    /// node or kind is an error, and nothing of that line is added.
    pub fn apply(&self, graph: &mut Graph, canon: &PathCanon) -> Vec<ManualError> {
        let mut errors = Vec::new();
        for (offset, node) in &self.nodes {
            let kind = match node.kind.as_deref() {
                None => NodeKind::External,
                Some(k) => match NodeKind::parse(k) {
                    Some(kind) => kind,
                    None => {
                        errors.push(self.error(*offset, format!("unknown node kind `{k}` (expected one of the kinds in docs/lineage.md, e.g. external)")));
                        continue;
                    }
                },
            };
            let node_id = canonical_id(&node.id, canon);
            if node_id.is_empty() {
                errors.push(self.error(*offset, "node without an id".to_string()));
                continue;
            }
            let mut attrs = std::collections::BTreeMap::new();
            attrs.insert("manual".to_string(), "true".to_string());
            if let Some(d) = &node.description {
                attrs.insert("description".to_string(), d.clone());
            }
            graph.add_node(Node {
                id: node_id.clone(),
                kind,
                name: node.name.clone().unwrap_or_else(|| node_id.clone()),
                attrs,
            });
        }
        for (offset, edge) in &self.edges {
            let kind = match edge.kind.as_deref().unwrap_or("derives") {
                "derives" => EdgeKind::Derives,
                "reads" => EdgeKind::Reads,
                "stores" => EdgeKind::Stores,
                "uses" => EdgeKind::Uses,
                "contains" => EdgeKind::Contains,
                other => {
                    errors.push(self.error(
                        *offset,
                        format!("unknown edge kind `{other}` (expected derives, reads, stores, uses or contains)"),
                    ));
                    continue;
                }
            };
            let from = canonical_id(&edge.from, canon);
            let to = canonical_id(&edge.to, canon);
            let mut missing = Vec::new();
            for end in [&from, &to] {
                if let Some(name) = end.strip_prefix("ext:") {
                    if !graph.contains(end) {
                        graph.add_node(Node {
                            id: end.clone(),
                            kind: NodeKind::External,
                            name: name.to_string(),
                            attrs: [("manual".to_string(), "true".to_string())].into(),
                        });
                    }
                } else if !graph.contains(end) {
                    missing.push(end.clone());
                }
            }
            if !missing.is_empty() {
                errors.push(self.error(
                    *offset,
                    format!(
                        "no node `{}` in the graph (expected the id of an existing node, as `qlineage lineage --format json` lists them, or an `ext:` id)",
                        missing.join("`, `")
                    ),
                ));
                continue;
            }
            let note = describe(edge);
            let certainty = Certainty::Manual { note: note.clone() };
            graph.add_edge(&from, &to, Edge::new(kind, certainty.clone()));
            for mapping in &edge.fields {
                let from_field = field_id(graph, &from, &mapping.from);
                let to_field = field_id(graph, &to, &mapping.to);
                graph.add_edge(
                    &from_field,
                    &to_field,
                    Edge::new(EdgeKind::Derives, certainty.clone()),
                );
            }
        }
        errors
    }
}

/// A field of a node: the existing field node of that name, or a new external one.
fn field_id(graph: &mut Graph, node: &str, field: &str) -> String {
    let field_node = id::dataset_field(node, field);
    if !graph.contains(&field_node) {
        let kind = match graph.node(node).map(|n| n.kind) {
            Some(NodeKind::Qvd) => NodeKind::QvdField,
            Some(NodeKind::File) => NodeKind::FileField,
            Some(NodeKind::AppTable) => NodeKind::AppField,
            Some(NodeKind::DbTable) => NodeKind::DbColumn,
            _ => NodeKind::External,
        };
        graph.add_node(Node {
            id: field_node.clone(),
            kind,
            name: field.to_string(),
            attrs: [("manual".to_string(), "true".to_string())].into(),
        });
        graph.add_edge(
            node,
            &field_node,
            Edge::new(EdgeKind::Contains, Certainty::Resolved),
        );
    }
    field_node
}

fn describe(edge: &ManualEdge) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(note) = &edge.note {
        parts.push(note.clone());
    }
    if let Some(by) = &edge.by {
        parts.push(format!("by {by}"));
    }
    if let Some(date) = &edge.date {
        parts.push(format!("on {date}"));
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// QVD and file ids with their path canonicalised; other ids as written.
fn canonical_id(text: &str, canon: &PathCanon) -> String {
    let text = text.trim();
    for scheme in ["qvd:", "file:"] {
        if let Some(path) = text.strip_prefix(scheme) {
            // `qvd:` ids carry `/field/<name>` after the path.
            let (path, field) = match path.rfind("/field/") {
                Some(i) => (&path[..i], Some(&path[i + "/field/".len()..])),
                None => (path, None),
            };
            let base = format!("{scheme}{}", canon.canonical(path, None));
            return match field {
                Some(f) => id::dataset_field(&base, f),
                None => base,
            };
        }
    }
    text.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph_with_qvd() -> Graph {
        let mut g = Graph::default();
        g.add_node(Node {
            id: "qvd://nas01/qvd/sales.qvd".into(),
            kind: NodeKind::Qvd,
            name: "sales.qvd".into(),
            attrs: Default::default(),
        });
        g
    }

    #[test]
    fn edges_with_fields_and_any_spelling_of_a_path() {
        let text = r#"
[[edge]]
from = 'qvd:\\NAS01\QVD\Sales.qvd'
to = "ext:powerbi/sales"
note = "nightly import"
by = "ana"
fields = [{ from = "Net", to = "Net Sales" }]
"#;
        let file = ManualFile::parse(text, Path::new("manual.toml")).unwrap();
        let mut g = graph_with_qvd();
        let errors = file.apply(&mut g, &PathCanon::default());
        assert!(errors.is_empty(), "{errors:?}");
        let edges = g.edges();
        let manual: Vec<_> = edges
            .iter()
            .filter(|e| e.edge.kind == EdgeKind::Derives)
            .collect();
        assert_eq!(manual.len(), 2);
        assert_eq!(
            manual[0].edge.certainty.detail(),
            Some("nightly import, by ana")
        );
        assert!(g.contains("ext:powerbi/sales/field/Net Sales"));
    }

    #[test]
    fn bad_lines_name_their_line_and_what_was_expected() {
        let text = "[[edge]]\nfrom = \"qvd://nas01/qvd/sales.qvd\"\n\n[[edge]]\nfrom = \"app:nope\"\nto = \"ext:x\"\n";
        let err = ManualFile::parse(text, Path::new("m.toml")).unwrap_err();
        assert_eq!(err.line, 1, "{err}");
        assert!(err.message.contains("to"), "{err}");

        let text = "[[edge]]\nfrom = \"qvd://nas01/qvd/sales.qvd\"\nto = \"ext:x\"\n\n[[edge]]\nfrom = \"app:nope\"\nto = \"ext:x\"\nkind = \"derives\"\n";
        let file = ManualFile::parse(text, Path::new("m.toml")).unwrap();
        let errors = file.apply(&mut graph_with_qvd(), &PathCanon::default());
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 5, "{}", errors[0]);
        assert!(errors[0].message.contains("app:nope"));

        let err = ManualFile::parse("[[edge]]\nfrom = 1\n", Path::new("m.toml")).unwrap_err();
        assert_eq!((err.line, err.column), (2, 8), "{err}");
    }
}
