//! Writing a crawl as a site directory (docs/site-format.md), the format `qlineage simulate
//! --site` serves. Each app is written into a temporary folder and renamed into place, so a
//! killed crawl leaves only complete apps; `site.json` is written last, the same way.

use super::error::CrawlError;
use crate::qlik::site_format::SiteFile;
use serde::Serialize;
use std::path::{Path, PathBuf};

fn io(path: &Path, e: std::io::Error) -> CrawlError {
    CrawlError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

fn pretty<T: Serialize>(value: &T) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(value).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), CrawlError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(|e| io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| io(path, e))
}

pub use crate::qlik::site_format::AppSnapshot;

pub use crate::qlik::site_format::file_stem;

/// The folder an app is written to: its id, which never changes and never collides.
pub fn app_folder(out: &Path, app_id: &str) -> PathBuf {
    out.join("apps").join(file_stem(app_id))
}

/// Writes one app atomically (a temporary folder renamed over the old one).
pub fn write_app(out: &Path, app: &AppSnapshot) -> Result<(), CrawlError> {
    let final_dir = app_folder(out, &app.meta.id);
    let apps = final_dir.parent().unwrap_or(out).to_path_buf();
    std::fs::create_dir_all(&apps).map_err(|e| io(&apps, e))?;
    let tmp = apps.join(format!(
        ".{}.tmp-{}",
        file_stem(&app.meta.id),
        std::process::id()
    ));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(|e| io(&tmp, e))?;
    }
    std::fs::create_dir_all(tmp.join("objects")).map_err(|e| io(&tmp, e))?;
    let put = |name: &str, bytes: &[u8]| {
        let p = tmp.join(name);
        std::fs::write(&p, bytes).map_err(|e| io(&p, e))
    };
    put("app.json", &pretty(&app.meta))?;
    put("script.qvs", app.script.as_bytes())?;
    put("lineage.json", &pretty(&app.lineage))?;
    if let Some(model) = &app.model {
        put("model.json", &pretty(model))?;
    }
    put("connections.json", &pretty(&app.connections))?;
    if !app.fields.is_empty() {
        put("fields.json", &pretty(&app.fields))?;
    }
    if let Some(log) = &app.script_log {
        put("scriptlog.txt", log.as_bytes())?;
    }
    for (stem, object) in &app.objects {
        put(&format!("objects/{stem}.json"), &pretty(object))?;
    }
    if final_dir.exists() {
        std::fs::remove_dir_all(&final_dir).map_err(|e| io(&final_dir, e))?;
    }
    std::fs::rename(&tmp, &final_dir).map_err(|e| io(&final_dir, e))
}

/// Writes `site.json` (last, atomically).
pub fn write_site(out: &Path, site: &SiteFile) -> Result<(), CrawlError> {
    write_atomic(&out.join("site.json"), &pretty(site))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qlik::site_format::AppFile;

    #[test]
    fn stems_are_safe() {
        assert_eq!(file_stem("a1b2-c3"), "a1b2-c3");
        assert_eq!(file_stem("../x/y"), "___x_y");
        assert_eq!(file_stem(""), "object");
    }

    #[test]
    fn an_app_is_replaced_whole() {
        let dir = tempfile::tempdir().unwrap();
        let meta: AppFile = serde_json::from_value(serde_json::json!({
            "id": "a1", "name": "A", "owner": "D\\u",
            "createdDate": "2026-01-01T00:00:00.000Z", "modifiedDate": "2026-01-01T00:00:00.000Z"}))
        .unwrap();
        let mut app = AppSnapshot {
            meta,
            script: "LOAD 1 AS x AUTOGENERATE 1;".into(),
            objects: Vec::new(),
            model: None,
            lineage: Vec::new(),
            script_log: Some("log".into()),
            connections: Vec::new(),
            fields: Vec::new(),
        };
        write_app(dir.path(), &app).unwrap();
        let folder = app_folder(dir.path(), "a1");
        assert!(folder.join("scriptlog.txt").exists());
        app.script_log = None;
        write_app(dir.path(), &app).unwrap();
        assert!(!folder.join("scriptlog.txt").exists());
        let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("apps"))
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
            .collect();
        assert!(leftovers.is_empty());
    }
}
