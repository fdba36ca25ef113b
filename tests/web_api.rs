//! The explorer's JSON API over real HTTP (`qlineage serve` on loopback, the demo estate
//! `corpus/site`): every endpoint with good and bad input, the security headers, CORS for
//! extension origins only, the command's own refusals, and the self-contained HTML file.

#[path = "support/serve.rs"]
mod serve;

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use base64::Engine as _;
use serde_json::Value;
use sha2::{Digest, Sha256};

const UNIT_PRICE: &str = "db:salesdb/sales.dbo.orderlines.unitprice";
const SALES_DASHBOARD: &str = "app:815cee8e-72c1-5a0c-869a-75de4e928f04";
const EXTRACT_ERP: &str = "9b9cb855-02f7-5f16-851f-6a57d1b0b07f";

fn demo() -> &'static serve::Served {
    static SERVED: OnceLock<serve::Served> = OnceLock::new();
    SERVED.get_or_init(|| serve::serve(&["corpus/site"]))
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().build().unwrap()
}

/// GET `path?query` (pairs are URL-encoded): status, headers and JSON body.
async fn get(path: &str, query: &[(&str, &str)]) -> (u16, reqwest::header::HeaderMap, Value) {
    let url = format!("{}{path}", demo().base);
    let response = client().get(url).query(query).send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    (status, headers, body)
}

/// A 4xx with the JSON error shape; returns the message.
async fn error(path: &str, query: &[(&str, &str)], status: u16) -> String {
    let (got, headers, body) = get(path, query).await;
    assert_eq!(got, status, "{path} {query:?}: {body}");
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(body["error"]["status"], status);
    body["error"]["message"].as_str().unwrap().to_string()
}

