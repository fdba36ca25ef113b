//! Mermaid `flowchart LR` for Markdown pages (GitHub, GitLab, wikis render it inline).
//!
//! Table level: a diagram with every field is unreadable past a few apps, so fields and
//! columns are folded into their table or dataset, and their `derives` edges become one edge
//! between the two containers (dropped where a `reads` or `stores` edge already links them).
//! A folded edge shows the weakest certainty among the edges it stands for, so a diagram
//! never looks surer than the graph. Apps are subgraphs (the app node itself is not drawn,
//! nor its `contains` edges), and variables that feed nothing are left out.
//!
//! Mermaid ids cannot hold `:` or `/`, so nodes are `n0`, `n1`… in id order and apps `app0`…;
//! labels are quoted, with Mermaid's entity codes for what would end or change them (`"` →
//! `#quot;`, `#` → `#35;`, `<`, `>`, `&` and backticks likewise) and `<br/>` for newlines.
//! Edge style by certainty: resolved `-->`, runtime thick `==>`, partial and manual dotted
//! `-.->`, told apart by `linkStyle` dash patterns (partial long dashes, manual dots).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write;

use super::{container, printable, Membership};
use crate::lineage::graph::{Certainty, EdgeKind, Graph, Node};
use crate::lineage::ids::NodeKind;

/// The graph at table level as a Mermaid flowchart.
pub fn to_string(graph: &Graph) -> String {
    let membership = Membership::of(graph);
    let folded = |id: &str| -> String {
        match graph.node(id) {
            Some(n) if n.kind.is_field_level() => {
                container(graph, id).map_or_else(|| id.to_string(), |c| c.id.clone())
            }
            _ => id.to_string(),
        }
    };
    // (from, to, kind) → the weakest certainty among the edges folded into it.
    let mut edges: BTreeMap<(String, String, EdgeKind), &Certainty> = BTreeMap::new();
    for e in graph.edges() {
        if e.edge.kind == EdgeKind::Contains
            && graph.node(e.from).is_some_and(|n| n.kind == NodeKind::App)
        {
            continue;
        }
        let (from, to) = (folded(e.from), folded(e.to));
        if from == to {
            continue;
        }
        let slot = edges
            .entry((from, to, e.edge.kind))
            .or_insert(&e.edge.certainty);
        if strength(&e.edge.certainty) < strength(slot) {
            *slot = &e.edge.certainty;
        }
    }
    let dataset_links: HashSet<(String, String)> = edges
        .keys()
        .filter(|(_, _, kind)| matches!(kind, EdgeKind::Reads | EdgeKind::Stores))
        .map(|(from, to, _)| (from.clone(), to.clone()))
        .collect();
    edges.retain(|(from, to, kind), _| {
        *kind != EdgeKind::Derives || !dataset_links.contains(&(from.clone(), to.clone()))
    });
    let linked: HashSet<&str> = edges
        .keys()
        .flat_map(|(from, to, _)| [from.as_str(), to.as_str()])
        .collect();
    let shown: Vec<&Node> = graph
        .nodes()
        .into_iter()
        .filter(|n| n.kind != NodeKind::App)
        .filter(|n| !n.kind.is_field_level() || container(graph, &n.id).is_none())
        .filter(|n| n.kind != NodeKind::Variable || linked.contains(n.id.as_str()))
        .collect();
    let ids: HashMap<&str, String> = shown
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), format!("n{i}")))
        .collect();

    let mut out = String::new();
    out.push_str("flowchart LR\n");
    out.push_str(
        "%% qlineage table-level lineage. Edges: --> resolved, ==> runtime, -.-> partial \
         (long dashes) or manual (dots).\n",
    );
    let mut per_app: Vec<Vec<&Node>> = vec![Vec::new(); membership.apps.len()];
    let mut shared = Vec::new();
    for node in &shown {
        match membership.app_index(&node.id) {
            Some(app) => per_app[app].push(node),
            None => shared.push(node),
        }
    }
    for (index, app) in membership.apps.iter().enumerate() {
        let _ = writeln!(out, "  subgraph app{index}[\"{}\"]", label(&app.name));
        for node in &per_app[index] {
            let _ = writeln!(out, "    {}", node_text(&ids[node.id.as_str()], node));
        }
        out.push_str("  end\n");
    }
    for node in &shared {
        let _ = writeln!(out, "  {}", node_text(&ids[node.id.as_str()], node));
    }
    let mut partial = Vec::new();
    let mut manual = Vec::new();
    let mut index = 0usize;
    for ((from, to, kind), certainty) in &edges {
        let (Some(a), Some(b)) = (ids.get(from.as_str()), ids.get(to.as_str())) else {
            continue;
        };
        let arrow = match certainty {
            Certainty::Resolved => "-->",
            Certainty::Runtime { .. } => "==>",
            Certainty::Partial { .. } => {
                partial.push(index.to_string());
                "-.->"
            }
            Certainty::Manual { .. } => {
                manual.push(index.to_string());
                "-.->"
            }
        };
        let _ = writeln!(out, "  {a} {arrow}|{}| {b}", kind.name());
        index += 1;
    }
    if !partial.is_empty() {
        let _ = writeln!(
            out,
            "  linkStyle {} stroke-dasharray:8 4",
            partial.join(",")
        );
    }
    if !manual.is_empty() {
        let _ = writeln!(out, "  linkStyle {} stroke-dasharray:2 3", manual.join(","));
    }
    out
}

