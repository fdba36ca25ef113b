//! The three-layer estate in `corpus/estate/`: every app resolves with nothing unresolved
//! but run-time values, and every QVD a layer reads is stored, at the same resolved path, by
//! another app of the same layer or one below (which is what cross-app lineage will link).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use qlineage::semantic::model::{LoadKind, SourceKind};
use qlineage::semantic::{self, AppInput, Connections, ResolveOptions, Resolved};

fn estate() -> Vec<(String, Resolved)> {
    std::env::set_current_dir(env!("CARGO_MANIFEST_DIR")).unwrap();
    let connections =
        Connections::read(Path::new("corpus/estate/connections.json")).expect("connections");
    let options = ResolveOptions {
        include_roots: vec![PathBuf::from("corpus/estate")],
        files_root: Some(PathBuf::from("corpus/estate/files")),
        ..ResolveOptions::default()
    };
    let mut apps: Vec<PathBuf> = std::fs::read_dir("corpus/estate/apps")
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    apps.sort();
    apps.into_iter()
        .map(|app| {
            let name = app.file_name().unwrap().to_string_lossy().into_owned();
            let input = AppInput::read(&app, &connections).expect("app reads");
            (name, semantic::resolve(&input, &options))
        })
        .collect()
}

fn layer(name: &str) -> u32 {
    name[..1].parse().unwrap()
}

#[test]
fn estate_has_three_layers_of_apps() {
    let apps = estate();
    assert!(apps.len() >= 8);
    let layers: BTreeSet<u32> = apps.iter().map(|(n, _)| layer(n)).collect();
    assert_eq!(layers, BTreeSet::from([0, 1, 2]));
}

#[test]
fn every_app_resolves() {
    for (name, resolved) in estate() {
        assert!(
            !resolved.has_errors(),
            "{name}: {:#?}",
            resolved.diagnostics
        );
        let static_gaps: Vec<_> = resolved
            .model
            .unresolved
            .iter()
            .filter(|u| !u.runtime)
            .collect();
        assert!(static_gaps.is_empty(), "{name}: {static_gaps:#?}");
        assert!(
            resolved.model.loads.iter().all(|l| l.resolved),
            "{name}: every load resolved"
        );
    }
}

#[test]
fn every_qvd_read_is_stored_by_another_app_below_or_beside() {
    let apps = estate();
    let mut checked = 0;
    for (name, resolved) in &apps {
        for load in resolved
            .model
            .loads
            .iter()
            .filter(|l| l.source.kind == Some(SourceKind::Qvd) && l.kind != LoadKind::Preceding)
        {
            let path = load.source.resolved_path.as_deref().expect("resolved path");
            let writers: Vec<&str> = apps
                .iter()
                .filter(|(other, r)| {
                    layer(other) <= layer(name)
                        && other != name
                        && r.model
                            .stores
                            .iter()
                            .any(|s| s.resolved_path.as_deref() == Some(path))
                })
                .map(|(other, _)| other.as_str())
                .collect();
            assert!(
                !writers.is_empty(),
                "{name} reads {path}, which no other app of its layer or a lower one stores"
            );
            checked += 1;
        }
    }
    assert!(checked >= 15, "only {checked} QVD reads checked");
}

#[test]
fn extract_subs_store_through_variables() {
    let apps = estate();
    let (_, crm) = apps.iter().find(|(n, _)| n == "01-extract-crm").unwrap();
    let stored: Vec<&str> = crm
        .model
        .stores
        .iter()
        .map(|s| s.resolved_path.as_deref().unwrap())
        .collect();
    assert_eq!(
        stored,
        [
            "\\\\nas01\\qlik\\qvd\\Extract\\Customers.qvd",
            "\\\\nas01\\qlik\\qvd\\Extract\\Segments.qvd",
            "\\\\nas01\\qlik\\qvd\\Extract\\Countries.qvd"
        ]
    );
    let (_, files) = apps.iter().find(|(n, _)| n == "03-extract-files").unwrap();
    assert_eq!(files.model.loads.len(), 2, "FileList listed both drops");
}
