//! The Score: every diagnostic of BENCHMARKS.md "Metrics" for both tasks, the three
//! group scores, the side metrics, and a readable table.

use crate::classification::{weighted_f1, ClassTallies};
use crate::divergence::{jsd, jsd_mean_max};
use crate::tallies::{
    first_nonhome_hour, is_invalid_slot, last_return_home_hour, ActivityTallies, LocationSpace,
    LocationTallies, ACTS,
};
use mobility::{Benchmark, Diary, Group, Person, Segment, Task, SLOTS};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Version of the metric definitions; changes whenever any number could change.
pub const EVALUATOR_VERSION: &str = "1.0.0";

/// Worst-segment diagnostics consider only segments with at least this many real records.
pub const MIN_SEGMENT_RECORDS: usize = 30;

/// Weight of the invalid-location rate in the location task's Individual score.
pub const INVALID_RATE_WEIGHT: f64 = 5.0;

/// Which of the three scores a diagnostic adds to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DiagnosticGroup {
    Individual,
    Distribution,
    Behavior,
}

impl DiagnosticGroup {
    pub const ALL: [DiagnosticGroup; 3] = [
        DiagnosticGroup::Individual,
        DiagnosticGroup::Distribution,
        DiagnosticGroup::Behavior,
    ];

    pub fn name(self) -> &'static str {
        match self {
            DiagnosticGroup::Individual => "individual",
            DiagnosticGroup::Distribution => "distribution",
            DiagnosticGroup::Behavior => "behavior",
        }
    }
}

/// Activity task, Individual (C.1.1).
pub const ACTIVITY_INDIVIDUAL: [&str; 2] = ["slot_accuracy_error", "weighted_f1_error"];
/// Activity task, Distribution (C.1.2).
pub const ACTIVITY_DISTRIBUTION: [&str; 5] = [
    "hourly_activity_jsd_mean",
    "hourly_activity_jsd_max",
    "activity_share_jsd",
    "pair_jsd",
    "worst_segment_activity_jsd",
];
/// Activity task, Behavior (C.1.3).
pub const ACTIVITY_BEHAVIOR: [&str; 17] = [
    "first_slot_jsd",
    "last_slot_jsd",
    "night_nonhome_count_jsd",
    "night_work_count_jsd",
    "night_others_count_jsd",
    "travel_count_jsd",
    "first_nonhome_hour_jsd",
    "changed_pair_jsd",
    "nonwork_others_count_jsd",
    "nonwork_max_others_run_jsd",
    "nonwork_changed_pair_jsd",
    "student_school_count_jsd",
    "student_travel_count_jsd",
    "student_changed_pair_jsd",
    "employed_others_count_jsd",
    "employed_travel_count_jsd",
    "employed_changed_pair_jsd",
];
/// Activity-location task, Individual (C.2.1).
pub const LOCATION_INDIVIDUAL: [&str; 5] = [
    "activity_accuracy_error",
    "joint_accuracy_error",
    "joint_weighted_f1_error",
    "worst_segment_joint_accuracy_error",
    "invalid_rate",
];
/// Activity-location task, Distribution (C.2.2).
pub const LOCATION_DISTRIBUTION: [&str; 8] = [
    "hourly_activity_jsd_mean",
    "hourly_activity_jsd_max",
    "activity_share_jsd",
    "worst_segment_activity_jsd",
    "hourly_location_jsd_mean",
    "hourly_location_jsd_max",
    "location_share_jsd",
    "joint_share_jsd",
];
/// Activity-location task, Behavior (C.2.3, land use replaced by distance from home).
pub const LOCATION_BEHAVIOR: [&str; 10] = [
    "home_zone_nonhome_count_jsd",
    "other_unique_locations_jsd",
    "away_fixed_count_jsd",
    "others_location_jsd",
    "nonhome_distance_jsd",
    "night_nonhome_count_jsd",
    "worker_travel_count_jsd",
    "joint_share_behavior_jsd",
    "work_location_jsd",
    "work_distance_jsd",
];

/// Every diagnostic of a task with its group and weight, in report order.
pub fn diagnostic_inventory(task: Task) -> Vec<(&'static str, DiagnosticGroup, f64)> {
    let (ind, dist, beh): (&[&str], &[&str], &[&str]) = match task {
        Task::Activity => (
            &ACTIVITY_INDIVIDUAL,
            &ACTIVITY_DISTRIBUTION,
            &ACTIVITY_BEHAVIOR,
        ),
        Task::ActivityLocation => (
            &LOCATION_INDIVIDUAL,
            &LOCATION_DISTRIBUTION,
            &LOCATION_BEHAVIOR,
        ),
    };
    let weight = |n: &str| {
        if n == "invalid_rate" {
            INVALID_RATE_WEIGHT
        } else {
            1.0
        }
    };
    ind.iter()
        .map(|&n| (n, DiagnosticGroup::Individual, weight(n)))
        .chain(
            dist.iter()
                .map(|&n| (n, DiagnosticGroup::Distribution, 1.0)),
        )
        .chain(beh.iter().map(|&n| (n, DiagnosticGroup::Behavior, 1.0)))
        .collect()
}

