//! Data connections: what `lib://Name/…` and `LIB CONNECT TO 'Name'` refer to.
//!
//! The map comes from the user (a JSON file) in one of two shapes: our own object
//! `{"<name>": {"type": "folder", "path": "…"} | {"type": "<provider>", "connection_string": "…"}}`
//! or the array QRS returns from `/qrs/dataconnection/full` (`name`, `connectionstring`,
//! `type`), so a user can pass what their server gives them. Names are case-insensitive.

use rustc_hash::FxHashMap as HashMap;
use std::path::PathBuf;

use serde_json::Value as Json;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionKind {
    /// A folder connection: `path` is its root as declared (often a UNC path); `disk` is
    /// where the same folder can be read on this machine, when known.
    Folder { path: String, disk: Option<PathBuf> },
    /// A database or connector: the provider (connection type) and the connection string.
    Database {
        provider: String,
        connection_string: String,
    },
    /// A web file connection (`internet`): its base URL.
    Web { url: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    pub name: String,
    pub kind: ConnectionKind,
}

/// Connections by lower-cased name.
#[derive(Debug, Clone, Default)]
pub struct Connections {
    by_name: HashMap<String, Connection>,
    /// Server folders readable on this machine (`--mount`, a crawl's `[paths] mounts`).
    mounts: Vec<super::mounts::Mount>,
}

/// Why a connections file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConnectionsError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: not JSON: {source}")]
    Json {
        path: String,
        source: serde_json::Error,
    },
    #[error("{path}: expected an object of connections or the QRS dataconnection array")]
    Shape { path: String },
}

impl Connections {
    pub fn insert(&mut self, connection: Connection) {
        self.by_name
            .insert(connection.name.to_lowercase(), connection);
    }

    /// Looks a connection up; a QRS name with a user suffix (`Name (user)`) also answers to
    /// the bare name.
    pub fn get(&self, name: &str) -> Option<&Connection> {
        if self.by_name.is_empty() {
            return None;
        }
        let key = name.trim().to_lowercase();
        self.by_name.get(&key).or_else(|| {
            self.by_name.values().find(|c| {
                let n = c.name.to_lowercase();
                n.strip_prefix(&key)
                    .is_some_and(|rest| rest.trim_start().starts_with('('))
            })
        })
    }

    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    pub fn add_mount(&mut self, mount: super::mounts::Mount) {
        if !self.mounts.contains(&mount) {
            self.mounts.push(mount);
        }
    }

    pub fn mounts(&self) -> &[super::mounts::Mount] {
        &self.mounts
    }

    /// Where a server path (a folder connection's root joined with the rest, or a path
    /// written out) can be read on this machine through a mount.
    pub fn mounted(&self, server_path: &str) -> Option<PathBuf> {
        super::mounts::map(&self.mounts, server_path)
    }

    /// Where a folder connection's root can be read here: its own local copy, else a mount.
    pub fn folder_disk(&self, declared: &str, disk: Option<&PathBuf>) -> Option<PathBuf> {
        disk.cloned().or_else(|| self.mounted(declared))
    }

    /// Connections in name order.
    pub fn iter(&self) -> impl Iterator<Item = &Connection> {
        let mut all: Vec<&Connection> = self.by_name.values().collect();
        all.sort_by(|a, b| a.name.cmp(&b.name));
        all.into_iter()
    }

