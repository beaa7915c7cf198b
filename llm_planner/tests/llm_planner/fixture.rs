//! Tiny prepared benchmarks of both tasks, written in the real format into a fresh folder,
//! and the scripted-server replies the tests send.

use agents::scripted_server::{text, Scripted};
use mobility::{
    write_diaries, Activity, Benchmark, DayType, Diary, Group, Loc, Person, PersonTable, Split,
    SplitData, ZoneTable, SLOTS,
};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

pub const FEATURES: [&str; 2] = ["age", "sex"];

/// A fresh folder under the target's temp dir.
pub fn temp_dir(name: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "llm-planner-{name}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A diary's activities from 24 letters: H(ome) W(ork) S(chool) O(thers) T(ravel).
pub fn acts(letters: &str) -> [Activity; SLOTS] {
    assert_eq!(letters.len(), SLOTS, "`{letters}` is not 24 slots");
    let mut out = [Activity::Home; SLOTS];
    for (slot, c) in out.iter_mut().zip(letters.chars()) {
        *slot = match c {
            'H' => Activity::Home,
            'W' => Activity::Work,
            'S' => Activity::School,
            'O' => Activity::Others,
            'T' => Activity::Travel,
            _ => panic!("unknown activity letter `{c}`"),
        };
    }
    out
}

/// One person of a fixture: id, group, age, sex, home and away zone (location task), diary.
#[derive(Clone)]
pub struct Row {
    pub id: String,
    pub group: Group,
    pub age: u32,
    pub sex: &'static str,
    pub home: &'static str,
    pub away: &'static str,
    pub letters: &'static str,
}

pub fn row(id: &str, group: Group, age: u32, sex: &'static str, letters: &'static str) -> Row {
    Row {
        id: id.to_string(),
        group,
        age,
        sex,
        home: "101",
        away: "102",
        letters,
    }
}

impl Row {
    pub fn at(mut self, home: &'static str, away: &'static str) -> Row {
        self.home = home;
        self.away = away;
        self
    }
}

/// Zones of the location fixture: 101 and 102 are 3 km apart, 103 is 40 km from 101.
pub fn zone_table() -> ZoneTable {
    ZoneTable::new(vec![
        ("101".to_string(), (0.0, 0.0)),
        ("102".to_string(), (3.0, 0.0)),
        ("103".to_string(), (0.0, 40.0)),
    ])
}

/// Writes and opens a benchmark (location task when `location`).
pub fn benchmark(name: &str, train: &[Row], val: &[Row], location: bool) -> Benchmark {
    let dir = temp_dir(&format!("bench-{name}"));
    let zones = location.then(zone_table);
    if let Some(z) = &zones {
        z.write(&dir.join("zones.csv")).unwrap();
    }
    for (split, rows) in [(Split::Train, train), (Split::Val, val)] {
        let split_dir = dir.join(split.name());
        std::fs::create_dir_all(&split_dir).unwrap();
        let mut persons = Vec::new();
        let mut diaries = Vec::new();
        for r in rows {
            let home = zones.as_ref().map(|z| z.lookup(r.home).unwrap());
            let away = zones.as_ref().map(|z| z.lookup(r.away).unwrap());
            let activities = acts(r.letters);
            persons.push(Person {
                id: r.id.clone(),
                household_id: format!("h{}", r.id),
                group: r.group,
                day_type: DayType::Weekday,
                home_zone: home,
                features: vec![r.age.to_string(), r.sex.to_string()],
            });
            diaries.push(Diary {
                activities,
                locations: away.map(|away| {
                    activities.map(|a| match a {
                        Activity::Home => home.unwrap(),
                        Activity::Travel => Loc::TRAVEL,
                        _ => away,
                    })
                }),
            });
        }
        let table = PersonTable {
            feature_names: FEATURES.map(String::from).to_vec(),
            persons,
        };
        table
            .write(&split_dir.join("persons.csv"), zones.as_ref())
            .unwrap();
        let file = std::fs::File::create(split_dir.join("diaries.csv")).unwrap();
        write_diaries(
            file,
            table.persons.iter().map(|p| p.id.as_str()).zip(&diaries),
            zones.as_ref(),
        )
        .unwrap();
    }
    Benchmark::open(&dir).unwrap()
}

pub fn read(bench: &Benchmark, split: Split) -> SplitData {
    bench.read_split(split).unwrap()
}

/// Train people: commuters living in 101 who work in 102 (9-hour Work spells, 2-hour
/// Others spells, 1-hour trips), students, and people at home.
pub fn train_rows() -> Vec<Row> {
    let mut rows = Vec::new();
    for i in 0..6u32 {
        rows.push(
            row(
                &format!("{}", 10 + i),
                Group::Employed,
                30 + 5 * i,
                if i % 2 == 0 { "female" } else { "male" },
                "HHHHHHHTWWWWWWWWWTOOHHHH",
            )
            .at("101", "102"),
        );
    }
    for i in 0..3u32 {
        rows.push(
            row(
                &format!("{}", 20 + i),
                Group::Student,
                10 + i,
                "male",
                "HHHHHHHTSSSSSSSTHHHHHHHH",
            )
            .at("102", "101"),
        );
    }
    rows.push(row("30", Group::Other, 70, "female", "HHHHHHHHHHOOTHHHHHHHHHHH").at("103", "103"));
    rows
}

/// Val people, all employed commuters living in 101 (their real diaries are irrelevant).
pub fn val_rows(n: usize) -> Vec<Row> {
    (0..n)
        .map(|i| {
            row(
                &format!("{}", 100 + i),
                Group::Employed,
                33 + i as u32,
                "female",
                "HHHHHHHHHHHHHHHHHHHHHHHH",
            )
            .at("101", "101")
        })
        .collect()
}

/// A planner reply with these steps `(activity, start, end, place)`.
pub fn plan_reply(steps: &[(&str, &str, &str, &str)]) -> Scripted {
    text(&plan_json(steps))
}

pub fn plan_json(steps: &[(&str, &str, &str, &str)]) -> String {
    let steps: Vec<serde_json::Value> = steps
        .iter()
        .map(|(a, s, e, p)| serde_json::json!({"activity": a, "start": s, "end": e, "place": p}))
        .collect();
    serde_json::json!({ "activities": steps }).to_string()
}

/// The commute plan of the tests: home, work (label), a stop at zone 101, home.
pub const COMMUTE: [(&str, &str, &str, &str); 4] = [
    ("Home", "00:00", "07:30", "home"),
    ("Work", "08:00", "17:00", "work"),
    ("Others", "17:30", "19:00", "101"),
    ("Home", "19:30", "24:00", "home"),
];

/// Its diary: Travel wins the half-hour ties at 07, 17 and 19.
pub const COMMUTE_SLOTS: &str = "HHHHHHHTWWWWWWWWWTOTHHHH";
