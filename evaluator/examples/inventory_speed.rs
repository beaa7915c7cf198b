//! Times the full metric inventory.
//!
//! `cargo run --release -p evaluator --example inventory_speed [-- N]` times N synthetic
//! diaries per task (default 10,000). `… -- --bench <prepared-benchmark-dir>` times the
//! train split of a prepared benchmark, real diaries against the same diaries shifted by
//! one person (a non-trivial answer).

use evaluator::{inventory_timing, synthetic_split};
use mobility::{Benchmark, Split, Task};
use std::path::Path;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(i) = args.iter().position(|a| a == "--bench") {
        let dir = args.get(i + 1).expect("--bench needs a folder");
        let bench = Benchmark::open(Path::new(dir)).unwrap_or_else(|e| panic!("{e}"));
        let data = bench
            .read_split(Split::Train)
            .unwrap_or_else(|e| panic!("{e}"));
        let mut generated = data.diaries.clone();
        generated.rotate_left(1);
        // Keep Home at each person's own home zone so the answer stays plausible.
        for (d, p) in generated.iter_mut().zip(data.people()) {
            if let (Some(locs), Some(home)) = (d.locations.as_mut(), p.home_zone) {
                for (a, l) in d.activities.iter().zip(locs.iter_mut()) {
                    if *a == mobility::Activity::Home {
                        *l = home;
                    }
                }
            }
        }
        let t = inventory_timing(&bench, data.people(), &data.diaries, &generated, 20);
        println!("{} [{} train]", t.to_line(), bench.name);
        return;
    }
    let n: usize = args
        .first()
        .map(|a| a.parse().expect("N must be a number"))
        .unwrap_or(10_000);
    for task in [Task::Activity, Task::ActivityLocation] {
        let (bench, persons, real, generated) = synthetic_split(task, n, 7);
        let timing = inventory_timing(&bench, &persons, &real, &generated, 20);
        println!("{}", timing.to_line());
    }
}
