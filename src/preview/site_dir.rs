//! Sheets read from a site directory (docs/site-format.md): the bundled demo, a crawl's
//! snapshot, or a site written by hand.

use std::path::{Path, PathBuf};

use super::build::{app_view, AppRef};
use super::model::AppView;
use super::{PreviewError, SheetSource};
use crate::qlik::site_format::{AppFile, ObjectFile};

/// A site directory as a source of sheets.
#[derive(Debug, Clone)]
pub struct SiteDirectory {
    root: PathBuf,
}

impl SiteDirectory {
    /// A site directory; fails when `root` has no `apps/` folder.
    pub fn open(root: impl Into<PathBuf>) -> Result<SiteDirectory, PreviewError> {
        let root = root.into();
        if !root.join("apps").is_dir() {
            return Err(PreviewError::NotASite(root));
        }
        Ok(SiteDirectory { root })
    }

    /// Every app: (folder, app.json), in folder order.
    pub fn apps(&self) -> Result<Vec<(PathBuf, AppFile)>, PreviewError> {
        let apps = self.root.join("apps");
        let entries = std::fs::read_dir(&apps).map_err(|e| io(&apps, e))?;
        let mut folders = Vec::new();
        for entry in entries {
            let path = entry.map_err(|e| io(&apps, e))?.path();
            if path.join("app.json").is_file() {
                folders.push(path);
            }
        }
        folders.sort();
        folders
            .into_iter()
            .map(|dir| {
                let app: AppFile = read_json(&dir.join("app.json"))?;
                Ok((dir, app))
            })
            .collect()
    }

    /// The app's folder: matched by id, then folder name, then app name (which must be
    /// unique).
    fn find(&self, wanted: &str) -> Result<(PathBuf, AppFile), PreviewError> {
        let apps = self.apps()?;
        let folder_name = |dir: &Path| {
            dir.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        if let Some(found) = apps.iter().find(|(_, a)| a.id == wanted) {
            return Ok(found.clone());
        }
        if let Some(found) = apps.iter().find(|(d, _)| folder_name(d) == wanted) {
            return Ok(found.clone());
        }
        let by_name: Vec<_> = apps.iter().filter(|(_, a)| a.name == wanted).collect();
        match by_name.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(PreviewError::AppNotFound {
                app: wanted.to_string(),
                known: apps
                    .iter()
                    .map(|(_, a)| format!("{} ({})", a.id, a.name))
                    .collect(),
            }),
            many => Err(PreviewError::AppAmbiguous {
                app: wanted.to_string(),
                ids: many.iter().map(|(_, a)| a.id.clone()).collect(),
            }),
        }
    }
}

impl SheetSource for SiteDirectory {
    fn app(&self, app: &str) -> Result<AppView, PreviewError> {
        let (dir, app) = self.find(app)?;
        let objects_dir = dir.join("objects");
        let mut files = Vec::new();
        if objects_dir.is_dir() {
            for entry in std::fs::read_dir(&objects_dir).map_err(|e| io(&objects_dir, e))? {
                let path = entry.map_err(|e| io(&objects_dir, e))?.path();
                if path.extension().is_some_and(|x| x == "json") {
                    files.push(path);
                }
            }
        }
        files.sort();
        let objects = files
            .iter()
            .map(|f| read_json::<ObjectFile>(f))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(app_view(
            AppRef {
                id: &app.id,
                name: &app.name,
            },
            &objects,
        ))
    }
}

fn io(path: &Path, source: std::io::Error) -> PreviewError {
    PreviewError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, PreviewError> {
    let bytes = std::fs::read(path).map_err(|e| io(path, e))?;
    serde_json::from_slice(&bytes).map_err(|e| PreviewError::Json {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })
}
