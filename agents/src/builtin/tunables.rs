//! Reading `params.rs`: every documented tunable constant, with its range and targets.

use serde::{Deserialize, Serialize};

/// One documented constant of `params.rs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tunable {
    pub name: String,
    pub integer: bool,
    pub value: f64,
    pub lo: f64,
    pub hi: f64,
    pub targets: Vec<String>,
    /// The first doc line: what the constant controls.
    pub summary: String,
}

/// Parses the documented constants of `params.rs`. Constants without a `Range:` line
/// are not tunable by the built-in agent and are skipped.
pub fn parse_tunables(source: &str) -> Vec<Tunable> {
    let mut tunables = Vec::new();
    let mut doc: Vec<String> = Vec::new();
    for line in source.lines() {
        let trimmed = line.trim();
        if let Some(text) = trimmed.strip_prefix("///") {
            doc.push(text.trim().to_string());
            continue;
        }
        if trimmed.starts_with("#[") {
            continue;
        }
        if let Some(c) = parse_const_line(trimmed) {
            if let Some((lo, hi)) = doc.iter().find_map(|d| parse_range(d)) {
                let targets = doc
                    .iter()
                    .find_map(|d| d.strip_prefix("Targets:"))
                    .map(|t| {
                        t.split(',')
                            .map(|s| s.trim().to_string())
                            .filter(|s| !s.is_empty())
                            .collect()
                    })
                    .unwrap_or_default();
                tunables.push(Tunable {
                    name: c.0,
                    integer: c.1,
                    value: c.2,
                    lo,
                    hi,
                    targets,
                    summary: doc.first().cloned().unwrap_or_default(),
                });
            }
        }
        doc.clear();
    }
    tunables
}

/// `pub const NAME: TYPE = LITERAL;` → (name, is_integer, value).
pub(super) fn parse_const_line(line: &str) -> Option<(String, bool, f64)> {
    let rest = line.strip_prefix("pub const ")?;
    let (name, rest) = rest.split_once(':')?;
    let (ty, rest) = rest.split_once('=')?;
    let literal = rest.trim().strip_suffix(';')?.trim().replace('_', "");
    let integer = match ty.trim() {
        "f64" | "f32" => false,
        "usize" | "u32" | "u64" | "u16" | "u8" | "i32" | "i64" => true,
        _ => return None,
    };
    let value: f64 = literal.parse().ok()?;
    Some((name.trim().to_string(), integer, value))
}

/// `Range: lo..=hi` → (lo, hi).
fn parse_range(doc: &str) -> Option<(f64, f64)> {
    let range = doc.strip_prefix("Range:")?.trim();
    let (lo, hi) = range.split_once("..=")?;
    let lo: f64 = lo.trim().replace('_', "").parse().ok()?;
    let hi: f64 = hi.trim().replace('_', "").parse().ok()?;
    (lo < hi).then_some((lo, hi))
}
