//! GraphML for yEd, Gephi and networkx: the full graph, every fact a declared, typed
//! attribute, so tools can filter and colour by it without parsing ids.
//!
//! Keys (`<key>` declarations) come first: node `kind`, `name`, `app` (the owning app's id,
//! empty for shared datasets) and one `attr.<name>` per node attribute found in the graph;
//! edge `kind`, `certainty`, `detail`, `transform`, `span_file` and the integers `span_line`
//! and `span_column`. Node ids are the canonical ids. Everything is XML-escaped; characters
//! XML 1.0 cannot hold (control characters but tab and newline) are dropped, and carriage
//! returns and newlines in attribute values are written as character references so a parser
//! does not normalise them away.

use std::collections::BTreeSet;
use std::fmt::Write;

use super::{printable, Membership};
use crate::lineage::graph::Graph;

/// The edge attributes, in declaration order: (key id, name, type).
const EDGE_KEYS: [(&str, &str, &str); 7] = [
    ("e_kind", "kind", "string"),
    ("e_certainty", "certainty", "string"),
    ("e_detail", "detail", "string"),
    ("e_transform", "transform", "string"),
    ("e_span_file", "span_file", "string"),
    ("e_span_line", "span_line", "int"),
    ("e_span_column", "span_column", "int"),
];

/// The whole graph as a GraphML document.
pub fn to_string(graph: &Graph) -> String {
    let membership = Membership::of(graph);
    let nodes = graph.nodes();
    let attr_names: BTreeSet<&str> = nodes
        .iter()
        .flat_map(|n| n.attrs.keys().map(String::as_str))
        .collect();
    let attr_keys: Vec<(&str, String)> = attr_names
        .iter()
        .enumerate()
        .map(|(i, name)| (*name, format!("n_attr_{i}")))
        .collect();
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(
        "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"http://graphml.graphdrawing.org/xmlns \
         http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd\">\n",
    );
    for (id, name) in [("n_kind", "kind"), ("n_name", "name"), ("n_app", "app")] {
        key_line(&mut out, id, "node", name, "string");
    }
    for (name, id) in &attr_keys {
        key_line(&mut out, id, "node", &format!("attr.{name}"), "string");
    }
    for (id, name, ty) in EDGE_KEYS {
        key_line(&mut out, id, "edge", name, ty);
    }
    out.push_str("  <graph id=\"lineage\" edgedefault=\"directed\">\n");
    for node in &nodes {
        let _ = writeln!(out, "    <node id=\"{}\">", escape(&node.id, true));
        data(&mut out, "n_kind", node.kind.name());
        data(&mut out, "n_name", &node.name);
        if let Some(app) = membership.app_of(&node.id) {
            data(&mut out, "n_app", &app.id);
        }
        for (name, id) in &attr_keys {
            if let Some(value) = node.attrs.get(*name) {
                data(&mut out, id, value);
            }
        }
        out.push_str("    </node>\n");
    }
    for (index, e) in graph.edges().into_iter().enumerate() {
        let _ = writeln!(
            out,
            "    <edge id=\"e{index}\" source=\"{}\" target=\"{}\">",
            escape(e.from, true),
            escape(e.to, true)
        );
        data(&mut out, "e_kind", e.edge.kind.name());
        data(&mut out, "e_certainty", e.edge.certainty.name());
        if let Some(detail) = e.edge.certainty.detail() {
            data(&mut out, "e_detail", detail);
        }
        if let Some(t) = e.edge.transform {
            data(&mut out, "e_transform", t.name());
        }
        if let Some(span) = &e.edge.span {
            data(&mut out, "e_span_file", &span.file);
            data(&mut out, "e_span_line", &span.line.to_string());
            data(&mut out, "e_span_column", &span.column.to_string());
        }
        out.push_str("    </edge>\n");
    }
    out.push_str("  </graph>\n</graphml>\n");
    out
}

fn key_line(out: &mut String, id: &str, target: &str, name: &str, ty: &str) {
    let _ = writeln!(
        out,
        "  <key id=\"{id}\" for=\"{target}\" attr.name=\"{}\" attr.type=\"{ty}\"/>",
        escape(name, true)
    );
}

fn data(out: &mut String, key: &str, value: &str) {
    let _ = writeln!(
        out,
        "      <data key=\"{key}\">{}</data>",
        escape(value, false)
    );
}

/// XML text or attribute value. In attributes, whitespace other than a space becomes a
/// character reference (attribute-value normalisation would turn it into a space).
pub fn escape(text: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in printable(text) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\t' if attribute => out.push_str("&#9;"),
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
    fn escaping_covers_markup_quotes_and_whitespace() {
        assert_eq!(
            escape("<b>\"a\" & 'b'</b>", false),
            "&lt;b&gt;&quot;a&quot; &amp; &apos;b&apos;&lt;/b&gt;"
        );
        assert_eq!(escape("a\nb\u{1}", true), "a&#10;b");
        assert_eq!(escape("a\nb", false), "a\nb");
    }

    #[test]
    fn every_attribute_has_a_key_and_every_edge_its_certainty() {
        let xml = to_string(&hostile());
        assert!(xml.contains(
            r#"<key id="n_attr_0" for="node" attr.name="attr.last_reload" attr.type="string"/>"#
        ));
        assert!(xml.contains(r#"<node id="app:a/&quot;q&quot;">"#));
        assert!(xml.contains("<data key=\"e_detail\">by hand\nsecond line</data>"));
        assert_eq!(xml.matches("<edge ").count(), 9);
        assert_eq!(xml.matches("<data key=\"e_certainty\">").count(), 9);
        assert!(xml.contains("<data key=\"e_span_line\">3</data>"));
    }
}