/// Name of a task in reports: `activity` or `activity-location`.
pub fn task_name(task: Task) -> &'static str {
    match task {
        Task::Activity => "activity",
        Task::ActivityLocation => "activity-location",
    }
}

/// One diagnostic: lower is better; it adds `weight × value` to its group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub name: String,
    pub group: DiagnosticGroup,
    pub value: f64,
    pub weight: f64,
}

impl Diagnostic {
    pub fn contribution(&self) -> f64 {
        self.weight * self.value
    }
}

/// Reported beside the Score, never part of it (the TrajGenAgent comparison).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SideMetrics {
    /// Mean |gen − real| first non-home hour × 60, over people with a non-Home slot in
    /// both diaries (0 when there is nobody).
    pub first_nonhome_mae_min: f64,
    /// Same for the last return home (24 when there is none).
    pub last_return_home_mae_min: f64,
    /// Mean of the two above.
    pub temporal_mae_min: f64,
    /// People the temporal MAEs are over.
    pub temporal_mae_people: usize,
    /// Location task: mean centroid distance between generated and real zone, over
    /// slots where both are retained zones (0 when there is none). `None` in the activity task.
    pub spatial_mae_km: Option<f64>,
    /// Slots the spatial MAE is over.
    pub spatial_mae_slots: usize,
    /// Activity weighted F1 (higher is better).
    pub activity_weighted_f1: f64,
}

/// The result of scoring generated diaries against the real diaries of one split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    pub evaluator_version: String,
    /// `activity` or `activity-location`.
    pub task: String,
    pub records: usize,
    pub diagnostics: Vec<Diagnostic>,
    pub individual: f64,
    pub distribution: f64,
    pub behavior: f64,
    /// Individual + Distribution + Behavior (lower is better).
    pub score: f64,
    pub side: SideMetrics,
}

impl Evaluation {
    /// Value of a diagnostic by name.
    pub fn value(&self, name: &str) -> Option<f64> {
        self.diagnostics
            .iter()
            .find(|d| d.name == name)
            .map(|d| d.value)
    }

    /// Score of one group.
    pub fn group_score(&self, group: DiagnosticGroup) -> f64 {
        match group {
            DiagnosticGroup::Individual => self.individual,
            DiagnosticGroup::Distribution => self.distribution,
            DiagnosticGroup::Behavior => self.behavior,
        }
    }

    /// A fixed-width table of every diagnostic, the group scores and the side metrics.
    pub fn to_table(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "task {}  records {}  evaluator {}",
            self.task, self.records, self.evaluator_version
        );
        let _ = writeln!(
            s,
            "{:<36} {:>10} {:>6} {:>12}",
            "diagnostic", "value", "weight", "contribution"
        );
        for group in DiagnosticGroup::ALL {
            for d in self.diagnostics.iter().filter(|d| d.group == group) {
                let _ = writeln!(
                    s,
                    "{:<36} {:>10.6} {:>6} {:>12.6}",
                    d.name,
                    d.value,
                    d.weight,
                    d.contribution()
                );
            }
            let _ = writeln!(
                s,
                "{:<36} {:>10} {:>6} {:>12.6}",
                format!("= {}", group.name()),
                "",
                "",
                self.group_score(group)
            );
        }
        let _ = writeln!(
            s,
            "{:<36} {:>10} {:>6} {:>12.6}",
            "= SCORE", "", "", self.score
        );
        let side = &self.side;
        let _ = writeln!(
            s,
            "side: first_nonhome_mae_min {:.2}  last_return_home_mae_min {:.2}  temporal_mae_min {:.2} (n={})",
            side.first_nonhome_mae_min,
            side.last_return_home_mae_min,
            side.temporal_mae_min,
            side.temporal_mae_people
        );
        if let Some(km) = side.spatial_mae_km {
            let _ = writeln!(
                s,
                "side: spatial_mae_km {:.3} (n={})",
                km, side.spatial_mae_slots
            );
        }
        let _ = writeln!(
            s,
            "side: activity_weighted_f1 {:.6}",
            side.activity_weighted_f1
        );
        s
    }
}

