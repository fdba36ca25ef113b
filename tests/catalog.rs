//! The catalog end to end through the binary and the library: a snapshot imported and
//! exported as records (CSV read back by Python's csv module), lineage built from the
//! catalog equal to lineage built from the folder, manual lineage surviving re-imports, files
//! that are not catalogs refused untouched, a schema-1 catalog migrated after a backup, and a
//! crawl killed with SIGKILL (integrity, no half-written app, a second writer refused, the
//! next crawl completing).

#[path = "support/sim.rs"]
mod sim;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use qlineage::catalog::{schema, Catalog, CatalogError};

fn qlineage(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_qlineage"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn site() -> PathBuf {
    sim::site_dir()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn import(db: &Path) {
    let out = qlineage(&["catalog", "import", "--db", s(db), s(&site())]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn object_files(kind: &str) -> usize {
    let mut n = 0;
    for app in std::fs::read_dir(site().join("apps")).unwrap() {
        let dir = app.unwrap().path().join("objects");
        for f in std::fs::read_dir(dir).into_iter().flatten() {
            let v: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(f.unwrap().path()).unwrap()).unwrap();
            n += usize::from(v["qProperty"]["qInfo"]["qType"] == kind);
        }
    }
    n
}

#[test]
fn a_snapshot_imports_and_exports_as_catalog_records() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("catalog.db");
    import(&db);
    let apps = std::fs::read_dir(site().join("apps")).unwrap().count();
    let site_json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(site().join("site.json")).unwrap()).unwrap();
    let streams = site_json["streams"].as_array().unwrap().len();

    let out = qlineage(&["export", "--db", s(&db), "--format", "jsonl"]);
    assert_eq!(out.status.code(), Some(0));
    let records: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let count = |kind: &str, ty: &str| {
        records
            .iter()
            .filter(|r| r["kind"] == kind && r["type"] == ty)
            .count()
    };
    assert_eq!(count("report_group", "stream"), streams);
    assert_eq!(count("report_group", "app"), apps);
    assert_eq!(count("report", "app"), apps);
    assert_eq!(count("report", "sheet"), object_files("sheet"));
    assert_eq!(count("report_field", "measure"), object_files("measure"));
    assert_eq!(
        count("report_field", "dimension"),
        object_files("dimension")
    );
    assert_eq!(count("report_field", "variable"), object_files("variable"));
    assert_eq!(count("source_code", "load_script"), apps);
    // A chart is a report of its visualization type, inside its sheet.
    let bar = records
        .iter()
        .find(|r| r["kind"] == "report" && r["type"] == "barchart")
        .expect("a bar chart");
    let sheet = bar["parent_id"].as_str().unwrap();
    assert!(records
        .iter()
        .any(|r| r["type"] == "sheet" && r["id"] == sheet));
    // A measure carries its formula.
    let net = records
        .iter()
        .find(|r| r["type"] == "measure" && r["name"] == "Net Sales")
        .expect("the Net Sales measure");
    assert!(net["formula"].as_str().unwrap().contains("Sum("), "{net}");

    // CSV: one header, the same records, read back by an independent parser.
    let csv = dir.path().join("records.csv");
    let out = qlineage(&[
        "export",
        "--db",
        s(&db),
        "--format",
        "csv",
        "--kind",
        "report-field",
        "-o",
        s(&csv),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let py = Command::new("python3")
        .args([
            "-c",
            "import csv,sys,json; rows=list(csv.DictReader(open(sys.argv[1], newline=''))); print(json.dumps(rows))",
            s(&csv),
        ])
        .output()
        .expect("python3 (installed by .ci/run)");
    assert!(
        py.status.success(),
        "{}",
        String::from_utf8_lossy(&py.stderr)
    );
    let rows: Vec<serde_json::Map<String, serde_json::Value>> =
        serde_json::from_slice(&py.stdout).unwrap();
    let fields = records
        .iter()
        .filter(|r| r["kind"] == "report_field")
        .count();
    assert_eq!(rows.len(), fields);
    assert!(rows.iter().all(|r| r["kind"] == "report_field"));
    let dim = rows
        .iter()
        .find(|r| r["formula"].as_str().unwrap().contains('\n'))
        .expect("a drill-down dimension: several fields, one per line, quoted");
    assert_eq!(dim["type"], "dimension");
}

#[test]
fn sheets_come_back_with_their_grid_and_objects() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("catalog.db");
    import(&db);
    let catalog = Catalog::open_read_only(&db).unwrap();
    let dash = "815cee8e-72c1-5a0c-869a-75de4e928f04";
    let sheets = catalog.sheets(dash).unwrap();
    let file: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(site().join("apps/sales-dashboard/objects/sheet-overview.json"))
            .unwrap(),
    )
    .unwrap();
    let overview = sheets
        .iter()
        .find(|s| s.id == file["qProperty"]["qInfo"]["qId"])
        .unwrap();
    let cells = file["qProperty"]["cells"].as_array().unwrap();
    assert_eq!(overview.cells.len(), cells.len());
    for c in cells {
        let got = overview
            .cells
            .iter()
            .find(|g| g.object_id == c["name"])
            .unwrap();
        assert_eq!(got.col, c["col"].as_i64());
        assert_eq!(got.row, c["row"].as_i64());
        assert_eq!(got.colspan, c["colspan"].as_i64());
        assert_eq!(got.rowspan, c["rowspan"].as_i64());
        let object = got
            .object
            .as_ref()
            .expect("the cell's object is in the sheet");
        assert_eq!(object.kind, c["type"].as_str().unwrap());
    }
    // The snapshot's QVDs are catalogued by header, under their lib:// path.
    let qvds = catalog.qvd_headers().unwrap();
    let on_disk = walk_count(&site().join("files"), "qvd");
    assert!(on_disk > 5);
    assert_eq!(qvds.len(), on_disk);
    let orders = qvds
        .iter()
        .find(|q| q.path == "lib://QVD/Extract/Orders.qvd")
        .expect("Orders.qvd");
    assert!(!orders.fields.is_empty() && orders.rows.is_some_and(|r| r > 0));
    let line = overview
        .cells
        .iter()
        .filter_map(|c| c.object.as_ref())
        .find(|o| o.visualization.as_deref() == Some("linechart"))
        .unwrap();
    assert!(!line.dimensions.is_empty() && !line.measures.is_empty());
}

