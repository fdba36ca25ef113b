//! The resolver's corpus suite: every case under `corpus/model/` is resolved and its model
//! snapshotted under `snapshots/model/` (the script, then the human model summary with
//! diagnostics). Every other corpus script must resolve without a panic in bounded time, and
//! the hostile cases must end with their diagnostics.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use qlineage::cli::model_command::write_human;
use qlineage::semantic::{self, AppInput, Connections, ResolveOptions, Resolved};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every file under a directory, recursively, sorted.
mod files {
    use std::path::{Path, PathBuf};

    pub fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, out);
            } else {
                out.push(path);
            }
        }
    }
}

fn model_cases() -> Vec<PathBuf> {
    let mut all = Vec::new();
    files::walk(&root().join("corpus/model"), &mut all);
    let mut cases: Vec<PathBuf> = all
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "qvs"))
        .filter(|p| {
            let rel = p.strip_prefix(root().join("corpus/model")).unwrap();
            // Included files are not apps; the BINARY estate is resolved as one below.
            !rel.starts_with("includes") && !rel.starts_with("binary-estate")
        })
        .collect();
    cases.sort();
    cases
}

fn options() -> ResolveOptions {
    ResolveOptions {
        include_roots: vec![PathBuf::from("corpus/model")],
        files_root: Some(PathBuf::from("corpus/model/files")),
        qvd_dirs: vec![PathBuf::from("corpus/site/files/QVD")],
        ..ResolveOptions::default()
    }
}

fn resolve_case(path: &Path) -> Resolved {
    // Relative paths keep snapshots the same on every machine.
    std::env::set_current_dir(root()).unwrap();
    let connections =
        Connections::read(Path::new("corpus/model/connections.json")).expect("connections");
    let rel = path.strip_prefix(root()).unwrap();
    let input = AppInput::read(rel, &connections).expect("case reads");
    semantic::resolve(&input, &options())
}

fn render(path: &Path, resolved: &Resolved) -> String {
    let source = std::fs::read_to_string(path).unwrap_or_default();
    let mut out = Vec::new();
    write_human(&mut out, resolved, false).unwrap();
    format!(
        "{source}\n---- model ----\n{}",
        String::from_utf8_lossy(&out)
    )
}

#[test]
fn model_corpus_snapshots() {
    let mut failures = Vec::new();
    for path in model_cases() {
        let rel = path
            .strip_prefix(root().join("corpus"))
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let (dir, name) = rel.rsplit_once('/').unwrap();
        let resolved = resolve_case(&path);
        let document = render(&path, &resolved);
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(root().join("snapshots").join(dir));
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.set_input_file(&path);
        let snapshot = format!("{name}.model");
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            settings.bind(|| insta::assert_snapshot!(snapshot, document));
        }));
        if result.is_err() {
            failures.push(rel);
        }
    }
    assert!(failures.is_empty(), "snapshot mismatches: {failures:#?}");
}

/// The apps of `corpus/model/binary-estate/` resolved together: BINARY loads the tables of
/// the app it names (by file stem or app id), a cycle is QM305, an app outside is unresolved.
#[test]
fn binary_across_the_apps_of_an_estate() {
    std::env::set_current_dir(root()).unwrap();
    let connections =
        Connections::read(Path::new("corpus/model/connections.json")).expect("connections");
    let mut apps: Vec<PathBuf> = std::fs::read_dir("corpus/model/binary-estate")
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    apps.sort();
    let inputs: Vec<AppInput> = apps
        .iter()
        .map(|a| AppInput::read(a, &connections).expect("app reads"))
        .collect();
    let resolved = semantic::resolve_estate(&inputs, &options());
    assert_eq!(resolved.len(), inputs.len());
    let mut document = String::new();
    for (app, r) in apps.iter().zip(&resolved) {
        assert_eq!(
            r.model.path,
            app.display().to_string(),
            "same order as the inputs"
        );
        document.push_str(&render(&app.join("script.qvs"), r));
        document.push('\n');
    }
    let by_name = |name: &str| &resolved[apps.iter().position(|a| a.ends_with(name)).unwrap()];

    let dashboard = by_name("Sales Dashboard");
    let orders = find(dashboard, "Orders");
    let gross = orders
        .fields
        .iter()
        .find(|f| f.name == "GrossAmount")
        .unwrap();
    assert_eq!(gross.derived_from[0].table.as_deref(), Some("Orders"));
    assert_eq!(
        gross.derived_from[0].source.as_deref(),
        Some("binary corpus/model/binary-estate/Sales Model")
    );
    assert_eq!(dashboard.model.section_access_tables.len(), 1);
    assert!(
        dashboard.model.unresolved.iter().all(|u| u.runtime),
        "RESIDENT Orders found"
    );
    let binary_loads = dashboard
        .model
        .loads
        .iter()
        .filter(|l| l.kind == semantic::model::LoadKind::Binary)
        .count();
    assert_eq!(binary_loads, 3, "one load per table of the model app");

    // Two hops: the executive app gets the model's tables through the dashboard.
    let executive = by_name("Executive");
    let names: Vec<&str> = executive
        .model
        .tables
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(names, ["Customers", "Orders"], "Targets dropped");
    assert!(!executive.has_errors());

    for cyclic in ["Loop A", "Loop B"] {
        assert!(codes(by_name(cyclic)).contains(&"QM305"), "{cyclic}");
    }
    let orphan = by_name("Orphan");
    assert!(orphan.model.unresolved[0]
        .reason
        .contains("no app of the estate"));

    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(root().join("snapshots/model"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!("binary-estate.model", document));
}

fn find<'a>(resolved: &'a Resolved, table: &str) -> &'a semantic::model::Table {
    resolved
        .model
        .tables
        .iter()
        .find(|t| t.name == table)
        .unwrap_or_else(|| {
            panic!(
                "no table {table}: {:?}",
                resolved
                    .model
                    .tables
                    .iter()
                    .map(|t| &t.name)
                    .collect::<Vec<_>>()
            )
        })
}

