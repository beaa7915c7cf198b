//! Observed locations of the train split, per zone and activity, and the coordinate
//! reference system they are in: what synthetic activities are placed from
//! (`locations.csv`, `crs.json` of a prepared benchmark).
//!
//! Homes come from the home coordinates of the train-split rows of the home table (the
//! rows the zone centroids are computed from, BENCHMARKS.md "Zone centroids"); other
//! places from the destination coordinates of the trips of kept train-split people, with
//! the activity their purpose maps to (`[activity_codes]`, its default included; trips
//! home are left out, and with `return_home = "purpose_or_home_zone"` so are trips ending
//! at the home zone: a person's home is the home table's). A point is kept when both
//! coordinates are finite numbers other than 0 (surveys write 0 for "not geocoded") and
//! its zone is in the zone set. Output is deterministic: zones in zone-set order, then
//! activities in index order, then source-file order.
//!
//! The two files are listed in the manifest's `location_files` with their SHA-256, outside
//! `content_sha256`: generation reads them, scoring never does, so adding `[locations]` to
//! a configuration leaves the benchmark's content hash as it was.

use crate::activity_codes::CodeMap;
use crate::config::{CentroidSource, Projection, SurveyConfig, TableRef};
use crate::error::PrepareError;
use crate::hashing::split_of;
use crate::import::Outcome;
use crate::person_records::{Col, HomeZone, IdReader, PersonRecords};
use crate::source_table::SourceTable;
use crate::zone_set::ZoneSet;
use mobility::{Activity, Split};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// `[locations]`: where the survey's coordinates are and which reference system they use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocationConfig {
    /// The coordinate reference system, as an authority code (`EPSG:32719`).
    pub crs: String,
    /// Its human-readable name (`WGS 84 / UTM zone 19S`).
    pub crs_name: String,
    /// Unit of the coordinates (`metre`).
    pub unit: String,
    /// Where the CRS was found (documentation, citations), copied into `crs.json`.
    #[serde(default)]
    pub source: String,
    /// Home coordinates: a table (`persons` or `households`) and its x, y columns.
    pub home: HomePoints,
    /// Trip destination coordinates (columns of the `[trips]` table); optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<PointColumns>,
}

/// Home coordinates: the table they are in (the `[zones.home]` table) and its columns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HomePoints {
    pub table: TableRef,
    pub x: String,
    pub y: String,
}

/// An x and a y column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PointColumns {
    pub x: String,
    pub y: String,
}

impl LocationConfig {
    /// What serde cannot check; `config` is the whole survey config.
    pub fn validate(&self, config: &SurveyConfig) -> Result<(), String> {
        if self.crs.trim().is_empty() {
            return Err("[locations] crs is empty".into());
        }
        let Some(zones) = &config.zones else {
            return Err("[locations] needs [zones] (points are placed per zone)".into());
        };
        if self.home.table != zones.home.table {
            return Err("[locations] home.table must be the [zones.home] table".into());
        }
        if self.home.table == TableRef::Households {
            if config.households.is_none() {
                return Err(
                    "[locations] home refers to households but there is no [households]".into(),
                );
            }
            if config.persons.household.as_ref().map(|h| h.names()) != Some(config.split.id.names())
            {
                return Err(
                    "[locations] home.table = households needs the split id to be the household id column (a household row's split is its id's)"
                        .into(),
                );
            }
        }
        if self.destination.is_some() && config.trips.is_none() {
            return Err("[locations] destination needs a [trips] table".into());
        }
        let c = &zones.centroids;
        let same_columns = c.file.is_none()
            && c.table == Some(self.home.table)
            && (c.x.as_str(), c.y.as_str()) == (self.home.x.as_str(), self.home.y.as_str());
        if let (true, Some(centroid_crs)) = (same_columns, &c.crs) {
            if !centroid_crs.trim().eq_ignore_ascii_case(self.crs.trim()) {
                return Err(format!(
                    "[locations] crs `{}` and [zones.centroids] crs `{centroid_crs}` describe the same columns ({}, {}) and must agree",
                    self.crs, c.x, c.y
                ));
            }
        }
        Ok(())
    }
}

