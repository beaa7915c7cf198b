//! Shapes of survey files that have no handed case: every time format, origin activities
//! and zoneless trip tables, zone tables in a geographic CRS, zones where nobody lives,
//! file encodings.

use super::*;

fn input_error(result: Result<PrepareSummary, PrepareError>) -> mobility::FormatError {
    match result {
        Err(PrepareError::Input(e)) => e,
        other => panic!("expected an input error, got {other:?}"),
    }
}

const TRIPS: &str = r#"
name = "shape"
[persons]
file = "persons.csv"
id = "pid"
features = ["age", "job"]
[trips]
file = "trips.csv"
person = "pid"
order = "n"
departure = "dep"
arrival = "arr"
time_format = "clock"
diary_start = "04:00"
purpose = "why"
[activity_codes]
Home = ["home"]
Work = ["work"]
default = "Others"
[split]
id = "pid"
[segments]
employed = { column = "job", equals = "yes" }
student = { column = "age", range = [5, 18] }
"#;

/// One day written in every time format gives the same diaries: clock (with AM/PM), HHMM
/// integers, hours, minutes, seconds, minutes after the diary start, fractions of the day,
/// timestamps (crossing midnight), and separate hour and minute columns.
#[test]
fn every_time_format_gives_the_same_day() {
    // Person 1 works 07:40-17:10, goes out at 20:00 and is home at 00:30 the next day;
    // person 2 leaves at 09:05 and shops from 09:20.
    let times: [(u32, u32, u32, u32, &str); 4] = [
        (1, 7 * 60 + 40, 8 * 60 + 5, 1, "work"),
        (1, 17 * 60 + 10, 17 * 60 + 35, 2, "home"),
        (1, 20 * 60, 20 * 60 + 20, 3, "leisure"),
        (2, 9 * 60 + 5, 9 * 60 + 20, 1, "shop"),
    ];
    // The night out returns at 24:30 (00:30 the next calendar day).
    let last = (1u32, 24 * 60 + 10, 24 * 60 + 30, 4u32, "home");
    let all_trips: Vec<_> = times.iter().copied().chain([last]).collect();
    let clock = |m: u32| format!("{:02}:{:02}", (m / 60) % 24, m % 60);
    let ampm = |m: u32| {
        let h = (m / 60) % 24;
        format!(
            "{}:{:02} {}",
            if h % 12 == 0 { 12 } else { h % 12 },
            m % 60,
            if h < 12 { "AM" } else { "PM" }
        )
    };
    type Writer<'a> = Box<dyn Fn(u32) -> String + 'a>;
    let formats: Vec<(&str, &str, Writer)> = vec![
        ("clock", "", Box::new(clock)),
        ("clock", "", Box::new(ampm)),
        (
            "hhmm",
            "",
            Box::new(|m| format!("{}", (m / 60) * 100 + m % 60)),
        ),
        (
            "hours",
            "",
            Box::new(|m| format!("{}", f64::from(m) / 60.0)),
        ),
        ("minutes", "", Box::new(|m| m.to_string())),
        ("seconds", "", Box::new(|m| (m * 60).to_string())),
        (
            "minutes",
            "time_origin = \"diary_start\"",
            Box::new(|m| (m - 240).to_string()),
        ),
        (
            "day_fraction",
            "",
            Box::new(|m| format!("{}", f64::from(m) / 1440.0)),
        ),
        (
            "timestamp",
            "",
            Box::new(|m| format!("2023-03-{:02} {}:00", 14 + m / 1440, clock(m))),
        ),
    ];
    let mut expected = None;
    for (format, extra, write) in &formats {
        let dir = TempDir::new("formats");
        dir.write("persons.csv", "pid,age,job\n1,40,yes\n2,70,no\n");
        let mut text = String::from("pid,n,dep,arr,why\n");
        for (p, d, a, n, why) in &all_trips {
            text.push_str(&format!("{p},{n},{},{},{why}\n", write(*d), write(*a)));
        }
        dir.write("trips.csv", &text);
        let c = config(&TRIPS.replace(
            "time_format = \"clock\"",
            &format!("time_format = \"{format}\"\n{extra}"),
        ));
        let out = dir.path().join("out");
        prepare(&c, dir.path(), &out).unwrap_or_else(|e| panic!("{format} {extra}: {e}"));
        let got = all_diaries(&out.join("shape"));
        match &expected {
            None => expected = Some(got),
            Some(e) => assert_eq!(&got, e, "{format} {extra}"),
        }
    }
    let got = expected.unwrap();
    // No zones: the day starts at Home. Slot 17: Travel 25 min ties Home: Travel. The
    // night out (20:20-00:10) and the trip home (00:10-00:30) fill the diary's end: slot 00
    // is Home (30 min) over Travel (20) and Others (10).
    assert_eq!(
        find(&got, "1").2,
        cat(&[
            rep("Home", 8),
            rep("Work", 9),
            rep("Travel", 1),
            rep("Home", 2),
            rep("Others", 4),
        ])
    );
    assert_eq!(find(&got, "2").2[9], "Others");

    // Hour and minute in separate columns.
    let dir = TempDir::new("hour-minute");
    dir.write("persons.csv", "pid,age,job\n1,40,yes\n2,70,no\n");
    let mut text = String::from("pid,n,dh,dm,ah,am,why\n");
    for (p, d, a, n, why) in &all_trips {
        text.push_str(&format!(
            "{p},{n},{},{},{},{},{why}\n",
            d / 60,
            d % 60,
            a / 60,
            a % 60
        ));
    }
    dir.write("trips.csv", &text);
    let c = config(
        &TRIPS
            .replace(
                "departure = \"dep\"",
                "departure = { hour = \"dh\", minute = \"dm\" }",
            )
            .replace(
                "arrival = \"arr\"",
                "arrival = { hour = \"ah\", minute = \"am\" }",
            ),
    );
    let out = dir.path().join("out");
    prepare(&c, dir.path(), &out).unwrap();
    assert_eq!(all_diaries(&out.join("shape")), got);
    // A bad minute names its own column and line.
    dir.write("trips.csv", text.replace("1,1,7,40,", "1,1,7,75,"));
    let e = input_error(prepare(&c, dir.path(), &out));
    assert_eq!((e.line, e.field.as_deref()), (2, Some("dm")), "{e}");
    // A zone offset in a timestamp is refused, naming the line.
    dir.write(
        "trips.csv",
        "pid,n,dep,arr,why\n1,1,2023-03-14T07:40:00Z,2023-03-14T08:05:00Z,work\n2,1,2023-03-14 09:05,2023-03-14 09:50,shop\n",
    );
    let ts = config(&TRIPS.replace("time_format = \"clock\"", "time_format = \"timestamp\""));
    let e = input_error(prepare(&ts, dir.path(), &out));
    assert!(e.line == 2 && e.message.contains("time-zone"), "{e}");
}

