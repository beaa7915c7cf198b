//! Integration tests of the survey importers: hand-made tiny surveys for the rules,
//! malformed inputs, and the two real surveys of `shared/data`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use survey::{prepare, PrepareError, PrepareSummary, SurveyConfig};

/// A fresh, empty temporary folder (removed at the end of a passing test).
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "survey-test-{}-{tag}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
    fn path(&self) -> &Path {
        &self.0
    }
    fn write(&self, rel: &str, text: impl AsRef<[u8]>) {
        let p = self.0.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

fn config(text: &str) -> SurveyConfig {
    SurveyConfig::from_toml_str(text, Path::new("test.toml")).unwrap()
}

/// Reads `<dir>/<split>/diaries.csv` into id → (activities, locations).
fn diaries(dir: &Path, split: &str) -> Vec<(String, Vec<String>, Vec<String>)> {
    let text = std::fs::read_to_string(dir.join(split).join("diaries.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let acts = f[1..25].iter().map(|s| s.to_string()).collect();
            let locs = if header.len() > 25 {
                f[25..49].iter().map(|s| s.to_string()).collect()
            } else {
                Vec::new()
            };
            (f[0].to_string(), acts, locs)
        })
        .collect()
}

fn all_diaries(dir: &Path) -> Vec<(String, String, Vec<String>, Vec<String>)> {
    ["train", "val", "test"]
        .iter()
        .flat_map(|s| {
            diaries(dir, s)
                .into_iter()
                .map(move |(id, a, l)| (s.to_string(), id, a, l))
        })
        .collect()
}

fn find<'a>(
    all: &'a [(String, String, Vec<String>, Vec<String>)],
    id: &str,
) -> &'a (String, String, Vec<String>, Vec<String>) {
    all.iter()
        .find(|d| d.1 == id)
        .unwrap_or_else(|| panic!("no diary for {id}"))
}

/// `n` copies of `s`.
fn rep(s: &str, n: usize) -> Vec<String> {
    vec![s.to_string(); n]
}

fn cat(parts: &[Vec<String>]) -> Vec<String> {
    parts.concat()
}

mod split_hash {
    use survey::{canonical_id, split_of, split_value};

    #[test]
    fn known_vectors() {
        // Expected values computed with
        //   python3 -c "import hashlib; print(int.from_bytes(hashlib.sha256(s.encode()).digest(),'big') % 100)"
        let vectors = [
            ("1", 15),
            ("3", 78),
            ("9", 87),
            ("42", 53),
            ("100010", 48),
            ("20140101140007", 11),
            ("abc", 65),
        ];
        for (id, v) in vectors {
            assert_eq!(split_value(id), v, "id {id}");
        }
        assert_eq!(split_of("1"), mobility::Split::Train);
        assert_eq!(split_of("3"), mobility::Split::Val);
        assert_eq!(split_of("9"), mobility::Split::Test);
        // The decimal string has no ".0".
        assert_eq!(canonical_id("100010.0"), "100010");
        assert_eq!(split_value("100010.0"), 48);
        assert_eq!(canonical_id("1.5"), "1.5");
    }
}

mod episodes {
    use super::*;

    pub const CONFIG: &str = r#"
name = "tiny-episodes"
[persons]
file = "persons.csv"
id = "pid"
features = ["age", "job", "day"]
[episodes]
file = "episodes.csv"
person = "pid"
order = "n"
start = "start"
end = "stop"
time_format = "clock"
diary_start = "04:00"
code = "where"
[activity_codes]
Home = ["1", ""]
Work = ["2"]
Travel = ["12-21", "99"]
default = "Others"
[split]
id = "pid"
[segments]
employed = { column = "job", starts_with = "employed" }
student = { column = "age", range = [5, 24] }
weekend = { any = [{ column = "day", in = ["1", "7"] }, { column = "holiday", equals = "yes" }] }
"#;

    pub fn fixture(dir: &TempDir) {
        dir.write(
            "persons.csv",
            "pid,age,job,day,holiday\n1,30,employed-at work,2,no\n2,20,,7,no\n3,70,,3,yes\n4,40,x,3,no\n5,40,x,3,no\n6,40,x,3,no\n",
        );
        // Rows deliberately out of order for person 2 (the `n` column orders them).
        dir.write(
            "episodes.csv",
            "pid,n,start,stop,where\n\
             1,1,04:00:00,00:00:00,1\n\
             1,2,00:00:00,04:00:00,2\n\
             2,2,08:30,09:30,12\n\
             2,1,04:00,08:30,1\n\
             2,3,09:30,04:00,5\n\
             3,1,04:00,04:00,\n\
             5,1,04:00,10:00,1\n\
             6,1,04:00,,1\n\
             9,1,04:00,04:00,1\n",
        );
    }

