//! Reading a source CSV file (a survey's own table) into memory with line numbers, so
//! every later error can name the file, line and field.
//!
//! The file is decoded first (UTF-8 by default; any WHATWG encoding label by setting; a
//! byte-order mark wins), its delimiter is the configured one or the one detected from
//! the header line, and each record's line number is counted from its byte position in
//! the decoded text, so LF, CRLF and CR-only files all report the true line.

use crate::config::CsvOptions;
use crate::error::PrepareError;
use csv::{ByteRecord, StringRecord};
use std::borrow::Cow;
use std::path::{Path, PathBuf};

/// The longest record accepted, in bytes; longer lines are reported as errors.
pub const MAX_RECORD_BYTES: usize = 1 << 20;

/// The delimiters detection chooses from, in tie order.
const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];

/// A whole CSV file: its header and its records, each with its 1-based line number.
pub struct SourceTable {
    pub path: PathBuf,
    pub header: Vec<String>,
    pub rows: Vec<StringRecord>,
    pub lines: Vec<usize>,
    /// SHA-256 of the file's bytes (lower-case hex).
    pub sha256: String,
    /// The delimiter used.
    pub delimiter: u8,
    /// The encoding the file was decoded from (`UTF-8` unless set or marked).
    pub encoding: &'static str,
}

/// Checks a file's settings without reading it.
pub fn check_options(opts: &CsvOptions) -> Result<(), String> {
    if let Some(d) = &opts.delimiter {
        delimiter_byte(d)?;
    }
    if let Some(e) = &opts.encoding {
        encoding_of(e)?;
    }
    Ok(())
}

fn delimiter_byte(d: &str) -> Result<u8, String> {
    match d {
        "tab" | "\t" | "\\t" => Ok(b'\t'),
        s if s.len() == 1 && s.is_ascii() && !matches!(s, "\"" | "\n" | "\r") => {
            Ok(s.as_bytes()[0])
        }
        other => Err(format!(
            "delimiter `{other}` is not one ASCII character (or \"tab\")"
        )),
    }
}

fn encoding_of(label: &str) -> Result<&'static encoding_rs::Encoding, String> {
    encoding_rs::Encoding::for_label(label.trim().as_bytes()).ok_or_else(|| {
        format!("encoding `{label}` is not a known label (e.g. \"utf-8\", \"windows-1252\", \"latin1\", \"utf-16le\")")
    })
}

/// Counts lines while walking forward through a text by byte offsets.
struct LineCounter<'a> {
    text: &'a [u8],
    at: usize,
    line: usize,
}

impl LineCounter<'_> {
    /// The line on which the record whose parse started at byte `pos` begins: line
    /// terminators the parser had not yet consumed (the `\n` of a `\r\n`, blank lines) are
    /// skipped first.
    fn line_of_record(&mut self, pos: usize) -> usize {
        let mut start = pos.min(self.text.len());
        while start < self.text.len() && matches!(self.text[start], b'\r' | b'\n') {
            start += 1;
        }
        self.line_at(start)
    }

    /// The 1-based line holding byte `pos` (a `\r\n` pair or a lone `\r` ends a line).
    fn line_at(&mut self, pos: usize) -> usize {
        let pos = pos.min(self.text.len());
        if pos < self.at {
            self.at = 0;
            self.line = 1;
        }
        let mut i = self.at;
        while i < pos {
            match self.text[i] {
                b'\n' => self.line += 1,
                b'\r' if self.text.get(i + 1) != Some(&b'\n') => self.line += 1,
                _ => {}
            }
            i += 1;
        }
        self.at = pos;
        self.line
    }
}

