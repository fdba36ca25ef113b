//! The catalog store (feature `catalog`): crawls and imported snapshots kept in one SQLite file
//! (WAL), app by app in one transaction each, with history (what was deleted stays, marked),
//! the changes of every run, the lineage graph built from the stored apps, and manual lineage.
//! The schema is in `docs/catalog.md` and `catalog/migrations/`.
//!
//! Write path: a crawl ([`crate::crawl`]) or a site directory ([`snapshot_dir`]) gives
//! [`AppSnapshot`]s; [`store::store_app`] stores each in one transaction, comparing content
//! hashes with what was there. Read path: [`read`] (typed rows), [`records`] (catalog records
//! export), [`changes`], [`lineage`]. One writer at a time ([`lock`]); readers never wait.

pub mod changes;
#[cfg(feature = "crawl")]
pub mod crawl_run;
pub mod error;
pub mod extract;
pub mod lineage;
pub mod local_paths;
pub mod lock;
pub mod manual;
pub mod read;
pub mod records;
pub mod schema;
pub mod snapshot_dir;
pub mod store;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rusqlite::Connection;

pub use error::CatalogError;
pub use lock::WriterLock;
pub use read::{
    App, Cell, DataConnection, Expression, ModelField, Object, QvdHeader, Run, Script, Sheet, Site,
    Stream, VisualObject,
};
pub use store::{RunCounts, RunKind, SiteAddress, Stored};

use crate::qlik::site_format::{AppSnapshot, SiteFile};

/// An open catalog file.
#[derive(Debug)]
pub struct Catalog {
    conn: Connection,
    path: PathBuf,
}

/// What an import did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ImportSummary {
    pub run: i64,
    pub site: String,
    pub apps: usize,
    pub new_apps: usize,
    pub changes: usize,
    pub deleted: Vec<String>,
    /// Files of the snapshot's `files/` stored (include scripts, QVDs for lineage).
    pub files: usize,
    /// Files not stored for their size (over 64 MiB).
    pub files_skipped: Vec<String>,
    /// QVD headers read from the snapshot's `files/`.
    pub qvd_headers: usize,
    /// QVDs whose header could not be read: `(lib:// path, why)`.
    pub qvd_unreadable: Vec<(String, String)>,
}

impl Catalog {
    /// Opens a catalog for reading and writing, creating it, or migrating an older schema
    /// after a backup copy (`<file>.v<N>.bak`). A file that is not SQLite, is corrupted, is
    /// another program's database or was written by a newer schema is refused untouched.
    pub fn open(path: &Path) -> Result<Catalog, CatalogError> {
        Ok(Catalog {
            conn: schema::open_write(path)?,
            path: path.to_path_buf(),
        })
    }