    #[test]
    fn wrap_ties_and_drops() {
        let dir = TempDir::new("episodes");
        fixture(&dir);
        let out = dir.path().join("out");
        let summary = prepare(&config(CONFIG), dir.path(), &out).unwrap();
        let bench = out.join("tiny-episodes");
        let all = all_diaries(&bench);
        // 04:00 diary start: the last four diary hours (Work 00:00-04:00) fill slots 00-03.
        assert_eq!(find(&all, "1").2, cat(&[rep("Work", 4), rep("Home", 20)]));
        // 08:30-09:30 Travel ties with Home (slot 8) and Others (slot 9): Travel wins both.
        assert_eq!(
            find(&all, "2").2,
            cat(&[
                rep("Others", 4),
                rep("Home", 4),
                rep("Travel", 2),
                rep("Others", 14)
            ])
        );
        // Empty location → Home; an end equal to the start is the next day (whole day).
        assert_eq!(find(&all, "3").2, rep("Home", 24));
        assert_eq!(all.len(), 3);
        let m = &summary.manifest;
        assert_eq!(m.task, "activity");
        assert_eq!(m.persons_kept, 3);
        assert_eq!(m.persons_read, 7);
        let first = &m.drops.first_reason;
        assert_eq!(first.get("no episodes"), Some(&1));
        assert_eq!(first.get("not in the person table"), Some(&1));
        assert_eq!(first.get("an hour of the day has no episode"), Some(&1));
        assert_eq!(first.get("episode time missing"), Some(&1));
        assert_eq!(m.drops.total, 4);
        // Segments: 1 employed weekday, 2 student weekend, 3 other weekend (holiday).
        let persons: String = ["train", "val", "test"]
            .iter()
            .map(|s| std::fs::read_to_string(bench.join(s).join("persons.csv")).unwrap())
            .collect();
        assert!(
            persons.contains("1,,employed,weekday,,30,employed-at work,2\n"),
            "{persons}"
        );
        assert!(persons.contains("2,,student,weekend,,20,,7\n"), "{persons}");
        assert!(persons.contains("3,,other,weekend,,70,,3\n"), "{persons}");
        // The split of each person follows the hash rule.
        for (split, id, _, _) in &all {
            assert_eq!(survey::split_of(id).name(), split);
        }
        assert!(!bench.join("zones.csv").exists());
        // mobility reads it back.
        let b = mobility::Benchmark::open(&bench).unwrap();
        assert_eq!(b.task, mobility::Task::Activity);
    }

    #[test]
    fn output_is_deterministic() {
        let dir = TempDir::new("determinism");
        fixture(&dir);
        let c = config(CONFIG);
        let a = prepare(&c, dir.path(), &dir.path().join("a")).unwrap();
        let b = prepare(&c, dir.path(), &dir.path().join("b")).unwrap();
        assert_eq!(a.manifest, b.manifest);
        for f in ["manifest.json", "train/diaries.csv", "train/persons.csv"] {
            let x = std::fs::read(dir.path().join("a/tiny-episodes").join(f)).unwrap();
            let y = std::fs::read(dir.path().join("b/tiny-episodes").join(f)).unwrap();
            assert_eq!(x, y, "{f}");
        }
        // Re-preparing into the same place replaces the folder.
        let again = prepare(&c, dir.path(), &dir.path().join("a")).unwrap();
        assert_eq!(again.manifest.content_sha256, a.manifest.content_sha256);
        assert!(!dir.path().join("a/tiny-episodes.partial").exists());
    }

    #[test]
    fn minutes_with_duration() {
        let dir = TempDir::new("minutes");
        dir.write(
            "persons.csv",
            "pid,age,job,day,holiday\n1,30,employed,2,no\n",
        );
        // Minutes after midnight, diary from 00:00; 1410 + 60 runs past 24:00 and is cut.
        dir.write(
            "episodes.csv",
            "pid,n,start,dur,where\n1,1,0,480,1\n1,2,480,930,2\n1,3,1410,60,12\n",
        );
        let text = CONFIG
            .replace("end = \"stop\"", "duration = \"dur\"")
            .replace("time_format = \"clock\"", "time_format = \"minutes\"")
            .replace("diary_start = \"04:00\"", "diary_start = \"00:00\"");
        let out = dir.path().join("out");
        prepare(&config(&text), dir.path(), &out).unwrap();
        let all = all_diaries(&out.join("tiny-episodes"));
        // 23:30-24:00 Travel ties Work 23:00-23:30: Travel wins.
        assert_eq!(
            find(&all, "1").3.len() + find(&all, "1").2.len(),
            24,
            "activity task has no location columns"
        );
        assert_eq!(
            find(&all, "1").2,
            cat(&[rep("Home", 8), rep("Work", 15), rep("Travel", 1)])
        );
    }
}

mod trips {
    use super::*;

    pub const CONFIG: &str = r#"
name = "tiny-trips"
[persons]
file = "trips.csv"
id = "pid"
household = "hid"
features = ["edad", "ocupacion"]
[households]
file = "households.csv"
id = "hid"
features = ["NumPer"]
[trips]
file = "trips.csv"
person = "pid"
order = "tid"
departure = "dep"
arrival = "arr"
time_format = "clock"
purpose = "purpose"
origin_zone = "o"
destination_zone = "d"
[activity_codes]
Work = ["1-2"]
School = ["3-4"]
Home = ["7"]
default = "Others"
[split]
id = "hid"
[segments]
employed = { column = "ocupacion", non_empty = true }
student = { column = "edad", range = [5, 24] }
weekend = { column = "tipo_dia", equals = "2" }
[zones]
codes = ["1", "2", "3", "10-11"]
[zones.home]
table = "households"
column = "Comuna"
by_name = { file = "codes/comunas.csv", code_column = "Id", name_column = "Comuna" }
[zones.centroids]
table = "households"
x = "X"
y = "Y"
scale_to_km = 0.001
"#;

