//! The write side: a site, a run, and each app in one transaction. Each app's rows are
//! compared with what the catalog held (content hashes of the script, every object and the
//! repository facts), differences are recorded as changes of the run, and what disappeared
//! is marked deleted, never removed.

use std::collections::{BTreeSet, HashMap};

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::extract::{self, Extracted};
use crate::qlik::site_format::{AppFile, AppSnapshot, SiteFile};

/// When, in the canonical QRS form (UTC, milliseconds).
pub fn now() -> String {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    crate::qlik::date::format_millis(ms)
}

/// Where users open the site, for deep links (`None` for a snapshot imported from elsewhere).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SiteAddress {
    pub base_url: Option<String>,
    pub alias_host: Option<String>,
    pub virtual_proxy: String,
}

/// The site's row (created on first sight), by name.
pub fn site_id(conn: &Connection, name: &str, address: &SiteAddress) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO site (name, base_url, alias_host, virtual_proxy, site_json)
         VALUES (?1, ?2, ?3, ?4, '{}')
         ON CONFLICT(name) DO UPDATE SET
           base_url = coalesce(excluded.base_url, base_url),
           alias_host = coalesce(excluded.alias_host, alias_host),
           virtual_proxy = CASE WHEN excluded.base_url IS NULL THEN virtual_proxy
                                ELSE excluded.virtual_proxy END",
        params![
            name,
            address.base_url,
            address.alias_host,
            address.virtual_proxy
        ],
    )?;
    conn.query_row("SELECT id FROM site WHERE name = ?1", [name], |r| r.get(0))
}

/// Replaces the site's `site.json`, streams and data connections.
pub fn store_site(conn: &mut Connection, site_id: i64, site: &SiteFile) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    tx.execute(
        "UPDATE site SET site_json = ?2 WHERE id = ?1",
        params![site_id, serde_json::to_string(site).unwrap_or_default()],
    )?;
    tx.execute("DELETE FROM stream WHERE site_id = ?1", [site_id])?;
    for s in &site.streams {
        tx.execute(
            "INSERT OR REPLACE INTO stream (site_id, id, name, owner, created, modified, tags)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                site_id,
                s.id,
                s.name,
                s.owner,
                s.created,
                s.modified,
                serde_json::to_string(&s.tags).unwrap_or_default()
            ],
        )?;
    }
    tx.execute("DELETE FROM data_connection WHERE site_id = ?1", [site_id])?;
    for c in &site.data_connections {
        tx.execute(
            "INSERT OR REPLACE INTO data_connection
             (site_id, id, name, type, connection_string, username, owner, created, modified)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                site_id,
                c.id,
                c.name,
                c.kind,
                c.connectionstring,
                c.username,
                c.owner,
                c.created,
                c.modified
            ],
        )?;
    }
    tx.commit()
}

/// What kind of run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunKind {
    Full,
    Delta,
    Import,
}

impl RunKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RunKind::Full => "full",
            RunKind::Delta => "delta",
            RunKind::Import => "import",
        }
    }
}

/// Starts a run (status `running`); runs still `running` from a process that died are marked
/// `interrupted` first (the caller holds the writer lock, so none is alive).
pub fn begin_run(
    conn: &Connection,
    site_id: i64,
    kind: RunKind,
    since: Option<&str>,
    source: &str,
) -> rusqlite::Result<i64> {
    conn.execute(
        "UPDATE run SET status = 'interrupted' WHERE status = 'running'",
        [],
    )?;
    conn.execute(
        "INSERT INTO run (site_id, kind, started, status, since, pid, source)
         VALUES (?1, ?2, ?3, 'running', ?4, ?5, ?6)",
        params![
            site_id,
            kind.as_str(),
            now(),
            since,
            std::process::id(),
            source
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Counts of a run, written when it ends.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RunCounts {
    pub read: usize,
    pub unchanged: usize,
    pub failed: usize,
    pub deleted: usize,
    pub engine_sessions: usize,
}

pub fn finish_run(
    conn: &Connection,
    run: i64,
    status: &str,
    counts: &RunCounts,
    error: Option<&str>,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE run SET finished = ?2, status = ?3, apps_read = ?4, apps_unchanged = ?5,
           apps_failed = ?6, apps_deleted = ?7, engine_sessions = ?8, error = ?9 WHERE id = ?1",
        params![
            run,
            now(),
            status,
            counts.read,
            counts.unchanged,
            counts.failed,
            counts.deleted,
            counts.engine_sessions,
            error
        ],
    )?;
    Ok(())
}

/// Records an app's outcome in a run (failed, unchanged) outside [`store_app`].
pub fn app_status(
    conn: &Connection,
    run: i64,
    app_id: &str,
    name: &str,
    status: &str,
    error: Option<&str>,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT OR REPLACE INTO crawl_status (run_id, app_id, name, status, error)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![run, app_id, name, status, error],
    )?;
    if status == "unchanged" {
        conn.execute(
            "UPDATE app SET seen_run = ?1 WHERE id = ?2 AND deleted_run IS NULL",
            params![run, app_id],
        )?;
    }
    Ok(())
}

struct Change<'a> {
    item: &'static str,
    item_id: &'a str,
    name: &'a str,
    change: &'static str,
    detail: String,
}

