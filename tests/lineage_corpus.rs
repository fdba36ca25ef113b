//! The lineage compiler's corpus suite: each folder under `corpus/lineage/` is one small
//! estate, compiled into one graph and snapshotted under `snapshots/lineage/corpus/` (every
//! node, every edge with certainty, transform and span, unresolved items, diagnostics). Then
//! the properties the cases exist for are asserted, so a wrong snapshot cannot pass silently.

use std::path::{Path, PathBuf};

use qlineage::lineage::query::{self, Direction, ImpactOptions};
use qlineage::lineage::{self, EdgeKind, LineageGraph, LineageOptions, ManualFile, NodeKind};
use qlineage::semantic::{Connections, ResolveOptions};

/// Cases are read with paths relative to the repository root (the test's working directory),
/// so ids and snapshots do not depend on where the repository is checked out.
fn case_dir(name: &str) -> PathBuf {
    PathBuf::from("corpus/lineage").join(name)
}

#[derive(Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseOptions {
    connections: Option<String>,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    qvd_dirs: Vec<String>,
    #[serde(default)]
    manual: Vec<String>,
}

fn build(name: &str) -> LineageGraph {
    let dir = case_dir(name);
    let options: CaseOptions = match std::fs::read_to_string(dir.join("options.json")) {
        Ok(text) => serde_json::from_str(&text).unwrap(),
        Err(_) => CaseOptions::default(),
    };
    let connections = match &options.connections {
        Some(file) => Connections::read(&dir.join(file)).unwrap(),
        None => Connections::default(),
    };
    let apps = lineage::discover(&scripts(&dir)).unwrap();
    let options = LineageOptions {
        resolve: ResolveOptions {
            qvd_dirs: options.qvd_dirs.iter().map(|d| dir.join(d)).collect(),
            ..ResolveOptions::default()
        },
        connections,
        aliases: options.aliases,
        manual: options
            .manual
            .iter()
            .map(|m| ManualFile::read(&dir.join(m)).unwrap())
            .collect(),
    };
    lineage::build(&apps, &options).unwrap()
}

/// The case's apps: script files and app folders.
fn scripts(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "qvs") || p.join("script.qvs").is_file())
        .collect();
    out.sort();
    out
}

fn render(g: &LineageGraph) -> String {
    let mut out = String::from("--- nodes ---\n");
    for n in g.graph.nodes() {
        out.push_str(&format!("{:<16} {}", n.kind.name(), n.id));
        if n.name != n.id && !n.id.ends_with(&format!("/{}", n.name)) {
            out.push_str(&format!("  \"{}\"", n.name));
        }
        let attrs: Vec<String> = n
            .attrs
            .iter()
            .filter(|(k, _)| k.as_str() != "header_file")
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        if !attrs.is_empty() {
            out.push_str(&format!("  [{}]", attrs.join(", ")));
        }
        out.push('\n');
    }
    out.push_str("--- edges ---\n");
    for e in g.graph.edges() {
        if e.edge.kind == EdgeKind::Contains {
            continue;
        }
        out.push_str(&format!(
            "{} -> {}  {} {}",
            e.from,
            e.to,
            e.edge.kind.name(),
            e.edge.certainty.name()
        ));
        if let Some(t) = e.edge.transform {
            out.push_str(&format!(" {}", t.name()));
        }
        if let Some(s) = &e.edge.span {
            out.push_str(&format!(" @{}:{}:{}", s.file, s.line, s.column));
        }
        if let Some(d) = e.edge.certainty.detail() {
            out.push_str(&format!("  ({d})"));
        }
        if e.edge.not_taken {
            out.push_str("  NOT TAKEN in the last reload");
        }
        out.push('\n');
    }
    out.push_str("--- unresolved ---\n");
    for u in &g.unresolved {
        out.push_str(&format!(
            "{}:{}:{} {}: {}\n",
            u.file, u.line, u.column, u.text, u.reason
        ));
    }
    out.push_str("--- diagnostics ---\n");
    for d in &g.diagnostics {
        out.push_str(&format!("{} {:?}: {}\n", d.code, d.severity, d.message));
    }
    out
}

