//! The handed cases of `shared/cases/` about surveys, each as its own small fixture: the
//! expected result its repro describes (the case's files are not used).

use super::*;

fn input_error(result: Result<PrepareSummary, PrepareError>) -> mobility::FormatError {
    match result {
        Err(PrepareError::Input(e)) => e,
        other => panic!("expected an input error, got {other:?}"),
    }
}

fn diag(s: &PrepareSummary, key: &str) -> usize {
    s.manifest
        .diagnostics
        .iter()
        .filter(|(name, _)| name.contains(key))
        .map(|(_, n)| *n)
        .sum()
}

fn warned(s: &PrepareSummary, key: &str) -> bool {
    s.manifest.warnings.iter().any(|w| w.contains(key))
}

/// Case 01: a zero-length episode (and one ending minutes before it starts) is ignored and
/// counted, never stretched over the rest of the day.
#[test]
fn zero_length_and_reversed_episodes_are_ignored_and_counted() {
    let dir = TempDir::new("case-01");
    dir.write(
        "tus/persons.csv",
        "pid,age,employed,student,dow\na,34,yes,no,3\nb,41,yes,no,4\nc,50,no,no,5\n",
    );
    dir.write(
        "tus/episodes.csv",
        "pid,seq,start,end,where\n\
         a,1,00:00,07:30,home\n\
         a,2,07:30,08:00,travel\n\
         a,3,08:00,08:00,work\n\
         a,4,08:00,17:00,other\n\
         a,5,17:00,17:30,travel\n\
         a,6,17:30,00:00,home\n\
         b,1,00:00,09:00,home\n\
         b,2,09:00,08:55,work\n\
         b,3,09:00,18:00,school\n\
         b,4,18:00,00:00,home\n\
         c,1,00:00,00:00,home\n",
    );
    let c = config(
        r#"
name = "tus-zero"
[persons]
file = "tus/persons.csv"
id = "pid"
features = ["age", "employed", "student", "dow"]
[episodes]
file = "tus/episodes.csv"
person = "pid"
order = "seq"
start = "start"
end = "end"
time_format = "clock"
code = "where"
[activity_codes]
Home = ["home"]
Work = ["work"]
School = ["school"]
Travel = ["travel"]
Others = ["other"]
[split]
id = "pid"
[segments]
employed = { column = "employed", equals = "yes" }
student = { column = "student", equals = "yes" }
weekend = { column = "dow", in = ["1", "7"] }
"#,
    );
    let out = dir.path().join("out");
    let s = prepare(&c, dir.path(), &out).unwrap();
    let all = all_diaries(&out.join("tus-zero"));
    // Others 08-16, Travel at 17 (30 minutes each: the tie goes to Travel), Home 18-23.
    assert_eq!(
        find(&all, "a").2,
        cat(&[
            rep("Home", 7),
            rep("Travel", 1),
            rep("Others", 9),
            rep("Travel", 1),
            rep("Home", 6)
        ])
    );
    // 09:00 → 08:55 is not a 23 h 55 min episode: the next one starts at 09:00.
    assert_eq!(
        find(&all, "b").2,
        cat(&[rep("Home", 9), rep("School", 9), rep("Home", 6)])
    );
    // An only episode from 00:00 to 00:00 is the whole day.
    assert_eq!(find(&all, "c").2, rep("Home", 24));
    assert_eq!(diag(&s, "zero length"), 1);
    assert_eq!(diag(&s, "ending before they start"), 1);
    // a's last episode, and c's only one, end on the next day.
    assert_eq!(diag(&s, "end is on the next day"), 3);
}

const HTS: &str = r#"
name = "hts"
[persons]
file = "hts/persons.csv"
id = "pid"
household = "hid"
features = ["age", "work", "daytype"]
[households]
file = "hts/households.csv"
id = "hid"
[trips]
file = "hts/trips.csv"
person = "pid"
order = "seq"
departure = "tst"
arrival = "tet"
time_format = "minutes"
purpose = "purp"
origin_zone = "ozone"
destination_zone = "dzone"
[activity_codes]
Home = ["home"]
Work = ["work"]
School = ["education"]
default = "Others"
[split]
id = "hid"
[segments]
employed = { column = "work", in = ["ft", "pt"] }
student = { column = "work", equals = "student" }
weekend = { column = "daytype", equals = "weekend" }
[zones]
codes = ["A", "B", "C"]
[zones.home]
table = "households"
column = "hzone"
[zones.centroids]
table = "households"
x = "x"
y = "y"
scale_to_km = 0.001
"#;

