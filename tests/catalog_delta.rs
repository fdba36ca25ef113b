//! Delta crawling against the simulator: crawl a copy of the demo site into a catalog, change
//! the copy (an app modified, added and deleted; a sheet deleted; an object modified and
//! added), crawl again, and check that exactly those apps were opened and exactly those
//! changes were recorded.

#[path = "support/sim.rs"]
mod sim;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use qlineage::catalog::crawl_run::{crawl_to_catalog, CrawlReport};
use qlineage::catalog::Catalog;
use qlineage::crawl::Config;
use qlineage::simulate;
use serde_json::Value;

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

fn now() -> String {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    qlineage::qlik::date::format_millis(ms)
}

fn edit(path: &Path, f: impl FnOnce(&mut Value)) {
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    f(&mut v);
    std::fs::write(path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
}

/// Serves `site` until the crawl into `db` is done.
async fn crawl(site: &Path, certs: &Path, db: &Path, full: bool) -> CrawlReport {
    let running = simulate::start(simulate::Config::new(site, certs))
        .await
        .expect("simulator starts");
    let conf = tempfile::tempdir().unwrap();
    let path = conf.path().join("site.toml");
    running.write_crawl_config(&path, "certificate").unwrap();
    let config = Config::load(&path).unwrap();
    tokio::time::timeout(
        std::time::Duration::from_secs(120),
        crawl_to_catalog(
            &config,
            db,
            None,
            full,
            Arc::new(AtomicBool::new(false)),
            &|_| {},
        ),
    )
    .await
    .expect("the crawl finishes in time")
    .expect("the crawl runs")
}

const NEW_APP: &str = "aaaaaaaa-0000-4000-8000-000000000001";
const FINANCE: &str = "7d74ded6-2424-5da8-866f-4038887697ea";
const DASHBOARD: &str = "815cee8e-72c1-5a0c-869a-75de4e928f04";
const TERRITORY: &str = "89cfaf58-fe09-5c98-89fb-565172af22d6";
const CARLA: &str = "619b909c-c0c9-5ac8-b433-910c9ad67b64";
const BEN: &str = "9a879013-7f88-5a4f-95cb-38a35092fb6f";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delta_crawl_reads_and_records_exactly_what_changed() {
    let work = tempfile::tempdir().unwrap();
    let site = work.path().join("site");
    copy_dir(&sim::site_dir(), &site);
    let certs = work.path().join("certs");
    let db = work.path().join("catalog.db");

    let first = crawl(&site, &certs, &db, false).await;
    assert_eq!(first.kind, "full", "a catalog without a crawl starts full");
    assert!(
        first.summary.failed.is_empty(),
        "{:?}",
        first.summary.failed
    );
    let apps_before = first.summary.crawled.len();
    assert_eq!(first.summary.engine_sessions, apps_before);

    let lineage = |db: &Path| {
        let mut catalog = Catalog::open(db).unwrap();
        let (_, counts) = catalog
            .build_lineage_counted(qlineage::lineage::LineageOptions::default())
            .unwrap();
        (counts.resolved, counts.reused)
    };
    assert_eq!(lineage(&db), (apps_before, 0));

    // A crawl right after changes nothing and opens no app.
    let quiet = crawl(&site, &certs, &db, false).await;
    assert_eq!(quiet.kind, "delta");
    assert_eq!(
        quiet.summary.engine_sessions, 0,
        "{:?}",
        quiet.summary.crawled
    );
    assert_eq!(quiet.summary.unchanged.len(), apps_before);
    let catalog = Catalog::open_read_only(&db).unwrap();
    assert!(catalog.changes(None).unwrap().items.is_empty());
    drop(catalog);
    assert_eq!(lineage(&db), (0, apps_before), "nothing to resolve again");

    // The changes, as Qlik would stamp them.
    let stamp = now();
    let apps = site.join("apps");
    // An app modified (its description).
    edit(&apps.join("finance-pnl/app.json"), |v| {
        v["description"] = "Monthly P&L, now with forecasts.".into();
        v["modifiedDate"] = stamp.clone().into();
    });
    // An object modified: a chart's title on a sheet (the app's record untouched).
    edit(
        &apps.join("sales-dashboard/objects/sheet-overview.json"),
        |v| {
            let line = v["qChildren"]
                .as_array_mut()
                .unwrap()
                .iter_mut()
                .find(|c| c["qProperty"]["qInfo"]["qId"] == "TzznxQU")
                .unwrap();
            line["qProperty"]["title"] = "Net sales by month".into();
            v["meta"]["modifiedDate"] = stamp.clone().into();
        },
    );
    // A sheet deleted (saving the app stamps it); its id and its charts' ids, from its file.
    let sheet_file = apps.join("sales-territory-review/objects/sheet-territory.json");
    let tree: qlineage::qlik::engine::PropertyTree =
        serde_json::from_str(&std::fs::read_to_string(&sheet_file).unwrap()).unwrap();
    let deleted_ids: Vec<String> = tree.walk().iter().map(|n| n.info().id).collect();
    std::fs::remove_file(&sheet_file).unwrap();
    edit(&apps.join("sales-territory-review/app.json"), |v| {
        v["modifiedDate"] = stamp.clone().into();
    });
    // An object added: a measure in Carla's app.
    let measure = apps.join("carla-budget-whatif/objects/measure-uplift.json");
    std::fs::copy(
        apps.join("sales-territory-review/objects/measure-territory-margin.json"),
        &measure,
    )
    .unwrap();
    edit(&measure, |v| {
        v["qProperty"]["qInfo"]["qId"] = "newMeasure1".into();
        v["qProperty"]["qMetaDef"]["title"] = "Uplift".into();
        v["meta"] = serde_json::json!({"owner": "DEMO\\carla", "createdDate": stamp, "modifiedDate": stamp});
    });
    // An app added (a copy of Ben's sandbox) and one deleted (Ben's sandbox).
    copy_dir(&apps.join("ben-sales-sandbox"), &apps.join("new-app"));
    edit(&apps.join("new-app/app.json"), |v| {
        v["id"] = NEW_APP.into();
        v["name"] = "New sandbox".into();
        v["createdDate"] = stamp.clone().into();
        v["modifiedDate"] = stamp.clone().into();
    });
    std::fs::remove_dir_all(apps.join("ben-sales-sandbox")).unwrap();

    let delta = crawl(&site, &certs, &db, false).await;
    assert_eq!(delta.kind, "delta");
    assert!(
        delta.summary.failed.is_empty(),
        "{:?}",
        delta.summary.failed
    );
    assert_eq!(
        delta.summary.engine_sessions, 5,
        "only the changed apps are opened: {:?}",
        delta.summary.crawled
    );
    assert_eq!(
        delta
            .summary
            .crawled
            .iter()
            .cloned()
            .collect::<BTreeSet<_>>(),
        [
            "Finance P&L",
            "Sales Dashboard",
            "Sales Territory Review",
            "Carla - budget what-if",
            "New sandbox"
        ]
        .map(String::from)
        .into_iter()
        .collect::<BTreeSet<_>>()
    );
    assert_eq!(delta.summary.unchanged.len(), apps_before - 5);
    assert_eq!(delta.deleted.len(), 1);
    assert_eq!(delta.deleted[0].0, BEN);

    assert_eq!(
        lineage(&db),
        (5, apps_before - 5),
        "only the five apps read again are resolved again"
    );
    let catalog = Catalog::open_read_only(&db).unwrap();
    let changes = catalog.changes(None).unwrap();
    let got: BTreeSet<(String, String, String, String)> = changes
        .items
        .iter()
        .map(|c| {
            (
                c.app_id.clone(),
                c.item.clone(),
                c.item_id.clone(),
                c.change.clone(),
            )
        })
        .collect();
    let t = |a: &str, item: &str, id: &str, change: &str| {
        (
            a.to_owned(),
            item.to_owned(),
            id.to_owned(),
            change.to_owned(),
        )
    };
    let mut want: BTreeSet<_> = [
        t(FINANCE, "app", FINANCE, "modified"),
        t(
            DASHBOARD,
            "sheet",
            "435a181a-9840-5d9c-8a8d-85eee4d95bd0",
            "modified",
        ),
        t(DASHBOARD, "object", "TzznxQU", "modified"),
        t(CARLA, "object", "newMeasure1", "added"),
        t(NEW_APP, "app", NEW_APP, "added"),
        t(BEN, "app", BEN, "removed"),
    ]
    .into_iter()
    .collect();
    // The deleted sheet, and its charts with it.
    want.insert(t(TERRITORY, "sheet", &deleted_ids[0], "removed"));
    assert!(deleted_ids.len() > 1);
    for chart in &deleted_ids[1..] {
        want.insert(t(TERRITORY, "object", chart, "removed"));
    }
    assert_eq!(got, want, "{:#?}", changes.items);
    let finance = changes.items.iter().find(|c| c.app_id == FINANCE).unwrap();
    assert_eq!(finance.detail, "description");

    // History is kept: the deleted app and sheet are still there, marked.
    let ben = catalog.app(BEN).unwrap().unwrap();
    assert!(ben.deleted_run.is_some());
    assert!(catalog.apps().unwrap().iter().all(|a| a.id != BEN));
    let sheets = catalog.sheets(TERRITORY).unwrap();
    assert_eq!(sheets.len(), 1, "the other sheet stays");
    let title = catalog
        .visual_object(DASHBOARD, "TzznxQU")
        .unwrap()
        .unwrap()
        .title;
    assert_eq!(title, "Net sales by month");

    // `qlineage changes` lists them for people.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_qlineage"))
        .args(["changes", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    // The measure copied into Carla's app uses a field her app does not load: lineage that
    // broke with this crawl, which `changes` flags (exit 1 for a scheduler).
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("NEW chart-field: chart expression uses `Margin`"),
        "{text}"
    );
    for line in [
        "Finance P&L",
        "modified app [description]",
        "removed  sheet eebaa26d-8455-592b-9e19-b3023b7f0249 `Territory overview`",
        "added    object newMeasure1 `Uplift` [measure]",
        "New sandbox",
        "removed  app",
    ] {
        assert!(text.contains(line), "`{line}` missing in:\n{text}");
    }

    // --full reads every app again and finds nothing new.
    drop(catalog);
    let full = crawl(&site, &certs, &db, true).await;
    assert_eq!(full.kind, "full");
    assert_eq!(full.summary.engine_sessions, apps_before);
    let catalog = Catalog::open_read_only(&db).unwrap();
    assert!(catalog.changes(None).unwrap().items.is_empty());
    drop(catalog);
    assert_eq!(
        lineage(&db),
        (0, apps_before),
        "the same content: nothing resolved"
    );
}
