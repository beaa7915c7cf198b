//! Builders for tiny prepared benchmarks: persons and diaries written in the real format
//! into a fresh folder under the target's temp dir, then opened with `Benchmark::open`.

use mobility::{
    write_diaries, Activity, Benchmark, DayType, Diary, Group, Loc, Person, PersonTable, Split,
    SplitData, ZoneTable, SLOTS,
};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

pub const FEATURES: [&str; 3] = ["age", "sex", "labor_status"];

/// A diary from 24 letters: H(ome) W(ork) S(chool) O(thers) T(ravel).
pub fn acts(letters: &str) -> [Activity; SLOTS] {
    assert_eq!(letters.len(), SLOTS, "diary `{letters}` is not 24 slots");
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

/// One person with the fixture's features (age, sex, labor_status) and a diary.
#[derive(Clone)]
pub struct Row {
    pub id: String,
    pub group: Group,
    pub day_type: DayType,
    pub home: Option<&'static str>,
    pub features: [String; 3],
    pub activities: [Activity; SLOTS],
    /// Zone code per slot (location task); `None` = home zone for Home, `T` for Travel,
    /// `work_zone` for the rest.
    pub work_zone: &'static str,
}

pub fn row(id: &str, group: Group, age: u32, sex: &str, letters: &str) -> Row {
    Row {
        id: id.to_string(),
        group,
        day_type: DayType::Weekday,
        home: None,
        features: [age.to_string(), sex.to_string(), group.name().to_string()],
        activities: acts(letters),
        work_zone: "",
    }
}

impl Row {
    pub fn weekend(mut self) -> Row {
        self.day_type = DayType::Weekend;
        self
    }

    /// Location task: lives in `home`, Work/School/Others at `away`.
    pub fn at(mut self, home: &'static str, away: &'static str) -> Row {
        self.home = Some(home);
        self.work_zone = away;
        self
    }
}

/// Zones of the location fixture: code and centroid in km.
pub fn zone_table() -> ZoneTable {
    ZoneTable::new(vec![
        ("101".to_string(), (0.0, 0.0)),
        ("102".to_string(), (3.0, 0.0)),
        ("103".to_string(), (0.0, 8.0)),
    ])
}

fn person_and_diary(r: &Row, zones: Option<&ZoneTable>) -> (Person, Diary) {
    let home = zones.map(|z| {
        z.lookup(r.home.expect("location rows need a home"))
            .unwrap()
    });
    let locations = zones.map(|z| {
        let away = z
            .lookup(r.work_zone)
            .expect("location rows need an away zone");
        r.activities.map(|a| match a {
            Activity::Home => home.unwrap(),
            Activity::Travel => Loc::TRAVEL,
            _ => away,
        })
    });
    (
        Person {
            id: r.id.clone(),
            household_id: format!("hh{}", r.id),
            group: r.group,
            day_type: r.day_type,
            home_zone: home,
            features: r.features.to_vec(),
        },
        Diary {
            activities: r.activities,
            locations,
        },
    )
}

/// Writes a benchmark with the given train and val rows (location task when `location`)
/// and opens it.
pub fn benchmark(name: &str, train: &[Row], val: &[Row], location: bool) -> Benchmark {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "baselines-{name}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    let zones = location.then(zone_table);
    if let Some(z) = &zones {
        std::fs::create_dir_all(&dir).unwrap();
        z.write(&dir.join("zones.csv")).unwrap();
    }
    for (split, rows) in [(Split::Train, train), (Split::Val, val)] {
        let split_dir = dir.join(split.name());
        std::fs::create_dir_all(&split_dir).unwrap();
        let (persons, diaries): (Vec<Person>, Vec<Diary>) = rows
            .iter()
            .map(|r| person_and_diary(r, zones.as_ref()))
            .unzip();
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

/// A varied train set: three segments, several diary shapes, two homes and away zones.
pub fn varied_rows() -> Vec<Row> {
    let shapes = [
        "HHHHHHHTWWWWWWWWWTOOHHHH",
        "HHHHHHHHTWWWWWWWWTHHHHHH",
        "HHHHHHHTSSSSSSSTOOTHHHHH",
        "HHHHHHHHHHTOOOTHHHHHHHHH",
        "HHHHHHHHHHHHHHHHHHHHHHHH",
        "HHHHHHTWWWWWTOTWWWWTHHHH",
    ];
    let homes = [
        ("101", "102"),
        ("102", "103"),
        ("103", "101"),
        ("101", "101"),
    ];
    let mut rows = Vec::new();
    for i in 0..60usize {
        let group = Group::ALL[i % 3];
        let sex = if i % 2 == 0 { "female" } else { "male" };
        let (home, away) = homes[i % homes.len()];
        let mut r = row(
            &format!("t{i}"),
            group,
            18 + (i as u32 * 7) % 60,
            sex,
            shapes[i % shapes.len()],
        )
        .at(home, away);
        if i % 5 == 0 {
            r = r.weekend();
        }
        rows.push(r);
    }
    rows
}

/// Val people like the train ones (different ids and ages), with homes in each zone.
pub fn varied_targets() -> Vec<Row> {
    varied_rows()
        .into_iter()
        .take(30)
        .enumerate()
        .map(|(i, mut r)| {
            r.id = format!("v{i}");
            r.features[0] = (20 + i * 3).to_string();
            r
        })
        .collect()
}
