//! One process at a time per database file: a server holds an exclusive lock on
//! `<database>.lock` while it runs, and `crm-trends demo` takes the same lock, so neither
//! writes under the other (a server's prepared insight cards and forecasts would not see
//! what another process wrote).

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

/// The lock, held until dropped (or the process ends).
#[derive(Debug)]
pub struct Held {
    _file: File,
}

/// Why the lock was not taken.
#[derive(Debug)]
pub enum LockError {
    /// Another process holds it.
    Taken(PathBuf),
    /// The lock file could not be made or locked (a read-only directory, a missing
    /// permission): nothing to do with another process.
    Io {
        /// The lock file.
        path: PathBuf,
        /// What the system said.
        error: std::io::Error,
    },
}

/// The system's own words are part of the message (before the advice), so no `source`.
impl std::error::Error for LockError {}

impl std::fmt::Display for LockError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Taken(path) => write!(f, "{} is locked by another process", path.display()),
            Self::Io { path, error } => write!(
                f,
                "cannot create or lock {}: {error}; the database's directory must be writable by the user running \
                 crm-trends (SQLite writes its -wal and -shm files there too)",
                path.display()
            ),
        }
    }
}

/// The lock file beside `database`.
pub fn lock_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Takes the lock of `database`, or says why not.
pub fn hold(database: &Path) -> Result<Held, LockError> {
    let path = lock_path(database);
    let io = |error| LockError::Io { path: path.clone(), error };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let file = OpenOptions::new().create(true).truncate(false).write(true).open(&path).map_err(io)?;
    match file.try_lock() {
        Ok(()) => Ok(Held { _file: file }),
        Err(TryLockError::WouldBlock) => Err(LockError::Taken(path)),
        Err(TryLockError::Error(error)) => Err(io(error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let db = dir.path().join("data").join("crm.sqlite");
        assert_eq!(lock_path(&db), dir.path().join("data").join("crm.sqlite.lock"));
        let first = hold(&db).unwrap_or_else(|e| panic!("{e}"));
        let refused = hold(&db).unwrap_err().to_string();
        assert!(refused.ends_with("crm.sqlite.lock is locked by another process"), "{refused}");
        drop(first);
        assert!(hold(&db).is_ok(), "free again");
    }
}
