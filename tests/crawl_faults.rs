//! The crawler against a misbehaving simulator: latency and 5xx bursts (retried), dropped
//! sockets and malformed frames (retried, then reported), engine errors per app (reported,
//! the crawl goes on), greetings in unusual order or fatal, and a site serving Qlik Sense 3.x
//! shapes. Every crawl finishes within its time bound and accounts for every app.

#[path = "support/sim.rs"]
mod sim;

use qlineage::crawl::{self, Config};
use qlineage::simulate::{self, faults::Faults};
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

async fn crawl_with(
    faults: Faults,
    auth: &str,
    retries: u32,
) -> (crawl::Summary, tempfile::TempDir, usize) {
    let s = sim::start_with(faults).await;
    let apps = s.running.site.apps.len();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("site.toml");
    s.running.write_crawl_config(&path, auth).unwrap();
    let mut config = Config::load(&path).unwrap();
    config.limits.retries = retries;
    config.limits.request_timeout_secs = 5;
    let out = tempfile::tempdir().unwrap();
    let summary = tokio::time::timeout(
        Duration::from_secs(90),
        crawl::crawl(
            &config,
            out.path(),
            Arc::new(AtomicBool::new(false)),
            &|_| {},
        ),
    )
    .await
    .expect("the crawl never hangs")
    .expect("the crawl runs");
    assert_eq!(
        summary.crawled.len() + summary.failed.len(),
        apps,
        "every app is accounted for: {summary:?}"
    );
    (summary, out, apps)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latency_and_5xx_bursts_are_retried() {
    let faults = Faults {
        latency_ms: 5,
        http_503_rate: 0.15,
        http_500_rate: 0.05,
        seed: 7,
        ..Faults::default()
    };
    let (summary, _out, apps) = crawl_with(faults, "certificate", 8).await;
    assert_eq!(summary.crawled.len(), apps, "{:?}", summary.failed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_sockets_and_malformed_frames_finish_and_report() {
    let (summary, _out, _) = crawl_with(
        Faults {
            ws_drop_after: Some(12),
            ..Faults::default()
        },
        "certificate",
        2,
    )
    .await;
    assert!(
        !summary.failed.is_empty(),
        "an app needs more than 12 messages"
    );
    for (_, why) in &summary.failed {
        assert!(why.contains("WebSocket"), "{why}");
    }
    let (summary, _out, _) = crawl_with(
        Faults {
            malformed_json_rate: 0.03,
            seed: 3,
            ..Faults::default()
        },
        "certificate",
        6,
    )
    .await;
    assert!(!summary.crawled.is_empty(), "{summary:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_engine_error_fails_one_app_and_the_crawl_goes_on() {
    let s = sim::start().await;
    let victim = s.running.site.apps[0].meta.clone();
    drop(s);
    let mut faults = Faults::default();
    faults.engine_errors.insert(victim.id.clone(), 1007);
    let (summary, out, apps) = crawl_with(faults, "certificate", 1).await;
    assert_eq!(summary.failed.len(), 1, "{summary:?}");
    assert_eq!(summary.failed[0].0, victim.name);
    assert!(summary.failed[0].1.contains("1007"), "{:?}", summary.failed);
    assert_eq!(summary.crawled.len(), apps - 1);
    assert!(
        !out.path().join("apps").join(&victim.id).exists(),
        "no half app written"
    );
    assert!(out.path().join("site.json").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn greetings_in_any_order_and_fatal_ones() {
    for greeting in ["connected_first", "no_connected"] {
        let (summary, _out, apps) = crawl_with(
            Faults {
                greeting: Some(greeting.into()),
                ..Faults::default()
            },
            "jwt",
            0,
        )
        .await;
        assert_eq!(
            summary.crawled.len(),
            apps,
            "{greeting}: {:?}",
            summary.failed
        );
    }
    let (summary, _out, apps) = crawl_with(
        Faults {
            fatal_greeting: Some("OnMaxParallelSessionsExceeded".into()),
            ..Faults::default()
        },
        "jwt",
        1,
    )
    .await;
    assert_eq!(summary.failed.len(), apps);
    assert!(
        summary.failed[0]
            .1
            .contains("OnMaxParallelSessionsExceeded"),
        "{:?}",
        summary.failed[0]
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_site_with_3x_shapes_crawls_the_same_content() {
    let site = tempfile::tempdir().unwrap();
    copy_dir(&sim::site_dir(), site.path());
    let json_path = site.path().join("site.json");
    let mut v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json_path).unwrap()).unwrap();
    v["legacy_shapes"] = serde_json::json!(true);
    std::fs::write(&json_path, v.to_string()).unwrap();
    let certs = tempfile::tempdir().unwrap();
    let running = simulate::start(simulate::Config::new(site.path(), certs.path()))
        .await
        .unwrap();
    let conf = tempfile::tempdir().unwrap();
    running
        .write_crawl_config(&conf.path().join("c.toml"), "certificate")
        .unwrap();
    let config = Config::load(&conf.path().join("c.toml")).unwrap();
    let out = tempfile::tempdir().unwrap();
    let summary = tokio::time::timeout(
        Duration::from_secs(60),
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
    let snapshot = simulate::site::Site::load(out.path()).unwrap();
    for app in &running.site.apps {
        let copy = snapshot.app(&app.meta.id).unwrap();
        assert_eq!(
            copy.meta.name, app.meta.name,
            "the last of the duplicate keys wins"
        );
        assert_eq!(
            copy.meta.created_date, app.meta.created_date,
            "dates normalized back to milliseconds"
        );
        assert!(copy.meta.reload.is_none(), "operational was null");
        assert_eq!(copy.script, app.script);
        assert_eq!(copy.objects.len(), app.objects.len());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_crawl_keeps_complete_apps_only() {
    let s = sim::start_with(Faults {
        latency_ms: 10,
        ..Faults::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("site.toml");
    s.running.write_crawl_config(&path, "certificate").unwrap();
    let mut config = Config::load(&path).unwrap();
    config.limits.concurrency = 1;
    let out = tempfile::tempdir().unwrap();
    let cancel = Arc::new(AtomicBool::new(false));
    let stop = Arc::clone(&cancel);
    let progress = move |p: crawl::Progress| {
        if matches!(p, crawl::Progress::AppDone { .. }) {
            stop.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    };
    let summary = tokio::time::timeout(
        Duration::from_secs(60),
        crawl::crawl(&config, out.path(), cancel, &progress),
    )
    .await
    .unwrap()
    .unwrap();
    assert!(summary.cancelled);
    assert!(!summary.crawled.is_empty());
    assert!(
        summary.crawled.len() < s.running.site.apps.len(),
        "{summary:?}"
    );
    let snapshot = simulate::site::Site::load(out.path()).expect("what was kept is a valid site");
    assert_eq!(snapshot.apps.len(), summary.crawled.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_crawl_never_reads_the_whole_full_app_inventory() {
    // Only the apps in flight are held in memory: the crawl lists condensed apps and asks for
    // each full app by id, so a server refusing `/qrs/app/full` does not stop it.
    let faults = Faults {
        qrs_forbidden: vec!["app/full".into()],
        ..Faults::default()
    };
    let (summary, out, apps) = crawl_with(faults, "certificate", 0).await;
    assert_eq!(summary.crawled.len(), apps, "{:?}", summary.failed);
    let snapshot = qlineage::simulate::site::Site::load(out.path()).unwrap();
    assert!(snapshot.apps.iter().any(|a| a.meta.reload.is_some()));
    assert!(snapshot.apps.iter().any(|a| !a.meta.tags.is_empty()));
}