impl SourceTable {
    pub fn read_with(path: &Path, opts: &CsvOptions) -> Result<SourceTable, PrepareError> {
        let bytes = std::fs::read(path).map_err(|e| PrepareError::io(path, e))?;
        let sha256 = crate::hashing::sha256_hex(&bytes);
        let (text, encoding) = decode(path, &bytes, opts)?;
        let body: &[u8] = &text;
        if body.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(PrepareError::input(
                path,
                0,
                None,
                "empty file (a header line is required)",
            ));
        }
        let delimiter = match &opts.delimiter {
            Some(d) => delimiter_byte(d).map_err(|m| PrepareError::Config {
                path: path.to_path_buf(),
                message: m,
            })?,
            None => detect_delimiter(body),
        };
        let mut lines_of = LineCounter {
            text: body,
            at: 0,
            line: 1,
        };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .delimiter(delimiter)
            .from_reader(body);
        let header_record = reader.byte_headers().map_err(|e| {
            let line = e
                .position()
                .map(|p| lines_of.line_of_record(p.byte() as usize))
                .unwrap_or(1);
            PrepareError::input(path, line.max(1), None, format!("header: {e}"))
        })?;
        let header_record = StringRecord::from_byte_record(header_record.clone()).map_err(|e| {
            PrepareError::input(path, 1, None, format!("header: not valid {encoding}: {e}"))
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
        let mut record = ByteRecord::new();
        loop {
            match reader.read_byte_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {
                    let line = record
                        .position()
                        .map(|p| lines_of.line_of_record(p.byte() as usize))
                        .unwrap_or(0);
                    if record.as_slice().len() > MAX_RECORD_BYTES {
                        return Err(PrepareError::input(
                            path,
                            line,
                            None,
                            format!("record longer than {MAX_RECORD_BYTES} bytes"),
                        ));
                    }
                    if record.len() == 1 && record[0].trim_ascii().is_empty() {
                        continue;
                    }
                    let strings = StringRecord::from_byte_record(record.clone()).map_err(|e| {
                        let field = e.utf8_error().field();
                        PrepareError::input(
                            path,
                            line,
                            header.get(field).map(String::as_str),
                            format!(
                                "not valid {encoding}{}",
                                if encoding == "UTF-8" {
                                    " (for another encoding set `encoding`, e.g. \"windows-1252\")"
                                } else {
                                    ""
                                }
                            ),
                        )
                    })?;
                    lines.push(line);
                    rows.push(strings);
                }
                Err(e) => {
                    let (line, message) = match e.kind() {
                        csv::ErrorKind::UnequalLengths {
                            pos,
                            expected_len,
                            len,
                        } => (
                            pos.as_ref()
                                .map(|p| lines_of.line_of_record(p.byte() as usize))
                                .unwrap_or(0),
                            format!("expected {expected_len} fields, found {len}"),
                        ),
                        _ => (
                            e.position()
                                .map(|p| lines_of.line_of_record(p.byte() as usize))
                                .unwrap_or(0),
                            e.to_string(),
                        ),
                    };
                    return Err(PrepareError::input(path, line, None, message));
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
            delimiter,
            encoding,
        })
    }

    /// Index of a required column; an error naming the file, line 1 and the column.
    pub fn column(&self, name: &str) -> Result<usize, PrepareError> {
        self.header.iter().position(|h| h == name).ok_or_else(|| {
            let mut message = format!("missing column (header is: {})", self.header.join(","));
            if self.header.len() == 1 {
                if let Some(&d) = CANDIDATES
                    .iter()
                    .find(|&&d| d != self.delimiter && self.header[0].contains(d as char))
                {
                    message.push_str(&format!(
                        "; the header has one column and looks {}-separated: set delimiter = \"{}\"",
                        delimiter_name(d),
                        if d == b'\t' { "tab".to_string() } else { (d as char).to_string() }
                    ));
                }
            }
            PrepareError::input(&self.path, 1, Some(name), message)
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

    /// How the file was read, when that is not plain comma-separated UTF-8 (a manifest note).
    pub fn reading_note(&self, rel: &str) -> Option<String> {
        let mut parts = Vec::new();
        if self.delimiter != b',' {
            parts.push(format!("{}-separated", delimiter_name(self.delimiter)));
        }
        if self.encoding != "UTF-8" {
            parts.push(format!("decoded from {}", self.encoding));
        }
        (!parts.is_empty()).then(|| format!("{rel} read as {}", parts.join(", ")))
    }
}

fn delimiter_name(d: u8) -> String {
    match d {
        b'\t' => "tab".to_string(),
        other => format!("`{}`", other as char),
    }
}

/// The text as UTF-8 bytes (BOM removed) and the encoding it came from. UTF-8 is not
/// validated here: invalid bytes are reported per record, with their line and field.
fn decode<'a>(
    path: &Path,
    bytes: &'a [u8],
    opts: &CsvOptions,
) -> Result<(Cow<'a, [u8]>, &'static str), PrepareError> {
    let configured = match &opts.encoding {
        Some(label) => encoding_of(label).map_err(|m| PrepareError::Config {
            path: path.to_path_buf(),
            message: m,
        })?,
        None => encoding_rs::UTF_8,
    };
    let (encoding, bom) = encoding_rs::Encoding::for_bom(bytes).unwrap_or((configured, 0));
    if encoding == encoding_rs::UTF_8 {
        return Ok((Cow::Borrowed(&bytes[bom..]), "UTF-8"));
    }
    let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[bom..]);
    if had_errors {
        // Locate the first undecodable sequence: the line of the first replacement
        // character that the input did not hold.
        let line = text
            .find('\u{FFFD}')
            .map(|i| text[..i].matches('\n').count() + 1)
            .unwrap_or(0);
        return Err(PrepareError::input(
            path,
            line,
            None,
            format!("not valid {}", encoding.name()),
        ));
    }
    Ok((Cow::Owned(text.into_owned().into_bytes()), encoding.name()))
}

/// The most frequent of `,` `;` tab `|` in the header line (outside quotes); `,` when
/// none occurs.
fn detect_delimiter(body: &[u8]) -> u8 {
    let mut counts = [0usize; CANDIDATES.len()];
    let mut quoted = false;
    for &b in body.iter().take_while(|&&b| b != b'\n' && b != b'\r') {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            if let Some(i) = CANDIDATES.iter().position(|&d| d == b) {
                counts[i] += 1;
            }
        }
    }
    let best = (0..CANDIDATES.len())
        .max_by_key(|&i| (counts[i], std::cmp::Reverse(i)))
        .unwrap_or(0);
    if counts[best] == 0 {
        b','
    } else {
        CANDIDATES[best]
    }
}

#[cfg(test)]
mod tests;
