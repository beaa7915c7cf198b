//! The crate's error: reading the run database or writing the report files.

use std::fmt;
use std::path::PathBuf;

use memory::MemoryError;

/// Anything that can go wrong loading or writing a report.
#[derive(Debug)]
pub enum ReportError {
    /// Reading the run's record failed (the error names the database, run and round).
    Memory(MemoryError),
    /// Writing a report file failed.
    Io {
        /// The file or folder concerned.
        path: PathBuf,
        /// What was being done.
        what: &'static str,
        /// The OS error.
        source: std::io::Error,
    },
}

impl fmt::Display for ReportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReportError::Memory(e) => write!(f, "reading the run for its report: {e}"),
            ReportError::Io { path, what, source } => {
                write!(f, "{}: {what}: {source}", path.display())
            }
        }
    }
}

impl std::error::Error for ReportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReportError::Memory(e) => Some(e),
            ReportError::Io { source, .. } => Some(source),
        }
    }
}

impl From<MemoryError> for ReportError {
    fn from(e: MemoryError) -> Self {
        ReportError::Memory(e)
    }
}