fn walk_count(dir: &Path, ext: &str) -> usize {
    let mut n = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            n += walk_count(&p, ext);
        } else if p.extension().is_some_and(|x| x.eq_ignore_ascii_case(ext)) {
            n += 1;
        }
    }
    n
}

fn graph_sets(json: &[u8]) -> (BTreeSet<String>, BTreeSet<(String, String, String)>) {
    let v: serde_json::Value = serde_json::from_slice(json).unwrap();
    let nodes = v["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect();
    let edges = v["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["from"].as_str().unwrap().to_owned(),
                e["to"].as_str().unwrap().to_owned(),
                e["kind"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    (nodes, edges)
}

#[test]
fn lineage_from_the_catalog_equals_lineage_from_the_folder_and_keeps_manual_edges() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("catalog.db");
    import(&db);
    let folder = qlineage(&["lineage", s(&site())]);
    assert!(folder.status.code().is_some_and(|c| c <= 1));
    let from_db = qlineage(&["lineage", "--db", s(&db)]);
    assert!(
        from_db.status.code().is_some_and(|c| c <= 1),
        "{}",
        String::from_utf8_lossy(&from_db.stderr)
    );
    let (folder_nodes, folder_edges) = graph_sets(&folder.stdout);
    let (db_nodes, db_edges) = graph_sets(&from_db.stdout);
    assert!(folder_nodes.len() > 500);
    assert_eq!(folder_nodes, db_nodes);
    assert_eq!(folder_edges, db_edges);
    assert!(!String::from_utf8_lossy(&from_db.stdout).contains("qlineage-catalog-"));

    // Manual lineage: stored with who and when, applied, kept across a re-import.
    let qvd = db_nodes
        .iter()
        .find(|n| n.starts_with("qvd:") && n.to_lowercase().contains("salesfact"))
        .expect("the SalesFact QVD")
        .clone();
    let out = qlineage(&[
        "manual",
        "add",
        "--db",
        s(&db),
        "--from",
        &qvd,
        "--to",
        "ext:powerbi/sales",
        "--to-name",
        "Sales (Power BI)",
        "--note",
        "nightly import",
        "--by",
        "DEMO\\ana",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    import(&db);
    let list = qlineage(&["manual", "list", "--db", s(&db), "--format", "json"]);
    let edges: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(edges.as_array().unwrap().len(), 1);
    assert_eq!(edges[0]["added_by"], "DEMO\\ana");
    let rebuilt = qlineage(&["lineage", "--db", s(&db)]);
    let (nodes, edges) = graph_sets(&rebuilt.stdout);
    assert!(nodes.contains("ext:powerbi/sales"));
    assert!(edges.contains(&(qvd.clone(), "ext:powerbi/sales".into(), "derives".into())));
    // Impact from the catalog's graph reaches the manual node.
    let catalog = Catalog::open_read_only(&db).unwrap();
    let graph = catalog.lineage_graph().unwrap().expect("a build is stored");
    assert!(graph.graph.contains("ext:powerbi/sales"));
    drop(catalog);
    let id = edges_id(&db);
    let out = qlineage(&["manual", "remove", "--db", s(&db), &id.to_string()]);
    assert_eq!(out.status.code(), Some(0));
    let out = qlineage(&["manual", "remove", "--db", s(&db), &id.to_string()]);
    assert_eq!(out.status.code(), Some(2));
}

fn edges_id(db: &Path) -> i64 {
    Catalog::open_read_only(db).unwrap().manual_list().unwrap()[0].id
}

#[test]
fn files_that_are_not_current_catalogs_are_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let check = |path: &Path, needle: &str| {
        let before = std::fs::read(path).unwrap();
        let out = qlineage(&["catalog", "import", "--db", s(path), s(&site())]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(s(path)), "names the file: {err}");
        assert!(err.contains(needle), "{needle} in: {err}");
        assert_eq!(std::fs::read(path).unwrap(), before, "left untouched");
        let baks = std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .ends_with(".bak")
            })
            .count();
        assert_eq!(baks, 0);
    };
    let text = dir.path().join("notes.db");
    std::fs::write(&text, "not a database at all").unwrap();
    check(&text, "not an SQLite database");

    let newer = dir.path().join("newer.db");
    import(&newer);
    let conn = rusqlite::Connection::open(&newer).unwrap();
    conn.pragma_update(None, "user_version", schema::LATEST + 7)
        .unwrap();
    drop(conn);
    check(&newer, &format!("schema version {}", schema::LATEST + 7));

    let other = dir.path().join("other.db");
    let conn = rusqlite::Connection::open(&other).unwrap();
    conn.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);")
        .unwrap();
    drop(conn);
    check(&other, "not a qlineage catalog");

    let corrupt = dir.path().join("corrupt.db");
    import(&corrupt);
    let mut bytes = std::fs::read(&corrupt).unwrap();
    assert!(bytes.len() > 3 * 4096);
    for b in &mut bytes[4096..3 * 4096] {
        *b = 0xA5;
    }
    std::fs::write(&corrupt, &bytes).unwrap();
    check(&corrupt, "corrupt");
}