    pub fn fixture(dir: &TempDir) {
        // Household ids 1, 2, 4, 5, 6, 7 are train (hash rule), 3 is val, 9 is test.
        dir.write(
            "codes/comunas.csv",
            "Id,Comuna\n1,Ñuñoa\n2,Centro\n3,Playa\n10,Norte\n11,Sur\n99,Lejos\n",
        );
        dir.write(
            "households.csv",
            "hid,Comuna,X,Y,NumPer\n\
             1,NUNOA,1000,2000,\"1,5\"\n\
             2,centro,2000,0,2\n\
             4,Playa,0,0,1\n\
             5,norte,5000,5000,1\n\
             6,SUR,6000,6000,1\n\
             7,ñuñoa,3000,4000,1\n\
             3,Ñuñoa,100000,100000,1\n\
             9,Ñuñoa,1,1,1\n\
             8,Lejos,1,1,1\n",
        );
        let rows = [
            // p1: home 1, to work and back.
            "101,p1,1,30,5,1,08:00,08:30,1,1,2",
            "102,p1,1,30,5,1,17:00,17:45,7,2,1",
            // p2: overlapping trips, an arrival past midnight, a next-day departure.
            "201,p2,1,40,,1,10:00,10:40,11,1,3",
            "202,p2,1,40,,1,10:20,11:30,1,3,2",
            "203,p2,1,40,,1,23:30,00:30,7,2,1",
            "204,p2,1,40,,1,00:45,01:00,11,1,3",
            // p3 (val household): the day starts away from home.
            "301,p3,3,15,,2,09:00,09:30,7,3,1",
            // p4 (test household): zero-length trips; same activity, two zones, one hour.
            "401,p4,9,70,,1,12:00,12:00,11,1,2",
            "402,p4,9,70,,1,12:30,12:30,11,2,3",
            "403,p4,9,70,,1,13:00,13:00,7,3,1",
            // p5: a return-home trip to another zone is still Home at home.
            "501,p5,1,50,,1,08:00,08:10,7,1,2",
            // p6: a zone outside the set and a missing time.
            "601,p6,1,50,,1,08:00,08:10,1,1,99",
            "602,p6,1,50,,1,,09:10,7,2,1",
            // p7: a missing purpose.
            "701,p7,1,50,,1,08:00,08:10,,1,2",
            // p8: household missing.
            "801,p8,404,50,,1,08:00,08:10,1,1,2",
            // p9: home comuna outside the zone set.
            "901,p9,8,50,,1,08:00,08:10,1,1,2",
        ];
        // Written in a scrambled order: `tid` orders the trips of a person.
        let mut text = String::from("tid,pid,hid,edad,ocupacion,tipo_dia,dep,arr,purpose,o,d\n");
        for i in [1, 0, 2, 3, 5, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] {
            text.push_str(rows[i]);
            text.push('\n');
        }
        dir.write("trips.csv", text);
    }

