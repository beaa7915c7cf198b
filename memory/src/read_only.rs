//! Opening the run database for reading only, from a process that never drives a run (the
//! dashboard): the file must exist and carry exactly this build's migrations; nothing is
//! migrated and no connection can write.

use std::path::Path;

use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

use crate::database::{check_existing, MIGRATOR};
use crate::{Memory, MemoryError};

impl Memory {
    /// Open the existing database at `path` read-only. Refused (and left untouched) when it
    /// is missing, not a sound SQLite database, written by a newer mobevolve
    /// ([`MemoryError::NewerSchema`]) or by an older one ([`MemoryError::OlderSchema`]).
    /// Every write through the returned handle fails; reads see what writers in other
    /// processes committed (WAL).
    pub async fn open_read_only(path: impl AsRef<Path>) -> Result<Memory, MemoryError> {
        let given = path.as_ref();
        let path = std::fs::canonicalize(given).map_err(|source| MemoryError::Io {
            path: given.to_path_buf(),
            what: "opening the database read-only",
            source,
        })?;
        check_existing(&path).await?;
        let options = SqliteConnectOptions::new()
            .filename(&path)
            .read_only(true)
            .busy_timeout(std::time::Duration::from_secs(15));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|source| MemoryError::Sql {
                path: path.clone(),
                context: "opening the database read-only".into(),
                source,
            })?;
        let memory = Memory { pool, path };
        let applied = memory.applied_migrations().await?;
        if let Some(missing) = MIGRATOR
            .iter()
            .map(|m| m.version)
            .find(|v| !applied.contains(v))
        {
            return Err(MemoryError::OlderSchema {
                path: memory.path.clone(),
                missing,
            });
        }
        Ok(memory)
    }
}
