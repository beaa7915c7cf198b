//! Opening the run database: refuse corrupt files and databases from a newer mobevolve
//! without touching them, then open read-write (WAL, foreign keys, busy timeout) and apply
//! the migrations in `migrations/`.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use sqlx::{ConnectOptions, Connection};

use crate::MemoryError;

/// The schema, embedded at compile time.
pub(crate) static MIGRATOR: Migrator = sqlx::migrate!("../migrations");

/// How long a write waits for another connection's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(15);

/// An open run database. Cheap to clone (a connection pool).
#[derive(Debug, Clone)]
pub struct Memory {
    pub(crate) pool: SqlitePool,
    pub(crate) path: PathBuf,
}

impl Memory {
    /// Open (creating if absent) the database at `path` and bring its schema up to date.
    ///
    /// An existing file is first checked through a read-only connection: a file that is not
    /// SQLite, fails `PRAGMA quick_check`, has tables but no migration history, or records
    /// a migration this build does not know is refused and left byte-for-byte unchanged.
    pub async fn open(path: impl AsRef<Path>) -> Result<Memory, MemoryError> {
        let given = path.as_ref();
        match std::fs::metadata(given) {
            Ok(meta) if meta.len() > 0 => check_existing(given).await?,
            Ok(_) => {} // an empty file is an empty database
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(MemoryError::Io {
                    path: given.to_path_buf(),
                    what: "reading the database file",
                    source,
                })
            }
        }
        let options = SqliteConnectOptions::new()
            .filename(given)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|source| MemoryError::Sql {
                path: given.to_path_buf(),
                context: "opening the database".into(),
                source,
            })?;
        let path = std::fs::canonicalize(given).map_err(|source| MemoryError::Io {
            path: given.to_path_buf(),
            what: "resolving the database path",
            source,
        })?;
        // SQLite gives sqlx no migration lock: two processes opening a new database at once
        // (a `status` while a `run` creates it) would both create the tables. An OS lock on
        // a file beside the database serializes them; the kernel releases it on any exit.
        let _migrating = MigrationLock::take(&path).await;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|source| MemoryError::Migrate {
                path: path.clone(),
                source,
            })?;
        Ok(Memory { pool, path })
    }

    /// The database file (canonical path).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The versions of the migrations applied to this database, oldest first.
    pub async fn applied_migrations(&self) -> Result<Vec<i64>, MemoryError> {
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
            .fetch_all(&self.pool)
            .await
            .map_err(self.sql("reading the migration history"))
    }

    /// Checkpoint the WAL into the main file, then close every connection. (Dropping a
    /// `Memory` is safe too: committed transactions are durable in the WAL.)
    pub async fn close(self) -> Result<(), MemoryError> {
        let checkpoint = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.pool)
            .await
            .map_err(self.sql("checkpointing the WAL"));
        self.pool.close().await;
        checkpoint.map(|_| ())
    }

    /// Wrap a sqlx error with the database path and what was being done.
    pub(crate) fn sql(
        &self,
        context: impl Into<String>,
    ) -> impl FnOnce(sqlx::Error) -> MemoryError {
        let path = self.path.clone();
        let context = context.into();
        move |source| MemoryError::Sql {
            path,
            context,
            source,
        }
    }

    /// Wrap a JSON error with the database path and the column concerned.
    pub(crate) fn json(
        &self,
        context: impl Into<String>,
    ) -> impl FnOnce(serde_json::Error) -> MemoryError {
        let path = self.path.clone();
        let context = context.into();
        move |source| MemoryError::Json {
            path,
            context,
            source,
        }
    }
}

/// An exclusive `flock` on `<db>.migrate.lock`, held while migrations run (released when
/// dropped). Best effort: where the lock file cannot be made (a read-only folder, whose
/// database cannot be migrated anyway) there is none.
struct MigrationLock {
    _file: Option<std::fs::File>,
}

