//! Zone centroids (km) for the location task, and the zone set when a zone table gives it.
//!
//! Two sources (see [`CentroidSource`]): the mean coordinates of the train-split rows of
//! the household (or person) table living in each zone, or a zone table with one row per
//! zone, which also places zones where nobody lives. Coordinates are turned into km by
//! the CRS's rule: a scale for projected coordinates, or the equirectangular projection
//! at the centroids' mean latitude for longitude and latitude.

use crate::config::{CentroidSource, Projection, TableRef, ZoneConfig};
use crate::error::PrepareError;
use crate::hashing::split_of;
use crate::person_records::{Col, HomeZone, PersonRecords};
use crate::source_table::SourceTable;
use crate::zone_set::ZoneSet;
use mobility::{Split, ZoneTable};
use std::path::Path;

/// The IUGG mean Earth radius, km.
const EARTH_RADIUS_KM: f64 = 6371.0088;
/// The WGS 84 semi-major axis, m (the sphere of web Mercator, EPSG:3857).
const MERCATOR_RADIUS_M: f64 = 6_378_137.0;

/// The zone set of the config, and the zone table when `[zones.centroids]` reads one.
pub fn zone_set(
    zc: &ZoneConfig,
    data_dir: &Path,
    config_path: &Path,
) -> Result<(ZoneSet, Option<SourceTable>), PrepareError> {
    let config_error = |message: String| PrepareError::Config {
        path: config_path.to_path_buf(),
        message,
    };
    let table = match &zc.centroids.file {
        Some(f) => Some(SourceTable::read_with(
            &data_dir.join(f),
            &zc.centroids.csv_options(),
        )?),
        None => None,
    };
    let zones = match (&table, zc.codes.is_empty()) {
        (Some(t), true) => {
            let col = t.column(zc.centroids.zone.as_deref().expect("validated"))?;
            let mut codes = Vec::with_capacity(t.rows.len());
            for r in 0..t.rows.len() {
                let code = t.get(r, col);
                if code.is_empty() || code == mobility::TRAVEL_TOKEN {
                    return Err(t.error(
                        r,
                        zc.centroids.zone.as_deref().unwrap_or_default(),
                        "a zone code is empty or `T`",
                    ));
                }
                if let Some(first) = codes.iter().position(|c| c == code) {
                    return Err(t.error(
                        r,
                        zc.centroids.zone.as_deref().unwrap_or_default(),
                        format!("duplicate zone `{code}` (first on line {})", t.lines[first]),
                    ));
                }
                codes.push(code.to_string());
            }
            ZoneSet::from_codes(codes).map_err(config_error)?
        }
        _ => ZoneSet::new(&zc.codes).map_err(config_error)?,
    };
    Ok((zones, table))
}

/// Everything the centroid computation reads.
pub struct CentroidInputs<'a> {
    pub config: &'a ZoneConfig,
    pub zones: &'a ZoneSet,
    pub zone_table: Option<&'a SourceTable>,
    pub home: &'a HomeZone,
    pub records: &'a PersonRecords,
    pub split_cols: &'a [Col],
}

/// The zone table in km, and warnings about the coordinates.
pub fn centroids(input: &CentroidInputs) -> Result<(ZoneTable, Vec<String>), PrepareError> {
    let c = &input.config.centroids;
    let projection = c.projection().map_err(|message| PrepareError::Config {
        path: Path::new("<config>").to_path_buf(),
        message,
    })?;
    let (raw, source_path) = match (input.zone_table, c.table) {
        (Some(t), _) => (from_zone_table(c, input.zones, t)?, t.path.clone()),
        (None, Some(TableRef::Households)) => {
            let table = input.records.households.as_ref().expect("validated");
            (from_households(c, input, table)?, table.path.clone())
        }
        (None, _) => (from_persons(c, input)?, input.records.persons.path.clone()),
    };
    let mut means = Vec::with_capacity(raw.len());
    for (i, code) in input.zones.codes.iter().enumerate() {
        let (x, y, n) = raw[i];
        if n == 0 {
            return Err(PrepareError::input(
                &source_path,
                0,
                Some(&c.x),
                format!(
                    "zone `{code}` has no train-split row with coordinates to place its centroid (a zone where nobody lives needs a zone table: [zones.centroids] file = \"…\", zone = \"…\")"
                ),
            ));
        }
        means.push((x / n as f64, y / n as f64));
    }
    let mut warnings = Vec::new();
    let km = project(projection, &means, &source_path, c)?;
    if let Projection::Scale(_) = projection {
        if means
            .iter()
            .all(|(x, y)| x.abs() <= 180.0 && y.abs() <= 90.0)
        {
            warnings.push(format!(
                "every zone centroid lies within ±180, ±90 in `{}`/`{}`: if these are longitude and latitude, set crs = \"EPSG:4326\" (and no scale_to_km)",
                c.x, c.y
            ));
        }
    }
    let zones = input
        .zones
        .codes
        .iter()
        .cloned()
        .zip(km)
        .collect::<Vec<_>>();
    Ok((ZoneTable::new(zones), warnings))
}

/// Per zone (in set order): sums of x and y and the number of rows.
type Sums = Vec<(f64, f64, usize)>;