impl fmt::Display for Evaluation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_table())
    }
}

/// Scores `generated` against `real` for the people `persons` of one split (all three
/// aligned by index) under the benchmark's task.
///
/// In the location task, location labels outside the benchmark's zones (unknown codes
/// interned while reading) are scored as their own labels, never dropped; a diary that
/// carries no locations at all is scored as if every slot were at one unknown location.
///
/// # Panics
/// If the three slices differ in length (a caller bug: align with
/// [`mobility::DiaryTable::aligned_to`] and check with [`crate::check_validity`] first).
pub fn evaluate(
    bench: &Benchmark,
    persons: &[Person],
    real: &[Diary],
    generated: &[Diary],
) -> Evaluation {
    evaluate_weighted(bench, persons, real, generated, None)
}

/// [`evaluate`] of a resample of the people: person `i` counts `weights[i]` times (0 = left
/// out), exactly as if the three slices held that many copies of it. With `None` (or every
/// weight 1) the result is bit-identical to [`evaluate`]. Used by paired bootstraps, which
/// resample households with replacement and recompute the Score on each resample.
///
/// # Panics
/// As [`evaluate`], and if `weights` is not as long as `persons`.
pub fn evaluate_weighted(
    bench: &Benchmark,
    persons: &[Person],
    real: &[Diary],
    generated: &[Diary],
    weights: Option<&[u32]>,
) -> Evaluation {
    assert!(
        persons.len() == real.len() && real.len() == generated.len(),
        "evaluate: {} persons, {} real and {} generated diaries must be aligned",
        persons.len(),
        real.len(),
        generated.len()
    );
    if let Some(w) = weights {
        assert_eq!(w.len(), persons.len(), "evaluate: one weight per person");
    }
    let weight = |i: usize| crate::tallies::weight_of(weights, i);
    let rt = ActivityTallies::collect(persons, real, weights);
    let gt = ActivityTallies::collect(persons, generated, weights);

    // Paired, slot-aligned activity scores and the temporal side metrics.
    let mut confusion = [[0u64; ACTS]; ACTS];
    let (mut first_abs, mut last_abs, mut temporal_people) = (0u64, 0u64, 0u64);
    for (i, (r, g)) in real.iter().zip(generated).enumerate() {
        let w = weight(i);
        if w == 0 {
            continue;
        }
        for h in 0..SLOTS {
            confusion[r.activities[h] as usize][g.activities[h] as usize] += w;
        }
        let (rf, gf) = (
            first_nonhome_hour(&r.activities),
            first_nonhome_hour(&g.activities),
        );
        if rf < SLOTS && gf < SLOTS {
            temporal_people += w;
            first_abs += rf.abs_diff(gf) as u64 * w;
            let (rl, gl) = (
                last_return_home_hour(&r.activities),
                last_return_home_hour(&g.activities),
            );
            last_abs += rl.abs_diff(gl) as u64 * w;
        }
    }
    let records: u64 = (0..persons.len()).map(weight).sum();
    let (activity_accuracy, activity_f1) = confusion_scores(&confusion);
    let mae = |total: u64| {
        if temporal_people == 0 {
            0.0
        } else {
            total as f64 * 60.0 / temporal_people as f64
        }
    };
    let first_mae = mae(first_abs);
    let last_mae = mae(last_abs);

    let hourly_pairs = || (0..SLOTS).map(|h| (&rt.hourly[h][..], &gt.hourly[h][..]));
    let (hourly_mean, hourly_max) = jsd_mean_max(hourly_pairs());
    let worst_segment_jsd = (0..Segment::COUNT)
        .filter(|&s| rt.segment_records[s] as usize >= MIN_SEGMENT_RECORDS)
        .map(|s| {
            jsd_mean_max(
                (0..SLOTS).map(|h| (&rt.segment_hourly[s][h][..], &gt.segment_hourly[s][h][..])),
            )
            .0
        })
        .fold(0.0f64, f64::max);
    let share_jsd = jsd(&rt.share, &gt.share);

    let mut values: Vec<(&'static str, f64)> = Vec::with_capacity(32);
    let mut side = SideMetrics {
        first_nonhome_mae_min: first_mae,
        last_return_home_mae_min: last_mae,
        temporal_mae_min: (first_mae + last_mae) / 2.0,
        temporal_mae_people: temporal_people as usize,
        spatial_mae_km: None,
        spatial_mae_slots: 0,
        activity_weighted_f1: activity_f1,
    };

    match bench.task {
        Task::Activity => {
            let (o, s, e) = (
                Group::Other as usize,
                Group::Student as usize,
                Group::Employed as usize,
            );
            values.extend([
                ("slot_accuracy_error", 1.0 - activity_accuracy),
                ("weighted_f1_error", 1.0 - activity_f1),
                ("hourly_activity_jsd_mean", hourly_mean),
                ("hourly_activity_jsd_max", hourly_max),
                ("activity_share_jsd", share_jsd),
                ("pair_jsd", jsd(&rt.pairs, &gt.pairs)),
                ("worst_segment_activity_jsd", worst_segment_jsd),
                ("first_slot_jsd", jsd(&rt.first, &gt.first)),
                ("last_slot_jsd", jsd(&rt.last, &gt.last)),
                (
                    "night_nonhome_count_jsd",
                    jsd(&rt.night_nonhome, &gt.night_nonhome),
                ),
                ("night_work_count_jsd", jsd(&rt.night_work, &gt.night_work)),
                (
                    "night_others_count_jsd",
                    jsd(&rt.night_others, &gt.night_others),
                ),
                (
                    "travel_count_jsd",
                    jsd(&rt.travel_count_all(), &gt.travel_count_all()),
                ),
                (
                    "first_nonhome_hour_jsd",
                    jsd(&rt.first_nonhome, &gt.first_nonhome),
                ),
                (
                    "changed_pair_jsd",
                    jsd(&rt.changed_pairs_all(), &gt.changed_pairs_all()),
                ),
                (
                    "nonwork_others_count_jsd",
                    jsd(&rt.others_count[o], &gt.others_count[o]),
                ),
                (
                    "nonwork_max_others_run_jsd",
                    jsd(&rt.max_others_run[o], &gt.max_others_run[o]),
                ),
                (
                    "nonwork_changed_pair_jsd",
                    jsd(&rt.changed_pairs[o], &gt.changed_pairs[o]),
                ),
                (
                    "student_school_count_jsd",
                    jsd(&rt.school_count[s], &gt.school_count[s]),
                ),
                (
                    "student_travel_count_jsd",
                    jsd(&rt.travel_count[s], &gt.travel_count[s]),
                ),
                (
                    "student_changed_pair_jsd",
                    jsd(&rt.changed_pairs[s], &gt.changed_pairs[s]),
                ),
                (
                    "employed_others_count_jsd",
                    jsd(&rt.others_count[e], &gt.others_count[e]),
                ),
                (
                    "employed_travel_count_jsd",
                    jsd(&rt.travel_count[e], &gt.travel_count[e]),
                ),
                (
                    "employed_changed_pair_jsd",
                    jsd(&rt.changed_pairs[e], &gt.changed_pairs[e]),
                ),
            ]);
        }
        Task::ActivityLocation => {
            let space = LocationSpace::new(&bench.zones, &[real, generated]);
            let rl = LocationTallies::collect(&space, persons, real, weights);
            let gl = LocationTallies::collect(&space, persons, generated, weights);
            let n = space.labels;
            let mut joint = ClassTallies::new(ACTS * n);
            let mut seg_match = [0u64; Segment::COUNT];
            let mut seg_slots = [0u64; Segment::COUNT];
            let (mut invalid, mut spatial_sum, mut spatial_n) = (0u64, 0.0f64, 0u64);
            for (i, ((person, r), g)) in persons.iter().zip(real).zip(generated).enumerate() {
                let w = weight(i);
                if w == 0 {
                    continue;
                }
                let (rlocs, glocs) = (space.slots(r), space.slots(g));
                let home = crate::tallies::home_index(person);
                let seg = person.segment().index();
                for h in 0..SLOTS {
                    let (ra, ga) = (r.activities[h], g.activities[h]);
                    let (rz, gz) = (rlocs[h], glocs[h]);
                    let truth = ra as usize * n + rz;
                    let pred = ga as usize * n + gz;
                    joint.add_times(truth, pred, w);
                    seg_match[seg] += (truth == pred) as u64 * w;
                    seg_slots[seg] += w;
                    invalid += is_invalid_slot(&space, ga, gz, home) as u64 * w;
                    if let Some(d) = space.distance_km(rz, gz) {
                        spatial_sum += d * w as f64;
                        spatial_n += w;
                    }
                }
            }
            let worst_joint_accuracy = (0..Segment::COUNT)
                .filter(|&s| rt.segment_records[s] as usize >= MIN_SEGMENT_RECORDS)
                .map(|s| seg_match[s] as f64 / seg_slots[s] as f64)
                .fold(1.0f64, f64::min);
            let total_slots = (records * SLOTS as u64) as f64;
            let invalid_rate = if records == 0 {
                0.0
            } else {
                invalid as f64 / total_slots
            };
            side.spatial_mae_km = Some(if spatial_n == 0 {
                0.0
            } else {
                spatial_sum / spatial_n as f64
            });
            side.spatial_mae_slots = spatial_n as usize;
            let (loc_mean, loc_max) = jsd_mean_max((0..SLOTS).map(|h| (rl.hour(h), gl.hour(h))));
            let joint_share = jsd(&rl.joint, &gl.joint);
            let e = Group::Employed as usize;
            values.extend([
                ("activity_accuracy_error", 1.0 - activity_accuracy),
                ("joint_accuracy_error", 1.0 - joint.accuracy()),
                ("joint_weighted_f1_error", 1.0 - joint.weighted_f1()),
                (
                    "worst_segment_joint_accuracy_error",
                    1.0 - worst_joint_accuracy,
                ),
                ("invalid_rate", invalid_rate),
                ("hourly_activity_jsd_mean", hourly_mean),
                ("hourly_activity_jsd_max", hourly_max),
                ("activity_share_jsd", share_jsd),
                ("worst_segment_activity_jsd", worst_segment_jsd),
                ("hourly_location_jsd_mean", loc_mean),
                ("hourly_location_jsd_max", loc_max),
                ("location_share_jsd", jsd(&rl.share, &gl.share)),
                ("joint_share_jsd", joint_share),
                (
                    "home_zone_nonhome_count_jsd",
                    jsd(&rl.home_zone_nonhome, &gl.home_zone_nonhome),
                ),
                (
                    "other_unique_locations_jsd",
                    jsd(&rl.other_unique, &gl.other_unique),
                ),
                ("away_fixed_count_jsd", jsd(&rl.away_fixed, &gl.away_fixed)),
                (
                    "others_location_jsd",
                    jsd(&rl.others_location, &gl.others_location),
                ),
                (
                    "nonhome_distance_jsd",
                    jsd(&rl.nonhome_distance, &gl.nonhome_distance),
                ),
                (
                    "night_nonhome_count_jsd",
                    jsd(&rt.night_nonhome_location, &gt.night_nonhome_location),
                ),
                (
                    "worker_travel_count_jsd",
                    jsd(&rt.travel_count[e], &gt.travel_count[e]),
                ),
                ("joint_share_behavior_jsd", joint_share),
                (
                    "work_location_jsd",
                    jsd(&rl.work_location, &gl.work_location),
                ),
                (
                    "work_distance_jsd",
                    jsd(&rl.work_distance, &gl.work_distance),
                ),
            ]);
        }
    }

    let inventory = diagnostic_inventory(bench.task);
    debug_assert_eq!(inventory.len(), values.len());
    let diagnostics: Vec<Diagnostic> = inventory
        .iter()
        .map(|&(name, group, weight)| {
            let value = values
                .iter()
                .find(|(n, _)| *n == name)
                .unwrap_or_else(|| panic!("diagnostic {name} not computed"))
                .1;
            Diagnostic {
                name: name.to_string(),
                group,
                value,
                weight,
            }
        })
        .collect();
    let group_sum = |g: DiagnosticGroup| -> f64 {
        diagnostics
            .iter()
            .filter(|d| d.group == g)
            .map(Diagnostic::contribution)
            .sum()
    };
    let individual = group_sum(DiagnosticGroup::Individual);
    let distribution = group_sum(DiagnosticGroup::Distribution);
    let behavior = group_sum(DiagnosticGroup::Behavior);
    Evaluation {
        evaluator_version: EVALUATOR_VERSION.to_string(),
        task: task_name(bench.task).to_string(),
        records: records as usize,
        diagnostics,
        individual,
        distribution,
        behavior,
        score: individual + distribution + behavior,
        side,
    }
}

/// Micro accuracy and weighted F1 of a 5×5 activity confusion matrix (rows = real).
pub fn confusion_scores(confusion: &[[u64; ACTS]; ACTS]) -> (f64, f64) {
    let mut tp = [0u64; ACTS];
    let mut support = [0u64; ACTS];
    let mut predicted = [0u64; ACTS];
    for (r, row) in confusion.iter().enumerate() {
        for (g, &c) in row.iter().enumerate() {
            support[r] += c;
            predicted[g] += c;
            if r == g {
                tp[r] += c;
            }
        }
    }
    let total: u64 = support.iter().sum();
    let accuracy = if total == 0 {
        1.0
    } else {
        tp.iter().sum::<u64>() as f64 / total as f64
    };
    (accuracy, weighted_f1(&tp, &support, &predicted))
}
