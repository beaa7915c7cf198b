//! A minimal reader for the project's own CSV files: a header line, then one record per
//! line, comma-separated, no embedded commas or newlines. A field wrapped in double quotes
//! has them removed, so files written by spreadsheet tools read too.

use crate::FormatError;
use std::path::{Path, PathBuf};

pub(crate) struct CsvFile {
    pub path: PathBuf,
    pub header: Vec<String>,
    text: String,
}

pub(crate) struct Record<'a> {
    pub line: usize,
    pub fields: Vec<&'a str>,
}

impl CsvFile {
    pub fn open(path: &Path) -> Result<CsvFile, FormatError> {
        let bytes = std::fs::read(path).map_err(|e| FormatError::file(path, e.to_string()))?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let upto = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line = upto.iter().filter(|&&b| b == b'\n').count() + 1;
            FormatError::at(path, line, None, "not valid UTF-8")
        })?;
        let text = text
            .strip_prefix('\u{feff}')
            .map(str::to_string)
            .unwrap_or(text);
        let header_line = text
            .lines()
            .next()
            .ok_or_else(|| FormatError::file(path, "empty file (a header line is required)"))?;
        let header = split(header_line).iter().map(|s| s.to_string()).collect();
        Ok(CsvFile {
            path: path.to_path_buf(),
            header,
            text,
        })
    }

    /// Index of a required column.
    pub fn column(&self, name: &str) -> Result<usize, FormatError> {
        self.header.iter().position(|h| h == name).ok_or_else(|| {
            FormatError::at(
                &self.path,
                1,
                Some(name),
                format!("missing column (header is: {})", self.header.join(",")),
            )
        })
    }

    pub fn optional_column(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// Data records, skipping blank lines; each must have as many fields as the header.
    pub fn records(&self) -> impl Iterator<Item = Result<Record<'_>, FormatError>> {
        let width = self.header.len();
        self.text
            .lines()
            .enumerate()
            .skip(1)
            .filter(|(_, l)| !l.trim().is_empty())
            .map(move |(i, l)| {
                let fields = split(l);
                if fields.len() != width {
                    return Err(FormatError::at(
                        &self.path,
                        i + 1,
                        None,
                        format!("expected {width} fields, found {}", fields.len()),
                    ));
                }
                Ok(Record {
                    line: i + 1,
                    fields,
                })
            })
    }
}

fn split(line: &str) -> Vec<&str> {
    line.trim_end_matches('\r')
        .split(',')
        .map(|f| {
            let f = f.trim();
            f.strip_prefix('"')
                .and_then(|f| f.strip_suffix('"'))
                .unwrap_or(f)
        })
        .collect()
}