fn record(tx: &Transaction<'_>, run: i64, app: &AppFile, c: Change<'_>) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO change (run_id, app_id, app_name, item, item_id, name, change, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![run, app.id, app.name, c.item, c.item_id, c.name, c.change, c.detail],
    )?;
    Ok(())
}

/// The repository facts a user would call "the app changed" (not reload results).
fn meta_hash(meta: &AppFile) -> String {
    let mut m = meta.clone();
    m.modified_date.clear();
    m.last_reload_time = None;
    m.reload = None;
    m.file_size = 0;
    extract::sha256(&serde_json::to_vec(&m).unwrap_or_default())
}

fn meta_diff(old: &AppFile, new: &AppFile) -> String {
    let mut keys = Vec::new();
    let mut check = |k: &str, same: bool| {
        if !same {
            keys.push(k.to_owned());
        }
    };
    check("name", old.name == new.name);
    check("owner", old.owner == new.owner);
    check("stream", old.stream == new.stream);
    check("published", old.published == new.published);
    check("description", old.description == new.description);
    check("tags", old.tags == new.tags);
    check(
        "custom properties",
        old.custom_properties == new.custom_properties,
    );
    check(
        "section access",
        old.has_section_access == new.has_section_access,
    );
    keys.join(", ")
}

/// An app's row as the catalog held it before this store.
struct OldApp {
    row: i64,
    meta_hash: String,
    last_reload: Option<String>,
    deleted_run: Option<i64>,
    app_json: String,
}

/// An object's row as the catalog held it before this store.
struct OldObject {
    hash: String,
    kind: String,
    name: String,
    deleted_run: Option<i64>,
}

/// What storing one app did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stored {
    pub new_app: bool,
    pub changes: usize,
}

