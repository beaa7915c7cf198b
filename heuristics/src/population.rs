//! Generating whole populations: person seeds, parallel workers, streaming output.
//!
//! A person's RNG is seeded from (seed, person id) only — never from the person's row — and
//! workers take contiguous chunks whose results are put back in input order, so:
//! - output is byte-identical for any thread count, and for any split of the file into parts
//!   or shards written in order;
//! - a person gets the same day whatever the file's order or the other people in it;
//! - two generators that agree on a person's logic draw the same randomness for that person
//!   (common random numbers), so comparing a candidate with its parent is not drowned in noise.

use crate::generate_person_cached;
use crate::retrieval::{mix, NeighbourCache};
use crate::state::GeneratorState;
use crate::trace::Trace;
use mobility::{write_diaries, Diary, Person, PersonTable};
use std::io::{self, Write};

/// People generated per step by [`write_population`]: memory stays bounded by this.
pub const STREAM_CHUNK: usize = 1 << 16;

/// The RNG seed of the person `person_id` in a population generated with `seed`: a function
/// of the two only (FNV-1a 64 of the id's UTF-8 bytes, mixed with the seed by SplitMix64
/// finalisers). Stable across platforms, versions and processes.
pub fn person_seed(seed: u64, person_id: &str) -> u64 {
    const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;
    let id_hash = person_id.bytes().fold(FNV_OFFSET, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(FNV_PRIME)
    });
    mix(mix(seed) ^ mix(id_hash))
}

/// Diaries for `persons`, in order.
pub fn generate_all(
    state: &GeneratorState,
    persons: &[Person],
    seed: u64,
    threads: usize,
) -> Vec<Diary> {
    parallel_map(persons, threads, |person, cache| {
        generate_person_cached(state, person, person_seed(seed, &person.id), cache).0
    })
}

/// Diaries and traces for `persons`, in order (same diaries as [`generate_all`]).
pub fn generate_all_traced(
    state: &GeneratorState,
    persons: &[Person],
    seed: u64,
    threads: usize,
) -> Vec<(Diary, Trace)> {
    parallel_map(persons, threads, |person, cache| {
        generate_person_cached(state, person, person_seed(seed, &person.id), cache)
    })
}

/// Streams the diaries CSV of `persons` to `out` (and, if given, one JSON trace per line to
/// `traces`), [`STREAM_CHUNK`] people at a time. Same bytes as writing [`generate_all`].
pub fn write_population(
    state: &GeneratorState,
    persons: &[Person],
    seed: u64,
    threads: usize,
    out: impl Write,
    traces: Option<&mut dyn Write>,
) -> io::Result<()> {
    write_population_part(state, persons, seed, threads, true, out, traces)
}

/// One part of a population streamed in parts (for persons files read in chunks, or one
/// shard of many): seeds depend on person ids only, so the parts written in order give the
/// bytes [`write_population`] gives for the whole population; the header line is written
/// only when `header` is set (the first part).
pub fn write_population_part(
    state: &GeneratorState,
    persons: &[Person],
    seed: u64,
    threads: usize,
    header: bool,
    mut out: impl Write,
    mut traces: Option<&mut dyn Write>,
) -> io::Result<()> {
    let zones = state.has_locations().then_some(&state.zones);
    let mut buffer = Vec::new();
    let mut caches: Vec<NeighbourCache> = Vec::new();
    if persons.is_empty() {
        if header {
            write_diaries(&mut out, std::iter::empty(), zones)?;
        }
        return out.flush();
    }
    for (chunk_index, chunk) in persons.chunks(STREAM_CHUNK).enumerate() {
        let results = parallel_map_with(chunk, threads, &mut caches, |person, cache| {
            generate_person_cached(state, person, person_seed(seed, &person.id), cache)
        });
        buffer.clear();
        let rows = chunk
            .iter()
            .zip(&results)
            .map(|(p, (d, _))| (p.id.as_str(), d));
        write_diaries(&mut buffer, rows, zones)?;
        let body = if chunk_index == 0 && header {
            &buffer[..]
        } else {
            // Every chunk after the first drops the header line.
            let header_end = buffer.iter().position(|&b| b == b'\n').map_or(0, |i| i + 1);
            &buffer[header_end..]
        };
        out.write_all(body)?;
        if let Some(t) = traces.as_deref_mut() {
            for (person, (_, trace)) in chunk.iter().zip(&results) {
                writeln!(t, "{}", trace.to_json(&person.id, state))?;
            }
        }
    }
    out.flush()
}

/// `f(person, cache)` for every person, in order, on up to `threads` scoped threads.
fn parallel_map<T: Send>(
    persons: &[Person],
    threads: usize,
    f: impl Fn(&Person, &mut NeighbourCache) -> T + Sync,
) -> Vec<T> {
    parallel_map_with(persons, threads, &mut Vec::new(), f)
}

/// [`parallel_map`] with one neighbour cache per thread kept in `caches` across calls.
fn parallel_map_with<T: Send>(
    persons: &[Person],
    threads: usize,
    caches: &mut Vec<NeighbourCache>,
    f: impl Fn(&Person, &mut NeighbourCache) -> T + Sync,
) -> Vec<T> {
    let threads = threads.clamp(1, persons.len().max(1));
    let chunk = persons.len().div_ceil(threads).max(1);
    caches.resize_with(caches.len().max(threads), NeighbourCache::default);
    let run = |part: &[Person], cache: &mut NeighbourCache| {
        part.iter().map(|p| f(p, cache)).collect::<Vec<T>>()
    };
    if threads == 1 {
        return run(persons, &mut caches[0]);
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = persons
            .chunks(chunk)
            .zip(caches.iter_mut())
            .map(|(part, cache)| {
                let run = &run;
                scope.spawn(move || run(part, cache))
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("generator worker panicked"))
            .collect()
    })
}

/// The persons of `table` with their features reordered to the training layout
/// (`state.feature_names`); a column the table lacks is empty (unknown).
pub fn align_features(state: &GeneratorState, table: &PersonTable) -> Vec<Person> {
    if table.feature_names == state.feature_names {
        return table.persons.clone();
    }
    let positions: Vec<Option<usize>> = state
        .feature_names
        .iter()
        .map(|name| table.feature_index(name))
        .collect();
    table
        .persons
        .iter()
        .map(|p| Person {
            features: positions
                .iter()
                .map(|pos| {
                    pos.and_then(|i| p.features.get(i))
                        .cloned()
                        .unwrap_or_default()
                })
                .collect(),
            ..p.clone()
        })
        .collect()
}
