//! The interpretable generator evolved by the loop: participation, retrieval, adaptation,
//! refinement (MobEvolve §4.1).
//!
//! [`GeneratorState::build`] learns from the training split only; [`generate_person`] then
//! takes four named decisions for one person, each in its own module:
//!
//! 1. [`participation`] — does the person leave home today?
//! 2. [`retrieval`] — which training routine, from behaviourally similar people?
//! 3. [`adaptation`] — timing and zones adjusted to this person;
//! 4. [`refinement`] — structural rules that keep the day coherent.
//!
//! Every tunable number lives in [`params`]; [`trace`] records what each decision did;
//! [`population`] runs many people on several threads, byte-identically for any thread count.
//!
//! Library use (doc tests are off to keep each evolution round's test build small; this
//! code runs in the test `real_data::both_tasks_end_to_end_are_valid_and_realistic`):
//!
//! ```no_run
//! use mobility::{Benchmark, Split};
//! let bench = Benchmark::open(std::path::Path::new("out/bench/atus-2014")).unwrap();
//! let train = bench.read_split(Split::Train).unwrap();
//! let state = heuristics::GeneratorState::build(&bench, &train);
//! let val = bench.persons(Split::Val).unwrap();
//! let diaries = heuristics::generate_all(&state, &val.persons, 42, 2);
//! assert_eq!(diaries.len(), val.persons.len());
//! ```
#![deny(missing_docs)]

pub mod adaptation;
pub mod features;
pub mod params;
pub mod participation;
pub mod population;
pub mod refinement;
pub mod retrieval;
pub mod state;
pub mod trace;

pub use population::{
    generate_all, generate_all_traced, person_seed, write_population, write_population_part,
};
pub use state::GeneratorState;
pub use trace::Trace;

use adaptation::ShiftRule;
use mobility::{Diary, Person};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use retrieval::NeighbourCache;

/// Generates one person's diary and the trace of its four decisions. The person's features
/// must follow `state.feature_names` (see [`population::align_features`]).
pub fn generate_person(state: &GeneratorState, person: &Person, seed: u64) -> (Diary, Trace) {
    generate_person_cached(state, person, seed, &mut NeighbourCache::default())
}

/// The decisions that draw random numbers, each with its own stream for a person
/// (adaptation and refinement are deterministic; their numbers 3 and 4 stay free so the
/// other streams keep theirs).
#[derive(Debug, Clone, Copy)]
enum Decision {
    Participation = 1,
    Retrieval = 2,
}

/// The random stream of one decision for the person seeded with `person_seed`. Each decision
/// draws from its own stream, so a change to one decision (drawing more or fewer numbers, or
/// none) leaves every other decision's draws as they were: a candidate and its parent then
/// share their randomness wherever their logic agrees, which is what makes their paired
/// comparison precise. Keep it that way when adding randomness: derive a new stream.
fn decision_rng(person_seed: u64, decision: Decision) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(retrieval::mix(
        person_seed ^ retrieval::mix(decision as u64),
    ))
}

/// [`generate_person`] reusing a worker's neighbour lists.
pub fn generate_person_cached(
    state: &GeneratorState,
    person: &Person,
    seed: u64,
    cache: &mut NeighbourCache,
) -> (Diary, Trace) {
    let profile = state.columns.profile(person);
    let stay_home = Diary::all_home(person.home_zone.filter(|_| state.has_locations()));
    let mut trace = Trace {
        segment: profile.segment,
        participation: participation::decide(
            &state.participation,
            &profile,
            &mut decision_rng(seed, Decision::Participation),
        ),
        retrieval: None,
        adaptation: None,
        fixes: Default::default(),
    };
    if !trace.participation.participates {
        return (stay_home, trace);
    }
    let neighbours = cache.get(state, &profile);
    let Some(retrieved) = retrieval::choose(
        &profile,
        &neighbours,
        &mut decision_rng(seed, Decision::Retrieval),
    ) else {
        return (stay_home, trace);
    };
    let routine = &state.routines[retrieved.routine as usize];
    let shift_rule = if state.has_locations() {
        ShiftRule::TowardTypicalStart(adaptation::main_block(&routine.diary).and_then(
            |(start, _)| {
                adaptation::typical_start(
                    neighbours
                        .iter()
                        .map(|n| &state.routines[n.routine as usize].diary),
                    routine.diary.activities[start],
                )
            },
        ))
    } else {
        ShiftRule::Keep
    };
    let (mut diary, adaptation) = adaptation::adapt(
        &routine.diary,
        routine.profile.home_zone,
        &profile,
        shift_rule,
    );
    let zones = state.has_locations().then_some(&state.zones);
    trace.fixes = refinement::refine(&mut diary, &profile, zones);
    if !state.has_locations() {
        diary.locations = None;
    }
    trace.retrieval = Some(retrieved);
    trace.adaptation = Some(adaptation);
    (diary, trace)
}
