//! The shared vocabulary of mobevolve: activities, zones, persons, 24-slot diaries, and
//! the on-disk format of a prepared benchmark.
//!
//! Every other crate speaks these types. The crate is std-only on purpose: the
//! `heuristics` crate (rebuilt every evolution round) depends on it, so it must compile
//! in a blink and never change during a run.
//!
//! A prepared benchmark is a folder:
//!
//! ```text
//! <bench>/<name>/manifest.json        written by `survey`; hashes, counts, drops
//! <bench>/<name>/zones.csv            location task only: zone,x_km,y_km
//! <bench>/<name>/<split>/persons.csv  person_id,household_id,group,day_type,home_zone,<features…>
//! <bench>/<name>/<split>/diaries.csv  person_id,h00..h23[,l00..l23]
//! ```
//!
//! One folder per split means a process that only opens `train/` and `val/` cannot
//! see the test split by accident. The task is the activity-location task exactly when
//! `zones.csv` exists.

mod activity;
mod benchmark;
mod csv;
mod diary;
mod error;
mod person;
mod zone;

pub use activity::{Activity, ACTIVITIES, SLOT_TIE_ORDER};
pub use benchmark::{Benchmark, SplitData, Task};
pub use diary::{write_diaries, Diary, DiaryTable, SLOTS};
pub use error::FormatError;
pub use person::{DayType, Group, Person, PersonChunks, PersonTable, Segment, Split};
pub use zone::{Loc, ZoneTable, TRAVEL_TOKEN};
