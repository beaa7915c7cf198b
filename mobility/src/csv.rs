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
        column(&self.path, &self.header, name)
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

/// Index of a required column of `header` (an error naming the file, line 1 and column).
pub(crate) fn column(path: &Path, header: &[String], name: &str) -> Result<usize, FormatError> {
    header.iter().position(|h| h == name).ok_or_else(|| {
        FormatError::at(
            path,
            1,
            Some(name),
            format!("missing column (header is: {})", header.join(",")),
        )
    })
}

/// The same format as [`CsvFile`], read line by line: memory holds one line at a time.
pub(crate) struct CsvStream {
    pub path: PathBuf,
    pub header: Vec<String>,
    reader: std::io::BufReader<std::fs::File>,
    /// 1-based number of the last line read.
    line: usize,
    buffer: Vec<u8>,
}

impl CsvStream {
    pub fn open(path: &Path) -> Result<CsvStream, FormatError> {
        let file = std::fs::File::open(path).map_err(|e| FormatError::file(path, e.to_string()))?;
        let mut stream = CsvStream {
            path: path.to_path_buf(),
            header: Vec::new(),
            reader: std::io::BufReader::with_capacity(1 << 16, file),
            line: 0,
            buffer: Vec::new(),
        };
        let first = stream
            .next_line()?
            .ok_or_else(|| FormatError::file(path, "empty file (a header line is required)"))?;
        let first = first.strip_prefix('\u{feff}').unwrap_or(&first);
        stream.header = split(first).iter().map(|s| s.to_string()).collect();
        Ok(stream)
    }

    /// The next line (without its line break), `None` at the end of the file.
    fn next_line(&mut self) -> Result<Option<String>, FormatError> {
        use std::io::BufRead;
        self.buffer.clear();
        let n = self
            .reader
            .read_until(b'\n', &mut self.buffer)
            .map_err(|e| FormatError::at(&self.path, self.line + 1, None, e.to_string()))?;
        if n == 0 {
            return Ok(None);
        }
        self.line += 1;
        if self.buffer.last() == Some(&b'\n') {
            self.buffer.pop();
        }
        match std::str::from_utf8(&self.buffer) {
            Ok(text) => Ok(Some(text.to_string())),
            Err(_) => Err(FormatError::at(
                &self.path,
                self.line,
                None,
                "not valid UTF-8",
            )),
        }
    }

    /// The next data record as (line number, fields), skipping blank lines; each must have
    /// as many fields as the header.
    pub fn next_record(&mut self) -> Option<Result<(usize, Vec<String>), FormatError>> {
        loop {
            let line = match self.next_line() {
                Ok(Some(l)) => l,
                Ok(None) => return None,
                Err(e) => return Some(Err(e)),
            };
            if line.trim().is_empty() {
                continue;
            }
            let fields: Vec<String> = split(&line).into_iter().map(String::from).collect();
            if fields.len() != self.header.len() {
                return Some(Err(FormatError::at(
                    &self.path,
                    self.line,
                    None,
                    format!(
                        "expected {} fields, found {}",
                        self.header.len(),
                        fields.len()
                    ),
                )));
            }
            return Some(Ok((self.line, fields)));
        }
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