fn ids(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn pages_and_scripts_are_served_with_a_strict_policy() {
    for (path, kind) in [
        ("/", "text/html"),
        ("/app.js", "text/javascript"),
        ("/layout.js", "text/javascript"),
        ("/app.css", "text/css"),
        ("/vendor/cytoscape.min.js", "text/javascript"),
        ("/vendor/cytoscape-dagre.min.js", "text/javascript"),
    ] {
        let response = client()
            .get(format!("{}{path}", demo().base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let h = response.headers();
        assert!(h["content-type"].to_str().unwrap().starts_with(kind));
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe"));
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert!(!response.text().await.unwrap().is_empty());
    }
    let page = client()
        .get(&demo().base)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("<script>"), "no inline script in the page");
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "no CDN"
    );
}

#[tokio::test]
async fn summary_counts_the_estate_and_says_where_it_comes_from() {
    let (status, _, body) = get("/api/v1/summary", &[]).await;
    assert_eq!(status, 200);
    assert_eq!(body["format"], "qlineage-explorer/1");
    assert_eq!(body["apps"], 13);
    assert!(body["nodes"].as_u64().unwrap() > 500);
    assert_eq!(body["origin"]["source"], "lineage-inputs");
    assert_eq!(body["origin"]["last_crawl"], Value::Null);
    assert_eq!(body["origin"]["capabilities"]["changes"], false);
    error("/api/v1/summary", &[("x", "1")], 400).await;
}

#[tokio::test]
async fn search_ranks_and_validates() {
    let (status, _, body) = get(
        "/api/v1/search",
        &[("q", "unitprice"), ("kind", "db_column")],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(ids(&body["results"]), [UNIT_PRICE]);
    assert_eq!(body["results"][0]["matched"], "name");
    // An exact name beats a longer one; apps come before their parts.
    let (_, _, body) = get("/api/v1/search", &[("q", "sales dashboard")]).await;
    assert_eq!(body["results"][0]["id"], SALES_DASHBOARD);
    // Every word must match, in the name or the id.
    let (_, _, body) = get(
        "/api/v1/search",
        &[("q", "orderlines unitprice"), ("limit", "100")],
    )
    .await;
    let found = ids(&body["results"]);
    assert!(found.contains(&UNIT_PRICE));
    assert!(found
        .iter()
        .all(|id| id.to_lowercase().contains("orderlines")));
    let (_, _, body) = get("/api/v1/search", &[("q", "a"), ("limit", "3")]).await;
    assert_eq!(body["results"].as_array().unwrap().len(), 3);
    let (_, _, body) = get("/api/v1/search", &[("q", "no such thing anywhere")]).await;
    assert_eq!(body["results"], Value::Array(vec![]));

    assert!(error("/api/v1/search", &[], 400)
        .await
        .contains("`q` is required"));
    assert!(
        error("/api/v1/search", &[("q", "x"), ("kind", "chart")], 400)
            .await
            .contains("kind")
    );
    for limit in ["0", "101", "ten", "-1"] {
        error("/api/v1/search", &[("q", "x"), ("limit", limit)], 400).await;
    }
    let long = "x".repeat(257);
    error("/api/v1/search", &[("q", &long)], 400).await;
    assert!(error("/api/v1/search", &[("q", "a"), ("q", "b")], 400)
        .await
        .contains("twice"));
    assert!(error("/api/v1/search", &[("q", "a"), ("sort", "b")], 400)
        .await
        .contains("unknown parameter"));
}

#[tokio::test]
async fn node_gives_facts_edges_and_script_positions() {
    let (status, _, body) = get("/api/v1/node", &[("id", UNIT_PRICE)]).await;
    assert_eq!(status, 200);
    assert_eq!(body["kind"], "db_column");
    assert_eq!(body["container"]["id"], "db:salesdb/sales.dbo.orderlines");
    let out = body["outgoing"].as_array().unwrap();
    assert_eq!(body["outgoing_total"], out.len());
    let into_app = out
        .iter()
        .find(|o| o["node"]["kind"] == "app_field")
        .expect("the column feeds an app field");
    let span = &into_app["edge"]["span"];
    assert!(span["file"]
        .as_str()
        .unwrap()
        .ends_with("extract-erp-sales/script.qvs"));
    assert!(span["line"].as_u64().unwrap() > 0);
    assert_eq!(into_app["edge"]["style"], into_app["edge"]["certainty"]);

    let (_, _, app) = get("/api/v1/node", &[("id", SALES_DASHBOARD)]).await;
    assert_eq!(app["kind"], "app");
    assert_eq!(app["attrs"]["owner"], "DEMO\\ana");
    assert_eq!(app["attrs"]["stream"], "Sales");
    assert!(app["attrs"]["last_reload"].is_string());
    assert!(app["children_total"].as_u64().unwrap() > 0);
    assert!(app["unresolved"].is_array());

    error("/api/v1/node", &[("id", "db:nope")], 404).await;
    error("/api/v1/node", &[], 400).await;
    error("/api/v1/node", &[("id", "a\u{7}b")], 400).await;
    error("/api/v1/node", &[("id", &"x".repeat(4097))], 400).await;
}

#[tokio::test]
async fn graph_walks_both_ways_at_table_or_field_level() {
    let (status, _, body) = get("/api/v1/graph", &[("id", UNIT_PRICE), ("depth", "6")]).await;
    assert_eq!(status, 200);
    // At table level the column is drawn as its table.
    assert_eq!(body["centre"], "db:salesdb/sales.dbo.orderlines");
    let nodes = ids(&body["nodes"]);
    assert!(nodes
        .iter()
        .any(|n| n.starts_with("qvd:") && n.ends_with("orderlines.qvd")));
    assert!(
        nodes.iter().any(|n| n.starts_with("object:815cee8e")),
        "reaches the dashboard's charts"
    );
    assert!(!body["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["kind"] == "app_field"));
    for e in body["edges"].as_array().unwrap() {
        assert!(
            nodes.contains(&e["from"].as_str().unwrap())
                && nodes.contains(&e["to"].as_str().unwrap())
        );
        assert!(["resolved", "partial", "runtime", "manual", "not_taken"]
            .contains(&e["style"].as_str().unwrap()));
    }
    let (_, _, fields) = get(
        "/api/v1/graph",
        &[("id", UNIT_PRICE), ("level", "field"), ("depth", "1")],
    )
    .await;
    let field_nodes = ids(&fields["nodes"]);
    assert!(field_nodes.contains(&UNIT_PRICE));
    assert!(fields["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["kind"] == "app_field"));
    // Upstream of a column is nothing; downstream of it is everything above.
    let (_, _, up) = get(
        "/api/v1/graph",
        &[
            ("id", UNIT_PRICE),
            ("direction", "upstream"),
            ("level", "field"),
        ],
    )
    .await;
    assert_eq!(ids(&up["nodes"]), [UNIT_PRICE]);
    // Beyond the limit, other apps collapse into one node each.
    let (_, _, small) = get(
        "/api/v1/graph",
        &[("id", UNIT_PRICE), ("depth", "6"), ("limit", "5")],
    )
    .await;
    assert_eq!(small["collapsed"], true);
    assert!(small["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["kind"] == "app_group" && n["collapsed"].as_u64().unwrap() > 0));
    // `expand` keeps the named apps' nodes in the collapsed view, edges re-attached to them;
    // the other apps stay collapsed.
    let groups = |v: &Value| -> Vec<String> {
        v["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["kind"] == "app_group")
            .map(|n| n["app"]["id"].as_str().unwrap().to_string())
            .collect()
    };
    let collapsed_apps = groups(&small);
    assert!(collapsed_apps.len() >= 2, "{collapsed_apps:?}");
    let opened = collapsed_apps[0].as_str();
    let (status, _, expanded) = get(
        "/api/v1/graph",
        &[
            ("id", UNIT_PRICE),
            ("depth", "6"),
            ("limit", "5"),
            ("expand", opened),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(expanded["expanded"], serde_json::json!([opened]));
    assert_eq!(groups(&expanded), collapsed_apps[1..].to_vec());
    let group_count = small["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["app"]["id"] == opened && n["kind"] == "app_group")
        .unwrap()["collapsed"]
        .as_u64()
        .unwrap();
    let opened_nodes: Vec<&str> = expanded["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["app"]["id"] == opened || n["id"] == opened)
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    assert_eq!(opened_nodes.len() as u64, group_count, "{opened_nodes:?}");
    let group_id = format!("group:{opened}");
    let expanded_ids = ids(&expanded["nodes"]);
    assert!(!expanded_ids.contains(&group_id.as_str()));
    for e in expanded["edges"].as_array().unwrap() {
        assert!(
            expanded_ids.contains(&e["from"].as_str().unwrap())
                && expanded_ids.contains(&e["to"].as_str().unwrap())
        );
    }
    assert!(expanded["edges"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| opened_nodes.contains(&e["to"].as_str().unwrap())
            || opened_nodes.contains(&e["from"].as_str().unwrap())));
    // Repeated, every named app opens; a non-app or unknown id is refused.
    let mut both: Vec<(&str, &str)> = vec![("id", UNIT_PRICE), ("depth", "6"), ("limit", "5")];
    both.extend(collapsed_apps[..2].iter().map(|a| ("expand", a.as_str())));
    let (_, _, two) = get("/api/v1/graph", &both).await;
    assert_eq!(groups(&two), collapsed_apps[2..].to_vec());
    let message = error(
        "/api/v1/graph",
        &[("id", UNIT_PRICE), ("expand", UNIT_PRICE)],
        400,
    )
    .await;
    assert!(message.contains("expand"), "{message}");
    error(
        "/api/v1/graph",
        &[("id", UNIT_PRICE), ("expand", "app:nope")],
        404,
    )
    .await;
    error(
        "/api/v1/graph",
        &[("id", UNIT_PRICE), ("depth", "2"), ("depth", "3")],
        400,
    )
    .await;

    for (name, value) in [
        ("depth", "0"),
        ("depth", "13"),
        ("direction", "sideways"),
        ("level", "column"),
        ("limit", "5001"),
    ] {
        let message = error("/api/v1/graph", &[("id", UNIT_PRICE), (name, value)], 400).await;
        assert!(message.contains(name), "{message}");
    }
    error("/api/v1/graph", &[("id", "qvd:nope")], 404).await;
}

#[tokio::test]
async fn impact_groups_charts_and_sheets_by_app() {
    let (status, _, body) = get("/api/v1/impact", &[("id", UNIT_PRICE)]).await;
    assert_eq!(status, 200);
    assert_eq!(body["direction"], "downstream");
    let groups = body["groups"].as_array().unwrap();
    let dashboard = groups
        .iter()
        .find(|g| g["app"]["id"] == SALES_DASHBOARD)
        .expect("the dashboard is impacted");
    assert!(dashboard["charts"].as_u64().unwrap() > 0);
    let sheets: Vec<&str> = dashboard["sheets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(sheets.contains(&"Overview"), "{sheets:?}");
    for item in dashboard["items"].as_array().unwrap() {
        let path = item["path"].as_array().unwrap();
        assert_eq!(path.len() as u64, item["depth"].as_u64().unwrap());
        assert_eq!(path[0]["from"], UNIT_PRICE);
    }
    let (_, _, up) = get(
        "/api/v1/impact",
        &[("id", SALES_DASHBOARD), ("direction", "upstream")],
    )
    .await;
    let all: Vec<&str> = up["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| ids(&g["items"]))
        .collect();
    assert!(all.contains(&"db:salesdb/sales.dbo.orderlines"));
    error(
        "/api/v1/impact",
        &[("id", UNIT_PRICE), ("direction", "both")],
        400,
    )
    .await;
    error("/api/v1/impact", &[("id", UNIT_PRICE), ("depth", "0")], 400).await;
    error("/api/v1/impact", &[("id", "nope")], 404).await;
}

#[tokio::test]
async fn app_summary_lists_sources_downstream_apps_and_unresolved_items() {
    let (status, _, body) = get("/api/v1/app", &[("id", EXTRACT_ERP)]).await;
    assert_eq!(status, 200);
    assert_eq!(body["app"]["name"], "00 Extract ERP Sales");
    assert_eq!(ids(&body["sources"]["databases"]), ["db:salesdb"]);
    let downstream: Vec<&str> = body["downstream_apps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert!(downstream.contains(&"10 Transform Sales"), "{downstream:?}");
    assert!(downstream.contains(&"Sales Dashboard"), "{downstream:?}");
    // The unresolved count is the lineage's own, computed here independently.
    let apps =
        qlineage::lineage::discover(&[Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/site")])
            .unwrap();
    let lineage = qlineage::lineage::build(&apps, &Default::default()).unwrap();
    let expected = lineage
        .unresolved
        .iter()
        .filter(|u| u.app == EXTRACT_ERP)
        .count();
    assert_eq!(body["unresolved"], expected);
    let any_unresolved = lineage
        .unresolved
        .first()
        .expect("the demo has unresolved items");
    let (_, _, other) = get("/api/v1/app", &[("id", &any_unresolved.app)]).await;
    assert!(other["unresolved"].as_u64().unwrap() > 0);
    // The `app:` prefix is accepted too.
    let (status, _, _) = get("/api/v1/app", &[("id", SALES_DASHBOARD)]).await;
    assert_eq!(status, 200);
    error(
        "/api/v1/app",
        &[("id", "00000000-0000-0000-0000-000000000000")],
        404,
    )
    .await;
    error("/api/v1/app", &[("id", "db:salesdb")], 404).await;
    error("/api/v1/app", &[], 400).await;
}

#[tokio::test]
async fn source_serves_only_the_scripts_edges_name() {
    let (_, _, node) = get("/api/v1/node", &[("id", UNIT_PRICE)]).await;
    let span = node["outgoing"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|o| o["edge"]["span"].as_object())
        .unwrap()
        .clone();
    let file = span["file"].as_str().unwrap();
    let line = span["line"].as_u64().unwrap() as usize;
    let (status, _, body) = get(
        "/api/v1/source",
        &[
            ("file", file),
            ("line", &line.to_string()),
            ("context", "2"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let shown = body["lines"].as_array().unwrap();
    assert_eq!(shown.len(), 5);
    for l in shown {
        let n = l["line"].as_u64().unwrap() as usize;
        assert_eq!(l["text"], lines[n - 1]);
    }
    for other in [
        "Cargo.toml",
        "/etc/passwd",
        "corpus/site/site.json",
        "../corpus/site/apps/extract-erp-sales/script.qvs",
    ] {
        error("/api/v1/source", &[("file", other), ("line", "1")], 404).await;
    }
    error("/api/v1/source", &[("file", file), ("line", "0")], 400).await;
    error("/api/v1/source", &[("file", file), ("context", "51")], 400).await;
}

#[tokio::test]
async fn views_the_source_lacks_answer_501_not_fake_content() {
    let message = error("/api/v1/changes", &[], 501).await;
    assert!(
        message.contains("crawl history") && message.contains("--db"),
        "{message}"
    );
    error("/api/v1/preview", &[("id", "sheet:x/y")], 501).await;
    error("/api/v1/changes", &[("until", "x")], 400).await;
}

#[tokio::test]
async fn the_api_is_read_only_and_answers_unknown_paths_with_404() {
    for method in [
        reqwest::Method::POST,
        reqwest::Method::PUT,
        reqwest::Method::DELETE,
    ] {
        let response = client()
            .request(method, format!("{}/api/v1/summary", demo().base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 405);
        assert_eq!(response.headers()["allow"], "GET, HEAD");
    }
    error("/api/v2/summary", &[], 404).await;
    error("/etc/passwd", &[], 404).await;
    let response = client()
        .get(format!(
            "{}/api/v1/search?q={}",
            demo().base,
            "a".repeat(20_000)
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 414);
}

#[tokio::test]
async fn cors_is_granted_to_extension_origins_only() {
    let url = format!("{}/api/v1/summary", demo().base);
    for origin in [
        "chrome-extension://abcdefghijklmnopabcdefghijklmnop",
        "moz-extension://0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
    ] {
        let response = client()
            .get(&url)
            .header("origin", origin)
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["access-control-allow-origin"], origin);
    }
    for origin in [
        "https://evil.example",
        "null",
        "chrome-extension://a b",
        "chrome-extension://",
    ] {
        let response = client()
            .get(&url)
            .header("origin", origin)
            .send()
            .await
            .unwrap();
        assert!(
            response
                .headers()
                .get("access-control-allow-origin")
                .is_none(),
            "{origin}"
        );
    }
}

fn qlineage(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_qlineage"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn serve_refuses_remote_binds_without_allow_remote_and_a_catalog_it_lacks() {
    let out = qlineage(&["serve", "--bind", "0.0.0.0:0", "corpus/site"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--allow-remote"));
    let missing = tempfile::tempdir().unwrap();
    let db = missing.path().join("none.db");
    let out = qlineage(&["serve", "--db", db.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("none.db"),
        "a catalog that does not exist is named: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = qlineage(&["serve"]);
    assert_eq!(out.status.code(), Some(2), "no inputs is a usage error");
}

#[test]
fn the_html_file_inlines_everything_under_a_hash_policy() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("lineage.html");
    let out = qlineage(&[
        "lineage",
        "--format",
        "html",
        "-o",
        file.to_str().unwrap(),
        "tests/data/web/hostile-app",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(&file).unwrap();
    assert!(
        !html.contains("src=\"") && !html.contains("href=\"/"),
        "nothing loaded from elsewhere"
    );
    let csp_start = html.find("Content-Security-Policy\" content=\"").unwrap() + 34;
    let csp = &html[csp_start..csp_start + html[csp_start..].find('"').unwrap()];
    assert!(csp.starts_with("default-src 'none'") && !csp.contains("unsafe"));
    // Every executable script is allowed by its hash, and nothing else is.
    let mut rest = html.as_str();
    let mut scripts = 0;
    while let Some(i) = rest.find("<script>") {
        let body = &rest[i + 8..];
        let end = body.find("</script>").unwrap();
        let hash = base64::engine::general_purpose::STANDARD
            .encode(Sha256::digest(&body.as_bytes()[..end]));
        assert!(csp.contains(&format!("'sha256-{hash}'")));
        scripts += 1;
        rest = &body[end..];
    }
    assert_eq!(scripts, 4);
    // The hostile names stay inside the data block.
    let data_start = html
        .find("<script type=\"application/json\" id=\"qlineage-data\">")
        .unwrap();
    let data = &html[data_start..];
    let data = &data[data.find('>').unwrap() + 1..data.find("</script>").unwrap()];
    let parsed: Value = serde_json::from_str(data).unwrap();
    assert!(parsed["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["name"] == "<img src=x onerror=window.__pwned=4>"));
    assert_eq!(
        html.matches("</script>").count(),
        5,
        "one end per script element, none from the data"
    );
}
