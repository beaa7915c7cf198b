//! Location task: every baseline puts Home at the target's home zone, Travel at `T`, and
//! every other activity at a retained zone.

use crate::fixture::{benchmark, read, varied_rows, varied_targets};
use baselines::{run, BaselineKind};
use mobility::{Activity, Loc, Split};

#[test]
fn home_at_home_zone_travel_at_t_others_at_retained_zones() {
    let bench = benchmark("location", &varied_rows(), &varied_targets(), true);
    let train = read(&bench, Split::Train);
    let val = read(&bench, Split::Val);
    for kind in BaselineKind::ALL {
        let diaries = run(kind, &bench, &train, val.people(), 8);
        let mut seen = [0usize; 5];
        for (person, diary) in val.people().iter().zip(&diaries) {
            let home = person.home_zone.unwrap();
            let locations = diary.locations.expect("location task must give zones");
            for (a, loc) in diary.activities.iter().zip(locations) {
                seen[a.index()] += 1;
                match a {
                    Activity::Home => assert_eq!(loc, home, "{kind}: Home away from home"),
                    Activity::Travel => assert_eq!(loc, Loc::TRAVEL, "{kind}: Travel not at T"),
                    _ => assert!(bench.zones.is_retained(loc), "{kind}: {a} at {loc:?}"),
                }
            }
        }
        // The checks above must have exercised every kind of slot.
        assert!(
            seen[Activity::Home.index()] > 0 && seen[Activity::Work.index()] > 0,
            "{kind}"
        );
        if kind != BaselineKind::Mnl {
            assert!(seen[Activity::Travel.index()] > 0, "{kind} never travels");
        }
    }
}
