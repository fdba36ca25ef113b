//! The bundled demo site (`corpus/site/`): its load scripts and include files parse without
//! errors, its QVD files read and name the app that stores them as `CreatorDoc`, and its charts
//! refer to fields of the app's data model and to master items that exist.

use qlineage::diagnostics::Severity;
use qlineage::source::SourceFile;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn site_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/site")
}

fn site_files(filter: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    qlineage::inputs::discover(&[site_root()], filter)
        .into_result()
        .expect("the site is readable")
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn app_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(site_root().join("apps"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn every_site_script_parses_without_errors() {
    let files = site_files(qlineage::inputs::is_script_file);
    assert!(
        files.len() >= 14,
        "expected the apps' scripts and the include files, found {}",
        files.len()
    );
    let mut problems = Vec::new();
    for path in files {
        let rel = path
            .strip_prefix(site_root())
            .unwrap()
            .display()
            .to_string();
        let source = SourceFile::decode(rel, &std::fs::read(&path).unwrap());
        let parsed = qlineage::syntax::parse(&source);
        for d in parsed
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
        {
            let at = source.line_col(d.span.start);
            problems.push(format!(
                "{}:{}:{} {} {}",
                source.path, at.line, at.column, d.code, d.message
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_site_qvd_reads_and_names_its_writer_app() {
    let qvd_root = site_root().join("files/QVD");
    let files = site_files(|p| p.extension().is_some_and(|e| e == "qvd"));
    assert!(files.len() >= 10, "found {} QVD files", files.len());
    let apps: Vec<(String, String, String, PathBuf)> = app_dirs()
        .into_iter()
        .map(|dir| {
            let app = read_json(&dir.join("app.json"));
            (
                app["id"].as_str().unwrap().to_string(),
                std::fs::read_to_string(dir.join("script.qvs")).unwrap(),
                std::fs::read_to_string(dir.join("lineage.json")).unwrap(),
                dir,
            )
        })
        .collect();
    let mut problems = Vec::new();
    for path in files {
        let rel = path
            .strip_prefix(&qvd_root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let header = match qlineage::qvd::read_header(&path) {
            Ok(h) => h,
            Err(e) => {
                problems.push(format!("{rel}: {e}"));
                continue;
            }
        };
        if let Err(e) = qlineage::qvd::QvdFile::open(&path) {
            problems.push(format!("{rel}: {e}"));
        }
        let stem = Path::new(&rel).file_stem().unwrap().to_string_lossy();
        let Some((_, script, lineage, dir)) =
            apps.iter().find(|(id, ..)| *id == header.creator_doc)
        else {
            problems.push(format!(
                "{rel}: CreatorDoc {} is no app of the site",
                header.creator_doc
            ));
            continue;
        };
        // The script stores the table, directly or through the StoreAndDrop sub.
        let stores = script.contains("STORE") || script.contains("StoreAndDrop");
        let names =
            script.contains(&format!("'{stem}'")) || script.contains(&format!("{stem}.qvd"));
        if !(stores && names) {
            problems.push(format!(
                "{rel}: the script of {} does not store {stem}",
                dir.display()
            ));
        }
        // The writer app's GetLineage has the STORE, and so does the QVD's own lineage.
        let target = format!("INTO [lib://QVD/{rel}] (qvd)");
        if !lineage.contains(&target) {
            problems.push(format!(
                "{rel}: {}/lineage.json lacks {target}",
                dir.display()
            ));
        }
        if !header
            .lineage
            .iter()
            .any(|l| l.discriminator.contains(&target))
        {
            problems.push(format!("{rel}: the QVD's lineage lacks {target}"));
        }
        if header.table_name != stem {
            problems.push(format!("{rel}: table {} is not {stem}", header.table_name));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn collect<'a>(value: &'a Value, key: &str, out: &mut Vec<&'a Value>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k == key {
                    out.push(v);
                }
                collect(v, key, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect(v, key, out)),
        _ => {}
    }
}

#[test]
fn charts_use_model_fields_and_existing_master_items() {
    let mut problems = Vec::new();
    for dir in app_dirs() {
        let app = dir.file_name().unwrap().to_string_lossy().to_string();
        let model = read_json(&dir.join("model.json"));
        let mut fields = std::collections::HashSet::new();
        for table in model["tables"].as_array().unwrap() {
            for field in table["fields"].as_array().unwrap() {
                fields.insert(field["name"].as_str().unwrap().to_string());
            }
        }
        let objects: Vec<Value> = site_files(|p| p.starts_with(dir.join("objects")))
            .iter()
            .map(|p| read_json(p))
            .collect();
        let mut ids = std::collections::HashSet::new();
        for object in &objects {
            let mut found = Vec::new();
            collect(object, "qId", &mut found);
            ids.extend(found.iter().filter_map(|v| v.as_str()).map(str::to_string));
        }
        for object in &objects {
            let mut defs = Vec::new();
            collect(object, "qFieldDefs", &mut defs);
            for field in defs.iter().flat_map(|d| d.as_array().unwrap()) {
                let field = field.as_str().unwrap();
                if !field.starts_with('=') && !fields.contains(field) {
                    problems.push(format!("{app}: field {field} is not in model.json"));
                }
            }
            let mut links = Vec::new();
            collect(object, "qLibraryId", &mut links);
            collect(object, "qExtendsId", &mut links);
            for id in links.iter().filter_map(|v| v.as_str()) {
                if !id.is_empty() && !ids.contains(id) {
                    problems.push(format!("{app}: master item {id} does not exist"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
