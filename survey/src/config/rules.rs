//! Segment rules and the code → activity mapping of a configuration, as written in TOML.

use serde::{Deserialize, Serialize};

/// Code → activity. Each list holds exact codes or inclusive integer ranges (`"12-21"`);
/// `""` matches an empty field. Integer codes match however they are padded (`"01"` in
/// the config matches `1` in the data and the other way round). `default` catches every
/// other code (each such code is counted in the manifest); without it an unknown code is
/// an error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivityCodes {
    #[serde(rename = "Home", default)]
    pub home: Vec<String>,
    #[serde(rename = "Work", default)]
    pub work: Vec<String>,
    #[serde(rename = "School", default)]
    pub school: Vec<String>,
    #[serde(rename = "Others", default)]
    pub others: Vec<String>,
    #[serde(rename = "Travel", default)]
    pub travel: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
}

/// The split id column(s) (of the merged person + household record).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SplitRule {
    pub id: super::IdColumns,
}

/// Employed, then student (if not employed), else other; weekend, else weekday. Without
/// `weekend` every day is a weekday (a model's simulated weekday).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentRules {
    pub employed: Condition,
    pub student: Condition,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weekend: Option<Condition>,
}

impl SegmentRules {
    /// Column names the rules read.
    pub fn columns(&self) -> Vec<&str> {
        let mut out = self.employed.columns();
        out.extend(self.student.columns());
        if let Some(w) = &self.weekend {
            out.extend(w.columns());
        }
        out
    }
}

/// A declarative test on the person record. Either a combinator (`any` / `all`) or a
/// `column` with exactly one test. `equals` and `in` compare integer codes however they
/// are padded (`"01"` = `1`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_with: Option<String>,
    #[serde(rename = "in", default, skip_serializing_if = "Option::is_none")]
    pub in_list: Option<Vec<String>>,
    /// Inclusive numeric range `[min, max]`; a non-numeric value fails the test.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<[f64; 2]>,
    /// `true`: the value is non-empty; `false`: it is empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub non_empty: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub any: Option<Vec<Condition>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all: Option<Vec<Condition>>,
}

impl Condition {
    pub fn validate(&self) -> Result<(), String> {
        let tests = [
            self.equals.is_some(),
            self.starts_with.is_some(),
            self.in_list.is_some(),
            self.range.is_some(),
            self.non_empty.is_some(),
        ]
        .iter()
        .filter(|&&b| b)
        .count();
        let combinators = self.any.is_some() as usize + self.all.is_some() as usize;
        match (combinators, self.column.is_some(), tests) {
            (1, false, 0) => {
                for c in self.any.iter().chain(self.all.iter()).flatten() {
                    c.validate()?;
                }
                Ok(())
            }
            (0, true, 1) => Ok(()),
            _ => Err(
                "a condition is either `any = [...]` / `all = [...]`, or a `column` with exactly one of equals, starts_with, in, range, non_empty"
                    .into(),
            ),
        }
    }

    /// Column names this condition reads.
    pub fn columns(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self.column.iter().map(String::as_str).collect();
        for c in self.any.iter().chain(self.all.iter()).flatten() {
            out.extend(c.columns());
        }
        out
    }
}

impl std::fmt::Display for Condition {
    /// The rule as a modeller reads it: `` `labor_status` starts with "employed" ``.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let list = |items: &[Condition]| {
            items
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        };
        if let Some(items) = &self.any {
            return write!(f, "any of ({})", list(items));
        }
        if let Some(items) = &self.all {
            return write!(f, "all of ({})", list(items));
        }
        let col = self.column.as_deref().unwrap_or_default();
        if let Some(v) = &self.equals {
            write!(f, "`{col}` = {v:?}")
        } else if let Some(v) = &self.starts_with {
            write!(f, "`{col}` starts with {v:?}")
        } else if let Some(v) = &self.in_list {
            write!(f, "`{col}` in {v:?}")
        } else if let Some([lo, hi]) = self.range {
            write!(f, "`{col}` from {lo} to {hi}")
        } else if self.non_empty == Some(false) {
            write!(f, "`{col}` empty")
        } else {
            write!(f, "`{col}` not empty")
        }
    }
}
