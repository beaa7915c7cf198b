//! The fixed zone set of the location task, and the home-zone lookup by name (case and
//! accents ignored) through a code table.

use crate::activity_codes::canonical_integer;
use std::collections::HashMap;
use unicode_normalization::UnicodeNormalization;

/// The retained zones, in config order (ranges like `"322-339"` expanded).
#[derive(Debug, Clone)]
pub struct ZoneSet {
    pub codes: Vec<String>,
    index: HashMap<String, u16>,
    integers: HashMap<i64, u16>,
}

impl ZoneSet {
    pub fn new(entries: &[String]) -> Result<ZoneSet, String> {
        let mut codes = Vec::new();
        for e in entries {
            let e = e.trim();
            match e.split_once('-').and_then(|(a, b)| {
                Some((a.trim().parse::<i64>().ok()?, b.trim().parse::<i64>().ok()?))
            }) {
                Some((lo, hi)) if lo <= hi => codes.extend((lo..=hi).map(|n| n.to_string())),
                Some(_) => return Err(format!("[zones] range `{e}` is empty")),
                None => codes.push(e.to_string()),
            }
        }
        ZoneSet::from_codes(codes)
    }

    /// A zone set of exactly these codes, in this order.
    pub fn from_codes(codes: Vec<String>) -> Result<ZoneSet, String> {
        if codes.len() >= u16::MAX as usize {
            return Err(format!(
                "[zones] {} zones is more than the {} supported",
                codes.len(),
                u16::MAX - 1
            ));
        }
        let mut index = HashMap::new();
        let mut integers = HashMap::new();
        for (i, c) in codes.iter().enumerate() {
            if c.is_empty() || c == mobility::TRAVEL_TOKEN {
                return Err("[zones] a zone code is empty or `T`".into());
            }
            if index.insert(c.clone(), (i + 1) as u16).is_some() {
                return Err(format!("[zones] zone `{c}` is listed twice"));
            }
            if let Some(n) = canonical_integer(c) {
                if let Some(prev) = integers.insert(n, (i + 1) as u16) {
                    return Err(format!(
                        "[zones] zones `{}` and `{c}` are the same integer code",
                        codes[prev as usize - 1]
                    ));
                }
            }
        }
        Ok(ZoneSet {
            codes,
            index,
            integers,
        })
    }

    /// 1-based index of a retained zone (0 is reserved for `T`); integer codes match
    /// however they are padded or written (`07`, `7`, `7.0`).
    pub fn lookup(&self, code: &str) -> Option<u16> {
        let code = code.trim();
        self.index
            .get(code)
            .or_else(|| self.integers.get(&canonical_integer(code)?))
            .copied()
    }

    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> usize {
        self.codes.len()
    }
}

/// Lower-case, accents removed (NFD, combining marks dropped), spaces collapsed.
pub fn fold_name(name: &str) -> String {
    let stripped: String = name
        .nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect();
    stripped.split_whitespace().collect::<Vec<_>>().join(" ")
}
