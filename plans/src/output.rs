//! Where a population goes: standard output (`-`), a file, or a gzip file (by a `.gz`
//! name). Files are written as `<name>.partial` and renamed when complete, so an error
//! part-way leaves no half file under the final name.

use flate2::write::GzEncoder;
use flate2::Compression;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// gzip level of `.gz` outputs: 6, gzip's own default (the ratio users expect).
pub const GZIP_LEVEL: u32 = 6;

const BUFFER: usize = 1 << 20;

/// An open output.
pub struct Output {
    sink: Sink,
    /// The partial file and the final name (files only).
    rename: Option<(PathBuf, PathBuf)>,
}

enum Sink {
    Stdout(BufWriter<io::Stdout>),
    File(BufWriter<File>),
    Gzip(Box<GzEncoder<BufWriter<File>>>),
}

/// `<path>.partial`.
pub fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(".partial");
    PathBuf::from(name)
}

/// True when a file name asks for gzip (ends with `.gz`).
pub fn is_gzip(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "gz")
}

impl Output {
    /// Opens `path`: `-` is standard output; a name ending in `.gz` is gzip-compressed.
    /// Errors name the file.
    pub fn create(path: &Path) -> io::Result<Output> {
        if path.as_os_str() == "-" {
            return Ok(Output {
                sink: Sink::Stdout(BufWriter::with_capacity(BUFFER, io::stdout())),
                rename: None,
            });
        }
        let partial = partial_path(path);
        let file = File::create(&partial).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("cannot create {}: {e}", partial.display()),
            )
        })?;
        let file = BufWriter::with_capacity(BUFFER, file);
        let sink = if is_gzip(path) {
            Sink::Gzip(Box::new(GzEncoder::new(file, Compression::new(GZIP_LEVEL))))
        } else {
            Sink::File(file)
        };
        Ok(Output {
            sink,
            rename: Some((partial, path.to_path_buf())),
        })
    }

    /// Completes the output: the gzip trailer, a flush, and the rename into place.
    pub fn finish(self) -> io::Result<()> {
        match self.sink {
            Sink::Stdout(mut w) => w.flush()?,
            Sink::File(mut w) => w.flush()?,
            Sink::Gzip(w) => w.finish()?.flush()?,
        }
        if let Some((partial, path)) = &self.rename {
            std::fs::rename(partial, path).map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!(
                        "cannot move {} to {}: {e}",
                        partial.display(),
                        path.display()
                    ),
                )
            })?;
        }
        Ok(())
    }

    /// Gives the output up: a partial file is removed.
    pub fn discard(self) {
        if let Some((partial, _)) = &self.rename {
            drop(self.sink);
            let _ = std::fs::remove_file(partial);
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.sink {
            Sink::Stdout(w) => w.write(buf),
            Sink::File(w) => w.write(buf),
            Sink::Gzip(w) => w.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match &mut self.sink {
            Sink::Stdout(w) => w.write_all(buf),
            Sink::File(w) => w.write_all(buf),
            Sink::Gzip(w) => w.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.sink {
            Sink::Stdout(w) => w.flush(),
            Sink::File(w) => w.flush(),
            Sink::Gzip(w) => w.flush(),
        }
    }
}

/// True when `err` or one of its sources is a broken pipe: the reader of standard
/// output went away (`generate --out - | head`), which is not a failure.
pub fn is_broken_pipe(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(err);
    while let Some(e) = current {
        if e.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
        {
            return true;
        }
        current = e.source();
    }
    false
}
