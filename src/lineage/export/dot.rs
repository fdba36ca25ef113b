//! Graphviz DOT: one cluster per app holding the app's tables, fields, variables and charts;
//! datasets several apps meet at (QVDs, files, database tables) outside every cluster, so a
//! QVD chain across apps reads left to right. Shapes say what a node is, line styles how sure
//! an edge is (resolved solid, partial dashed, runtime bold, manual dotted); a legend cluster
//! spells both out.
//!
//! Escaping: every ID and label is a quoted string. In DOT only `\"` is an escape inside an
//! ID, but labels and tooltips are escStrings where a backslash starts `\n`, `\l`, `\N`…; so
//! backslashes are doubled and quotes escaped everywhere (an ID keeps the doubled backslash,
//! which still names one node per id), newlines become `\n`, other control characters are
//! dropped. Names holding HTML stay text: labels are never HTML-like (`<…>`).

use std::collections::BTreeSet;
use std::fmt::Write;

use super::{printable, Membership};
use crate::lineage::graph::{Certainty, EdgeKind, Graph};
use crate::lineage::ids::NodeKind;

/// The whole graph as a DOT document.
pub fn to_string(graph: &Graph) -> String {
    let membership = Membership::of(graph);
    let nodes = graph.nodes();
    let mut out = String::new();
    out.push_str("digraph lineage {\n");
    out.push_str("  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=11, compound=true];\n");
    out.push_str("  node [fontname=\"Helvetica\", fontsize=10, style=filled, fillcolor=white];\n");
    out.push_str("  edge [fontname=\"Helvetica\", fontsize=8];\n");
    let mut per_app: Vec<Vec<usize>> = vec![Vec::new(); membership.apps.len()];
    let mut shared = Vec::new();
    for (i, node) in nodes.iter().enumerate() {
        match membership.app_index(&node.id) {
            Some(app) => per_app[app].push(i),
            None => shared.push(i),
        }
    }
    for (index, app) in membership.apps.iter().enumerate() {
        let _ = writeln!(out, "  subgraph \"cluster_app_{index}\" {{");
        let _ = writeln!(
            out,
            "    label={}; tooltip={}; style=\"rounded,filled\"; fillcolor=\"#f4f6fb\"; color=\"#8090b0\";",
            quote(&app.name),
            quote(&app.id)
        );
        for &i in &per_app[index] {
            out.push_str("    ");
            node_line(&mut out, nodes[i]);
        }
        out.push_str("  }\n");
    }
    for &i in &shared {
        out.push_str("  ");
        node_line(&mut out, nodes[i]);
    }
    for e in graph.edges() {
        let certainty = &e.edge.certainty;
        let mut attrs = vec![
            format!("style={}", certainty_style(certainty)),
            format!("color=\"{}\"", kind_color(e.edge.kind)),
        ];
        if e.edge.kind == EdgeKind::Contains {
            attrs.push("arrowhead=odiamond".to_string());
        }
        if let Some(t) = e.edge.transform.filter(|t| t.name() != "identity") {
            attrs.push(format!("label={}", quote(t.name())));
        }
        let mut tooltip = format!("{} ({})", e.edge.kind.name(), certainty.name());
        if let Some(detail) = certainty.detail() {
            let _ = write!(tooltip, ": {detail}");
        }
        if let Some(span) = &e.edge.span {
            let _ = write!(tooltip, " at {}:{}:{}", span.file, span.line, span.column);
        }
        attrs.push(format!("tooltip={}", quote(&tooltip)));
        let _ = writeln!(
            out,
            "  {} -> {} [{}];",
            quote(e.from),
            quote(e.to),
            attrs.join(", ")
        );
    }
    let kinds: BTreeSet<NodeKind> = nodes.iter().map(|n| n.kind).collect();
    legend(&mut out, &kinds);
    out.push_str("}\n");
    out
}

fn node_line(out: &mut String, node: &crate::lineage::graph::Node) {
    let (shape, fill) = kind_shape(node.kind);
    let _ = writeln!(
        out,
        "{} [label={}, shape={shape}, fillcolor=\"{fill}\", tooltip={}];",
        quote(&node.id),
        quote(&node.name),
        quote(&format!("{} {}", node.kind.name(), node.id))
    );
}

