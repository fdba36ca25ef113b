//! What changed between runs, for the people notified of metadata changes: apps, sheets,
//! objects, data-model fields and scripts added, removed or modified (recorded by each run as
//! it stored its apps), and broken lineage in the latest lineage build (a chart using a field
//! no load produces, a QVD read that no app writes).

use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::{Catalog, CatalogError, Run};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangeItem {
    pub run: i64,
    pub app_id: String,
    pub app_name: String,
    /// `app`, `sheet`, `object`, `field` or `script`.
    pub item: String,
    pub item_id: String,
    pub name: String,
    /// `added`, `removed`, `modified` or `reloaded` (apps).
    pub change: String,
    /// The object's type, the app's changed properties, the field's table…
    pub detail: String,
}

/// A lineage break found by a lineage build.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Broken {
    /// `chart-field` (a chart uses a field no table of its app loads) or `qvd-no-writer` (a
    /// QVD read by an app but stored by none).
    pub kind: String,
    pub message: String,
    /// The node ids concerned, the broken one first.
    pub nodes: Vec<String>,
    /// Not in the lineage build before: it broke since.
    #[serde(default)]
    pub new: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Changes {
    /// Changes after this run (exclusive).
    pub since_run: i64,
    /// The runs covered.
    pub runs: Vec<Run>,
    pub items: Vec<ChangeItem>,
    /// Broken lineage in the latest build; `None` when lineage was never built.
    pub broken: Option<Vec<Broken>>,
}

impl Catalog {
    /// Changes recorded by the runs after `since` (a run id); by default, the last run's.
    pub fn changes(&self, since: Option<i64>) -> Result<Changes, CatalogError> {
        let runs = self.runs()?;
        let since = match since {
            Some(s) => {
                if !runs.iter().any(|r| r.id == s) && s != 0 {
                    return Err(CatalogError::NotFound(format!(
                        "{}: no run {s} (runs: {})",
                        self.path.display(),
                        runs.iter()
                            .map(|r| r.id.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                }
                s
            }
            None => runs.iter().rev().nth(1).map_or(0, |r| r.id),
        };
        let mut stmt = self
            .conn
            .prepare(
                "SELECT run_id, app_id, app_name, item, item_id, name, change, detail FROM change
                 WHERE run_id > ?1 ORDER BY app_name, app_id, run_id,
                   CASE item WHEN 'app' THEN 0 WHEN 'script' THEN 1 WHEN 'sheet' THEN 2
                             WHEN 'object' THEN 3 ELSE 4 END, item_id, id",
            )
            .map_err(|e| self.sql(e))?;
        let items = stmt
            .query_map(params![since], |r| {
                Ok(ChangeItem {
                    run: r.get(0)?,
                    app_id: r.get(1)?,
                    app_name: r.get(2)?,
                    item: r.get(3)?,
                    item_id: r.get(4)?,
                    name: r.get(5)?,
                    change: r.get(6)?,
                    detail: r.get(7)?,
                })
            })
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(|e| self.sql(e))?;
        Ok(Changes {
            since_run: since,
            runs: runs.into_iter().filter(|r| r.id > since).collect(),
            items,
            broken: self.broken_lineage()?,
        })
    }
}
