//! The baselines learn from the train split only: val diaries (all Work) never leak into
//! what is generated for val people (train is all Home).

use crate::fixture::{benchmark, read, row};
use baselines::{run, BaselineKind};
use mobility::{Activity, Group, Split};

#[test]
fn val_diaries_never_leak_into_generated_val_diaries() {
    let home = "HHHHHHHHHHHHHHHHHHHHHHHH";
    let work = "WWWWWWWWWWWWWWWWWWWWWWWW";
    let mut train = Vec::new();
    let mut val = Vec::new();
    for i in 0..12u32 {
        let group = Group::ALL[i as usize % 3];
        let sex = if i % 2 == 0 { "female" } else { "male" };
        train.push(row(&format!("t{i}"), group, 20 + i * 4, sex, home));
        // Val people share features with train people, so a leak would show.
        val.push(row(&format!("v{i}"), group, 20 + i * 4, sex, work));
    }
    let bench = benchmark("train-only", &train, &val, false);
    let train = read(&bench, Split::Train);
    let val = read(&bench, Split::Val);
    assert!(val
        .diaries
        .iter()
        .all(|d| d.activities == [Activity::Work; 24]));
    for kind in BaselineKind::ALL {
        for diary in run(kind, &bench, &train, val.people(), 5) {
            assert_eq!(diary.activities, [Activity::Home; 24], "{kind}");
            assert_eq!(diary.locations, None, "{kind}: activity task has no zones");
        }
    }
}

#[test]
fn an_empty_train_split_gives_all_home_diaries_at_home() {
    let val = vec![row("v", Group::Student, 12, "male", &"S".repeat(24)).at("102", "103")];
    let bench = benchmark("empty-train", &[], &val, true);
    let train = read(&bench, Split::Train);
    let val = read(&bench, Split::Val);
    assert!(train.people().is_empty());
    let home = bench.zones.lookup("102").unwrap();
    for kind in BaselineKind::ALL {
        let diaries = run(kind, &bench, &train, val.people(), 5);
        assert_eq!(
            diaries,
            vec![mobility::Diary::all_home(Some(home))],
            "{kind}"
        );
    }
}