/// A travel-time column instead of an arrival; an origin-activity column starting the day
/// away from home (night shift) in a trip table without zones.
#[test]
fn travel_time_column_and_origin_activity() {
    let dir = TempDir::new("origin");
    dir.write("persons.csv", "pid,age,job\n1,40,yes\n2,70,no\n");
    dir.write(
        "trips.csv",
        "pid,n,dep,mins,why,from\n1,1,06:30,30,home,work\n1,2,22:00,30,work,home\n2,1,09:05,45,shop,home\n",
    );
    let c = config(
        &TRIPS
            .replace(
                "arrival = \"arr\"",
                "duration = \"mins\"\norigin_purpose = \"from\"",
            )
            .replace("diary_start = \"04:00\"", "diary_start = \"00:00\""),
    );
    let out = dir.path().join("out");
    prepare(&c, dir.path(), &out).unwrap();
    let all = all_diaries(&out.join("shape"));
    assert_eq!(
        find(&all, "1").2,
        cat(&[
            rep("Work", 6),
            rep("Travel", 1),
            rep("Home", 15),
            rep("Travel", 1),
            rep("Work", 1)
        ])
    );
    // Without the origin column the day of a zoneless trip table starts at Home.
    let plain = config(
        &TRIPS
            .replace("arrival = \"arr\"", "duration = \"mins\"")
            .replace("diary_start = \"04:00\"", "diary_start = \"00:00\""),
    );
    prepare(&plain, dir.path(), &out).unwrap();
    assert_eq!(
        find(&all_diaries(&out.join("shape")), "1").2[..6],
        rep("Home", 6)[..]
    );
    // An arrival setting that contradicts another is refused.
    let e = SurveyConfig::from_toml_str(
        &TRIPS.replace(
            "arrival = \"arr\"",
            "arrival = \"arr\"\nassumed_duration_minutes = 10",
        ),
        Path::new("x.toml"),
    )
    .unwrap_err();
    assert!(e.to_string().contains("exactly one of `arrival`"), "{e}");
}

