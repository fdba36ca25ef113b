//! The explorer in a real browser: Debian's Chromium, headless, driven by playwright-core
//! (`tests/web/explorer.cjs`). On the demo estate: search a database column, walk upstream and
//! downstream, expand a table's fields, open the impact view, check the key nodes are drawn;
//! the same on the self-contained HTML file; then a site whose names are markup and script,
//! checking nothing runs. Screenshots go to `<CARGO_TARGET_TMPDIR>/web-shots/`.
//!
//! A second test loads the unpacked extension (`extension/`, `tests/web/extension.cjs`), sets
//! its server address on its options page, and opens the simulator's app and hub pages behind
//! the header-authenticated virtual proxy: the badge must show the app's counts from the API.
//!
//! Large neighbourhoods: ~2,000 nodes drawn clustered by app (figures for draw time and pan
//! frame rate printed), and one over the collapse limit where clicking a collapsed app expands
//! it in place, over `qlineage serve` and in the self-contained file (`large.cjs`,
//! `collapse.cjs`).
//!
//! Firefox: Mozilla's `web-ext lint` on `extension/`, and `firefox.cjs` (puppeteer-core over
//! WebDriver BiDi) runs the explorer and the extension's badge in Debian's firefox-esr.
//!
//! Needs `chromium` (or `QLINEAGE_CHROMIUM`), `firefox-esr` (or `QLINEAGE_FIREFOX`), Node.js
//! and npm (`.ci/run` installs them). On a developer machine without them the test says so and
//! passes; with `CI=true` it fails.

#[path = "support/serve.rs"]
mod serve;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

