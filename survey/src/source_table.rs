//! Reading a source CSV file (a survey's own table) into memory with line numbers, so
//! every later error can name the file, line and field.

use crate::error::PrepareError;
use csv::StringRecord;
use std::path::{Path, PathBuf};

/// The longest record accepted, in bytes; longer lines are reported as errors.
pub const MAX_RECORD_BYTES: usize = 1 << 20;

/// A whole CSV file: its header and its records, each with its 1-based line number.
pub struct SourceTable {
    pub path: PathBuf,
    pub header: Vec<String>,
    pub rows: Vec<StringRecord>,
    pub lines: Vec<usize>,
    /// SHA-256 of the file's bytes (lower-case hex).
    pub sha256: String,
}

impl SourceTable {
    pub fn read(path: &Path) -> Result<SourceTable, PrepareError> {
        let bytes = std::fs::read(path).map_err(|e| PrepareError::io(path, e))?;
        let sha256 = crate::hashing::sha256_hex(&bytes);
        let body = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes);
        if body.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(PrepareError::input(
                path,
                0,
                None,
                "empty file (a header line is required)",
            ));
        }
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_reader(body);
        let csv_err = |e: csv::Error| {
            let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
            let (line, field, message) = match e.kind() {
                csv::ErrorKind::Utf8 { pos, err } => (
                    pos.as_ref().map(|p| p.line() as usize).unwrap_or(line),
                    Some(err.field()),
                    "not valid UTF-8".to_string(),
                ),
                csv::ErrorKind::UnequalLengths {
                    pos,
                    expected_len,
                    len,
                } => (
                    pos.as_ref().map(|p| p.line() as usize).unwrap_or(line),
                    None,
                    format!("expected {expected_len} fields, found {len}"),
                ),
                _ => (line, None, e.to_string()),
            };
            (line, field, message)
        };
        let header_record = reader.headers().map_err(|e| {
            let (line, _, message) = csv_err(e);
            PrepareError::input(path, line.max(1), None, format!("header: {message}"))
        })?;
        let header: Vec<String> = header_record.iter().map(|h| h.trim().to_string()).collect();
        if header.iter().all(|h| h.is_empty()) {
            return Err(PrepareError::input(path, 1, None, "empty header line"));
        }
        for (i, h) in header.iter().enumerate() {
            if header[..i].contains(h) {
                return Err(PrepareError::input(
                    path,
                    1,
                    Some(h),
                    "duplicate column name",
                ));
            }
        }
        let mut rows = Vec::new();
        let mut lines = Vec::new();
        let mut record = StringRecord::new();
        loop {
            match reader.read_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {
                    let line = record.position().map(|p| p.line() as usize).unwrap_or(0);
                    if record.as_slice().len() > MAX_RECORD_BYTES {
                        return Err(PrepareError::input(
                            path,
                            line,
                            None,
                            format!("record longer than {MAX_RECORD_BYTES} bytes"),
                        ));
                    }
                    if record.len() == 1 && record[0].trim().is_empty() {
                        continue;
                    }
                    lines.push(line);
                    rows.push(record.clone());
                }
                Err(e) => {
                    let (line, field, message) = csv_err(e);
                    let field_name = field.and_then(|f| header.get(f)).map(String::as_str);
                    return Err(PrepareError::input(path, line, field_name, message));
                }
            }
        }
        if rows.is_empty() {
            return Err(PrepareError::input(
                path,
                2,
                None,
                "no data rows (the file holds only its header line)",
            ));
        }
        Ok(SourceTable {
            path: path.to_path_buf(),
            header,
            rows,
            lines,
            sha256,
        })
    }

    /// Index of a required column; an error naming the file, line 1 and the column.
    pub fn column(&self, name: &str) -> Result<usize, PrepareError> {
        self.header.iter().position(|h| h == name).ok_or_else(|| {
            PrepareError::input(
                &self.path,
                1,
                Some(name),
                format!("missing column (header is: {})", self.header.join(",")),
            )
        })
    }

    /// The trimmed value of row `row`, column `col`.
    pub fn get(&self, row: usize, col: usize) -> &str {
        self.rows[row].get(col).unwrap_or("").trim()
    }

    /// An error at row `row` (0-based data row) and a field.
    pub fn error(&self, row: usize, field: &str, message: impl Into<String>) -> PrepareError {
        PrepareError::input(&self.path, self.lines[row], Some(field), message)
    }
}