const ZONED: &str = r#"
name = "zoned"
[persons]
file = "persons.csv"
id = "pid"
household = "hid"
features = ["age"]
[households]
file = "households.csv"
id = "hid"
[trips]
file = "trips.csv"
person = "pid"
departure = "dep"
arrival = "arr"
purpose = "why"
origin_zone = "o"
destination_zone = "d"
[activity_codes]
Home = ["home"]
Work = ["work"]
default = "Others"
[split]
id = "hid"
[segments]
employed = { column = "age", range = [18, 64] }
student = { column = "age", range = [5, 17] }
[zones]
codes = ["1", "2", "9"]
[zones.home]
table = "households"
column = "zone"
[zones.centroids]
table = "households"
x = "x"
y = "y"
scale_to_km = 0.001
"#;

fn zoned_fixture(dir: &TempDir) {
    // Households 1 and 2 (train) live in zones 1 and 2; zone 9 is a workplace zone.
    dir.write(
        "households.csv",
        "hid,zone,x,y\n1,01,1000,1000\n2,2,4000,5000\n",
    );
    dir.write("persons.csv", "pid,hid,age\n10,1,40\n20,2,30\n");
    dir.write(
        "trips.csv",
        "pid,dep,arr,why,o,d\n10,08:00,08:30,work,1,9\n10,17:00,17:30,home,9,1\n20,09:00,09:10,shop,2,1\n20,11:00,11:10,home,1,2\n",
    );
}

/// Zones where nobody lives need a zone table; given one in longitude and latitude, web
/// Mercator or projected metres, centroids are in km; implausible coordinates are named.
#[test]
fn zone_tables_and_their_crs() {
    let dir = TempDir::new("zones");
    zoned_fixture(&dir);
    let out = dir.path().join("out");
    let e = input_error(prepare(&config(ZONED), dir.path(), &out));
    assert!(
        e.message.contains("zone `9`") && e.message.contains("zone table"),
        "{e}"
    );

    let with_table = |crs: &str| {
        config(&ZONED.replace(
            "table = \"households\"\nx = \"x\"\ny = \"y\"\nscale_to_km = 0.001",
            &format!("file = \"zones.csv\"\nzone = \"zone\"\nx = \"x\"\ny = \"y\"\n{crs}"),
        ))
    };
    let distance = |bench: &Path, a: &str, b: &str| {
        let zones = mobility::ZoneTable::read(&bench.join("zones.csv")).unwrap();
        let (p, q) = (
            zones.centroid(zones.lookup(a).unwrap()).unwrap(),
            zones.centroid(zones.lookup(b).unwrap()).unwrap(),
        );
        ((p.0 - q.0).powi(2) + (p.1 - q.1).powi(2)).sqrt()
    };
    // Santiago: 1° of latitude ≈ 111.2 km; 1° of longitude at 33.45° S ≈ 92.8 km.
    dir.write(
        "zones.csv",
        "zone,x,y\n1,-70.65,-33.45\n2,-70.65,-33.35\n9,-70.55,-33.45\n",
    );
    let s = prepare(&with_table("crs = \"EPSG:4326\""), dir.path(), &out).unwrap();
    assert!((distance(&s.out_dir, "1", "2") - 11.12).abs() < 0.02);
    assert!((distance(&s.out_dir, "1", "9") - 9.28).abs() < 0.05);
    assert!(s.manifest.sources.iter().any(|f| f.path == "zones.csv"));
    // The same points in web Mercator metres.
    let merc = |lon: f64, lat: f64| {
        let r = 6_378_137.0_f64;
        (
            r * lon.to_radians(),
            r * (std::f64::consts::FRAC_PI_4 + lat.to_radians() / 2.0)
                .tan()
                .ln(),
        )
    };
    let mut text = String::from("zone,x,y\n");
    for (z, lon, lat) in [
        ("1", -70.65, -33.45),
        ("2", -70.65, -33.35),
        ("9", -70.55, -33.45),
    ] {
        let (x, y) = merc(lon, lat);
        text.push_str(&format!("{z},{x},{y}\n"));
    }
    dir.write("zones.csv", &text);
    let s = prepare(&with_table("crs = \"EPSG:3857\""), dir.path(), &out).unwrap();
    assert!((distance(&s.out_dir, "1", "9") - 9.28).abs() < 0.05);
    // Degrees given as projected coordinates: accepted as asked, with a warning.
    dir.write(
        "zones.csv",
        "zone,x,y\n1,-70.65,-33.45\n2,-70.65,-33.35\n9,-70.55,-33.45\n",
    );
    let s = prepare(&with_table("scale_to_km = 0.001"), dir.path(), &out).unwrap();
    assert!(
        s.manifest.warnings.iter().any(|w| w.contains("EPSG:4326")),
        "{:?}",
        s.manifest.warnings
    );
    // Projected coordinates declared geographic: refused.
    dir.write(
        "zones.csv",
        "zone,x,y\n1,350000,6290000\n2,351000,6291000\n9,352000,6292000\n",
    );
    let e = input_error(prepare(&with_table("crs = \"WGS84\""), dir.path(), &out));
    assert!(e.message.contains("not a longitude and latitude"), "{e}");
    // A zone of the set missing from the table, and a bad coordinate, are named.
    dir.write("zones.csv", "zone,x,y\n1,1,1\n2,2,x2\n");
    let e = input_error(prepare(&with_table("scale_to_km = 1.0"), dir.path(), &out));
    assert_eq!((e.line, e.field.as_deref()), (3, Some("y")), "{e}");
    dir.write("zones.csv", "zone,x,y\n1,1,1\n2,2,2\n");
    let e = input_error(prepare(&with_table("scale_to_km = 1.0"), dir.path(), &out));
    assert!(e.message.contains("zone `9`"), "{e}");
    // Both a scale and a geographic CRS: refused as a config error.
    let e = SurveyConfig::from_toml_str(
        &ZONED.replace(
            "scale_to_km = 0.001",
            "scale_to_km = 0.001\ncrs = \"EPSG:4326\"",
        ),
        Path::new("x.toml"),
    )
    .unwrap_err();
    assert!(e.to_string().contains("leave out scale_to_km"), "{e}");
}

