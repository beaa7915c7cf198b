//! The writers of the formats other than slots: a header, one block per person, a
//! footer. Blocks are written into a worker's buffer ([`Encoder`]); the buffers of
//! consecutive people concatenate to the file.

pub mod episodes;
pub mod matsim;
pub mod pam;

use crate::format::{Day, Format, Layout};
use std::fmt::Write as _;

/// A worker's output buffer for one format.
pub(crate) enum Encoder {
    Csv {
        writer: Box<csv::Writer<Vec<u8>>>,
        scratch: Scratch,
    },
    /// A fresh XML writer per person, so a person's block is the same bytes wherever it
    /// falls in a buffer.
    Xml { buffer: Vec<u8>, scratch: Scratch },
}

impl Encoder {
    pub fn new(format: Format) -> Encoder {
        match format {
            Format::Matsim => Encoder::Xml {
                buffer: Vec::with_capacity(1 << 20),
                scratch: Scratch::default(),
            },
            _ => Encoder::Csv {
                writer: Box::new(
                    csv::WriterBuilder::new()
                        .has_headers(false)
                        .from_writer(Vec::with_capacity(1 << 20)),
                ),
                scratch: Scratch::default(),
            },
        }
    }

    /// Appends one person's block.
    pub fn day(
        &mut self,
        format: Format,
        layout: &Layout<'_>,
        day: &Day<'_>,
    ) -> std::io::Result<()> {
        match (self, format) {
            (Encoder::Csv { writer, scratch }, Format::Episodes) => {
                episodes::write_day(writer, scratch, layout, day).map_err(csv_io)
            }
            (Encoder::Csv { writer, scratch }, Format::Pam) => {
                pam::write_day(writer, scratch, layout, day).map_err(csv_io)
            }
            (Encoder::Xml { buffer, scratch }, Format::Matsim) => {
                let mut writer = quick_xml::Writer::new_with_indent(buffer, b' ', 1);
                matsim::write_day(&mut writer, scratch, layout, day)
            }
            _ => unreachable!("an encoder is made for its format"),
        }
    }

    /// The bytes written so far.
    pub fn into_bytes(self) -> std::io::Result<Vec<u8>> {
        match self {
            Encoder::Csv { writer, .. } => writer
                .into_inner()
                .map_err(|e| std::io::Error::other(e.to_string())),
            Encoder::Xml { buffer, .. } => Ok(buffer),
        }
    }
}

/// The bytes that open a file of `format` (nothing for slots: its writer has its own).
pub fn header(format: Format, layout: &Layout<'_>) -> Vec<u8> {
    match format {
        Format::Slots => Vec::new(),
        Format::Episodes => episodes::header(layout),
        Format::Pam => pam::header(layout),
        Format::Matsim => matsim::header(layout),
    }
}

/// The bytes that close a file of `format`.
pub fn footer(format: Format) -> Vec<u8> {
    match format {
        Format::Matsim => matsim::footer(),
        _ => Vec::new(),
    }
}

fn csv_io(e: csv::Error) -> std::io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => std::io::Error::other(format!("{other:?}")),
    }
}

/// Reusable text for numbers, so formatting a field allocates nothing.
#[derive(Default)]
pub(crate) struct Scratch(String);

impl Scratch {
    pub fn int(&mut self, v: impl std::fmt::Display) -> &str {
        self.0.clear();
        let _ = write!(self.0, "{v}");
        &self.0
    }

    /// A coordinate to the decimetre.
    pub fn coordinate(&mut self, v: f64) -> &str {
        self.0.clear();
        let _ = write!(self.0, "{v:.1}");
        &self.0
    }

    /// Minutes after midnight as `hh:mm:ss` (hours may reach 24).
    pub fn clock(&mut self, minutes: u16) -> &str {
        self.0.clear();
        let _ = write!(self.0, "{:02}:{:02}:00", minutes / 60, minutes % 60);
        &self.0
    }
}
