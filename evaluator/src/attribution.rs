//! Attribution: where a Score comes from — diagnostics ranked by contribution, hourly
//! activity-share errors, activity and zone confusion, per-segment scores and a few
//! representative people — as a serde record and a compact text for the evolving agent.

use crate::evaluation::{evaluate, task_name, Diagnostic, Evaluation, MIN_SEGMENT_RECORDS};
use crate::tallies::{home_index, LocationSpace, ACTS};
use crate::validity::zone_code;
use mobility::{Activity, Benchmark, Diary, Loc, Person, Segment, Task, ZoneTable, SLOTS};
use serde::{Deserialize, Serialize};
use std::fmt::Write;

/// Knobs of [`attribution`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttributionOptions {
    /// Representative people shown side by side.
    pub representatives: usize,
    /// Hour × activity cells highlighted.
    pub top_cells: usize,
    /// Confused zone pairs listed (location task).
    pub top_zone_pairs: usize,
    /// Diagnostics listed in the text form.
    pub top_diagnostics: usize,
}

impl Default for AttributionOptions {
    fn default() -> Self {
        AttributionOptions {
            representatives: 4,
            top_cells: 8,
            top_zone_pairs: 8,
            top_diagnostics: 12,
        }
    }
}

/// One hour × activity cell of the hourly activity shares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HourlyShareError {
    pub hour: usize,
    pub activity: String,
    pub real_share: f64,
    pub generated_share: f64,
    /// generated − real.
    pub error: f64,
}

/// How often a real zone was generated as another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZonePairCount {
    pub real: String,
    pub generated: String,
    pub slots: u64,
}

/// Location-task confusion summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZoneConfusion {
    /// Names of the location classes of `home_away` (rows real, columns generated).
    pub classes: Vec<String>,
    /// Slots by real × generated class: home zone, away (another retained zone), `T`, unknown.
    pub home_away: Vec<Vec<u64>>,
    /// Most frequent (real zone, generated zone) pairs among slots where both are
    /// retained zones and differ.
    pub top_pairs: Vec<ZonePairCount>,
}

/// The evaluation restricted to one segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentScore {
    pub segment: String,
    pub records: usize,
    pub score: f64,
    pub individual: f64,
    pub distribution: f64,
    pub behavior: f64,
    pub activity_accuracy: f64,
    /// Location task only.
    pub joint_accuracy: Option<f64>,
    pub hourly_activity_jsd_mean: f64,
}

/// A person shown with real and generated diaries side by side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepresentativePerson {
    pub person_id: String,
    pub segment: String,
    /// Slots that differ (activity, or activity@zone in the location task).
    pub mismatched_slots: usize,
    pub real: String,
    pub generated: String,
}

/// Everything [`attribution`] finds, as JSON (serde) or text ([`AttributionRecord::to_text`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttributionRecord {
    pub task: String,
    pub records: usize,
    pub score: f64,
    pub individual: f64,
    pub distribution: f64,
    pub behavior: f64,
    /// Every diagnostic, biggest contribution first.
    pub ranked_diagnostics: Vec<Diagnostic>,
    /// 24 rows × 5 activities (Home, Work, School, Others, Travel): the real share of
    /// people in each activity at each hour (the generated share is this plus
    /// `hourly_share_error`). Empty in records written before it was added.
    #[serde(default)]
    pub hourly_real_share: Vec<Vec<f64>>,
    /// 24 rows × 5 activities (Home, Work, School, Others, Travel): generated − real share.
    pub hourly_share_error: Vec<Vec<f64>>,
    /// The cells of largest |error|.
    pub biggest_share_errors: Vec<HourlyShareError>,
    /// Rows real, columns generated, activity order Home, Work, School, Others, Travel.
    pub activity_confusion: Vec<Vec<u64>>,
    pub zone_confusion: Option<ZoneConfusion>,
    /// Segments with at least one record, in segment order.
    pub segments: Vec<SegmentScore>,
    /// Segment names, worst sub-Score first (segments with ≥30 records first).
    pub worst_segments: Vec<String>,
    pub representatives: Vec<RepresentativePerson>,
}

const ACT_CHARS: [char; ACTS] = ['H', 'W', 'S', 'O', 'T'];

/// One char per slot: H W S O T.
pub fn activity_string(diary: &Diary) -> String {
    diary
        .activities
        .iter()
        .map(|&a| ACT_CHARS[a as usize])
        .collect()
}

