//! Shared helpers: temporary folders, metrics, and checks of rendered Markdown and SVG.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use memory::Metrics;

/// A fresh folder under the system temp dir, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir = std::env::temp_dir().join(format!(
            "mobevolve-report-{name}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Metrics with the three groups splitting the score 50/30/20 and the given diagnostics.
pub fn metrics(score: f64, diagnostics: &[(&str, f64)]) -> Metrics {
    Metrics {
        score,
        groups: BTreeMap::from([
            ("individual".to_string(), score * 0.5),
            ("distribution".to_string(), score * 0.3),
            ("behavior".to_string(), score * 0.2),
        ]),
        diagnostics: diagnostics
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect(),
    }
}

/// Cells of a Markdown table line, split on unescaped pipes.
pub fn table_cells(line: &str) -> Vec<String> {
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut escaped = false;
    for c in line.chars() {
        match c {
            '\\' if !escaped => {
                escaped = true;
                cell.push(c);
                continue;
            }
            '|' if !escaped => cells.push(std::mem::take(&mut cell)),
            _ => cell.push(c),
        }
        escaped = false;
    }
    cells.push(cell);
    // A well-formed row starts and ends with a pipe: drop the empty outer pieces.
    assert!(
        cells.len() >= 3 && cells[0].is_empty() && cells.last().unwrap().is_empty(),
        "table line does not start and end with a pipe: {line:?}"
    );
    cells[1..cells.len() - 1].to_vec()
}

/// Every Markdown table of `md` (runs of lines starting with `|`) is well formed: a header,
/// a separator of `---` / `---:` cells and rows, all with the same number of cells.
/// Returns the tables as their header rows.
pub fn check_markdown_tables(md: &str) -> Vec<Vec<String>> {
    let lines: Vec<&str> = md.lines().collect();
    let mut headers = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if !lines[i].starts_with('|') {
            i += 1;
            continue;
        }
        assert!(
            i == 0 || lines[i - 1].is_empty(),
            "a table must follow a blank line: {:?}",
            lines[i]
        );
        let header = table_cells(lines[i]);
        let rule = table_cells(lines.get(i + 1).copied().unwrap_or(""));
        assert_eq!(rule.len(), header.len(), "separator of {:?}", lines[i]);
        assert!(
            rule.iter().all(|c| c == "---" || c == "---:"),
            "bad separator {:?}",
            lines[i + 1]
        );
        i += 2;
        while i < lines.len() && lines[i].starts_with('|') {
            assert_eq!(
                table_cells(lines[i]).len(),
                header.len(),
                "row with a wrong cell count: {:?}",
                lines[i]
            );
            i += 1;
        }
        headers.push(header.iter().map(|h| h.trim().to_string()).collect());
    }
    headers
}

/// The value of attribute `name` of each element of `svg` whose tag starts with `start`.
pub fn attribute_values(svg: &str, start: &str, name: &str) -> Vec<String> {
    svg.match_indices(start)
        .map(|(at, _)| {
            let tag = &svg[at..at + svg[at..].find('>').unwrap()];
            let key = format!(" {name}=\"");
            let from = tag
                .find(&key)
                .unwrap_or_else(|| panic!("no {name} in {tag}"))
                + key.len();
            tag[from..from + tag[from..].find('"').unwrap()].to_string()
        })
        .collect()
}

/// The points of a polyline's `points` attribute.
pub fn polyline_points(points: &str) -> Vec<(f64, f64)> {
    points
        .split_whitespace()
        .map(|p| {
            let (x, y) = p.split_once(',').unwrap();
            (x.parse().unwrap(), y.parse().unwrap())
        })
        .collect()
}