#[test]
fn a_schema_1_catalog_is_migrated_after_a_backup() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("old.db");
    let sql = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/catalog-v1.sql"),
    )
    .unwrap();
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch(&sql)
        .unwrap();
    let original = std::fs::read(&db).unwrap();

    // Read-only use says it needs migrating and changes nothing.
    let err = Catalog::open_read_only(&db).unwrap_err();
    assert!(
        matches!(err, CatalogError::Outdated { found: 1, .. }),
        "{err}"
    );
    assert_eq!(std::fs::read(&db).unwrap(), original);

    let catalog = Catalog::open(&db).unwrap();
    assert_eq!(catalog.schema_version().unwrap(), schema::LATEST);
    let backup = dir.path().join("old.db.v1.bak");
    let kept = rusqlite::Connection::open(&backup).unwrap();
    let version: i64 = kept
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 1, "the backup is the catalog as it was");
    let apps: i64 = kept
        .query_row("SELECT count(*) FROM app", [], |r| r.get(0))
        .unwrap();
    assert_eq!(apps, 1);
    drop(kept);
    // What version 1 stored reads with today's code.
    let finance = catalog
        .app("7d74ded6-2424-5da8-866f-4038887697ea")
        .unwrap()
        .expect("the app schema 1 stored");
    assert_eq!(finance.name, "Finance P&L");
    assert!(!catalog.sheets(&finance.id).unwrap().is_empty());
    drop(catalog);
    // And the migrated catalog takes new runs: a re-import finds the same app unchanged.
    import(&db);
    let catalog = Catalog::open_read_only(&db).unwrap();
    let changes = catalog.changes(None).unwrap();
    assert!(changes
        .items
        .iter()
        .all(|c| c.app_id != finance.id || c.change == "reloaded"));
    assert_eq!(catalog.apps().unwrap().len(), 13);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_crawl_leaves_whole_apps_and_the_next_one_completes() {
    let sim = sim::start_with(qlineage::simulate::faults::Faults {
        slow_open_doc_ms: 300,
        ..Default::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("site.toml");
    sim.running
        .write_crawl_config(&config, "certificate")
        .unwrap();
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("\n[limits]\nconcurrency = 1\n");
    std::fs::write(&config, text).unwrap();
    let db = dir.path().join("catalog.db");

    let mut child = Command::new(env!("CARGO_BIN_EXE_qlineage"))
        .args([
            "crawl",
            "--config",
            s(&config),
            "--db",
            s(&db),
            "--no-lineage",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until a few apps are committed.
    let stored = |db: &Path| -> i64 {
        Catalog::open_read_only(db)
            .ok()
            .and_then(|c| {
                c.connection()
                    .query_row("SELECT count(*) FROM app", [], |r| r.get(0))
                    .ok()
            })
            .unwrap_or(0)
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while stored(&db) < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "the crawl stores apps"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the crawl is still running"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    // A second crawl on the same catalog is refused while the first runs.
    let second = tokio::task::spawn_blocking({
        let (config, db) = (config.clone(), db.clone());
        move || {
            Command::new(env!("CARGO_BIN_EXE_qlineage"))
                .args(["crawl", "--config", s(&config), "--db", s(&db)])
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    let err = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(2), "{err}");
    assert!(
        err.contains("another crawl or import is writing this catalog"),
        "{err}"
    );
    assert!(err.contains(&format!("process {}", child.id())), "{err}");

    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    let conn = rusqlite::Connection::open(&db).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let (apps, whole): (i64, i64) = conn
        .query_row(
            "SELECT count(*), sum(EXISTS (SELECT 1 FROM script s WHERE s.app = a.rowid)
                 AND EXISTS (SELECT 1 FROM app_files f WHERE f.app = a.rowid)
                 AND EXISTS (SELECT 1 FROM crawl_status c WHERE c.app_id = a.id AND c.status = 'read'))
             FROM app a",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!((2..13).contains(&apps), "killed mid-crawl: {apps} apps");
    assert_eq!(apps, whole, "every stored app is complete");
    let objects_without_app: i64 = conn
        .query_row(
            "SELECT count(*) FROM object o WHERE NOT EXISTS (SELECT 1 FROM app a WHERE a.rowid = o.app)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(objects_without_app, 0);
    drop(conn);

    // The next crawl completes; the killed run is marked interrupted.
    let config = qlineage::crawl::Config::load(&config).unwrap();
    let report = qlineage::catalog::crawl_run::crawl_to_catalog(
        &config,
        &db,
        None,
        false,
        Arc::new(AtomicBool::new(false)),
        &|_| {},
    )
    .await
    .unwrap();
    assert!(report.summary.failed.is_empty());
    assert_eq!(
        report.kind, "full",
        "no crawl had finished, so nothing to compare against"
    );
    let catalog = Catalog::open_read_only(&db).unwrap();
    assert_eq!(catalog.apps().unwrap().len(), 13);
    let runs = catalog.runs().unwrap();
    assert_eq!(runs[0].status, "interrupted");
    assert_eq!(runs[1].status, "ok");
    drop(catalog);

    // The command line's crawl, now delta: nothing changed, no app opened, lineage rebuilt.
    let config_path = dir.path().join("site.toml");
    let out = tokio::task::spawn_blocking(move || {
        qlineage(&[
            "crawl",
            "--config",
            s(&config_path),
            "--db",
            s(&db),
            "--format",
            "json",
        ])
    })
    .await
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["kind"], "delta");
    assert_eq!(report["engine_sessions"], 0);
    assert_eq!(report["unchanged"].as_array().unwrap().len(), 13);
    let db = dir.path().join("catalog.db");
    let catalog = Catalog::open_read_only(&db).unwrap();
    let graph = catalog
        .lineage_graph()
        .unwrap()
        .expect("lineage rebuilt after the crawl");
    assert_eq!(graph.apps, 13);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn changes_report_lineage_that_broke() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("site");
    copy_dir(&site(), &copy);
    let db = dir.path().join("catalog.db");
    let run = |args: &[&str]| {
        let out = qlineage(args);
        assert!(
            out.status.code().is_some_and(|c| c <= 1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    };
    run(&["catalog", "import", "--db", s(&db), s(&copy)]);
    run(&[
        "lineage",
        "--db",
        s(&db),
        "-o",
        s(&dir.path().join("l.json")),
    ]);
    let before = qlineage(&["changes", "--db", s(&db), "--format", "json"]);
    let before: serde_json::Value = serde_json::from_slice(&before.stdout).unwrap();
    let broken_before = before["broken"]
        .as_array()
        .expect("lineage was built")
        .len();

    // The warehouse extract goes away (nobody writes its QVDs any more) and a KPI now uses
    // a field no load produces.
    std::fs::remove_dir_all(copy.join("apps/extract-warehouse")).unwrap();
    let sheet = copy.join("apps/sales-dashboard/objects/sheet-overview.json");
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sheet).unwrap()).unwrap();
    let kpi = v["qChildren"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|c| c["qProperty"]["qInfo"]["qId"] == "bqs24Ga")
        .unwrap();
    kpi["qProperty"]["qHyperCubeDef"]["qMeasures"] = serde_json::json!([
        {"qDef": {"qDef": "Count(DISTINCT RetiredOrderKey)", "qLabel": "Orders"}}
    ]);
    std::fs::write(&sheet, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    run(&["catalog", "import", "--db", s(&db), s(&copy)]);
    run(&[
        "lineage",
        "--db",
        s(&db),
        "-o",
        s(&dir.path().join("l.json")),
    ]);

    let out = qlineage(&["changes", "--db", s(&db), "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "newly broken lineage is exit 1");
    let after: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let broken = after["broken"].as_array().unwrap();
    let new: Vec<&serde_json::Value> = broken.iter().filter(|b| b["new"] == true).collect();
    assert!(broken.len() > broken_before);
    assert!(
        new.iter().any(|b| b["kind"] == "qvd-no-writer"
            && b["nodes"][0]
                .as_str()
                .unwrap()
                .to_lowercase()
                .contains("warehouses")),
        "{new:#?}"
    );
    assert!(
        new.iter().any(|b| b["kind"] == "chart-field"
            && b["message"].as_str().unwrap().contains("RetiredOrderKey")),
        "{new:#?}"
    );
    let items = after["items"].as_array().unwrap();
    assert!(items.iter().any(|c| c["item"] == "app"
        && c["change"] == "removed"
        && c["app_name"] == "01 Extract Warehouse"));
    assert!(items
        .iter()
        .any(|c| c["item_id"] == "bqs24Ga" && c["change"] == "modified"));
}

#[test]
fn lineage_rebuilds_resolve_only_the_apps_that_changed() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("site");
    copy_dir(&site(), &copy);
    let db = dir.path().join("catalog.db");
    let import = |catalog: &mut Catalog| catalog.import_snapshot(&copy, &|_| {}).unwrap();
    let from_folder = || graph_sets(&qlineage(&["lineage", s(&copy)]).stdout);
    let sets = |g: &qlineage::lineage::LineageGraph| {
        let mut json = Vec::new();
        qlineage::lineage::export::json::write(g, &mut json).unwrap();
        graph_sets(&json)
    };
    let mut catalog = Catalog::open(&db).unwrap();
    import(&mut catalog);
    let options = qlineage::lineage::LineageOptions::default;
    let (first, counts) = catalog.build_lineage_counted(options()).unwrap();
    assert_eq!((counts.resolved, counts.reused), (13, 0));
    let (again, counts) = catalog.build_lineage_counted(options()).unwrap();
    assert_eq!((counts.resolved, counts.reused), (0, 13));
    assert_eq!(sets(&first), sets(&again));
    assert_eq!(sets(&again), from_folder());

    // One script changes: only that app is resolved, and the graph is the folder's.
    let script = copy.join("apps/sales-dashboard/script.qvs");
    let mut text = std::fs::read_to_string(&script).unwrap();
    text.push_str("\nRebuildCheck:\nLOAD 1 AS RebuildCheckField AUTOGENERATE 1;\n");
    std::fs::write(&script, text).unwrap();
    import(&mut catalog);
    let (changed, counts) = catalog.build_lineage_counted(options()).unwrap();
    assert_eq!((counts.resolved, counts.reused), (1, 12));
    let (nodes, edges) = sets(&changed);
    assert!(nodes.iter().any(|n| n.contains("RebuildCheckField")));
    assert_eq!((nodes, edges), from_folder());

    // An app deleted: nothing to resolve, the estate graph recompiled without it.
    std::fs::remove_dir_all(copy.join("apps/ben-sales-sandbox")).unwrap();
    import(&mut catalog);
    let (fewer, counts) = catalog.build_lineage_counted(options()).unwrap();
    assert_eq!((counts.resolved, counts.reused), (0, 12));
    assert_eq!(sets(&fewer), from_folder());
}
