//! Where this machine sees the files a site's scripts read (a crawl configuration's
//! `[paths]`), kept per site so that lineage rebuilt from the catalog later (`lineage --db`,
//! the next delta crawl) reads the same include scripts and QVD headers as the crawl did,
//! instead of silently building a poorer graph over the stored one.

use std::collections::BTreeMap;
use std::path::PathBuf;

use rusqlite::OptionalExtension;

use super::{Catalog, CatalogError};
use crate::lineage::LineageOptions;
use crate::semantic::mounts::Mount;

/// A site's local folders, as stored (JSON in `local_paths.paths`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LocalPaths {
    /// Server folder → local folder.
    #[serde(default)]
    pub mounts: BTreeMap<String, PathBuf>,
    #[serde(default)]
    pub qvs_scripts: Vec<PathBuf>,
    #[serde(default)]
    pub qvd: Vec<PathBuf>,
}

impl LocalPaths {
    pub fn is_empty(&self) -> bool {
        self.mounts.is_empty() && self.qvs_scripts.is_empty() && self.qvd.is_empty()
    }

    /// Adds these folders to `options` (after what the caller gave, which wins for the same
    /// server folder); folders gone since they were stored are skipped and returned, for a
    /// warning.
    pub fn apply(&self, options: &mut LineageOptions) -> Vec<String> {
        let mut gone = Vec::new();
        for (server, local) in &self.mounts {
            match Mount::new(server, local) {
                Ok(m) => options.connections.add_mount(m),
                Err(e) => gone.push(e.to_string()),
            }
        }
        for (dirs, into) in [
            (&self.qvs_scripts, &mut options.resolve.include_dirs),
            (&self.qvd, &mut options.resolve.qvd_dirs),
        ] {
            for dir in dirs {
                if dir.is_dir() {
                    if !into.contains(dir) {
                        into.push(dir.clone());
                    }
                } else {
                    gone.push(format!("{} no longer exists", dir.display()));
                }
            }
        }
        gone
    }
}

impl Catalog {
    /// Records a site's local folders (replacing what was stored for it).
    pub fn set_local_paths(
        &mut self,
        site_id: i64,
        paths: &LocalPaths,
    ) -> Result<(), CatalogError> {
        let json = serde_json::to_string(paths).unwrap_or_else(|_| "{}".into());
        self.conn
            .execute(
                "INSERT INTO local_paths (site_id, paths, updated) VALUES (?1, ?2, ?3)
                 ON CONFLICT (site_id) DO UPDATE SET paths = excluded.paths, updated = excluded.updated",
                rusqlite::params![site_id, json, super::store::now()],
            )
            .map_err(|e| self.sql(e))?;
        Ok(())
    }

    /// One site's local folders, if any were stored.
    pub fn local_paths(&self, site_id: i64) -> Result<Option<LocalPaths>, CatalogError> {
        let text: Option<String> = self
            .conn
            .query_row(
                "SELECT paths FROM local_paths WHERE site_id = ?1",
                [site_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.sql(e))?;
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
    }

    /// Every site's local folders, merged (lineage is built over all sites at once).
    pub fn all_local_paths(&self) -> Result<LocalPaths, CatalogError> {
        let mut all = LocalPaths::default();
        for site in self.sites()? {
            if let Some(p) = self.local_paths(site.id)? {
                all.mounts.extend(p.mounts);
                all.qvs_scripts.extend(p.qvs_scripts);
                all.qvd.extend(p.qvd);
            }
        }
        Ok(all)
    }
}
