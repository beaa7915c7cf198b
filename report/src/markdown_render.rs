//! Renders a [`Document`] as GitHub-flavoured Markdown. Run text is escaped (HTML characters
//! as entities, table pipes and inline markup with backslashes, newlines collapsed) so LLM
//! text can neither break a table nor inject HTML.

use std::fmt::Write as _;

use crate::document::{Align, Block, Document, Span, Table};
use crate::text_format::{markdown_code, markdown_inline};

pub(crate) fn render(doc: &Document) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", markdown_inline(&doc.title));
    for block in &doc.blocks {
        render_block(&mut out, block);
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

fn render_block(out: &mut String, block: &Block) {
    match block {
        Block::Heading(level, title) => {
            let hashes = "#".repeat(usize::from((*level).clamp(2, 6)));
            let _ = writeln!(out, "{hashes} {}\n", markdown_inline(title));
        }
        Block::Paragraph(spans) => {
            let _ = writeln!(out, "{}\n", spans_md(spans));
        }
        Block::List(items) => {
            for item in items {
                let _ = writeln!(out, "- {}", spans_md(item));
            }
            out.push('\n');
        }
        Block::Table(table) => render_table(out, table),
        Block::Chart { file, caption, .. } => {
            let _ = writeln!(out, "![{}]({file})\n", markdown_inline(caption));
        }
        Block::Details { summary, blocks } => {
            let _ = writeln!(out, "**{}**\n", markdown_inline(summary));
            for b in blocks {
                render_block(out, b);
            }
        }
    }
}

fn render_table(out: &mut String, table: &Table) {
    let header: Vec<String> = table
        .header
        .iter()
        .map(|(h, _)| markdown_inline(h))
        .collect();
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let rule: Vec<&str> = table
        .header
        .iter()
        .map(|(_, a)| match a {
            Align::Left => "---",
            Align::Right => "---:",
        })
        .collect();
    let _ = writeln!(out, "|{}|", rule.join("|"));
    for row in &table.rows {
        let cells: Vec<String> = (0..table.header.len())
            .map(|i| row.get(i).map_or_else(String::new, |c| spans_md(c)))
            .collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    out.push('\n');
}

fn spans_md(spans: &[Span]) -> String {
    spans
        .iter()
        .map(|s| match s {
            Span::Text(t) => markdown_inline(t),
            Span::Strong(t) if t.trim().is_empty() => String::new(),
            Span::Strong(t) => format!("**{}**", markdown_inline(t)),
            Span::Code(t) => markdown_code(t),
        })
        .collect::<String>()
}
