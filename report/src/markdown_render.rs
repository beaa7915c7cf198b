//! Renders a [`Document`] as GitHub-flavoured Markdown. Run text is escaped (HTML characters
//! as entities, table pipes and inline markup with backslashes, newlines collapsed) so LLM
//! text can neither break a table nor inject HTML.

use std::fmt::Write as _;

use crate::document::{Align, Block, Document, Span, Table};
use crate::html_render::split_diary;
use crate::text_format::{markdown_code, markdown_inline};

pub(crate) fn render(doc: &Document) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", markdown_inline(&doc.title));
    if !doc.nav.is_empty() {
        let _ = writeln!(out, "{}\n", spans_md(&doc.nav));
    }
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
        Block::Figure {
            file,
            caption,
            fallback,
            ..
        } => match file {
            Some(file) => {
                let _ = writeln!(out, "![{}]({file})\n", markdown_inline(caption));
            }
            None => {
                let _ = writeln!(out, "{}\n", markdown_inline(caption));
                for b in fallback {
                    render_block(out, b);
                }
            }
        },
        Block::Code(text) => fence(out, "text", text),
        Block::Diff(diff) => {
            if diff.trim().is_empty() {
                out.push_str("No change was applied.\n\n");
            } else {
                fence(out, "diff", diff);
            }
        }
        Block::Diaries(pairs) => {
            // Hours as columns would be 24 columns: one code line per diary instead.
            let _ = writeln!(out, "| Person | Segment | Diary (hours 0–23) | Zones |");
            let _ = writeln!(out, "|---|---|---|---|");
            for p in pairs {
                let (ra, rz) = split_diary(&p.real);
                let (ga, gz) = split_diary(&p.generated);
                let _ = writeln!(
                    out,
                    "| {} real | {} | {} | {} |",
                    markdown_inline(&p.person),
                    markdown_inline(&p.segment),
                    markdown_code(ra),
                    markdown_inline(rz)
                );
                let _ = writeln!(
                    out,
                    "| generated ({} slots differ) |  | {} | {} |",
                    p.mismatched_slots,
                    markdown_code(ga),
                    markdown_inline(gz)
                );
            }
            out.push('\n');
        }
        Block::Details { summary, blocks } => {
            let _ = writeln!(out, "**{}**\n", markdown_inline(summary));
            for b in blocks {
                render_block(out, b);
            }
        }
        Block::Section { blocks, .. } => {
            for b in blocks {
                render_block(out, b);
            }
        }
    }
}

/// A fenced block long enough that no line of `text` can close it.
fn fence(out: &mut String, lang: &str, text: &str) {
    let longest = text
        .lines()
        .map(|l| l.chars().take_while(|&c| c == '`').count())
        .max()
        .unwrap_or(0);
    let ticks = "`".repeat(longest.max(2) + 1);
    let _ = writeln!(out, "{ticks}{lang}\n{}\n{ticks}\n", text.trim_end());
}

fn render_table(out: &mut String, table: &Table) {
    // Markdown has no grouped header row: the group prefixes each column's header.
    let mut group_of = Vec::new();
    for (label, span) in &table.groups {
        group_of.extend(std::iter::repeat_n(label.as_str(), *span));
    }
    let header: Vec<String> = table
        .header
        .iter()
        .enumerate()
        .map(|(i, (h, _))| match group_of.get(i) {
            Some(g) if !g.is_empty() => markdown_inline(&format!("{g} {h}")),
            _ => markdown_inline(h),
        })
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
            Span::Link { text, href } => format!("[{}]({})", markdown_inline(text), href),
            Span::Badge { text, .. } => format!("**{}**", markdown_inline(text)),
        })
        .collect::<String>()
}
