//! A valid plan becomes a valid diary on both tasks; the executor places, times and checks
//! plans as documented.

use crate::fixture::{
    acts, benchmark, plan_reply, read, row, temp_dir, train_rows, val_rows, COMMUTE, COMMUTE_SLOTS,
};
use crate::support::{config, generate, val_people};
use agents::scripted_server::ScriptedServer;
use llm_planner::plan::parse_plan;
use llm_planner::{PersonOutcome, StatisticalExecutor};
use mobility::{DiaryTable, Group, Loc, Split};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

#[tokio::test]
async fn a_valid_plan_becomes_the_expected_diary_on_the_activity_task() {
    let bench = benchmark("valid-activity", &train_rows(), &val_rows(1), false);
    let server = ScriptedServer::start(vec![plan_reply(&COMMUTE)]).await;
    let g = generate(config(&server.url), &bench, &temp_dir("cache")).await;
    assert_eq!(server.request_count(), 1);
    assert_eq!(g.people[0].outcome, PersonOutcome::Generated);
    let diary = g.diaries[0].unwrap();
    assert_eq!(diary.activities, acts(COMMUTE_SLOTS));
    assert_eq!(diary.locations, None);
}

#[tokio::test]
async fn a_valid_plan_becomes_a_valid_diary_with_zones_on_the_location_task() {
    let bench = benchmark("valid-location", &train_rows(), &val_rows(1), true);
    let server = ScriptedServer::start(vec![plan_reply(&COMMUTE)]).await;
    let g = generate(config(&server.url), &bench, &temp_dir("cache")).await;
    assert_eq!(g.people[0].outcome, PersonOutcome::Generated);
    let diary = g.diaries[0].unwrap();
    assert_eq!(diary.activities, acts(COMMUTE_SLOTS));
    let zone = |c: &str| bench.zones.lookup(c).unwrap();
    let l = diary.locations.unwrap();
    // Home at the home zone; `work` drawn from the train people of home 101 (all work in
    // 102); the stop at the zone the plan named; Travel at T.
    assert_eq!(l[0], zone("101"));
    assert_eq!(l[7], Loc::TRAVEL);
    assert_eq!(l[12], zone("102"));
    assert_eq!(l[18], zone("101"));
    assert_eq!(l[23], zone("101"));
    let val = read(&bench, Split::Val);
    let table = DiaryTable {
        person_ids: val.people().iter().map(|p| p.id.clone()).collect(),
        diaries: vec![diary],
    };
    let report = evaluator::check_validity(&bench, val.people(), &table);
    assert!(report.is_valid(), "{}", report.to_text());
}

fn execute(
    bench: &mobility::Benchmark,
    steps: &[(&str, &str, &str, &str)],
) -> Result<mobility::Diary, llm_planner::Infeasible> {
    let train = read(bench, Split::Train);
    let executor = StatisticalExecutor::fit(bench, &train);
    let plan = parse_plan(&crate::fixture::plan_json(steps)).unwrap();
    let person = &val_people(bench)[0];
    executor.execute(&plan, person, &mut ChaCha8Rng::seed_from_u64(1))
}

#[test]
fn spell_limits_come_from_the_train_runs() {
    let bench = benchmark("limits", &train_rows(), &val_rows(1), false);
    let executor = StatisticalExecutor::fit(&bench, &read(&bench, Split::Train));
    let hours = |a: mobility::Activity| executor.limits().max(a) / 60;
    // Runs of 9 Work, 7 School, 2 Others, 1 Travel slots: one hour more each; Home unlimited.
    assert_eq!(
        [
            mobility::Activity::Work,
            mobility::Activity::School,
            mobility::Activity::Others,
            mobility::Activity::Travel,
            mobility::Activity::Home
        ]
        .map(hours),
        [10, 8, 3, 2, 24]
    );
}

#[test]
fn abutting_steps_at_different_places_get_travel_between_them() {
    let bench = benchmark("abut", &train_rows(), &val_rows(1), false);
    // Work right after home at 08:00: 20 min of travel carved from the end of Home, which
    // then holds 07:00–07:40 (Home wins hour 7); back home at 17:00 with the trip 16:40–17:00.
    let d = execute(
        &bench,
        &[
            ("Home", "00:00", "08:00", "home"),
            ("Work", "08:00", "17:00", "office"),
            ("Home", "17:00", "24:00", ""),
        ],
    )
    .unwrap();
    assert_eq!(d.activities, acts("HHHHHHHHWWWWWWWWWHHHHHHH"));
    // Without hints consecutive Work and Others are two places: travel is inserted too.
    // An explicit Travel step holds its hours, and wins the tie at 12:00–12:30.
    let d = execute(
        &bench,
        &[
            ("Work", "08:00", "10:00", ""),
            ("Others", "10:00", "11:00", ""),
            ("Travel", "11:00", "12:30", ""),
        ],
    )
    .unwrap();
    assert_eq!(d.activities, acts("HHHHHHHHWWOTTHHHHHHHHHHH"));
}

