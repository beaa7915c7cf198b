//! Classic baselines trained on the train split: hourly marginal, Markov chain, per-hour
//! multinomial logit, nearest neighbour (a weighted feature match, and the plain
//! one-nearest-neighbour copy in a standardised feature space).
//!
//! Every baseline is fitted from one [`SplitData`] (the train split; nothing else is ever
//! passed in, so no other split can leak into a model) and then generates one
//! [`Diary`] per target [`Person`]. Generation is seeded: each person draws from their
//! own ChaCha8 stream derived from the seed and the person id, so the same seed gives
//! byte-identical diaries, and a person's diary does not depend on who else is generated.
//!
//! Targets must carry their features in the layout of the train persons file (true for
//! any two splits of one prepared benchmark); a missing feature value reads as empty.
//!
//! In the activity-location task every baseline returns locations too: Home is always at
//! the target's home zone, Travel always at `T`, and Work/School/Others at a retained
//! zone, so a baseline never produces an invalid slot. How each baseline picks the zone is
//! documented in its module.

mod feature_space;
mod marginal;
mod markov;
mod mnl;
mod nearest;
mod nearest1;
mod person_features;
mod sampling;
mod zone_choice;

pub use feature_space::{EncodedPerson, FeatureSpace};
use mobility::{Benchmark, Diary, Person, SplitData, Task};
use std::fmt;
use std::time::{Duration, Instant};

/// The classic baselines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BaselineKind {
    /// Each slot drawn independently from the segment's hourly activity distribution.
    Marginal,
    /// First-order, hour-dependent Markov chain per segment.
    Markov,
    /// Per-hour multinomial logit on person features; argmax at each slot.
    Mnl,
    /// Copy of the most similar training person's diary (age and feature matches).
    Nearest,
    /// Copy of the diary of the train person nearest in the standardised feature space
    /// ([`FeatureSpace`]); seed-free.
    Nearest1,
}

impl BaselineKind {
    /// All baselines, in the order reports list them.
    pub const ALL: [BaselineKind; 5] = [
        BaselineKind::Marginal,
        BaselineKind::Markov,
        BaselineKind::Mnl,
        BaselineKind::Nearest,
        BaselineKind::Nearest1,
    ];

    /// The command-line name (`marginal`, `markov`, `mnl`, `nearest`, `nearest1`).
    pub fn name(self) -> &'static str {
        match self {
            BaselineKind::Marginal => "marginal",
            BaselineKind::Markov => "markov",
            BaselineKind::Mnl => "mnl",
            BaselineKind::Nearest => "nearest",
            BaselineKind::Nearest1 => "nearest1",
        }
    }

    /// Parses a command-line name, ignoring ASCII case.
    pub fn parse(name: &str) -> Option<BaselineKind> {
        BaselineKind::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(name.trim()))
    }

    /// Whether the output depends on the seed beyond tie-breaking.
    pub fn is_stochastic(self) -> bool {
        matches!(self, BaselineKind::Marginal | BaselineKind::Markov)
    }
}

impl fmt::Display for BaselineKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A baseline fitted on a train split, ready to generate.
#[derive(Debug, Clone)]
pub struct Baseline {
    kind: BaselineKind,
    model: Model,
}

#[derive(Debug, Clone)]
enum Model {
    Marginal(marginal::MarginalModel),
    Markov(markov::MarkovModel),
    Mnl(mnl::MnlModel),
    Nearest(nearest::NearestModel),
    Nearest1(nearest1::Nearest1Model),
}

impl Baseline {
    /// Fits `kind` on `train` (the train split of `bench`). The benchmark supplies the task
    /// and, in the location task, the zones.
    pub fn fit(kind: BaselineKind, bench: &Benchmark, train: &SplitData) -> Baseline {
        let zones = (bench.task == Task::ActivityLocation)
            .then(|| zone_choice::ZoneModel::fit(&bench.zones, train));
        let model = match kind {
            BaselineKind::Marginal => Model::Marginal(marginal::MarginalModel::fit(train, zones)),
            BaselineKind::Markov => Model::Markov(markov::MarkovModel::fit(train, zones)),
            BaselineKind::Mnl => Model::Mnl(mnl::MnlModel::fit(train, zones)),
            BaselineKind::Nearest => Model::Nearest(nearest::NearestModel::fit(
                train,
                bench.task == Task::ActivityLocation,
            )),
            BaselineKind::Nearest1 => Model::Nearest1(nearest1::Nearest1Model::fit(
                train,
                bench.task == Task::ActivityLocation,
            )),
        };
        Baseline { kind, model }
    }

    pub fn kind(&self) -> BaselineKind {
        self.kind
    }

    /// One diary per target, in order. Deterministic in `seed`.
    pub fn generate(&self, targets: &[Person], seed: u64) -> Vec<Diary> {
        targets
            .iter()
            .map(|person| {
                let mut rng = sampling::person_rng(seed, &person.id);
                match &self.model {
                    Model::Marginal(m) => m.generate(person, &mut rng),
                    Model::Markov(m) => m.generate(person, &mut rng),
                    Model::Mnl(m) => m.generate(person),
                    Model::Nearest(m) => m.generate(person, &mut rng),
                    Model::Nearest1(m) => m.generate(person),
                }
            })
            .collect()
    }
}

/// Fits `kind` on `train` and generates a diary for each target.
pub fn run(
    kind: BaselineKind,
    bench: &Benchmark,
    train: &SplitData,
    targets: &[Person],
    seed: u64,
) -> Vec<Diary> {
    Baseline::fit(kind, bench, train).generate(targets, seed)
}

/// The output of [`run_timed`]: the diaries and the wall time of each phase.
#[derive(Debug, Clone)]
pub struct TimedRun {
    pub diaries: Vec<Diary>,
    pub fit: Duration,
    pub generate: Duration,
}

impl TimedRun {
    /// Generation time per target person in milliseconds (fitting excluded).
    pub fn generate_ms_per_person(&self) -> f64 {
        self.generate.as_secs_f64() * 1000.0 / self.diaries.len().max(1) as f64
    }
}

/// [`run`], timing fitting and generation separately.
pub fn run_timed(
    kind: BaselineKind,
    bench: &Benchmark,
    train: &SplitData,
    targets: &[Person],
    seed: u64,
) -> TimedRun {
    let start = Instant::now();
    let baseline = Baseline::fit(kind, bench, train);
    let fit = start.elapsed();
    let start = Instant::now();
    let diaries = baseline.generate(targets, seed);
    TimedRun {
        diaries,
        fit,
        generate: start.elapsed(),
    }
}
