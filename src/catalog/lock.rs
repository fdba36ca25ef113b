//! One writer per catalog. A crawl commits app by app, so SQLite's own write lock is free
//! between apps; the writer lock is an exclusive lock on a side file (`<catalog>.lock`, itself
//! an SQLite file locked with `locking_mode=EXCLUSIVE`), held for the whole crawl or import.
//! The operating system releases it when the process ends, even on SIGKILL, so a killed
//! crawl never leaves a stale lock; readers never take it.

use std::path::{Path, PathBuf};

use rusqlite::Connection;

use super::error::CatalogError;

/// Held while a crawl or import writes; dropping it releases the catalog.
#[derive(Debug)]
pub struct WriterLock {
    _conn: Connection,
    pub path: PathBuf,
}

pub fn lock_path(catalog: &Path) -> PathBuf {
    let mut name = catalog.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Takes the writer lock, or fails at once with [`CatalogError::Locked`] (`holder` says who,
/// when the catalog knows: the running run's pid and start).
pub fn acquire(catalog: &Path, holder: impl Fn() -> String) -> Result<WriterLock, CatalogError> {
    let path = lock_path(catalog);
    let sql = |e| CatalogError::sqlite(&path, e);
    let conn = Connection::open(&path).map_err(sql)?;
    conn.busy_timeout(std::time::Duration::ZERO).map_err(sql)?;
    conn.pragma_update(None, "locking_mode", "EXCLUSIVE")
        .map_err(sql)?;
    // A write in an open transaction takes SQLite's EXCLUSIVE file lock, kept until the
    // connection closes (locking_mode=EXCLUSIVE never gives it back).
    let taken = conn.execute_batch(
        "BEGIN EXCLUSIVE; CREATE TABLE IF NOT EXISTS writer(x); DELETE FROM writer;",
    );
    match taken {
        Ok(()) => Ok(WriterLock { _conn: conn, path }),
        Err(e)
            if matches!(
                e.sqlite_error_code(),
                Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
            ) =>
        {
            Err(CatalogError::Locked {
                path: catalog.display().to_string(),
                holder: holder(),
            })
        }
        Err(e) => Err(sql(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_writer_is_refused_until_the_first_is_done() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("c.db");
        let first = acquire(&db, String::new).unwrap();
        let err = acquire(&db, || " (pid 7)".into()).unwrap_err();
        assert!(matches!(err, CatalogError::Locked { .. }));
        assert!(err.to_string().contains("pid 7"), "{err}");
        drop(first);
        acquire(&db, String::new).unwrap();
    }
}
