//! `qlineage lineage --format html`: the explorer as one self-contained file, for sharing.
//!
//! The front end, the layout library and the graph are inlined. The graph is a JSON data
//! block (`<script type="application/json">`, never executed) with `<`, `>`, `&` and U+2028/9
//! escaped, so no name can close the block or open markup. The policy is a `<meta>` CSP that
//! allows exactly the inlined scripts and style by their SHA-256 hashes: no `unsafe-inline`,
//! no network (`default-src 'none'`), so an injected script or handler would not run even if
//! escaping failed somewhere. The style element carries the id Cytoscape.js looks for before
//! injecting a `<style>` of its own (which the policy would block); its rule is in `app.css`.

use base64::Engine as _;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::assets;
use super::explorer::Explorer;
use super::views;

/// The self-contained explorer page for the estate.
pub fn render(ex: &Explorer) -> String {
    let data = embedded_json(&data_of(ex));
    let body = page_body();
    let mut script_hashes = String::new();
    for script in assets::SCRIPTS {
        script_hashes.push_str(&format!(" 'sha256-{}'", sha256_base64(script)));
    }
    let csp = format!(
        "default-src 'none'; script-src{script_hashes}; style-src 'sha256-{}'; img-src data:; base-uri 'none'; form-action 'none'",
        sha256_base64(assets::APP_CSS)
    );
    let mut out = String::with_capacity(data.len() + 600_000);
    out.push_str("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str(&format!(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n"
    ));
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>qlineage explorer</title>\n<link rel=\"icon\" href=\"data:,\">\n<style id=\"__________cytoscape_stylesheet\">");
    out.push_str(assets::APP_CSS);
    out.push_str("</style>\n</head>\n<body>");
    out.push_str(body);
    out.push_str("<script type=\"application/json\" id=\"qlineage-data\">");
    out.push_str(&data);
    out.push_str("</script>\n");
    for script in assets::SCRIPTS {
        out.push_str("<script>");
        out.push_str(script);
        out.push_str("</script>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// The page's markup between `<body>` and its first script (the same page `serve` sends).
fn page_body() -> &'static str {
    let html = assets::INDEX_HTML;
    let start = html.find("<body>").map(|i| i + "<body>".len()).unwrap_or(0);
    let end = html[start..]
        .find("<script")
        .map(|i| start + i)
        .unwrap_or(html.len());
    &html[start..end]
}

fn sha256_base64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(text.as_bytes()))
}

/// JSON that is inert inside `<script type="application/json">`: `<`, `>` and `&` only occur
/// in JSON strings, where `\u003c` means the same; U+2028/9 are escaped for old parsers.
pub fn embedded_json(value: &Value) -> String {
    let text = serde_json::to_string(value).unwrap_or_else(|_| "null".into());
    let mut out = String::with_capacity(text.len() + 64);
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// Everything the page's embedded backend needs: nodes with their app, edges, the scripts
/// the edges name, unresolved items and diagnostics.
fn data_of(ex: &Explorer) -> Value {
    let lineage = ex.lineage();
    let nodes: Vec<Value> = lineage
        .graph
        .nodes()
        .into_iter()
        .map(|n| {
            let app = ex
                .app_of(&n.id)
                .filter(|a| a.id != n.id)
                .map(|a| a.id.as_str());
            json!({"id": n.id, "kind": n.kind.name(), "name": n.name, "attrs": n.attrs, "app": app})
        })
        .collect();
    let edges: Vec<Value> = lineage.graph.edges().iter().map(views::edge_json).collect();
    json!({
        "summary": views::summary(ex),
        "nodes": nodes,
        "edges": edges,
        "sources": ex.sources(),
        "unresolved": lineage.unresolved,
        "diagnostics": lineage.diagnostics,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_json_cannot_close_its_block() {
        let v = json!({"name": "</script><script>alert(1)</script>\u{2028}<!-- &amp;"});
        let text = embedded_json(&v);
        assert!(!text.contains('<') && !text.contains('>') && !text.contains('&'));
        assert!(!text.contains('\u{2028}'));
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn inlined_scripts_hold_nothing_that_ends_a_script_element() {
        for script in assets::SCRIPTS {
            let lower = script.to_ascii_lowercase();
            assert!(!lower.contains("</script"));
            assert!(!lower.contains("<!--"));
        }
        assert!(!assets::APP_CSS.to_ascii_lowercase().contains("</style"));
    }
}
