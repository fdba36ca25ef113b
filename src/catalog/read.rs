//! The read side: plain typed rows for other modules (preview, web explorer, exports). Only
//! live rows (not marked deleted) unless a function says otherwise; every list is sorted.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

use crate::qlik::site_format::{AppFile, AppSnapshot, ObjectFile, SiteFile};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Site {
    pub id: i64,
    pub name: String,
    /// Where users open the site (the proxy URL), `None` for an imported snapshot.
    pub base_url: Option<String>,
    /// The host name to use in links when it differs from the URL's.
    pub alias_host: Option<String>,
    /// Virtual-proxy prefix, `""` for the default proxy.
    pub virtual_proxy: String,
}

impl Site {
    /// The link that opens a sheet on the site (`/sense/app/<app>/sheet/<sheet>/state/analysis`
    /// behind the alias host and virtual-proxy prefix), when the site's address is known.
    pub fn sheet_url(&self, app: &str, sheet: &str) -> Option<String> {
        let base = self.base_url.as_deref()?.trim_end_matches('/');
        let base = match (&self.alias_host, base.split_once("://")) {
            (Some(alias), Some((scheme, rest))) => {
                let port = rest
                    .split('/')
                    .next()
                    .and_then(|h| h.rsplit_once(':'))
                    .map(|(_, p)| format!(":{p}"))
                    .unwrap_or_default();
                format!("{scheme}://{alias}{port}")
            }
            _ => base.to_owned(),
        };
        let prefix = self.virtual_proxy.trim_matches('/');
        let prefix = if prefix.is_empty() {
            String::new()
        } else {
            format!("/{prefix}")
        };
        Some(format!(
            "{base}{prefix}/sense/app/{app}/sheet/{sheet}/state/analysis"
        ))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Run {
    pub id: i64,
    pub site_id: Option<i64>,
    pub kind: String,
    pub started: String,
    pub finished: Option<String>,
    /// running, ok, partial (some apps failed), failed, interrupted (the process died).
    pub status: String,
    pub since: Option<String>,
    pub apps_read: i64,
    pub apps_unchanged: i64,
    pub apps_failed: i64,
    pub apps_deleted: i64,
    pub engine_sessions: i64,
    pub source: Option<String>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stream {
    pub site_id: i64,
    pub id: String,
    pub name: String,
    pub owner: String,
    pub created: String,
    pub modified: String,
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct App {
    pub site_id: i64,
    pub id: String,
    pub name: String,
    pub owner: String,
    pub stream: Option<String>,
    pub published: bool,
    pub publish_time: Option<String>,
    pub created: String,
    pub modified: String,
    pub last_reload: Option<String>,
    pub description: String,
    /// The full repository record (tags, custom properties, reload task…).
    pub record: AppFile,
    pub deleted_run: Option<i64>,
}

/// One engine object (persistent or embedded).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Object {
    pub app_id: String,
    pub id: String,
    /// `qInfo.qType`.
    pub kind: String,
    pub parent_id: Option<String>,
    pub sheet_id: Option<String>,
    pub title: String,
    pub visualization: Option<String>,
    pub definition: Option<String>,
    pub label: Option<String>,
    pub description: String,
    pub owner: Option<String>,
    pub published: Option<bool>,
    pub approved: Option<bool>,
    pub modified: Option<String>,
    pub script_created: bool,
    pub hash: String,
}

/// A dimension or measure an object shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Expression {
    pub label: String,
    /// The expression (measure) or the field definitions, one per line (dimension).
    pub definition: String,
    /// The master item it uses, if any.
    pub library_id: Option<String>,
}

/// A visual object with what it shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VisualObject {
    pub id: String,
    pub kind: String,
    pub visualization: Option<String>,
    pub title: String,
    pub dimensions: Vec<Expression>,
    pub measures: Vec<Expression>,
}

/// Where a cell sits on the sheet's grid: grid units, or bounds in percent, or both.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cell {
    pub object_id: String,
    pub col: Option<i64>,
    pub row: Option<i64>,
    pub colspan: Option<i64>,
    pub rowspan: Option<i64>,
    /// `[x, y, width, height]` in percent of the sheet.
    pub bounds: Option<[f64; 4]>,
    /// The object the cell shows; `None` when the sheet names an object it does not hold.
    pub object: Option<VisualObject>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sheet {
    pub app_id: String,
    pub id: String,
    pub title: String,
    pub description: String,
    pub owner: Option<String>,
    pub published: Option<bool>,
    pub approved: Option<bool>,
    /// The grid's size (`columns`, `rows` of the sheet's properties), when given.
    pub columns: Option<i64>,
    pub rows: Option<i64>,
    pub rank: Option<f64>,
    pub cells: Vec<Cell>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Script {
    pub app_id: String,
    pub name: String,
    pub text: String,
    pub hash: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DataConnection {
    pub site_id: i64,
    pub id: String,
    pub name: String,
    pub kind: String,
    pub connection_string: String,
    pub username: String,
    pub owner: String,
    pub modified: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelField {
    pub app_id: String,
    pub table: String,
    pub name: String,
    pub distinct: i64,
    pub non_nulls: i64,
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QvdHeader {
    pub path: String,
    pub table: String,
    pub rows: Option<i64>,
    pub created_by: Option<String>,
    pub fields: Vec<String>,
}

fn json_vec(text: String) -> Vec<String> {
    serde_json::from_str(&text).unwrap_or_default()
}

pub fn sites(conn: &Connection) -> rusqlite::Result<Vec<Site>> {
    let mut stmt =
        conn.prepare("SELECT id, name, base_url, alias_host, virtual_proxy FROM site ORDER BY id")?;
    let rows = stmt.query_map([], |r| {
        Ok(Site {
            id: r.get(0)?,
            name: r.get(1)?,
            base_url: r.get(2)?,
            alias_host: r.get(3)?,
            virtual_proxy: r.get(4)?,
        })
    })?;
    rows.collect()
}

pub fn site_file(conn: &Connection, site_id: i64) -> rusqlite::Result<Option<SiteFile>> {
    let text: Option<String> = conn
        .query_row("SELECT site_json FROM site WHERE id = ?1", [site_id], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
}

fn run_of(r: &Row<'_>) -> rusqlite::Result<Run> {
    Ok(Run {
        id: r.get(0)?,
        site_id: r.get(1)?,
        kind: r.get(2)?,
        started: r.get(3)?,
        finished: r.get(4)?,
        status: r.get(5)?,
        since: r.get(6)?,
        apps_read: r.get(7)?,
        apps_unchanged: r.get(8)?,
        apps_failed: r.get(9)?,
        apps_deleted: r.get(10)?,
        engine_sessions: r.get(11)?,
        source: r.get(12)?,
        error: r.get(13)?,
    })
}

const RUN_COLUMNS: &str = "id, site_id, kind, started, finished, status, since, apps_read, apps_unchanged, apps_failed, apps_deleted, engine_sessions, source, error";

pub fn runs(conn: &Connection) -> rusqlite::Result<Vec<Run>> {
    let mut stmt = conn.prepare(&format!("SELECT {RUN_COLUMNS} FROM run ORDER BY id"))?;
    let rows = stmt.query_map([], run_of)?;
    rows.collect()
}

pub fn run(conn: &Connection, id: i64) -> rusqlite::Result<Option<Run>> {
    conn.query_row(
        &format!("SELECT {RUN_COLUMNS} FROM run WHERE id = ?1"),
        [id],
        run_of,
    )
    .optional()
}

/// The start of the last run of the site that read every app it should (status `ok`).
pub fn last_good_start(conn: &Connection, site_id: i64) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT started FROM run WHERE site_id = ?1 AND status = 'ok' AND kind <> 'import'
         ORDER BY id DESC LIMIT 1",
        [site_id],
        |r| r.get(0),
    )
    .optional()
}

pub fn streams(conn: &Connection) -> rusqlite::Result<Vec<Stream>> {
    let mut stmt = conn.prepare(
        "SELECT site_id, id, name, owner, created, modified, tags FROM stream
         ORDER BY site_id, name, id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Stream {
            site_id: r.get(0)?,
            id: r.get(1)?,
            name: r.get(2)?,
            owner: r.get(3)?,
            created: r.get(4)?,
            modified: r.get(5)?,
            tags: json_vec(r.get(6)?),
        })
    })?;
    rows.collect()
}

const APP_COLUMNS: &str = "site_id, id, name, owner, stream, published, publish_time, created, modified, last_reload, description, app_json, deleted_run";

fn app_of(r: &Row<'_>) -> rusqlite::Result<App> {
    let json: String = r.get(11)?;
    let record = serde_json::from_str(&json).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(11, rusqlite::types::Type::Text, Box::new(e))
    })?;
    Ok(App {
        site_id: r.get(0)?,
        id: r.get(1)?,
        name: r.get(2)?,
        owner: r.get(3)?,
        stream: r.get(4)?,
        published: r.get(5)?,
        publish_time: r.get(6)?,
        created: r.get(7)?,
        modified: r.get(8)?,
        last_reload: r.get(9)?,
        description: r.get(10)?,
        record,
        deleted_run: r.get(12)?,
    })
}

