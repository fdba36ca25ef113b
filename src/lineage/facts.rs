//! What one app contributes to the graph, computed on its own (in parallel) so the app's AST
//! and model can be dropped before the estate graph is assembled.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::graph::{Edge, Node};
use super::ids::NodeKind;
use crate::diagnostics::{Code, Severity};

/// Nodes and edges by id, in the order found; merged into the graph nodes first.
/// Serialisable so a catalog can keep an unchanged app's facts between builds.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Facts {
    pub nodes: Vec<Node>,
    pub edges: Vec<(String, String, Edge)>,
    pub unresolved: Vec<UnresolvedItem>,
    pub findings: Vec<Finding>,
    /// QVD nodes with files on this machine that may hold their header.
    pub qvd_files: Vec<(String, PathBuf)>,
    /// QVDs this app stores: (qvd id, app id, table, fields).
    pub produced: Vec<Produced>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Produced {
    pub qvd: String,
    pub app: String,
    pub table: String,
    pub fields: Vec<String>,
}

impl Facts {
    pub fn node(&mut self, id: String, kind: NodeKind, name: impl Into<String>) {
        self.nodes.push(Node {
            id,
            kind,
            name: name.into(),
            attrs: BTreeMap::new(),
        });
    }

    pub fn node_with(
        &mut self,
        id: String,
        kind: NodeKind,
        name: impl Into<String>,
        attrs: impl IntoIterator<Item = (&'static str, String)>,
    ) {
        self.nodes.push(Node {
            id,
            kind,
            name: name.into(),
            attrs: attrs.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        });
    }

    pub fn edge(&mut self, from: &str, to: &str, edge: Edge) {
        self.edges.push((from.to_string(), to.to_string(), edge));
    }

    pub fn extend(&mut self, other: Facts) {
        self.nodes.extend(other.nodes);
        self.edges.extend(other.edges);
        self.unresolved.extend(other.unresolved);
        self.findings.extend(other.findings);
        self.qvd_files.extend(other.qvd_files);
        self.produced.extend(other.produced);
    }
}

/// Something an app's lineage could not determine, where, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct UnresolvedItem {
    pub app: String,
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub text: String,
    pub reason: String,
    /// The value exists only at reload time (clock, data); a reload log may settle it.
    pub runtime: bool,
}

/// A problem the lineage stage found across apps, QVD headers and engine records. These are
/// about the estate, not a script position, so they name nodes rather than spans.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Finding {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    /// The nodes concerned (ids), first the one the finding is about.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nodes: Vec<String>,
}

impl Finding {
    pub fn new(code: Code, message: String, nodes: Vec<String>) -> Finding {
        Finding {
            code,
            severity: code.default_severity(),
            message,
            nodes,
        }
    }
}