/// One Chromium at a time: the machine's cores are shared.
static BROWSER: Mutex<()> = Mutex::new(());

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn works(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The browser and tools, or None (with the reason printed) when a developer machine lacks
/// them; in CI a missing tool is a failure, never a skip.
fn tools() -> Option<PathBuf> {
    let chromium = std::env::var_os("QLINEAGE_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    let mut missing = Vec::new();
    if !chromium.is_file() {
        missing.push(format!("Chromium at {}", chromium.display()));
    }
    for tool in ["node", "npm"] {
        if !works(tool) {
            missing.push(tool.to_string());
        }
    }
    if missing.is_empty() {
        return Some(chromium);
    }
    let message = format!(
        "browser test needs {} (apt-get install chromium nodejs npm; .ci/run installs them)",
        missing.join(", ")
    );
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{message}");
    }
    eprintln!("notice: skipped: {message}");
    None
}

/// playwright-core installed once into `<CARGO_TARGET_TMPDIR>/web-node/` from
/// `tests/web/package.json` (reinstalled when that file changes).
fn node_modules() -> PathBuf {
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("web-node");
    fs::create_dir_all(&cache).unwrap();
    let package = fs::read(manifest_dir().join("tests/web/package.json")).unwrap();
    let stamp = cache.join(".installed-package.json");
    if cache
        .join("node_modules/playwright-core/package.json")
        .is_file()
        && fs::read(&stamp).ok().as_deref() == Some(package.as_slice())
    {
        return cache;
    }
    fs::write(cache.join("package.json"), &package).unwrap();
    let out = Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--silent"])
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
        .current_dir(&cache)
        .stdin(Stdio::null())
        .output()
        .expect("npm runs");
    assert!(
        out.status.success(),
        "npm install playwright-core in {} failed:\n{}{}",
        cache.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    fs::write(&stamp, &package).unwrap();
    cache
}

fn html_file(input: &str, out: &Path) {
    let status = Command::new(env!("CARGO_BIN_EXE_qlineage"))
        .current_dir(manifest_dir())
        .args(["lineage", "--format", "html", "-o"])
        .arg(out)
        .arg(input)
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "lineage --format html {input}");
}

#[test]
fn the_explorer_works_in_chromium() {
    let Some(chromium) = tools() else {
        return;
    };
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let (cache, shots) = staged("explorer.cjs");
    let demo = serve::serve(&["corpus/site"]);
    let hostile = serve::serve(&["tests/data/web/hostile-app"]);
    let demo_html = shots.join("demo.html");
    let hostile_html = shots.join("hostile.html");
    html_file("corpus/site", &demo_html);
    html_file("tests/data/web/hostile-app", &hostile_html);
    // A catalog, as the demo writes it, for the views only a catalog has.
    let demo_dir = tempfile::tempdir().unwrap();
    let made = Command::new(env!("CARGO_BIN_EXE_qlineage"))
        .args(["demo", "--out"])
        .arg(demo_dir.path())
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(made.success(), "qlineage demo");
    let lineage: serde_json::Value =
        serde_json::from_slice(&fs::read(demo_dir.path().join("lineage.json")).unwrap()).unwrap();
    let sheet = lineage["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["id"].as_str())
        .find(|id| id.starts_with("sheet:"))
        .expect("the demo has sheets")
        .to_string();
    let db = demo_dir.path().join("catalog.db");
    let catalog = serve::serve(&["--db", db.to_str().unwrap()]);
    let config = serde_json::json!({
        "chromium": chromium,
        "demo": demo.base,
        "hostile": hostile.base,
        "catalog": catalog.base,
        "catalog_sheet": sheet,
        "demo_html": demo_html,
        "hostile_html": hostile_html,
        "shots": shots,
    });
    run_node(&cache, "explorer.cjs", &shots, &config);
}

/// The Node.js folder with `tests/web/<script>` and the helpers it requires copied in, and the
/// screenshot folder.
fn staged(script: &str) -> (PathBuf, PathBuf) {
    let cache = node_modules();
    for file in [script, "common.cjs"] {
        fs::copy(
            manifest_dir().join("tests/web").join(file),
            cache.join(file),
        )
        .unwrap();
    }
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("web-shots");
    fs::create_dir_all(&shots).unwrap();
    (cache, shots)
}

/// What the extension's badge must show for an app, from the API's answer about it.
fn badge_counts(app: &serde_json::Value) -> serde_json::Value {
    let count = |v: &serde_json::Value| v.as_array().unwrap().len();
    serde_json::json!({
        "name": app["app"]["name"],
        "databases": count(&app["sources"]["databases"]),
        "files": count(&app["sources"]["files"]),
        "qvds": count(&app["sources"]["qvds"]),
        "downstream": count(&app["downstream_apps"]),
        "unresolved": app["unresolved"],
    })
}

/// Runs a script of `tests/web/` under Node.js with `config` (written beside the screenshots
/// as `<script>.json`); it must end with `done`.
fn run_node(cache: &Path, script: &str, shots: &Path, config: &serde_json::Value) {
    let config_file = shots.join(format!("{script}.json"));
    fs::write(&config_file, config.to_string()).unwrap();
    let out = Command::new("node")
        .arg(cache.join(script))
        .arg(&config_file)
        .current_dir(cache)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("{stdout}");
    assert!(
        out.status.success() && stdout.trim_end().ends_with("done"),
        "{script} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `qlineage simulate --print-config` on the demo site: the process and its config line.
fn simulate(certs: &Path) -> (Simulated, serde_json::Value) {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_qlineage"))
        .current_dir(manifest_dir())
        .args([
            "simulate",
            "--site",
            "corpus/site",
            "--print-config",
            "--certs",
        ])
        .arg(certs)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    let config = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
    (Simulated(child), config)
}

struct Simulated(std::process::Child);

impl Drop for Simulated {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_extension_shows_the_badge_on_simulated_qlik_pages() {
    const APP: &str = "815cee8e-72c1-5a0c-869a-75de4e928f04";
    const SHEET: &str = "435a181a-9840-5d9c-8a8d-85eee4d95bd0";
    let Some(chromium) = tools() else {
        return;
    };
    let (cache, shots) = staged("extension.cjs");
    let served = serve::serve(&["corpus/site"]);
    let client = reqwest::Client::new();
    let get = |path: String| {
        let client = client.clone();
        async move {
            let response = client.get(path).send().await.unwrap();
            assert_eq!(response.status(), 200);
            response.json::<serde_json::Value>().await.unwrap()
        }
    };
    let app = get(format!("{}/api/v1/app?id={APP}", served.base)).await;
    let summary = get(format!("{}/api/v1/summary", served.base)).await;
    // The sheet the page names is a node of the explorer (the badge links to it).
    get(format!(
        "{}/api/v1/node?id=sheet:{APP}/{SHEET}",
        served.base
    ))
    .await;
    let expected = badge_counts(&app);
    assert!(
        expected["qvds"].as_u64().unwrap() > 0,
        "the dashboard reads QVDs"
    );
    // Taken after the awaits above (a std guard must not be held across them).
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let certs = tempfile::tempdir().unwrap();
    let (_sim, sim) = simulate(certs.path());
    let config = serde_json::json!({
        "chromium": chromium,
        "extension": manifest_dir().join("extension"),
        "serve": served.base,
        "proxy": sim["proxy_url"],
        "prefix": sim["header_prefix"],
        "header_name": sim["header_name"],
        "header_user": "ana",
        "app": APP,
        "sheet": SHEET,
        "apps": summary["apps"],
        "expected": expected,
        "shots": shots,
    });
    run_node(&cache, "extension.cjs", &shots, &config);
}

/// A synthetic estate: one QVD read by `apps` apps, each drawing `charts` charts from it.
fn large_lineage(apps: usize, charts: usize) -> qlineage::lineage::LineageGraph {
    use qlineage::lineage::{Certainty, Edge, EdgeKind, Graph, LineageGraph, Node, NodeKind};
    let mut graph = Graph::default();
    let node = |id: String, kind: NodeKind, name: String| Node {
        id,
        kind,
        name,
        attrs: Default::default(),
    };
    let edge = |kind| Edge::new(kind, Certainty::Resolved);
    let qvd = "qvd://nas/qvd/big.qvd".to_string();
    graph.add_node(node(qvd.clone(), NodeKind::Qvd, "big.qvd".into()));
    graph.add_node(node(
        format!("{qvd}/field/Amount"),
        NodeKind::QvdField,
        "Amount".into(),
    ));
    graph.add_edge(
        &qvd,
        &format!("{qvd}/field/Amount"),
        edge(EdgeKind::Contains),
    );
    for a in 0..apps {
        let app = format!("app:a{a}");
        let table = format!("{app}/table/Facts");
        let field = format!("{table}/field/Amount");
        graph.add_node(node(app.clone(), NodeKind::App, format!("App {a}")));
        graph.add_node(node(table.clone(), NodeKind::AppTable, "Facts".into()));
        graph.add_node(node(field.clone(), NodeKind::AppField, "Amount".into()));
        graph.add_edge(&app, &table, edge(EdgeKind::Contains));
        graph.add_edge(&table, &field, edge(EdgeKind::Contains));
        graph.add_edge(&qvd, &table, edge(EdgeKind::Reads));
        graph.add_edge(
            &format!("{qvd}/field/Amount"),
            &field,
            edge(EdgeKind::Derives),
        );
        for c in 0..charts {
            let object = format!("object:a{a}/c{c}");
            let measure = format!("{object}/measure/0");
            graph.add_node(node(
                object.clone(),
                NodeKind::VisualObject,
                format!("Chart {a}.{c}"),
            ));
            graph.add_node(node(
                measure.clone(),
                NodeKind::ChartMeasure,
                "Sum(Amount)".into(),
            ));
            graph.add_edge(&app, &object, edge(EdgeKind::Contains));
            graph.add_edge(&object, &measure, edge(EdgeKind::Contains));
            graph.add_edge(&field, &measure, edge(EdgeKind::Derives));
            graph.add_edge(&measure, &object, edge(EdgeKind::Derives));
        }
    }
    LineageGraph {
        graph,
        apps,
        ..Default::default()
    }
}

#[test]
fn a_large_neighbourhood_is_drawn_and_pans() {
    let Some(chromium) = tools() else {
        return;
    };
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let (cache, shots) = staged("large.cjs");
    // 95 apps × 20 charts: 1,996 nodes at table level (the QVD, 95 tables, 1,900 charts), just
    // under the 2,000 beyond which other apps collapse.
    let explorer = qlineage::web::Explorer::from_lineage(large_lineage(95, 20));
    let html = shots.join("large.html");
    fs::write(&html, qlineage::web::html_file::render(&explorer)).unwrap();
    let config = serde_json::json!({
        "chromium": chromium,
        "html": html,
        "centre": "qvd://nas/qvd/big.qvd",
        "expected_nodes": 1996,
        "apps": 95,
        "per_app": 21,
        "shot": shots.join("large.png"),
    });
    run_node(&cache, "large.cjs", &shots, &config);
}

/// `qlineage serve` in this process, on a thread of its own, over an explorer the test built
/// (the server lives until the test process ends).
fn serve_explorer(explorer: qlineage::web::Explorer) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            qlineage::web::server::serve(listener, std::sync::Arc::new(explorer)).await;
        });
    });
    base
}

