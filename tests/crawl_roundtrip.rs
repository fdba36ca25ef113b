//! The strongest test of the crawler: crawl the demo site, serve the snapshot with the
//! simulator, crawl that, and get the same snapshot back, byte for byte; and the first
//! snapshot holds what the demo site holds (scripts, lineage, every object's properties).

#[path = "support/crawl.rs"]
mod crawl_support;
#[path = "support/sim.rs"]
mod sim;

use crawl_support::crawl_running;

use qlineage::crawl::{self, Config};
use qlineage::simulate;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// Every file under `dir`, by relative path.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crawl_simulate_crawl_gives_the_same_snapshot() {
    let demo = sim::start().await;
    let first = tempfile::tempdir().unwrap();
    let summary = crawl_running(&demo.running, "certificate", first.path(), false).await;
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    assert_eq!(summary.crawled.len(), demo.running.site.apps.len());

    // The snapshot holds what the demo site holds.
    let snapshot =
        qlineage::simulate::site::Site::load(first.path()).expect("the snapshot loads as a site");
    for app in &demo.running.site.apps {
        let copy = snapshot
            .app(&app.meta.id)
            .unwrap_or_else(|| panic!("{} crawled", app.meta.name));
        assert_eq!(copy.script, app.script, "{}", app.meta.name);
        assert_eq!(copy.lineage, app.lineage, "{}", app.meta.name);
        assert_eq!(copy.meta.name, app.meta.name);
        assert_eq!(copy.meta.stream, app.meta.stream);
        assert_eq!(copy.meta.tags, app.meta.tags);
        assert_eq!(
            copy.meta.custom_properties, app.meta.custom_properties,
            "{}",
            app.meta.name
        );
        assert!(
            !app.meta.custom_properties.is_empty(),
            "the demo has custom properties"
        );
        assert_eq!(
            copy.meta.reload.as_ref().map(|r| r.status),
            app.meta.reload.as_ref().map(|r| r.status)
        );
        assert_eq!(
            copy.objects.len(),
            app.objects.len(),
            "{}: objects",
            app.meta.name
        );
        for o in &app.objects {
            let c = copy
                .object(o.id())
                .unwrap_or_else(|| panic!("{}: object {}", app.meta.name, o.id()));
            assert_eq!(
                c.file.property,
                o.file.property,
                "{}: {}",
                app.meta.name,
                o.id()
            );
            assert_eq!(
                c.file.children,
                o.file.children,
                "{}: {} children",
                app.meta.name,
                o.id()
            );
            assert_eq!(
                c.file.meta.script_created,
                o.file.meta.script_created,
                "{}",
                o.id()
            );
        }
        assert!(
            copy.script_log
                .as_deref()
                .is_some_and(|l| l.contains("Execution"))
                || app.meta.reload.is_none(),
            "{}: the script log",
            app.meta.name
        );
    }
    assert_eq!(snapshot.streams.len(), demo.running.site.streams.len());
    assert_eq!(
        snapshot.custom_properties,
        demo.running.site.custom_properties
    );
    assert_eq!(
        snapshot.connections.len(),
        demo.running.site.connections.len()
    );

    for app in &snapshot.apps {
        let connections = app.connections.as_deref().expect("connections.json");
        assert!(
            connections.iter().any(|c| c.name == "AttachedFiles"),
            "{}: GetConnections lists AttachedFiles",
            app.meta.name
        );
        assert!(app.fields.is_none(), "no field list without data");
    }
    assert_same_after_replay(first.path(), false).await;
}

