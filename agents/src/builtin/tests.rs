//! The search's rules on small `params.rs` sources.

use super::search::*;
use super::*;

const PARAMS: &str = r#"//! Tunables.

/// How many similar training people retrieval samples among.
/// Range: 1..=50
/// Targets: slot_accuracy_error, pair_jsd
pub const RETRIEVAL_TOP_K: usize = 10;

/// Probability of shifting an activity block by one hour.
/// Range: 0.0..=0.5
/// Targets: hourly_activity_jsd_mean, first_nonhome_hour_jsd
pub const SHIFT_PROBABILITY: f64 = 0.2;

/// Weight of a feature.
/// Range: 0.0..=5.0
/// Targets: travel_count_jsd
pub const WEIGHT_SEX: f64 = 0.5;

/// Not tunable: no range.
pub const SLOT_COUNT: usize = 24;
"#;

fn ranked() -> Vec<(String, f64)> {
    vec![
        ("hourly_activity_jsd_mean".into(), 0.30),
        ("slot_accuracy_error".into(), 0.10),
        ("pair_jsd".into(), 0.05),
        ("travel_count_jsd".into(), 0.01),
    ]
}

fn tried(round: u32, tunable: &str, direction: Direction, step: f64, improvement: f64) -> PastMove {
    PastMove {
        round,
        tunable: tunable.into(),
        direction,
        step_fraction: step,
        accepted: false,
        improvement,
        combined: false,
        standard_error: None,
    }
}

/// Two rejected moves of different constants that each gained less than a floor of
/// 0.004, and together more.
fn two_promising_moves() -> Vec<PastMove> {
    vec![
        tried(
            1,
            "SHIFT_PROBABILITY",
            Direction::Up,
            MAX_STEP_FRACTION,
            0.003,
        ),
        tried(2, "WEIGHT_SEX", Direction::Down, 0.1, 0.002),
    ]
}

/// The one edit of a single move.
fn single(m: &PlannedMove) -> &Edit {
    assert_eq!(m.kind, MoveKind::Single, "{m:?}");
    assert_eq!(m.edits.len(), 1);
    &m.edits[0]
}

#[test]
fn parses_documented_constants_only() {
    let t = parse_tunables(PARAMS);
    assert_eq!(t.len(), 3);
    assert_eq!(t[0].name, "RETRIEVAL_TOP_K");
    assert!(t[0].integer);
    assert_eq!((t[0].value, t[0].lo, t[0].hi), (10.0, 1.0, 50.0));
    assert_eq!(
        t[1].targets,
        vec!["hourly_activity_jsd_mean", "first_nonhome_hour_jsd"]
    );
    assert_eq!(
        t[1].summary,
        "Probability of shifting an activity block by one hour."
    );
}

#[test]
fn picks_the_constant_tied_to_the_worst_diagnostic() {
    let t = parse_tunables(PARAMS);
    let m = plan_move(&t, &ranked(), &[], 0.0).unwrap();
    let e = single(&m);
    assert_eq!(
        (e.tunable.as_str(), e.direction),
        ("SHIFT_PROBABILITY", Direction::Up)
    );
    assert!((e.to - 0.25).abs() < 1e-9, "{}", e.to);
    assert_eq!(
        m.evidence,
        vec![("hourly_activity_jsd_mean".to_string(), 0.30)]
    );
}

