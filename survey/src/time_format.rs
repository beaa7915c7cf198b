//! Parsing time values into whole seconds and placing them on the diary day (seconds
//! after the diary's start).
//!
//! Formats (see [`TimeFormat`]): clock strings (`HH:MM[:SS]`, optional `AM`/`PM`), `HHMM`
//! integers, hours, minutes, seconds, fractions of the day, and local timestamps; or a
//! separate hour and minute column. Numeric times count from midnight, or from the diary
//! start (`time_origin = "diary_start"`). Times are kept in integer seconds so that the
//! slot rule's "most minutes" comparison is exact: a fraction of the day is rounded to
//! the nearest second (Santiago's fractions are whole minutes, so nothing is lost).

use crate::config::{TimeColumn, TimeFormat, TimeOrigin};
use crate::error::PrepareError;
use crate::source_table::SourceTable;

pub const DAY_SECONDS: i64 = 86_400;

/// Parses a time value into seconds after midnight (may be ≥ one day: next day); a
/// [`TimeFormat::Timestamp`] gives seconds since 1970-01-01 00:00 local time instead
/// (see [`rebase_days`]).
pub fn parse_time(value: &str, format: TimeFormat) -> Result<i64, String> {
    let v = value.trim();
    let number = |what: &str| -> Result<f64, String> {
        let x: f64 = v.parse().map_err(|_| format!("`{v}` is not {what}"))?;
        if !x.is_finite() || x < 0.0 {
            return Err(format!(
                "`{v}` is not a non-negative {}",
                what.trim_start_matches("a ")
            ));
        }
        Ok(x)
    };
    match format {
        TimeFormat::Clock => parse_clock(v),
        TimeFormat::Hhmm => parse_hhmm(v),
        TimeFormat::Hours => Ok((number("a number of hours")? * 3600.0).round() as i64),
        TimeFormat::Minutes => Ok((number("a number of minutes")? * 60.0).round() as i64),
        TimeFormat::Seconds => Ok(number("a number of seconds")?.round() as i64),
        TimeFormat::DayFraction => {
            Ok((number("a fraction of the day")? * DAY_SECONDS as f64).round() as i64)
        }
        TimeFormat::Timestamp => parse_timestamp(v),
    }
}

/// `HH:MM` or `HH:MM:SS` → seconds; hours may exceed 23. An `AM`/`PM` suffix (any case,
/// with or without a space) takes hours 1–12.
pub fn parse_clock(v: &str) -> Result<i64, String> {
    let bad = || format!("`{v}` is not a clock time HH:MM[:SS]");
    let upper = v.trim().to_ascii_uppercase();
    let (body, meridiem) = match upper
        .strip_suffix("AM")
        .map(|b| (b, Some(false)))
        .or_else(|| upper.strip_suffix("PM").map(|b| (b, Some(true))))
    {
        Some((b, m)) => (b.trim_end().trim_end_matches('.').to_string(), m),
        None => (upper.clone(), None),
    };
    let parts: Vec<&str> = body.split(':').collect();
    if !(2..=3).contains(&parts.len()) {
        return Err(bad());
    }
    let mut nums = [0i64; 3];
    for (i, p) in parts.iter().enumerate() {
        if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        nums[i] = p.parse().map_err(|_| bad())?;
    }
    if nums[1] > 59 || nums[2] > 59 {
        return Err(bad());
    }
    if let Some(pm) = meridiem {
        if !(1..=12).contains(&nums[0]) {
            return Err(format!("`{v}`: an AM/PM hour is 1 to 12"));
        }
        nums[0] = nums[0] % 12 + if pm { 12 } else { 0 };
    }
    Ok(nums[0] * 3600 + nums[1] * 60 + nums[2])
}