/// Serves a snapshot, crawls it again and checks the second snapshot is the first.
async fn assert_same_after_replay(first: &Path, data_model: bool) {
    let certs = tempfile::tempdir().unwrap();
    let replay = simulate::start(simulate::Config::new(first, certs.path()))
        .await
        .expect("the snapshot serves");
    let second = tempfile::tempdir().unwrap();
    let summary = crawl_running(&replay, "certificate", second.path(), data_model).await;
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    let (a, b) = (files(first), files(second.path()));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (name, bytes) in &a {
        assert!(
            bytes == &b[name],
            "{name} differs between the crawls:\n{}\n---\n{}",
            String::from_utf8_lossy(bytes),
            String::from_utf8_lossy(&b[name])
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_data_the_model_and_field_list_round_trip() {
    let demo = sim::start().await;
    let first = tempfile::tempdir().unwrap();
    let summary = crawl_running(&demo.running, "certificate", first.path(), true).await;
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    let snapshot = qlineage::simulate::site::Site::load(first.path()).unwrap();
    let mut with_fields = 0;
    for app in &demo.running.site.apps {
        let copy = snapshot.app(&app.meta.id).unwrap();
        let Some(fields) = &copy.fields else {
            assert!(
                app.model.tables.is_empty(),
                "{}: fields.json",
                app.meta.name
            );
            continue;
        };
        with_fields += 1;
        // Every field of every model table is listed once, with the tables that hold it.
        for table in &app.model.tables {
            for field in &table.fields {
                let listed: Vec<_> = fields.iter().filter(|f| f.name == field.name).collect();
                assert_eq!(listed.len(), 1, "{}: {}", app.meta.name, field.name);
                assert!(listed[0].src_tables.contains(&table.name));
            }
        }
    }
    assert!(with_fields > 0, "the demo has data models");
    assert_same_after_replay(first.path(), true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn include_and_exclude_options() {
    let demo = sim::start().await;
    let site = &demo.running.site;
    let conf_dir = tempfile::tempdir().unwrap();
    let path = conf_dir.path().join("site.toml");
    demo.running
        .write_crawl_config(&path, "certificate")
        .unwrap();
    let base = Config::load(&path).unwrap();
    let run = |config: Config| async move {
        let out = tempfile::tempdir().unwrap();
        let summary = tokio::time::timeout(
            std::time::Duration::from_secs(60),
            crawl::crawl(
                &config,
                out.path(),
                Arc::new(AtomicBool::new(false)),
                &|_| {},
            ),
        )
        .await
        .unwrap()
        .unwrap();
        assert!(summary.failed.is_empty(), "{:?}", summary.failed);
        let snapshot = qlineage::simulate::site::Site::load(out.path()).unwrap();
        (summary, snapshot)
    };
    let names = |pred: &dyn Fn(&qlineage::simulate::site::App) -> bool| -> Vec<String> {
        let mut v: Vec<String> = site
            .apps
            .iter()
            .filter(|a| pred(a))
            .map(|a| a.meta.name.clone())
            .collect();
        v.sort();
        v
    };

    let mut c = base.clone();
    c.crawl.exclude_unpublished_apps = true;
    let (summary, _) = run(c).await;
    assert_eq!(summary.crawled, names(&|a| a.meta.published));
    assert!(summary.skipped.iter().all(|(_, why)| why == "unpublished"));
    assert!(!summary.skipped.is_empty());

    let mut c = base.clone();
    c.crawl.include_streams = vec!["sales".into()];
    let (summary, _) = run(c).await;
    assert_eq!(
        summary.crawled,
        names(&|a| a.meta.published && a.meta.stream.as_deref() == Some("Sales"))
    );

    let mut c = base.clone();
    c.crawl.exclude_streams = vec!["Data*".into()];
    let (summary, _) = run(c).await;
    assert_eq!(
        summary.crawled,
        names(&|a| !(a.meta.published && a.meta.stream.as_deref() == Some("Data Platform")))
    );

    let mut c = base.clone();
    c.crawl.include_apps = vec!["*Transform*".into(), "Sales ?ashboard".into()];
    c.crawl.exclude_apps = vec!["*inventory*".into()];
    let (summary, _) = run(c).await;
    assert_eq!(
        summary.crawled,
        names(
            &|a| (a.meta.name.contains("Transform") || a.meta.name == "Sales Dashboard")
                && !a.meta.name.contains("Inventory")
        )
    );

    let mut c = base.clone();
    c.crawl.exclude_unpublished_sheets = true;
    c.crawl.script_logs = false;
    let (_, snapshot) = run(c).await;
    let mut private = 0;
    for app in &site.apps {
        let copy = snapshot.app(&app.meta.id).unwrap();
        assert!(copy.script_log.is_none(), "script logs off");
        for o in &app.objects {
            let is_private = o.kind() == "sheet"
                && !o.file.meta.published.unwrap_or(app.meta.published)
                && !o.file.meta.approved.unwrap_or(app.meta.published);
            assert_eq!(
                copy.object(o.id()).is_none(),
                is_private,
                "{}: {}",
                app.meta.name,
                o.id()
            );
            private += usize::from(is_private);
        }
    }
    assert!(private > 0, "the demo has private sheets");
}
