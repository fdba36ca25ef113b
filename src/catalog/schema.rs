//! Opening a catalog file: recognising it (SQLite header, application id, schema version),
//! refusing what is not ours, corrupted or newer, and migrating older versions forward, in one
//! transaction, after a backup copy.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use super::error::CatalogError;

/// `PRAGMA application_id` of every qlineage catalog ("QLNG").
pub const APPLICATION_ID: i64 = 0x514C_4E47;

/// The numbered migrations; schema version N is the first N applied. Never edit a shipped one.
pub const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_inventory.sql"),
    include_str!("migrations/0002_lineage.sql"),
    include_str!("migrations/0003_local_paths.sql"),
];

/// The schema version this build writes.
pub const LATEST: i64 = MIGRATIONS.len() as i64;

const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Whether the file is empty or missing (a new catalog), after checking its first bytes say
/// SQLite: a file that is anything else is refused before SQLite touches it.
fn check_header(path: &Path) -> Result<bool, CatalogError> {
    use std::io::Read;
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(true),
        Err(e) => return Err(CatalogError::io(path, e)),
    };
    let mut head = Vec::with_capacity(16);
    file.by_ref()
        .take(16)
        .read_to_end(&mut head)
        .map_err(|e| CatalogError::io(path, e))?;
    if head.is_empty() {
        return Ok(true);
    }
    if head.as_slice() != SQLITE_HEADER {
        return Err(CatalogError::NotSqlite {
            path: path.display().to_string(),
        });
    }
    Ok(false)
}

fn pragma_i64(conn: &Connection, path: &Path, name: &str) -> Result<i64, CatalogError> {
    conn.query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))
        .map_err(|e| CatalogError::sqlite(path, e))
}

/// The version of an existing file, after checking it is a sound qlineage catalog.
fn version_of(conn: &Connection, path: &Path) -> Result<i64, CatalogError> {
    let app_id = pragma_i64(conn, path, "application_id")?;
    let version = pragma_i64(conn, path, "user_version")?;
    let tables: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
        .map_err(|e| CatalogError::sqlite(path, e))?;
    if app_id != APPLICATION_ID && (tables > 0 || app_id != 0) {
        return Err(CatalogError::Foreign {
            path: path.display().to_string(),
            application_id: app_id,
        });
    }
    if version > LATEST {
        return Err(CatalogError::NewerSchema {
            path: path.display().to_string(),
            found: version,
            supported: LATEST,
        });
    }
    let check: String = conn
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .map_err(|e| CatalogError::sqlite(path, e))?;
    if check != "ok" {
        return Err(CatalogError::Corrupt {
            path: path.display().to_string(),
            message: check,
        });
    }
    Ok(version)
}

/// Opens (creating or migrating) a catalog for reading and writing.
pub fn open_write(path: &Path) -> Result<Connection, CatalogError> {
    let fresh = check_header(path)?;
    let conn = Connection::open(path).map_err(|e| CatalogError::sqlite(path, e))?;
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(|e| CatalogError::sqlite(path, e))?;
    let version = if fresh { 0 } else { version_of(&conn, path)? };
    if version > 0 && version < LATEST {
        backup(&conn, path, version)?;
    }
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(|e| CatalogError::sqlite(path, e))?;
    conn.pragma_update(None, "foreign_keys", true)
        .map_err(|e| CatalogError::sqlite(path, e))?;
    // In WAL mode NORMAL never corrupts and loses nothing when the process is killed; only a
    // power cut may roll back the last commits (apps a next crawl reads again). FULL would
    // fsync every app's transaction.
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(|e| CatalogError::sqlite(path, e))?;
    if version < LATEST {
        migrate(&conn, path, version)?;
    }
    Ok(conn)
}

/// Opens an existing, current catalog read-only.
pub fn open_read(path: &Path) -> Result<Connection, CatalogError> {
    if check_header(path)? {
        return Err(CatalogError::Missing {
            path: path.display().to_string(),
        });
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| CatalogError::sqlite(path, e))?;
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(|e| CatalogError::sqlite(path, e))?;
    let version = version_of(&conn, path)?;
    if version < LATEST {
        return Err(CatalogError::Outdated {
            path: path.display().to_string(),
            found: version,
            supported: LATEST,
        });
    }
    Ok(conn)
}

/// `<file>.v<N>.bak` (or `.v<N>.<k>.bak` when taken), a consistent copy made by SQLite.
fn backup(conn: &Connection, path: &Path, from: i64) -> Result<PathBuf, CatalogError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "catalog".into());
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut target = dir.join(format!("{name}.v{from}.bak"));
    let mut k = 2;
    while target.exists() {
        target = dir.join(format!("{name}.v{from}.{k}.bak"));
        k += 1;
    }
    conn.execute("VACUUM INTO ?1", [target.to_string_lossy().as_ref()])
        .map_err(|e| CatalogError::Backup {
            path: path.display().to_string(),
            backup: target.display().to_string(),
            from,
            to: LATEST,
            message: e.to_string(),
        })?;
    Ok(target)
}

/// Applies migrations `from+1..=LATEST` in one transaction.
fn migrate(conn: &Connection, path: &Path, from: i64) -> Result<(), CatalogError> {
    let sql = |e| CatalogError::sqlite(path, e);
    conn.execute_batch("BEGIN IMMEDIATE").map_err(sql)?;
    let run = || -> Result<(), rusqlite::Error> {
        // Another process may have migrated while we waited for the write lock.
        let now: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        for (i, step) in MIGRATIONS.iter().enumerate().skip(now.max(from) as usize) {
            conn.execute_batch(step)?;
            conn.pragma_update(None, "user_version", i as i64 + 1)?;
        }
        conn.pragma_update(None, "application_id", APPLICATION_ID)?;
        Ok(())
    };
    match run() {
        Ok(()) => conn.execute_batch("COMMIT").map_err(sql),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(sql(e))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_file_gets_every_migration_and_our_id() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let conn = open_write(&path).unwrap();
        assert_eq!(pragma_i64(&conn, &path, "user_version").unwrap(), LATEST);
        assert_eq!(
            pragma_i64(&conn, &path, "application_id").unwrap(),
            APPLICATION_ID
        );
        drop(conn);
        // Opening again changes nothing and makes no backup.
        open_write(&path).unwrap();
        let baks = std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .ends_with(".bak")
            })
            .count();
        assert_eq!(baks, 0);
    }

    #[test]
    fn text_files_and_foreign_databases_are_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("notes.db");
        std::fs::write(&text, "hello, not a database").unwrap();
        let err = open_write(&text).unwrap_err();
        assert!(matches!(err, CatalogError::NotSqlite { .. }), "{err}");
        assert_eq!(
            std::fs::read_to_string(&text).unwrap(),
            "hello, not a database"
        );
        let other = dir.path().join("other.db");
        Connection::open(&other)
            .unwrap()
            .execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);")
            .unwrap();
        let err = open_write(&other).unwrap_err();
        assert!(matches!(err, CatalogError::Foreign { .. }), "{err}");
        assert!(err.to_string().contains("other.db"));
    }
}
