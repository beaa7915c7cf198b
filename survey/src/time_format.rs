//! Parsing time values (clock `HH:MM[:SS]`, minutes, or fraction of the day) into whole
//! seconds, and placing them on the diary day (seconds after the diary's start).
//!
//! Times are kept in integer seconds so that the slot rule's "most minutes" comparison
//! is exact: a fraction of the day is rounded to the nearest second (Santiago's
//! fractions are whole minutes, so nothing is lost).

use crate::config::TimeFormat;

pub const DAY_SECONDS: i64 = 86_400;

/// Parses a time value into seconds after midnight (may be ≥ one day: next day).
pub fn parse_time(value: &str, format: TimeFormat) -> Result<i64, String> {
    let v = value.trim();
    match format {
        TimeFormat::Clock => parse_clock(v),
        TimeFormat::Minutes => {
            let m: f64 = v
                .parse()
                .map_err(|_| format!("`{v}` is not a number of minutes"))?;
            if !m.is_finite() || m < 0.0 {
                return Err(format!("`{v}` is not a non-negative number of minutes"));
            }
            Ok((m * 60.0).round() as i64)
        }
        TimeFormat::DayFraction => {
            let f: f64 = v
                .parse()
                .map_err(|_| format!("`{v}` is not a fraction of the day"))?;
            if !f.is_finite() || f < 0.0 {
                return Err(format!("`{v}` is not a non-negative fraction of the day"));
            }
            Ok((f * DAY_SECONDS as f64).round() as i64)
        }
    }
}

/// `HH:MM` or `HH:MM:SS` → seconds; hours may exceed 23.
pub fn parse_clock(v: &str) -> Result<i64, String> {
    let parts: Vec<&str> = v.split(':').collect();
    let bad = || format!("`{v}` is not a clock time HH:MM[:SS]");
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
    Ok(nums[0] * 3600 + nums[1] * 60 + nums[2])
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