    /// Reads a connections file; relative folder paths are taken against the file's folder.
    pub fn read(path: &std::path::Path) -> Result<Connections, ConnectionsError> {
        let display = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ConnectionsError::Io {
            path: display.clone(),
            source,
        })?;
        let json: Json = serde_json::from_str(&text).map_err(|source| ConnectionsError::Json {
            path: display.clone(),
            source,
        })?;
        let base = path.parent().map(PathBuf::from).unwrap_or_default();
        Connections::from_json(&json, &base).ok_or(ConnectionsError::Shape { path: display })
    }

    /// Builds the map from either JSON shape; `None` if it is neither.
    pub fn from_json(json: &Json, base: &std::path::Path) -> Option<Connections> {
        let mut connections = Connections::default();
        match json {
            Json::Object(map) => {
                for (name, def) in map {
                    let kind = def.get("type")?.as_str()?.to_string();
                    let connection = if kind.eq_ignore_ascii_case("folder") {
                        let path = def.get("path")?.as_str()?.to_string();
                        folder(name, &path, base)
                    } else if kind.eq_ignore_ascii_case("internet")
                        || kind.eq_ignore_ascii_case("web")
                    {
                        Connection {
                            name: name.clone(),
                            kind: ConnectionKind::Web {
                                url: def
                                    .get("url")
                                    .or_else(|| def.get("connection_string"))?
                                    .as_str()?
                                    .to_string(),
                            },
                        }
                    } else {
                        Connection {
                            name: name.clone(),
                            kind: ConnectionKind::Database {
                                provider: kind,
                                connection_string: def
                                    .get("connection_string")
                                    .and_then(Json::as_str)
                                    .unwrap_or("")
                                    .to_string(),
                            },
                        }
                    };
                    connections.insert(connection);
                }
            }
            Json::Array(items) => {
                for item in items {
                    let name = item.get("name")?.as_str()?;
                    let kind = item.get("type").and_then(Json::as_str).unwrap_or("");
                    let string = item
                        .get("connectionstring")
                        .and_then(Json::as_str)
                        .unwrap_or("");
                    connections.insert(from_qrs(name, kind, string, base));
                }
            }
            _ => return None,
        }
        Some(connections)
    }
}

fn folder(name: &str, path: &str, base: &std::path::Path) -> Connection {
    let local = std::path::Path::new(path);
    let disk = if local.is_absolute() || path.starts_with("\\\\") || looks_like_windows(path) {
        local.is_dir().then(|| local.to_path_buf())
    } else {
        Some(base.join(local))
    };
    Connection {
        name: name.to_string(),
        kind: ConnectionKind::Folder {
            path: path.to_string(),
            disk,
        },
    }
}

fn looks_like_windows(path: &str) -> bool {
    let b = path.as_bytes();
    b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':'
}

/// One QRS `dataconnection` entity.
pub fn from_qrs(
    name: &str,
    kind: &str,
    connection_string: &str,
    base: &std::path::Path,
) -> Connection {
    if kind.eq_ignore_ascii_case("folder") {
        return folder(name, connection_string, base);
    }
    if kind.eq_ignore_ascii_case("internet") {
        return Connection {
            name: name.to_string(),
            kind: ConnectionKind::Web {
                url: connection_string.to_string(),
            },
        };
    }
    Connection {
        name: name.to_string(),
        kind: ConnectionKind::Database {
            provider: kind.to_string(),
            connection_string: connection_string.to_string(),
        },
    }
}

impl Connection {
    /// The text the SQL dialect is chosen from: the provider and the connection string.
    pub fn provider_text(&self) -> String {
        match &self.kind {
            ConnectionKind::Database {
                provider,
                connection_string,
            } => format!("{provider};{connection_string}"),
            _ => String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_and_qrs_shapes() {
        let object: Json = serde_json::from_str(
            r#"{"QVD": {"type": "folder", "path": "qvd"}, "SalesDB": {"type": "sqlserver", "connection_string": "host=db"}}"#,
        )
        .unwrap();
        let c = Connections::from_json(&object, std::path::Path::new("/estate")).unwrap();
        assert!(
            matches!(&c.get("qvd").unwrap().kind, ConnectionKind::Folder { disk: Some(d), .. } if d == std::path::Path::new("/estate/qvd"))
        );
        assert!(c
            .get("SalesDB")
            .unwrap()
            .provider_text()
            .contains("sqlserver"));

        let qrs: Json = serde_json::from_str(
            r#"[{"name": "Northwind (qlik_admin)", "type": "OLEDB", "connectionstring": "Provider=SQLOLEDB.1"}]"#,
        )
        .unwrap();
        let c = Connections::from_json(&qrs, std::path::Path::new("/")).unwrap();
        assert!(c.get("Northwind").is_some(), "user suffix is optional");
        assert!(Connections::from_json(&Json::Bool(true), std::path::Path::new("/")).is_none());
    }
}