/// One char per slot, then (location task) the zones as runs: `HHHTWW… @ 70x3 Tx1 85x2…`.
pub fn diary_string(diary: &Diary, zones: Option<&ZoneTable>) -> String {
    let mut s = activity_string(diary);
    match (zones, &diary.locations) {
        (Some(zones), Some(locs)) => {
            s.push_str(" @");
            let mut h = 0;
            while h < SLOTS {
                let mut end = h + 1;
                while end < SLOTS && locs[end] == locs[h] {
                    end += 1;
                }
                let _ = write!(s, " {}x{}", zone_code(zones, locs[h]), end - h);
                h = end;
            }
        }
        (Some(_), None) => s.push_str(" @ (no locations)"),
        _ => {}
    }
    s
}

fn mismatches(real: &Diary, generated: &Diary, joint: bool) -> usize {
    (0..SLOTS)
        .filter(|&h| {
            real.activities[h] != generated.activities[h]
                || (joint && real.locations.map(|l| l[h]) != generated.locations.map(|l| l[h]))
        })
        .count()
}

/// Explains `evaluation` (which must be `evaluate(bench, persons, real, generated)`).
/// Deterministic: ties are broken by segment order and person index.
pub fn attribution(
    bench: &Benchmark,
    persons: &[Person],
    real: &[Diary],
    generated: &[Diary],
    evaluation: &Evaluation,
    opts: &AttributionOptions,
) -> AttributionRecord {
    let location_task = bench.task == Task::ActivityLocation;
    let n = persons.len();

    let mut ranked = evaluation.diagnostics.clone();
    ranked.sort_by(|a, b| b.contribution().total_cmp(&a.contribution()));

    // Hourly shares and the activity confusion.
    let mut real_hourly = [[0u64; ACTS]; SLOTS];
    let mut gen_hourly = [[0u64; ACTS]; SLOTS];
    let mut confusion = vec![vec![0u64; ACTS]; ACTS];
    for (r, g) in real.iter().zip(generated) {
        for h in 0..SLOTS {
            let (ra, ga) = (r.activities[h] as usize, g.activities[h] as usize);
            real_hourly[h][ra] += 1;
            gen_hourly[h][ga] += 1;
            confusion[ra][ga] += 1;
        }
    }
    let share = |c: u64| if n == 0 { 0.0 } else { c as f64 / n as f64 };
    let hourly_real_share: Vec<Vec<f64>> = (0..SLOTS)
        .map(|h| (0..ACTS).map(|a| share(real_hourly[h][a])).collect())
        .collect();
    let hourly_share_error: Vec<Vec<f64>> = (0..SLOTS)
        .map(|h| {
            (0..ACTS)
                .map(|a| share(gen_hourly[h][a]) - share(real_hourly[h][a]))
                .collect()
        })
        .collect();
    let mut cells: Vec<HourlyShareError> = (0..SLOTS)
        .flat_map(|h| (0..ACTS).map(move |a| (h, a)))
        .map(|(h, a)| HourlyShareError {
            hour: h,
            activity: Activity::from_index(a).name().to_string(),
            real_share: share(real_hourly[h][a]),
            generated_share: share(gen_hourly[h][a]),
            error: hourly_share_error[h][a],
        })
        .filter(|c| c.error != 0.0)
        .collect();
    cells.sort_by(|a, b| b.error.abs().total_cmp(&a.error.abs()));
    cells.truncate(opts.top_cells);

    let zone_confusion =
        location_task.then(|| zone_confusion(bench, persons, real, generated, opts));

    // Per-segment evaluations.
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); Segment::COUNT];
    for (i, p) in persons.iter().enumerate() {
        members[p.segment().index()].push(i);
    }
    let mut segments = Vec::new();
    let mut order: Vec<(bool, f64, usize)> = Vec::new(); // (small, score, segment)
    for (s, idx) in members.iter().enumerate() {
        if idx.is_empty() {
            continue;
        }
        let sp: Vec<Person> = idx.iter().map(|&i| persons[i].clone()).collect();
        let sr: Vec<Diary> = idx.iter().map(|&i| real[i]).collect();
        let sg: Vec<Diary> = idx.iter().map(|&i| generated[i]).collect();
        let e = evaluate(bench, &sp, &sr, &sg);
        let acc_name = if location_task {
            "activity_accuracy_error"
        } else {
            "slot_accuracy_error"
        };
        segments.push(SegmentScore {
            segment: Segment::from_index(s).name(),
            records: idx.len(),
            score: e.score,
            individual: e.individual,
            distribution: e.distribution,
            behavior: e.behavior,
            activity_accuracy: 1.0 - e.value(acc_name).unwrap_or(1.0),
            joint_accuracy: e.value("joint_accuracy_error").map(|v| 1.0 - v),
            hourly_activity_jsd_mean: e.value("hourly_activity_jsd_mean").unwrap_or(0.0),
        });
        order.push((idx.len() < MIN_SEGMENT_RECORDS, e.score, s));
    }
    order.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)).then(a.2.cmp(&b.2)));
    let worst_segments: Vec<String> = order
        .iter()
        .map(|&(_, _, s)| Segment::from_index(s).name())
        .collect();

    // Representatives: round-robin over the worst segments, worst-matching person first.
    let ranked_people: Vec<Vec<(usize, usize)>> = order
        .iter()
        .map(|&(_, _, s)| {
            let mut v: Vec<(usize, usize)> = members[s]
                .iter()
                .map(|&i| (mismatches(&real[i], &generated[i], location_task), i))
                .collect();
            v.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            v
        })
        .collect();
    let zones = bench.zones_for_io();
    let mut representatives = Vec::new();
    let mut round = 0;
    while representatives.len() < opts.representatives.min(n) {
        for list in &ranked_people {
            if representatives.len() >= opts.representatives {
                break;
            }
            if let Some(&(miss, i)) = list.get(round) {
                representatives.push(RepresentativePerson {
                    person_id: persons[i].id.clone(),
                    segment: persons[i].segment().name(),
                    mismatched_slots: miss,
                    real: diary_string(&real[i], zones),
                    generated: diary_string(&generated[i], zones),
                });
            }
        }
        round += 1;
    }

    AttributionRecord {
        task: task_name(bench.task).to_string(),
        records: n,
        score: evaluation.score,
        individual: evaluation.individual,
        distribution: evaluation.distribution,
        behavior: evaluation.behavior,
        ranked_diagnostics: ranked,
        hourly_real_share,
        hourly_share_error,
        biggest_share_errors: cells,
        activity_confusion: confusion,
        zone_confusion,
        segments,
        worst_segments,
        representatives,
    }
}