#[test]
fn a_big_neighbourhood_collapses_by_app_and_expands_in_place() {
    let Some(chromium) = tools() else {
        return;
    };
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let (cache, shots) = staged("collapse.cjs");
    // 100 apps × 20 charts: 2,101 nodes from the QVD, over the 2,000 limit: collapsed by app.
    let html = shots.join("collapse.html");
    fs::write(
        &html,
        qlineage::web::html_file::render(&qlineage::web::Explorer::from_lineage(large_lineage(
            100, 20,
        ))),
    )
    .unwrap();
    let base = serve_explorer(qlineage::web::Explorer::from_lineage(large_lineage(
        100, 20,
    )));
    let config = serde_json::json!({
        "chromium": chromium,
        "targets": [
            {"name": "serve", "url": format!("{base}/")},
            {"name": "html-file", "url": format!("file://{}", html.display())},
        ],
        "centre": "qvd://nas/qvd/big.qvd",
        "apps": 100,
        "open": "app:a7",
        // The app's table and its 20 charts.
        "open_nodes": 21,
        "shots": shots,
    });
    run_node(&cache, "collapse.cjs", &shots, &config);
}

/// Debian's firefox-esr (or `QLINEAGE_FIREFOX`), or None (with the reason printed) on a
/// developer machine without it; in CI a missing Firefox is a failure.
fn firefox() -> Option<PathBuf> {
    let firefox = std::env::var_os("QLINEAGE_FIREFOX")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/firefox-esr"));
    if firefox.is_file() {
        return Some(firefox);
    }
    let message = format!(
        "Firefox test needs Firefox at {} (apt-get install firefox-esr; .ci/run installs it)",
        firefox.display()
    );
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{message}");
    }
    eprintln!("notice: skipped: {message}");
    None
}

