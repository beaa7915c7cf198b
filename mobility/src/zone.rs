//! Zones of the activity-location task, interned to small integers.

use crate::csv::CsvFile;
use crate::FormatError;
use std::collections::HashMap;
use std::path::Path;

/// The location token every Travel slot carries.
pub const TRAVEL_TOKEN: &str = "T";

/// An interned location label: [`Loc::TRAVEL`] (`T`), one of the benchmark's retained
/// zones (`1..=retained`), or a code read from a diaries file that is not in the
/// benchmark (kept so that it can be scored as invalid, never dropped).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Loc(pub u16);

impl Loc {
    pub const TRAVEL: Loc = Loc(0);

    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// The benchmark's zones, with centroids in km, plus any unknown codes met while reading.
#[derive(Debug, Clone)]
pub struct ZoneTable {
    codes: Vec<String>,
    centroids: Vec<Option<(f64, f64)>>,
    retained: usize,
    by_code: HashMap<String, Loc>,
}

impl ZoneTable {
    /// A table with the given retained zones and their centroids (km).
    pub fn new(zones: Vec<(String, (f64, f64))>) -> ZoneTable {
        let mut table = ZoneTable {
            codes: vec![TRAVEL_TOKEN.to_string()],
            centroids: vec![None],
            retained: 0,
            by_code: HashMap::from([(TRAVEL_TOKEN.to_string(), Loc::TRAVEL)]),
        };
        for (code, centroid) in zones {
            let loc = Loc(table.codes.len() as u16);
            table.by_code.insert(code.clone(), loc);
            table.codes.push(code);
            table.centroids.push(Some(centroid));
        }
        table.retained = table.codes.len() - 1;
        table
    }

    /// Reads `zones.csv` (`zone,x_km,y_km`).
    pub fn read(path: &Path) -> Result<ZoneTable, FormatError> {
        let file = CsvFile::open(path)?;
        let (zone, x, y) = (
            file.column("zone")?,
            file.column("x_km")?,
            file.column("y_km")?,
        );
        let mut zones = Vec::new();
        let mut seen = HashMap::new();
        for record in file.records() {
            let r = record?;
            let code = r.fields[zone];
            if code.is_empty() || code == TRAVEL_TOKEN {
                return Err(FormatError::at(
                    path,
                    r.line,
                    Some("zone"),
                    "zone code must be non-empty and not `T`",
                ));
            }
            if let Some(first) = seen.insert(code.to_string(), r.line) {
                return Err(FormatError::at(
                    path,
                    r.line,
                    Some("zone"),
                    format!("duplicate zone `{code}` (first on line {first})"),
                ));
            }
            let parse = |i: usize, name: &str| {
                r.fields[i].parse::<f64>().map_err(|_| {
                    FormatError::at(
                        path,
                        r.line,
                        Some(name),
                        format!("not a number: `{}`", r.fields[i]),
                    )
                })
            };
            zones.push((code.to_string(), (parse(x, "x_km")?, parse(y, "y_km")?)));
        }
        Ok(ZoneTable::new(zones))
    }

    /// Writes `zones.csv` with the retained zones.
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        let mut out = String::from("zone,x_km,y_km\n");
        for loc in self.retained_zones() {
            let (x, y) = self.centroid(loc).unwrap();
            out.push_str(&format!("{},{x:.4},{y:.4}\n", self.code(loc)));
        }
        std::fs::write(path, out)
    }

    /// Number of retained zones (the benchmark's zone set, without `T`).
    pub fn retained_count(&self) -> usize {
        self.retained
    }

    /// The retained zones, in file order.
    pub fn retained_zones(&self) -> impl Iterator<Item = Loc> {
        (1..=self.retained).map(|i| Loc(i as u16))
    }

    /// Every interned label, `T` and unknown codes included.
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    pub fn is_retained(&self, loc: Loc) -> bool {
        (1..=self.retained).contains(&loc.index())
    }

    pub fn code(&self, loc: Loc) -> &str {
        &self.codes[loc.index()]
    }

    pub fn lookup(&self, code: &str) -> Option<Loc> {
        self.by_code.get(code).copied()
    }

    /// Looks a code up, adding it as an unknown (non-retained) label if it is new.
    pub fn intern(&mut self, code: &str) -> Loc {
        if let Some(loc) = self.lookup(code) {
            return loc;
        }
        let loc = Loc(self.codes.len() as u16);
        self.codes.push(code.to_string());
        self.centroids.push(None);
        self.by_code.insert(code.to_string(), loc);
        loc
    }

    /// Centroid in km of a retained zone.
    pub fn centroid(&self, loc: Loc) -> Option<(f64, f64)> {
        self.centroids.get(loc.index()).copied().flatten()
    }

    /// Euclidean distance in km between two retained zones.
    pub fn distance_km(&self, a: Loc, b: Loc) -> Option<f64> {
        let (ax, ay) = self.centroid(a)?;
        let (bx, by) = self.centroid(b)?;
        Some(((ax - bx).powi(2) + (ay - by).powi(2)).sqrt())
    }
}
