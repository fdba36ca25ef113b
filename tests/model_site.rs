//! The demo site's apps resolve completely: nothing unresolved except run-time values, no
//! errors, and the tables and fields the resolver predicts are exactly those of each app's
//! data model as the site records it (`model.json`, what the engine's GetTablesAndKeys gives).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use qlineage::semantic::{self, AppInput, Connections, ResolveOptions};

fn site_apps() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/site/apps");
    let mut apps: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("corpus/site/apps")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.join("script.qvs").is_file())
        .collect();
    apps.sort();
    apps
}

type Tables = BTreeMap<String, Vec<String>>;

fn recorded_model(app: &Path) -> Tables {
    let text = std::fs::read_to_string(app.join("model.json")).expect("model.json");
    let json: serde_json::Value = serde_json::from_str(&text).expect("json");
    json["tables"]
        .as_array()
        .expect("tables")
        .iter()
        .map(|t| {
            let mut fields: Vec<String> = t["fields"]
                .as_array()
                .expect("fields")
                .iter()
                .map(|f| f["name"].as_str().expect("name").to_string())
                .collect();
            fields.sort();
            (t["name"].as_str().expect("name").to_string(), fields)
        })
        .collect()
}

#[test]
fn site_apps_resolve_with_only_runtime_values_unresolved() {
    let apps = site_apps();
    assert!(apps.len() >= 10, "the demo site has its apps");
    for app in apps {
        let input = AppInput::read(&app, &Connections::default()).expect("app reads");
        let resolved = semantic::resolve(&input, &ResolveOptions::default());
        let model = &resolved.model;
        let not_runtime: Vec<_> = model.unresolved.iter().filter(|u| !u.runtime).collect();
        assert!(
            not_runtime.is_empty(),
            "{}: {not_runtime:#?}",
            app.display()
        );
        assert!(
            !resolved.has_errors(),
            "{}: {:#?}",
            app.display(),
            resolved.diagnostics
        );
        if input
            .script
            .text
            .contains("Include=lib://Scripts/config.qvs")
        {
            assert!(
                model.files.len() >= 2,
                "{}: the shared config include was read",
                app.display()
            );
        }
        for load in &model.loads {
            assert!(
                !load.target.is_empty(),
                "{}: every load has a target",
                app.display()
            );
        }
        let ours: Tables = model
            .tables
            .iter()
            .map(|t| {
                let mut fields: Vec<String> = t.fields.iter().map(|f| f.name.clone()).collect();
                fields.sort();
                (t.name.clone(), fields)
            })
            .collect();
        assert_eq!(
            ours,
            recorded_model(&app),
            "{}: tables and fields",
            app.display()
        );
    }
}

#[test]
fn extract_stores_resolve_to_the_folder_connection() {
    let app = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/site/apps/extract-erp-sales");
    let input = AppInput::read(&app, &Connections::default()).expect("app reads");
    let resolved = semantic::resolve(&input, &ResolveOptions::default());
    let stores: Vec<&str> = resolved
        .model
        .stores
        .iter()
        .map(|s| s.resolved_path.as_deref().unwrap_or(""))
        .collect();
    assert!(
        stores.contains(&"\\\\fileserver\\qlik\\qvd\\Extract\\Orders.qvd"),
        "{stores:?}"
    );
    assert!(
        stores.contains(&"\\\\fileserver\\qlik\\qvd\\Extract\\SalesReps.qvd"),
        "FOR EACH unrolled: {stores:?}"
    );
    assert!(resolved
        .model
        .stores
        .iter()
        .all(|s| s.resolved && s.format == "qvd"));
}
