//! The one error type of the crate: every variant names the database file, run, round or
//! phase it is about, so the orchestrator can print it as is.

use std::path::PathBuf;

/// Anything that can go wrong opening or using the run database.
#[derive(Debug, thiserror::Error)]
pub enum MemoryError {
    /// The file could not be read or the lock file could not be opened.
    #[error("{path}: {what}: {source}")]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// What was being done.
        what: &'static str,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The file exists but is not a SQLite database (or is damaged); it was not modified.
    #[error("{path}: corrupt or not a mobevolve database: {detail}; refusing to open it (the file was not modified)")]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// What the check found.
        detail: String,
    },
    /// The database has migrations this build does not know; it was not modified.
    #[error("{path}: database written by a newer mobevolve (migration {version}{description}); this build knows migrations up to {known}; refusing to open it (the file was not modified)")]
    NewerSchema {
        /// The database file.
        path: PathBuf,
        /// The first unknown migration version.
        version: i64,
        /// `", name"` of the unknown migration when it is recorded, else empty.
        description: String,
        /// The newest migration this build has.
        known: i64,
    },
    /// A database opened read-only lacks migrations this build has (opening it read-write
    /// once, with any `orchestrator` command, brings it up to date).
    #[error("{path}: database written by an older mobevolve (migration {missing} is not applied); open it once with `orchestrator status` to bring it up to date")]
    OlderSchema {
        /// The database file.
        path: PathBuf,
        /// The first migration of this build the database lacks.
        missing: i64,
    },
    /// Applying the migrations failed (the transaction of the failing migration was rolled back).
    #[error("{path}: migrating the database failed: {source}")]
    Migrate {
        /// The database file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: sqlx::migrate::MigrateError,
    },
    /// Another live process holds the run.
    #[error("run {run} is being driven by pid {pid} on {host} since {since}; refusing to drive it from a second process (lock file {lock_path})")]
    RunLocked {
        /// The run.
        run: i64,
        /// The owner's process id, as recorded by the owner (`?` if unknown).
        pid: String,
        /// The owner's host name (`?` if unknown).
        host: String,
        /// When the owner took the run, UTC (`?` if unknown).
        since: String,
        /// The lock file.
        lock_path: PathBuf,
    },
    /// No run with this id.
    #[error("{path}: no run {run} in this database")]
    UnknownRun {
        /// The database file.
        path: PathBuf,
        /// The id asked for.
        run: i64,
    },
    /// A lock for another run or another database was used.
    #[error("the lock held is for run {held} of {held_path}, not for this database's run {run}")]
    WrongLock {
        /// The run the lock is for.
        held: i64,
        /// The database the lock is for.
        held_path: PathBuf,
        /// The run the call was about.
        run: i64,
    },
    /// A round or phase was written out of order or with the wrong record.
    #[error("run {run}, round {round}, phase {phase}: {detail}")]
    Sequence {
        /// The run.
        run: i64,
        /// The round.
        round: u32,
        /// The phase name (or `-` when the round itself is concerned).
        phase: &'static str,
        /// What is wrong and what to do.
        detail: String,
    },
    /// A JSON column could not be read or written.
    #[error("{path}: {context}: {source}")]
    Json {
        /// The database file.
        path: PathBuf,
        /// Table, column and row.
        context: String,
        /// The cause.
        #[source]
        source: serde_json::Error,
    },
    /// A value read from the database is not one this build writes.
    #[error("{path}: {context}: unexpected value {value:?}")]
    BadValue {
        /// The database file.
        path: PathBuf,
        /// Table, column and row.
        context: String,
        /// The value found.
        value: String,
    },
    /// SQLite reported an error.
    #[error("{path}: {context}: {source}")]
    Sql {
        /// The database file.
        path: PathBuf,
        /// What was being done.
        context: String,
        /// The cause.
        #[source]
        source: sqlx::Error,
    },
}