/// `crs.json`: the reference system of every coordinate of the prepared benchmark.
#[derive(Debug, Serialize)]
struct CrsFile<'a> {
    crs: &'a str,
    name: &'a str,
    unit: &'a str,
    source: &'a str,
    /// What is in this CRS, file by file.
    files: std::collections::BTreeMap<&'static str, String>,
}

/// Everything the location files are built from, borrowed from `prepare`.
pub(crate) struct LocationInputs<'a> {
    pub config: &'a SurveyConfig,
    pub records: &'a PersonRecords,
    pub zones: &'a ZoneSet,
    pub home: &'a HomeZone,
    /// The split id's columns in the person record.
    pub split_cols: &'a [Col],
    pub codes: &'a CodeMap,
    /// One per person of the person table, in its order.
    pub outcomes: &'a [Outcome],
    pub data_dir: &'a Path,
}

/// The files `locations.csv` and `crs.json` (relative path, bytes), or nothing when the
/// config has no `[locations]`. Errors name the file, line and column of a bad source.
pub(crate) fn location_files(
    inputs: &LocationInputs<'_>,
) -> Result<Vec<(String, Vec<u8>)>, PrepareError> {
    let Some(lc) = &inputs.config.locations else {
        return Ok(Vec::new());
    };
    let zone_count = inputs.zones.len();
    // points[zone][activity] in source order (zone 0, Travel, stays empty).
    let mut points: Vec<[Vec<(f64, f64)>; 5]> =
        (0..=zone_count).map(|_| Default::default()).collect();
    home_points(lc, inputs, &mut points)?;
    if let Some(dest) = &lc.destination {
        destination_points(dest, inputs, &mut points)?;
    }
    let mut csv = String::from("zone,activity,x,y\n");
    for (i, code) in inputs.zones.codes.iter().enumerate() {
        for activity in mobility::ACTIVITIES {
            for (x, y) in &points[i + 1][activity.index()] {
                csv.push_str(&format!("{code},{activity},{x},{y}\n"));
            }
        }
    }
    let zones_crs = inputs
        .config
        .zones
        .as_ref()
        .map(|z| zones_csv_note(&z.centroids, lc))
        .unwrap_or_default();
    let crs = CrsFile {
        crs: &lc.crs,
        name: &lc.crs_name,
        unit: &lc.unit,
        source: &lc.source,
        files: [
            ("locations.csv", format!("x, y in {} ({})", lc.crs, lc.unit)),
            ("zones.csv", zones_crs),
        ]
        .into_iter()
        .collect(),
    };
    let json = serde_json::to_string_pretty(&crs).expect("crs.json serialises") + "\n";
    Ok(vec![
        ("locations.csv".to_string(), csv.into_bytes()),
        ("crs.json".to_string(), json.into_bytes()),
    ])
}

/// How `zones.csv`'s km coordinates relate to the survey's (the centroid projection of
/// `[zones.centroids]`, in its own crs when it names one).
fn zones_csv_note(c: &CentroidSource, lc: &LocationConfig) -> String {
    let crs = c.crs.as_deref().unwrap_or(&lc.crs);
    match c.projection() {
        Ok(Projection::Scale(s)) => format!("x_km, y_km = {crs} coordinates times {s}"),
        Ok(Projection::Geographic) => format!(
            "x_km, y_km = {crs} longitude and latitude projected to km (equirectangular, at the centroids' mean latitude)"
        ),
        Ok(Projection::WebMercator) => format!(
            "x_km, y_km = {crs} coordinates turned into longitude and latitude, then projected to km (equirectangular, at the centroids' mean latitude)"
        ),
        Err(e) => unreachable!("validated centroid projection: {e}"),
    }
}

/// A point from two raw values: finite numbers, not 0 (not geocoded).
fn point(x: &str, y: &str) -> Option<(f64, f64)> {
    let (x, y) = (x.trim().parse::<f64>().ok()?, y.trim().parse::<f64>().ok()?);
    (x.is_finite() && y.is_finite() && x != 0.0 && y != 0.0).then_some((x, y))
}