    #[test]
    fn chain_rule_zones_and_drops() {
        let dir = TempDir::new("trips");
        fixture(&dir);
        let out = dir.path().join("out");
        let summary = prepare(&config(CONFIG), dir.path(), &out).unwrap();
        let bench = out.join("tiny-trips");
        let all = all_diaries(&bench);
        let p1 = find(&all, "p1");
        assert_eq!(p1.0, "train");
        assert_eq!(
            p1.2,
            cat(&[
                rep("Home", 8),
                rep("Travel", 1),
                rep("Work", 8),
                rep("Travel", 1),
                rep("Home", 6)
            ])
        );
        assert_eq!(
            p1.3,
            cat(&[
                rep("1", 8),
                rep("T", 1),
                rep("2", 8),
                rep("T", 1),
                rep("1", 6)
            ])
        );
        // Overlap: Travel 10:00-11:30; 23:30→00:30 arrives the next day (Travel to
        // 24:00); the 00:45 departure is on the next day and cut away.
        let p2 = find(&all, "p2");
        assert_eq!(
            p2.2,
            cat(&[
                rep("Home", 10),
                rep("Travel", 2),
                rep("Work", 11),
                rep("Travel", 1)
            ])
        );
        assert_eq!(
            p2.3,
            cat(&[rep("1", 10), rep("T", 2), rep("2", 11), rep("T", 1)])
        );
        // Before the first departure: Others at the first origin (not the home zone).
        let p3 = find(&all, "p3");
        assert_eq!(p3.0, "val");
        assert_eq!(
            p3.2,
            cat(&[rep("Others", 9), rep("Travel", 1), rep("Home", 14)])
        );
        assert_eq!(p3.3, cat(&[rep("3", 9), rep("T", 1), rep("1", 14)]));
        // Same activity at two zones, 30 minutes each: the first in the hour wins.
        let p4 = find(&all, "p4");
        assert_eq!(p4.0, "test");
        assert_eq!(
            p4.2,
            cat(&[rep("Home", 12), rep("Others", 1), rep("Home", 11)])
        );
        assert_eq!(p4.3[12], "2");
        // Home is always at the home zone.
        let p5 = find(&all, "p5");
        assert_eq!(p5.2, rep("Home", 24));
        assert_eq!(p5.3, rep("1", 24));
        assert_eq!(all.len(), 5);

        let m = &summary.manifest;
        assert_eq!(m.task, "activity-location");
        assert_eq!(m.persons_read, 9);
        assert_eq!(m.persons_kept, 5);
        let zone = "trip origin or destination zone missing or outside the zone set";
        let time = "trip time or purpose missing";
        let hh = "household missing";
        let home = "home zone missing, unknown or outside the zone set";
        for (reason, first, any) in [(zone, 1, 1), (time, 1, 2), (hh, 1, 1), (home, 1, 1)] {
            assert_eq!(
                m.drops.first_reason.get(reason).copied().unwrap_or(0),
                first,
                "{reason}"
            );
            assert_eq!(
                m.drops.all_reasons.get(reason).copied().unwrap_or(0),
                any,
                "{reason}"
            );
        }
        assert_eq!(m.drops.total, 4);
        let diag = |k: &str| {
            m.diagnostics
                .iter()
                .find(|(name, _)| name.contains(k))
                .map(|(_, n)| *n)
                .unwrap_or(0)
        };
        assert_eq!(diag("placed at home"), 1);
        assert_eq!(diag("departure was unwrapped"), 1);
        assert_eq!(diag("arrival was unwrapped"), 1);
        assert_eq!(diag("Travel continues"), 1);

        // Centroids: train households only (1 and 7 for zone 1), metres → km.
        let zones = std::fs::read_to_string(bench.join("zones.csv")).unwrap();
        assert!(
            zones.starts_with("zone,x_km,y_km\n1,2.0000,3.0000\n2,2.0000,0.0000\n"),
            "{zones}"
        );
        assert!(
            zones.contains("\n10,5.0000,5.0000\n11,6.0000,6.0000\n"),
            "{zones}"
        );
        // Features: person then household; the comma in "1,5" became ';'.
        let persons = std::fs::read_to_string(bench.join("train/persons.csv")).unwrap();
        assert!(persons.starts_with(
            "person_id,household_id,group,day_type,home_zone,edad,ocupacion,NumPer\n"
        ));
        assert!(
            persons.contains("p1,1,employed,weekday,1,30,5,1;5\n"),
            "{persons}"
        );
        let val = std::fs::read_to_string(bench.join("val/persons.csv")).unwrap();
        assert!(val.contains("p3,3,student,weekend,1,15,,1\n"), "{val}");
        // mobility reads it back, home zones included.
        let b = mobility::Benchmark::open(&bench).unwrap();
        assert_eq!(b.task, mobility::Task::ActivityLocation);
        assert_eq!(b.zones.retained_count(), 5);
        let s = b.read_split(mobility::Split::Train).unwrap();
        assert_eq!(s.diaries.len(), 3);
    }

    /// The tiny survey with destination coordinates and a `[locations]` section.
    const LOCATIONS: &str = r#"
[locations]
crs = "EPSG:32719"
crs_name = "WGS 84 / UTM zone 19S"
unit = "metre"
source = "test fixture"
home = { table = "households", x = "X", y = "Y" }
destination = { x = "xd", y = "yd" }
"#;

