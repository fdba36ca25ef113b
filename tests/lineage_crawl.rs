//! Crawl → snapshot → lineage, end to end: the demo site is crawled over real TLS, and the
//! snapshot (scripts, objects, GetLineage, reload logs; no include files or QVDs, which a
//! crawl cannot read) compiles into the estate graph. What the missing includes leave open,
//! the crawled reload logs settle.

#[path = "support/crawl.rs"]
mod crawl_support;
#[path = "support/sim.rs"]
mod sim;

use crawl_support::crawl_running;

use qlineage::lineage::query::{self, Direction, ImpactOptions};
use qlineage::lineage::{self, EdgeKind, LineageOptions};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crawled_snapshot_compiles_into_lineage_with_its_logs() {
    let demo = sim::start().await;
    let out = tempfile::tempdir().unwrap();
    let summary = crawl_running(&demo.running, "certificate", out.path(), false).await;
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);

    let apps = lineage::discover(&[out.path().to_path_buf()]).unwrap();
    assert_eq!(apps.len(), demo.running.site.apps.len());
    assert!(apps.iter().filter(|a| a.script_log.is_some()).count() >= 10);
    let g = lineage::build(&apps, &LineageOptions::default()).unwrap();
    let edges = g.graph.edges();
    let from_logs = edges
        .iter()
        .filter(|e| {
            e.edge
                .certainty
                .detail()
                .is_some_and(|d| d.starts_with("reload log"))
        })
        .count();
    assert!(from_logs > 20, "{from_logs} edges confirmed by reload logs");
    // The dashboard's Net Sales still traces to the ERP's order lines through two QVDs,
    // although the snapshot holds neither the include that names the QVD folders nor the
    // QVDs: GetLineage and the logs stand in.
    let net_sales = query::find(
        &g.graph,
        "measure:815cee8e-72c1-5a0c-869a-75de4e928f04/EmN7Pqv",
    )
    .unwrap();
    let feeds: Vec<String> = query::impact(
        &g.graph,
        &net_sales,
        ImpactOptions {
            direction: Direction::Upstream,
            depth: None,
            field_level: false,
        },
    )
    .results
    .into_iter()
    .map(|r| r.id)
    .collect();
    assert!(
        feeds
            .iter()
            .any(|f| f.starts_with("qvd:") && f.contains("salesfact")),
        "{feeds:#?}"
    );
    assert!(edges
        .iter()
        .any(|e| e.edge.kind == EdgeKind::Reads && e.edge.certainty.name() == "runtime"));
    // Without the include that names the QVD folder, the script alone cannot tell the paths:
    // it says so (the variable may be set in the unread include) instead of guessing a
    // relative path, and the log gives what the reload read. Nothing to contradict.
    assert!(g.unresolved.iter().any(|u| u.text == "$(vQvdTransform)"
        && u.reason.contains("lib://Scripts/config.qvs")
        && !u.runtime));
    assert!(!g.diagnostics.iter().any(|d| d.code.as_str() == "QG008"));
    assert!(edges.iter().any(|e| e.edge.kind == EdgeKind::Reads
        && e.from.contains("transform/salesfact.qvd")
        && e.edge.certainty.name() == "runtime"));
    assert!(
        !g.graph.nodes().iter().any(|n| n.id.contains("$(")),
        "no node named by an undetermined path"
    );
}