#[test]
fn every_move_is_tried_once_before_a_failed_one_is_retried_smaller() {
    let t = parse_tunables(PARAMS);
    let fail = |round, dir, step| tried(round, "SHIFT_PROBABILITY", dir, step, -0.01);
    // After the up move failed, the down move of the same constant comes next.
    let m = plan_move(&t, &ranked(), &[fail(1, Direction::Up, 0.1)], 0.0).unwrap();
    assert_eq!(
        (single(&m).tunable.as_str(), single(&m).direction),
        ("SHIFT_PROBABILITY", Direction::Down)
    );
    // After both failed once, the next most relevant constant gets its turn …
    let mut h = vec![fail(1, Direction::Up, 0.1), fail(2, Direction::Down, 0.1)];
    let m = plan_move(&t, &ranked(), &h, 0.0).unwrap();
    assert_eq!(single(&m).tunable, "RETRIEVAL_TOP_K");
    for (round, direction) in [(3, Direction::Up), (4, Direction::Down)] {
        h.push(tried(round, "RETRIEVAL_TOP_K", direction, 0.1, -0.01));
    }
    // … then the least relevant one, untried: breadth before depth …
    let m = plan_move(&t, &ranked(), &h, 0.0).unwrap();
    assert_eq!(single(&m).tunable, "WEIGHT_SEX");
    for (round, direction) in [(5, Direction::Up), (6, Direction::Down)] {
        h.push(tried(round, "WEIGHT_SEX", direction, 0.1, -0.01));
    }
    // … and once every move failed, the most relevant returns with half the step.
    let m = plan_move(&t, &ranked(), &h, 0.0).unwrap();
    assert_eq!(single(&m).tunable, "SHIFT_PROBABILITY");
    assert!((single(&m).step_fraction - 0.05).abs() < 1e-12);
    // Exhausted moves are never proposed again.
    let mut h = Vec::new();
    let mut step = 0.1;
    while step >= MIN_STEP_FRACTION {
        h.push(fail(0, Direction::Up, step));
        h.push(fail(0, Direction::Down, step));
        step /= 2.0;
    }
    let m = plan_move(&t, &ranked(), &h, 0.0).unwrap();
    assert_ne!(single(&m).tunable, "SHIFT_PROBABILITY");
}

#[test]
fn an_accepted_move_is_repeated_with_the_same_step() {
    let mut t = parse_tunables(PARAMS);
    t[1].value = 0.275;
    let h = vec![PastMove {
        accepted: true,
        ..tried(1, "SHIFT_PROBABILITY", Direction::Down, 0.05, 0.02)
    }];
    let m = plan_move(&t, &ranked(), &h, 0.0).unwrap();
    let e = single(&m);
    assert_eq!(
        (e.tunable.as_str(), e.direction),
        ("SHIFT_PROBABILITY", Direction::Down)
    );
    assert!((e.to - 0.25).abs() < 1e-9);
}

#[test]
fn a_promising_move_grows_until_it_stops_helping_then_settles() {
    let t = parse_tunables(PARAMS);
    let promising = tried(1, "SHIFT_PROBABILITY", Direction::Up, 0.1, 0.004);
    let m = plan_move(&t, &ranked(), std::slice::from_ref(&promising), 0.0).unwrap();
    let e = single(&m);
    assert_eq!(
        (e.tunable.as_str(), e.direction),
        ("SHIFT_PROBABILITY", Direction::Up)
    );
    assert!((e.step_fraction - 0.2).abs() < 1e-12);
    assert!((e.to - 0.3).abs() < 1e-9);
    // Twice the step did worse: the move is settled, not retried at either step.
    let worse = tried(2, "SHIFT_PROBABILITY", Direction::Up, 0.2, 0.001);
    let h = vec![promising.clone(), worse];
    for _ in 0..2 {
        let m = plan_move(&t, &ranked(), &h, 0.0).unwrap();
        assert!(
            !(single(&m).tunable == "SHIFT_PROBABILITY" && single(&m).direction == Direction::Up)
        );
    }
    // Once it reached the largest step, it is settled too.
    let at_max = tried(
        1,
        "SHIFT_PROBABILITY",
        Direction::Up,
        MAX_STEP_FRACTION,
        0.004,
    );
    let m = plan_move(&t, &ranked(), &[at_max], 0.0).unwrap();
    assert!(!(single(&m).tunable == "SHIFT_PROBABILITY" && single(&m).direction == Direction::Up));
}

