//! Manual lineage kept in the catalog: edges (and the external nodes they name) added by hand,
//! with who and when. They live in their own tables, which no crawl touches, and are applied
//! to every lineage build through the same code as a manual-lineage TOML file (the catalog
//! writes them as one), so both behave alike.

use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::store::now;
use super::{Catalog, CatalogError};
use crate::lineage::ManualFile;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldMap {
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManualEdge {
    pub id: i64,
    pub from: String,
    pub to: String,
    pub kind: String,
    pub note: String,
    pub fields: Vec<FieldMap>,
    pub added_by: String,
    pub added_at: String,
}

/// An edge to add.
#[derive(Debug, Clone, Default)]
pub struct NewEdge {
    pub from: String,
    pub to: String,
    /// derives (default), reads, stores, uses, contains.
    pub kind: Option<String>,
    pub note: String,
    pub fields: Vec<FieldMap>,
    pub by: String,
    /// Names for `ext:` endpoints (a node row is added for each).
    pub from_name: Option<String>,
    pub to_name: Option<String>,
}

const KINDS: [&str; 5] = ["derives", "reads", "stores", "uses", "contains"];

impl Catalog {
    /// Adds (or replaces: same from, to and kind) a manual edge; returns its id.
    pub fn manual_add(&self, edge: &NewEdge) -> Result<i64, CatalogError> {
        let kind = edge.kind.clone().unwrap_or_else(|| "derives".into());
        if !KINDS.contains(&kind.as_str()) {
            return Err(CatalogError::Invalid(format!(
                "unknown edge kind `{kind}` (expected derives, reads, stores, uses or contains)"
            )));
        }
        if edge.from.trim().is_empty() || edge.to.trim().is_empty() {
            return Err(CatalogError::Invalid(
                "a manual edge needs both --from and --to node ids".into(),
            ));
        }
        let at = now();
        for (id, name) in [(&edge.from, &edge.from_name), (&edge.to, &edge.to_name)] {
            if id.starts_with("ext:") || name.is_some() {
                self.conn
                    .execute(
                        "INSERT INTO manual_node (id, name, added_by, added_at) VALUES (?1, ?2, ?3, ?4)
                         ON CONFLICT(id) DO UPDATE SET name = coalesce(?5, name)",
                        params![id, name.clone().unwrap_or_else(|| id.clone()), edge.by, at, name],
                    )
                    .map_err(|e| self.sql(e))?;
            }
        }
        self.conn
            .execute(
                "INSERT INTO manual_edge (source, target, kind, note, fields, added_by, added_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT(source, target, kind) DO UPDATE SET note = excluded.note,
                   fields = excluded.fields, added_by = excluded.added_by,
                   added_at = excluded.added_at",
                params![
                    edge.from,
                    edge.to,
                    kind,
                    edge.note,
                    serde_json::to_string(&edge.fields).unwrap_or_default(),
                    edge.by,
                    at
                ],
            )
            .map_err(|e| self.sql(e))?;
        self.conn
            .query_row(
                "SELECT id FROM manual_edge WHERE source = ?1 AND target = ?2 AND kind = ?3",
                params![edge.from, edge.to, kind],
                |r| r.get(0),
            )
            .map_err(|e| self.sql(e))
    }

    pub fn manual_list(&self) -> Result<Vec<ManualEdge>, CatalogError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, source, target, kind, note, fields, added_by, added_at
                 FROM manual_edge ORDER BY id",
            )
            .map_err(|e| self.sql(e))?;
        stmt.query_map([], |r| {
            Ok(ManualEdge {
                id: r.get(0)?,
                from: r.get(1)?,
                to: r.get(2)?,
                kind: r.get(3)?,
                note: r.get(4)?,
                fields: serde_json::from_str(&r.get::<_, String>(5)?).unwrap_or_default(),
                added_by: r.get(6)?,
                added_at: r.get(7)?,
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(|e| self.sql(e))
    }

    /// Removes a manual edge by id; `false` when there is none.
    pub fn manual_remove(&self, id: i64) -> Result<bool, CatalogError> {
        let n = self
            .conn
            .execute("DELETE FROM manual_edge WHERE id = ?1", [id])
            .map_err(|e| self.sql(e))?;
        Ok(n > 0)
    }

    /// Imports a manual-lineage TOML file (docs/lineage.md): its nodes and edges, with the
    /// file's `by` and `date` when given, else `by` and now. Returns the number of edges.
    pub fn manual_import(&self, path: &std::path::Path, by: &str) -> Result<usize, CatalogError> {
        // Checked with the lineage reader first, so the catalog only takes what it accepts.
        ManualFile::read(path).map_err(|e| CatalogError::Invalid(e.to_string()))?;
        let text = std::fs::read_to_string(path).map_err(|e| CatalogError::io(path, e))?;
        let file: TomlFile = toml::from_str(&text)
            .map_err(|e| CatalogError::Invalid(format!("{}: {e}", path.display())))?;
        let at = now();
        for n in &file.node {
            self.conn
                .execute(
                    "INSERT OR REPLACE INTO manual_node (id, name, kind, description, added_by, added_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![
                        n.id,
                        n.name.clone().unwrap_or_else(|| n.id.clone()),
                        n.kind.clone().unwrap_or_else(|| "external".into()),
                        n.description.clone().unwrap_or_default(),
                        by,
                        at
                    ],
                )
                .map_err(|e| self.sql(e))?;
        }
        for e in &file.edge {
            self.manual_add(&NewEdge {
                from: e.from.clone(),
                to: e.to.clone(),
                kind: e.kind.clone(),
                note: e.note.clone().unwrap_or_default(),
                fields: e.fields.clone(),
                by: e.by.clone().unwrap_or_else(|| by.to_owned()),
                from_name: None,
                to_name: None,
            })?;
            if let Some(date) = &e.date {
                self.conn
                    .execute(
                        "UPDATE manual_edge SET added_at = ?3 WHERE source = ?1 AND target = ?2",
                        params![e.from, e.to, date],
                    )
                    .map_err(|e| self.sql(e))?;
            }
        }
        Ok(file.edge.len())
    }

    /// The stored manual lineage as a manual-lineage file, for a lineage build.
    pub fn manual_file(&self) -> Result<Option<ManualFile>, CatalogError> {
        let edges = self.manual_list()?;
        let mut stmt = self
            .conn
            .prepare("SELECT id, name, kind, description FROM manual_node ORDER BY id")
            .map_err(|e| self.sql(e))?;
        let nodes: Vec<TomlNode> = stmt
            .query_map([], |r| {
                Ok(TomlNode {
                    id: r.get(0)?,
                    name: Some(r.get(1)?),
                    kind: Some(r.get(2)?),
                    description: Some(r.get::<_, String>(3)?).filter(|d| !d.is_empty()),
                })
            })
            .and_then(|rows| rows.collect::<rusqlite::Result<_>>())
            .map_err(|e| self.sql(e))?;
        if edges.is_empty() && nodes.is_empty() {
            return Ok(None);
        }
        let file = TomlFile {
            node: nodes,
            edge: edges
                .into_iter()
                .map(|e| TomlEdge {
                    from: e.from,
                    to: e.to,
                    kind: Some(e.kind),
                    note: Some(e.note).filter(|n| !n.is_empty()),
                    by: Some(e.added_by),
                    date: Some(e.added_at),
                    fields: e.fields,
                })
                .collect(),
        };
        let text = toml::to_string(&file).map_err(|e| CatalogError::Invalid(e.to_string()))?;
        let name = format!("{} (manual lineage)", self.path.display());
        ManualFile::parse(&text, std::path::Path::new(&name))
            .map(Some)
            .map_err(|e| CatalogError::Invalid(e.to_string()))
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct TomlFile {
    #[serde(default)]
    node: Vec<TomlNode>,
    #[serde(default)]
    edge: Vec<TomlEdge>,
}

#[derive(Debug, Serialize, Deserialize)]
struct TomlNode {
    id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct TomlEdge {
    from: String,
    to: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    date: Option<String>,
    #[serde(default)]
    fields: Vec<FieldMap>,
}
