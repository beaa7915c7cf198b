//! Same seed → byte-identical output; a different seed changes the stochastic baselines.

use crate::fixture::{benchmark, read, varied_rows, varied_targets};
use baselines::{run, BaselineKind};
use mobility::{write_diaries, Benchmark, Diary, Split};

fn csv(bench: &Benchmark, ids: &[String], diaries: &[Diary]) -> Vec<u8> {
    let mut out = Vec::new();
    write_diaries(
        &mut out,
        ids.iter().map(String::as_str).zip(diaries),
        bench.zones_for_io(),
    )
    .unwrap();
    out
}

#[test]
fn same_seed_gives_identical_files_and_another_seed_changes_stochastic_ones() {
    for location in [false, true] {
        let bench = benchmark("determinism", &varied_rows(), &varied_targets(), location);
        let train = read(&bench, Split::Train);
        let val = read(&bench, Split::Val);
        let ids: Vec<String> = val.people().iter().map(|p| p.id.clone()).collect();
        for kind in BaselineKind::ALL {
            let first = run(kind, &bench, &train, val.people(), 11);
            let again = run(kind, &bench, &train, val.people(), 11);
            assert_eq!(first.len(), val.people().len());
            assert_eq!(
                csv(&bench, &ids, &first),
                csv(&bench, &ids, &again),
                "{kind} (location {location}) is not reproducible"
            );
            let other = run(kind, &bench, &train, val.people(), 12);
            if kind.is_stochastic() {
                assert_ne!(first, other, "{kind} ignores the seed");
            }
            if matches!(kind, BaselineKind::Mnl | BaselineKind::Nearest1) {
                assert_eq!(first, other, "{kind} must not depend on the seed");
            }
        }
    }
}

#[test]
fn a_persons_diary_does_not_depend_on_the_other_targets() {
    let bench = benchmark("subset", &varied_rows(), &varied_targets(), true);
    let train = read(&bench, Split::Train);
    let val = read(&bench, Split::Val);
    for kind in BaselineKind::ALL {
        let all = run(kind, &bench, &train, val.people(), 3);
        let last = run(kind, &bench, &train, &val.people()[20..], 3);
        assert_eq!(&all[20..], &last[..], "{kind}");
    }
}

#[test]
fn names_round_trip() {
    for kind in BaselineKind::ALL {
        assert_eq!(BaselineKind::parse(kind.name()), Some(kind));
        assert_eq!(BaselineKind::parse(&kind.name().to_uppercase()), Some(kind));
    }
    assert_eq!(BaselineKind::parse("copula"), None);
}
