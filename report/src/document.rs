//! A small document model (headings, paragraphs, lists, tables, figures, code, diffs,
//! diaries) that both the Markdown and the HTML renderer walk, so the two reports always
//! say the same thing. Text in it is raw; each renderer escapes it for its format.

/// Inline text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Span {
    /// Plain text.
    Text(String),
    /// Emphasised text.
    Strong(String),
    /// Code: commits, diagnostic names, commands.
    Code(String),
    /// A link (the href is written by this crate, never taken from run text).
    Link { text: String, href: String },
    /// A small coloured label naming a round's outcome (`accepted`, `compile_error`, …).
    Badge { text: String, kind: String },
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
pub(crate) fn link(s: impl Into<String>, href: impl Into<String>) -> Span {
    Span::Link {
        text: s.into(),
        href: href.into(),
    }
}

/// Column alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Right,
}

/// A table: header cells with their alignment, rows of cells of spans.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Table {
    pub header: Vec<(String, Align)>,
    pub rows: Vec<Vec<Vec<Span>>>,
    /// A header row above `header` grouping columns: (label, columns spanned). HTML only;
    /// Markdown prefixes the group to each column's header instead.
    pub groups: Vec<(String, usize)>,
    /// HTML `id` and `class` of the table.
    pub id: Option<&'static str>,
    pub class: Option<&'static str>,
}

impl Table {
    /// A table with these columns and rows.
    pub fn new(header: Vec<(String, Align)>, rows: Vec<Vec<Vec<Span>>>) -> Table {
        Table {
            header,
            rows,
            ..Table::default()
        }
    }
}

/// One person's diary pair, real against generated (as the paper's GT/ME rows).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DiaryPair {
    pub person: String,
    pub segment: String,
    pub mismatched_slots: usize,
    /// One letter per hour (H W S O T), optionally followed by ` @ zones`.
    pub real: String,
    pub generated: String,
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
    /// One or more charts side by side: inline SVG in HTML; in Markdown a link to `file`
    /// when the chart is also written as a file, else `fallback`.
    Figure {
        svgs: Vec<String>,
        file: Option<String>,
        caption: String,
        fallback: Vec<Block>,
    },
    /// Preformatted text (records, logs).
    Code(String),
    /// A unified diff: coloured lines in HTML, a `diff` code block in Markdown.
    Diff(String),
    /// Diaries real against generated.
    Diaries(Vec<DiaryPair>),
    /// Secondary material: collapsed in HTML, a titled part in Markdown.
    Details { summary: String, blocks: Vec<Block> },
    /// A part of the page with an HTML id (the dashboard refreshes it live).
    Section {
        id: &'static str,
        blocks: Vec<Block>,
    },
}

/// A whole report.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Document {
    pub title: String,
    /// Links shown above the title (HTML) or under it (Markdown): back to the run, …
    pub nav: Vec<Span>,
    pub blocks: Vec<Block>,
}
