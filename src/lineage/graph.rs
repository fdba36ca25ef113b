//! The estate graph: petgraph underneath, our ids on top.
//!
//! Nodes are keyed by their canonical id ([`super::ids`]); `NodeIndex` never leaves this file.
//! Adding a node twice merges it (attributes are unioned, the first name wins); adding an
//! edge twice between the same nodes with the same kind keeps one edge with the stronger
//! evidence, so facts from several apps, QVD headers and manual files meet without
//! duplicates.

use std::collections::{BTreeMap, HashMap};

use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;
use petgraph::Direction;
use serde::Serialize;

use super::ids::NodeKind;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Node {
    pub id: String,
    pub kind: NodeKind,
    pub name: String,
    /// Facts about the node (app owner and stream, field origin, QVD header facts…).
    pub attrs: BTreeMap<String, String>,
}

/// What an edge says.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum EdgeKind {
    /// Data flows from → to (a column into a field, a field into a measure).
    Derives,
    /// A dataset (QVD, file, db table) is read into an app table.
    Reads,
    /// An app table is written into a QVD or file.
    Stores,
    /// The whole contains the part (app → table → field, QVD → field).
    Contains,
    /// A chart or master item uses a variable, a master item or a field.
    Uses,
}

impl EdgeKind {
    pub fn name(self) -> &'static str {
        match self {
            EdgeKind::Derives => "derives",
            EdgeKind::Reads => "reads",
            EdgeKind::Stores => "stores",
            EdgeKind::Contains => "contains",
            EdgeKind::Uses => "uses",
        }
    }
}

/// How sure an edge is, with what it rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub enum Certainty {
    /// Proven by static analysis of the script.
    Resolved,
    /// Depends on something the analysis could not determine; says what.
    Partial { missing: String },
    /// Confirmed by what the engine recorded: `GetLineage`, a QVD header's lineage, a log.
    Runtime { evidence: String },
    /// Added by a user in a manual-lineage file.
    Manual { note: Option<String> },
}

impl Certainty {
    pub fn name(&self) -> &'static str {
        match self {
            Certainty::Resolved => "resolved",
            Certainty::Partial { .. } => "partial",
            Certainty::Runtime { .. } => "runtime",
            Certainty::Manual { .. } => "manual",
        }
    }

    /// What the certainty rests on (missing piece, evidence or note).
    pub fn detail(&self) -> Option<&str> {
        match self {
            Certainty::Resolved => None,
            Certainty::Partial { missing } => Some(missing),
            Certainty::Runtime { evidence } => Some(evidence),
            Certainty::Manual { note } => note.as_deref(),
        }
    }

    /// Which of two claims about one edge is kept: runtime evidence beats static proof,
    /// which beats a partial claim; manual edges are kept unless evidence arrives.
    fn rank(&self) -> u8 {
        match self {
            Certainty::Partial { .. } => 0,
            Certainty::Manual { .. } => 1,
            Certainty::Resolved => 2,
            Certainty::Runtime { .. } => 3,
        }
    }
}

/// How the target is computed from the source (derives edges).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Transform {
    Identity,
    Rename,
    Expression,
    Aggregation,
    Mapping,
    Join,
    Concatenate,
    Filter,
    Constant,
    Generated,
}

impl Transform {
    pub fn name(self) -> &'static str {
        match self {
            Transform::Identity => "identity",
            Transform::Rename => "rename",
            Transform::Expression => "expression",
            Transform::Aggregation => "aggregation",
            Transform::Mapping => "mapping",
            Transform::Join => "join",
            Transform::Concatenate => "concatenate",
            Transform::Filter => "filter",
            Transform::Constant => "constant",
            Transform::Generated => "generated",
        }
    }
}

impl From<crate::semantic::model::Transform> for Transform {
    fn from(t: crate::semantic::model::Transform) -> Transform {
        use crate::semantic::model::Transform as T;
        match t {
            T::Identity => Transform::Identity,
            T::Rename => Transform::Rename,
            T::Expression => Transform::Expression,
            T::Aggregation => Transform::Aggregation,
            T::Mapping => Transform::Mapping,
            T::Constant => Transform::Constant,
            T::JoinKey => Transform::Join,
            T::Concatenation => Transform::Concatenate,
            T::Generated => Transform::Generated,
        }
    }
}