/// A legend cluster: one sample node per kind present, one sample edge per certainty. Its
/// ids have no `:`, which every canonical id has, so they cannot meet a real node.
fn legend(out: &mut String, kinds: &BTreeSet<NodeKind>) {
    out.push_str("  subgraph \"cluster_legend\" {\n");
    out.push_str("    label=\"Legend\"; style=dashed; color=\"#999999\";\n");
    for kind in kinds {
        let (shape, fill) = kind_shape(*kind);
        let _ = writeln!(
            out,
            "    \"legend {0}\" [label=\"{0}\", shape={shape}, fillcolor=\"{fill}\"];",
            kind.name()
        );
    }
    let samples = [
        Certainty::Resolved,
        Certainty::Partial {
            missing: String::new(),
        },
        Certainty::Runtime {
            evidence: String::new(),
        },
        Certainty::Manual { note: None },
    ];
    for c in &samples {
        let name = c.name();
        let _ = writeln!(
            out,
            "    \"legend {name} from\" [label=\"\", shape=point]; \"legend {name} to\" [label=\"\", shape=point];"
        );
        let _ = writeln!(
            out,
            "    \"legend {name} from\" -> \"legend {name} to\" [label=\"{name}\", style={}];",
            certainty_style(c)
        );
    }
    out.push_str("  }\n");
}

fn certainty_style(certainty: &Certainty) -> &'static str {
    match certainty {
        Certainty::Resolved => "solid",
        Certainty::Partial { .. } => "dashed",
        Certainty::Runtime { .. } => "bold",
        Certainty::Manual { .. } => "dotted",
    }
}

fn kind_color(kind: EdgeKind) -> &'static str {
    match kind {
        EdgeKind::Derives => "#333333",
        EdgeKind::Reads => "#1f5fbf",
        EdgeKind::Stores => "#1e8040",
        EdgeKind::Contains => "#b0b0b0",
        EdgeKind::Uses => "#8a3fa0",
    }
}

/// Shape and fill per kind: cylinders hold data, notes are files, boxes are app tables,
/// ellipses are fields and columns, chart items are diamonds and trapezia.
fn kind_shape(kind: NodeKind) -> (&'static str, &'static str) {
    match kind {
        NodeKind::DataConnection => ("component", "#e8e0f8"),
        NodeKind::Database => ("cylinder", "#e8e0f8"),
        NodeKind::DbTable => ("cylinder", "#ddeeff"),
        NodeKind::DbColumn => ("ellipse", "#ddeeff"),
        NodeKind::File => ("note", "#fff4d6"),
        NodeKind::FileField => ("ellipse", "#fff4d6"),
        NodeKind::Qvd => ("cylinder", "#dff5e3"),
        NodeKind::QvdField => ("ellipse", "#dff5e3"),
        NodeKind::App => ("doubleoctagon", "#c9d4ee"),
        NodeKind::AppTable => ("box", "#ffffff"),
        NodeKind::AppField => ("ellipse", "#ffffff"),
        NodeKind::Variable => ("parallelogram", "#f0f0f0"),
        NodeKind::MasterMeasure => ("hexagon", "#fde2e2"),
        NodeKind::MasterDimension => ("hexagon", "#fdf0e2"),
        NodeKind::MasterVisualization => ("house", "#fde2e2"),
        NodeKind::Sheet => ("tab", "#eeeeee"),
        NodeKind::VisualObject => ("box3d", "#ffffff"),
        NodeKind::ChartMeasure => ("diamond", "#fde2e2"),
        NodeKind::ChartDimension => ("invtrapezium", "#fdf0e2"),
        NodeKind::InlineTable => ("folder", "#fff4d6"),
        NodeKind::External => ("octagon", "#eeeeee"),
    }
}

/// A DOT quoted string (see the module comment for why backslashes are doubled).
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in printable(text) {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lineage::export::testing::hostile;

    #[test]
    fn quoting_keeps_every_id_one_string() {
        assert_eq!(quote("a\"b"), r#""a\"b""#);
        assert_eq!(quote("C:\\dir\\"), r#""C:\\dir\\""#);
        assert_eq!(quote("two\nlines\u{7}"), r#""two\nlines""#);
        assert_eq!(quote("<b>&</b>"), r#""<b>&</b>""#);
    }

    #[test]
    fn apps_are_clusters_and_shared_datasets_stay_outside() {
        let dot = to_string(&hostile());
        let cluster_a = dot.find("cluster_app_0").unwrap();
        let cluster_b = dot.find("cluster_app_1").unwrap();
        let qvd = dot.find(r#""qvd:C:/dir\\x/" [label="#).unwrap();
        let table = dot
            .find(r#""app:a/\"q\"/table/T:1" [label="T\nnew line""#)
            .unwrap();
        assert!(cluster_a < table && table < cluster_b && cluster_b < qvd);
        assert!(dot.contains("style=dashed"), "partial edge dashed");
        assert!(dot.contains("style=bold"), "runtime edge bold");
        assert!(dot.contains("style=dotted"), "manual edge dotted");
        assert!(dot.contains("cluster_legend"));
    }
}