/// Live apps, by name.
pub fn apps(conn: &Connection) -> rusqlite::Result<Vec<App>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {APP_COLUMNS} FROM app WHERE deleted_run IS NULL ORDER BY name, id"
    ))?;
    let rows = stmt.query_map([], app_of)?;
    rows.collect()
}

/// An app by id (deleted ones too: their history stays).
pub fn app(conn: &Connection, id: &str) -> rusqlite::Result<Option<App>> {
    conn.query_row(
        &format!(
            "SELECT {APP_COLUMNS} FROM app WHERE id = ?1 ORDER BY deleted_run IS NULL DESC LIMIT 1"
        ),
        [id],
        app_of,
    )
    .optional()
}

const OBJECT_COLUMNS: &str = "a.id, o.id, o.type, o.parent_id, o.sheet_id, o.name, o.visualization, o.definition, o.label, o.description, o.owner, o.published, o.approved, o.modified, o.script_created, o.hash";

fn object_of(r: &Row<'_>) -> rusqlite::Result<Object> {
    Ok(Object {
        app_id: r.get(0)?,
        id: r.get(1)?,
        kind: r.get(2)?,
        parent_id: r.get(3)?,
        sheet_id: r.get(4)?,
        title: r.get(5)?,
        visualization: r.get(6)?,
        definition: r.get(7)?,
        label: r.get(8)?,
        description: r.get(9)?,
        owner: r.get(10)?,
        published: r.get(11)?,
        approved: r.get(12)?,
        modified: r.get(13)?,
        script_created: r.get(14)?,
        hash: r.get(15)?,
    })
}