/// Lower is weaker: a folded edge shows the weakest claim it stands for.
fn strength(certainty: &Certainty) -> u8 {
    match certainty {
        Certainty::Partial { .. } => 0,
        Certainty::Manual { .. } => 1,
        Certainty::Resolved => 2,
        Certainty::Runtime { .. } => 3,
    }
}

fn node_text(id: &str, node: &Node) -> String {
    // A QVD or file is named by its path: two `customers.qvd` in two folders are two nodes.
    let text = match node.kind {
        NodeKind::Qvd | NodeKind::File => node.attrs.get("path").unwrap_or(&node.name),
        _ => &node.name,
    };
    let text = label(text);
    match node.kind {
        NodeKind::Qvd | NodeKind::DbTable | NodeKind::Database => format!("{id}[(\"{text}\")]"),
        NodeKind::File | NodeKind::InlineTable => format!("{id}[/\"{text}\"/]"),
        NodeKind::DataConnection => format!("{id}[[\"{text}\"]]"),
        NodeKind::MasterMeasure | NodeKind::MasterDimension | NodeKind::MasterVisualization => {
            format!("{id}{{{{\"{text}\"}}}}")
        }
        NodeKind::ChartMeasure | NodeKind::ChartDimension => format!("{id}([\"{text}\"])"),
        NodeKind::Sheet | NodeKind::VisualObject => format!("{id}(\"{text}\")"),
        _ => format!("{id}[\"{text}\"]"),
    }
}

/// Text for inside a quoted Mermaid label.
pub fn label(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in printable(text) {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '&' => out.push_str("#amp;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '`' => out.push_str("#96;"),
            '\n' => out.push_str("<br/>"),
            '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lineage::export::testing::hostile;

    #[test]
    fn labels_escape_what_mermaid_reads() {
        assert_eq!(label("a \"b\" #1"), "a #quot;b#quot; #35;1");
        assert_eq!(label("<b>&</b>`x`"), "#lt;b#gt;#amp;#lt;/b#gt;#96;x#96;");
        assert_eq!(label("one\ntwo"), "one<br/>two");
    }

    #[test]
    fn fields_fold_into_tables_and_ids_are_safe() {
        let text = to_string(&hostile());
        for line in text.lines().filter(|l| !l.trim_start().starts_with("%%")) {
            let first = line.split_whitespace().next().unwrap_or_default();
            let id: String = first
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            assert!(!id.contains(':') && !id.contains('/'), "{line}");
        }
        // Three nodes (two tables, the QVD); the field derives edges fold away into the
        // stores and reads edges between the same containers.
        assert_eq!(text.matches("-->|").count(), 1, "{text}");
        assert_eq!(text.matches("-.->|reads|").count(), 1, "{text}");
        assert!(text.contains("linkStyle 1 stroke-dasharray:8 4"), "{text}");
        assert!(text.contains("subgraph app0[\"Sales #quot;Q1#quot; #lt;b#gt;#amp;#lt;/b#gt;\"]"));
        assert!(!text.contains("field"));
    }
}
