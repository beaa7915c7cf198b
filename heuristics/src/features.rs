//! Reading person features by name, robust to both benchmarks' column names (ATUS `age`,
//! `sex`, …; Santiago `edad`, `sexo`, …). A missing column or an empty value is unknown,
//! which similarity treats as neutral.
//!
//! A [`Profile`] is the compact, hashable summary of a person that retrieval compares:
//! numbers for age and weekly work hours, and one code per categorical [`Role`].

use mobility::{Loc, Person, Segment};

/// The categorical aspects of a person that similarity compares, each read from one or
/// more columns (all of a role's columns must agree for a match).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Sex.
    Sex,
    /// Labour status, full/part time, occupation, student level.
    Work,
    /// Day of week, holiday, season.
    Day,
    /// Children in the household.
    Household,
    /// Income band.
    Income,
    /// Industry of the main job (who works weekends, nights, shifts).
    Industry,
    /// Occupation of the main job.
    Occupation,
    /// Class of worker of the main job (private, government, self-employed): who sets the
    /// hours and where the work is done.
    Class,
}

impl Role {
    /// All roles, in [`Profile::codes`] order.
    pub const ALL: [Role; 8] = [
        Role::Sex,
        Role::Work,
        Role::Day,
        Role::Household,
        Role::Income,
        Role::Industry,
        Role::Occupation,
        Role::Class,
    ];

    /// Column names (either benchmark) that make up this role.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Role::Sex => &["sex", "sexo"],
            Role::Work => &[
                "labor_status",
                "ptft",
                "student_status",
                "student_level",
                "ocupacion",
            ],
            Role::Day => &["diary_day", "holiday", "temporada"],
            Role::Household => &["hh_child"],
            Role::Income => &["famincome", "ingreso"],
            Role::Industry => &["ind_code"],
            Role::Occupation => &["occup_code"],
            Role::Class => &["work_class"],
        }
    }
}

/// Column names holding the age in years.
pub const AGE_COLUMNS: [&str; 2] = ["age", "edad"];
/// Column names holding the usual weekly work hours.
pub const WORK_HOURS_COLUMNS: [&str; 1] = ["work_hrs_week"];

/// Where each feature sits in a persons table's feature columns.
#[derive(Debug, Clone, Default)]
pub struct FeatureColumns {
    age: Option<usize>,
    work_hours: Option<usize>,
    roles: [Vec<usize>; Role::ALL.len()],
}

impl FeatureColumns {
    /// Resolves the columns by name in a table's `feature_names`.
    pub fn resolve(feature_names: &[String]) -> FeatureColumns {
        let find = |names: &[&str]| {
            names
                .iter()
                .find_map(|n| feature_names.iter().position(|f| f == n))
        };
        let mut columns = FeatureColumns {
            age: find(&AGE_COLUMNS),
            work_hours: find(&WORK_HOURS_COLUMNS),
            ..FeatureColumns::default()
        };
        for (i, role) in Role::ALL.into_iter().enumerate() {
            columns.roles[i] = role
                .columns()
                .iter()
                .filter_map(|n| feature_names.iter().position(|f| f == n))
                .collect();
        }
        columns
    }

    /// The profile of one person whose features follow this layout.
    pub fn profile(&self, person: &Person) -> Profile {
        let value = |col: Option<usize>| col.and_then(|c| person.features.get(c));
        let number = |col: Option<usize>| {
            value(col)
                .and_then(|v| v.parse::<f64>().ok())
                .filter(|x| x.is_finite() && *x >= 0.0)
                .map(|x| x.round().min(f64::from(UNKNOWN - 1)) as u16)
                .unwrap_or(UNKNOWN)
        };
        let mut codes = [0u32; Role::ALL.len()];
        for (code, cols) in codes.iter_mut().zip(&self.roles) {
            *code = role_code(cols.iter().filter_map(|&c| person.features.get(c)));
        }
        Profile {
            segment: person.segment(),
            home_zone: person.home_zone,
            age: number(self.age),
            work_hours: number(self.work_hours),
            codes,
        }
    }
}

/// Marker for an unknown number in a [`Profile`].
pub const UNKNOWN: u16 = u16::MAX;

/// What retrieval knows about a person. Integer-only so it can key a cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Profile {
    /// Employment group × day type.
    pub segment: Segment,
    /// Home zone (location task).
    pub home_zone: Option<Loc>,
    /// Age in whole years, or [`UNKNOWN`].
    pub age: u16,
    /// Usual weekly work hours, or [`UNKNOWN`].
    pub work_hours: u16,
    /// One code per [`Role`] (0 = unknown): a hash of the role's column values.
    pub codes: [u32; Role::ALL.len()],
}

impl Profile {
    /// Age in years, if known.
    pub fn age_years(&self) -> Option<f64> {
        (self.age != UNKNOWN).then_some(f64::from(self.age))
    }

    /// Code of one role (0 = unknown).
    pub fn code(&self, role: Role) -> u32 {
        self.codes[Role::ALL.iter().position(|&r| r == role).unwrap()]
    }
}

/// FNV-1a hash of the non-empty values joined by a separator; 0 when all are empty.
fn role_code<'a>(values: impl Iterator<Item = &'a String>) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    let mut any = false;
    for v in values {
        let v = v.trim();
        any |= !v.is_empty();
        for b in v.bytes().chain([0x1f]) {
            hash = (hash ^ u32::from(b)).wrapping_mul(0x0100_0193);
        }
    }
    match (any, hash) {
        (false, _) => 0,
        (true, 0) => 1,
        (true, h) => h,
    }
}
