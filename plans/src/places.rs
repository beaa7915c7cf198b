//! Coordinates for the activities of a plan, drawn inside their zone from the train
//! split's observed locations (`locations.csv` of a prepared benchmark), in the
//! benchmark's coordinate reference system (`crs.json`).
//!
//! A person's Home is at their own coordinates when the persons file gives them
//! (`home_x`, `home_y`), else at one observed home of their home zone. Every other
//! activity is at one observed location of its zone and activity (falling back to any
//! observed location of the zone when that activity was never observed there). A person
//! going back to the same activity in the same zone goes back to the same place. Draws
//! are uniform over the observed points (so places are as frequent as in the survey) and
//! depend on the seed and the person's id only, so any part or shard of a population gets
//! the coordinates the whole population gets.

use crate::plan::Plan;
use mobility::{Activity, Benchmark, FormatError, Loc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;

/// A coordinate reference system, as `crs.json` states it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Crs {
    /// Authority code, e.g. `EPSG:32719`.
    pub crs: String,
    /// Human-readable name, e.g. `WGS 84 / UTM zone 19S`.
    pub name: String,
    /// Unit of the coordinates, e.g. `metre`.
    pub unit: String,
}

/// A point `(x, y)` in the benchmark's CRS.
pub type Point = (f64, f64);

/// The observed locations of a benchmark, per zone and activity.
#[derive(Debug, Clone)]
pub struct ZoneLocations {
    crs: Crs,
    /// `points[zone index][activity index]`, in file order.
    points: Vec<[Vec<Point>; 5]>,
}

/// The random stream of the places of a person, apart from the generator's.
const PLACES_STREAM: u64 = 0x706c_6163_6573_0001;

impl ZoneLocations {
    /// Reads `<bench>/locations.csv` (`zone,activity,x,y`) and `<bench>/crs.json`.
    /// Errors name the file (and line and field): a benchmark without them (activity
    /// task, or prepared without `[locations]`), a zone or activity that is not the
    /// benchmark's, a coordinate that is not a number, or a zone with no location.
    pub fn read(bench: &Benchmark) -> Result<ZoneLocations, FormatError> {
        let crs_path = bench.dir.join("crs.json");
        let path = bench.dir.join("locations.csv");
        if !path.is_file() || !crs_path.is_file() {
            return Err(FormatError::file(
                &path,
                format!(
                    "benchmark `{}` has no observed locations (locations.csv, crs.json): \
                     coordinates need the activity-location task prepared with a [locations] \
                     section (see survey/configs/santiago-2012.toml)",
                    bench.name
                ),
            ));
        }
        let text = std::fs::read_to_string(&crs_path)
            .map_err(|e| FormatError::file(&crs_path, e.to_string()))?;
        let crs: Crs = serde_json::from_str(&text)
            .map_err(|e| FormatError::at(&crs_path, e.line(), None, e.to_string()))?;
        let mut points: Vec<[Vec<Point>; 5]> =
            (0..bench.zones.len()).map(|_| Default::default()).collect();
        let mut reader =
            csv::Reader::from_path(&path).map_err(|e| FormatError::file(&path, e.to_string()))?;
        let header = reader
            .headers()
            .map_err(|e| FormatError::at(&path, 1, None, e.to_string()))?
            .clone();
        let column = |name: &str| {
            header
                .iter()
                .position(|h| h == name)
                .ok_or_else(|| FormatError::at(&path, 1, Some(name), "missing column"))
        };
        let (zc, ac, xc, yc) = (
            column("zone")?,
            column("activity")?,
            column("x")?,
            column("y")?,
        );
        for record in reader.records() {
            let record = record.map_err(|e| {
                let line = e.position().map_or(0, |p| p.line() as usize);
                FormatError::at(&path, line, None, e.to_string())
            })?;
            let line = record.position().map_or(0, |p| p.line() as usize);
            let err =
                |field: &str, message: String| FormatError::at(&path, line, Some(field), message);
            let zone = bench
                .zones
                .lookup(&record[zc])
                .filter(|&z| bench.zones.is_retained(z))
                .ok_or_else(|| {
                    err(
                        "zone",
                        format!("`{}` is not a zone of the benchmark", &record[zc]),
                    )
                })?;
            let activity = Activity::parse(&record[ac])
                .filter(|&a| a != Activity::Travel)
                .ok_or_else(|| {
                    err(
                        "activity",
                        format!("`{}` is not Home, Work, School or Others", &record[ac]),
                    )
                })?;
            let number = |col: usize, field: &str| {
                record[col]
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| err(field, format!("not a number: `{}`", &record[col])))
            };
            points[zone.index()][activity.index()].push((number(xc, "x")?, number(yc, "y")?));
        }
        for zone in bench.zones.retained_zones() {
            if points[zone.index()].iter().all(Vec::is_empty) {
                return Err(FormatError::file(
                    &path,
                    format!("zone `{}` has no observed location", bench.zones.code(zone)),
                ));
            }
        }
        Ok(ZoneLocations { crs, points })
    }

    pub fn crs(&self) -> &Crs {
        &self.crs
    }

    /// The observed points of an activity in a zone (any activity's when there is none).
    pub fn candidates(&self, zone: Loc, activity: Activity) -> &[Point] {
        let Some(by_activity) = self.points.get(zone.index()) else {
            return &[];
        };
        let own = &by_activity[activity.index()];
        if !own.is_empty() {
            return own;
        }
        by_activity
            .iter()
            .find(|v| !v.is_empty())
            .map_or(&[], Vec::as_slice)
    }

    /// One point per activity of `plan`, for the person `person_id` of a population
    /// generated with `seed`; `home` is the person's own home when known. `None` for an
    /// activity without a zone (activity task) or in a zone with no observed location.
    pub fn place(
        &self,
        plan: &Plan,
        person_id: &str,
        seed: u64,
        home: Option<Point>,
    ) -> Vec<Option<Point>> {
        let mut rng =
            ChaCha8Rng::seed_from_u64(heuristics::person_seed(seed, person_id) ^ PLACES_STREAM);
        // Each distinct (activity, zone) gets one place, drawn in order of first visit.
        let mut chosen: Vec<(Activity, Loc, Option<Point>)> = Vec::new();
        plan.activities
            .iter()
            .map(|a| {
                let zone = a.zone?;
                let drawn = match chosen
                    .iter()
                    .find(|(act, z, _)| *act == a.activity && *z == zone)
                {
                    Some(&(_, _, p)) => p,
                    None => {
                        let candidates = self.candidates(zone, a.activity);
                        let p = (!candidates.is_empty())
                            .then(|| candidates[rng.gen_range(0..candidates.len())]);
                        chosen.push((a.activity, zone, p));
                        p
                    }
                };
                // The own home replaces the drawn one; drawing it anyway keeps the other
                // places the same whether or not the home is known.
                match (a.activity, home) {
                    (Activity::Home, Some(own)) => Some(own),
                    _ => drawn,
                }
            })
            .collect()
    }
}
