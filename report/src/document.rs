//! A small document model (headings, paragraphs, lists, tables, the chart) that both the
//! Markdown and the HTML renderer walk, so the two reports always say the same thing.
//! Text in it is raw; each renderer escapes it for its format.

/// Inline text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Span {
    /// Plain text.
    Text(String),
    /// Emphasised text.
    Strong(String),
    /// Code: commits, diagnostic names, commands.
    Code(String),
}

/// Shorthand constructors.
pub(crate) fn text(s: impl Into<String>) -> Span {
    Span::Text(s.into())
}
pub(crate) fn strong(s: impl Into<String>) -> Span {
    Span::Strong(s.into())
}
pub(crate) fn code(s: impl Into<String>) -> Span {
    Span::Code(s.into())
}

/// Column alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Right,
}

/// A table: header cells with their alignment, rows of cells of spans.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Table {
    pub header: Vec<(String, Align)>,
    pub rows: Vec<Vec<Vec<Span>>>,
}

/// A block of the document.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Block {
    /// Section heading, level 2 or 3 (the title is level 1).
    Heading(u8, String),
    /// A paragraph.
    Paragraph(Vec<Span>),
    /// A bulleted list.
    List(Vec<Vec<Span>>),
    /// A table.
    Table(Table),
    /// The trajectory chart: inline in HTML, a link to `file` in Markdown.
    Chart {
        svg: String,
        file: &'static str,
        caption: String,
    },
    /// Secondary material: collapsed in HTML, a titled part in Markdown.
    Details { summary: String, blocks: Vec<Block> },
}

/// A whole report.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Document {
    pub title: String,
    pub blocks: Vec<Block>,
}
