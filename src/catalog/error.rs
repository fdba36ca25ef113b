//! The catalog's failures, each naming the file; the CLI words nothing else.

use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error(
        "{path}: not a qlineage catalog: the file is not an SQLite database; it was left untouched"
    )]
    NotSqlite { path: String },
    #[error("{path}: an SQLite database, but not a qlineage catalog (application id {application_id:#x}); it was left untouched")]
    Foreign { path: String, application_id: i64 },
    #[error("{path}: the catalog is corrupted ({message}); it was left untouched: restore a backup (a `.v<N>.bak` copy beside it, if a migration made one) or crawl into a new file")]
    Corrupt { path: String, message: String },
    #[error("{path}: written by a newer qlineage (catalog schema version {found}; this qlineage reads versions 1 to {supported}); it was left untouched: use a newer qlineage")]
    NewerSchema {
        path: String,
        found: i64,
        supported: i64,
    },
    #[error("{path}: catalog schema version {found} needs migrating to {supported}; open it once for writing (e.g. `qlineage catalog migrate --db {path}`)")]
    Outdated {
        path: String,
        found: i64,
        supported: i64,
    },
    #[error("{path}: cannot copy the catalog to {backup} before migrating it from version {from} to {to}: {message}; nothing was changed")]
    Backup {
        path: String,
        backup: String,
        from: i64,
        to: i64,
        message: String,
    },
    #[error("{path}: another crawl or import is writing this catalog{holder}; only one writer at a time: try again when it has finished")]
    Locked { path: String, holder: String },
    #[error("{path}: no catalog here")]
    Missing { path: String },
    #[error("{path}: {message}")]
    Sqlite { path: String, message: String },
    #[error("{path}: {message}")]
    Io { path: String, message: String },
    #[error("{path}: {message}")]
    Snapshot { path: String, message: String },
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
}

impl CatalogError {
    pub(crate) fn sqlite(path: &Path, e: rusqlite::Error) -> CatalogError {
        let path = path.display().to_string();
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::NotADatabase) => CatalogError::NotSqlite { path },
            Some(rusqlite::ErrorCode::DatabaseCorrupt) => CatalogError::Corrupt {
                path,
                message: e.to_string(),
            },
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
                CatalogError::Sqlite {
                    path,
                    message: format!("{e} (another process holds the catalog too long)"),
                }
            }
            _ => CatalogError::Sqlite {
                path,
                message: e.to_string(),
            },
        }
    }

    pub(crate) fn io(path: &Path, e: std::io::Error) -> CatalogError {
        CatalogError::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        }
    }
}