fn case(name: &str) -> Resolved {
    resolve_case(&root().join("corpus/model").join(name))
}

fn codes(resolved: &Resolved) -> Vec<&'static str> {
    resolved
        .diagnostics
        .iter()
        .map(|d| d.diagnostic.code.as_str())
        .collect()
}

#[test]
fn auto_concatenation_rules() {
    let r = case("auto-concatenation.qvs");
    let names: Vec<&str> = r.model.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["Sales", "Sales-1", "Sales-2", "countries"]);
    assert_eq!(
        find(&r, "Sales").fields.len(),
        3,
        "CONCATENATE added Currency"
    );
}

#[test]
fn subs_pass_variables_by_reference() {
    let r = case("subs-by-reference.qvs");
    let store = &r.model.stores[0];
    assert_eq!(store.path, "lib://QVD/Extract/Orders.qvd");
    assert!(store.resolved);
    assert!(codes(&r).contains(&"QM203"), "recursion guarded");
    let later = r
        .model
        .variables
        .iter()
        .find(|(n, _)| n == "vLater")
        .expect("vLater");
    assert_eq!(later.1, semantic::model::VariableState::Known("xx".into()));
}

#[test]
fn includes_relative_lib_missing_and_cyclic() {
    let r = case("includes-lib.qvs");
    assert_eq!(r.model.files.len(), 2);
    assert_eq!(r.model.stores[0].path, "lib://QVD/Transform/Products.qvd");
    let r = case("includes-relative.qvs");
    assert_eq!(r.model.files.len(), 3, "nested relative include read");
    let r = case("includes-missing.qvs");
    let c = codes(&r);
    assert!(
        c.contains(&"QM101") && c.contains(&"QM102") && c.contains(&"QM104"),
        "{c:?}"
    );
    let r = case("includes-cyclic.qvs");
    assert!(codes(&r).contains(&"QM103"));
}

#[test]
fn loops_unroll_and_list_folders() {
    let r = case("loops.qvs");
    // Same fields every iteration: Year2 and Year3 auto-concatenate into Year1, as in Qlik.
    // One create and one auto-concatenation record (the third iteration repeats the second).
    assert_eq!(find(&r, "Year1").sources.len(), 2);
    assert!(!r.model.tables.iter().any(|t| t.name == "Year2"));
    let regions = find(&r, "Regions");
    assert_eq!(
        regions.sources.len(),
        2,
        "the second file of FileList auto-concatenates into the first"
    );
    let stores: Vec<&str> = r.model.stores.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(stores, ["lib://QVD/Orders.qvd", "lib://QVD/Invoices.qvd"]);
    let var = |n: &str| {
        r.model
            .variables
            .iter()
            .find(|(v, _)| v == n)
            .map(|(_, s)| s.clone())
    };
    assert_eq!(
        var("vAfterDo"),
        Some(semantic::model::VariableState::Known("3".into()))
    );
    assert_eq!(
        var("vLastJ"),
        Some(semantic::model::VariableState::Known("1".into()))
    );
}