fn zone_confusion(
    bench: &Benchmark,
    persons: &[Person],
    real: &[Diary],
    generated: &[Diary],
    opts: &AttributionOptions,
) -> ZoneConfusion {
    let space = LocationSpace::new(&bench.zones, &[real, generated]);
    let class = |loc: usize, home: usize| -> usize {
        if loc == home {
            0
        } else if space.is_retained(loc) {
            1
        } else if loc == 0 {
            2
        } else {
            3
        }
    };
    let mut home_away = vec![vec![0u64; 4]; 4];
    let r = space.retained + 1;
    let mut pairs = vec![0u64; r * r];
    for ((p, rd), gd) in persons.iter().zip(real).zip(generated) {
        let home = home_index(p);
        let (rl, gl) = (space.slots(rd), space.slots(gd));
        for h in 0..SLOTS {
            home_away[class(rl[h], home)][class(gl[h], home)] += 1;
            if rl[h] != gl[h] && space.is_retained(rl[h]) && space.is_retained(gl[h]) {
                pairs[rl[h] * r + gl[h]] += 1;
            }
        }
    }
    let mut top: Vec<(u64, usize)> = pairs
        .iter()
        .enumerate()
        .filter(|(_, &c)| c > 0)
        .map(|(i, &c)| (c, i))
        .collect();
    top.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    top.truncate(opts.top_zone_pairs);
    ZoneConfusion {
        classes: ["home", "away", "T", "unknown"].map(String::from).to_vec(),
        home_away,
        top_pairs: top
            .into_iter()
            .map(|(c, i)| ZonePairCount {
                real: zone_code(&bench.zones, Loc((i / r) as u16)),
                generated: zone_code(&bench.zones, Loc((i % r) as u16)),
                slots: c,
            })
            .collect(),
    }
}

impl AttributionRecord {
    /// Compact text for people and the evolving agent (a few KB).
    pub fn to_text(&self) -> String {
        self.to_text_with(&AttributionOptions::default())
    }

