//! The one error type of the file formats: it always names the file, and the line and
//! field when there is one.

use std::fmt;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq)]
pub struct FormatError {
    pub path: PathBuf,
    /// 1-based line number, 0 when the problem is the file as a whole.
    pub line: usize,
    pub field: Option<String>,
    pub message: String,
}

impl FormatError {
    pub fn file(path: impl Into<PathBuf>, message: impl Into<String>) -> FormatError {
        FormatError {
            path: path.into(),
            line: 0,
            field: None,
            message: message.into(),
        }
    }

    pub fn at(
        path: impl Into<PathBuf>,
        line: usize,
        field: Option<&str>,
        message: impl Into<String>,
    ) -> FormatError {
        FormatError {
            path: path.into(),
            line,
            field: field.map(str::to_string),
            message: message.into(),
        }
    }
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if self.line > 0 {
            write!(f, ", line {}", self.line)?;
        }
        if let Some(field) = &self.field {
            write!(f, ", field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for FormatError {}