    #[test]
    fn observed_locations_of_the_train_split() {
        let dir = TempDir::new("locations");
        fixture(&dir);
        // Destination coordinates: tid·10, tid·10+1; trip 202 not geocoded (empty), 204 at 0.
        let text = std::fs::read_to_string(dir.path().join("trips.csv")).unwrap();
        let mut with_xy = String::new();
        for (i, line) in text.lines().enumerate() {
            let tid = line.split(',').next().unwrap();
            let xy = match (i, tid) {
                (0, _) => "xd,yd".to_string(),
                (_, "202") => ",".to_string(),
                (_, "204") => "0,0".to_string(),
                (_, t) => {
                    let t: u32 = t.parse().unwrap();
                    format!("{},{}", t * 10, t * 10 + 1)
                }
            };
            with_xy.push_str(&format!("{line},{xy}\n"));
        }
        dir.write("trips.csv", with_xy);
        let out = dir.path().join("out");
        let summary = prepare(&config(&format!("{CONFIG}{LOCATIONS}")), dir.path(), &out).unwrap();
        let bench = out.join("tiny-trips");
        // Homes: train households with coordinates other than 0 (households 2 and 4 have a
        // 0), by home zone; destinations: the kept train people's trips other than home,
        // by purpose (p1's work, p2's work and others; p3 is val, p4 test, p6-p9 dropped).
        assert_eq!(
            std::fs::read_to_string(bench.join("locations.csv")).unwrap(),
            "zone,activity,x,y\n\
             1,Home,1000,2000\n\
             1,Home,3000,4000\n\
             2,Work,1010,1011\n\
             3,Others,2010,2011\n\
             10,Home,5000,5000\n\
             11,Home,6000,6000\n"
        );
        let crs: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(bench.join("crs.json")).unwrap())
                .unwrap();
        assert_eq!(crs["crs"], "EPSG:32719");
        assert_eq!(crs["unit"], "metre");
        assert_eq!(
            crs["files"]["zones.csv"],
            "x_km, y_km = EPSG:32719 coordinates times 0.001"
        );
        // Listed with their own SHA-256, outside the content hash: the benchmark's content
        // is that of the same survey prepared without [locations].
        let located: Vec<(&str, &str)> = summary
            .manifest
            .location_files
            .iter()
            .map(|f| (f.path.as_str(), f.sha256.as_str()))
            .collect();
        let sha = |rel: &str| {
            use sha2::Digest;
            let digest = sha2::Sha256::digest(std::fs::read(bench.join(rel)).unwrap());
            digest
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        };
        assert_eq!(
            located,
            [
                ("locations.csv", sha("locations.csv").as_str()),
                ("crs.json", sha("crs.json").as_str())
            ]
        );
        assert!(
            !summary
                .manifest
                .files
                .iter()
                .any(|f| f.path == "locations.csv" || f.path == "crs.json"),
            "{:?}",
            summary.manifest.files
        );
        // Without [locations], neither file, and the same content hash.
        let plain = dir.path().join("plain");
        let without = prepare(&config(CONFIG), dir.path(), &plain).unwrap();
        assert!(!plain.join("tiny-trips/locations.csv").exists());
        assert!(without.manifest.location_files.is_empty());
        assert_eq!(
            without.manifest.content_sha256,
            summary.manifest.content_sha256
        );
        // Configurations that cannot work are refused.
        for (bad, why) in [
            (
                LOCATIONS.replace("table = \"households\"", "table = \"persons\""),
                "home.table",
            ),
            (
                LOCATIONS.replace("crs = \"EPSG:32719\"", "crs = \"\""),
                "crs is empty",
            ),
        ] {
            let e = SurveyConfig::from_toml_str(&format!("{CONFIG}{bad}"), Path::new("t.toml"))
                .unwrap_err();
            assert!(e.to_string().contains(why), "{e}");
        }
        // Household homes need household splits; the centroids' CRS of the same columns
        // must be the locations' CRS.
        for (config, why) in [
            (
                CONFIG
                    .replace("[split]\nid = \"hid\"", "[split]\nid = \"pid\"")
                    .replace(
                        "[zones.centroids]\ntable = \"households\"",
                        "[zones.centroids]\nfile = \"zones.csv\"\nzone = \"code\"",
                    ),
                "[locations] home.table = households needs the split id",
            ),
            (
                CONFIG.replace(
                    "scale_to_km = 0.001",
                    "scale_to_km = 0.001\ncrs = \"EPSG:32633\"",
                ),
                "[locations] crs `EPSG:32719` and [zones.centroids] crs `EPSG:32633`",
            ),
        ] {
            assert_ne!(config, CONFIG);
            let e =
                SurveyConfig::from_toml_str(&format!("{config}{LOCATIONS}"), Path::new("t.toml"))
                    .unwrap_err();
            assert!(e.to_string().contains(why), "{e}");
        }
    }

    #[test]
    fn day_fraction_times() {
        let dir = TempDir::new("fraction");
        fixture(&dir);
        let to_fraction = |t: &str| {
            let (h, m) = t.split_once(':').unwrap();
            let min: f64 = h.parse::<f64>().unwrap() * 60.0 + m.parse::<f64>().unwrap();
            (min / 1440.0).to_string()
        };
        let text = std::fs::read_to_string(dir.path().join("trips.csv")).unwrap();
        let mut out_text = String::new();
        for (i, line) in text.lines().enumerate() {
            let mut f: Vec<String> = line.split(',').map(str::to_string).collect();
            if i > 0 {
                for c in [6, 7] {
                    if !f[c].is_empty() {
                        f[c] = to_fraction(&f[c]);
                    }
                }
            }
            out_text.push_str(&f.join(","));
            out_text.push('\n');
        }
        dir.write("trips.csv", out_text);
        let c =
            config(&CONFIG.replace("time_format = \"clock\"", "time_format = \"day_fraction\""));
        let out = dir.path().join("out");
        prepare(&c, dir.path(), &out).unwrap();
        let all = all_diaries(&out.join("tiny-trips"));
        assert_eq!(
            find(&all, "p2").2,
            cat(&[
                rep("Home", 10),
                rep("Travel", 2),
                rep("Work", 11),
                rep("Travel", 1)
            ])
        );
    }
}

mod malformed {
    use super::*;

    fn input_error(result: Result<PrepareSummary, PrepareError>) -> mobility::FormatError {
        match result {
            Err(PrepareError::Input(e)) => e,
            other => panic!("expected an input error, got {other:?}"),
        }
    }

    fn episodes_with(episodes: &[u8]) -> (TempDir, mobility::FormatError) {
        let dir = TempDir::new("malformed");
        episodes::fixture(&dir);
        dir.write("episodes.csv", episodes);
        let e = input_error(prepare(
            &config(episodes::CONFIG),
            dir.path(),
            &dir.path().join("out"),
        ));
        (dir, e)
    }