fn snapshot(name: &str, g: &LineageGraph) {
    let mut settings = insta::Settings::clone_current();
    settings
        .set_snapshot_path(Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots/lineage/corpus"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!(name.to_string(), render(g)));
}

fn upstream(g: &LineageGraph, node: &str, field_level: bool) -> Vec<String> {
    let options = ImpactOptions {
        direction: Direction::Upstream,
        depth: None,
        field_level,
    };
    query::impact(&g.graph, node, options)
        .results
        .into_iter()
        .map(|r| r.id)
        .collect()
}

#[test]
fn every_case_has_a_snapshot() {
    let mut names: Vec<String> = std::fs::read_dir("corpus/lineage")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|p| p.file_name().unwrap().to_string_lossy().to_string())
        .collect();
    names.sort();
    for name in &names {
        snapshot(name, &build(name));
    }
    assert_eq!(names.len(), 10, "{names:?}");
}

#[test]
fn a_qvd_chain_across_three_apps_meets_field_by_field() {
    let g = build("qvd-chain");
    let net = "app:corpus/lineage/qvd-chain/3-dashboard.qvs/table/Facts/field/Net Amount";
    let feeds = upstream(&g, net, true);
    for expected in [
        "qvd://nas01/qlik/qvd/transform/sales.qvd/field/Amount",
        "qvd://nas01/qlik/qvd/extract/orderlines.qvd/field/Quantity",
        "db:erp/erp.dbo.orderlines.qty",
        "db:erp/erp.dbo.orderlines.price",
    ] {
        assert!(
            feeds.iter().any(|f| f == expected),
            "{expected} not in {feeds:#?}"
        );
    }
    // OrderID does not feed the amount.
    assert!(!feeds.iter().any(|f| f.ends_with("orderid")), "{feeds:#?}");
}

#[test]
fn five_spellings_of_one_qvd_are_one_node() {
    let g = build("path-spellings");
    let qvds: Vec<_> = g
        .graph
        .nodes()
        .into_iter()
        .filter(|n| n.kind == NodeKind::Qvd)
        .collect();
    assert_eq!(qvds.len(), 1, "{qvds:#?}");
    let readers = g
        .graph
        .neighbours(&qvds[0].id, petgraph::Direction::Outgoing)
        .into_iter()
        .filter(|e| e.edge.kind == EdgeKind::Reads)
        .count();
    assert_eq!(readers, 5);
}

#[test]
fn a_header_that_contradicts_its_producer_is_reported_with_both_sides() {
    let g = build("header-contradicts");
    let d: Vec<_> = g
        .diagnostics
        .iter()
        .filter(|d| d.code.as_str() == "QG001")
        .collect();
    assert_eq!(d.len(), 1, "{:#?}", g.diagnostics);
    for part in [
        "Clients",
        "Name",
        "CustomerName",
        "CRM Extract.qvw",
        "crm-extract.qvs",
    ] {
        assert!(d[0].message.contains(part), "{part}: {}", d[0].message);
    }
    // Not confirmed: the store edge stays a static claim.
    let store = g
        .graph
        .edges()
        .into_iter()
        .find(|e| e.edge.kind == EdgeKind::Stores)
        .unwrap();
    assert_eq!(store.edge.certainty.name(), "resolved");
}

#[test]
fn header_lineage_stands_in_for_a_missing_producer() {
    let g = build("producer-missing");
    let feeds = upstream(&g, "qvd://nas01/qlik/qvd/legacy.qvd", false);
    for expected in [
        "db:finance dw/fin.dbo.glfacts",
        "db:finance dw/fin.dbo.accounts",
        "file://nas01/sources/finance/cost_centers.csv",
    ] {
        assert!(
            feeds.iter().any(|f| f == expected),
            "{expected} not in {feeds:#?}"
        );
    }
    let runtime = g
        .graph
        .edges()
        .into_iter()
        .filter(|e| e.to == "qvd://nas01/qlik/qvd/legacy.qvd" && e.edge.kind == EdgeKind::Derives)
        .all(|e| e.edge.certainty.name() == "runtime");
    assert!(runtime);
    assert!(g.diagnostics.iter().any(|d| d.code.as_str() == "QG003"));
    // Field by field too: the header's statement is resolved on its own.
    let amount = upstream(
        &g,
        "app:corpus/lineage/producer-missing/finance-dashboard.qvs/table/GL/field/Amount",
        true,
    );
    assert!(
        amount
            .iter()
            .any(|f| f == "db:finance dw/fin.dbo.glfacts.amount"),
        "{amount:#?}"
    );
}