/// Files in UTF-16 (by byte-order mark), in a legacy encoding (by setting), and the error
/// for legacy bytes read as UTF-8, naming line and field and the setting to use.
#[test]
fn file_encodings() {
    let dir = TempDir::new("encodings");
    zoned_fixture(&dir);
    dir.write(
        "zones.csv",
        "zone,x,y\n1,1000,1000\n2,4000,5000\n9,3000,3000\n",
    );
    let c = config(&ZONED.replace(
        "table = \"households\"\nx = \"x\"\ny = \"y\"\nscale_to_km = 0.001",
        "file = \"zones.csv\"\nzone = \"zone\"\nx = \"x\"\ny = \"y\"\nscale_to_km = 0.001",
    ));
    let out = dir.path().join("out");
    let reference = prepare(&c, dir.path(), &out)
        .unwrap()
        .manifest
        .content_sha256;
    let text = std::fs::read_to_string(dir.path().join("trips.csv")).unwrap();
    let mut utf16 = vec![0xFF, 0xFE];
    for u in text.replace('\n', "\r\n").encode_utf16() {
        utf16.extend(u.to_le_bytes());
    }
    dir.write("trips.csv", &utf16);
    let s = prepare(&c, dir.path(), &out).unwrap();
    assert_eq!(s.manifest.content_sha256, reference);
    assert!(
        s.manifest.notes.iter().any(|n| n.contains("UTF-16LE")),
        "{:?}",
        s.manifest.notes
    );

    dir.write("trips.csv", &text);
    dir.write(
        "persons.csv",
        b"pid,hid,age,town\n10,1,40,Pe\xf1alol\xe9n\n20,2,30,Maip\xfa\n",
    );
    let towns = config(&c_text_with_town());
    let e = input_error(prepare(&towns, dir.path(), &out));
    assert_eq!((e.line, e.field.as_deref()), (2, Some("town")), "{e}");
    assert!(e.message.contains("encoding"), "{e}");
    let latin = config(&c_text_with_town().replace(
        "features = [\"age\", \"town\"]",
        "features = [\"age\", \"town\"]\nencoding = \"latin1\"",
    ));
    let s = prepare(&latin, dir.path(), &out).unwrap();
    let persons = std::fs::read_to_string(s.out_dir.join("train/persons.csv")).unwrap();
    assert!(
        persons.contains(",Peñalolén\n") && persons.contains(",Maipú\n"),
        "{persons}"
    );
    let e = SurveyConfig::from_toml_str(
        &c_text_with_town().replace(
            "features = [\"age\", \"town\"]",
            "features = [\"age\", \"town\"]\nencoding = \"klingon\"",
        ),
        Path::new("x.toml"),
    )
    .unwrap_err();
    assert!(e.to_string().contains("klingon"), "{e}");
}

fn c_text_with_town() -> String {
    ZONED
        .replace("features = [\"age\"]", "features = [\"age\", \"town\"]")
        .replace(
            "table = \"households\"\nx = \"x\"\ny = \"y\"\nscale_to_km = 0.001",
            "file = \"zones.csv\"\nzone = \"zone\"\nx = \"x\"\ny = \"y\"\nscale_to_km = 0.001",
        )
}
