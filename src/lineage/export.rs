//! Writing the graph in the formats people and catalogs read. Every writer is deterministic
//! (nodes and edges sorted by id), so outputs diff cleanly between runs.
//!
//! - [`json`]: our own document, the one `qlineage impact` reads back.
//! - [`dot`]: Graphviz, clustered by app, for pictures.
//! - [`graphml`]: yEd and Gephi, every fact as a typed attribute.
//! - [`mermaid`]: a table-level flowchart for Markdown pages.
//! - [`openlineage`]: one RunEvent per app reload, for Marquez, DataHub and OpenMetadata.
//!
//! The writers only read the graph; what they share is which app each node belongs to
//! ([`Membership`]).

pub mod dot;
pub mod graphml;
pub mod json;
pub mod mermaid;
pub mod openlineage;

use std::collections::HashMap;

use petgraph::Direction;

use super::graph::{EdgeKind, Graph, Node};
use super::ids::NodeKind;
use crate::semantic::Connections;

/// The output formats of `qlineage lineage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Json,
    Dot,
    Graphml,
    Mermaid,
    Openlineage,
}

/// What a writer may need besides the graph.
#[derive(Debug, Clone, Default)]
pub struct ExportOptions {
    /// The user's data connections: OpenLineage dataset namespaces name the database host a
    /// connection string gives (`mssql://crm-sql01`), which the graph does not keep (a
    /// connection string may hold credentials).
    pub connections: Connections,
}

/// Writes the graph in `format`.
pub fn write(
    lineage: &super::LineageGraph,
    format: ExportFormat,
    options: &ExportOptions,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        ExportFormat::Json => {
            json::write(lineage, &mut *out).map_err(std::io::Error::other)?;
            writeln!(out)
        }
        ExportFormat::Dot => out.write_all(dot::to_string(&lineage.graph).as_bytes()),
        ExportFormat::Graphml => out.write_all(graphml::to_string(&lineage.graph).as_bytes()),
        ExportFormat::Mermaid => out.write_all(mermaid::to_string(&lineage.graph).as_bytes()),
        ExportFormat::Openlineage => {
            for event in openlineage::events(&lineage.graph, &options.connections) {
                serde_json::to_writer(&mut *out, &event).map_err(std::io::Error::other)?;
                writeln!(out)?;
            }
            Ok(())
        }
    }
}

/// Schemes of ids that name a part of one app right after the scheme (`var:<app>/vX`,
/// `object:<app>/abc`), so a part the app does not reach through `contains` (an inline table,
/// a placeholder) is still drawn inside its app.
const APP_SCOPED_SCHEMES: [&str; 8] = [
    "app",
    "inline",
    "var",
    "measure",
    "dimension",
    "masterobject",
    "sheet",
    "object",
];

/// Which app each node belongs to. Datasets (QVDs, files, database tables) belong to no app:
/// several apps meet at them.
#[derive(Debug)]
pub struct Membership<'g> {
    /// App nodes in id order.
    pub apps: Vec<&'g Node>,
    owner: HashMap<&'g str, usize>,
}

impl<'g> Membership<'g> {
    pub fn of(graph: &'g Graph) -> Membership<'g> {
        let nodes = graph.nodes();
        let apps: Vec<&Node> = nodes
            .iter()
            .copied()
            .filter(|n| n.kind == NodeKind::App)
            .collect();
        let keys: Vec<&str> = apps
            .iter()
            .map(|a| a.id.strip_prefix("app:").unwrap_or(&a.id))
            .collect();
        let mut owner: HashMap<&str, usize> = HashMap::new();
        for node in &nodes {
            let Some((scheme, rest)) = node.id.split_once(':') else {
                continue;
            };
            if !APP_SCOPED_SCHEMES.contains(&scheme) {
                continue;
            }
            // The longest key wins: `apps/a/b` is not a part of `apps/a`.
            let best = keys
                .iter()
                .enumerate()
                .filter(|(_, key)| {
                    rest == **key
                        || rest
                            .strip_prefix(**key)
                            .is_some_and(|tail| tail.starts_with('/'))
                })
                .max_by_key(|(_, key)| key.len());
            if let Some((index, _)) = best {
                owner.insert(node.id.as_str(), index);
            }
        }
        // Whatever an owned node contains belongs to the same app (fields of an inline
        // table, charts of a sheet); walked with a visited set, so it ends on any shape.
        let mut stack: Vec<(&str, usize)> = nodes
            .iter()
            .filter_map(|n| owner.get(n.id.as_str()).map(|&i| (n.id.as_str(), i)))
            .collect();
        while let Some((id, app)) = stack.pop() {
            for e in graph.neighbours(id, Direction::Outgoing) {
                if e.edge.kind != EdgeKind::Contains {
                    continue;
                }
                let Some(child) = graph.node(e.to) else {
                    continue;
                };
                if child.kind == NodeKind::App || owner.contains_key(child.id.as_str()) {
                    continue;
                }
                owner.insert(child.id.as_str(), app);
                stack.push((child.id.as_str(), app));
            }
        }
        Membership { apps, owner }
    }

    /// The app node a node belongs to.
    pub fn app_of(&self, id: &str) -> Option<&'g Node> {
        self.owner.get(id).map(|&i| self.apps[i])
    }

