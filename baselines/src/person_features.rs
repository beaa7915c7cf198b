//! The person features the MNL and nearest-neighbour baselines use: age (and its bands)
//! and a few categorical columns, chosen by name among the columns the benchmark has.

use mobility::Person;
use std::collections::HashMap;

/// Age columns, first present wins (ATUS `age`, Santiago `edad`).
const AGE_COLUMNS: [&str; 2] = ["age", "edad"];

/// Categorical columns used when present (ATUS first, then Santiago). All are known before
/// the day; none is derived from the diary or the trips.
const CATEGORICAL_COLUMNS: [&str; 10] = [
    "sex",
    "labor_status",
    "student_status",
    "ptft",
    "hh_child",
    "sexo",
    "ocupacion",
    "ingreso",
    "tipo_dia",
    "temporada",
];

/// Upper bounds (exclusive) of the age bands; band 0 is "unknown age".
const AGE_BAND_LIMITS: [f64; 10] = [
    5.0,
    15.0,
    18.0,
    25.0,
    35.0,
    45.0,
    55.0,
    65.0,
    75.0,
    f64::MAX,
];

/// Number of age bands, "unknown" included.
pub(crate) const AGE_BANDS: usize = AGE_BAND_LIMITS.len() + 1;

/// Code of a categorical value never seen in the train split.
pub(crate) const UNSEEN: u32 = u32::MAX;

/// A person's features, encoded against the train split's vocabularies.
#[derive(Debug, Clone)]
pub(crate) struct Encoded {
    pub age: Option<f64>,
    pub age_band: usize,
    /// One code per selected categorical column; [`UNSEEN`] for values not in train.
    pub categories: Vec<u32>,
}

/// Which feature columns are used, and the value vocabulary of each, from the train split.
#[derive(Debug, Clone)]
pub(crate) struct FeatureEncoder {
    age_column: Option<usize>,
    /// (column index in `Person::features`, value → code).
    categorical: Vec<(usize, HashMap<String, u32>)>,
}

impl FeatureEncoder {
    /// Selects the columns present in `feature_names` and learns their values from `train`.
    pub fn fit(feature_names: &[String], train: &[Person]) -> FeatureEncoder {
        let position = |name: &str| feature_names.iter().position(|n| n == name);
        let age_column = AGE_COLUMNS.iter().find_map(|name| position(name));
        let categorical = CATEGORICAL_COLUMNS
            .iter()
            .filter_map(|name| position(name))
            .map(|column| {
                let mut vocabulary = HashMap::new();
                for person in train {
                    let next = vocabulary.len() as u32;
                    vocabulary
                        .entry(value(person, column).to_string())
                        .or_insert(next);
                }
                (column, vocabulary)
            })
            .collect();
        FeatureEncoder {
            age_column,
            categorical,
        }
    }

    /// Number of levels of each categorical column (as seen in train).
    pub fn level_counts(&self) -> Vec<usize> {
        self.categorical.iter().map(|(_, v)| v.len()).collect()
    }

    pub fn encode(&self, person: &Person) -> Encoded {
        let age = self
            .age_column
            .and_then(|c| value(person, c).parse::<f64>().ok())
            .filter(|a| a.is_finite() && *a >= 0.0);
        Encoded {
            age,
            age_band: age_band(age),
            categories: self
                .categorical
                .iter()
                .map(|(column, vocabulary)| {
                    vocabulary
                        .get(value(person, *column))
                        .copied()
                        .unwrap_or(UNSEEN)
                })
                .collect(),
        }
    }
}

fn value(person: &Person, column: usize) -> &str {
    person.features.get(column).map_or("", |v| v.trim())
}

/// Band index of an age: 0 when unknown, else 1 + the first band whose limit exceeds it.
fn age_band(age: Option<f64>) -> usize {
    match age {
        None => 0,
        Some(a) => 1 + AGE_BAND_LIMITS.iter().position(|&l| a < l).unwrap_or(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mobility::{DayType, Group};

    fn person(features: &[&str]) -> Person {
        Person {
            id: "p".into(),
            household_id: String::new(),
            group: Group::Other,
            day_type: DayType::Weekday,
            home_zone: None,
            features: features.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn picks_known_columns_and_codes_unseen_values() {
        let names: Vec<String> = ["edad", "color", "sexo"].map(String::from).to_vec();
        let train = [person(&["30", "red", "1"]), person(&["70", "blue", "2"])];
        let encoder = FeatureEncoder::fit(&names, &train);
        assert_eq!(encoder.level_counts(), vec![2]);
        let e = encoder.encode(&person(&["16", "red", "3"]));
        assert_eq!(e.age, Some(16.0));
        assert_eq!(e.age_band, 3);
        assert_eq!(e.categories, vec![UNSEEN]);
        let e = encoder.encode(&person(&["", "red", "2"]));
        assert_eq!((e.age, e.age_band), (None, 0));
        assert_eq!(e.categories, vec![1]);
    }
}
