//! The segment rules of a config, compiled against some table's columns: the one
//! implementation of "employed, else student, else other; weekend, else weekday" used both
//! when a benchmark is prepared and when a user's persons file is checked against it
//! (`generate --persons`), so the two can never disagree.

use crate::activity_codes::same_code;
use crate::config::{Condition, SegmentRules};
use mobility::{DayType, Group};

/// A [`Condition`] with its columns resolved to handles of type `C`.
#[derive(Debug, Clone)]
pub enum Rule<C> {
    Any(Vec<Rule<C>>),
    All(Vec<Rule<C>>),
    Test(C, Test),
}

#[derive(Debug, Clone)]
pub enum Test {
    Equals(String),
    StartsWith(String),
    In(Vec<String>),
    Range(f64, f64),
    NonEmpty(bool),
}

impl Test {
    /// Whether a (trimmed) value passes: `equals` and `in` compare integer codes however
    /// they are padded; `range` fails a non-numeric value.
    pub fn matches(&self, v: &str) -> bool {
        match self {
            Test::Equals(s) => same_code(v, s),
            Test::StartsWith(s) => v.starts_with(s.as_str()),
            Test::In(list) => list.iter().any(|s| same_code(v, s)),
            Test::Range(lo, hi) => v
                .parse::<f64>()
                .map(|x| *lo <= x && x <= *hi)
                .unwrap_or(false),
            Test::NonEmpty(want) => v.is_empty() != *want,
        }
    }
}

impl<C: Copy> Rule<C> {
    /// Compiles `c`, resolving each column name with `resolve`.
    pub fn compile<E>(
        c: &Condition,
        resolve: &mut impl FnMut(&str) -> Result<C, E>,
    ) -> Result<Rule<C>, E> {
        if let Some(list) = &c.any {
            return Ok(Rule::Any(
                list.iter()
                    .map(|c| Rule::compile(c, resolve))
                    .collect::<Result<_, _>>()?,
            ));
        }
        if let Some(list) = &c.all {
            return Ok(Rule::All(
                list.iter()
                    .map(|c| Rule::compile(c, resolve))
                    .collect::<Result<_, _>>()?,
            ));
        }
        let col = resolve(c.column.as_deref().unwrap_or_default())?;
        let test = if let Some(v) = &c.equals {
            Test::Equals(v.clone())
        } else if let Some(v) = &c.starts_with {
            Test::StartsWith(v.clone())
        } else if let Some(v) = &c.in_list {
            Test::In(v.clone())
        } else if let Some([lo, hi]) = c.range {
            Test::Range(lo, hi)
        } else {
            Test::NonEmpty(c.non_empty.unwrap_or(true))
        };
        Ok(Rule::Test(col, test))
    }

    /// Whether the rule holds for the record whose (trimmed) values `value` gives.
    pub fn holds<'v>(&self, value: &impl Fn(C) -> &'v str) -> bool {
        match self {
            Rule::Any(list) => list.iter().any(|r| r.holds(value)),
            Rule::All(list) => list.iter().all(|r| r.holds(value)),
            Rule::Test(col, test) => test.matches(value(*col).trim()),
        }
    }
}

/// The employment-group rules: employed, else student, else other.
#[derive(Debug, Clone)]
pub struct GroupRule<C> {
    employed: Rule<C>,
    student: Rule<C>,
}

impl<C: Copy> GroupRule<C> {
    pub fn compile<E>(
        rules: &SegmentRules,
        mut resolve: impl FnMut(&str) -> Result<C, E>,
    ) -> Result<GroupRule<C>, E> {
        Ok(GroupRule {
            employed: Rule::compile(&rules.employed, &mut resolve)?,
            student: Rule::compile(&rules.student, &mut resolve)?,
        })
    }

    pub fn group<'v>(&self, value: &impl Fn(C) -> &'v str) -> Group {
        if self.employed.holds(value) {
            Group::Employed
        } else if self.student.holds(value) {
            Group::Student
        } else {
            Group::Other
        }
    }
}

/// The day-type rule: weekend, else weekday (always weekday without a weekend rule).
#[derive(Debug, Clone)]
pub struct DayRule<C> {
    weekend: Option<Rule<C>>,
}

impl<C: Copy> DayRule<C> {
    pub fn compile<E>(
        rules: &SegmentRules,
        mut resolve: impl FnMut(&str) -> Result<C, E>,
    ) -> Result<DayRule<C>, E> {
        Ok(DayRule {
            weekend: rules
                .weekend
                .as_ref()
                .map(|w| Rule::compile(w, &mut resolve))
                .transpose()?,
        })
    }

    pub fn day_type<'v>(&self, value: &impl Fn(C) -> &'v str) -> DayType {
        match &self.weekend {
            Some(w) if w.holds(value) => DayType::Weekend,
            _ => DayType::Weekday,
        }
    }
}

/// The three segment rules, compiled.
#[derive(Debug, Clone)]
pub struct Segmenter<C> {
    group: GroupRule<C>,
    day: DayRule<C>,
}

impl<C: Copy> Segmenter<C> {
    pub fn compile<E>(
        rules: &SegmentRules,
        mut resolve: impl FnMut(&str) -> Result<C, E>,
    ) -> Result<Segmenter<C>, E> {
        Ok(Segmenter {
            group: GroupRule::compile(rules, &mut resolve)?,
            day: DayRule::compile(rules, &mut resolve)?,
        })
    }

    pub fn group<'v>(&self, value: &impl Fn(C) -> &'v str) -> Group {
        self.group.group(value)
    }

    pub fn day_type<'v>(&self, value: &impl Fn(C) -> &'v str) -> DayType {
        self.day.day_type(value)
    }

    /// Which rules hold: (employed, student, weekend), for the manifest's warnings.
    pub fn hits<'v>(&self, value: &impl Fn(C) -> &'v str) -> [bool; 3] {
        [
            self.group.employed.holds(value),
            self.group.student.holds(value),
            self.day.weekend.as_ref().is_some_and(|w| w.holds(value)),
        ]
    }
}
