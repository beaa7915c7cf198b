//! The zone part of a configuration (location task): the zone set, where each person's
//! home zone is read, and where zone centroids come from.

use serde::{Deserialize, Serialize};

/// The zone set and everything the location task needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZoneConfig {
    /// The retained zone codes, fixed (never recomputed from the data); ranges allowed.
    /// May be left out when `[zones.centroids]` reads a zone table (`file`): then the
    /// zones are that table's rows, in file order.
    #[serde(default)]
    pub codes: Vec<String>,
    pub home: HomeZoneLookup,
    pub centroids: CentroidSource,
}

/// Which table a column lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TableRef {
    Persons,
    Households,
}

/// Home zone: a code column, or a name column matched (ignoring case and accents)
/// against a code table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HomeZoneLookup {
    pub table: TableRef,
    pub column: String,
    /// `Some` → the column holds names looked up in this table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_name: Option<CodeTable>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeTable {
    pub file: String,
    pub code_column: String,
    pub name_column: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
}

/// Zone centroids, from one of two sources:
/// - `table = "households"` (or `"persons"`): the mean coordinates of the train-split rows
///   of that table whose home zone is the zone (a zone where nobody lives has none: give a
///   zone table instead);
/// - `file = "zones.csv"` with `zone`: a zone table, one row per zone (destination-only
///   zones included).
///
/// Coordinates are in `crs`: a geographic CRS (`"EPSG:4326"`, `"WGS84"`, `"CRS84"`,
/// `"EPSG:4269"`, `"EPSG:4258"`; `x` = longitude, `y` = latitude, degrees) is projected to
/// km by the equirectangular projection at the mean latitude φ0 of the centroids
/// (x = R·λ·cos φ0, y = R·φ, R = 6371.0088 km, the IUGG mean Earth radius), good to
/// about 1 % over a city region; `"EPSG:3857"` (web Mercator metres) is first inverted to
/// longitude and latitude. Any other CRS (or none) is a projected one whose units
/// `scale_to_km` turns into km (0.001 for metres).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CentroidSource {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<TableRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Zone code column of `file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    pub x: String,
    pub y: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_to_km: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crs: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
}

/// How centroid coordinates become km.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Projection {
    /// Projected units times this factor.
    Scale(f64),
    /// Longitude and latitude in degrees.
    Geographic,
    /// Web Mercator metres.
    WebMercator,
}

impl CentroidSource {
    /// The projection its `crs` and `scale_to_km` describe.
    pub fn projection(&self) -> Result<Projection, String> {
        let crs = self
            .crs
            .as_deref()
            .map(|c| c.trim().to_ascii_uppercase().replace(' ', ""));
        let geographic = matches!(
            crs.as_deref(),
            Some("EPSG:4326" | "WGS84" | "CRS84" | "OGC:CRS84" | "EPSG:4269" | "EPSG:4258")
        );
        let mercator = matches!(crs.as_deref(), Some("EPSG:3857" | "EPSG:900913"));
        match (geographic || mercator, self.scale_to_km) {
            (true, Some(_)) => Err(format!(
                "[zones.centroids] crs `{}` fixes the units: leave out scale_to_km",
                self.crs.as_deref().unwrap_or_default()
            )),
            (true, None) if geographic => Ok(Projection::Geographic),
            (true, None) => Ok(Projection::WebMercator),
            (false, Some(s)) if s.is_finite() && s > 0.0 => Ok(Projection::Scale(s)),
            (false, Some(_)) => Err("[zones.centroids] scale_to_km must be a positive number".into()),
            (false, None) => Err(
                "[zones.centroids] give scale_to_km (projected coordinates: 0.001 for metres) or a geographic crs such as \"EPSG:4326\""
                    .into(),
            ),
        }
    }
}
