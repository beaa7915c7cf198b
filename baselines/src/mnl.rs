//! The multinomial-logit baseline (the paper's MNL): one softmax regression per hour over
//! the five activities, predicting the most likely activity at each slot independently.
//!
//! Features, all one-hot: employment group, day type, age band (unknown included), and each
//! categorical column of [`FeatureEncoder`] that the benchmark has (levels from train;
//! a level never seen in train activates nothing). The model is fitted by full-batch
//! gradient descent with Adam steps and an L2 penalty on the weights (not the intercepts),
//! on train people grouped by identical feature vectors, which keeps a fit of ATUS train
//! to well under a second in release builds.
//!
//! Location task: the paper extends the output space to joint activity@zone labels. To keep
//! that tractable the activity is predicted by the per-hour MNL, and the zone of a Work /
//! School / Others slot is the zone most frequent for that activity in the person's segment
//! among train people with the same home zone ([`ZoneModel::most_likely`]); Home is at the
//! home zone and Travel at `T`.

use crate::person_features::{FeatureEncoder, AGE_BANDS, UNSEEN};
use crate::zone_choice::ZoneModel;
use mobility::{Activity, DayType, Diary, Group, Person, SplitData, ACTIVITIES, SLOTS};
use std::collections::HashMap;

const A: usize = ACTIVITIES.len();
const ITERATIONS: usize = 300;
const LEARNING_RATE: f64 = 0.1;
/// L2 penalty per weight, relative to the mean log-likelihood per person.
const L2: f64 = 1e-4;
const ADAM_BETA1: f64 = 0.9;
const ADAM_BETA2: f64 = 0.999;
const ADAM_EPSILON: f64 = 1e-8;

#[derive(Debug, Clone)]
pub(crate) struct MnlModel {
    encoder: FeatureEncoder,
    /// Start of each categorical column's block of one-hot features.
    offsets: Vec<usize>,
    dims: usize,
    /// Intercepts per hour.
    bias: [[f64; A]; SLOTS],
    /// Weights, `[hour * dims + feature][activity]`.
    weights: Vec<[f64; A]>,
    zones: Option<ZoneModel>,
}

/// Train people sharing one feature vector: their active features and activity counts.
struct Row {
    active: Vec<u32>,
    people: f64,
    counts: [[f64; A]; SLOTS],
}

const GROUP_OFFSET: usize = 0;
const DAY_OFFSET: usize = GROUP_OFFSET + Group::ALL.len();
const AGE_OFFSET: usize = DAY_OFFSET + DayType::ALL.len();
const CATEGORICAL_OFFSET: usize = AGE_OFFSET + AGE_BANDS;

impl MnlModel {
    pub fn fit(train: &SplitData, zones: Option<ZoneModel>) -> MnlModel {
        let encoder = FeatureEncoder::fit(&train.persons.feature_names, train.people());
        let mut offsets = Vec::new();
        let mut dims = CATEGORICAL_OFFSET;
        for levels in encoder.level_counts() {
            offsets.push(dims);
            dims += levels;
        }
        let mut model = MnlModel {
            encoder,
            offsets,
            dims,
            bias: [[0.0; A]; SLOTS],
            weights: vec![[0.0; A]; SLOTS * dims],
            zones,
        };

        // Group people with identical features, in train order (keeps sums deterministic).
        let mut rows: Vec<Row> = Vec::new();
        let mut index: HashMap<Vec<u32>, usize> = HashMap::new();
        for (person, diary) in train.people().iter().zip(&train.diaries) {
            let active = model.active_features(person);
            let i = *index.entry(active.clone()).or_insert_with(|| {
                rows.push(Row {
                    active,
                    people: 0.0,
                    counts: [[0.0; A]; SLOTS],
                });
                rows.len() - 1
            });
            rows[i].people += 1.0;
            for (h, a) in diary.activities.iter().enumerate() {
                rows[i].counts[h][a.index()] += 1.0;
            }
        }
        if rows.is_empty() {
            return model;
        }
        for h in 0..SLOTS {
            let (bias, weights) = fit_hour(&rows, h, dims);
            model.bias[h] = bias;
            model.weights[h * dims..(h + 1) * dims].copy_from_slice(&weights);
        }
        model
    }