    #[test]
    fn missing_column() {
        let (_d, e) = episodes_with(b"pid,n,start,stop\n1,1,04:00,04:00\n");
        assert!(e.path.ends_with("episodes.csv"), "{e}");
        assert_eq!((e.line, e.field.as_deref()), (1, Some("where")), "{e}");
    }

    #[test]
    fn bad_time() {
        let (_d, e) =
            episodes_with(b"pid,n,start,stop,where\n1,1,04:00,04:00,1\n2,1,04:00,25:61,1\n");
        assert_eq!((e.line, e.field.as_deref()), (3, Some("stop")), "{e}");
        assert!(
            e.to_string().contains("episodes.csv, line 3, field `stop`"),
            "{e}"
        );
    }

    #[test]
    fn unknown_code_without_default() {
        let dir = TempDir::new("unknown-code");
        episodes::fixture(&dir);
        let c = config(&episodes::CONFIG.replace("default = \"Others\"\n", ""));
        let e = input_error(prepare(&c, dir.path(), &dir.path().join("out")));
        // Line 6 is person 2's `5` code (the first code not listed; persons are processed
        // in person-table order, person 1 has only listed codes).
        assert_eq!((e.line, e.field.as_deref()), (6, Some("where")), "{e}");
        assert!(e.message.contains("unknown code `5`"), "{e}");
    }

    #[test]
    fn duplicate_person() {
        let dir = TempDir::new("duplicate");
        episodes::fixture(&dir);
        dir.write(
            "persons.csv",
            "pid,age,job,day,holiday\n1,30,x,2,no\n2,3,x,2,no\n1,30,x,2,no\n",
        );
        let e = input_error(prepare(
            &config(episodes::CONFIG),
            dir.path(),
            &dir.path().join("out"),
        ));
        assert!(e.path.ends_with("persons.csv"));
        assert_eq!((e.line, e.field.as_deref()), (4, Some("pid")), "{e}");
        assert!(e.message.contains("first on line 2"), "{e}");
    }

    #[test]
    fn empty_file() {
        let dir = TempDir::new("empty");
        episodes::fixture(&dir);
        dir.write("persons.csv", "");
        let e = input_error(prepare(
            &config(episodes::CONFIG),
            dir.path(),
            &dir.path().join("out"),
        ));
        assert!(e.path.ends_with("persons.csv"));
        assert!(e.message.contains("empty file"), "{e}");
    }

    #[test]
    fn non_utf8_bytes() {
        let (_d, e) =
            episodes_with(b"pid,n,start,stop,where\n1,1,04:00,04:00,1\n2,1,04:00,04:00,\xff\xfe\n");
        assert_eq!(e.line, 3, "{e}");
        assert_eq!(e.field.as_deref(), Some("where"), "{e}");
        assert!(e.message.contains("UTF-8"), "{e}");
    }

    #[test]
    fn huge_line() {
        let mut text = b"pid,n,start,stop,where\n1,1,04:00,04:00,1\n2,1,04:00,04:00,".to_vec();
        text.extend(std::iter::repeat_n(b'7', survey::MAX_RECORD_BYTES + 10));
        text.push(b'\n');
        let (_d, e) = episodes_with(&text);
        assert_eq!(e.line, 3, "{e}");
        assert!(e.message.contains("longer than"), "{e}");
    }

    #[test]
    fn wrong_field_count() {
        let (_d, e) = episodes_with(b"pid,n,start,stop,where\n1,1,04:00,04:00,1\n2,1,04:00\n");
        assert_eq!(e.line, 3, "{e}");
        assert!(e.message.contains("expected 5 fields, found 3"), "{e}");
    }

    #[test]
    fn bad_configs_are_rejected() {
        let err = |text: &str| SurveyConfig::from_toml_str(text, Path::new("x.toml")).unwrap_err();
        // Both end and duration.
        let e =
            err(&episodes::CONFIG.replace("end = \"stop\"", "end = \"stop\"\nduration = \"d\""));
        assert!(e.to_string().contains("x.toml"), "{e}");
        // A condition with two tests.
        let e = err(&episodes::CONFIG.replace(
            "starts_with = \"employed\"",
            "starts_with = \"employed\", equals = \"x\"",
        ));
        assert!(e.to_string().contains("segments"), "{e}");
        // An unknown key.
        let e = err(&format!("{}\nbogus = 1\n", episodes::CONFIG));
        assert!(e.to_string().contains("bogus"), "{e}");
        // A code under two activities.
        let e = err(&episodes::CONFIG.replace("Work = [\"2\"]", "Work = [\"2\", \"1\"]"));
        assert!(e.to_string().contains("code `1`"), "{e}");
    }
}

mod builtin {
    use super::*;