    /// The index of that app in [`Membership::apps`].
    pub fn app_index(&self, id: &str) -> Option<usize> {
        self.owner.get(id).copied()
    }
}

/// The node that contains a node (a field's table or dataset), if any.
pub fn container<'g>(graph: &'g Graph, id: &str) -> Option<&'g Node> {
    graph
        .neighbours(id, Direction::Incoming)
        .into_iter()
        .find(|e| e.edge.kind == EdgeKind::Contains)
        .and_then(|e| graph.node(e.from))
}

/// Text without the control characters no output format can carry (newlines and tabs
/// stay: each writer decides how to show them).
fn printable(text: &str) -> impl Iterator<Item = char> + '_ {
    text.chars()
        .filter(|&c| !c.is_control() || c == '\n' || c == '\t')
}

#[cfg(test)]
pub(crate) mod testing {
    //! A small graph with hostile names, shared by the writers' unit tests.

    use std::collections::BTreeMap;

    use crate::lineage::graph::{Certainty, Edge, EdgeKind, Graph, Node, SpanRef, Transform};
    use crate::lineage::ids::NodeKind;

    pub fn node(id: &str, kind: NodeKind, name: &str) -> Node {
        Node {
            id: id.into(),
            kind,
            name: name.into(),
            attrs: BTreeMap::new(),
        }
    }

    /// Two apps, one shared QVD, names with quotes, backslashes, newlines and HTML, one
    /// edge of every certainty.
    pub fn hostile() -> Graph {
        let mut g = Graph::default();
        let mut app = node("app:a/\"q\"", NodeKind::App, "Sales \"Q1\" <b>&</b>");
        app.attrs
            .insert("last_reload".into(), "2026-03-02T02:00:41.000Z".into());
        g.add_node(app);
        g.add_node(node("app:b", NodeKind::App, "B\\"));
        g.add_node(node(
            "app:a/\"q\"/table/T:1",
            NodeKind::AppTable,
            "T\nnew line",
        ));
        g.add_node(node(
            "app:a/\"q\"/table/T:1/field/F#1",
            NodeKind::AppField,
            "F#1 `x` {y} [z] (w) |p|",
        ));
        g.add_node(node("app:b/table/U", NodeKind::AppTable, "U"));
        g.add_node(node("app:b/table/U/field/G", NodeKind::AppField, "G"));
        g.add_node(node("qvd:C:/dir\\x/", NodeKind::Qvd, "x\\"));
        g.add_node(node("qvd:C:/dir\\x//field/F#1", NodeKind::QvdField, "F#1"));
        let resolved = Certainty::Resolved;
        let contains = |g: &mut Graph, a: &str, b: &str| {
            g.add_edge(a, b, Edge::new(EdgeKind::Contains, Certainty::Resolved));
        };
        contains(&mut g, "app:a/\"q\"", "app:a/\"q\"/table/T:1");
        contains(
            &mut g,
            "app:a/\"q\"/table/T:1",
            "app:a/\"q\"/table/T:1/field/F#1",
        );
        contains(&mut g, "app:b", "app:b/table/U");
        contains(&mut g, "app:b/table/U", "app:b/table/U/field/G");
        contains(&mut g, "qvd:C:/dir\\x/", "qvd:C:/dir\\x//field/F#1");
        let span = Some(SpanRef {
            file: "a \"b\".qvs".into(),
            line: 3,
            column: 1,
        });
        g.add_edge(
            "app:a/\"q\"/table/T:1",
            "qvd:C:/dir\\x/",
            Edge::new(EdgeKind::Stores, resolved.clone()).with_span(span.clone()),
        );
        g.add_edge(
            "app:a/\"q\"/table/T:1/field/F#1",
            "qvd:C:/dir\\x//field/F#1",
            Edge::new(
                EdgeKind::Derives,
                Certainty::Runtime {
                    evidence: "header <Lineage>".into(),
                },
            )
            .with_transform(Transform::Identity),
        );
        g.add_edge(
            "qvd:C:/dir\\x/",
            "app:b/table/U",
            Edge::new(
                EdgeKind::Reads,
                Certainty::Partial {
                    missing: "$(vPath) \"unset\"".into(),
                },
            ),
        );
        g.add_edge(
            "qvd:C:/dir\\x//field/F#1",
            "app:b/table/U/field/G",
            Edge::new(
                EdgeKind::Derives,
                Certainty::Manual {
                    note: Some("by hand\nsecond line".into()),
                },
            )
            .with_transform(Transform::Rename),
        );
        g
    }

    #[test]
    fn membership_puts_parts_in_their_app_and_datasets_in_none() {
        let g = hostile();
        let m = super::Membership::of(&g);
        assert_eq!(m.apps.len(), 2);
        assert_eq!(
            m.app_of("app:a/\"q\"/table/T:1/field/F#1")
                .map(|a| a.id.as_str()),
            Some("app:a/\"q\"")
        );
        assert_eq!(
            m.app_of("app:b/table/U").map(|a| a.name.as_str()),
            Some("B\\")
        );
        assert!(m.app_of("qvd:C:/dir\\x/").is_none());
        assert!(m.app_of("qvd:C:/dir\\x//field/F#1").is_none());
    }
}