/// Where in a script the statement behind an edge is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize)]
pub struct SpanRef {
    pub file: String,
    pub line: u32,
    pub column: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Edge {
    pub kind: EdgeKind,
    pub certainty: Certainty,
    pub transform: Option<Transform>,
    pub span: Option<SpanRef>,
    /// The reload log shows the statement behind the edge did not run in the last reload.
    pub not_taken: bool,
}

impl Edge {
    pub fn new(kind: EdgeKind, certainty: Certainty) -> Edge {
        Edge {
            kind,
            certainty,
            transform: None,
            span: None,
            not_taken: false,
        }
    }

    pub fn with_transform(mut self, transform: Transform) -> Edge {
        self.transform = Some(transform);
        self
    }

    pub fn with_span(mut self, span: Option<SpanRef>) -> Edge {
        self.span = span;
        self
    }
}

/// The estate's lineage graph.
#[derive(Debug, Default, Clone)]
pub struct Graph {
    graph: DiGraph<Node, Edge>,
    by_id: HashMap<String, NodeIndex>,
    by_pair: HashMap<(NodeIndex, NodeIndex, EdgeKind), EdgeIndex>,
}

/// An edge seen from outside: node ids, not indexes.
#[derive(Debug, Clone, Copy)]
pub struct EdgeView<'g> {
    pub from: &'g str,
    pub to: &'g str,
    pub edge: &'g Edge,
}

impl Graph {
    pub fn node_count(&self) -> usize {
        self.graph.node_count()
    }

    pub fn edge_count(&self) -> usize {
        self.graph.edge_count()
    }

    /// Adds a node or merges it into the one with the same id.
    pub fn add_node(&mut self, node: Node) {
        match self.by_id.get(&node.id) {
            Some(&index) => {
                let existing = &mut self.graph[index];
                for (k, v) in node.attrs {
                    existing.attrs.entry(k).or_insert(v);
                }
                // An external placeholder takes the real kind when the real node arrives.
                if existing.kind == NodeKind::External && node.kind != NodeKind::External {
                    existing.kind = node.kind;
                    existing.name = node.name;
                }
            }
            None => {
                let id = node.id.clone();
                let index = self.graph.add_node(node);
                self.by_id.insert(id, index);
            }
        }
    }

    /// Sets one attribute of an existing node (later facts overwrite).
    pub fn set_attr(&mut self, id: &str, key: &str, value: String) {
        if let Some(&index) = self.by_id.get(id) {
            self.graph[index].attrs.insert(key.to_string(), value);
        }
    }

    /// Adds an edge between two existing nodes; false when either is missing. The same kind
    /// of edge between the same nodes is kept once, with the stronger certainty.
    pub fn add_edge(&mut self, from: &str, to: &str, edge: Edge) -> bool {
        let (Some(&a), Some(&b)) = (self.by_id.get(from), self.by_id.get(to)) else {
            return false;
        };
        match self.by_pair.get(&(a, b, edge.kind)) {
            Some(&existing) => {
                let current = &mut self.graph[existing];
                if edge.certainty.rank() > current.certainty.rank() {
                    current.certainty = edge.certainty;
                }
                if current.transform.is_none() {
                    current.transform = edge.transform;
                }
                if current.span.is_none() {
                    current.span = edge.span;
                }
                // Taken by any statement is taken.
                current.not_taken &= edge.not_taken;
            }
            None => {
                let index = self.graph.add_edge(a, b, edge.clone());
                self.by_pair.insert((a, b, edge.kind), index);
            }
        }
        true
    }

    pub fn node(&self, id: &str) -> Option<&Node> {
        self.by_id.get(id).map(|&i| &self.graph[i])
    }

    pub fn contains(&self, id: &str) -> bool {
        self.by_id.contains_key(id)
    }

    /// Every node, in id order (deterministic output).
    pub fn nodes(&self) -> Vec<&Node> {
        let mut nodes: Vec<&Node> = self.graph.node_weights().collect();
        nodes.sort_by(|a, b| a.id.cmp(&b.id));
        nodes
    }