/// Mozilla's official validator of Firefox extensions (`web-ext lint`, npm `web-ext`) on
/// `extension/`: no error, and no warning but the one a cross-browser manifest must carry
/// (`background.service_worker`, which Chromium needs and Firefox ignores for `scripts`).
#[test]
fn the_extension_passes_mozillas_web_ext_lint() {
    if tools().is_none() {
        return;
    }
    let cache = node_modules();
    let out = Command::new(cache.join("node_modules/.bin/web-ext"))
        .args(["lint", "--output", "json", "--no-input", "--source-dir"])
        .arg(manifest_dir().join("extension"))
        .current_dir(&cache)
        .stdin(Stdio::null())
        .output()
        .expect("web-ext runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "web-ext lint gave no JSON ({e}):\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let codes = |key: &str| -> Vec<String> {
        report[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| format!("{}: {}", m["code"], m["message"]))
            .collect()
    };
    assert_eq!(report["summary"]["errors"], 0, "{:?}", codes("errors"));
    let warnings = codes("warnings");
    assert!(
        warnings
            .iter()
            .all(|w| w.starts_with("\"BACKGROUND_SERVICE_WORKER_IGNORED\"")),
        "{warnings:?}"
    );
    assert_eq!(report["metadata"]["manifestVersion"], 3);
    assert!(
        out.status.success(),
        "web-ext lint exit status {}",
        out.status
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_explorer_and_the_extension_work_in_firefox() {
    const APP: &str = "815cee8e-72c1-5a0c-869a-75de4e928f04";
    const SHEET: &str = "435a181a-9840-5d9c-8a8d-85eee4d95bd0";
    if tools().is_none() {
        return;
    }
    let Some(firefox) = firefox() else {
        return;
    };
    let (cache, shots) = staged("firefox.cjs");
    let served = serve::serve(&["corpus/site"]);
    let app: serde_json::Value = reqwest::get(format!("{}/api/v1/app?id={APP}", served.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let expected = badge_counts(&app);
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(manifest_dir().join("extension/manifest.json")).unwrap())
            .unwrap();
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let certs = tempfile::tempdir().unwrap();
    let (_sim, sim) = simulate(certs.path());
    let config = serde_json::json!({
        "firefox": firefox,
        "serve": served.base,
        "query": "UnitPrice",
        "column": "db:salesdb/sales.dbo.orderlines.unitprice",
        "table": "db:salesdb/sales.dbo.orderlines",
        "qvd_suffix": "orderlines.qvd",
        "chart_prefix": format!("object:{APP}"),
        "extension": manifest_dir().join("extension"),
        "extension_id": manifest["browser_specific_settings"]["gecko"]["id"],
        "proxy": sim["proxy_url"],
        "prefix": sim["header_prefix"],
        "header_name": sim["header_name"],
        "header_user": "ana",
        "app": APP,
        "sheet": SHEET,
        "expected": expected,
        "shots": shots,
    });
    run_node(&cache, "firefox.cjs", &shots, &config);
}
