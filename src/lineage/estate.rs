//! Which apps a run covers and what is known about each beyond its script: the command-line
//! paths read as script files, app folders (unbuild, `-prj`), folders of apps, or a site
//! snapshot (`site.json` + `apps/<app>/`), whose app records, objects and engine lineage come
//! with it.

use std::path::{Path, PathBuf};

use super::from_model::AppRef;
use crate::qlik::site_format::AppFile;

/// One app of the estate, before it is resolved.
#[derive(Debug, Clone)]
pub struct EstateApp {
    /// The script file or app folder [`crate::semantic::AppInput::read`] takes.
    pub path: PathBuf,
    pub app: AppRef,
    /// Engine objects: a site snapshot's `objects/` or an unbuild folder's JSON files.
    pub objects: Option<PathBuf>,
    /// The engine's `GetLineage` of the last reload (`lineage.json` of a site snapshot).
    pub engine_lineage: Option<PathBuf>,
    /// The last reload's script log.
    pub script_log: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum EstateError {
    #[error(transparent)]
    Input(#[from] crate::inputs::InputError),
    #[error("{path}: {message}")]
    AppRecord { path: String, message: String },
}

const SCRIPT_NAMES: [&str; 3] = ["script.qvs", "LoadScript.txt", "loadscript.txt"];

/// The apps the given paths name, in a stable order.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<EstateApp>, EstateError> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() && path.join("site.json").is_file() && path.join("apps").is_dir() {
            let mut folders: Vec<PathBuf> = std::fs::read_dir(path.join("apps"))
                .map_err(|source| crate::inputs::InputError {
                    path: path.join("apps"),
                    problem: crate::inputs::InputProblem::Io(source),
                })?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_dir())
                .collect();
            folders.sort();
            for folder in folders {
                if is_app_dir(&folder) {
                    out.push(app_from_folder(&folder)?);
                }
            }
        } else if path.is_file() || is_app_dir(path) {
            out.push(if path.is_file() {
                script_app(path)
            } else {
                app_from_folder(path)?
            });
        } else {
            for file in crate::inputs::script_files(std::slice::from_ref(path)).into_result()? {
                // A script inside an app folder stands for that folder.
                let parent = file.parent().map(Path::to_path_buf);
                match parent {
                    Some(dir)
                        if is_app_dir(&dir) && SCRIPT_NAMES.iter().any(|n| file.ends_with(n)) =>
                    {
                        out.push(app_from_folder(&dir)?)
                    }
                    _ => out.push(script_app(&file)),
                }
            }
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out.dedup_by(|a, b| a.path == b.path);
    Ok(out)
}

fn is_app_dir(path: &Path) -> bool {
    path.is_dir() && SCRIPT_NAMES.iter().any(|f| path.join(f).is_file())
}

fn display(path: &Path) -> String {
    path.display().to_string().replace('\\', "/")
}

fn base_of(path: &Path) -> Option<String> {
    let dir = if path.is_dir() {
        // A `-prj` folder stands beside its `.qvw`: relative paths start there.
        let is_prj = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.ends_with("-prj"));
        if is_prj {
            path.parent()?.to_path_buf()
        } else {
            path.to_path_buf()
        }
    } else {
        path.parent()?.to_path_buf()
    };
    // As given, not made absolute: ids must not depend on where the estate is checked out.
    Some(display(&dir))
}

/// An app known by its path only (keyed by it, named `name`), before its folder adds more.
fn plain_app(path: &Path, name: String) -> EstateApp {
    let key = display(path);
    EstateApp {
        path: path.to_path_buf(),
        app: AppRef {
            key: key.clone(),
            name,
            base: base_of(path),
            qvd_dirs: Vec::new(),
            estate_keys: Default::default(),
            attrs: vec![("path", key)],
        },
        objects: None,
        engine_lineage: None,
        script_log: None,
    }
}

fn script_app(file: &Path) -> EstateApp {
    let name = file
        .file_stem()
        .and_then(|s| s.to_str())
        .map_or_else(|| display(file), str::to_string);
    plain_app(file, name)
}

fn app_from_folder(folder: &Path) -> Result<EstateApp, EstateError> {
    let folder_name = folder.file_name().and_then(|s| s.to_str()).map_or_else(
        || display(folder),
        |n| n.trim_end_matches("-prj").to_string(),
    );
    let mut app = plain_app(folder, folder_name);
    let record = folder.join("app.json");
    if record.is_file() {
        let text = std::fs::read_to_string(&record).map_err(|e| EstateError::AppRecord {
            path: record.display().to_string(),
            message: e.to_string(),
        })?;
        let file: AppFile = serde_json::from_str(&text).map_err(|e| EstateError::AppRecord {
            path: record.display().to_string(),
            message: e.to_string(),
        })?;
        app.app.key = file.id.clone();
        app.app.name = file.name.clone();
        app.app.attrs.extend(app_attrs(&file));
    }
    let objects = folder.join("objects");
    let unbuild = ["measures.json", "dimensions.json", "variables.json"]
        .iter()
        .any(|f| folder.join(f).is_file());
    if objects.is_dir() || unbuild {
        app.objects = Some(folder.to_path_buf());
    }
    let lineage = folder.join("lineage.json");
    if lineage.is_file() {
        app.engine_lineage = Some(lineage);
    }
    for log in ["scriptlog.txt", "script.log"] {
        if folder.join(log).is_file() {
            app.script_log = Some(folder.join(log));
        }
    }
    Ok(app)
}

/// The repository facts a catalog shows for an app.
fn app_attrs(file: &AppFile) -> Vec<(&'static str, String)> {
    let mut attrs = vec![
        ("app_id", file.id.clone()),
        ("owner", file.owner.clone()),
        ("published", file.published.to_string()),
        ("modified", file.modified_date.clone()),
    ];
    if let Some(stream) = &file.stream {
        attrs.push(("stream", stream.clone()));
    }
    if let Some(reload) = &file.last_reload_time {
        attrs.push(("last_reload", reload.clone()));
    }
    if !file.description.is_empty() {
        attrs.push(("description", file.description.clone()));
    }
    if !file.tags.is_empty() {
        attrs.push(("tags", file.tags.join(", ")));
    }
    attrs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_site_snapshot_is_its_apps_keyed_by_id() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/site");
        let apps = discover(&[root]).unwrap();
        assert!(apps.len() >= 10, "{}", apps.len());
        let dash = apps
            .iter()
            .find(|a| a.app.name == "Sales Dashboard")
            .expect("the demo's dashboard");
        assert_eq!(dash.app.key, "815cee8e-72c1-5a0c-869a-75de4e928f04");
        assert!(dash.objects.is_some() && dash.engine_lineage.is_some());
        assert!(dash
            .app
            .attrs
            .iter()
            .any(|(k, v)| *k == "stream" && v == "Sales"));
    }

    #[test]
    fn unbuild_folders_and_script_files() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/estate/apps");
        let apps = discover(&[root]).unwrap();
        assert_eq!(apps.len(), 10);
        assert!(apps.iter().all(|a| a.app.key.ends_with(&a.app.name)));
    }
}
