//! Renders a [`Document`] as one self-contained HTML page: inline CSS, charts as inline
//! SVG, no external asset. The static report carries a Content-Security-Policy that forbids
//! every script; the dashboard adds its own small script by [`HtmlOptions`]. Every piece of
//! run text is HTML-escaped.

use std::fmt::Write as _;

use crate::document::{Align, Block, DiaryPair, Document, Span, Table};
use crate::text_format::html_escape;

/// How the page is framed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HtmlOptions {
    /// Same-origin script URLs to load (the dashboard's live updater). With none, the page
    /// carries a Content-Security-Policy forbidding scripts.
    pub scripts: Vec<String>,
    /// `data-*` attributes of `<body>` (name without `data-`, value), read by the script.
    pub body_data: Vec<(String, String)>,
}

/// The page's style sheet: laid out for a laptop screen (a 1400 px window shows every table
/// without horizontal scrolling); long text wraps inside its cell.
pub(crate) const CSS: &str = "
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #1f2328;
       background: #fff; margin: 0; }
main { max-width: 1320px; margin: 0 auto; padding: 16px 24px 48px; }
nav { font-size: 0.95em; margin-bottom: 6px; color: #57606a; }
nav a { margin-right: 14px; }
a { color: #0969da; text-decoration: none; }
a:hover { text-decoration: underline; }
h1 { font-size: 1.55em; margin: 0 0 10px; }
h2 { font-size: 1.25em; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid #d0d7de; }
h3 { font-size: 1.05em; margin: 18px 0 6px; }
p, ul { margin: 6px 0 10px; }
code { font: 0.88em ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #f6f8fa;
       padding: 1px 4px; border-radius: 4px; overflow-wrap: anywhere; }
pre { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #f6f8fa;
      border: 1px solid #d0d7de; border-radius: 6px; padding: 8px 10px; overflow-x: auto;
      max-height: 480px; margin: 6px 0 12px; }
table { border-collapse: collapse; margin: 6px 0 14px; font-size: 0.92em; max-width: 100%; }
th, td { border: 1px solid #d0d7de; padding: 4px 7px; vertical-align: top; text-align: left;
         overflow-wrap: break-word; }
th { background: #f6f8fa; }
th.group { text-align: center; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap;
                 overflow-wrap: normal; }
tbody tr:nth-child(even) { background: #fbfcfd; }
table.rounds { width: 100%; }
table.rounds td:nth-child(2), table.rounds td:nth-child(4) { white-space: nowrap; }
table.rounds td:nth-child(3) { min-width: 18em; }
table.rounds td:nth-child(5) { min-width: 16em; }
figure { margin: 6px 0 14px; }
figure .charts { display: flex; flex-wrap: wrap; gap: 8px; }
figure svg { max-width: 100%; height: auto; }
figcaption { color: #57606a; font-size: 0.9em; }
details { margin: 6px 0 14px; }
summary { cursor: pointer; color: #0969da; }
.badge { display: inline-block; padding: 0 6px; border-radius: 10px; font-size: 0.85em;
         white-space: nowrap; background: #eaeef2; color: #1f2328; }
.badge.accepted { background: #dafbe1; color: #116329; }
.badge.not_better, .badge.not_confirmed, .badge.guard_regression { background: #fff1e5; color: #953800; }
.badge.compile_error, .badge.test_failure, .badge.limit_exceeded, .badge.invalid_diaries,
.badge.malformed_diff, .badge.outside_scope, .badge.agent_failed { background: #ffebe9; color: #a40e26; }
.diff { padding: 0; }
.diff span { display: block; padding: 0 10px; white-space: pre; }
.diff .add { background: #dafbe1; }
.diff .del { background: #ffebe9; }
.diff .hunk { background: #ddf4ff; color: #0550ae; }
.diff .file { font-weight: 600; background: #eaeef2; }
table.diaries { border-collapse: separate; border-spacing: 1px; font-size: 0.85em; }
table.diaries td, table.diaries th { border: none; padding: 1px 0; }
table.diaries td.slot { width: 22px; text-align: center; color: #fff; font-weight: 600; }
table.diaries td.who { padding-right: 8px; white-space: nowrap; }
table.diaries tr.real td { border-top: 6px solid #fff; }
table.diaries td.zones { padding-left: 8px; color: #57606a; font-family: ui-monospace, monospace; }
td.slot.H { background: #4c72b0; } td.slot.W { background: #dd8452; } td.slot.S { background: #55a868; }
td.slot.O { background: #8172b3; } td.slot.T { background: #c44e52; }
td.slot.miss { outline: 2px solid #1f2328; outline-offset: -2px; }
#live-status { color: #57606a; font-size: 0.9em; min-height: 1.2em; }
";

/// The Content-Security-Policy of the static page: no script, no external asset.
const STATIC_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:";

pub(crate) fn render(doc: &Document, options: &HtmlOptions) -> String {
    let mut out = String::new();
    let title = html_escape(&doc.title);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    );
    if options.scripts.is_empty() {
        let _ = writeln!(
            out,
            "<meta http-equiv=\"Content-Security-Policy\" content=\"{STATIC_CSP}\">"
        );
    }
    let _ = write!(
        out,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>{CSS}</style>\n"
    );
    for src in &options.scripts {
        let _ = writeln!(out, "<script src=\"{}\" defer></script>", html_escape(src));
    }
    out.push_str("</head>\n<body");
    for (name, value) in &options.body_data {
        let _ = write!(
            out,
            " data-{}=\"{}\"",
            html_escape(name),
            html_escape(value)
        );
    }
    out.push_str(">\n<main>\n");
    if !doc.nav.is_empty() {
        let _ = writeln!(out, "<nav>{}</nav>", spans_html(&doc.nav));
    }
    let _ = writeln!(out, "<h1>{title}</h1>");
    if !options.scripts.is_empty() {
        out.push_str("<div id=\"live-status\" aria-live=\"polite\"></div>\n");
    }
    for block in &doc.blocks {
        render_block(&mut out, block);
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

/// The HTML of `blocks` alone (a fragment the dashboard swaps into a live page).
pub(crate) fn render_fragment(blocks: &[Block]) -> String {
    let mut out = String::new();
    for block in blocks {
        render_block(&mut out, block);
    }
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
        Block::Figure { svgs, caption, .. } => {
            out.push_str("<figure>\n<div class=\"charts\">\n");
            for svg in svgs {
                out.push_str(svg);
                out.push('\n');
            }
            let _ = writeln!(
                out,
                "</div>\n<figcaption>{}</figcaption>\n</figure>",
                html_escape(caption)
            );
        }
        Block::Code(text) => {
            let _ = writeln!(out, "<pre>{}</pre>", html_escape(text.trim_end()));
        }
        Block::Diff(diff) => render_diff(out, diff),
        Block::Diaries(pairs) => render_diaries(out, pairs),
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
        Block::Section { id, blocks } => {
            let _ = writeln!(out, "<section id=\"{}\">", html_escape(id));
            for b in blocks {
                render_block(out, b);
            }
            out.push_str("</section>\n");
        }
    }
}

fn render_table(out: &mut String, table: &Table) {
    let class = |a: Align| match a {
        Align::Left => "",
        Align::Right => " class=\"num\"",
    };
    out.push_str("<table");
    if let Some(id) = table.id {
        let _ = write!(out, " id=\"{}\"", html_escape(id));
    }
    if let Some(c) = table.class {
        let _ = write!(out, " class=\"{}\"", html_escape(c));
    }
    out.push_str(">\n<thead>");
    if !table.groups.is_empty() {
        out.push_str("<tr>");
        for (label, span) in &table.groups {
            let _ = write!(
                out,
                "<th class=\"group\" colspan=\"{span}\">{}</th>",
                html_escape(label)
            );
        }
        out.push_str("</tr>");
    }
    out.push_str("<tr>");
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

fn render_diff(out: &mut String, diff: &str) {
    if diff.trim().is_empty() {
        out.push_str("<p>No change was applied.</p>\n");
        return;
    }
    out.push_str("<pre class=\"diff\">");
    for line in diff.lines() {
        let class =
            if line.starts_with("+++") || line.starts_with("---") || line.starts_with("diff ") {
                "file"
            } else if line.starts_with("@@") {
                "hunk"
            } else if line.starts_with('+') {
                "add"
            } else if line.starts_with('-') {
                "del"
            } else {
                "ctx"
            };
        let _ = write!(out, "<span class=\"{class}\">{}</span>", html_escape(line));
    }
    out.push_str("</pre>\n");
}

fn render_diaries(out: &mut String, pairs: &[DiaryPair]) {
    out.push_str("<table class=\"diaries\">\n<thead><tr><th></th>");
    for h in 0..24 {
        let _ = write!(out, "<th>{h}</th>");
    }
    out.push_str("<th></th></tr></thead>\n<tbody>\n");
    for p in pairs {
        let (real_acts, real_zones) = split_diary(&p.real);
        let (gen_acts, gen_zones) = split_diary(&p.generated);
        for (who, acts, zones, other) in [
            ("real", real_acts, real_zones, gen_acts),
            ("generated", gen_acts, gen_zones, real_acts),
        ] {
            let label = if who == "real" {
                format!(
                    "{} · {} · real",
                    html_escape(&p.person),
                    html_escape(&p.segment)
                )
            } else {
                format!("generated ({} slots differ)", p.mismatched_slots)
            };
            let _ = write!(out, "<tr class=\"{who}\"><td class=\"who\">{label}</td>");
            let other: Vec<char> = other.chars().collect();
            for (h, c) in acts.chars().enumerate() {
                let miss = if who == "generated" && other.get(h) != Some(&c) {
                    " miss"
                } else {
                    ""
                };
                let c = html_escape(&c.to_string());
                let _ = write!(out, "<td class=\"slot {c}{miss}\">{c}</td>");
            }
            let _ = writeln!(out, "<td class=\"zones\">{}</td></tr>", html_escape(zones));
        }
    }
    out.push_str("</tbody>\n</table>\n");
}

/// `HHWW… @ zones` → (`HHWW…`, `zones`).
pub(crate) fn split_diary(diary: &str) -> (&str, &str) {
    match diary.split_once(" @") {
        Some((acts, zones)) => (acts.trim(), zones.trim()),
        None => (diary.trim(), ""),
    }
}

pub(crate) fn spans_html(spans: &[Span]) -> String {
    spans
        .iter()
        .map(|s| match s {
            Span::Text(t) => html_escape(t),
            Span::Strong(t) => format!("<strong>{}</strong>", html_escape(t)),
            Span::Code(t) => format!("<code>{}</code>", html_escape(t)),
            Span::Link { text, href } => {
                format!(
                    "<a href=\"{}\">{}</a>",
                    html_escape(href),
                    html_escape(text)
                )
            }
            Span::Badge { text, kind } => format!(
                "<span class=\"badge {}\">{}</span>",
                html_escape(kind),
                html_escape(text)
            ),
        })
        .collect::<String>()
}