    fn active_features(&self, person: &Person) -> Vec<u32> {
        let encoded = self.encoder.encode(person);
        let mut active = vec![
            (GROUP_OFFSET + person.group as usize) as u32,
            (DAY_OFFSET + person.day_type as usize) as u32,
            (AGE_OFFSET + encoded.age_band) as u32,
        ];
        for (&code, &offset) in encoded.categories.iter().zip(&self.offsets) {
            if code != UNSEEN {
                active.push((offset + code as usize) as u32);
            }
        }
        active
    }

    pub fn generate(&self, person: &Person) -> Diary {
        let active = self.active_features(person);
        let mut activities = [Activity::Home; SLOTS];
        for (h, activity) in activities.iter_mut().enumerate() {
            let logits = logits(&self.bias[h], &self.weights[h * self.dims..], &active);
            let mut best = 0;
            for k in 1..A {
                if logits[k] > logits[best] {
                    best = k;
                }
            }
            *activity = Activity::from_index(best);
        }
        let locations = self.zones.as_ref().map(|zones| {
            let home = zones.home_of(person);
            activities.map(|a| zones.most_likely(person.segment(), a, home))
        });
        Diary {
            activities,
            locations,
        }
    }
}

fn logits(bias: &[f64; A], weights: &[[f64; A]], active: &[u32]) -> [f64; A] {
    let mut z = *bias;
    for &j in active {
        for (zk, wk) in z.iter_mut().zip(&weights[j as usize]) {
            *zk += wk;
        }
    }
    z
}

fn softmax_in_place(z: &mut [f64; A]) {
    let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut total = 0.0;
    for zk in z.iter_mut() {
        *zk = (*zk - max).exp();
        total += *zk;
    }
    for zk in z.iter_mut() {
        *zk /= total;
    }
}

/// Fits the softmax regression of hour `h`: intercepts and `dims` weight rows.
fn fit_hour(rows: &[Row], h: usize, dims: usize) -> ([f64; A], Vec<[f64; A]>) {
    let people: f64 = rows.iter().map(|r| r.people).sum();
    // Start the intercepts at the (smoothed) log shares, so the steps only learn contrasts.
    let mut bias = [0.0; A];
    for (k, b) in bias.iter_mut().enumerate() {
        let count: f64 = rows.iter().map(|r| r.counts[h][k]).sum();
        *b = ((count + 0.5) / (people + 0.5 * A as f64)).ln();
    }
    let mut weights = vec![[0.0; A]; dims];
    let mut moments_bias = ([0.0; A], [0.0; A]);
    let mut moments = (vec![[0.0; A]; dims], vec![[0.0; A]; dims]);
    let mut grad = vec![[0.0; A]; dims];
    for step in 1..=ITERATIONS {
        let mut grad_bias = [0.0; A];
        for (g, w) in grad.iter_mut().zip(&weights) {
            for k in 0..A {
                g[k] = L2 * w[k];
            }
        }
        for row in rows {
            let mut p = logits(&bias, &weights, &row.active);
            softmax_in_place(&mut p);
            let mut g = [0.0; A];
            for k in 0..A {
                g[k] = (row.people * p[k] - row.counts[h][k]) / people;
                grad_bias[k] += g[k];
            }
            for &j in &row.active {
                for (gj, gk) in grad[j as usize].iter_mut().zip(&g) {
                    *gj += gk;
                }
            }
        }
        let correction1 = 1.0 - ADAM_BETA1.powi(step as i32);
        let correction2 = 1.0 - ADAM_BETA2.powi(step as i32);
        let adam = |param: &mut [f64; A], g: &[f64; A], m: &mut [f64; A], v: &mut [f64; A]| {
            for k in 0..A {
                m[k] = ADAM_BETA1 * m[k] + (1.0 - ADAM_BETA1) * g[k];
                v[k] = ADAM_BETA2 * v[k] + (1.0 - ADAM_BETA2) * g[k] * g[k];
                param[k] -= LEARNING_RATE * (m[k] / correction1)
                    / ((v[k] / correction2).sqrt() + ADAM_EPSILON);
            }
        };
        adam(
            &mut bias,
            &grad_bias,
            &mut moments_bias.0,
            &mut moments_bias.1,
        );
        for j in 0..dims {
            adam(
                &mut weights[j],
                &grad[j],
                &mut moments.0[j],
                &mut moments.1[j],
            );
        }
    }
    (bias, weights)
}