fn home_points(
    lc: &LocationConfig,
    inputs: &LocationInputs<'_>,
    points: &mut [[Vec<(f64, f64)>; 5]],
) -> Result<(), PrepareError> {
    let records = inputs.records;
    let home = Activity::Home.index();
    match lc.home.table {
        TableRef::Households => {
            let table = records.households.as_ref().expect("validated");
            let (xc, yc) = (table.column(&lc.home.x)?, table.column(&lc.home.y)?);
            // A household row's split is its id's (validated: split id = household id).
            let id_reader = records
                .household_id_column
                .as_ref()
                .expect("validated: [households] has an id");
            for r in 0..table.rows.len() {
                if split_of(&id_reader.read(table, r)) != Split::Train {
                    continue;
                }
                let Some(zone) = inputs.home.of_household_row(table, r, inputs.zones) else {
                    continue;
                };
                if let Some(p) = point(table.get(r, xc), table.get(r, yc)) {
                    points[zone as usize][home].push(p);
                }
            }
        }
        TableRef::Persons => {
            let table = &records.persons;
            let (xc, yc) = (table.column(&lc.home.x)?, table.column(&lc.home.y)?);
            for p in &records.entries {
                if split_of(&records.id_value(p, inputs.split_cols)) != Split::Train {
                    continue;
                }
                let Some(zone) = inputs.home.of_person(records, p, inputs.zones) else {
                    continue;
                };
                if let Some(pt) = point(table.get(p.row, xc), table.get(p.row, yc)) {
                    points[zone as usize][home].push(pt);
                }
            }
        }
    }
    Ok(())
}

fn destination_points(
    dest: &PointColumns,
    inputs: &LocationInputs<'_>,
    points: &mut [[Vec<(f64, f64)>; 5]],
) -> Result<(), PrepareError> {
    let config = inputs.config;
    let trips = config.trips.as_ref().expect("validated");
    let records = inputs.records;
    // The person table already read is the trip table when it is the same file read the
    // same way (Santiago's trip table carries the person attributes).
    let owned;
    let table: &SourceTable = if trips.file == config.persons.file
        && trips.csv_options() == config.persons.csv_options()
    {
        &records.persons
    } else {
        owned = SourceTable::read_with(&inputs.data_dir.join(&trips.file), &trips.csv_options())?;
        &owned
    };
    let person = IdReader::resolve(&trips.person, table)?;
    let purpose_col = table.column(&trips.purpose)?;
    let zone_col = table.column(trips.destination_zone.as_deref().expect("validated"))?;
    let (xc, yc) = (table.column(&dest.x)?, table.column(&dest.y)?);
    let home_zone_is_home = !trips.return_home.is_purpose();
    for r in 0..table.rows.len() {
        let Some(&index) = records.by_id.get(person.read(table, r).as_ref()) else {
            continue;
        };
        if !matches!(inputs.outcomes.get(index), Some(Outcome::Kept(_))) {
            continue;
        }
        let entry = &records.entries[index];
        if split_of(&records.id_value(entry, inputs.split_cols)) != Split::Train {
            continue;
        }
        let Some(zone) = inputs.zones.lookup(table.get(r, zone_col)) else {
            continue;
        };
        let code = table.get(r, purpose_col);
        let Some(activity) = inputs
            .codes
            .lookup_spelled(code)
            .map(|(a, _)| a)
            .or_else(|| inputs.codes.default())
        else {
            continue;
        };
        // Homes come from the home table only: a trip "home" may end at another home.
        if matches!(activity, Activity::Travel | Activity::Home) {
            continue;
        }
        if home_zone_is_home && inputs.home.of_person(records, entry, inputs.zones) == Some(zone) {
            continue;
        }
        if let Some(p) = point(table.get(r, xc), table.get(r, yc)) {
            points[zone as usize][activity.index()].push(p);
        }
    }
    Ok(())
}
