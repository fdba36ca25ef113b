//! `crawl --db`: a crawl stored in the catalog app by app (each in one transaction, as soon as
//! it is read), delta by default. The crawler knows nothing of SQLite: the catalog is one
//! more [`Sink`], next to the site directory `--out` still writes.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use super::{Catalog, CatalogError, RunCounts, RunKind, SiteAddress};
use crate::crawl::{self, Config, CrawlError, Delta, FolderSink, Progress, Sink, Summary, Tee};
use crate::qlik::site_format::{AppSnapshot, SiteFile};

/// The catalog as a crawl sink: each app stored in one transaction of run `run`.
struct CatalogSink {
    catalog: Arc<Mutex<Catalog>>,
    site_id: i64,
    run: i64,
}

fn store_error(e: CatalogError) -> CrawlError {
    CrawlError::Io {
        path: "catalog".into(),
        message: e.to_string(),
    }
}

impl CatalogSink {
    fn with<T>(
        &self,
        f: impl FnOnce(&mut Catalog) -> Result<T, CatalogError>,
    ) -> Result<T, CrawlError> {
        let mut guard = self.catalog.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard).map_err(store_error)
    }
}

impl Sink for CatalogSink {
    fn app(&self, app: &AppSnapshot) -> Result<(), CrawlError> {
        self.with(|c| c.store_app(self.site_id, self.run, app).map(|_| ()))
    }
    fn failed(&self, id: &str, name: &str, error: &str) {
        let _ = self.with(|c| c.app_status(self.run, id, name, "failed", Some(error)));
    }
    fn unchanged(&self, apps: &[(String, String)]) {
        let _ = self.with(|c| c.unchanged_apps(self.run, apps));
    }
    fn owners(&self) -> Vec<String> {
        self.with(|c| {
            let mut stmt = c
                .connection()
                .prepare(
                    "SELECT owner FROM app WHERE site_id = ?1
                     UNION SELECT o.owner FROM object o JOIN app a ON a.rowid = o.app
                     WHERE a.site_id = ?1 AND o.owner IS NOT NULL",
                )
                .map_err(|e| c.sql(e))?;
            let owners = stmt
                .query_map([self.site_id], |r| r.get::<_, String>(0))
                .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
                .map_err(|e| c.sql(e))?;
            Ok(owners)
        })
        .unwrap_or_default()
    }
    fn site(&self, site: &SiteFile) -> Result<(), CrawlError> {
        self.with(|c| c.store_site(self.site_id, site))
    }
}

/// Where users open the site, from the crawl configuration (for deep links).
pub fn address_of(config: &Config) -> SiteAddress {
    let base_url = config.server.url.clone().or_else(|| {
        let qrs = config.server.qrs_url.as_deref()?;
        let (scheme, rest) = qrs.split_once("://")?;
        let host = rest.split(['/', ':']).next()?;
        Some(format!("{scheme}://{host}"))
    });
    SiteAddress {
        base_url: base_url.map(|u| u.trim_end_matches('/').to_owned()),
        alias_host: config.tls.alias_host.clone(),
        virtual_proxy: if config.server.virtual_proxy_enabled {
            config.server.virtual_proxy.clone()
        } else {
            String::new()
        },
    }
}

/// What `crawl --db` did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CrawlReport {
    pub run: i64,
    /// `full` or `delta`.
    pub kind: &'static str,
    /// A delta crawl's starting point (the last successful crawl's start).
    pub since: Option<String>,
    #[serde(flatten)]
    pub summary: Summary,
    /// Apps the site no longer lists, marked deleted: `(id, name)`.
    pub deleted: Vec<(String, String)>,
}

/// Crawls into the catalog at `db` (and the site directory `out`, if given). Delta unless
/// `full` or the catalog has no successful crawl of this site yet. Holds the writer lock
/// throughout; each app is committed as soon as it is read, so a killed crawl leaves every
/// app as it was or fully updated, and the next crawl picks up the rest.
pub async fn crawl_to_catalog(
    config: &Config,
    db: &Path,
    out: Option<&Path>,
    full: bool,
    cancel: Arc<AtomicBool>,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<CrawlReport, CatalogError> {
    let mut catalog = Catalog::open(db)?;
    let _lock = catalog.lock_writer()?;
    let site_id = catalog.site_id(&config.server.site_name, &address_of(config))?;
    catalog.set_local_paths(site_id, &local_paths(config))?;
    let base = if full {
        None
    } else {
        catalog.delta_base(site_id)?
    };
    let kind = if base.is_some() {
        RunKind::Delta
    } else {
        RunKind::Full
    };
    let since = base.as_ref().map(|b| b.since.clone());
    let source = config
        .server
        .url
        .clone()
        .or_else(|| config.server.qrs_url.clone())
        .unwrap_or_default();
    let run = catalog.begin_run(site_id, kind, since.as_deref(), &source)?;
    let catalog = Arc::new(Mutex::new(catalog));
    let mut sinks: Vec<Box<dyn Sink>> = vec![Box::new(CatalogSink {
        catalog: Arc::clone(&catalog),
        site_id,
        run,
    })];
    if let Some(out) = out {
        std::fs::create_dir_all(out.join("apps")).map_err(|e| CatalogError::io(out, e))?;
        sinks.push(Box::new(FolderSink {
            out: out.to_path_buf(),
        }));
    }
    let delta = base.map(|b| Delta {
        since: b.since,
        known: b.known,
    });
    let result = crawl::crawl_into(
        config,
        Arc::new(Tee(sinks)),
        delta.as_ref(),
        cancel,
        progress,
    )
    .await;
    let mut catalog = catalog.lock().unwrap_or_else(|p| p.into_inner());
    let summary = match result {
        Ok(s) => s,
        Err(e) => {
            let _ = catalog.finish_run(run, "failed", &RunCounts::default(), Some(&e.to_string()));
            return Err(CatalogError::Invalid(e.to_string()));
        }
    };
    // Deletions are only decided on a complete listing, which every crawl reads first.
    let listed: BTreeSet<String> = summary.listed.clone();
    let deleted = catalog.mark_deleted_apps(site_id, run, &listed)?;
    let counts = RunCounts {
        read: summary.crawled.len(),
        unchanged: summary.unchanged.len(),
        failed: summary.failed.len(),
        deleted: deleted.len(),
        engine_sessions: summary.engine_sessions,
    };
    let status = if summary.cancelled {
        "interrupted"
    } else if summary.failed.is_empty() {
        "ok"
    } else {
        "partial"
    };
    catalog.finish_run(run, status, &counts, None)?;
    Ok(CrawlReport {
        run,
        kind: kind.as_str(),
        since,
        summary,
        deleted,
    })
}

/// The configuration's `[paths]` as the catalog keeps them (absolute, so a rebuild from
/// another working folder finds them).
fn local_paths(config: &Config) -> super::local_paths::LocalPaths {
    let absolute = |p: &std::path::Path| {
        let p = config.path(p);
        p.canonicalize().unwrap_or(p)
    };
    super::local_paths::LocalPaths {
        mounts: config
            .paths
            .mounts
            .iter()
            .map(|(server, local)| (server.clone(), absolute(local)))
            .collect(),
        qvs_scripts: config
            .paths
            .qvs_scripts
            .iter()
            .map(|p| absolute(p))
            .collect(),
        qvd: config.paths.qvd.iter().map(|p| absolute(p)).collect(),
    }
}