/// Live objects of live apps, optionally of one app and/or of some types.
pub fn objects(
    conn: &Connection,
    app_id: Option<&str>,
    kinds: &[&str],
) -> rusqlite::Result<Vec<Object>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {OBJECT_COLUMNS} FROM object o JOIN app a ON a.rowid = o.app
         WHERE o.deleted_run IS NULL AND a.deleted_run IS NULL AND (?1 IS NULL OR a.id = ?1)
         ORDER BY a.name, a.id, o.type, o.name, o.id"
    ))?;
    let rows = stmt.query_map([app_id], object_of)?;
    let all: rusqlite::Result<Vec<Object>> = rows.collect();
    Ok(all?
        .into_iter()
        .filter(|o| kinds.is_empty() || kinds.contains(&o.kind.as_str()))
        .collect())
}

/// Master measures, dimensions and visualizations.
pub fn master_items(conn: &Connection, app_id: Option<&str>) -> rusqlite::Result<Vec<Object>> {
    objects(conn, app_id, &["measure", "dimension", "masterobject"])
}

pub fn variables(conn: &Connection, app_id: Option<&str>) -> rusqlite::Result<Vec<Object>> {
    objects(conn, app_id, &["variable"])
}

pub fn bookmarks(conn: &Connection, app_id: Option<&str>) -> rusqlite::Result<Vec<Object>> {
    objects(conn, app_id, &["bookmark"])
}

fn expressions(
    conn: &Connection,
    app_row: i64,
    object_id: &str,
) -> rusqlite::Result<(Vec<Expression>, Vec<Expression>)> {
    let mut stmt = conn.prepare_cached(
        "SELECT role, label, definition, library_id FROM object_expression
         WHERE app = ?1 AND object_id = ?2 ORDER BY role, position",
    )?;
    let mut dims = Vec::new();
    let mut measures = Vec::new();
    for r in stmt.query_map(params![app_row, object_id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            Expression {
                label: r.get(1)?,
                definition: r.get(2)?,
                library_id: r.get(3)?,
            },
        ))
    })? {
        let (role, e) = r?;
        if role == "dimension" {
            dims.push(e);
        } else {
            measures.push(e);
        }
    }
    Ok((dims, measures))
}