#[test]
fn infeasible_plans_are_refused_with_every_reason() {
    let bench = benchmark("infeasible", &train_rows(), &val_rows(1), true);
    let err = execute(
        &bench,
        &[
            // Home away from the home zone (101).
            ("Home", "00:00", "06:00", "102"),
            // 17 h of Work: train's limit is 10 h.
            ("Work", "06:00", "23:00", "work"),
            // 10 min to go 40 km from the work zone (102) to 103.
            ("Others", "23:10", "23:50", "103"),
            // A zone that does not exist.
            ("Others", "23:50", "24:00", "999"),
        ],
    )
    .unwrap_err();
    let text = err.to_string();
    for expected in [
        "Home must be at the person's home zone 101",
        "Work from 06:00 to 23:00 lasts 17 h; in the training data a Work spell lasts at most 10 h",
        "leaves 10 min to travel 40.1 km from work (zone 102) to zone 103 (arriving at 23:10); that takes at least 31 min",
        "zone `999` is not one of the benchmark's zones",
    ] {
        assert!(text.contains(expected), "missing `{expected}` in: {text}");
    }
    assert_eq!(err.reasons.len(), 4, "{text}");
}

#[test]
fn the_same_label_is_the_same_place_and_a_long_trip_is_refused() {
    let train = vec![
        // From home 101 people work in 102 or 103, half and half.
        row("1", Group::Employed, 30, "f", "HHHHHHHTWWWWWWWWWTOOHHHH").at("101", "102"),
        row("2", Group::Employed, 30, "f", "HHHHHHHTWWWWWWWWWTOOHHHH").at("101", "103"),
    ];
    let bench = benchmark("labels", &train, &val_rows(1), true);
    let train = read(&bench, Split::Train);
    let executor = StatisticalExecutor::fit(&bench, &train);
    let plan = parse_plan(&crate::fixture::plan_json(&[
        ("Work", "06:00", "10:00", "job"),
        ("Others", "10:00", "11:00", "job"),
        ("Work", "12:00", "15:00", "job"),
    ]))
    .unwrap();
    let person = &val_people(&bench)[0];
    let mut zones_seen = std::collections::BTreeSet::new();
    for seed in 0..40 {
        match executor.execute(&plan, person, &mut ChaCha8Rng::seed_from_u64(seed)) {
            Ok(d) => {
                let l = d.locations.unwrap();
                assert_eq!(l[7], l[10], "one label, one place");
                assert_eq!(l[7], l[13]);
                zones_seen.insert(l[7]);
            }
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(zones_seen.len(), 2, "both train destinations are drawn");
    let long_trip = parse_plan(&crate::fixture::plan_json(&[
        ("Home", "00:00", "06:00", "home"),
        ("Travel", "06:00", "10:00", ""),
        ("Work", "10:00", "15:00", "102"),
    ]))
    .unwrap();
    let err = executor
        .execute(&long_trip, person, &mut ChaCha8Rng::seed_from_u64(0))
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("travel from 06:00 to 10:00 lasts 4 h; in the training data a Travel spell lasts at most 2 h"),
        "{err}"
    );
}

#[test]
fn home_zone_places_an_activity_in_the_persons_own_zone_and_examples_use_it() {
    let bench = benchmark("home-zone", &train_rows(), &val_rows(1), true);
    let d = execute(
        &bench,
        &[
            ("Home", "00:00", "09:00", "home"),
            ("Others", "09:00", "12:00", "home-zone"),
        ],
    )
    .unwrap();
    let l = d.locations.unwrap();
    assert_eq!(d.activities[10], mobility::Activity::Others);
    assert_eq!(
        l[10],
        bench.zones.lookup("101").unwrap(),
        "the person lives in 101"
    );
    // Train person 30 lives in 103 and goes out in 103: its example says `home-zone`.
    let train = read(&bench, Split::Train);
    let i = train.people().iter().position(|p| p.id == "30").unwrap();
    let reply = llm_planner::diary_as_reply(
        &train.diaries[i],
        train.people()[i].home_zone,
        llm_planner::ReplyFormat::Plan,
        &bench,
    );
    assert!(
        reply
            .contains(r#"{"activity":"Others","end":"12:00","place":"home-zone","start":"10:00"}"#),
        "{reply}"
    );
    // Executed back for the same person, the example is the person's own day.
    let plan = parse_plan(&reply).unwrap();
    let executor = StatisticalExecutor::fit(&bench, &train);
    let again = executor
        .execute(&plan, &train.people()[i], &mut ChaCha8Rng::seed_from_u64(0))
        .unwrap();
    assert_eq!(again, train.diaries[i]);
}