#[test]
fn manual_edges_carry_their_note_and_field_mappings() {
    let g = build("manual");
    let edges = g.graph.edges();
    let field = edges
        .iter()
        .find(|e| {
            e.to == "ext:powerbi/sales-report/field/Net Sales" && e.edge.kind == EdgeKind::Derives
        })
        .expect("field mapping edge");
    assert_eq!(
        field.from,
        "qvd://nas01/qlik/qvd/transform/sales.qvd/field/NetAmount"
    );
    assert_eq!(field.edge.certainty.name(), "manual");
    assert!(field
        .edge
        .certainty
        .detail()
        .unwrap()
        .contains("by DEMO\\ana"));
    let feeds = upstream(&g, "ext:powerbi/sales-report", true);
    assert!(
        feeds
            .iter()
            .any(|f| f.ends_with("/table/Sales/field/NetAmount")),
        "{feeds:#?}"
    );
}

#[test]
fn load_star_takes_its_fields_from_the_qvd_header() {
    let g = build("load-star-header");
    let app = "app:corpus/lineage/load-star-header/products.qvs/table/Products/field/";
    for field in ["ProductID", "ProductName", "Category"] {
        let id = format!("{app}{field}");
        let feeds = upstream(&g, &id, true);
        assert_eq!(
            feeds,
            [format!("qvd://nas01/qlik/qvd/products.qvd/field/{field}")],
            "{id}"
        );
    }
}

#[test]
fn an_incremental_cycle_is_reported_and_queries_end() {
    let g = build("incremental-cycle");
    assert!(
        g.diagnostics.iter().any(|d| d.code.as_str() == "QG005"),
        "{:#?}",
        g.diagnostics
    );
    let impact = query::impact(
        &g.graph,
        "qvd://nas01/qlik/qvd/orders.qvd",
        ImpactOptions {
            direction: Direction::Downstream,
            depth: None,
            field_level: true,
        },
    );
    assert!(!impact.cycles.is_empty());
}

#[test]
fn the_demo_sites_kpi_traces_to_database_columns_through_two_qvds() {
    let apps = lineage::discover(&[PathBuf::from("corpus/site")]).unwrap();
    let g = lineage::build(&apps, &LineageOptions::default()).unwrap();
    let net_sales = query::find(
        &g.graph,
        "measure:815cee8e-72c1-5a0c-869a-75de4e928f04/EmN7Pqv",
    )
    .unwrap();
    let feeds = upstream(&g, &net_sales, true);
    let qvds: Vec<_> = feeds
        .iter()
        .filter(|f| f.starts_with("qvd:") && !f.contains("/field/"))
        .collect();
    assert!(
        feeds
            .iter()
            .any(|f| f == "db:salesdb/sales.dbo.orderlines.quantity"),
        "{feeds:#?}"
    );
    assert!(feeds
        .iter()
        .any(|f| f.contains("transform/salesfact.qvd/field/NetSales")));
    assert!(feeds
        .iter()
        .any(|f| f.contains("extract/orderlines.qvd/field/Quantity")));
    let _ = qvds;
    // The engine's records confirm the script: no source of the demo is left unmatched.
    assert!(
        !g.diagnostics.iter().any(|d| d.code.as_str() == "QG004"),
        "{:#?}",
        g.diagnostics
            .iter()
            .filter(|d| d.code.as_str() == "QG004")
            .collect::<Vec<_>>()
    );
    assert!(g
        .graph
        .edges()
        .iter()
        .any(|e| e.edge.certainty.name() == "runtime"));
    // No placeholder nodes: every object a sheet or object names exists.
    assert!(
        !g.graph
            .nodes()
            .iter()
            .any(|n| n.attrs.contains_key("missing")),
        "{:#?}",
        g.graph
            .nodes()
            .iter()
            .filter(|n| n.attrs.contains_key("missing"))
            .map(|n| &n.id)
            .collect::<Vec<_>>()
    );
}