fn parse(v: &str) -> Option<f64> {
    v.parse::<f64>().ok().filter(|x| x.is_finite())
}

fn from_zone_table(
    c: &CentroidSource,
    zones: &ZoneSet,
    t: &SourceTable,
) -> Result<Sums, PrepareError> {
    let zone_name = c.zone.as_deref().expect("validated");
    let (zc, xc, yc) = (t.column(zone_name)?, t.column(&c.x)?, t.column(&c.y)?);
    let mut sums: Sums = vec![(0.0, 0.0, 0); zones.len()];
    let mut lines = vec![0usize; zones.len()];
    for r in 0..t.rows.len() {
        let Some(z) = zones.lookup(t.get(r, zc)) else {
            continue;
        };
        let i = z as usize - 1;
        if sums[i].2 > 0 {
            return Err(t.error(
                r,
                zone_name,
                format!(
                    "duplicate zone `{}` (first on line {})",
                    t.get(r, zc),
                    lines[i]
                ),
            ));
        }
        let coordinate = |col: usize, name: &str| {
            parse(t.get(r, col))
                .ok_or_else(|| t.error(r, name, format!("`{}` is not a coordinate", t.get(r, col))))
        };
        sums[i] = (coordinate(xc, &c.x)?, coordinate(yc, &c.y)?, 1);
        lines[i] = t.lines[r];
    }
    if let Some(i) = sums.iter().position(|s| s.2 == 0) {
        return Err(PrepareError::input(
            &t.path,
            0,
            Some(zone_name),
            format!(
                "zone `{}` of [zones] codes has no row in this zone table",
                zones.codes[i]
            ),
        ));
    }
    Ok(sums)
}

fn from_households(
    c: &CentroidSource,
    input: &CentroidInputs,
    table: &SourceTable,
) -> Result<Sums, PrepareError> {
    let mut sums: Sums = vec![(0.0, 0.0, 0); input.zones.len()];
    let (xc, yc) = (table.column(&c.x)?, table.column(&c.y)?);
    // The split id of a household row is its id (validated: split id = household id).
    let id_reader =
        input
            .records
            .household_id_column
            .as_ref()
            .ok_or_else(|| PrepareError::Config {
                path: input.records.persons.path.clone(),
                message: "centroids from households need [households] id".into(),
            })?;
    for r in 0..table.rows.len() {
        if split_of(&id_reader.read(table, r)) != Split::Train {
            continue;
        }
        let Some(zone) = input.home.of_household_row(table, r, input.zones) else {
            continue;
        };
        if let (Some(x), Some(y)) = (parse(table.get(r, xc)), parse(table.get(r, yc))) {
            let s = &mut sums[zone as usize - 1];
            s.0 += x;
            s.1 += y;
            s.2 += 1;
        }
    }
    Ok(sums)
}

fn from_persons(c: &CentroidSource, input: &CentroidInputs) -> Result<Sums, PrepareError> {
    let mut sums: Sums = vec![(0.0, 0.0, 0); input.zones.len()];
    let records = input.records;
    let table = &records.persons;
    let (xc, yc) = (table.column(&c.x)?, table.column(&c.y)?);
    for p in &records.entries {
        if split_of(&records.id_value(p, input.split_cols)) != Split::Train {
            continue;
        }
        let Some(zone) = input.home.of_person(records, p, input.zones) else {
            continue;
        };
        if let (Some(x), Some(y)) = (parse(table.get(p.row, xc)), parse(table.get(p.row, yc))) {
            let s = &mut sums[zone as usize - 1];
            s.0 += x;
            s.1 += y;
            s.2 += 1;
        }
    }
    Ok(sums)
}

/// Mean coordinates → km.
fn project(
    projection: Projection,
    means: &[(f64, f64)],
    path: &Path,
    c: &CentroidSource,
) -> Result<Vec<(f64, f64)>, PrepareError> {
    let lon_lat: Vec<(f64, f64)> = match projection {
        Projection::Scale(s) => return Ok(means.iter().map(|&(x, y)| (x * s, y * s)).collect()),
        Projection::Geographic => means.to_vec(),
        Projection::WebMercator => means
            .iter()
            .map(|&(x, y)| {
                (
                    (x / MERCATOR_RADIUS_M).to_degrees(),
                    (2.0 * (y / MERCATOR_RADIUS_M).exp().atan() - std::f64::consts::FRAC_PI_2)
                        .to_degrees(),
                )
            })
            .collect(),
    };
    if let Some(&(lon, lat)) = lon_lat
        .iter()
        .find(|(lon, lat)| lon.abs() > 180.0 || lat.abs() > 90.0)
    {
        return Err(PrepareError::input(
            path,
            0,
            Some(&c.x),
            format!(
                "a centroid at ({lon}, {lat}) is not a longitude and latitude in degrees: for projected coordinates give their crs and scale_to_km"
            ),
        ));
    }
    let phi0 =
        (lon_lat.iter().map(|p| p.1).sum::<f64>() / lon_lat.len().max(1) as f64).to_radians();
    Ok(lon_lat
        .iter()
        .map(|&(lon, lat)| {
            (
                EARTH_RADIUS_KM * lon.to_radians() * phi0.cos(),
                EARTH_RADIUS_KM * lat.to_radians(),
            )
        })
        .collect())
}
