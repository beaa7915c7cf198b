//! Every person feature as a point in a Euclidean space: categorical columns one-hot,
//! numeric columns standardised on the train split. Used by the one-nearest-neighbour
//! baseline ([`crate::BaselineKind::Nearest1`]) and, through [`FeatureSpace`], by
//! generators that need "the k most similar training people" (the few-shot LLM planner).
//!
//! A column is numeric when every non-empty value it has in train parses as a finite
//! decimal number (the rule of pandas' type inference); every other column is categorical.
//! - Numeric: z = (x − mean) / std, mean and population standard deviation (ddof 0) over
//!   the non-empty train values; a missing or unparseable value takes the mean (z = 0); a
//!   column with std 0 contributes nothing.
//! - Categorical: one indicator per value seen in train (the empty value is a level of its
//!   own); a value never seen in train has every indicator at 0.
//!
//! The squared Euclidean distance between two encoded people is then the sum over numeric
//! columns of (z₁ − z₂)², plus, per categorical column, 0 when both have the same level, 2
//! when they have two different train levels, and 1 when exactly one of them is unseen (two
//! unseen values: 0). It is computed in that closed form, column by column in file order.

use mobility::{Person, SplitData};
use std::cmp::Ordering;
use std::collections::HashMap;

/// Level code of a categorical value never seen in train (an all-zero one-hot block).
const UNSEEN: u32 = u32::MAX;

#[derive(Debug, Clone)]
enum Column {
    Numeric { mean: f64, std: f64 },
    Categorical { levels: HashMap<String, u32> },
}

/// One person in the feature space: a z-score per numeric column and a level code per
/// categorical column, in column order.
#[derive(Debug, Clone, PartialEq)]
pub struct EncodedPerson {
    numeric: Vec<f64>,
    levels: Vec<u32>,
}

/// The encoding learned from a train split, and the train people encoded with it.
#[derive(Debug, Clone)]
pub struct FeatureSpace {
    columns: Vec<Column>,
    train: Vec<EncodedPerson>,
    /// Train indices by segment index (`Segment::index`).
    by_segment: Vec<Vec<usize>>,
    /// Every train index (the pool of a segment without train people).
    everyone: Vec<usize>,
    /// Train person ids, for tie-breaking.
    ids: Vec<String>,
}

impl FeatureSpace {
    /// Learns the columns' kinds, means, standard deviations and levels from `train`, and
    /// encodes the train people. Targets must have their features in the train layout.
    pub fn fit(train: &SplitData) -> FeatureSpace {
        let people = train.people();
        let width = train.persons.feature_names.len();
        let columns: Vec<Column> = (0..width)
            .map(|c| {
                let values: Vec<&str> = people.iter().map(|p| value(p, c)).collect();
                let numbers: Option<Vec<f64>> = values
                    .iter()
                    .filter(|v| !v.is_empty())
                    .map(|v| v.parse::<f64>().ok().filter(|x| x.is_finite()))
                    .collect();
                match numbers {
                    Some(xs) if !xs.is_empty() => {
                        let n = xs.len() as f64;
                        let mean = xs.iter().sum::<f64>() / n;
                        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
                        Column::Numeric {
                            mean,
                            std: var.sqrt(),
                        }
                    }
                    _ => {
                        let mut levels = HashMap::new();
                        for v in values {
                            let next = levels.len() as u32;
                            levels.entry(v.to_string()).or_insert(next);
                        }
                        Column::Categorical { levels }
                    }
                }
            })
            .collect();
        let mut space = FeatureSpace {
            columns,
            train: Vec::with_capacity(people.len()),
            by_segment: vec![Vec::new(); mobility::Segment::COUNT],
            everyone: (0..people.len()).collect(),
            ids: people.iter().map(|p| p.id.clone()).collect(),
        };
        for (i, person) in people.iter().enumerate() {
            let encoded = space.encode(person);
            space.train.push(encoded);
            space.by_segment[person.segment().index()].push(i);
        }
        space
    }