    /// [`AttributionRecord::to_text`] with explicit list lengths.
    pub fn to_text_with(&self, opts: &AttributionOptions) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "ATTRIBUTION task={} records={} score={:.4} (individual {:.4}, distribution {:.4}, behavior {:.4})",
            self.task, self.records, self.score, self.individual, self.distribution, self.behavior
        );
        if opts.top_diagnostics > 0 {
            let _ = writeln!(
                s,
                "\nTop diagnostics by contribution (name value x weight):"
            );
        }
        for d in self.ranked_diagnostics.iter().take(opts.top_diagnostics) {
            let _ = writeln!(
                s,
                "  {:<36} {:.4}{}  [{}]",
                d.name,
                d.value,
                if d.weight != 1.0 {
                    format!(" x{}", d.weight)
                } else {
                    String::new()
                },
                d.group.name()
            );
        }
        let _ = writeln!(
            s,
            "\nHourly activity share error, generated - real, percentage points (H W S O T):"
        );
        for (h, row) in self.hourly_share_error.iter().enumerate() {
            let _ = write!(s, "  h{h:02}");
            for v in row {
                let _ = write!(s, " {:+6.1}", v * 100.0);
            }
            s.push('\n');
        }
        let _ = writeln!(s, "Biggest cells:");
        for c in &self.biggest_share_errors {
            let _ = writeln!(
                s,
                "  h{:02} {:<6} real {:5.1}% generated {:5.1}% ({:+.1} pp)",
                c.hour,
                c.activity,
                c.real_share * 100.0,
                c.generated_share * 100.0,
                c.error * 100.0
            );
        }
        let _ = writeln!(
            s,
            "\nActivity confusion, % of real slots (rows real, cols generated H W S O T):"
        );
        for (a, row) in self.activity_confusion.iter().enumerate() {
            let total: u64 = row.iter().sum();
            let _ = write!(s, "  {} n={:<7}", ACT_CHARS[a], total);
            for &c in row {
                let pct = if total == 0 {
                    0.0
                } else {
                    c as f64 * 100.0 / total as f64
                };
                let _ = write!(s, " {pct:5.1}");
            }
            s.push('\n');
        }
        if let Some(z) = &self.zone_confusion {
            let _ = writeln!(
                s,
                "\nLocation class confusion, slots (rows real, cols generated {}):",
                z.classes.join(" ")
            );
            for (name, row) in z.classes.iter().zip(&z.home_away) {
                let _ = write!(s, "  {name:<8}");
                for c in row {
                    let _ = write!(s, " {c:>8}");
                }
                s.push('\n');
            }
            if !z.top_pairs.is_empty() {
                let _ = write!(s, "Top confused zone pairs (real->generated slots):");
                for p in &z.top_pairs {
                    let _ = write!(s, " {}->{} {};", p.real, p.generated, p.slots);
                }
                s.push('\n');
            }
        }
        let _ = writeln!(
            s,
            "\nSegments (records, score = ind + dist + beh, activity accuracy{}, hourly JSD mean):",
            if self.task == task_name(Task::ActivityLocation) {
                ", joint accuracy"
            } else {
                ""
            }
        );
        for seg in &self.segments {
            let _ = write!(
                s,
                "  {:<17} n={:<6} score {:.3} = {:.3} + {:.3} + {:.3}  acc {:.3}",
                seg.segment,
                seg.records,
                seg.score,
                seg.individual,
                seg.distribution,
                seg.behavior,
                seg.activity_accuracy
            );
            if let Some(j) = seg.joint_accuracy {
                let _ = write!(s, " joint {j:.3}");
            }
            let _ = writeln!(s, " hjsd {:.4}", seg.hourly_activity_jsd_mean);
        }
        let _ = writeln!(
            s,
            "Worst segments (>= {} records first): {}",
            MIN_SEGMENT_RECORDS,
            self.worst_segments.join(", ")
        );
        let _ = writeln!(
            s,
            "\nRepresentative people (one char per slot 00-23: H W S O T):"
        );
        for p in &self.representatives {
            let _ = writeln!(
                s,
                "  {} [{}] {} slots differ\n    real {}\n    gen  {}",
                p.person_id, p.segment, p.mismatched_slots, p.real, p.generated
            );
        }
        s
    }
}