/// Stores one app in one transaction (all or nothing), recording what changed since the
/// catalog last held it.
pub fn store_app(
    conn: &mut Connection,
    site_id: i64,
    run: i64,
    snap: &AppSnapshot,
) -> rusqlite::Result<Stored> {
    let tx = conn.transaction()?;
    let meta = &snap.meta;
    let mut changes = 0usize;
    let mut note = |tx: &Transaction<'_>, c: Change<'_>| {
        changes += 1;
        record(tx, run, meta, c)
    };
    let app_json = serde_json::to_string(meta).unwrap_or_default();
    let hash = meta_hash(meta);
    let old: Option<OldApp> = tx
        .query_row(
            "SELECT rowid, meta_hash, last_reload, deleted_run, app_json FROM app
             WHERE site_id = ?1 AND id = ?2",
            params![site_id, meta.id],
            |r| {
                Ok(OldApp {
                    row: r.get(0)?,
                    meta_hash: r.get(1)?,
                    last_reload: r.get(2)?,
                    deleted_run: r.get(3)?,
                    app_json: r.get(4)?,
                })
            },
        )
        .optional()?;
    let new_app = old.as_ref().is_none_or(|o| o.deleted_run.is_some());
    let app_row = match &old {
        None => {
            tx.execute(
                "INSERT INTO app (site_id, id, name, owner, stream, published, publish_time,
                   created, modified, last_reload, description, app_json, meta_hash, first_run,
                   changed_run, seen_run)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14, ?14)",
                params![
                    site_id,
                    meta.id,
                    meta.name,
                    meta.owner,
                    meta.stream,
                    meta.published,
                    meta.publish_time,
                    meta.created_date,
                    meta.modified_date,
                    meta.last_reload_time,
                    meta.description,
                    app_json,
                    hash,
                    run
                ],
            )?;
            tx.last_insert_rowid()
        }
        Some(OldApp {
            row,
            meta_hash: old_hash,
            last_reload: old_reload,
            deleted_run: deleted,
            app_json: old_json,
        }) => {
            let old_meta: Option<AppFile> = serde_json::from_str(old_json).ok();
            let meta_changed = *old_hash != hash;
            let reloaded = *old_reload != meta.last_reload_time;
            tx.execute(
                "UPDATE app SET name = ?2, owner = ?3, stream = ?4, published = ?5,
                   publish_time = ?6, created = ?7, modified = ?8, last_reload = ?9,
                   description = ?10, app_json = ?11, meta_hash = ?12, seen_run = ?13,
                   deleted_run = NULL,
                   changed_run = CASE WHEN ?14 THEN ?13 ELSE changed_run END
                 WHERE rowid = ?1",
                params![
                    row,
                    meta.name,
                    meta.owner,
                    meta.stream,
                    meta.published,
                    meta.publish_time,
                    meta.created_date,
                    meta.modified_date,
                    meta.last_reload_time,
                    meta.description,
                    app_json,
                    hash,
                    run,
                    meta_changed || reloaded || deleted.is_some()
                ],
            )?;
            if deleted.is_some() {
                note(
                    &tx,
                    Change {
                        item: "app",
                        item_id: &meta.id,
                        name: &meta.name,
                        change: "added",
                        detail: "back after being deleted".into(),
                    },
                )?;
            } else if meta_changed {
                let detail = old_meta.map(|o| meta_diff(&o, meta)).unwrap_or_default();
                note(
                    &tx,
                    Change {
                        item: "app",
                        item_id: &meta.id,
                        name: &meta.name,
                        change: "modified",
                        detail,
                    },
                )?;
            }
            if reloaded && deleted.is_none() {
                note(
                    &tx,
                    Change {
                        item: "app",
                        item_id: &meta.id,
                        name: &meta.name,
                        change: "reloaded",
                        detail: meta.last_reload_time.clone().unwrap_or_default(),
                    },
                )?;
            }
            *row
        }
    };

    // The script.
    let script_hash = extract::sha256(snap.script.as_bytes());
    let old_script: Option<String> = tx
        .query_row("SELECT hash FROM script WHERE app = ?1", [app_row], |r| {
            r.get(0)
        })
        .optional()?;
    if !new_app && old_script.as_deref().is_some_and(|h| h != script_hash) {
        note(
            &tx,
            Change {
                item: "script",
                item_id: &meta.id,
                name: &meta.name,
                change: "modified",
                detail: String::new(),
            },
        )?;
    }
    tx.execute(
        "INSERT OR REPLACE INTO script (app, name, text, hash) VALUES (?1, ?2, ?3, ?4)",
        params![app_row, meta.name, snap.script, script_hash],
    )?;

    // Objects, embedded ones included.
    let mut extracted = Extracted::default();
    for (_, file) in &snap.objects {
        extract::object_file(file, &mut extracted);
    }
    let mut old_objects: HashMap<String, OldObject> = HashMap::new();
    {
        let mut stmt =
            tx.prepare("SELECT id, hash, type, name, deleted_run FROM object WHERE app = ?1")?;
        let rows = stmt.query_map([app_row], |r| {
            Ok((
                r.get::<_, String>(0)?,
                OldObject {
                    hash: r.get(1)?,
                    kind: r.get(2)?,
                    name: r.get(3)?,
                    deleted_run: r.get(4)?,
                },
            ))
        })?;
        for row in rows {
            let (id, v) = row?;
            old_objects.insert(id, v);
        }
    }
    let mut seen = BTreeSet::new();
    for o in &extracted.objects {
        if !seen.insert(o.id.clone()) {
            continue;
        }
        let before = old_objects.get(&o.id);
        let live_before = before.filter(|b| b.deleted_run.is_none());
        let changed = live_before.is_none_or(|b| b.hash != o.hash);
        if !new_app {
            let item = if o.kind == "sheet" { "sheet" } else { "object" };
            match live_before {
                None => note(
                    &tx,
                    Change {
                        item,
                        item_id: &o.id,
                        name: &o.name,
                        change: "added",
                        detail: o.kind.clone(),
                    },
                )?,
                Some(b) if b.hash != o.hash => note(
                    &tx,
                    Change {
                        item,
                        item_id: &o.id,
                        name: &o.name,
                        change: "modified",
                        detail: o.kind.clone(),
                    },
                )?,
                Some(_) => {}
            }
        }
        tx.execute(
            "INSERT INTO object (app, id, type, parent_id, sheet_id, name, visualization,
               definition, label, description, owner, published, approved, created, modified,
               script_created, hash, file, changed_run, deleted_run)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
               ?17, ?18, ?19, NULL)
             ON CONFLICT(app, id) DO UPDATE SET type = excluded.type,
               parent_id = excluded.parent_id, sheet_id = excluded.sheet_id,
               name = excluded.name, visualization = excluded.visualization,
               definition = excluded.definition, label = excluded.label,
               description = excluded.description, owner = excluded.owner,
               published = excluded.published, approved = excluded.approved,
               created = excluded.created, modified = excluded.modified,
               script_created = excluded.script_created, hash = excluded.hash,
               file = excluded.file, deleted_run = NULL,
               changed_run = CASE WHEN ?20 THEN excluded.changed_run ELSE changed_run END",
            params![
                app_row,
                o.id,
                o.kind,
                o.parent_id,
                o.sheet_id,
                o.name,
                o.visualization,
                o.definition,
                o.label,
                o.description,
                o.owner,
                o.published,
                o.approved,
                o.created,
                o.modified,
                o.script_created,
                o.hash,
                o.file,
                run,
                changed
            ],
        )?;
    }
    let mut gone: Vec<(&String, &OldObject)> = old_objects
        .iter()
        .filter(|(id, v)| v.deleted_run.is_none() && !seen.contains(*id))
        .collect();
    gone.sort_by(|a, b| a.0.cmp(b.0));
    for (id, OldObject { kind, name, .. }) in gone {
        tx.execute(
            "UPDATE object SET deleted_run = ?3 WHERE app = ?1 AND id = ?2",
            params![app_row, id, run],
        )?;
        note(
            &tx,
            Change {
                item: if kind == "sheet" { "sheet" } else { "object" },
                item_id: id,
                name,
                change: "removed",
                detail: kind.clone(),
            },
        )?;
    }
    tx.execute("DELETE FROM sheet_cell WHERE app = ?1", [app_row])?;
    for c in &extracted.cells {
        let b = c.bounds;
        tx.execute(
            "INSERT OR REPLACE INTO sheet_cell
             (app, sheet_id, object_id, col, row, colspan, rowspan, x, y, width, height)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                app_row,
                c.sheet_id,
                c.object_id,
                c.col,
                c.row,
                c.colspan,
                c.rowspan,
                b.map(|b| b[0]),
                b.map(|b| b[1]),
                b.map(|b| b[2]),
                b.map(|b| b[3])
            ],
        )?;
    }
    tx.execute("DELETE FROM object_expression WHERE app = ?1", [app_row])?;
    for e in &extracted.expressions {
        tx.execute(
            "INSERT OR REPLACE INTO object_expression
             (app, object_id, role, position, label, definition, library_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                app_row,
                e.object_id,
                e.role,
                e.position,
                e.label,
                e.definition,
                e.library_id
            ],
        )?;
    }

    // The data model, when this read has one.
    if let Some(model) = &snap.model {
        let mut old_fields = BTreeSet::new();
        {
            let mut stmt = tx.prepare("SELECT table_name, name FROM model_field WHERE app = ?1")?;
            for r in stmt.query_map([app_row], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })? {
                old_fields.insert(r?);
            }
        }
        let new_fields: BTreeSet<(String, String)> = model
            .tables
            .iter()
            .flat_map(|t| t.fields.iter().map(|f| (t.name.clone(), f.name.clone())))
            .collect();
        if !new_app && !old_fields.is_empty() {
            for (change, set, other) in [
                ("added", &new_fields, &old_fields),
                ("removed", &old_fields, &new_fields),
            ] {
                for (table, field) in set.difference(other) {
                    let id = format!("{table}.{field}");
                    note(
                        &tx,
                        Change {
                            item: "field",
                            item_id: &id,
                            name: field,
                            change,
                            detail: format!("table {table}"),
                        },
                    )?;
                }
            }
        }
        tx.execute("DELETE FROM model_field WHERE app = ?1", [app_row])?;
        tx.execute("DELETE FROM model_table WHERE app = ?1", [app_row])?;
        for t in &model.tables {
            tx.execute(
                "INSERT OR REPLACE INTO model_table (app, name, rows, comment)
                 VALUES (?1, ?2, ?3, ?4)",
                params![app_row, t.name, t.rows as i64, t.comment],
            )?;
            for f in &t.fields {
                tx.execute(
                    "INSERT OR REPLACE INTO model_field
                     (app, table_name, name, distinct_values, non_nulls, tags, comment)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![
                        app_row,
                        t.name,
                        f.name,
                        f.distinct as i64,
                        f.non_nulls as i64,
                        serde_json::to_string(&f.tags).unwrap_or_default(),
                        f.comment
                    ],
                )?;
            }
        }
    }
    tx.execute(
        "INSERT INTO app_files (app, lineage, model, connections, fields, script_log)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(app) DO UPDATE SET lineage = excluded.lineage,
           model = coalesce(excluded.model, model), connections = excluded.connections,
           fields = excluded.fields, script_log = excluded.script_log",
        params![
            app_row,
            to_json(&snap.lineage),
            snap.model.as_ref().map(to_json),
            to_json(&snap.connections),
            to_json(&snap.fields),
            snap.script_log
        ],
    )?;
    if new_app {
        let sheets = extracted
            .objects
            .iter()
            .filter(|o| o.kind == "sheet")
            .count();
        note(
            &tx,
            Change {
                item: "app",
                item_id: &meta.id,
                name: &meta.name,
                change: "added",
                detail: format!(
                    "{sheets} sheets, {} objects",
                    extracted.objects.len() - sheets
                ),
            },
        )?;
    }
    tx.execute(
        "INSERT OR REPLACE INTO crawl_status (run_id, app_id, name, status, error)
         VALUES (?1, ?2, ?3, 'read', NULL)",
        params![run, meta.id, meta.name],
    )?;
    tx.commit()?;
    Ok(Stored { new_app, changes })
}

fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// Marks deleted every live app of the site that the listing (every app id the site has now)
/// does not hold; returns them as `(id, name)`.
pub fn mark_deleted_apps(
    conn: &mut Connection,
    site_id: i64,
    run: i64,
    listed: &BTreeSet<String>,
) -> rusqlite::Result<Vec<(String, String)>> {
    let tx = conn.transaction()?;
    let mut gone = Vec::new();
    {
        let mut stmt = tx.prepare(
            "SELECT id, name FROM app WHERE site_id = ?1 AND deleted_run IS NULL ORDER BY id",
        )?;
        for r in stmt.query_map([site_id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })? {
            let (id, name) = r?;
            if !listed.contains(&id) {
                gone.push((id, name));
            }
        }
    }
    for (id, name) in &gone {
        tx.execute(
            "UPDATE app SET deleted_run = ?3 WHERE site_id = ?1 AND id = ?2",
            params![site_id, id, run],
        )?;
        tx.execute(
            "INSERT INTO change (run_id, app_id, app_name, item, item_id, name, change)
             VALUES (?1, ?2, ?3, 'app', ?2, ?3, 'removed')",
            params![run, id, name],
        )?;
        tx.execute(
            "INSERT OR REPLACE INTO crawl_status (run_id, app_id, name, status)
             VALUES (?1, ?2, ?3, 'deleted')",
            params![run, id, name],
        )?;
    }
    tx.commit()?;
    Ok(gone)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{schema, snapshot_dir};

    fn changes(conn: &Connection, run: i64) -> Vec<(String, String, String)> {
        let mut stmt = conn
            .prepare("SELECT item, item_id, change FROM change WHERE run_id = ?1 ORDER BY id")
            .unwrap();
        stmt.query_map([run], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    #[test]
    fn only_real_differences_become_changes() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = schema::open_write(&dir.path().join("c.db")).unwrap();
        let folder =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/site/apps/finance-pnl");
        let mut app = snapshot_dir::read_app(&folder).unwrap();
        let site = site_id(&conn, "s", &SiteAddress::default()).unwrap();
        let first = begin_run(&conn, site, RunKind::Import, None, "t").unwrap();
        let stored = store_app(&mut conn, site, first, &app).unwrap();
        assert!(stored.new_app);
        assert_eq!(changes(&conn, first).len(), 1, "a new app is one change");

        let same = begin_run(&conn, site, RunKind::Import, None, "t").unwrap();
        assert_eq!(store_app(&mut conn, site, same, &app).unwrap().changes, 0);

        // The script, a field of the model and the reload time change.
        app.script.push_str("\n// edited\n");
        let model = app.model.as_mut().expect("the demo app has a model");
        let table = model.tables[0].name.clone();
        let dropped = model.tables[0].fields.pop().unwrap().name;
        app.meta.last_reload_time = Some("2026-12-01T00:00:00.000Z".into());
        let next = begin_run(&conn, site, RunKind::Import, None, "t").unwrap();
        store_app(&mut conn, site, next, &app).unwrap();
        let got = changes(&conn, next);
        assert!(got.contains(&("script".into(), app.meta.id.clone(), "modified".into())));
        assert!(got.contains(&(
            "field".into(),
            format!("{table}.{dropped}"),
            "removed".into()
        )));
        assert!(got.contains(&("app".into(), app.meta.id.clone(), "reloaded".into())));
        assert_eq!(got.len(), 3, "{got:?}");
    }
}