    /// Every edge, sorted by (from, to, kind).
    pub fn edges(&self) -> Vec<EdgeView<'_>> {
        let mut edges: Vec<EdgeView<'_>> = self
            .graph
            .edge_references()
            .map(|e| EdgeView {
                from: &self.graph[e.source()].id,
                to: &self.graph[e.target()].id,
                edge: e.weight(),
            })
            .collect();
        edges.sort_by(|a, b| (a.from, a.to, a.edge.kind).cmp(&(b.from, b.to, b.edge.kind)));
        edges
    }

    /// Edges leaving (`Outgoing`) or entering (`Incoming`) a node.
    pub fn neighbours(&self, id: &str, direction: Direction) -> Vec<EdgeView<'_>> {
        let Some(&index) = self.by_id.get(id) else {
            return Vec::new();
        };
        let mut out: Vec<EdgeView<'_>> = self
            .graph
            .edges_directed(index, direction)
            .map(|e| EdgeView {
                from: &self.graph[e.source()].id,
                to: &self.graph[e.target()].id,
                edge: e.weight(),
            })
            .collect();
        out.sort_by(|a, b| (a.from, a.to, a.edge.kind).cmp(&(b.from, b.to, b.edge.kind)));
        out
    }

    /// Upgrades the certainty of an existing edge (runtime confirmation); false when absent.
    pub fn confirm_edge(&mut self, from: &str, to: &str, kind: EdgeKind, evidence: &str) -> bool {
        let (Some(&a), Some(&b)) = (self.by_id.get(from), self.by_id.get(to)) else {
            return false;
        };
        match self.by_pair.get(&(a, b, kind)) {
            Some(&e) => {
                self.graph[e].certainty = Certainty::Runtime {
                    evidence: evidence.to_string(),
                };
                true
            }
            None => false,
        }
    }

    /// Groups of nodes that reach each other (strongly connected, more than one node or a
    /// self loop) over data-flow edges: an incremental load that reads the QVD it writes.
    pub fn cycles(&self) -> Vec<Vec<String>> {
        let flow = self.graph.filter_map(
            |_, n| Some(n.id.clone()),
            |_, e| (e.kind != EdgeKind::Contains).then_some(()),
        );
        let mut out: Vec<Vec<String>> = petgraph::algo::tarjan_scc(&flow)
            .into_iter()
            .filter(|scc| scc.len() > 1 || flow.find_edge(scc[0], scc[0]).is_some())
            .map(|scc| {
                let mut ids: Vec<String> = scc.iter().map(|&i| flow[i].clone()).collect();
                ids.sort();
                ids
            })
            .collect();
        out.sort();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: &str, kind: NodeKind) -> Node {
        Node {
            id: id.into(),
            kind,
            name: id.into(),
            attrs: BTreeMap::new(),
        }
    }

    #[test]
    fn nodes_merge_and_edges_keep_the_strongest_claim() {
        let mut g = Graph::default();
        g.add_node(node("qvd:a", NodeKind::Qvd));
        g.add_node(node("qvd:a", NodeKind::Qvd));
        g.add_node(node("app:x", NodeKind::App));
        assert_eq!(g.node_count(), 2);
        let partial = Certainty::Partial {
            missing: "vPath".into(),
        };
        assert!(g.add_edge("qvd:a", "app:x", Edge::new(EdgeKind::Reads, partial)));
        assert!(g.add_edge(
            "qvd:a",
            "app:x",
            Edge::new(EdgeKind::Reads, Certainty::Resolved)
        ));
        assert!(!g.add_edge(
            "qvd:a",
            "app:missing",
            Edge::new(EdgeKind::Reads, Certainty::Resolved)
        ));
        assert_eq!(g.edge_count(), 1);
        assert_eq!(g.edges()[0].edge.certainty, Certainty::Resolved);
        assert!(g.confirm_edge("qvd:a", "app:x", EdgeKind::Reads, "GetLineage"));
        assert_eq!(g.edges()[0].edge.certainty.name(), "runtime");
    }

    #[test]
    fn cycles_are_found_not_walked() {
        let mut g = Graph::default();
        for id in ["a", "b", "c"] {
            g.add_node(node(id, NodeKind::External));
        }
        g.add_edge("a", "b", Edge::new(EdgeKind::Derives, Certainty::Resolved));
        g.add_edge("b", "a", Edge::new(EdgeKind::Derives, Certainty::Resolved));
        g.add_edge("b", "c", Edge::new(EdgeKind::Contains, Certainty::Resolved));
        g.add_edge("c", "c", Edge::new(EdgeKind::Derives, Certainty::Resolved));
        assert_eq!(
            g.cycles(),
            vec![
                vec!["a".to_string(), "b".to_string()],
                vec!["c".to_string()]
            ]
        );
    }
}