fn hts_fixture(dir: &TempDir, trips: &str) {
    // Households 1, 2, 4 are train (hash rule); C is home to household 4 only.
    dir.write(
        "hts/households.csv",
        "hid,hzone,x,y\n1,A,1000,2000\n2,B,4000,2000\n4,C,7000,3000\n",
    );
    dir.write(
        "hts/persons.csv",
        "pid,hid,age,work,daytype\n11,1,40,ft,weekday\n12,1,38,pt,weekday\n21,2,81,retired,weekday\n",
    );
    dir.write("hts/trips.csv", trips);
}

/// Case 02: a person of the person table without trips is a stay-at-home day at the home
/// zone (or dropped, when the config says so), counted either way.
#[test]
fn persons_without_trips_stay_home() {
    let dir = TempDir::new("case-02");
    hts_fixture(
        &dir,
        "pid,seq,ozone,dzone,purp,tst,tet\n\
         11,1,A,B,work,480,510\n11,2,B,A,home,1020,1050\n\
         12,1,A,C,shop,600,620\n12,2,C,A,home,700,720\n",
    );
    let out = dir.path().join("out");
    let s = prepare(&config(HTS), dir.path(), &out).unwrap();
    let all = all_diaries(&out.join("hts"));
    let p21 = find(&all, "21");
    assert_eq!(
        (p21.2.clone(), p21.3.clone()),
        (rep("Home", 24), rep("B", 24))
    );
    assert_eq!(s.manifest.persons_kept, 3);
    assert_eq!(diag(&s, "persons without trips kept as all-Home days"), 1);
    let dropping = config(&HTS.replace(
        "destination_zone = \"dzone\"",
        "destination_zone = \"dzone\"\npersons_without_trips = \"drop\"",
    ));
    let s = prepare(&dropping, dir.path(), &dir.path().join("drop")).unwrap();
    assert_eq!(s.manifest.persons_kept, 2);
    assert_eq!(
        s.manifest
            .drops
            .first_reason
            .get("no trips (persons_without_trips = \"drop\")"),
        Some(&1)
    );
}

/// Case 03: tour-based purposes (the trip home carries the outing's purpose). The default
/// keeps the purpose but counts it and warns; `return_home = "purpose_or_home_zone"` makes
/// evenings at the home zone Home.
#[test]
fn tour_purposes_return_home_by_zone() {
    let dir = TempDir::new("case-03");
    hts_fixture(
        &dir,
        "pid,seq,ozone,dzone,purp,tst,tet\n\
         11,1,A,B,work,480,510\n11,2,B,A,work,1020,1050\n\
         12,1,A,C,shop,600,620\n12,2,C,A,shop,700,720\n\
         21,1,B,C,other,600,630\n21,2,C,B,other,660,690\n",
    );
    let out = dir.path().join("out");
    let s = prepare(&config(HTS), dir.path(), &out).unwrap();
    assert_eq!(diag(&s, "kept as their purpose"), 3);
    assert!(
        warned(&s, "return_home = \"purpose_or_home_zone\""),
        "{:?}",
        s.manifest.warnings
    );
    assert_eq!(find(&all_diaries(&out.join("hts")), "11").2[20], "Work");

    let tour = config(&HTS.replace(
        "destination_zone = \"dzone\"",
        "destination_zone = \"dzone\"\nreturn_home = \"purpose_or_home_zone\"",
    ));
    let s = prepare(&tour, dir.path(), &out).unwrap();
    assert_eq!(diag(&s, "made a return home"), 3);
    assert!(s
        .manifest
        .warnings
        .iter()
        .all(|w| !w.contains("return_home")));
    let all = all_diaries(&out.join("hts"));
    let p11 = find(&all, "11");
    assert_eq!(
        p11.2[8..18],
        cat(&[rep("Travel", 1), rep("Work", 8), rep("Travel", 1)])[..]
    );
    assert_eq!(p11.2[18..], rep("Home", 6)[..]);
    assert_eq!(p11.3[18..], rep("A", 6)[..]);
    let p21 = find(&all, "21");
    // 10:00-10:30 Travel ties Others, 11:00-11:30 Travel ties Home: Travel both; Home after.
    assert_eq!(p21.2[..10], rep("Home", 10)[..]);
    assert_eq!(p21.2[10..12], rep("Travel", 2)[..]);
    assert_eq!(p21.2[12..], rep("Home", 12)[..]);
}