    #[test]
    fn builtin_configs_match_the_files() {
        let configs = survey::builtin_configs();
        let names: Vec<&str> = configs.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["atus-2014", "santiago-2012"]);
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("configs");
        for (name, c) in &configs {
            let from_file = SurveyConfig::from_file(&dir.join(format!("{name}.toml"))).unwrap();
            assert_eq!(&from_file, c);
        }
        assert!(!configs[0].1.is_location_task());
        assert!(configs[1].1.is_location_task());
        // Trip-derived columns are never features.
        let santiago = &configs[1].1;
        let mut features = santiago.persons.features.clone();
        features.extend(santiago.households.as_ref().unwrap().features.clone());
        for banned in [
            "viajes",
            "proposito",
            "modo",
            "hora_inicio",
            "hora_fin",
            "manhattan",
        ] {
            assert!(!features.iter().any(|f| f == banned), "{banned}");
        }
        let atus = &configs[0].1;
        for banned in ["diary_mo", "diary_date"] {
            assert!(
                !atus.persons.features.iter().any(|f| f == banned),
                "{banned}"
            );
        }
    }
}

mod real_data {
    use super::*;
    use mobility::{Activity, Benchmark, Split};

    fn data_dir() -> PathBuf {
        let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data");
        assert!(
            d.is_dir(),
            "the real surveys are missing: this test reads {} (see shared/data/README.md)",
            d.display()
        );
        d
    }

    /// Every train person's `group` and `day_type`, derived from its features by the
    /// benchmark's rules (as `generate --persons` does without those columns), is the
    /// stored one.
    fn segments_derive_from_features(b: &Benchmark, dir: &Path) {
        let rules = survey::population::PopulationRules::of_benchmark(b).unwrap();
        let stored = b.persons(Split::Train).unwrap();
        let text = std::fs::read_to_string(b.split_dir(Split::Train).join("persons.csv")).unwrap();
        let path = dir.join(format!("{}-population.csv", b.name));
        let mut out = String::new();
        for line in text.lines() {
            let f: Vec<&str> = line.split(',').collect();
            out.push_str(&[&f[..2], &f[4..]].concat().join(","));
            out.push('\n');
        }
        std::fs::write(&path, out).unwrap();
        let chunks = survey::population::read_chunks(&rules, &path, 4096).unwrap();
        assert!(chunks.notes().iter().any(|n| n.contains("`group` derived")));
        let mut n = 0;
        for chunk in chunks {
            for p in chunk.unwrap().persons {
                let s = &stored.persons[n];
                assert_eq!((&p.id, p.group, p.day_type), (&s.id, s.group, s.day_type));
                n += 1;
            }
        }
        assert_eq!(n, stored.persons.len());
    }

    /// Checks that hold for any prepared benchmark, against the files on disk.
    fn check_benchmark(summary: &PrepareSummary) -> Benchmark {
        let m = &summary.manifest;
        let b = Benchmark::open(&summary.out_dir).unwrap();
        let counts = [
            m.split_counts.train,
            m.split_counts.val,
            m.split_counts.test,
        ];
        let total: usize = counts.iter().sum();
        assert_eq!(total, m.persons_kept);
        assert_eq!(m.persons_kept + m.drops.total, m.persons_read);
        assert_eq!(m.drops.first_reason.values().sum::<usize>(), m.drops.total);
        for (reason, n) in &m.drops.first_reason {
            assert!(m.drops.all_reasons[reason] >= *n, "{reason}");
        }
        for (share, target) in counts.iter().zip([0.70, 0.15, 0.15]) {
            let s = *share as f64 / total as f64;
            assert!((s - target).abs() < 0.04, "split share {s} vs {target}");
        }
        let mut activity_counts = [0usize; 5];
        for split in Split::ALL {
            let data = b.read_split(split).unwrap();
            assert_eq!(data.diaries.len(), counts[split as usize]);
            let seg: usize = m.segment_counts[split.name()].values().sum();
            assert_eq!(seg, data.diaries.len());
            for (p, d) in data.people().iter().zip(&data.diaries) {
                assert_eq!(survey::split_of(split_id(&b, p)), split);
                for h in 0..24 {
                    activity_counts[d.activities[h].index()] += 1;
                    if let Some(locs) = d.locations {
                        let travel = d.activities[h] == Activity::Travel;
                        assert_eq!(
                            locs[h] == mobility::Loc::TRAVEL,
                            travel,
                            "{} slot {h}",
                            p.id
                        );
                        assert!(travel || b.zones.is_retained(locs[h]), "{} slot {h}", p.id);
                        if d.activities[h] == Activity::Home {
                            assert_eq!(Some(locs[h]), p.home_zone, "{} slot {h}", p.id);
                        }
                    }
                }
            }
        }
        let home = activity_counts[Activity::Home.index()];
        assert!(
            activity_counts.iter().all(|&c| c <= home),
            "{activity_counts:?}"
        );
        assert!(
            activity_counts.iter().all(|&c| c > 0),
            "{activity_counts:?}"
        );
        let home_share = home as f64 / (total * 24) as f64;
        assert!((0.5..0.9).contains(&home_share), "Home share {home_share}");
        b
    }

