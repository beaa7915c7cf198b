//! Integration tests of the baselines on small constructed benchmarks written to disk.
//! The one test binary of the crate; its modules live in `tests/baselines/`.

#[path = "baselines/fixture.rs"]
mod fixture;

#[path = "baselines/determinism.rs"]
mod determinism;
#[path = "baselines/known_answers.rs"]
mod known_answers;
#[path = "baselines/location_task.rs"]
mod location_task;
#[path = "baselines/nearest1.rs"]
mod nearest1;
#[path = "baselines/train_only.rs"]
mod train_only;