const NHTS_IDS: &str = r#"
name = "nhts-ids"
[persons]
file = "nhts/trips.csv"
id = "PERSONID"
household = "HOUSEID"
features = ["R_AGE", "WORKER"]
[trips]
file = "nhts/trips.csv"
person = "PERSONID"
order = "TDTRPNUM"
departure = "STRTTIME"
arrival = "ENDTIME"
time_format = "clock"
purpose = "WHYTO"
[activity_codes]
Home = ["01"]
Work = ["03"]
default = "Others"
[split]
id = "HOUSEID"
[segments]
employed = { column = "WORKER", equals = "01" }
student = { column = "R_AGE", range = [5, 18] }
"#;

/// Case 04: person ids that restart in every household. The single-column id is refused
/// with the line where the id reappears under another household; a composite id keeps the
/// four people apart.
#[test]
fn person_ids_unique_only_within_a_household() {
    let dir = TempDir::new("case-04");
    dir.write(
        "nhts/trips.csv",
        "HOUSEID,PERSONID,TDTRPNUM,STRTTIME,ENDTIME,WHYTO,R_AGE,WORKER\r\n\
         1,01,1,07:40,08:05,03,45,01\r\n\
         1,01,2,17:10,17:35,01,45,01\r\n\
         1,02,1,09:00,09:15,11,43,02\r\n\
         1,02,2,10:30,10:45,01,43,02\r\n\
         2,01,1,06:50,07:20,03,29,01\r\n\
         2,01,2,16:00,16:30,01,29,01\r\n\
         4,01,1,12:00,12:10,13,71,02\r\n\
         4,01,2,14:00,14:10,01,71,02\r\n",
    );
    let e = input_error(prepare(
        &config(NHTS_IDS),
        dir.path(),
        &dir.path().join("out"),
    ));
    assert_eq!((e.line, e.field.as_deref()), (6, Some("PERSONID")), "{e}");
    assert!(
        e.message.contains("household `2`") && e.message.contains("household `1` on line 2"),
        "{e}"
    );
    assert!(
        e.message.contains("id = [\"HOUSEID\", \"PERSONID\"]"),
        "{e}"
    );

    let composite = config(
        &NHTS_IDS
            .replace("id = \"PERSONID\"", "id = [\"HOUSEID\", \"PERSONID\"]")
            .replace(
                "person = \"PERSONID\"",
                "person = [\"HOUSEID\", \"PERSONID\"]",
            ),
    );
    let out = dir.path().join("out");
    let s = prepare(&composite, dir.path(), &out).unwrap();
    assert_eq!((s.manifest.persons_read, s.manifest.persons_kept), (4, 4));
    let all = all_diaries(&out.join("nhts-ids"));
    let ids: Vec<&str> = all.iter().map(|d| d.1.as_str()).collect();
    for id in ["1-01", "1-02", "2-01", "4-01"] {
        assert!(ids.contains(&id), "{ids:?}");
    }
    assert_eq!(find(&all, "2-01").2[7..16], rep("Work", 9)[..]);
    assert_eq!(find(&all, "1-02").2[9], "Others");
    assert_eq!(
        diag(&s, "unwrapped"),
        0,
        "no trips chained across households"
    );
}