    fn split_id<'a>(b: &Benchmark, p: &'a mobility::Person) -> &'a str {
        if b.task == mobility::Task::ActivityLocation {
            &p.household_id
        } else {
            &p.id
        }
    }

    #[test]
    fn both_real_surveys() {
        let data = data_dir();
        let out = TempDir::new("real");
        let configs = survey::builtin_configs();
        let atus = prepare(&configs[0].1, &data, out.path()).unwrap();
        println!("{atus}");
        let b = check_benchmark(&atus);
        assert_eq!(b.task, mobility::Task::Activity);
        assert_eq!(
            atus.manifest.content_sha256,
            "6fd4e356de531c473fb050562678d695f4c199de64739d3a03e79ebfe88c9433",
            "the ATUS-2014 benchmark changed"
        );
        assert!(
            atus.manifest.warnings.is_empty(),
            "{:?}",
            atus.manifest.warnings
        );
        segments_derive_from_features(&b, out.path());
        // ATUS: every person of persons.csv has a complete diary.
        let persons_rows = std::fs::read_to_string(data.join("atus-2014/persons.csv"))
            .unwrap()
            .lines()
            .count()
            - 1;
        assert_eq!(atus.manifest.persons_kept, persons_rows);

        let santiago = prepare(&configs[1].1, &data, out.path()).unwrap();
        println!("{santiago}");
        let b = check_benchmark(&santiago);
        assert_eq!(b.task, mobility::Task::ActivityLocation);
        assert_eq!(
            santiago.manifest.content_sha256,
            "7afa4bca4ff87a45c870cd7cc52d272513de75cb2df8a9cf8772975773cf20c0",
            "the Santiago-2012 benchmark changed"
        );
        assert!(
            santiago.manifest.warnings.is_empty(),
            "{:?}",
            santiago.manifest.warnings
        );
        segments_derive_from_features(&b, out.path());
        assert_eq!(b.zones.retained_count(), 45);
        let m = &santiago.manifest;
        assert!(m
            .drops
            .first_reason
            .contains_key("trip origin or destination zone missing or outside the zone set"));
        assert!(
            m.drops.total * 10 < m.persons_read,
            "too many drops: {}",
            m.drops.total
        );
        // Centroids are in km (UTM northing ~6,300 km for Santiago).
        for z in b.zones.retained_zones() {
            let (x, y) = b.zones.centroid(z).unwrap();
            assert!(
                (200.0..500.0).contains(&x) && (6000.0..6500.0).contains(&y),
                "{x} {y}"
            );
        }
        // Byte-identical on a second run.
        let again = prepare(&configs[1].1, &data, &out.path().join("again")).unwrap();
        assert_eq!(again.manifest, santiago.manifest);
    }

    #[test]
    fn santiago_observed_locations_lie_in_their_zones() {
        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data");
        assert!(
            data.is_dir(),
            "the real survey data folder {} is missing",
            data.display()
        );
        let out = TempDir::new("real-locations");
        let config = &survey::builtin_configs()[1].1;
        let summary = prepare(config, &data, out.path()).unwrap();
        let b = Benchmark::open(&summary.out_dir).unwrap();
        let crs: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(b.dir.join("crs.json")).unwrap())
                .unwrap();
        assert_eq!(
            (crs["crs"].as_str(), crs["unit"].as_str()),
            (Some("EPSG:32719"), Some("metre"))
        );
        let text = std::fs::read_to_string(b.dir.join("locations.csv")).unwrap();
        let mut per_zone: std::collections::HashMap<(String, String), usize> = Default::default();
        let (mut nearest_own, mut total) = (0usize, 0usize);
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            let (x, y): (f64, f64) = (f[2].parse().unwrap(), f[3].parse().unwrap());
            // UTM zone 19S metres around Santiago.
            assert!(
                (200_000.0..500_000.0).contains(&x) && (6_150_000.0..6_450_000.0).contains(&y),
                "{line}"
            );
            *per_zone
                .entry((f[0].to_string(), f[1].to_string()))
                .or_default() += 1;
            let nearest = b
                .zones
                .retained_zones()
                .min_by(|&p, &q| {
                    let d = |z| {
                        let (cx, cy) = b.zones.centroid(z).unwrap();
                        (cx * 1000.0 - x).powi(2) + (cy * 1000.0 - y).powi(2)
                    };
                    d(p).total_cmp(&d(q))
                })
                .unwrap();
            nearest_own += usize::from(b.zones.code(nearest) == f[0]);
            total += 1;
        }
        // Every zone has observed homes; work, school and other places are observed too.
        for z in b.zones.retained_zones() {
            assert!(
                per_zone
                    .get(&(b.zones.code(z).to_string(), "Home".into()))
                    .is_some_and(|&n| n > 0),
                "zone {}",
                b.zones.code(z)
            );
        }
        for a in ["Work", "School", "Others"] {
            assert!(
                per_zone
                    .iter()
                    .filter(|((_, act), _)| act == a)
                    .map(|(_, n)| n)
                    .sum::<usize>()
                    > 1000,
                "{a}"
            );
        }
        assert!(!per_zone.keys().any(|(_, a)| a == "Travel"));
        // The coordinates agree with the zones they are filed under: most points are nearer
        // their own zone's centroid than any other's (comunas are not Voronoi cells).
        assert!(nearest_own * 10 > total * 7, "{nearest_own} of {total}");
    }
}
#[path = "survey/cases.rs"]
mod cases;
#[path = "survey/fuzzed_inputs.rs"]
mod fuzzed_inputs;
#[path = "survey/population.rs"]
mod population;
#[path = "survey/ready_configs.rs"]
mod ready_configs;
#[path = "survey/shapes.rs"]
mod shapes;
