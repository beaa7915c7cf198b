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
    /// Byte offset of the next line to read.
    offset: u64,
    /// Lines starting at or after this offset belong to a later part ([`CsvStream::open_part`]).
    end: u64,
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
            offset: 0,
            end: u64::MAX,
        };
        let first = stream
            .next_line()?
            .ok_or_else(|| FormatError::file(path, "empty file (a header line is required)"))?;
        let first = first.strip_prefix('\u{feff}').unwrap_or(&first);
        stream.header = split(first).iter().map(|s| s.to_string()).collect();
        Ok(stream)
    }

    /// Part `index` of `count` of the file's records: the header, then the lines whose
    /// first byte lies in the `index`-th of `count` equal byte ranges of the text after
    /// the header. The parts of a file, read in order, hold every record once and in file
    /// order; a part reads only its own bytes, plus the bytes before it once to count lines
    /// (so errors name the line in the whole file).
    pub fn open_part(path: &Path, index: u64, count: u64) -> Result<CsvStream, FormatError> {
        use std::io::{BufRead, Read, Seek, SeekFrom};
        if count == 0 || index >= count {
            return Err(FormatError::file(
                path,
                format!("part {index} of {count} does not exist (parts are numbered 0 to count-1)"),
            ));
        }
        let mut stream = CsvStream::open(path)?;
        let io_err = |e: std::io::Error| FormatError::file(path, e.to_string());
        let size = stream.reader.get_ref().metadata().map_err(io_err)?.len();
        let body = stream.offset;
        let cut = |i: u64| body + ((size - body) as u128 * i as u128 / count as u128) as u64;
        let (start, end) = (cut(index), cut(index + 1));
        stream.end = end;
        if start == body {
            return Ok(stream);
        }
        // Find the first line starting at or after `start`.
        stream
            .reader
            .seek(SeekFrom::Start(start - 1))
            .map_err(io_err)?;
        let mut skipped = Vec::new();
        let n = stream
            .reader
            .read_until(b'\n', &mut skipped)
            .map_err(io_err)?;
        stream.offset = start - 1 + n as u64;
        // Count the lines before it.
        let mut file = std::fs::File::open(path).map_err(io_err)?;
        let mut left = stream.offset;
        let mut block = vec![0u8; 1 << 20];
        let mut lines = 0usize;
        while left > 0 {
            let want = left.min(block.len() as u64) as usize;
            file.read_exact(&mut block[..want]).map_err(io_err)?;
            lines += block[..want].iter().filter(|&&b| b == b'\n').count();
            left -= want as u64;
        }
        stream.line = lines;
        Ok(stream)
    }

    /// The next line (without its line break), `None` at the end of the file or part.
    fn next_line(&mut self) -> Result<Option<String>, FormatError> {
        use std::io::BufRead;
        if self.offset >= self.end {
            return Ok(None);
        }
        self.buffer.clear();
        let n = self
            .reader
            .read_until(b'\n', &mut self.buffer)
            .map_err(|e| FormatError::at(&self.path, self.line + 1, None, e.to_string()))?;
        if n == 0 {
            return Ok(None);
        }
        self.offset += n as u64;
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