/// The live sheets of an app with their grid and the objects in each cell, by rank then title.
pub fn sheets(conn: &Connection, app_id: &str) -> rusqlite::Result<Vec<Sheet>> {
    let Some(app_row): Option<i64> = conn
        .query_row(
            "SELECT rowid FROM app WHERE id = ?1 AND deleted_run IS NULL",
            [app_id],
            |r| r.get(0),
        )
        .optional()?
    else {
        return Ok(Vec::new());
    };
    let mut stmt = conn.prepare(
        "SELECT id, name, description, owner, published, approved, file FROM object
         WHERE app = ?1 AND type = 'sheet' AND deleted_run IS NULL",
    )?;
    let mut out: Vec<Sheet> = stmt
        .query_map([app_row], |r| {
            let file: Option<String> = r.get(6)?;
            let property = file
                .and_then(|f| serde_json::from_str::<ObjectFile>(&f).ok())
                .map(|f| f.property)
                .unwrap_or_default();
            let num = |k: &str| property.get(k).and_then(serde_json::Value::as_f64);
            Ok(Sheet {
                app_id: app_id.to_owned(),
                id: r.get(0)?,
                title: r.get(1)?,
                description: r.get(2)?,
                owner: r.get(3)?,
                published: r.get(4)?,
                approved: r.get(5)?,
                columns: num("columns").map(|f| f as i64),
                rows: num("rows").map(|f| f as i64),
                rank: num("rank"),
                cells: Vec::new(),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    for sheet in &mut out {
        let id = sheet.id.clone();
        let mut cells = Vec::new();
        let mut cstmt = conn.prepare_cached(
            "SELECT c.object_id, c.col, c.row, c.colspan, c.rowspan, c.x, c.y, c.width, c.height,
                    o.type, o.visualization, o.name
             FROM sheet_cell c LEFT JOIN object o
               ON o.app = c.app AND o.id = c.object_id AND o.deleted_run IS NULL
             WHERE c.app = ?1 AND c.sheet_id = ?2
             ORDER BY c.row, c.col, c.y, c.x, c.object_id",
        )?;
        let raw: Vec<_> = cstmt
            .query_map(params![app_row, id], |r| {
                let b: [Option<f64>; 4] = [r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?];
                Ok((
                    r.get::<_, String>(0)?,
                    [r.get::<_, Option<i64>>(1)?, r.get(2)?, r.get(3)?, r.get(4)?],
                    b,
                    r.get::<_, Option<String>>(9)?,
                    r.get::<_, Option<String>>(10)?,
                    r.get::<_, Option<String>>(11)?,
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        for (object_id, grid, b, kind, visualization, name) in raw {
            let object = match kind {
                Some(kind) => {
                    let (dimensions, measures) = expressions(conn, app_row, &object_id)?;
                    Some(VisualObject {
                        id: object_id.clone(),
                        kind,
                        visualization,
                        title: name.unwrap_or_default(),
                        dimensions,
                        measures,
                    })
                }
                None => None,
            };
            cells.push(Cell {
                object_id,
                col: grid[0],
                row: grid[1],
                colspan: grid[2],
                rowspan: grid[3],
                bounds: match b {
                    [Some(x), Some(y), Some(w), Some(h)] => Some([x, y, w, h]),
                    _ => None,
                },
                object,
            });
        }
        sheet.cells = cells;
    }
    out.sort_by(|a, b| {
        a.rank
            .unwrap_or(f64::MAX)
            .total_cmp(&b.rank.unwrap_or(f64::MAX))
            .then_with(|| a.title.cmp(&b.title))
            .then_with(|| a.id.cmp(&b.id))
    });
    Ok(out)
}

/// A visual object's dimensions and measures (any object of a live app).
pub fn visual_object(
    conn: &Connection,
    app_id: &str,
    object_id: &str,
) -> rusqlite::Result<Option<VisualObject>> {
    let row: Option<(i64, String, Option<String>, String)> = conn
        .query_row(
            "SELECT a.rowid, o.type, o.visualization, o.name FROM object o
             JOIN app a ON a.rowid = o.app
             WHERE a.id = ?1 AND a.deleted_run IS NULL AND o.id = ?2 AND o.deleted_run IS NULL",
            params![app_id, object_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let Some((app_row, kind, visualization, title)) = row else {
        return Ok(None);
    };
    let (dimensions, measures) = expressions(conn, app_row, object_id)?;
    Ok(Some(VisualObject {
        id: object_id.to_owned(),
        kind,
        visualization,
        title,
        dimensions,
        measures,
    }))
}

pub fn scripts(conn: &Connection) -> rusqlite::Result<Vec<Script>> {
    let mut stmt = conn.prepare(
        "SELECT a.id, s.name, s.text, s.hash FROM script s JOIN app a ON a.rowid = s.app
         WHERE a.deleted_run IS NULL ORDER BY a.name, a.id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Script {
            app_id: r.get(0)?,
            name: r.get(1)?,
            text: r.get(2)?,
            hash: r.get(3)?,
        })
    })?;
    rows.collect()
}

pub fn data_connections(conn: &Connection) -> rusqlite::Result<Vec<DataConnection>> {
    let mut stmt = conn.prepare(
        "SELECT site_id, id, name, type, connection_string, username, owner, modified
         FROM data_connection ORDER BY site_id, name, id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(DataConnection {
            site_id: r.get(0)?,
            id: r.get(1)?,
            name: r.get(2)?,
            kind: r.get(3)?,
            connection_string: r.get(4)?,
            username: r.get(5)?,
            owner: r.get(6)?,
            modified: r.get(7)?,
        })
    })?;
    rows.collect()
}

pub fn model_fields(conn: &Connection, app_id: Option<&str>) -> rusqlite::Result<Vec<ModelField>> {
    let mut stmt = conn.prepare(
        "SELECT a.id, f.table_name, f.name, f.distinct_values, f.non_nulls, f.tags
         FROM model_field f JOIN app a ON a.rowid = f.app
         WHERE a.deleted_run IS NULL AND (?1 IS NULL OR a.id = ?1)
         ORDER BY a.id, f.table_name, f.name",
    )?;
    let rows = stmt.query_map([app_id], |r| {
        Ok(ModelField {
            app_id: r.get(0)?,
            table: r.get(1)?,
            name: r.get(2)?,
            distinct: r.get(3)?,
            non_nulls: r.get(4)?,
            tags: json_vec(r.get(5)?),
        })
    })?;
    rows.collect()
}

pub fn qvd_headers(conn: &Connection) -> rusqlite::Result<Vec<QvdHeader>> {
    let mut stmt = conn.prepare(
        "SELECT path, table_name, rows, created_by, fields FROM qvd_header ORDER BY path",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(QvdHeader {
            path: r.get(0)?,
            table: r.get(1)?,
            rows: r.get(2)?,
            created_by: r.get(3)?,
            fields: json_vec(r.get(4)?),
        })
    })?;
    rows.collect()
}

/// An app's stored texts, before they are parsed.
struct StoredApp {
    row: i64,
    meta: String,
    script: String,
    lineage: String,
    model: Option<String>,
    connections: String,
    fields: String,
    script_log: Option<String>,
}

/// A live app as a snapshot app folder holds it (what lineage is built from).
pub fn app_snapshot(conn: &Connection, app_id: &str) -> rusqlite::Result<Option<AppSnapshot>> {
    let head: Option<StoredApp> = conn
        .query_row(
            "SELECT a.rowid, a.app_json, coalesce(s.text, ''), coalesce(f.lineage, '[]'), f.model,
                    coalesce(f.connections, '[]'), coalesce(f.fields, '[]'), f.script_log
             FROM app a LEFT JOIN script s ON s.app = a.rowid LEFT JOIN app_files f ON f.app = a.rowid
             WHERE a.id = ?1 AND a.deleted_run IS NULL",
            [app_id],
            |r| {
                Ok(StoredApp {
                    row: r.get(0)?,
                    meta: r.get(1)?,
                    script: r.get(2)?,
                    lineage: r.get(3)?,
                    model: r.get(4)?,
                    connections: r.get(5)?,
                    fields: r.get(6)?,
                    script_log: r.get(7)?,
                })
            },
        )
        .optional()?;
    let Some(StoredApp {
        row,
        meta,
        script,
        lineage,
        model,
        connections,
        fields,
        script_log,
    }) = head
    else {
        return Ok(None);
    };
    let bad = |i: usize, e: serde_json::Error| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
    };
    let mut stmt = conn.prepare_cached(
        "SELECT id, file FROM object WHERE app = ?1 AND file IS NOT NULL AND deleted_run IS NULL
         ORDER BY id",
    )?;
    let mut objects = Vec::new();
    for r in stmt.query_map([row], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })? {
        let (id, file) = r?;
        objects.push((id, serde_json::from_str(&file).map_err(|e| bad(1, e))?));
    }
    Ok(Some(AppSnapshot {
        meta: serde_json::from_str(&meta).map_err(|e| bad(1, e))?,
        script,
        objects,
        model: model
            .map(|m| serde_json::from_str(&m))
            .transpose()
            .map_err(|e| bad(4, e))?,
        lineage: serde_json::from_str(&lineage).map_err(|e| bad(3, e))?,
        script_log,
        connections: serde_json::from_str(&connections).map_err(|e| bad(5, e))?,
        fields: serde_json::from_str(&fields).map_err(|e| bad(6, e))?,
    }))
}