#[test]
fn a_move_that_changed_nothing_ends_that_direction_only() {
    let t = parse_tunables(PARAMS);
    let h = vec![tried(1, "SHIFT_PROBABILITY", Direction::Up, 0.1, 0.0)];
    let m = plan_move(&t, &ranked(), &h, 0.0).unwrap();
    let e = single(&m);
    assert_eq!(
        (e.tunable.as_str(), e.direction),
        ("SHIFT_PROBABILITY", Direction::Down)
    );
    let mut h = h;
    h.push(tried(2, "SHIFT_PROBABILITY", Direction::Down, 0.1, 0.0));
    let m = plan_move(&t, &ranked(), &h, 0.0).unwrap();
    assert_ne!(single(&m).tunable, "SHIFT_PROBABILITY");
}

#[test]
fn gains_below_a_share_of_the_noise_floor_are_failures() {
    let t = parse_tunables(PARAMS);
    let floor = 0.008;
    let h = vec![tried(1, "SHIFT_PROBABILITY", Direction::Up, 0.1, 0.001)];
    // 0.001 < 0.25 × 0.008: not promising, so the step is halved, not doubled.
    let m = plan_move(&t, &ranked(), &h, floor).unwrap();
    assert_eq!(single(&m).direction, Direction::Down);
    assert!(MoveMemory::of(&t[1], Direction::Up, &h, floor)
        .gain
        .is_none());
    let next = MoveMemory::of(&t[1], Direction::Up, &h, floor)
        .next
        .unwrap();
    assert!((next.edit.step_fraction - 0.05).abs() < 1e-12);
    // With a floor of 0.002 the same gain is promising.
    let next = MoveMemory::of(&t[1], Direction::Up, &h, 0.002)
        .next
        .unwrap();
    assert!((next.edit.step_fraction - 0.2).abs() < 1e-12);
}

#[test]
fn a_try_too_small_to_tell_from_the_noise_is_retried_larger_a_harmful_one_smaller() {
    let t = parse_tunables(PARAMS);
    let measured = |improvement, se| PastMove {
        standard_error: Some(se),
        ..tried(1, "SHIFT_PROBABILITY", Direction::Up, 0.1, improvement)
    };
    let next_step = |h: &[PastMove]| {
        MoveMemory::of(&t[1], Direction::Up, h, 0.01)
            .next
            .map(|n| n.edit.step_fraction)
    };
    // −0.003 ± 0.002 is within two standard errors of no effect: twice the step next.
    let small = measured(-0.003, 0.002);
    assert_eq!(next_step(std::slice::from_ref(&small)), Some(0.2));
    // −0.01 ± 0.002 shows harm: half the step next.
    assert_eq!(next_step(&[measured(-0.01, 0.002)]), Some(0.05));
    // Without a standard error (an undone accepted change, an old record) nothing is known
    // of the noise: half the step, as before.
    assert_eq!(
        next_step(&[tried(1, "SHIFT_PROBABILITY", Direction::Up, 0.1, -0.003)]),
        Some(0.05)
    );
    // The larger step was inconclusive too: larger still, up to the largest step …
    let larger = PastMove {
        step_fraction: 0.2,
        ..measured(-0.001, 0.002)
    };
    assert_eq!(next_step(&[small.clone(), larger.clone()]), Some(0.4));
    // … but once a try shows harm, the search goes smaller than anything tried.
    let harmful = PastMove {
        step_fraction: 0.4,
        ..measured(-0.02, 0.002)
    };
    assert_eq!(next_step(&[small, larger, harmful]), Some(0.05));
    // A larger step that the range clamps to a value already tried is not a new try.
    let mut near_top = parse_tunables(PARAMS);
    near_top[1].value = 0.45;
    let at_top = MoveMemory::of(
        &near_top[1],
        Direction::Up,
        &[measured(-0.001, 0.002)],
        0.01,
    )
    .next
    .map(|n| n.edit.step_fraction);
    assert_eq!(at_top, Some(0.05));
}

