//! Synthetic populations in the formats modellers start from.
//!
//! The generator (`heuristics`) gives each person 24 hourly slots (an activity and, in
//! the activity-location task, a zone per hour). This crate turns them into what traffic
//! and epidemic simulations read, and writes them at any scale:
//!
//! - [`episodes()`]: maximal runs of one activity at one place, and the trips between
//!   them; [`plan()`]: activities and trips alternating, as MATSim and pam want them;
//! - [`ZoneLocations`]: coordinates for activities, drawn inside their zone from the train
//!   split's observed locations, in the benchmark's coordinate reference system;
//! - [`Format`]: `slots` (the diaries CSV), `episodes`, `matsim` (plans v6) and `pam`
//!   (a travel-diary trips table), written by [`Generation`] part by part so that shards
//!   concatenate to the whole, byte for byte;
//! - [`Output`]: standard output, a file, or gzip by a `.gz` name, written through a
//!   partial file and renamed when complete; [`is_broken_pipe`] tells a reader that went
//!   away from a failure.
//!
//! ```no_run
//! use mobility::{Benchmark, Split};
//! use plans::{Format, Generation, Output};
//! use std::io::Write;
//! let bench = Benchmark::open(std::path::Path::new("out/bench/santiago-2012")).unwrap();
//! let train = bench.read_split(Split::Train).unwrap();
//! let state = heuristics::GeneratorState::build(&bench, &train);
//! let persons = heuristics::population::align_features(&state, &bench.persons(Split::Val).unwrap());
//! let generation = Generation::new(&bench, &state, Format::Matsim, 7, 2, "car").unwrap();
//! let mut out = Output::create(std::path::Path::new("out/plans.xml.gz")).unwrap();
//! out.write_all(&generation.header()).unwrap();
//! generation.write_part(&persons, &[], &mut out, None).unwrap();
//! out.write_all(&generation.footer()).unwrap();
//! out.finish().unwrap();
//! ```

mod episode;
mod format;
mod output;
mod places;
mod plan;
mod population;
pub mod write;

pub use episode::{episodes, Episode, DAY_MINUTES};
pub use format::{activity_type, Day, Format, Layout};
pub use output::{is_broken_pipe, is_gzip, partial_path, Output, GZIP_LEVEL};
pub use places::{Crs, Point, ZoneLocations};
pub use plan::{plan, Plan, PlannedActivity, Trip};
pub use population::{Generation, GenerationError};
