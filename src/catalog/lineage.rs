//! Lineage from the catalog: the stored apps written out as site directories (one per site)
//! and compiled by [`crate::lineage::build`] with the catalog's manual lineage, so a graph
//! built from the catalog is the graph the same snapshot gives on the command line. The
//! result is stored in one transaction: the JSON export (what [`Catalog::lineage_graph`]
//! reads back), nodes and edges for SQL, unresolved items, and the broken lineage found.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use rusqlite::{params, OptionalExtension};
use sha2::{Digest, Sha256};

use super::changes::Broken;
use super::snapshot_dir;
use super::{Catalog, CatalogError};
use crate::diagnostics::Code;
use crate::lineage::{self, EdgeKind, LineageGraph, LineageOptions, NodeKind};
use crate::qlik::site_format::{AppSnapshot, SiteFile};

/// A scratch folder removed when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn scratch() -> Result<Scratch, CatalogError> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let dir = std::env::temp_dir().join(format!("qlineage-catalog-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| CatalogError::io(&dir, e))?;
    Ok(Scratch(dir))
}

fn empty_site(name: &str) -> SiteFile {
    SiteFile {
        name: name.to_owned(),
        users: Vec::new(),
        streams: Vec::new(),
        data_connections: Vec::new(),
        virtual_proxies: Vec::new(),
        demo_user: String::new(),
        jwt_signing_key: None,
        custom_properties: Vec::new(),
        legacy_shapes: false,
    }
}

/// Broken lineage in a graph: charts using fields no load produces (from the build's
/// findings) and QVDs read but stored by no app.
fn broken_in(graph: &LineageGraph) -> Vec<Broken> {
    let mut out = BTreeSet::new();
    for d in &graph.diagnostics {
        if d.code == Code::ChartFieldUnknown {
            out.insert(Broken {
                kind: "chart-field".into(),
                message: d.message.clone(),
                nodes: d.nodes.clone(),
                new: false,
            });
        }
    }
    let g = &graph.graph;
    for node in g.nodes() {
        if node.kind != NodeKind::Qvd {
            continue;
        }
        let edges = g.neighbours(&node.id, petgraph::Direction::Incoming);
        let written = edges.iter().any(|e| e.edge.kind == EdgeKind::Stores);
        let out_edges = g.neighbours(&node.id, petgraph::Direction::Outgoing);
        let readers: Vec<String> = out_edges
            .iter()
            .filter(|e| e.edge.kind == EdgeKind::Reads)
            .map(|e| e.to.to_owned())
            .collect();
        if !written && !readers.is_empty() {
            let mut nodes = vec![node.id.clone()];
            nodes.extend(readers);
            out.insert(Broken {
                kind: "qvd-no-writer".into(),
                message: format!("{} is read but no app of the catalog stores it", node.id),
                nodes,
                new: false,
            });
        }
    }
    out.into_iter().collect()
}

/// How a lineage build went: apps resolved again, and apps whose stored contribution was
/// reused because nothing they are computed from changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct BuildCounts {
    pub resolved: usize,
    pub reused: usize,
    /// Stored local folders (a crawl's `[paths]`) that no longer exist, skipped.
    pub paths_gone: Vec<String>,
}

/// Stands for the scratch folder in stored outcomes (each build has its own folder).
const SCRATCH: &str = "@@qlineage-scratch@@";

fn json_inner(text: &str) -> String {
    let quoted = serde_json::to_string(text).unwrap_or_default();
    quoted.trim_matches('"').to_owned()
}

/// Feeds one named piece into a digest, length-prefixed so pieces cannot run together.
fn feed(hasher: &mut Sha256, piece: &[u8]) {
    hasher.update((piece.len() as u64).to_le_bytes());
    hasher.update(piece);
}