#[test]
fn sql_dialects_and_fallback() {
    let r = case("sql-dialects.qvs");
    let sql: Vec<(Vec<String>, String)> = r
        .model
        .loads
        .iter()
        .map(|l| {
            (
                l.source.sql_tables.clone(),
                l.source.sql_analysis.clone().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(sql[0].0, ["dbo.Orders", "dbo.Customers"]);
    assert_eq!(sql[0].1, "parsed (sqlserver)");
    assert_eq!(sql[1].1, "parsed (oracle)");
    assert_eq!(sql[2].0, ["logistics.shipments", "logistics.delivered"]);
    assert_eq!(sql[2].1, "parsed (postgresql)");
    assert_eq!(sql[3].0, ["lake.web.events", "lake.web.users"]);
    assert!(sql[4].1.starts_with("fallback"));
    let top = find(&r, "TopCustomers");
    let name = top
        .fields
        .iter()
        .find(|f| f.name == "CustomerName")
        .unwrap();
    assert_eq!(name.derived_from[0].table.as_deref(), Some("dbo.Customers"));
    assert_eq!(name.derived_from[0].field.as_deref(), Some("Name"));
}

#[test]
fn section_access_is_kept_apart() {
    let r = case("section-access.qvs");
    assert_eq!(
        r.model
            .tables
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>(),
        ["Sales"]
    );
    assert_eq!(r.model.section_access_tables[0].name, "Access");
}

#[test]
fn hostile_input_is_bounded() {
    for name in [
        "do-while-forever.qvs",
        "self-doubling.qvs",
        "huge-for.qvs",
        "unknown-variables.qvs",
        "deep-preceding.qvs",
    ] {
        let started = Instant::now();
        let r = case(&format!("hostile/{name}"));
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{name} took {:?}",
            started.elapsed()
        );
        let mut out = Vec::new();
        write_human(&mut out, &r, false).unwrap();
        assert!(out.len() < 1 << 20, "{name}: output of {} bytes", out.len());
        match name {
            "do-while-forever.qvs" | "huge-for.qvs" => {
                assert!(codes(&r).contains(&"QM201"), "{name}")
            }
            "self-doubling.qvs" => {
                // The doubling stops at the variable size cap, the self-reference at the depth cap.
                assert!(codes(&r).contains(&"QM002"));
                assert!(r
                    .model
                    .unresolved
                    .iter()
                    .any(|u| u.reason.contains("byte cap")));
            }
            "deep-preceding.qvs" => assert!(r
                .model
                .unresolved
                .iter()
                .any(|u| u.reason.contains("nested deeper than 128"))),
            _ => assert!(r.model.unresolved.len() >= 3),
        }
    }
}

/// Every script of the corpus (and the demo site) resolves without a panic, in bounded time.
#[test]
fn every_corpus_script_resolves() {
    std::env::set_current_dir(root()).unwrap();
    let mut all = Vec::new();
    files::walk(&root().join("corpus"), &mut all);
    let scripts: Vec<PathBuf> = all
        .into_iter()
        .filter(|p| qlineage::inputs::is_script_file(p))
        .collect();
    assert!(scripts.len() > 100);
    for path in scripts {
        let started = Instant::now();
        let input = AppInput::read(&path, &Connections::default()).expect("reads");
        let r = semantic::resolve(&input, &ResolveOptions::default());
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{}",
            path.display()
        );
        // Spans stay inside their files.
        for u in &r.model.unresolved {
            let file = &r.model.files[u.location.file as usize].source;
            assert!(
                u.location.span.end as usize <= file.text.len(),
                "{}",
                path.display()
            );
        }
        for d in &r.diagnostics {
            let file = &r.model.files[d.file as usize].source;
            assert!(
                d.diagnostic.span.end as usize <= file.text.len(),
                "{}: {:?}",
                path.display(),
                d.diagnostic
            );
        }
    }
}

#[test]
fn rename_using_an_inline_mapping() {
    let r = case("rename-using.qvs");
    let customers = find(&r, "Customers");
    let names: Vec<&str> = customers.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["CustomerID", "CustomerName", "segment"]);
    assert_eq!(
        customers.fields[0].derived_from[0].transform,
        semantic::model::Transform::Rename
    );
    assert!(!r.model.tables.iter().any(|t| t.name == "tmp_customers"));
    let pending: Vec<&str> = r.model.unresolved.iter().map(|u| u.text.as_str()).collect();
    assert_eq!(
        pending,
        ["USING Labels"],
        "the file-fed mapping stays unresolved"
    );
}