#[test]
fn gains_within_the_noise_are_combined_until_a_combination_is_tried() {
    let t = parse_tunables(PARAMS);
    let floor = 0.004;
    let mut h = two_promising_moves();
    // Together they gained more than the floor: proposed together, strongest first.
    let m = plan_move(&t, &ranked(), &h, floor).unwrap();
    assert_eq!(m.kind, MoveKind::Combination);
    assert_eq!(m.tunables(), "SHIFT_PROBABILITY + WEIGHT_SEX");
    assert!((m.priority - 0.005).abs() < 1e-12);
    let new = rewrite(PARAMS, &m).unwrap();
    assert!(
        new.contains("pub const SHIFT_PROBABILITY: f64 = 0.5;"),
        "{new}"
    );
    assert!(new.contains("pub const WEIGHT_SEX: f64 = 0.0;"), "{new}");
    // Not when they gained less than the floor together.
    let m = plan_move(&t, &ranked(), &h, 0.006).unwrap();
    assert_eq!(m.kind, MoveKind::Single);
    // A third promising move: all three first …
    h.push(tried(3, "RETRIEVAL_TOP_K", Direction::Down, 0.1, 0.0015));
    let m = plan_move(&t, &ranked(), &h, floor).unwrap();
    assert_eq!(
        m.tunables(),
        "SHIFT_PROBABILITY + WEIGHT_SEX + RETRIEVAL_TOP_K"
    );
    // … and once all three failed together, the strongest two.
    h.extend(m.outcomes(4, false, -0.001, None));
    let m = plan_move(&t, &ranked(), &h, floor).unwrap();
    assert_eq!(m.tunables(), "SHIFT_PROBABILITY + WEIGHT_SEX");
    // A failed combination is no failure of its moves alone, and is not tried again.
    h.extend(m.outcomes(5, false, -0.001, None));
    let m = plan_move(&t, &ranked(), &h, floor).unwrap();
    assert_eq!(m.kind, MoveKind::Single);
    let shift = MoveMemory::of(&t[1], Direction::Up, &h, floor);
    assert!((shift.gain.unwrap().1 - 0.003).abs() < 1e-12);
}

#[test]
fn after_an_accepted_combination_undoing_it_comes_last() {
    let mut t = parse_tunables(PARAMS);
    let h0 = two_promising_moves();
    let combination = plan_move(&t, &ranked(), &h0, 0.004).unwrap();
    let mut h = h0.clone();
    h.extend(combination.outcomes(3, true, 0.005, None));
    t[1].value = 0.5;
    t[2].value = 0.0;
    // Both constants changed: no promising moves are left to combine; undoing either
    // change is known to be worse, so the untried constant comes first …
    let m = plan_move(&t, &ranked(), &h, 0.004).unwrap();
    assert_eq!(single(&m).tunable, "RETRIEVAL_TOP_K", "{m:?}");
    for (round, direction) in [(4, Direction::Up), (5, Direction::Down)] {
        h.push(tried(round, "RETRIEVAL_TOP_K", direction, 0.1, -0.01));
    }
    // … then a partial undo: half of the accepted step back.
    let m = plan_move(&t, &ranked(), &h, 0.004).unwrap();
    let e = single(&m);
    assert_eq!(
        (e.tunable.as_str(), e.direction),
        ("SHIFT_PROBABILITY", Direction::Down)
    );
    assert!((e.step_fraction - MAX_STEP_FRACTION / 2.0).abs() < 1e-12);
}

#[test]
fn integer_moves_change_by_at_least_one_and_respect_the_range() {
    let t = Tunable {
        name: "K".into(),
        integer: true,
        value: 2.0,
        lo: 1.0,
        hi: 3.0,
        targets: vec![],
        summary: String::new(),
    };
    assert_eq!(step(&t, Direction::Up, 0.01), Some(3.0));
    assert_eq!(step(&t, Direction::Down, 0.9), Some(1.0));
    let at_top = Tunable { value: 3.0, ..t };
    assert_eq!(step(&at_top, Direction::Up, 0.5), None);
}

