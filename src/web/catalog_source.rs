//! The explorer over a catalog: its last lineage build, the apps' scripts for excerpts, and
//! the views read per request (the changes report, sheet previews). The catalog is opened
//! read-only each time: a crawl writing it is never blocked, and answers follow its commits.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use super::explorer::{ExplorerError, SourceText};
use crate::catalog::Catalog;
use crate::lineage::LineageGraph;
use crate::preview::{self, SheetSource};

fn open(path: &Path) -> Result<Catalog, ExplorerError> {
    Catalog::open_read_only(path).map_err(|e| catalog_error(path, e))
}

fn catalog_error(path: &Path, e: impl std::fmt::Display) -> ExplorerError {
    ExplorerError::Catalog {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// What the explorer's index is built from.
pub struct CatalogData {
    pub lineage: LineageGraph,
    /// The script text of each file an edge names.
    pub sources: BTreeMap<String, SourceText>,
    /// When the last successful crawl finished.
    pub last_crawl: Option<String>,
}

/// The catalog's last lineage build with its scripts and the last successful crawl.
pub fn read(path: &Path) -> Result<CatalogData, ExplorerError> {
    let catalog = open(path)?;
    let lineage = catalog
        .lineage_graph()
        .map_err(|e| catalog_error(path, e))?
        .ok_or_else(|| {
            catalog_error(
                path,
                "the catalog holds no lineage yet: run `qlineage lineage --db FILE` (or crawl with --db)",
            )
        })?;
    // Edges name the script of an app folder (`…/apps/<app folder>/script.qvs`): its text
    // is the app's stored script.
    let mut scripts: BTreeMap<String, String> = BTreeMap::new();
    for app in catalog.apps().map_err(|e| catalog_error(path, e))? {
        if let Some(snapshot) = catalog
            .app_snapshot(&app.id)
            .map_err(|e| catalog_error(path, e))?
        {
            scripts.insert(
                crate::qlik::site_format::file_stem(&app.id),
                snapshot.script,
            );
        }
    }
    let mut sources = BTreeMap::new();
    for edge in lineage.graph.edges() {
        let Some(span) = &edge.edge.span else {
            continue;
        };
        if sources.contains_key(&span.file) {
            continue;
        }
        let text = app_folder(&span.file)
            .and_then(|folder| scripts.get(folder))
            .map_or_else(
                || SourceText::Missing {
                    missing: "not an app's main script in the catalog (an include file?)".into(),
                },
                |script| SourceText::Lines {
                    lines: script.lines().map(str::to_string).collect(),
                },
            );
        sources.insert(span.file.clone(), text);
    }
    let last_crawl = catalog
        .runs()
        .map_err(|e| catalog_error(path, e))?
        .into_iter()
        .rev()
        .find(|r| r.status == "ok" || r.status == "partial")
        .and_then(|r| r.finished.or(Some(r.started)));
    Ok(CatalogData {
        lineage,
        sources,
        last_crawl,
    })
}

/// The app folder of a main script path (`…/apps/<folder>/script.qvs`).
fn app_folder(file: &str) -> Option<&str> {
    let parent = file
        .strip_suffix("/script.qvs")
        .or_else(|| file.strip_suffix("\\script.qvs"))?;
    let (rest, folder) = parent.rsplit_once(['/', '\\'])?;
    (rest.ends_with("apps")).then_some(folder)
}

/// The changes report after run `since` (default: the last run's), as `qlineage changes
/// --format json` prints it.
pub fn changes(path: &Path, since: Option<i64>) -> Result<Value, String> {
    let catalog = open(path).map_err(|e| e.to_string())?;
    let changes = catalog.changes(since).map_err(|e| e.to_string())?;
    serde_json::to_value(changes).map_err(|e| e.to_string())
}

/// A sheet drawn as SVG, by its lineage node id (`sheet:<app>/<sheet>`); `None` when the
/// catalog has no such sheet.
pub fn preview_svg(path: &Path, node_id: &str) -> Result<Option<String>, String> {
    let Some((app, sheet)) = node_id
        .strip_prefix("sheet:")
        .and_then(|rest| rest.split_once('/'))
    else {
        return Ok(None);
    };
    let source = preview::catalog_source::CatalogSource::open(path).map_err(|e| e.to_string())?;
    let view = match source.app(app) {
        Ok(v) => v,
        Err(preview::PreviewError::AppNotFound { .. }) => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    let link = source.site_link(app).ok().flatten();
    match preview::select(view, Some(sheet), link.as_ref()) {
        Ok(sheets) => Ok(sheets.first().map(preview::svg::render)),
        Err(preview::PreviewError::SheetNotFound { .. } | preview::PreviewError::NoSheets(_)) => {
            Ok(None)
        }
        Err(e) => Err(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_folders_of_script_paths() {
        assert_eq!(app_folder("/tmp/x/site-1/apps/a_b/script.qvs"), Some("a_b"));
        assert_eq!(app_folder(r"C:\s\apps\a1\script.qvs"), Some("a1"));
        assert_eq!(app_folder("/tmp/x/apps/a1/inc/script.qvs"), None);
        assert_eq!(app_folder("/tmp/x/apps/a1/other.qvs"), None);
    }
}
