//! Slot-level classification scores: accuracy and scikit-learn's weighted F1.

/// Per-class tallies of a multi-class prediction: true positives, true support and
/// predicted count, indexed by label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassTallies {
    pub true_positive: Vec<u64>,
    pub support: Vec<u64>,
    pub predicted: Vec<u64>,
}

impl ClassTallies {
    pub fn new(labels: usize) -> ClassTallies {
        ClassTallies {
            true_positive: vec![0; labels],
            support: vec![0; labels],
            predicted: vec![0; labels],
        }
    }

    /// Records one example.
    #[inline]
    pub fn add(&mut self, truth: usize, prediction: usize) {
        self.add_times(truth, prediction, 1);
    }

    /// Records one example `times` times.
    #[inline]
    pub fn add_times(&mut self, truth: usize, prediction: usize, times: u64) {
        self.support[truth] += times;
        self.predicted[prediction] += times;
        if truth == prediction {
            self.true_positive[truth] += times;
        }
    }

    /// Number of examples.
    pub fn total(&self) -> u64 {
        self.support.iter().sum()
    }

    /// Micro accuracy; 1 when there are no examples.
    pub fn accuracy(&self) -> f64 {
        let total = self.total();
        if total == 0 {
            return 1.0;
        }
        self.true_positive.iter().sum::<u64>() as f64 / total as f64
    }

    /// scikit-learn's `f1_score(average="weighted")`: labels are the union of true and
    /// predicted labels; per class F1 = 2·TP / (support + predicted) (0 when both are 0,
    /// which is sklearn's precision 0/0 → 0 convention); classes are weighted by their true
    /// support, so a class only ever predicted contributes weight 0. No examples → 1.
    pub fn weighted_f1(&self) -> f64 {
        weighted_f1(&self.true_positive, &self.support, &self.predicted)
    }
}

/// [`ClassTallies::weighted_f1`] on raw per-label vectors.
pub fn weighted_f1(true_positive: &[u64], support: &[u64], predicted: &[u64]) -> f64 {
    let mut weighted = 0.0;
    let mut total = 0u64;
    for ((&tp, &s), &p) in true_positive.iter().zip(support).zip(predicted) {
        if s == 0 {
            continue; // weight 0 (an only-predicted class, or an absent label)
        }
        let f1 = 2.0 * tp as f64 / (s + p) as f64;
        weighted += f1 * s as f64;
        total += s;
    }
    if total == 0 {
        1.0
    } else {
        weighted / total as f64
    }
}
