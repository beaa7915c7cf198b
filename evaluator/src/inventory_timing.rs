//! Timing of the full metric inventory (for `orchestrator bench` and the
//! `inventory_speed` example), with a deterministic synthetic split to time on.

use crate::evaluation::evaluate;
use mobility::{Activity, Benchmark, DayType, Diary, Group, Loc, Person, Task, ZoneTable, SLOTS};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Instant;

/// Wall time of [`evaluate`] on one split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InventoryTiming {
    pub task: String,
    pub records: usize,
    pub repeats: usize,
    pub best_ms: f64,
    pub mean_ms: f64,
    /// The Score of the timed evaluation (so the work cannot be optimised away).
    pub score: f64,
}

impl InventoryTiming {
    pub fn to_line(&self) -> String {
        format!(
            "evaluator inventory ({}): {} diaries, best {:.2} ms, mean {:.2} ms over {} runs (score {:.4})",
            self.task, self.records, self.best_ms, self.mean_ms, self.repeats, self.score
        )
    }
}

/// Runs [`evaluate`] `repeats` times (at least once) and reports best and mean wall time.
pub fn inventory_timing(
    bench: &Benchmark,
    persons: &[Person],
    real: &[Diary],
    generated: &[Diary],
    repeats: usize,
) -> InventoryTiming {
    let repeats = repeats.max(1);
    let mut best = f64::INFINITY;
    let mut total = 0.0;
    let mut score = 0.0;
    for _ in 0..repeats {
        let start = Instant::now();
        let e = evaluate(bench, persons, real, generated);
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        score = std::hint::black_box(e).score;
        best = best.min(ms);
        total += ms;
    }
    InventoryTiming {
        task: crate::evaluation::task_name(bench.task).to_string(),
        records: persons.len(),
        repeats,
        best_ms: best,
        mean_ms: total / repeats as f64,
        score,
    }
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// A synthetic benchmark and split of `n` people with two independent diary sets
/// ("real", "generated") of plausible shape: home, a commute, a Work/School/Others block,
/// a commute back. The location task gets 45 zones on a 9 × 5 grid, 3 km apart. For
/// timing and smoke tests only; no real data.
pub fn synthetic_split(
    task: Task,
    n: usize,
    seed: u64,
) -> (Benchmark, Vec<Person>, Vec<Diary>, Vec<Diary>) {
    let zones = match task {
        Task::Activity => ZoneTable::new(Vec::new()),
        Task::ActivityLocation => ZoneTable::new(
            (0..45)
                .map(|i| {
                    (
                        format!("{}", 100 + i),
                        ((i % 9) as f64 * 3.0, (i / 9) as f64 * 3.0),
                    )
                })
                .collect(),
        ),
    };
    let bench = Benchmark {
        name: "synthetic".into(),
        dir: PathBuf::new(),
        task,
        zones,
    };
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let location = task == Task::ActivityLocation;
    let persons: Vec<Person> = (0..n)
        .map(|i| Person {
            id: format!("p{i}"),
            household_id: format!("h{}", i / 2),
            group: Group::ALL[rng.below(3)],
            day_type: DayType::ALL[(rng.below(7) >= 5) as usize],
            home_zone: location.then(|| Loc(1 + rng.below(45) as u16)),
            features: Vec::new(),
        })
        .collect();
    let diary = |p: &Person, rng: &mut Rng| {
        let mut d = Diary::all_home(p.home_zone);
        if rng.below(10) == 0 {
            return d;
        }
        let act = match (p.group, rng.below(4)) {
            (Group::Employed, 0..=2) => Activity::Work,
            (Group::Student, 0..=2) => Activity::School,
            _ => Activity::Others,
        };
        let start = 5 + rng.below(6);
        let len = 1 + rng.below(10);
        let away = Loc(1 + rng.below(45) as u16);
        let end = (start + len + 1).min(SLOTS - 1);
        d.activities[start] = Activity::Travel;
        d.activities[end] = Activity::Travel;
        for h in start + 1..end {
            d.activities[h] = act;
        }
        if let Some(l) = d.locations.as_mut() {
            l[start] = Loc::TRAVEL;
            l[end] = Loc::TRAVEL;
            for slot in l.iter_mut().take(end).skip(start + 1) {
                *slot = away;
            }
        }
        d
    };
    let real: Vec<Diary> = persons.iter().map(|p| diary(p, &mut rng)).collect();
    let generated: Vec<Diary> = persons.iter().map(|p| diary(p, &mut rng)).collect();
    (bench, persons, real, generated)
}