    /// The person's point in the space.
    pub fn encode(&self, person: &Person) -> EncodedPerson {
        let mut numeric = Vec::new();
        let mut levels = Vec::new();
        for (c, column) in self.columns.iter().enumerate() {
            let v = value(person, c);
            match column {
                Column::Numeric { mean, std } => {
                    numeric.push(match v.parse::<f64>().ok().filter(|x| x.is_finite()) {
                        Some(x) if *std > 0.0 => (x - mean) / std,
                        _ => 0.0,
                    })
                }
                Column::Categorical { levels: map } => {
                    levels.push(map.get(v).copied().unwrap_or(UNSEEN))
                }
            }
        }
        EncodedPerson { numeric, levels }
    }

    /// Squared Euclidean distance between two encoded people (see the module docs).
    pub fn squared_distance(a: &EncodedPerson, b: &EncodedPerson) -> f64 {
        let mut d = 0.0;
        for (x, y) in a.numeric.iter().zip(&b.numeric) {
            d += (x - y) * (x - y);
        }
        for (&x, &y) in a.levels.iter().zip(&b.levels) {
            d += match (x == y, x == UNSEEN || y == UNSEEN) {
                (true, _) => 0.0,
                (false, true) => 1.0,
                (false, false) => 2.0,
            };
        }
        d
    }

    /// Number of train people.
    pub fn len(&self) -> usize {
        self.train.len()
    }

    /// Whether the train split was empty.
    pub fn is_empty(&self) -> bool {
        self.train.is_empty()
    }

    /// The donor pool of `person`: the train people of their segment, or everyone when the
    /// segment has no train person.
    fn pool(&self, person: &Person) -> &[usize] {
        let own = &self.by_segment[person.segment().index()];
        if own.is_empty() {
            &self.everyone
        } else {
            own
        }
    }

    /// Indices (into the train split) of the `k` train people nearest to `person`, nearest
    /// first: among the person's segment when it has any train person, else among all;
    /// equal distances are ordered by person id (numerically when both ids are integers).
    /// Fewer than `k` when the pool is smaller; empty when train is.
    pub fn nearest(&self, person: &Person, k: usize) -> Vec<usize> {
        if k == 0 || self.train.is_empty() {
            return Vec::new();
        }
        let target = self.encode(person);
        let mut scored: Vec<(f64, usize)> = self
            .pool(person)
            .iter()
            .map(|&i| (FeatureSpace::squared_distance(&target, &self.train[i]), i))
            .collect();
        let order = |a: &(f64, usize), b: &(f64, usize)| {
            a.0.total_cmp(&b.0)
                .then_with(|| compare_ids(&self.ids[a.1], &self.ids[b.1]))
        };
        if k < scored.len() {
            scored.select_nth_unstable_by(k - 1, order);
            scored.truncate(k);
        }
        scored.sort_by(order);
        scored.into_iter().map(|(_, i)| i).collect()
    }

    /// The single nearest train person (see [`FeatureSpace::nearest`]).
    pub fn nearest_one(&self, person: &Person) -> Option<usize> {
        if self.train.is_empty() {
            return None;
        }
        let target = self.encode(person);
        let mut best: Option<(f64, usize)> = None;
        for &i in self.pool(person) {
            let d = FeatureSpace::squared_distance(&target, &self.train[i]);
            let better = match best {
                None => true,
                Some((bd, bi)) => {
                    d < bd || (d == bd && compare_ids(&self.ids[i], &self.ids[bi]).is_lt())
                }
            };
            if better {
                best = Some((d, i));
            }
        }
        best.map(|(_, i)| i)
    }
}

fn value(person: &Person, column: usize) -> &str {
    person.features.get(column).map_or("", |v| v.trim())
}

/// Person ids in order: numerically when both are unsigned integers, else as text.
fn compare_ids(a: &str, b: &str) -> Ordering {
    match (a.parse::<u128>(), b.parse::<u128>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => a.cmp(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_compare_numerically_when_both_are_integers() {
        assert_eq!(compare_ids("9", "10"), Ordering::Less);
        assert_eq!(compare_ids("a9", "a10"), Ordering::Greater);
        assert_eq!(compare_ids("007", "7"), Ordering::Equal);
    }
}
