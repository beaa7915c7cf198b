//! The source tables of a survey configuration: persons, households, and the diary source
//! (an episode table or a trip table), with how their files are written (delimiter,
//! encoding), how ids and times are spelled, and the rules that fill what a file leaves
//! unsaid (a missing arrival, the activity before the first trip, the trip home).

use serde::{Deserialize, Serialize};

/// How a CSV file is written. Both settings are optional on every file of a config.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CsvOptions {
    /// `","`, `";"`, `"tab"` (or `"\t"`), `"|"`; absent: detected from the header line
    /// (the most frequent of those four; a tie goes to that order).
    pub delimiter: Option<String>,
    /// A WHATWG encoding label (`"utf-8"`, `"windows-1252"`, `"latin1"`, `"utf-16le"`,
    /// `"shift_jis"`, …); absent: UTF-8. A byte-order mark wins over the setting.
    pub encoding: Option<String>,
}

/// An id made of one column, or of several (`["HOUSEID", "PERSONID"]`) whose trimmed values
/// are joined by `-` (`30000007-01`): for ids unique only within a household.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum IdColumns {
    One(String),
    Composite(Vec<String>),
}

impl IdColumns {
    /// The column names, in order.
    pub fn names(&self) -> Vec<&str> {
        match self {
            IdColumns::One(c) => vec![c.as_str()],
            IdColumns::Composite(list) => list.iter().map(String::as_str).collect(),
        }
    }

    /// The columns as written in errors: `PERSONID` or `HOUSEID+PERSONID`.
    pub fn label(&self) -> String {
        self.names().join("+")
    }
}

impl From<&str> for IdColumns {
    fn from(name: &str) -> Self {
        IdColumns::One(name.to_string())
    }
}

/// Where a time is read: one column in `time_format`, or separate integer hour and minute
/// columns (`{ hour = "STRTHR", minute = "STRTMIN" }`, hours may exceed 23: next day).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum TimeColumn {
    Column(String),
    Parts(TimeParts),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeParts {
    pub hour: String,
    pub minute: String,
}

impl TimeColumn {
    /// The column named in errors (the hour column for split times).
    pub fn label(&self) -> &str {
        match self {
            TimeColumn::Column(c) => c,
            TimeColumn::Parts(p) => &p.hour,
        }
    }
}

/// How time values are written in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeFormat {
    /// `HH:MM` or `HH:MM:SS` clock time (hours may exceed 23: next day), optionally with
    /// `AM`/`PM` (`7:40 PM`).
    #[default]
    Clock,
    /// An integer `HHMM` (`740`, `0740`, `1710`; `2530` = 01:30 the next day), as NHTS writes
    /// `STRTTIME`.
    Hhmm,
    /// Hours (decimals allowed): `7` = 07:00, `7.5` = 07:30; ActivitySim's `depart` period.
    Hours,
    /// Minutes (may exceed 1440: next day; decimals allowed).
    Minutes,
    /// Seconds.
    Seconds,
    /// Fraction of the day (0.5 = 12:00).
    DayFraction,
    /// A local date and time, `YYYY-MM-DD HH:MM[:SS]` (or `T` between, or `/` in the date).
    /// The diary day is the one that holds the person's first time; later dates are later
    /// days. A time-zone suffix (`Z`, `+02:00`) is refused: write local clock times.
    Timestamp,
}

impl TimeFormat {
    /// Formats that count from an origin (`time_origin` applies to them).
    pub fn is_offset(self) -> bool {
        matches!(
            self,
            TimeFormat::Hours | TimeFormat::Minutes | TimeFormat::Seconds | TimeFormat::DayFraction
        )
    }
}

/// What numeric times count from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeOrigin {
    /// Midnight of the diary's first calendar day.
    #[default]
    Midnight,
    /// The diary start (`diary_start`): ATUS-style cumulative minutes, MTUS `start`/`end`.
    DiaryStart,
}

impl TimeOrigin {
    pub fn is_midnight(&self) -> bool {
        *self == TimeOrigin::Midnight
    }
}

/// Unit of a duration column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DurationUnit {
    #[default]
    Minutes,
    Seconds,
    Hours,
}

impl DurationUnit {
    pub fn is_minutes(&self) -> bool {
        *self == DurationUnit::Minutes
    }

