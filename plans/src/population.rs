//! Generating a population part by part and writing it in one format.
//!
//! A population is written as [`Generation::header`], then [`Generation::write_part`]
//! for each part of the people in order, then [`Generation::footer`]. Each person's
//! diary and places depend on the seed and the person's id only, and people are written
//! in input order, so the bytes are the same for any thread count and any division of
//! the people into parts: shard `i` of `n` writes the header only when `i = 0` and the
//! footer only when `i = n − 1`, and the shards concatenated in order are the unsharded
//! output, byte for byte.

use crate::format::{Day, Format, Layout};
use crate::places::{Point, ZoneLocations};
use crate::write::{self, Encoder};
use heuristics::GeneratorState;
use mobility::{Diary, Person};
use std::io::{self, Write};

/// Why a population cannot be written in the asked format.
#[derive(Debug, thiserror::Error)]
pub enum GenerationError {
    #[error("--format matsim needs a benchmark with locations (the activity-location task); `{benchmark}` has none")]
    NoLocationTask { benchmark: String },
    #[error("--format {format} on the activity-location task needs the benchmark's observed locations: {source}")]
    NoLocations {
        format: &'static str,
        source: mobility::FormatError,
    },
}

/// Everything that decides the bytes of a population.
pub struct Generation<'a> {
    pub state: &'a GeneratorState,
    pub seed: u64,
    /// Worker threads (the output does not depend on it).
    pub threads: usize,
    pub format: Format,
    /// The mode written on every trip (episodes do not carry one).
    pub mode: String,
    locations: Option<ZoneLocations>,
}

impl<'a> Generation<'a> {
    /// A generation of `format` for the benchmark `bench`, whose train split built
    /// `state`. Formats with coordinates read the benchmark's observed locations on the
    /// activity-location task; MATSim refuses the activity task.
    pub fn new(
        bench: &mobility::Benchmark,
        state: &'a GeneratorState,
        format: Format,
        seed: u64,
        threads: usize,
        mode: &str,
    ) -> Result<Generation<'a>, GenerationError> {
        let location_task = state.has_locations();
        if format == Format::Matsim && !location_task {
            return Err(GenerationError::NoLocationTask {
                benchmark: bench.name.clone(),
            });
        }
        let locations = if location_task && format != Format::Slots {
            Some(
                ZoneLocations::read(bench).map_err(|source| GenerationError::NoLocations {
                    format: format.name(),
                    source,
                })?,
            )
        } else {
            None
        };
        Ok(Generation {
            state,
            seed,
            threads: threads.max(1),
            format,
            mode: mode.to_string(),
            locations,
        })
    }

    /// The observed locations coordinates are drawn from (location task, not slots).
    pub fn locations(&self) -> Option<&ZoneLocations> {
        self.locations.as_ref()
    }

    fn layout(&self) -> Layout<'_> {
        Layout {
            zones: self.state.has_locations().then_some(&self.state.zones),
            crs: self.locations.as_ref().map(ZoneLocations::crs),
            mode: &self.mode,
        }
    }

    /// The bytes that open the file (the first shard's).
    pub fn header(&self) -> Vec<u8> {
        match self.format {
            Format::Slots => {
                let mut h = Vec::new();
                mobility::write_diaries(&mut h, std::iter::empty(), self.layout().zones)
                    .expect("writing to memory");
                h
            }
            format => write::header(format, &self.layout()),
        }
    }

    /// The bytes that close the file (the last shard's).
    pub fn footer(&self) -> Vec<u8> {
        write::footer(self.format)
    }

    /// Generates and writes `persons` (features in the generator's layout,
    /// `heuristics::population::align_features`), [`heuristics::population::STREAM_CHUNK`]
    /// at a time; `homes[i]` is person i's own home point, if known (empty = none known).
    /// With `traces`, one JSON trace per person per line.
    pub fn write_part(
        &self,
        persons: &[Person],
        homes: &[Option<Point>],
        out: &mut dyn Write,
        mut traces: Option<&mut dyn Write>,
    ) -> io::Result<()> {
        if self.format == Format::Slots {
            return heuristics::write_population_part(
                self.state,
                persons,
                self.seed,
                self.threads,
                false,
                out,
                traces,
            );
        }
        let chunk = heuristics::population::STREAM_CHUNK;
        for (c, part) in persons.chunks(chunk).enumerate() {
            let homes = homes.get(c * chunk..).unwrap_or(&[]);
            let diaries: Vec<Diary> = match traces.as_deref_mut() {
                Some(t) => {
                    let traced =
                        heuristics::generate_all_traced(self.state, part, self.seed, self.threads);
                    for (person, (_, trace)) in part.iter().zip(&traced) {
                        writeln!(t, "{}", trace.to_json(&person.id, self.state))?;
                    }
                    traced.into_iter().map(|(d, _)| d).collect()
                }
                None => heuristics::generate_all(self.state, part, self.seed, self.threads),
            };
            for bytes in self.format_days(part, &diaries, homes)? {
                out.write_all(&bytes)?;
            }
        }
        out.flush()
    }

    /// The blocks of `persons` in order, formatted on up to `threads` threads.
    fn format_days(
        &self,
        persons: &[Person],
        diaries: &[Diary],
        homes: &[Option<Point>],
    ) -> io::Result<Vec<Vec<u8>>> {
        let layout = self.layout();
        let run = |from: usize, to: usize| -> io::Result<Vec<u8>> {
            let mut encoder = Encoder::new(self.format);
            for i in from..to {
                let home = homes.get(i).copied().flatten();
                let day = Day::new(
                    &persons[i],
                    &diaries[i],
                    self.locations.as_ref(),
                    self.seed,
                    home,
                );
                encoder.day(self.format, &layout, &day)?;
            }
            encoder.into_bytes()
        };
        let n = persons.len();
        let threads = self.threads.clamp(1, n.max(1));
        if threads == 1 {
            return Ok(vec![run(0, n)?]);
        }
        let bounds: Vec<(usize, usize)> = (0..threads)
            .map(|t| (n * t / threads, n * (t + 1) / threads))
            .collect();
        std::thread::scope(|scope| {
            let handles: Vec<_> = bounds
                .iter()
                .map(|&(from, to)| {
                    let run = &run;
                    scope.spawn(move || run(from, to))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("formatting worker panicked"))
                .collect()
        })
    }
}
