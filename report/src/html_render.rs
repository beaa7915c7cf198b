//! Renders a [`Document`] as one self-contained HTML file: inline CSS, the chart as inline
//! SVG, no script and no external asset (a Content-Security-Policy forbids both). Every
//! piece of run text is HTML-escaped.

use std::fmt::Write as _;

use crate::document::{Align, Block, Document, Span, Table};
use crate::text_format::html_escape;

const CSS: &str = "
:root { color-scheme: light; }
body { font: 15px/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #1f2328;
       background: #fff; margin: 0; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 1.7em; margin: 0 0 12px; }
h2 { font-size: 1.3em; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 1px solid #d0d7de; }
h3 { font-size: 1.1em; margin: 20px 0 8px; }
p, ul { margin: 8px 0 12px; }
code { font: 0.9em ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #f6f8fa;
       padding: 1px 4px; border-radius: 4px; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 0.93em; }
th, td { border: 1px solid #d0d7de; padding: 5px 9px; vertical-align: top; text-align: left; }
th { background: #f6f8fa; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody tr:nth-child(even) { background: #fbfcfd; }
figure { margin: 8px 0 16px; }
figcaption { color: #57606a; font-size: 0.9em; }
details { margin: 8px 0 16px; }
summary { cursor: pointer; color: #0969da; }
";

pub(crate) fn render(doc: &Document) -> String {
    let mut out = String::new();
    let title = html_escape(&doc.title);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n<h1>{title}</h1>\n"
    );
    for block in &doc.blocks {
        render_block(&mut out, block);
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

fn render_block(out: &mut String, block: &Block) {
    match block {
        Block::Heading(level, title) => {
            let level = (*level).clamp(2, 6);
            let _ = writeln!(out, "<h{level}>{}</h{level}>", html_escape(title));
        }
        Block::Paragraph(spans) => {
            let _ = writeln!(out, "<p>{}</p>", spans_html(spans));
        }
        Block::List(items) => {
            out.push_str("<ul>\n");
            for item in items {
                let _ = writeln!(out, "<li>{}</li>", spans_html(item));
            }
            out.push_str("</ul>\n");
        }
        Block::Table(table) => render_table(out, table),
        Block::Chart { svg, caption, .. } => {
            let _ = writeln!(
                out,
                "<figure>\n{svg}\n<figcaption>{}</figcaption>\n</figure>",
                html_escape(caption)
            );
        }
        Block::Details { summary, blocks } => {
            let _ = writeln!(
                out,
                "<details>\n<summary>{}</summary>",
                html_escape(summary)
            );
            for b in blocks {
                render_block(out, b);
            }
            out.push_str("</details>\n");
        }
    }
}

fn render_table(out: &mut String, table: &Table) {
    let class = |a: Align| match a {
        Align::Left => "",
        Align::Right => " class=\"num\"",
    };
    out.push_str("<table>\n<thead><tr>");
    for (h, a) in &table.header {
        let _ = write!(out, "<th{}>{}</th>", class(*a), html_escape(h));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &table.rows {
        out.push_str("<tr>");
        for (i, (_, a)) in table.header.iter().enumerate() {
            let cell = row.get(i).map_or_else(String::new, |c| spans_html(c));
            let _ = write!(out, "<td{}>{cell}</td>", class(*a));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}

fn spans_html(spans: &[Span]) -> String {
    spans
        .iter()
        .map(|s| match s {
            Span::Text(t) => html_escape(t),
            Span::Strong(t) => format!("<strong>{}</strong>", html_escape(t)),
            Span::Code(t) => format!("<code>{}</code>", html_escape(t)),
        })
        .collect::<String>()
}