impl MigrationLock {
    /// Waits (without blocking the runtime's threads) for the lock.
    async fn take(db: &Path) -> MigrationLock {
        use std::os::fd::AsRawFd;
        let mut name = db.as_os_str().to_os_string();
        name.push(".migrate.lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(PathBuf::from(name))
            .ok();
        if let Some(f) = &file {
            // SAFETY: flock on a descriptor we own and keep open.
            while unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
                let err = std::io::Error::last_os_error();
                if err.raw_os_error() != Some(libc::EWOULDBLOCK)
                    && err.kind() != std::io::ErrorKind::Interrupted
                {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
        MigrationLock { _file: file }
    }
}

/// The read-only checks of an existing, non-empty file.
pub(crate) async fn check_existing(path: &Path) -> Result<(), MemoryError> {
    let corrupt = |detail: String| MemoryError::Corrupt {
        path: path.to_path_buf(),
        detail,
    };
    let header = read_header(path)?;
    if !header.starts_with(b"SQLite format 3\0") {
        return Err(corrupt(
            "not a SQLite database (the file does not start with the SQLite header)".into(),
        ));
    }
    let options = SqliteConnectOptions::from_str("sqlite:")
        .map_err(|e| corrupt(e.to_string()))?
        .filename(path)
        .read_only(true)
        .busy_timeout(BUSY_TIMEOUT)
        .disable_statement_logging();
    let mut conn = SqliteConnection::connect_with(&options)
        .await
        .map_err(|e| corrupt(format!("SQLite cannot open it: {e}")))?;
    let result = check_contents(path, &mut conn).await;
    // Closing a read-only connection writes nothing to the database file.
    let _ = conn.close().await;
    result
}

fn read_header(path: &Path) -> Result<Vec<u8>, MemoryError> {
    use std::io::Read;
    let mut header = Vec::with_capacity(16);
    std::fs::File::open(path)
        .and_then(|f| f.take(16).read_to_end(&mut header))
        .map_err(|source| MemoryError::Io {
            path: path.to_path_buf(),
            what: "reading the database header",
            source,
        })?;
    Ok(header)
}

async fn check_contents(path: &Path, conn: &mut SqliteConnection) -> Result<(), MemoryError> {
    let corrupt = |detail: String| MemoryError::Corrupt {
        path: path.to_path_buf(),
        detail,
    };
    let problems: Vec<String> = sqlx::query_scalar("PRAGMA quick_check")
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| corrupt(format!("integrity check could not run: {e}")))?;
    if problems != ["ok"] {
        let shown: Vec<&str> = problems.iter().take(3).map(String::as_str).collect();
        return Err(corrupt(format!(
            "integrity check failed: {}",
            shown.join("; ")
        )));
    }
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(|e| corrupt(format!("cannot read the schema: {e}")))?;
    if tables.is_empty() {
        return Ok(());
    }
    if !tables.iter().any(|t| t == "_sqlx_migrations") {
        return Err(corrupt(format!(
            "it has tables ({}) but no migration history",
            tables.join(", ")
        )));
    }
    let applied: Vec<(i64, String, bool, Vec<u8>)> = sqlx::query_as(
        "SELECT version, description, success, checksum FROM _sqlx_migrations ORDER BY version",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(|e| corrupt(format!("cannot read the migration history: {e}")))?;
    let known = MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
    for (version, description, success, checksum) in applied {
        let Some(ours) = MIGRATOR.iter().find(|m| m.version == version) else {
            return Err(MemoryError::NewerSchema {
                path: path.to_path_buf(),
                version,
                description: if description.is_empty() {
                    String::new()
                } else {
                    format!(", {description}")
                },
                known,
            });
        };
        if !success {
            return Err(corrupt(format!(
                "migration {version} ({description}) is recorded as failed part-way"
            )));
        }
        if *ours.checksum != *checksum {
            return Err(corrupt(format!(
                "migration {version} ({description}) differs from this build's; \
                 the database was written by a different mobevolve"
            )));
        }
    }
    Ok(())
}
