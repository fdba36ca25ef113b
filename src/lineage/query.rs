//! Queries on the graph: find a node by id or name, and impact analysis — everything that
//! feeds a node (upstream) or is fed by it (downstream), with the path that links each result.
//!
//! Walks follow data-flow edges (derives, reads, stores, uses) breadth first with a visited
//! set, so a cycle (an app that reads the QVD it writes) ends the walk instead of looping;
//! the cycles met are reported. A container (app, sheet, visual object, QVD, table) stands for
//! its parts: its `contains` children are walked from too.

use std::collections::{HashMap, HashSet, VecDeque};

use petgraph::Direction as Side;
use serde::Serialize;

use super::graph::{EdgeKind, Graph};
use super::ids::NodeKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Upstream,
    Downstream,
}

#[derive(Debug, Clone, Copy)]
pub struct ImpactOptions {
    pub direction: Direction,
    /// Stop after this many edges from the start.
    pub depth: Option<usize>,
    /// Report fields and columns too, not only datasets, tables, apps and charts.
    pub field_level: bool,
}

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub from: String,
    pub to: String,
    pub kind: EdgeKind,
    pub certainty: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Reached {
    pub id: String,
    pub kind: NodeKind,
    pub name: String,
    /// The app the node belongs to, when it belongs to one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    pub depth: usize,
    /// The edges from the start (or one of its parts) to this node, in data-flow order.
    pub path: Vec<Step>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Impact {
    pub node: String,
    pub direction: Direction,
    pub results: Vec<Reached>,
    /// Cycles among the nodes reached (each walked once).
    pub cycles: Vec<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FindError {
    #[error("no node has the id or name `{0}`")]
    NotFound(String),
    #[error("`{query}` names {} nodes; give one of their ids:\n  {}", .candidates.len(), .candidates.join("\n  "))]
    Ambiguous {
        query: String,
        candidates: Vec<String>,
    },
}

/// A node by id, or by a name that only one node has (case-insensitive if no exact match).
pub fn find(graph: &Graph, query: &str) -> Result<String, FindError> {
    if graph.contains(query) {
        return Ok(query.to_string());
    }
    let nodes = graph.nodes();
    let mut exact: Vec<String> = nodes
        .iter()
        .filter(|n| n.name == query)
        .map(|n| n.id.clone())
        .collect();
    if exact.is_empty() {
        exact = nodes
            .iter()
            .filter(|n| n.name.eq_ignore_ascii_case(query))
            .map(|n| n.id.clone())
            .collect();
    }
    match exact.len() {
        0 => Err(FindError::NotFound(query.to_string())),
        1 => Ok(exact.remove(0)),
        _ => {
            exact.sort();
            Err(FindError::Ambiguous {
                query: query.to_string(),
                candidates: exact,
            })
        }
    }
}

/// What holds a node: its parent through `contains`.
fn container(graph: &Graph, id: &str) -> Option<String> {
    graph
        .neighbours(id, Side::Incoming)
        .into_iter()
        .find(|e| e.edge.kind == EdgeKind::Contains)
        .map(|e| e.from.to_string())
}

/// The app a node belongs to: the app node above it through `contains`.
pub fn owner_app(graph: &Graph, id: &str) -> Option<String> {
    let mut current = id.to_string();
    for _ in 0..6 {
        let node = graph.node(&current)?;
        if node.kind == NodeKind::App {
            return node.id.strip_prefix("app:").map(str::to_string);
        }
        let parent = graph
            .neighbours(&current, Side::Incoming)
            .into_iter()
            .find(|e| e.edge.kind == EdgeKind::Contains)?
            .from
            .to_string();
        current = parent;
    }
    None
}

pub fn impact(graph: &Graph, start: &str, options: ImpactOptions) -> Impact {
    let side = match options.direction {
        Direction::Upstream => Side::Incoming,
        Direction::Downstream => Side::Outgoing,
    };
    // The start and its parts.
    let mut starts = vec![start.to_string()];
    let mut seen: HashSet<String> = starts.iter().cloned().collect();
    let mut i = 0;
    while i < starts.len() && starts.len() < 100_000 {
        let parts: Vec<String> = graph
            .neighbours(&starts[i], Side::Outgoing)
            .into_iter()
            .filter(|e| e.edge.kind == EdgeKind::Contains)
            .map(|e| e.to.to_string())
            .collect();
        for p in parts {
            if seen.insert(p.clone()) {
                starts.push(p);
            }
        }
        i += 1;
    }
    let start_set: HashSet<&str> = starts.iter().map(String::as_str).collect();
    let mut parent: HashMap<String, Step> = HashMap::new();
    let mut depth: HashMap<String, usize> = starts.iter().map(|s| (s.clone(), 0)).collect();
    let mut queue: VecDeque<String> = starts.iter().cloned().collect();
    let mut cycle_hits = false;
    while let Some(current) = queue.pop_front() {
        let d = depth[&current];
        if options.depth.is_some_and(|max| d >= max) {
            continue;
        }
        for e in graph.neighbours(&current, side) {
            if e.edge.kind == EdgeKind::Contains {
                continue;
            }
            let next = if side == Side::Incoming { e.from } else { e.to };
            if depth.contains_key(next) {
                cycle_hits |= !start_set.contains(next) || next == start;
                continue;
            }
            depth.insert(next.to_string(), d + 1);
            parent.insert(
                next.to_string(),
                Step {
                    from: e.from.to_string(),
                    to: e.to.to_string(),
                    kind: e.edge.kind,
                    certainty: e.edge.certainty.name(),
                },
            );
            queue.push_back(next.to_string());
        }
    }
    // Without --field-level a field stands for its table or dataset: the walk goes through
    // fields, the report names what holds them.
    let mut reported: HashMap<String, (usize, String)> = HashMap::new();
    for (id, &d) in &depth {
        if start_set.contains(id.as_str()) {
            continue;
        }
        let Some(node) = graph.node(id) else {
            continue;
        };
        let shown = if !options.field_level && node.kind.is_field_level() {
            match container(graph, id) {
                Some(parent) if !start_set.contains(parent.as_str()) => parent,
                _ => continue,
            }
        } else {
            id.clone()
        };
        let entry = reported.entry(shown).or_insert((d, id.clone()));
        if (d, id) < (entry.0, &entry.1) {
            *entry = (d, id.clone());
        }
    }
    let mut results: Vec<Reached> = reported
        .into_iter()
        .filter_map(|(shown, (d, via))| {
            let node = graph.node(&shown)?;
            let mut path = Vec::new();
            let mut at = via.clone();
            while let Some(step) = parent.get(&at) {
                at = if side == Side::Incoming {
                    step.to.clone()
                } else {
                    step.from.clone()
                };
                path.push(step.clone());
            }
            if side == Side::Outgoing {
                path.reverse();
            }
            Some(Reached {
                id: shown.clone(),
                kind: node.kind,
                name: node.name.clone(),
                app: owner_app(graph, &shown),
                depth: d,
                path,
            })
        })
        .collect();
    results.sort_by(|a, b| (a.depth, &a.app, &a.id).cmp(&(b.depth, &b.app, &b.id)));
    let cycles = if cycle_hits {
        graph
            .cycles()
            .into_iter()
            .filter(|c| c.iter().any(|n| depth.contains_key(n)))
            .collect()
    } else {
        Vec::new()
    };
    Impact {
        node: start.to_string(),
        direction: options.direction,
        results,
        cycles,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lineage::graph::{Certainty, Edge, Node};

    fn graph(edges: &[(&str, &str, EdgeKind)]) -> Graph {
        let mut g = Graph::default();
        for (from, to, _) in edges {
            for id in [from, to] {
                let kind = if id.contains("/field/") {
                    NodeKind::AppField
                } else {
                    NodeKind::AppTable
                };
                g.add_node(Node {
                    id: id.to_string(),
                    kind,
                    name: id.rsplit('/').next().unwrap().to_string(),
                    attrs: Default::default(),
                });
            }
        }
        for (from, to, kind) in edges {
            g.add_edge(from, to, Edge::new(*kind, Certainty::Resolved));
        }
        g
    }

    #[test]
    fn walks_terminate_on_cycles_and_report_them() {
        let g = graph(&[
            ("qvd:a", "t:x", EdgeKind::Reads),
            ("t:x", "qvd:a", EdgeKind::Stores),
            ("t:x", "t:y", EdgeKind::Reads),
        ]);
        let opts = ImpactOptions {
            direction: Direction::Downstream,
            depth: None,
            field_level: true,
        };
        let r = impact(&g, "qvd:a", opts);
        let ids: Vec<_> = r.results.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["t:x", "t:y"]);
        assert_eq!(r.results[1].path.len(), 2);
        assert_eq!(r.cycles, vec![vec!["qvd:a".to_string(), "t:x".to_string()]]);
        let limited = impact(
            &g,
            "qvd:a",
            ImpactOptions {
                depth: Some(1),
                ..opts
            },
        );
        assert_eq!(limited.results.len(), 1);
    }

    #[test]
    fn names_find_one_node_or_list_the_candidates() {
        let g = graph(&[
            ("a:1/field/Sales", "b:2/field/Sales", EdgeKind::Derives),
            ("a:1/field/Qty", "b:2/field/Sales", EdgeKind::Derives),
        ]);
        assert_eq!(find(&g, "Qty").unwrap(), "a:1/field/Qty");
        assert_eq!(find(&g, "qty").unwrap(), "a:1/field/Qty");
        assert!(
            matches!(find(&g, "Sales"), Err(FindError::Ambiguous { candidates, .. }) if candidates.len() == 2)
        );
        assert!(matches!(find(&g, "Nope"), Err(FindError::NotFound(_))));
    }
}