#[test]
fn rewrite_and_diff_change_exactly_one_line() {
    let t = parse_tunables(PARAMS);
    let m = plan_move(&t, &ranked(), &[], 0.0).unwrap();
    let new = rewrite(PARAMS, &m).unwrap();
    assert!(new.contains("pub const SHIFT_PROBABILITY: f64 = 0.25;"));
    assert_eq!(parse_tunables(&new)[1].value, 0.25);
    let diff = unified_diff(PARAMS_PATH, PARAMS, &new);
    assert!(diff.starts_with("--- a/heuristics/src/params.rs\n+++ b/heuristics/src/params.rs\n@@"));
    assert_eq!(
        diff.lines()
            .filter(|l| l.starts_with('-') && !l.starts_with("---"))
            .count(),
        1
    );
    assert_eq!(
        diff.lines()
            .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
            .count(),
        1
    );
    assert!(m.hypothesis().contains("from 0.2 to 0.25"));
}

/// A worktree of one file whose previews favour moves of `WEIGHT_SEX`.
struct PreviewBench {
    params: std::sync::Mutex<String>,
    previews: std::sync::atomic::AtomicUsize,
}

#[async_trait::async_trait]
impl Workbench for PreviewBench {
    fn list_files(&self) -> Vec<String> {
        vec![PARAMS_PATH.into()]
    }
    fn read_file(&self, _: &str) -> Result<String, String> {
        Ok(self.params.lock().unwrap().clone())
    }
    fn search(&self, _: &str) -> Vec<crate::contract::SearchHit> {
        vec![]
    }
    fn write_file(&self, _: &str, content: &str) -> Result<(), String> {
        *self.params.lock().unwrap() = content.to_string();
        Ok(())
    }
    fn apply_diff(&self, _: &str) -> Result<(), String> {
        Err("not here".into())
    }
    async fn check_build(&self) -> crate::contract::CheckOutcome {
        crate::contract::CheckOutcome {
            ok: true,
            errors: String::new(),
        }
    }
    fn current_diff(&self) -> String {
        String::new()
    }
    fn reset(&self) {
        *self.params.lock().unwrap() = PARAMS.to_string();
    }
    async fn preview(&self) -> crate::contract::Preview {
        self.previews
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let text = self.params.lock().unwrap().clone();
        let moved_sex = !text.contains("pub const WEIGHT_SEX: f64 = 0.5;");
        crate::contract::Preview {
            text: "preview".into(),
            improvement: Some(if moved_sex { 0.02 } else { -0.01 }),
            standard_error: Some(0.005),
        }
    }
}

#[tokio::test]
async fn the_move_with_the_best_preview_is_proposed_and_every_preview_recorded() {
    let bench = PreviewBench {
        params: std::sync::Mutex::new(PARAMS.to_string()),
        previews: Default::default(),
    };
    let context = BuiltinContext {
        ranked_diagnostics: ranked(),
        builtin_history: vec![],
        noise_floor: 0.01,
    };
    let request = ProposalRequest {
        run_id: 1,
        round: 1,
        system_prompt: String::new(),
        round_prompt: String::new(),
        worktree: std::path::PathBuf::from("."),
        context: serde_json::to_value(&context).unwrap(),
    };
    let proposal = BuiltinAgent.propose(&request, &bench).await.unwrap();
    // WEIGHT_SEX ranks last by attribution, but its preview is the only good one.
    let Change::Diff(diff) = &proposal.change else {
        panic!("{:?}", proposal.change)
    };
    assert!(diff.contains("+pub const WEIGHT_SEX"), "{diff}");
    let previewed = proposal.transcript["previewed"].as_array().unwrap();
    assert_eq!(previewed.len(), PREVIEWED_MOVES);
    assert_eq!(
        bench.previews.load(std::sync::atomic::Ordering::SeqCst),
        PREVIEWED_MOVES
    );
    // The worktree is back to the parent after the previews.
    assert_eq!(*bench.params.lock().unwrap(), PARAMS);
    let planned: PlannedMove =
        serde_json::from_value(proposal.transcript["builtin_move"].clone()).unwrap();
    assert_eq!(planned.edits[0].tunable, "WEIGHT_SEX");
}
