//! Reading a site directory (docs/site-format.md) app by app into [`AppSnapshot`]s, the same
//! in-memory form a crawl produces, so `catalog import` and `crawl --db` store through one
//! path; and writing the catalog's apps back out as a site directory (what lineage reads).

use std::path::{Path, PathBuf};

use super::error::CatalogError;
use crate::qlik::site_format::{file_stem, AppSnapshot, ObjectFile, SiteFile};

fn snapshot_error(path: &Path, message: impl std::fmt::Display) -> CatalogError {
    CatalogError::Snapshot {
        path: path.display().to_string(),
        message: message.to_string(),
    }
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, CatalogError> {
    let text = std::fs::read_to_string(path).map_err(|e| CatalogError::io(path, e))?;
    serde_json::from_str(&text).map_err(|e| snapshot_error(path, e))
}

fn read_optional<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Option<T>, CatalogError> {
    if path.is_file() {
        read_json(path).map(Some)
    } else {
        Ok(None)
    }
}

/// `site.json` of a site directory.
pub fn read_site(dir: &Path) -> Result<SiteFile, CatalogError> {
    let path = dir.join("site.json");
    if !path.is_file() {
        return Err(snapshot_error(
            dir,
            "not a site directory: no site.json (a crawl's --out folder or a site like corpus/site)",
        ));
    }
    read_json(&path)
}

/// The app folders of a site directory, sorted (hidden ones, a crawl's temporary folders,
/// left out).
pub fn app_folders(dir: &Path) -> Result<Vec<PathBuf>, CatalogError> {
    let apps = dir.join("apps");
    let mut out: Vec<PathBuf> = std::fs::read_dir(&apps)
        .map_err(|e| CatalogError::io(&apps, e))?
        .filter_map(|e| e.ok())
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| e.path())
        .filter(|p| p.join("app.json").is_file())
        .collect();
    out.sort();
    Ok(out)
}

/// One app folder.
pub fn read_app(folder: &Path) -> Result<AppSnapshot, CatalogError> {
    let meta = read_json(&folder.join("app.json"))?;
    let script_path = folder.join("script.qvs");
    let script = if script_path.is_file() {
        let bytes = std::fs::read(&script_path).map_err(|e| CatalogError::io(&script_path, e))?;
        String::from_utf8_lossy(&bytes).into_owned()
    } else {
        String::new()
    };
    let mut objects = Vec::new();
    let dir = folder.join("objects");
    if dir.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map_err(|e| CatalogError::io(&dir, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        for path in files {
            let file: ObjectFile = read_json(&path)?;
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            objects.push((stem, file));
        }
    }
    let script_log = match std::fs::read(folder.join("scriptlog.txt")) {
        Ok(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
        Err(_) => None,
    };
    Ok(AppSnapshot {
        meta,
        script,
        objects,
        model: read_optional(&folder.join("model.json"))?,
        lineage: read_optional(&folder.join("lineage.json"))?.unwrap_or_default(),
        script_log,
        connections: read_optional(&folder.join("connections.json"))?.unwrap_or_default(),
        fields: read_optional(&folder.join("fields.json"))?.unwrap_or_default(),
    })
}

fn pretty<T: serde::Serialize>(v: &T) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(v).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// Writes one app as `dir/apps/<id>/`; returns the folder.
pub fn write_app(dir: &Path, app: &AppSnapshot) -> Result<PathBuf, CatalogError> {
    let folder = dir.join("apps").join(file_stem(&app.meta.id));
    let objects = folder.join("objects");
    std::fs::create_dir_all(&objects).map_err(|e| CatalogError::io(&objects, e))?;
    let put = |name: &str, bytes: &[u8]| {
        let p = folder.join(name);
        std::fs::write(&p, bytes).map_err(|e| CatalogError::io(&p, e))
    };
    put("app.json", &pretty(&app.meta))?;
    put("script.qvs", app.script.as_bytes())?;
    put("lineage.json", &pretty(&app.lineage))?;
    if let Some(model) = &app.model {
        put("model.json", &pretty(model))?;
    }
    if !app.connections.is_empty() {
        put("connections.json", &pretty(&app.connections))?;
    }
    if !app.fields.is_empty() {
        put("fields.json", &pretty(&app.fields))?;
    }
    if let Some(log) = &app.script_log {
        put("scriptlog.txt", log.as_bytes())?;
    }
    let mut used = std::collections::BTreeSet::new();
    for (name, object) in &app.objects {
        let mut s = file_stem(name);
        let mut n = 2;
        while !used.insert(s.clone()) {
            s = format!("{}-{n}", file_stem(name));
            n += 1;
        }
        put(&format!("objects/{s}.json"), &pretty(object))?;
    }
    Ok(folder)
}

pub fn write_site(dir: &Path, site: &SiteFile) -> Result<(), CatalogError> {
    std::fs::create_dir_all(dir).map_err(|e| CatalogError::io(dir, e))?;
    let p = dir.join("site.json");
    std::fs::write(&p, pretty(site)).map_err(|e| CatalogError::io(&p, e))
}

/// Files over this size are not copied into the catalog (counted as skipped).
pub const MAX_SITE_FILE: u64 = 64 * 1024 * 1024;

/// A site directory's `files/`.
#[derive(Debug, Default)]
pub struct SiteFiles {
    /// `(path relative to files/ with '/', bytes)`, sorted.
    pub files: Vec<(String, Vec<u8>)>,
    /// Paths not read for their size (over [`MAX_SITE_FILE`]).
    pub skipped: Vec<String>,
}

/// The files under `dir/files/`.
pub fn read_site_files(dir: &Path) -> Result<SiteFiles, CatalogError> {
    let root = dir.join("files");
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    if !root.is_dir() {
        return Ok(SiteFiles::default());
    }
    for entry in walkdir::WalkDir::new(&root)
        .follow_links(true)
        .sort_by_file_name()
    {
        let entry = entry.map_err(|e| snapshot_error(&root, e))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(&root)
            .unwrap_or(entry.path())
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        let size = entry.metadata().map_or(0, |m| m.len());
        if size > MAX_SITE_FILE {
            skipped.push(rel);
            continue;
        }
        let bytes = std::fs::read(entry.path()).map_err(|e| CatalogError::io(entry.path(), e))?;
        files.push((rel, bytes));
    }
    Ok(SiteFiles { files, skipped })
}

/// Writes one stored site file under `dir/files/`; a path that would leave it is refused.
pub fn write_site_file(dir: &Path, rel: &str, bytes: &[u8]) -> Result<(), CatalogError> {
    let safe = rel
        .split('/')
        .all(|c| !c.is_empty() && c != "." && c != ".." && !c.contains(['\\', ':']));
    if !safe {
        return Err(snapshot_error(
            dir,
            format!("stored file path `{rel}` is not a plain relative path"),
        ));
    }
    let path = rel.split('/').fold(dir.join("files"), |p, c| p.join(c));
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| CatalogError::io(parent, e))?;
    }
    std::fs::write(&path, bytes).map_err(|e| CatalogError::io(&path, e))
}
