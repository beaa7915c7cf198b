//! The error of preparing a benchmark: a bad config, a bad input file (naming the file,
//! line and field), or a failure writing the output.

use mobility::FormatError;
use std::fmt;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq)]
pub enum PrepareError {
    /// The config file (or built-in text) is invalid.
    Config { path: PathBuf, message: String },
    /// An input file is malformed: file, 1-based line (0 = whole file) and field.
    Input(FormatError),
    /// Reading or writing a file failed.
    Io { path: PathBuf, message: String },
}

impl PrepareError {
    pub(crate) fn input(
        path: impl Into<PathBuf>,
        line: usize,
        field: Option<&str>,
        message: impl Into<String>,
    ) -> PrepareError {
        PrepareError::Input(FormatError::at(path, line, field, message))
    }

    pub(crate) fn io(path: impl Into<PathBuf>, e: impl fmt::Display) -> PrepareError {
        PrepareError::Io {
            path: path.into(),
            message: e.to_string(),
        }
    }

    /// The input error, when this is one (file, line, field).
    pub fn as_input(&self) -> Option<&FormatError> {
        match self {
            PrepareError::Input(e) => Some(e),
            _ => None,
        }
    }
}

impl fmt::Display for PrepareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PrepareError::Config { path, message } => {
                write!(f, "{}: invalid survey config: {message}", path.display())
            }
            PrepareError::Input(e) => write!(f, "{e}"),
            PrepareError::Io { path, message } => write!(f, "{}: {message}", path.display()),
        }
    }
}

impl std::error::Error for PrepareError {}

impl From<FormatError> for PrepareError {
    fn from(e: FormatError) -> Self {
        PrepareError::Input(e)
    }
}