    /// Opens an existing, current catalog read-only (never blocks a writer: WAL).
    pub fn open_read_only(path: &Path) -> Result<Catalog, CatalogError> {
        Ok(Catalog {
            conn: schema::open_read(path)?,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The SQLite connection, for queries this API does not cover (read it, do not write).
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    pub(crate) fn sql(&self, e: rusqlite::Error) -> CatalogError {
        CatalogError::sqlite(&self.path, e)
    }

    /// The schema version of the file.
    pub fn schema_version(&self) -> Result<i64, CatalogError> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.sql(e))
    }

    /// Takes the single-writer lock (crawls and imports); refused at once while another
    /// process holds it, with its pid and start when the catalog knows them.
    pub fn lock_writer(&self) -> Result<WriterLock, CatalogError> {
        lock::acquire(&self.path, || {
            self.conn
                .query_row(
                    "SELECT pid, started, kind FROM run WHERE status = 'running'
                     ORDER BY id DESC LIMIT 1",
                    [],
                    |r| {
                        Ok(format!(
                            " (a {} run by process {} since {})",
                            r.get::<_, String>(2)?,
                            r.get::<_, i64>(0)?,
                            r.get::<_, String>(1)?
                        ))
                    },
                )
                .unwrap_or_default()
        })
    }

    /// The site's id (created on first sight), by name.
    pub fn site_id(&self, name: &str, address: &SiteAddress) -> Result<i64, CatalogError> {
        store::site_id(&self.conn, name, address).map_err(|e| self.sql(e))
    }

    pub fn store_site(&mut self, site_id: i64, site: &SiteFile) -> Result<(), CatalogError> {
        let path = self.path.clone();
        store::store_site(&mut self.conn, site_id, site).map_err(|e| CatalogError::sqlite(&path, e))
    }

    pub fn begin_run(
        &self,
        site_id: i64,
        kind: RunKind,
        since: Option<&str>,
        source: &str,
    ) -> Result<i64, CatalogError> {
        store::begin_run(&self.conn, site_id, kind, since, source).map_err(|e| self.sql(e))
    }

    pub fn finish_run(
        &self,
        run: i64,
        status: &str,
        counts: &RunCounts,
        error: Option<&str>,
    ) -> Result<(), CatalogError> {
        store::finish_run(&self.conn, run, status, counts, error).map_err(|e| self.sql(e))
    }

    /// Stores one app in one transaction.
    pub fn store_app(
        &mut self,
        site_id: i64,
        run: i64,
        app: &AppSnapshot,
    ) -> Result<Stored, CatalogError> {
        let path = self.path.clone();
        store::store_app(&mut self.conn, site_id, run, app)
            .map_err(|e| CatalogError::sqlite(&path, e))
    }

    pub fn app_status(
        &self,
        run: i64,
        app_id: &str,
        name: &str,
        status: &str,
        error: Option<&str>,
    ) -> Result<(), CatalogError> {
        store::app_status(&self.conn, run, app_id, name, status, error).map_err(|e| self.sql(e))
    }

    /// Records the apps a delta crawl did not open, in one transaction.
    pub fn unchanged_apps(
        &mut self,
        run: i64,
        apps: &[(String, String)],
    ) -> Result<(), CatalogError> {
        let path = self.path.clone();
        let sql = |e| CatalogError::sqlite(&path, e);
        let tx = self.conn.transaction().map_err(sql)?;
        for (id, name) in apps {
            store::app_status(&tx, run, id, name, "unchanged", None).map_err(sql)?;
        }
        tx.commit().map_err(sql)
    }

    /// Marks deleted the live apps of the site the listing no longer holds.
    pub fn mark_deleted_apps(
        &mut self,
        site_id: i64,
        run: i64,
        listed: &BTreeSet<String>,
    ) -> Result<Vec<(String, String)>, CatalogError> {
        let path = self.path.clone();
        store::mark_deleted_apps(&mut self.conn, site_id, run, listed)
            .map_err(|e| CatalogError::sqlite(&path, e))
    }

    /// What a delta crawl of the site needs: the start of the last good run, and the apps
    /// the catalog holds complete (read in some run, not failed since, not deleted).
    pub fn delta_base(&self, site_id: i64) -> Result<Option<DeltaBase>, CatalogError> {
        let Some(since) = read::last_good_start(&self.conn, site_id).map_err(|e| self.sql(e))?
        else {
            return Ok(None);
        };
        let mut stmt = self
            .conn
            .prepare(
                "SELECT a.id FROM app a WHERE a.site_id = ?1 AND a.deleted_run IS NULL
                   AND NOT EXISTS (SELECT 1 FROM crawl_status s WHERE s.app_id = a.id
                       AND s.status = 'failed' AND s.run_id > a.seen_run)",
            )
            .map_err(|e| self.sql(e))?;
        let known = stmt
            .query_map([site_id], |r| r.get::<_, String>(0))
            .and_then(|rows| rows.collect::<rusqlite::Result<BTreeSet<_>>>())
            .map_err(|e| self.sql(e))?;
        Ok(Some(DeltaBase { since, known }))
    }

    /// Loads a site directory (a crawl's `--out`, or a site like `corpus/site`) app by app,
    /// each in one transaction; apps the catalog holds for this site that the directory does
    /// not are marked deleted. Takes the writer lock.
    pub fn import_snapshot(
        &mut self,
        dir: &Path,
        progress: &dyn Fn(&str),
    ) -> Result<ImportSummary, CatalogError> {
        let _lock = self.lock_writer()?;
        let site = snapshot_dir::read_site(dir)?;
        let folders = snapshot_dir::app_folders(dir)?;
        let site_id = self.site_id(&site.name, &SiteAddress::default())?;
        let source = dir.display().to_string();
        let run = self.begin_run(site_id, RunKind::Import, None, &source)?;
        let mut summary = ImportSummary {
            run,
            site: site.name.clone(),
            ..ImportSummary::default()
        };
        let mut listed = BTreeSet::new();
        let result = (|| {
            for folder in &folders {
                let app = snapshot_dir::read_app(folder)?;
                listed.insert(app.meta.id.clone());
                let stored = self.store_app(site_id, run, &app)?;
                summary.apps += 1;
                summary.new_apps += usize::from(stored.new_app);
                summary.changes += stored.changes;
                progress(&app.meta.name);
            }
            self.store_site(site_id, &site)?;
            let files = snapshot_dir::read_site_files(dir)?;
            summary.files = files.files.len();
            summary.files_skipped = files.skipped;
            self.store_site_files(site_id, &files.files)?;
            let (headers, unreadable) = self.store_qvd_headers(site_id, dir, &files.files)?;
            summary.qvd_headers = headers;
            summary.qvd_unreadable = unreadable;
            let gone = self.mark_deleted_apps(site_id, run, &listed)?;
            summary.deleted = gone.into_iter().map(|(_, name)| name).collect();
            Ok::<(), CatalogError>(())
        })();
        let counts = RunCounts {
            read: summary.apps,
            deleted: summary.deleted.len(),
            ..RunCounts::default()
        };
        match result {
            Ok(()) => {
                self.finish_run(run, "ok", &counts, None)?;
                Ok(summary)
            }
            Err(e) => {
                let _ = self.finish_run(run, "failed", &counts, Some(&e.to_string()));
                Err(e)
            }
        }
    }

    /// Replaces the site's stored `files/`.
    pub fn store_site_files(
        &mut self,
        site_id: i64,
        files: &[(String, Vec<u8>)],
    ) -> Result<(), CatalogError> {
        let path = self.path.clone();
        let sql = |e| CatalogError::sqlite(&path, e);
        let tx = self.conn.transaction().map_err(sql)?;
        tx.execute("DELETE FROM site_file WHERE site_id = ?1", [site_id])
            .map_err(sql)?;
        for (rel, bytes) in files {
            tx.execute(
                "INSERT OR REPLACE INTO site_file (site_id, path, bytes) VALUES (?1, ?2, ?3)",
                rusqlite::params![site_id, rel, bytes],
            )
            .map_err(sql)?;
        }
        tx.commit().map_err(sql)
    }

    /// Reads the headers of the QVDs among a snapshot's `files/` (their `lib://` path is
    /// `lib://<folder>/<rest>`) and replaces the site's stored ones.
    fn store_qvd_headers(
        &mut self,
        site_id: i64,
        dir: &Path,
        files: &[(String, Vec<u8>)],
    ) -> Result<(usize, Vec<(String, String)>), CatalogError> {
        let path = self.path.clone();
        let sql = |e| CatalogError::sqlite(&path, e);
        let tx = self.conn.transaction().map_err(sql)?;
        tx.execute("DELETE FROM qvd_header WHERE site_id = ?1", [site_id])
            .map_err(sql)?;
        let mut stored = 0;
        let mut unreadable = Vec::new();
        for (rel, _) in files {
            if !rel.to_ascii_lowercase().ends_with(".qvd") {
                continue;
            }
            let lib = format!("lib://{rel}");
            let on_disk = rel.split('/').fold(dir.join("files"), |p, c| p.join(c));
            match crate::qvd::QvdFile::open(&on_disk) {
                Ok(qvd) => {
                    let h = qvd.header();
                    let fields: Vec<&str> =
                        h.fields.iter().map(|f| f.field_name.as_str()).collect();
                    tx.execute(
                        "INSERT OR REPLACE INTO qvd_header
                         (site_id, path, table_name, rows, created_by, fields, lineage)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                        rusqlite::params![
                            site_id,
                            lib,
                            h.table_name,
                            i64::try_from(h.no_of_records).unwrap_or(i64::MAX),
                            h.creator_doc,
                            serde_json::to_string(&fields).unwrap_or_default(),
                            serde_json::to_string(&h.lineage).unwrap_or_default()
                        ],
                    )
                    .map_err(sql)?;
                    stored += 1;
                }
                Err(e) => unreadable.push((lib, e.to_string())),
            }
        }
        tx.commit().map_err(sql)?;
        Ok((stored, unreadable))
    }

    // Read accessors (see `read` for the types).

    pub fn sites(&self) -> Result<Vec<Site>, CatalogError> {
        read::sites(&self.conn).map_err(|e| self.sql(e))
    }
    /// The site's `site.json` as last read.
    pub fn site_file(&self, site_id: i64) -> Result<Option<SiteFile>, CatalogError> {
        read::site_file(&self.conn, site_id).map_err(|e| self.sql(e))
    }
    pub fn runs(&self) -> Result<Vec<Run>, CatalogError> {
        read::runs(&self.conn).map_err(|e| self.sql(e))
    }
    pub fn streams(&self) -> Result<Vec<Stream>, CatalogError> {
        read::streams(&self.conn).map_err(|e| self.sql(e))
    }
    /// Live apps, by name.
    pub fn apps(&self) -> Result<Vec<App>, CatalogError> {
        read::apps(&self.conn).map_err(|e| self.sql(e))
    }
    pub fn app(&self, id: &str) -> Result<Option<App>, CatalogError> {
        read::app(&self.conn, id).map_err(|e| self.sql(e))
    }
    /// An app's sheets with their grid cells and the objects (with dimensions and measures)
    /// in them.
    pub fn sheets(&self, app_id: &str) -> Result<Vec<Sheet>, CatalogError> {
        read::sheets(&self.conn, app_id).map_err(|e| self.sql(e))
    }
    /// Live objects, optionally of one app and of some `qType`s (empty: all).
    pub fn objects(
        &self,
        app_id: Option<&str>,
        kinds: &[&str],
    ) -> Result<Vec<Object>, CatalogError> {
        read::objects(&self.conn, app_id, kinds).map_err(|e| self.sql(e))
    }
    pub fn visual_object(
        &self,
        app_id: &str,
        object_id: &str,
    ) -> Result<Option<VisualObject>, CatalogError> {
        read::visual_object(&self.conn, app_id, object_id).map_err(|e| self.sql(e))
    }
    pub fn master_items(&self, app_id: Option<&str>) -> Result<Vec<Object>, CatalogError> {
        read::master_items(&self.conn, app_id).map_err(|e| self.sql(e))
    }
    pub fn variables(&self, app_id: Option<&str>) -> Result<Vec<Object>, CatalogError> {
        read::variables(&self.conn, app_id).map_err(|e| self.sql(e))
    }
    pub fn bookmarks(&self, app_id: Option<&str>) -> Result<Vec<Object>, CatalogError> {
        read::bookmarks(&self.conn, app_id).map_err(|e| self.sql(e))
    }
    pub fn scripts(&self) -> Result<Vec<Script>, CatalogError> {
        read::scripts(&self.conn).map_err(|e| self.sql(e))
    }
    pub fn data_connections(&self) -> Result<Vec<DataConnection>, CatalogError> {
        read::data_connections(&self.conn).map_err(|e| self.sql(e))
    }
    pub fn model_fields(&self, app_id: Option<&str>) -> Result<Vec<ModelField>, CatalogError> {
        read::model_fields(&self.conn, app_id).map_err(|e| self.sql(e))
    }
    pub fn qvd_headers(&self) -> Result<Vec<QvdHeader>, CatalogError> {
        read::qvd_headers(&self.conn).map_err(|e| self.sql(e))
    }
    /// A live app as its snapshot folder would hold it.
    pub fn app_snapshot(&self, app_id: &str) -> Result<Option<AppSnapshot>, CatalogError> {
        read::app_snapshot(&self.conn, app_id).map_err(|e| self.sql(e))
    }
}

/// What a delta crawl compares against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeltaBase {
    /// The start of the last successful crawl (canonical UTC).
    pub since: String,
    /// Apps held complete.
    pub known: BTreeSet<String>,
}