fn hex(digest: impl AsRef<[u8]>) -> String {
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// Everything one app's lineage is computed from besides the site: its stored files.
fn app_digest(site_digest: &str, app: &AppSnapshot) -> String {
    let mut h = Sha256::new();
    feed(&mut h, site_digest.as_bytes());
    feed(&mut h, &serde_json::to_vec(&app.meta).unwrap_or_default());
    feed(&mut h, app.script.as_bytes());
    for (stem, object) in &app.objects {
        feed(&mut h, stem.as_bytes());
        feed(&mut h, &serde_json::to_vec(object).unwrap_or_default());
    }
    feed(&mut h, &serde_json::to_vec(&app.model).unwrap_or_default());
    feed(
        &mut h,
        &serde_json::to_vec(&app.lineage).unwrap_or_default(),
    );
    feed(
        &mut h,
        app.script_log.as_deref().unwrap_or("\0none").as_bytes(),
    );
    feed(
        &mut h,
        &serde_json::to_vec(&app.connections).unwrap_or_default(),
    );
    feed(&mut h, &serde_json::to_vec(&app.fields).unwrap_or_default());
    hex(h.finalize())
}

impl Catalog {
    /// Builds the estate's lineage from the live apps and the manual lineage, and stores it.
    pub fn build_lineage(&mut self, options: LineageOptions) -> Result<LineageGraph, CatalogError> {
        self.build_lineage_counted(options).map(|(graph, _)| graph)
    }

    /// [`Catalog::build_lineage`], saying how many apps were resolved and how many reused.
    /// An app is resolved again only when something it is computed from changed: its own
    /// stored files, its site's (`site.json`, the snapshot files, any app's connections), or
    /// the options; otherwise its contribution from the last build is reused and only the
    /// estate graph is recompiled. Options with `--connections` always resolve every app.
    pub fn build_lineage_counted(
        &mut self,
        mut options: LineageOptions,
    ) -> Result<(LineageGraph, BuildCounts), CatalogError> {
        // The folders the crawl read files from, so a later rebuild reads them too.
        let paths_gone = self.all_local_paths()?.apply(&mut options);
        let scratch = scratch()?;
        let mut paths = Vec::new();
        // Folder → (app rowid, digest of its inputs).
        let mut digests: HashMap<PathBuf, (i64, String)> = HashMap::new();
        let options_key = format!(
            "{} {:?} {:?}",
            env!("CARGO_PKG_VERSION"),
            options.resolve,
            options.connections.mounts()
        );
        for site in self.sites()? {
            let dir = scratch.0.join(format!("site-{}", site.id));
            let file = self
                .site_file(site.id)?
                .unwrap_or_else(|| empty_site(&site.name));
            snapshot_dir::write_site(&dir, &file)?;
            std::fs::create_dir_all(dir.join("apps")).map_err(|e| CatalogError::io(&dir, e))?;
            let ids: Vec<(String, i64)> = {
                let mut stmt = self
                    .conn
                    .prepare(
                        "SELECT id, rowid FROM app WHERE site_id = ?1 AND deleted_run IS NULL
                         ORDER BY id",
                    )
                    .map_err(|e| self.sql(e))?;
                stmt.query_map([site.id], |r| Ok((r.get(0)?, r.get(1)?)))
                    .and_then(|rows| rows.collect::<rusqlite::Result<_>>())
                    .map_err(|e| self.sql(e))?
            };
            let site_digest = self.site_digest(site.id, &file, &options_key, &dir)?;
            for (id, rowid) in ids {
                if let Some(app) = self.app_snapshot(&id)? {
                    let folder = snapshot_dir::write_app(&dir, &app)?;
                    digests.insert(folder, (rowid, app_digest(&site_digest, &app)));
                }
            }
            paths.push(dir);
        }
        if let Some(manual) = self.manual_file()? {
            options.manual.push(manual);
        }
        let apps = lineage::discover(&paths).map_err(|e| CatalogError::Invalid(e.to_string()))?;
        let scratch_json = json_inner(&scratch.0.display().to_string());
        // Stored outcomes whose inputs are unchanged, with this build's scratch folder.
        let keys: Vec<Option<(i64, String)>> =
            apps.iter().map(|a| digests.get(&a.path).cloned()).collect();
        // The estate fingerprint names folder connections by their place in the scratch folder.
        let scratch_debug = format!("{:?}", scratch.0);
        let scratch_debug = scratch_debug.trim_matches('"').to_owned();
        let key_with = |digest: &str, estate: &str| {
            let mut h = Sha256::new();
            feed(&mut h, digest.as_bytes());
            feed(&mut h, estate.replace(&scratch_debug, SCRATCH).as_bytes());
            hex(h.finalize())
        };
        let mut lookup = self
            .conn
            .prepare("SELECT inputs, outcome FROM lineage_app WHERE app = ?1")
            .map_err(|e| self.sql(e))?;
        let mut reuse = |i: usize, estate: &str| -> Option<lineage::AppOutcome> {
            let (rowid, digest) = keys[i].as_ref()?;
            let (inputs, outcome): (String, String) = lookup
                .query_row([rowid], |r| Ok((r.get(0)?, r.get(1)?)))
                .ok()?;
            // An outcome stored in another shape (an older qlineage) is resolved again.
            (inputs == key_with(digest, estate))
                .then(|| serde_json::from_str(&outcome.replace(SCRATCH, &scratch_json)).ok())
                .flatten()
        };
        let mut fresh: Vec<(i64, String, String)> = Vec::new();
        let mut computed = |i: usize, estate: &str, outcome: &lineage::AppOutcome| {
            if let (Some((rowid, digest)), Ok(text)) = (&keys[i], serde_json::to_string(outcome)) {
                fresh.push((
                    *rowid,
                    key_with(digest, estate),
                    text.replace(&scratch_json, SCRATCH),
                ));
            }
        };
        let built = lineage::build_reusing(&apps, &options, &mut reuse, &mut computed);
        drop(lookup);
        let built = built.map_err(|e| match e {
            lineage::BuildError::Manual(errors) => CatalogError::Invalid(
                errors
                    .iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            other => CatalogError::Invalid(other.to_string()),
        })?;
        let graph = self.relocate(built, &scratch.0)?;
        drop(scratch);
        let counts = BuildCounts {
            resolved: fresh.len(),
            reused: apps.len() - fresh.len(),
            paths_gone,
        };
        self.store_lineage(&graph, &fresh)?;
        Ok((graph, counts))
    }

    /// The site's part of every app's digest (options, `site.json`, the snapshot files);
    /// writes the snapshot files into `dir/files/` on the way.
    fn site_digest(
        &self,
        site_id: i64,
        file: &SiteFile,
        options_key: &str,
        dir: &Path,
    ) -> Result<String, CatalogError> {
        let sql = |e| CatalogError::sqlite(&self.path, e);
        let mut h = Sha256::new();
        feed(&mut h, options_key.as_bytes());
        feed(&mut h, &serde_json::to_vec(file).unwrap_or_default());
        let mut stmt = self
            .conn
            .prepare("SELECT path, bytes FROM site_file WHERE site_id = ?1 ORDER BY path")
            .map_err(sql)?;
        let mut rows = stmt.query([site_id]).map_err(sql)?;
        while let Some(row) = rows.next().map_err(sql)? {
            let rel: String = row.get(0).map_err(sql)?;
            let bytes: Vec<u8> = row.get(1).map_err(sql)?;
            feed(&mut h, rel.as_bytes());
            feed(&mut h, &bytes);
            snapshot_dir::write_site_file(dir, &rel, &bytes)?;
        }
        Ok(hex(h.finalize()))
    }

    /// The graph with the scratch folder's paths (app folders, script spans) replaced by
    /// `<catalog file>!`, so a build from the catalog names no temporary file.
    fn relocate(&self, built: LineageGraph, scratch: &Path) -> Result<LineageGraph, CatalogError> {
        let from = scratch.display().to_string();
        let to = format!("{}!", self.path.display());
        let mut json = Vec::new();
        lineage::export::json::write(&built, &mut json)
            .map_err(|e| CatalogError::Invalid(e.to_string()))?;
        let quoted = |s: &str| serde_json::to_string(s).unwrap_or_default();
        let (from_q, to_q) = (quoted(&from), quoted(&to));
        let text = String::from_utf8_lossy(&json)
            .replace(from_q.trim_matches('"'), to_q.trim_matches('"'));
        let graph = lineage::export::json::read(&text)
            .map_err(|e| CatalogError::Invalid(format!("lineage graph: {e}")))?;
        let fix = |s: &str| s.replace(&from, &to);
        Ok(LineageGraph {
            graph,
            apps: built.apps,
            unresolved: built
                .unresolved
                .into_iter()
                .map(|mut u| {
                    u.file = fix(&u.file);
                    u
                })
                .collect(),
            diagnostics: built
                .diagnostics
                .into_iter()
                .map(|mut d| {
                    d.file = d.file.map(|f| fix(&f));
                    d
                })
                .collect(),
            connections: built.connections,
        })
    }

    fn store_lineage(
        &mut self,
        graph: &LineageGraph,
        fresh: &[(i64, String, String)],
    ) -> Result<(), CatalogError> {
        let path = self.path.clone();
        let sql = |e| CatalogError::sqlite(&path, e);
        let mut json = Vec::new();
        lineage::export::json::write(graph, &mut json)
            .map_err(|e| CatalogError::Invalid(e.to_string()))?;
        let previous = self.broken_lineage()?;
        let before: BTreeSet<(String, Vec<String>)> = previous
            .unwrap_or_default()
            .into_iter()
            .map(|b| (b.kind, b.nodes))
            .collect();
        let broken: Vec<Broken> = broken_in(graph)
            .into_iter()
            .map(|mut b| {
                b.new = !before.contains(&(b.kind.clone(), b.nodes.clone()));
                b
            })
            .collect();
        let last_run: Option<i64> = self
            .conn
            .query_row("SELECT max(id) FROM run", [], |r| r.get(0))
            .map_err(sql)?;
        let tx = self.conn.transaction().map_err(sql)?;
        tx.execute(
            "INSERT INTO lineage_build (built, run_id, apps, graph, diagnostics, broken)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                super::store::now(),
                last_run,
                graph.apps as i64,
                String::from_utf8_lossy(&json),
                serde_json::to_string(&graph.diagnostics).unwrap_or_default(),
                serde_json::to_string(&broken).unwrap_or_default()
            ],
        )
        .map_err(sql)?;
        // Keep the graph text of the last two builds only (the one before says what is new).
        tx.execute(
            "UPDATE lineage_build SET graph = '' WHERE id < (SELECT max(id) FROM lineage_build)",
            [],
        )
        .map_err(sql)?;
        tx.execute_batch(
            "DELETE FROM lineage_node; DELETE FROM lineage_edge; DELETE FROM unresolved;",
        )
        .map_err(sql)?;
        for (rowid, inputs, outcome) in fresh {
            tx.execute(
                "INSERT OR REPLACE INTO lineage_app (app, inputs, outcome) VALUES (?1, ?2, ?3)",
                params![rowid, inputs, outcome],
            )
            .map_err(sql)?;
        }
        {
            let mut node = tx
                .prepare("INSERT OR REPLACE INTO lineage_node (id, kind, name, attrs) VALUES (?1, ?2, ?3, ?4)")
                .map_err(sql)?;
            for n in graph.graph.nodes() {
                node.execute(params![
                    n.id,
                    n.kind.name(),
                    n.name,
                    serde_json::to_string(&n.attrs).unwrap_or_default()
                ])
                .map_err(sql)?;
            }
            let mut edge = tx
                .prepare(
                    "INSERT OR REPLACE INTO lineage_edge
                     (source, target, kind, certainty, transform, span_file, span_line, span_column)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )
                .map_err(sql)?;
            for e in graph.graph.edges() {
                let span = e.edge.span.as_ref();
                edge.execute(params![
                    e.from,
                    e.to,
                    e.edge.kind.name(),
                    e.edge.certainty.name(),
                    e.edge.transform.map(|t| t.name()),
                    span.map(|s| s.file.clone()),
                    span.map(|s| s.line),
                    span.map(|s| s.column)
                ])
                .map_err(sql)?;
            }
            let mut unresolved = tx
                .prepare(
                    "INSERT INTO unresolved (app, file, line, column, text, reason, runtime)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )
                .map_err(sql)?;
            for u in &graph.unresolved {
                unresolved
                    .execute(params![
                        u.app, u.file, u.line, u.column, u.text, u.reason, u.runtime
                    ])
                    .map_err(sql)?;
            }
        }
        tx.commit().map_err(sql)
    }

    /// The latest lineage build's graph (nodes, edges, unresolved items; the build's
    /// diagnostics are in `lineage_build.diagnostics` as JSON), or `None` before any build.
    /// Exports (`lineage::export`) and `lineage::query::impact` take it as it is.
    pub fn lineage_graph(&self) -> Result<Option<LineageGraph>, CatalogError> {
        let row: Option<(String, i64)> = self
            .conn
            .query_row(
                "SELECT graph, apps FROM lineage_build ORDER BY id DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.sql(e))?;
        let Some((text, apps)) = row else {
            return Ok(None);
        };
        let graph = lineage::export::json::read(&text).map_err(|e| CatalogError::Corrupt {
            path: self.path.display().to_string(),
            message: format!("stored lineage graph: {e}"),
        })?;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT app, file, line, column, text, reason, runtime FROM unresolved
                 ORDER BY app, file, line, column, text",
            )
            .map_err(|e| self.sql(e))?;
        let unresolved = stmt
            .query_map([], |r| {
                Ok(lineage::UnresolvedItem {
                    app: r.get(0)?,
                    file: r.get(1)?,
                    line: r.get(2)?,
                    column: r.get(3)?,
                    text: r.get(4)?,
                    reason: r.get(5)?,
                    runtime: r.get(6)?,
                })
            })
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(|e| self.sql(e))?;
        let mut connections = crate::semantic::Connections::default();
        for c in self.data_connections()? {
            connections.insert(crate::semantic::connections::from_qrs(
                &c.name,
                &c.kind,
                &c.connection_string,
                Path::new("."),
            ));
        }
        Ok(Some(LineageGraph {
            graph,
            apps: usize::try_from(apps).unwrap_or(0),
            unresolved,
            diagnostics: Vec::new(),
            connections,
        }))
    }

    /// Broken lineage of the latest build, or `None` before any build.
    pub fn broken_lineage(&self) -> Result<Option<Vec<Broken>>, CatalogError> {
        let text: Option<String> = self
            .conn
            .query_row(
                "SELECT broken FROM lineage_build ORDER BY id DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.sql(e))?;
        Ok(text.map(|t| serde_json::from_str(&t).unwrap_or_default()))
    }
}
