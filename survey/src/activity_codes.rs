//! The code → activity mapping of a config: exact codes, inclusive integer ranges
//! (`"12-21"`), `""` for an empty field, and an optional default for every other code.
//! Integer codes match however they are padded or written (`"01"`, `"1"`, `"1.0"`), in
//! the config and in the data alike.

use crate::config::ActivityCodes;
use mobility::Activity;
use std::collections::{HashMap, HashSet};

/// A compiled [`ActivityCodes`].
#[derive(Debug, Clone)]
pub struct CodeMap {
    exact: HashMap<String, Activity>,
    /// The exact codes as the config writes them.
    written: HashSet<String>,
    ranges: Vec<(i64, i64, Activity)>,
    default: Option<Activity>,
}

impl CodeMap {
    pub fn new(codes: &ActivityCodes) -> Result<CodeMap, String> {
        let mut map = CodeMap {
            exact: HashMap::new(),
            written: HashSet::new(),
            ranges: Vec::new(),
            default: None,
        };
        let lists = [
            (Activity::Home, &codes.home),
            (Activity::Work, &codes.work),
            (Activity::School, &codes.school),
            (Activity::Others, &codes.others),
            (Activity::Travel, &codes.travel),
        ];
        for (activity, list) in lists {
            for entry in list {
                let entry = entry.trim();
                if let Some((lo, hi)) = parse_range(entry) {
                    if lo > hi {
                        return Err(format!("[activity_codes] range `{entry}` is empty"));
                    }
                    map.ranges.push((lo, hi, activity));
                } else if let Some(prev) = {
                    map.written.insert(entry.to_string());
                    map.exact.insert(code_key(entry), activity)
                } {
                    if prev != activity {
                        return Err(format!(
                            "[activity_codes] code `{entry}` is listed under {prev} and {activity}"
                        ));
                    }
                }
            }
        }
        for (i, a) in map.ranges.iter().enumerate() {
            for b in &map.ranges[..i] {
                if a.0 <= b.1 && b.0 <= a.1 && a.2 != b.2 {
                    return Err(format!(
                        "[activity_codes] ranges {}-{} ({}) and {}-{} ({}) overlap",
                        b.0, b.1, b.2, a.0, a.1, a.2
                    ));
                }
            }
        }
        if let Some(d) = &codes.default {
            map.default = Some(Activity::parse(d).ok_or_else(|| {
                format!(
                    "[activity_codes] default `{d}` is not Home, Work, School, Others or Travel"
                )
            })?);
        }
        Ok(map)
    }

    /// The activity of a code listed in the config (exactly or in a range), and whether it
    /// matched a listed code written differently (`1` for a listed `01`: integers match by
    /// value); `None` for a code that only the default would catch.
    pub fn lookup_spelled(&self, code: &str) -> Option<(Activity, bool)> {
        let code = code.trim();
        if let Some(&a) = self.exact.get(code) {
            return Some((a, !self.written.contains(code)));
        }
        if let Some(n) = integer_value(code) {
            if let Some(&a) = self.exact.get(&n.to_string()) {
                return Some((a, !self.written.contains(code)));
            }
            if let Some(&(_, _, a)) = self.ranges.iter().find(|r| r.0 <= n && n <= r.1) {
                return Some((a, false));
            }
        }
        None
    }

    pub fn default(&self) -> Option<Activity> {
        self.default
    }
}

/// The key a listed code is stored under: an integer code in its plain decimal form.
fn code_key(entry: &str) -> String {
    match canonical_integer(entry) {
        Some(n) => n.to_string(),
        None => entry.to_string(),
    }
}

/// An integer code written with optional sign, leading zeros and a `.0…` tail (`01`,
/// `+1`, `1.0`); `None` for anything else (`1e1`, `1.5`, `x1`).
pub fn canonical_integer(code: &str) -> Option<i64> {
    let s = code.trim();
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if int.is_empty()
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b == b'0')
        || int.len() > 18
    {
        return None;
    }
    let n: i64 = int.parse().ok()?;
    Some(if s.starts_with('-') { -n } else { n })
}

/// Two codes are the same: equal text, or the same integer however written.
pub fn same_code(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    a == b || matches!((canonical_integer(a), canonical_integer(b)), (Some(x), Some(y)) if x == y)
}

/// `"12-21"` → (12, 21); anything else → None.
fn parse_range(entry: &str) -> Option<(i64, i64)> {
    let (lo, hi) = entry.split_once('-')?;
    Some((lo.trim().parse().ok()?, hi.trim().parse().ok()?))
}

/// An integer written as `12`, `+12` or `12.0`.
pub fn integer_value(code: &str) -> Option<i64> {
    if let Ok(n) = code.parse::<i64>() {
        return Some(n);
    }
    let f: f64 = code.parse().ok()?;
    (f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15).then_some(f as i64)
}
