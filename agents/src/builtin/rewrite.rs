//! Writing a planned move into `params.rs` and the diff that says so.

use super::moves::PlannedMove;
use super::tunables::parse_const_line;
use similar::TextDiff;

pub(super) fn format_literal(value: f64, integer: bool) -> String {
    if integer {
        format!("{}", value.round() as i64)
    } else {
        let s = format!("{value}");
        if s.contains('.') || s.contains('e') {
            s
        } else {
            format!("{s}.0")
        }
    }
}

/// `source` with each edited constant's literal replaced by its target value; `None` when
/// an edited constant is not in `source`.
pub fn rewrite(source: &str, planned: &PlannedMove) -> Option<String> {
    let mut out = String::with_capacity(source.len() + 16);
    let mut done = vec![false; planned.edits.len()];
    for line in source.split_inclusive('\n') {
        let edit = parse_const_line(line.trim())
            .and_then(|(name, _, _)| planned.edits.iter().position(|e| e.tunable == name))
            .filter(|&i| !done[i]);
        let Some(i) = edit else {
            out.push_str(line);
            continue;
        };
        let e = &planned.edits[i];
        let eq = line.find('=')?;
        let semi = line.rfind(';')?;
        out.push_str(&line[..eq + 1]);
        out.push(' ');
        out.push_str(&format_literal(e.to, e.integer));
        out.push_str(&line[semi..]);
        done[i] = true;
    }
    done.iter().all(|d| *d).then_some(out)
}

/// A unified diff (`--- a/<path>` / `+++ b/<path>`, 3 lines of context).
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}
