//! What a candidate's change really is: computed once, from the worktree after the change
//! was applied (never from the agent's diff text), and read by every renderer.

use serde::{Deserialize, Serialize};

/// The applied change of one round, summarised.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChangeSummary {
    /// Changed files, in path order.
    pub files: Vec<FileChange>,
    /// Every constant item (`const NAME: T = value;`) whose value changed, appeared or
    /// disappeared, in file then name order.
    pub constants: Vec<ConstantChange>,
    /// Code lines (not blank, not comments) of the editable scope before and after.
    pub code_lines: (usize, usize),
    /// Constant items of the editable scope before and after.
    pub constant_items: (usize, usize),
    /// What the applier did beyond applying hunks as written (e.g. a hunk recounted).
    pub notes: Vec<String>,
}

/// One changed file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileChange {
    /// Path relative to the repository root.
    pub path: String,
    /// Lines added.
    pub added: usize,
    /// Lines removed.
    pub removed: usize,
    /// The file is new (`Some(true)`), deleted (`Some(false)`) or modified (`None`).
    pub created: Option<bool>,
}

/// One constant whose value changed (`old`/`new` are the source literals; `None` = absent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConstantChange {
    /// File it is in.
    pub file: String,
    /// Its name.
    pub name: String,
    /// Whether it is `pub`.
    pub public: bool,
    /// Value before.
    pub old: Option<String>,
    /// Value after.
    pub new: Option<String>,
}

impl ConstantChange {
    /// `NAME old → new`, `NAME added (= v)` or `NAME removed (was v)`.
    pub fn describe(&self) -> String {
        match (&self.old, &self.new) {
            // A long list (`[a, b, c, …]`) is described by what entered and left it: its
            // whole values would fill the line and differ only there.
            (Some(o), Some(n)) => match (list_items(o), list_items(n)) {
                (Some(old), Some(new)) if o.len() + n.len() > LONG_VALUES => {
                    let mut moves: Vec<String> = new
                        .iter()
                        .filter(|x| !old.contains(x))
                        .map(|x| format!("+{x}"))
                        .collect();
                    moves.extend(
                        old.iter()
                            .filter(|x| !new.contains(x))
                            .map(|x| format!("−{x}")),
                    );
                    if moves.is_empty() {
                        format!("{} reordered", self.name)
                    } else {
                        format!("{} [{}]", self.name, moves.join(", "))
                    }
                }
                _ => format!("{} {o} → {n}", self.name),
            },
            (None, Some(n)) => format!("{} added (= {n})", self.name),
            (Some(o), None) => format!("{} removed (was {o})", self.name),
            (None, None) => self.name.clone(),
        }
    }
}

/// Old and new values longer than this together (bytes) are described by their difference.
const LONG_VALUES: usize = 60;

/// The items of a list value `[a, b, c]` (nested brackets and parentheses kept whole), or
/// `None` when the value is not a list.
fn list_items(value: &str) -> Option<Vec<String>> {
    let inner = value.trim().strip_prefix('[')?.strip_suffix(']')?;
    let mut items = Vec::new();
    let (mut depth, mut item) = (0i32, String::new());
    for c in inner.chars() {
        match c {
            '[' | '(' | '{' => depth += 1,
            ']' | ')' | '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(std::mem::take(&mut item));
                continue;
            }
            _ => {}
        }
        item.push(c);
    }
    items.push(item);
    Some(
        items
            .into_iter()
            .map(|i| i.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|i| !i.is_empty())
            .collect(),
    )
}

impl ChangeSummary {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Lines added and removed over every file.
    pub fn lines(&self) -> (usize, usize) {
        self.files
            .iter()
            .fold((0, 0), |(a, r), f| (a + f.added, r + f.removed))
    }

    /// Whether the change makes the code simpler: fewer code lines or fewer constants, and
    /// neither more of one nor of the other.
    pub fn simplifies(&self) -> bool {
        let (lines_before, lines_after) = self.code_lines;
        let (consts_before, consts_after) = self.constant_items;
        lines_after <= lines_before
            && consts_after <= consts_before
            && (lines_after < lines_before || consts_after < consts_before)
    }

    /// One line: `heuristics/src/params.rs; +2 −2 lines; NEIGHBOURS_K 10 → 20, …` naming
    /// every file and every changed constant.
    pub fn headline(&self) -> String {
        if self.is_empty() {
            return "no change".into();
        }
        let files: Vec<&str> = self.files.iter().map(|f| f.path.as_str()).collect();
        let (added, removed) = self.lines();
        let mut s = format!("{}; +{added} −{removed} lines", files.join(", "));
        if !self.constants.is_empty() {
            let consts: Vec<String> = self.constants.iter().map(|c| c.describe()).collect();
            s.push_str("; ");
            s.push_str(&consts.join(", "));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_list_is_described_by_what_entered_and_left_it() {
        let change = |old: &str, new: &str| ConstantChange {
            file: "heuristics/src/features.rs".into(),
            name: "ALL".into(),
            public: true,
            old: Some(old.into()),
            new: Some(new.into()),
        };
        let old = "[ Role::Sex, Role::Work, Role::Day, Role::Household, Role::Income, ]";
        assert_eq!(
            change(
                old,
                "[ Role::Sex, Role::Work, Role::Day, Role::Household, Role::Income, Role::Job, ]"
            )
            .describe(),
            "ALL [+Role::Job]"
        );
        assert_eq!(
            change(
                old,
                "[Role::Work, Role::Sex, Role::Day, Role::Household, Role::Pair(1, 2)]"
            )
            .describe(),
            "ALL [+Role::Pair(1, 2), −Role::Income]"
        );
        assert_eq!(
            change(
                old,
                "[Role::Income, Role::Household, Role::Day, Role::Work, Role::Sex]"
            )
            .describe(),
            "ALL reordered"
        );
        assert_eq!(change("4.0", "8.0").describe(), "ALL 4.0 → 8.0");
    }

    fn summary(lines: (usize, usize), consts: (usize, usize)) -> ChangeSummary {
        ChangeSummary {
            files: vec![FileChange {
                path: "heuristics/src/params.rs".into(),
                added: 1,
                removed: 2,
                created: None,
            }],
            constants: vec![
                ConstantChange {
                    file: "heuristics/src/params.rs".into(),
                    name: "NEIGHBOURS_K".into(),
                    public: true,
                    old: Some("10".into()),
                    new: Some("20".into()),
                },
                ConstantChange {
                    file: "heuristics/src/params.rs".into(),
                    name: "SIMILARITY_TEMPERATURE".into(),
                    public: true,
                    old: Some("4.0".into()),
                    new: None,
                },
            ],
            code_lines: lines,
            constant_items: consts,
            notes: vec![],
        }
    }

    #[test]
    fn the_headline_names_every_file_and_constant() {
        assert_eq!(
            summary((10, 9), (2, 1)).headline(),
            "heuristics/src/params.rs; +1 −2 lines; NEIGHBOURS_K 10 → 20, \
             SIMILARITY_TEMPERATURE removed (was 4.0)"
        );
        assert_eq!(ChangeSummary::default().headline(), "no change");
    }

    #[test]
    fn simpler_means_fewer_lines_or_constants_and_more_of_neither() {
        assert!(summary((10, 9), (2, 2)).simplifies());
        assert!(summary((10, 10), (2, 1)).simplifies());
        assert!(!summary((10, 10), (2, 2)).simplifies());
        assert!(!summary((10, 9), (2, 3)).simplifies());
        assert!(!summary((10, 11), (2, 1)).simplifies());
    }
}