#[test]
fn a_reload_log_settles_what_the_script_alone_cannot() {
    let g = build("reload-log");
    let edges = g.graph.edges();
    let app = "app:corpus/lineage/reload-log/daily-orders";
    let reads: Vec<_> = edges
        .iter()
        .filter(|e| e.edge.kind == EdgeKind::Reads && e.to.starts_with(app))
        .map(|e| (e.from, e.edge.certainty.name(), e.edge.not_taken))
        .collect();
    // A path built from Today(), read from the expanded statement the log shows.
    assert!(
        reads.contains(&(
            "qvd://nas01/qlik/qvd/daily/orders_20261130.qvd",
            "runtime",
            false
        )),
        "{reads:#?}"
    );
    // Each file a FOR EACH over FileList() loaded.
    for f in [
        "file://nas01/drops/sales_north.csv",
        "file://nas01/drops/sales_south.csv",
    ] {
        assert!(reads.contains(&(f, "runtime", false)), "{f}: {reads:#?}");
    }
    // The IF branch that did not run.
    assert!(
        reads
            .iter()
            .any(|(from, _, not_taken)| from.ends_with("weekly.qvd") && *not_taken),
        "{reads:#?}"
    );
    // The STORE the log shows ran is confirmed.
    let store = edges
        .iter()
        .find(|e| e.edge.kind == EdgeKind::Stores)
        .unwrap();
    assert_eq!(
        store.edge.certainty.detail(),
        Some("reload log, script line 14")
    );
    assert!(
        g.diagnostics.iter().all(|d| d.code.as_str() != "QG007"),
        "{:#?}",
        g.diagnostics
    );
}

#[test]
fn charts_of_an_unbuild_folder_link_to_the_fields_they_read() {
    let g = build("unbuild-charts");
    let app = "corpus/lineage/unbuild-charts/sales-app";
    let net = format!("app:{app}/table/Sales/field/NetAmount");
    let edges = g.graph.edges();
    let fed = |to: &str| edges.iter().any(|e| e.from == net && e.to == to);
    // The master measure reads NetAmount (and Year through its set analysis).
    assert!(fed(&format!("measure:{app}/mNet")));
    assert!(edges
        .iter()
        .any(|e| e.from == format!("app:{app}/table/Sales/field/Year")
            && e.to == format!("measure:{app}/mNet")));
    // The chart's second measure reads it through the app variable.
    assert!(fed(&format!("object:{app}/chart1/measure/1")));
    assert!(edges
        .iter()
        .any(|e| e.from == format!("var:{app}/vGrossExpr") && e.edge.kind == EdgeKind::Uses));
    // The sheet holds the chart; the chart's first measure uses the master measure.
    assert!(edges
        .iter()
        .any(|e| e.from == format!("sheet:{app}/s1") && e.to == format!("object:{app}/chart1")));
    assert!(edges.iter().any(|e| e.from == format!("measure:{app}/mNet")
        && e.to == format!("object:{app}/chart1/measure/0")));
    // Downstream of the field: the chart and its sheet's object.
    let down = query::impact(
        &g.graph,
        &net,
        ImpactOptions {
            direction: Direction::Downstream,
            depth: None,
            field_level: false,
        },
    );
    assert!(
        down.results
            .iter()
            .any(|r| r.id == format!("object:{app}/chart1")),
        "{:#?}",
        down.results
    );
    // `Margin` is loaded by no table.
    assert!(
        g.diagnostics
            .iter()
            .any(|d| d.code.as_str() == "QG006" && d.message.contains("Margin")),
        "{:#?}",
        g.diagnostics
    );
}

#[test]
fn binary_brings_the_other_apps_tables_field_by_field() {
    let g = build("binary");
    let gross = "app:corpus/lineage/binary/dashboard.qvs/table/Totals/field/Gross";
    let feeds = upstream(&g, gross, true);
    for expected in [
        "app:corpus/lineage/binary/dashboard.qvs/table/Orders/field/Amount",
        "app:corpus/lineage/binary/extract.qvs/table/Orders/field/Amount",
        "db:erp/erp.dbo.orders.amount",
    ] {
        assert!(
            feeds.iter().any(|f| f == expected),
            "{expected} not in {feeds:#?}"
        );
    }
}
