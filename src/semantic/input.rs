//! What an app is on disk: a script file, a QlikView `-prj` folder (`LoadScript.txt`), a
//! qlik-cli unbuild folder (`script.qvs`), or an app folder of a site snapshot
//! (`apps/<app>/script.qvs` next to `site.json`, whose data connections and `files/` folder
//! then come with it).

use std::path::{Path, PathBuf};

use super::connections::{self, ConnectionKind, Connections};
use crate::source::SourceFile;

/// One app to resolve: its main script and the connection map.
#[derive(Debug, Clone)]
pub struct AppInput {
    /// How the user named the app (file or folder).
    pub path: String,
    pub script: SourceFile,
    pub connections: Connections,
    /// The folder relative paths and includes are taken against.
    pub app_dir: Option<PathBuf>,
    /// Folders the input itself brings (a site snapshot's `files/`), readable like
    /// `--include-root`.
    pub roots: Vec<PathBuf>,
    /// The app's id and name from the `app.json` beside its script (a site snapshot's app
    /// folder): a BINARY statement may name the app by either.
    pub app_id: Option<String>,
    pub app_name: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: not a script file, -prj folder, unbuild folder or site app folder")]
    NotAnApp { path: String },
    #[error(transparent)]
    Connections(#[from] connections::ConnectionsError),
}

impl AppInput {
    /// A script held in memory (tests, the Engine's GetScript).
    pub fn from_text(name: &str, text: &str, connections: Connections) -> AppInput {
        AppInput {
            path: name.to_string(),
            script: SourceFile::new(name, text),
            connections,
            app_dir: None,
            roots: Vec::new(),
            app_id: None,
            app_name: None,
        }
    }

    /// Reads an app from disk. Connections given by the user win over a site snapshot's.
    pub fn read(path: &Path, user_connections: &Connections) -> Result<AppInput, InputError> {
        let display = path.display().to_string();
        let io = |source| InputError::Io {
            path: display.clone(),
            source,
        };
        let meta = std::fs::metadata(path).map_err(io)?;
        let (script_path, app_dir) = if meta.is_file() {
            (path.to_path_buf(), path.parent().map(Path::to_path_buf))
        } else {
            let candidates = ["script.qvs", "LoadScript.txt", "loadscript.txt"];
            let found = candidates
                .iter()
                .map(|c| path.join(c))
                .find(|p| p.is_file())
                .ok_or_else(|| InputError::NotAnApp {
                    path: display.clone(),
                })?;
            (found, Some(path.to_path_buf()))
        };
        let bytes = std::fs::read(&script_path).map_err(|source| InputError::Io {
            path: script_path.display().to_string(),
            source,
        })?;
        let script = SourceFile::decode(script_path.display().to_string(), &bytes);
        let mut input = AppInput {
            path: display.clone(),
            script,
            connections: Connections::default(),
            app_dir,
            roots: Vec::new(),
            app_id: None,
            app_name: None,
        };
        if !meta.is_file() {
            input.read_app_json(path);
        }
        if let Some(site) = site_of(&script_path) {
            input.add_site(&site);
        }
        for connection in user_connections.iter() {
            input.connections.insert(connection.clone());
        }
        for mount in user_connections.mounts() {
            input.connections.add_mount(mount.clone());
        }
        Ok(input)
    }

    /// Takes the app's id and name from `app.json` in its folder, when there is one.
    fn read_app_json(&mut self, dir: &Path) {
        let Ok(text) = std::fs::read_to_string(dir.join("app.json")) else {
            return;
        };
        let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
            return;
        };
        let text_of = |key: &str| json.get(key).and_then(|v| v.as_str()).map(str::to_string);
        self.app_id = text_of("id");
        self.app_name = text_of("name");
    }

    /// Takes a site snapshot's data connections; folder connections read from
    /// `files/<name>/` when that folder exists.
    fn add_site(&mut self, site: &Path) {
        let Ok(text) = std::fs::read_to_string(site.join("site.json")) else {
            return;
        };
        let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
            return;
        };
        let files = site.join("files");
        for entry in json
            .get("data_connections")
            .and_then(|c| c.as_array())
            .into_iter()
            .flatten()
        {
            let (Some(name), Some(kind)) = (
                entry.get("name").and_then(|v| v.as_str()),
                entry.get("type").and_then(|v| v.as_str()),
            ) else {
                continue;
            };
            let string = entry
                .get("connectionstring")
                .and_then(|v| v.as_str())
                .unwrap_or("");
            let mut connection = connections::from_qrs(name, kind, string, site);
            if let ConnectionKind::Folder { disk, .. } = &mut connection.kind {
                let local = files.join(name);
                *disk = local.is_dir().then_some(local);
            }
            self.connections.insert(connection);
        }
        if files.is_dir() {
            self.roots.push(files);
        }
    }
}

/// The site directory of a script at `<site>/apps/<app>/script.qvs`, if it is one.
fn site_of(script: &Path) -> Option<PathBuf> {
    let app = script.parent()?;
    let apps = app.parent()?;
    let site = apps.parent()?;
    (apps.file_name()? == "apps" && site.join("site.json").is_file()).then(|| site.to_path_buf())
}