/// Case 11: CRLF files report the true line; a `;`-separated file is read by setting (or
/// detection) instead of being converted first.
#[test]
fn crlf_lines_and_semicolon_files() {
    let dir = TempDir::new("case-11");
    let t = r#"
name = "t"
[persons]
file = "emp/t.csv"
id = "a"
[episodes]
file = "emp/t.csv"
person = "a"
start = "b"
end = "c"
time_format = "minutes"
code = "b"
[activity_codes]
default = "Home"
[split]
id = "a"
[segments]
employed = { column = "a", equals = "x" }
student = { column = "a", equals = "x" }
"#;
    for (eol, bad_line, text) in [
        ("\n", 2, "a,b,c\n1,x,2\n2,y,3\n"),
        ("\r\n", 2, "a,b,c\r\n1,x,2\r\n2,y,3\r\n"),
        ("\r\n", 4, "a,b,c\r\n1,10,20\r\n2,30,40\r\n3,50,abc\r\n"),
        ("\r", 4, "a,b,c\r1,10,20\r2,30,40\r3,50,abc\r"),
    ] {
        dir.write("emp/t.csv", text);
        let e = input_error(prepare(&config(t), dir.path(), &dir.path().join("out")));
        assert_eq!(e.line, bad_line, "{eol:?}: {e}");
    }

    dir.write(
        "emp/deplacements.csv",
        "IDENT_IND;IDENT_MEN;NUM_DEP;MORIHDEP;MDESHARR;MMOTIFDES;ZONE_ORI;ZONE_DES;AGE;SITUA;TYPEJOUR\r\n\
         101;10;1;07:45:00;08:10:00;9.1;Z1;Z2;44;1;1\r\n\
         101;10;2;17:30:00;18:05:00;1.1;Z2;Z1;44;1;1\r\n\
         102;10;1;09:00:00;09:20:00;2.1;Z1;Z3;41;5;1\r\n\
         102;10;2;11:00:00;11:20:00;1.1;Z3;Z1;41;5;1\r\n",
    );
    dir.write("emp/menages.csv", "IDENT_MEN,ZONE_HOME\n10,Z1\n");
    dir.write(
        "emp/zones.csv",
        "zone;x;y\r\nZ1;650000;6840000\r\nZ2;652000;6841000\r\nZ3;649000;6838500\r\n",
    );
    let emp = |delimiter: &str| {
        config(&format!(
            r#"
name = "emp"
[persons]
file = "emp/deplacements.csv"
id = "IDENT_IND"
household = "IDENT_MEN"
features = ["AGE", "SITUA", "TYPEJOUR"]
{delimiter}
[households]
file = "emp/menages.csv"
id = "IDENT_MEN"
[trips]
file = "emp/deplacements.csv"
person = "IDENT_IND"
order = "NUM_DEP"
departure = "MORIHDEP"
arrival = "MDESHARR"
time_format = "clock"
purpose = "MMOTIFDES"
origin_zone = "ZONE_ORI"
destination_zone = "ZONE_DES"
{delimiter}
[activity_codes]
Home = ["1.1"]
Work = ["9.1"]
School = ["2.1"]
default = "Others"
[split]
id = "IDENT_MEN"
[segments]
employed = {{ column = "SITUA", equals = "1" }}
student = {{ column = "SITUA", equals = "5" }}
weekend = {{ column = "TYPEJOUR", equals = "2" }}
[zones.home]
table = "households"
column = "ZONE_HOME"
[zones.centroids]
file = "emp/zones.csv"
zone = "zone"
x = "x"
y = "y"
crs = "EPSG:2154"
scale_to_km = 0.001
"#
        ))
    };
    let out = dir.path().join("out");
    for setting in ["delimiter = \";\"", ""] {
        let s = prepare(&emp(setting), dir.path(), &out).unwrap();
        assert_eq!(s.manifest.persons_kept, 2, "{setting}");
        assert!(
            s.manifest
                .notes
                .iter()
                .any(|n| n.contains("emp/deplacements.csv read as `;`-separated")),
            "{:?}",
            s.manifest.notes
        );
        let all = all_diaries(&out.join("emp"));
        assert_eq!(find(&all, "101").2[9..17], rep("Work", 8)[..]);
        assert_eq!(find(&all, "102").2[9], "School");
    }
    // A wrong explicit delimiter names the column and points at the right one.
    let e = input_error(prepare(&emp("delimiter = \",\""), dir.path(), &out));
    assert!(e.message.contains("set delimiter = \";\""), "{e}");
}

const ASIM: &str = r#"
name = "asim"
[persons]
file = "asim/persons.csv"
id = "person_id"
household = "household_id"
features = ["age", "ptype", "pemploy", "pstudent"]
[households]
file = "asim/households.csv"
id = "household_id"
[trips]
file = "asim/final_trips.csv"
person = "person_id"
order = "trip_id"
departure = "depart"
arrival = "depart"
time_format = "minutes"
purpose = "purpose"
origin_zone = "origin"
destination_zone = "destination"
[activity_codes]
Home = ["home"]
Work = ["work"]
School = ["school"]
default = "Others"
[split]
id = "household_id"
[segments]
employed = { column = "pemploy", in = ["1", "2"] }
student = { column = "pstudent", in = ["1", "2"] }
[zones]
codes = ["10", "11", "12"]
[zones.home]
table = "households"
column = "home_zone_id"
[zones.centroids]
table = "households"
x = "x"
y = "y"
scale_to_km = 0.001
"#;