    pub fn seconds(self) -> f64 {
        match self {
            DurationUnit::Minutes => 60.0,
            DurationUnit::Seconds => 1.0,
            DurationUnit::Hours => 3600.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonSource {
    pub file: String,
    /// Person id column(s).
    pub id: IdColumns,
    /// Household id column(s) (joins `[households]`; written as `household_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub household: Option<IdColumns>,
    /// Feature columns of this table, written in this order.
    #[serde(default)]
    pub features: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HouseholdSource {
    pub file: String,
    /// Household id column(s).
    pub id: IdColumns,
    /// Feature columns of this table, written after the person features.
    #[serde(default)]
    pub features: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
}

/// An episode table: one row per episode of a person's diary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EpisodeSource {
    pub file: String,
    pub person: IdColumns,
    /// Column giving the episode order within a person; file order when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<String>,
    pub start: TimeColumn,
    /// End time column (same format as `start`). Exactly one of `end` and `duration`.
    /// An end not after its start is on the next day when that agrees with the next
    /// episode (or there is none); otherwise the episode has zero length (end = start) or
    /// is reversed (end before start): it is ignored and counted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<TimeColumn>,
    /// Duration column, in `duration_unit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
    #[serde(default, skip_serializing_if = "DurationUnit::is_minutes")]
    pub duration_unit: DurationUnit,
    #[serde(default)]
    pub time_format: TimeFormat,
    #[serde(default, skip_serializing_if = "TimeOrigin::is_midnight")]
    pub time_origin: TimeOrigin,
    /// Clock time (`HH:MM`) at which the diary day starts; default `00:00`.
    #[serde(default = "midnight")]
    pub diary_start: String,
    /// The activity (or location) code column, mapped by `[activity_codes]`.
    pub code: String,
    /// Zone column (location task).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
}

/// When a trip is a return home.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReturnHome {
    /// Only a trip whose purpose maps to Home (the purpose is the activity at the
    /// destination, as NHTS `WHYTO` or Santiago `proposito`).
    #[default]
    Purpose,
    /// Also every trip whose destination is the home zone (tour-based purposes, where the
    /// trip home carries the outing's purpose, as pam's travel diaries).
    PurposeOrHomeZone,
}

impl ReturnHome {
    pub fn is_purpose(&self) -> bool {
        *self == ReturnHome::Purpose
    }
}

/// What becomes of a person of the person table who made no trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonsWithoutTrips {
    /// Kept with an all-Home day at the home zone (a travel survey's stay-at-home day).
    #[default]
    Home,
    /// Dropped (reason "no trips").
    Drop,
}

impl PersonsWithoutTrips {
    pub fn is_home(&self) -> bool {
        *self == PersonsWithoutTrips::Home
    }
}

/// A trip table: one row per trip, chained into a day by the trip-chain rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TripSource {
    pub file: String,
    pub person: IdColumns,
    /// Trip order column (numeric); file order when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<String>,
    pub departure: TimeColumn,
    /// Arrival time. Exactly one of `arrival`, `duration` and `assumed_duration_minutes`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arrival: Option<TimeColumn>,
    /// Travel-time column, in `duration_unit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
    #[serde(default, skip_serializing_if = "DurationUnit::is_minutes")]
    pub duration_unit: DurationUnit,
    /// For tables without arrival or travel time (ActivitySim `final_trips.csv`): every trip
    /// takes this many minutes, cut at the next trip's departure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assumed_duration_minutes: Option<f64>,
    #[serde(default)]
    pub time_format: TimeFormat,
    #[serde(default, skip_serializing_if = "TimeOrigin::is_midnight")]
    pub time_origin: TimeOrigin,
    /// Clock time (`HH:MM`) at which the diary day starts; default `00:00`.
    #[serde(default = "midnight")]
    pub diary_start: String,
    /// The activity at the destination, mapped by `[activity_codes]`.
    pub purpose: String,
    /// The activity at the origin (NHTS `WHYFROM`): the first trip's gives what the person
    /// does before leaving (a night shift's day starts at Work). Without it: Home when the
    /// first origin is the home zone (or there are no zones), else Others.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin_purpose: Option<String>,
    /// Origin and destination zone columns: required for the location task, unused
    /// without `[zones]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin_zone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_zone: Option<String>,
    #[serde(default, skip_serializing_if = "ReturnHome::is_purpose")]
    pub return_home: ReturnHome,
    #[serde(default, skip_serializing_if = "PersonsWithoutTrips::is_home")]
    pub persons_without_trips: PersonsWithoutTrips,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
}

fn midnight() -> String {
    "00:00".to_string()
}

macro_rules! csv_options {
    ($($t:ty),*) => {$(
        impl $t {
            /// The file's delimiter and encoding settings.
            pub fn csv_options(&self) -> CsvOptions {
                CsvOptions {
                    delimiter: self.delimiter.clone(),
                    encoding: self.encoding.clone(),
                }
            }
        }
    )*};
}

csv_options!(
    PersonSource,
    HouseholdSource,
    EpisodeSource,
    TripSource,
    super::zones::CodeTable,
    super::zones::CentroidSource
);