/// An integer `HHMM` (up to 4 digits, or more for hours past 99) → seconds.
fn parse_hhmm(v: &str) -> Result<i64, String> {
    let bad = || format!("`{v}` is not an HHMM time (e.g. 740 or 1710)");
    let digits = crate::activity_codes::canonical_integer(v)
        .filter(|&n| n >= 0)
        .ok_or_else(bad)?;
    let (hours, minutes) = (digits / 100, digits % 100);
    if minutes > 59 {
        return Err(bad());
    }
    Ok(hours * 3600 + minutes * 60)
}

/// `YYYY-MM-DD[ T]HH:MM[:SS]` (also `/` in the date) → seconds since 1970-01-01 00:00.
fn parse_timestamp(v: &str) -> Result<i64, String> {
    let bad = || format!("`{v}` is not a timestamp YYYY-MM-DD HH:MM[:SS]");
    let (date, time) = v.split_once(['T', ' ']).ok_or_else(bad)?;
    let time = time.trim();
    if time.ends_with('Z') || time.ends_with('z') || time.rfind(['+', '-']).is_some() {
        return Err(format!(
            "`{v}` carries a time-zone offset: write local clock times (the diary is a local day)"
        ));
    }
    let d: Vec<&str> = date.split(['-', '/']).collect();
    if d.len() != 3 {
        return Err(bad());
    }
    let num = |s: &str| s.parse::<i64>().map_err(|_| bad());
    let (y, m, day) = (num(d[0])?, num(d[1])?, num(d[2])?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) || !(1000..=9999).contains(&y) {
        return Err(bad());
    }
    let seconds = parse_clock(time.split('.').next().unwrap_or(time)).map_err(|_| bad())?;
    Ok(days_from_civil(y, m, day) * DAY_SECONDS + seconds)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The diary start (`HH:MM[:SS]`, before 24:00) in seconds after midnight.
pub fn parse_diary_start(v: &str) -> Result<i64, String> {
    let s = parse_clock(v).map_err(|e| format!("diary_start: {e}"))?;
    if s >= DAY_SECONDS {
        return Err(format!("diary_start `{v}` is not before 24:00"));
    }
    Ok(s)
}

/// Seconds after midnight → seconds after the diary start: a clock time before the
/// start (of the same calendar day) is on the next day; values already ≥ one day are
/// shifted, not wrapped.
pub fn to_diary_time(clock: i64, diary_start: i64) -> i64 {
    let t = clock - diary_start;
    if t < 0 {
        t + DAY_SECONDS
    } else {
        t
    }
}

/// Timestamps of one person → seconds after midnight of their diary day: the day whose
/// diary start is the last one at or before the earliest time. Other formats: unchanged.
pub fn rebase_days(format: TimeFormat, times: &mut [i64], diary_start: i64) {
    if format != TimeFormat::Timestamp {
        return;
    }
    let Some(&first) = times.iter().min() else {
        return;
    };
    let day = (first - diary_start).div_euclid(DAY_SECONDS) * DAY_SECONDS;
    for t in times {
        *t -= day;
    }
}

/// A time as a config names it, with its columns resolved in one table.
pub struct TimeField {
    columns: Resolved,
    format: TimeFormat,
    /// Added to every value: the diary start for `time_origin = "diary_start"`.
    offset: i64,
    label: String,
}

enum Resolved {
    One(usize),
    Parts(usize, usize, String),
}

impl TimeField {
    pub fn resolve(
        spec: &TimeColumn,
        format: TimeFormat,
        origin: TimeOrigin,
        diary_start: i64,
        table: &SourceTable,
    ) -> Result<TimeField, PrepareError> {
        let columns = match spec {
            TimeColumn::Column(c) => Resolved::One(table.column(c)?),
            TimeColumn::Parts(p) => Resolved::Parts(
                table.column(&p.hour)?,
                table.column(&p.minute)?,
                p.minute.clone(),
            ),
        };
        Ok(TimeField {
            columns,
            format,
            offset: match origin {
                TimeOrigin::Midnight => 0,
                TimeOrigin::DiaryStart => diary_start,
            },
            label: spec.label().to_string(),
        })
    }

    /// Whether the value of row `r` is missing (any part empty).
    pub fn is_empty(&self, table: &SourceTable, r: usize) -> bool {
        match self.columns {
            Resolved::One(c) => table.get(r, c).is_empty(),
            Resolved::Parts(h, m, _) => table.get(r, h).is_empty() || table.get(r, m).is_empty(),
        }
    }

    /// The time of row `r` in seconds after midnight (or a timestamp, see [`parse_time`]).
    pub fn read(&self, table: &SourceTable, r: usize) -> Result<i64, PrepareError> {
        match &self.columns {
            Resolved::One(c) => parse_time(table.get(r, *c), self.format)
                .map(|t| t + self.offset)
                .map_err(|m| table.error(r, &self.label, m)),
            Resolved::Parts(h, m, minute_name) => {
                let int = |col: usize, name: &str, max: i64| {
                    let v = table.get(r, col);
                    crate::activity_codes::canonical_integer(v)
                        .filter(|n| (0..=max).contains(n))
                        .ok_or_else(|| {
                            table.error(r, name, format!("`{v}` is not an integer from 0 to {max}"))
                        })
                };
                Ok(int(*h, &self.label, 99)? * 3600 + int(*m, minute_name, 59)? * 60)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format() {
        let t = |v: &str, f| parse_time(v, f);
        assert_eq!(t("07:40", TimeFormat::Clock), Ok(27_600));
        assert_eq!(t("7:40 PM", TimeFormat::Clock), Ok(70_800));
        assert_eq!(t("12:05am", TimeFormat::Clock), Ok(300));
        assert!(t("12:05 p.m.", TimeFormat::Clock).is_err());
        assert!(t("13:00 PM", TimeFormat::Clock).is_err());
        assert_eq!(t("740", TimeFormat::Hhmm), Ok(27_600));
        assert_eq!(t("0740", TimeFormat::Hhmm), Ok(27_600));
        assert_eq!(t("2530", TimeFormat::Hhmm), Ok(91_800));
        assert!(t("775", TimeFormat::Hhmm).is_err());
        assert!(t("7:40", TimeFormat::Hhmm).is_err());
        assert_eq!(t("7.5", TimeFormat::Hours), Ok(27_000));
        assert_eq!(t("90", TimeFormat::Minutes), Ok(5_400));
        assert_eq!(t("61", TimeFormat::Seconds), Ok(61));
        assert_eq!(t("0.5", TimeFormat::DayFraction), Ok(43_200));
        let day = days_from_civil(2019, 5, 1) * DAY_SECONDS;
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(
            t("2019-05-01 07:40", TimeFormat::Timestamp),
            Ok(day + 27_600)
        );
        assert_eq!(
            t("2019/05/01T07:40:30", TimeFormat::Timestamp),
            Ok(day + 27_630)
        );
        assert!(t("2019-05-01T07:40:00Z", TimeFormat::Timestamp)
            .unwrap_err()
            .contains("time-zone"));
        assert!(t("2019-05-01T07:40+02:00", TimeFormat::Timestamp).is_err());
        assert!(t("07:40", TimeFormat::Timestamp).is_err());
    }

    #[test]
    fn timestamps_rebase_on_the_diary_day_of_the_first_time() {
        let day = days_from_civil(2019, 5, 1) * DAY_SECONDS;
        // 02:00 on May 2 with a 04:00 diary start belongs to the diary day of May 1.
        let mut times = [day + DAY_SECONDS + 2 * 3600, day + DAY_SECONDS + 3 * 3600];
        rebase_days(TimeFormat::Timestamp, &mut times, 4 * 3600);
        assert_eq!(times, [26 * 3600, 27 * 3600]);
        let mut times = [day + 8 * 3600, day + DAY_SECONDS + 3600];
        rebase_days(TimeFormat::Timestamp, &mut times, 0);
        assert_eq!(times, [8 * 3600, 25 * 3600]);
    }
}