/// Case 12: an ActivitySim trip table (departure hour, no arrival). The closest config of
/// the old settings is accepted but warned about loudly; the hour format with an assumed
/// travel time expresses it.
#[test]
fn model_trips_with_departure_hour_only() {
    let dir = TempDir::new("case-12");
    dir.write(
        "asim/final_trips.csv",
        "trip_id,person_id,household_id,purpose,destination,origin,depart\n\
         100,501,1,work,12,10,7\n\
         101,501,1,shopping,11,12,17\n\
         102,501,1,home,10,11,18\n\
         200,502,1,school,11,10,8\n\
         201,502,1,home,10,11,15\n",
    );
    dir.write(
        "asim/households.csv",
        "household_id,home_zone_id,x,y\n1,10,1000,1000\n2,11,3000,1000\n4,12,5000,2000\n",
    );
    dir.write(
        "asim/persons.csv",
        "person_id,household_id,age,ptype,pemploy,pstudent\n501,1,44,1,1,3\n502,1,12,7,4,1\n503,1,70,5,3,3\n",
    );
    let out = dir.path().join("out");
    let s = prepare(&config(ASIM), dir.path(), &out).unwrap();
    assert!(
        warned(&s, "every train slot is Home"),
        "{:?}",
        s.manifest.warnings
    );
    assert!(
        warned(&s, "start within one hour (00:07–00:18)"),
        "{:?}",
        s.manifest.warnings
    );
    assert!(
        s.to_string()
            .contains("WARNING: all 5 trips start within one hour"),
        "{s}"
    );

    let hours = config(&ASIM.replace(
        "arrival = \"depart\"\ntime_format = \"minutes\"",
        "time_format = \"hours\"\nassumed_duration_minutes = 20",
    ));
    let s = prepare(&hours, dir.path(), &out).unwrap();
    assert!(
        s.manifest
            .warnings
            .iter()
            .all(|w| !w.contains("one hour") && !w.contains("every train slot")),
        "{:?}",
        s.manifest.warnings
    );
    assert_eq!(diag(&s, "arrival assumed"), 5);
    let all = all_diaries(&out.join("asim"));
    let p501 = find(&all, "501");
    assert_eq!(
        p501.2,
        cat(&[
            rep("Home", 7),
            rep("Work", 10),
            rep("Others", 1),
            rep("Home", 6)
        ])
    );
    assert_eq!(p501.3[7..17], rep("12", 10)[..]);
    assert_eq!(
        find(&all, "502").2,
        cat(&[rep("Home", 8), rep("School", 7), rep("Home", 9)])
    );
    assert_eq!(find(&all, "503").2, rep("Home", 24));
}

/// Case 13: codebook codes written "01" in the config match data written "1", for activity
/// codes and segment rules alike; codes caught only by the default are counted.
#[test]
fn padded_codes_match_both_ways() {
    let dir = TempDir::new("case-13");
    dir.write(
        "nhts/trips.csv",
        "PKEY,HOUSEID,TDTRPNUM,STRTTIME,ENDTIME,WHYTO,R_AGE,WORKER,TRAVDAY\n\
         101,1,1,07:40,08:05,3,45,1,3\n\
         101,1,2,17:10,17:35,1,45,1,3\n\
         102,1,1,09:00,09:15,11,43,2,3\n\
         102,1,2,10:30,10:45,1,43,2,3\n\
         201,2,1,06:50,07:20,03,29,01,7\n\
         201,2,2,16:00,16:30,01,29,01,7\n",
    );
    let c = config(
        &NHTS_IDS
            .replace("id = \"PERSONID\"", "id = \"PKEY\"")
            .replace("person = \"PERSONID\"", "person = \"PKEY\"")
            .replace("features = [\"R_AGE\", \"WORKER\"]", "features = [\"R_AGE\", \"WORKER\", \"TRAVDAY\"]")
            .replace(
                "student = { column = \"R_AGE\", range = [5, 18] }",
                "student = { column = \"R_AGE\", range = [5, 18] }\nweekend = { column = \"TRAVDAY\", in = [\"01\", \"07\"] }",
            ),
    );
    let out = dir.path().join("out");
    let s = prepare(&c, dir.path(), &out).unwrap();
    let all = all_diaries(&out.join("nhts-ids"));
    assert_eq!(find(&all, "101").2[8..17], rep("Work", 9)[..]);
    assert_eq!(find(&all, "101").2[18], "Home");
    assert_eq!(find(&all, "201").2[7..16], rep("Work", 9)[..]);
    let persons: String = ["train", "val", "test"]
        .iter()
        .map(|s| std::fs::read_to_string(out.join("nhts-ids").join(s).join("persons.csv")).unwrap())
        .collect();
    assert!(persons.contains("101,1,employed,weekday,"), "{persons}");
    assert!(persons.contains("102,1,other,weekday,"), "{persons}");
    assert!(persons.contains("201,2,employed,weekend,"), "{persons}");
    assert_eq!(s.manifest.default_codes.get("11"), Some(&1));
    // `3`, `1`, `1` matched the listed `03`, `01`, `01` (the data's `03`, `01` as written).
    assert_eq!(diag(&s, "written differently"), 3);
    assert_eq!(s.manifest.default_codes.len(), 1);
    // Listed only with padding that the data lacks, codes still match; a code listed
    // twice in two spellings under two activities is refused.
    let e = SurveyConfig::from_toml_str(
        &NHTS_IDS.replace("Work = [\"03\"]", "Work = [\"03\", \"1\"]"),
        Path::new("x.toml"),
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("code `1` is listed under Home and Work"),
        "{e}"
    );
}

/// Case 17 (prepare side): an empty validation split is warned about in the manifest and
/// on the console; an empty train split is refused. (`evaluate` refusing to score an
/// empty split is tested in the orchestrator.)
#[test]
fn empty_splits_warn_and_empty_train_is_refused() {
    let dir = TempDir::new("case-17");
    // Ids 1, 2, 4, 5, 6, 7 are train: no val or test person.
    let mut persons = String::from("pid,age,emp,dow\n");
    let mut episodes = String::from("pid,start,end,where\n");
    for id in [1, 2, 4, 5, 6, 7] {
        persons.push_str(&format!("{id},3{id},yes,3\n"));
        episodes.push_str(&format!(
            "{id},00:00,08:00,home\n{id},08:00,16:00,work\n{id},16:00,00:00,home\n"
        ));
    }
    dir.write("tus/persons.csv", &persons);
    dir.write("tus/episodes.csv", &episodes);
    let text = r#"
name = "tus-f1"
[persons]
file = "tus/persons.csv"
id = "pid"
features = ["age", "emp", "dow"]
[episodes]
file = "tus/episodes.csv"
person = "pid"
start = "start"
end = "end"
time_format = "clock"
code = "where"
[activity_codes]
Home = ["home"]
Work = ["work"]
[split]
id = "pid"
[segments]
employed = { column = "emp", equals = "yes" }
student = { column = "emp", equals = "student" }
weekend = { column = "dow", in = ["1", "7"] }
"#;
    let s = prepare(&config(text), dir.path(), &dir.path().join("out")).unwrap();
    assert_eq!(
        (s.manifest.split_counts.val, s.manifest.split_counts.test),
        (0, 0)
    );
    assert!(
        warned(&s, "the val split is empty"),
        "{:?}",
        s.manifest.warnings
    );
    assert!(
        warned(&s, "the test split is empty"),
        "{:?}",
        s.manifest.warnings
    );
    assert!(s.to_string().contains("WARNING: the val split is empty"));
    // Only val and test ids (3 is val, 9 is test): no train person.
    dir.write(
        "tus/persons.csv",
        "pid,age,emp,dow\n3,30,yes,3\n9,40,yes,3\n",
    );
    dir.write(
        "tus/episodes.csv",
        "pid,start,end,where\n3,00:00,00:00,home\n9,00:00,00:00,home\n",
    );
    let e = input_error(prepare(&config(text), dir.path(), &dir.path().join("out")));
    assert!(e.message.contains("train split"), "{e}");
    assert!(e.path.ends_with("persons.csv"), "{e}");
}
