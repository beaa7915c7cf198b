//! The episode importer: an episode table (person, start, end or duration, code,
//! optional zone) → one 24-slot diary per person by the slot rule.
//!
//! Times are placed on a diary day that starts at `diary_start`: a clock time before the
//! start is on the next day, and the diary is cut at its end (24 h after the start).
//! Episodes of a person are taken in `order` (numeric), else in file order; a start
//! earlier than the previous episode's start is on the next day (counted); overlapping
//! episodes both count. An end not after its start:
//! - is on the next day when that agrees with the next episode, i.e. the next episode does
//!   not start before that next-day end (always for the day's last episode, and for an
//!   only episode whose end equals its start: a whole day);
//! - otherwise the episode has zero length (end = start) or is reversed (end minutes
//!   before start): it is ignored and counted, never stretched over the rest of the day.
//!
//! A Home episode is always at the home zone; a Travel episode at `T`.

use crate::activity_codes::CodeMap;
use crate::config::EpisodeSource;
use crate::drop_log::*;
use crate::error::PrepareError;
use crate::import::{rows_by_person, Imported, Outcome, PersonContext};
use crate::slot_rule::{SlotAccumulator, State};
use crate::source_table::SourceTable;
use crate::time_format::{parse_diary_start, rebase_days, to_diary_time, TimeField, DAY_SECONDS};
use crate::zone_set::ZoneSet;
use mobility::Activity;
use std::path::Path;

pub const ZERO_LENGTH: &str =
    "episodes of zero length (end = start, not the only episode): ignored";
pub const REVERSED: &str =
    "episodes ending before they start where the next episode starts earlier than the next-day end: ignored";
pub const NEXT_DAY_ENDS: &str = "episodes whose end is on the next day";
pub const NEXT_DAY_STARTS: &str =
    "episodes starting before the previous episode's start (placed on the next day)";

/// One episode of a person, times in raw seconds (before placing on the diary day).
struct Raw {
    start: i64,
    end: Option<i64>,
    duration: Option<i64>,
    state: State,
}

pub fn import_episodes(
    cfg: &EpisodeSource,
    codes: &CodeMap,
    zones: Option<&ZoneSet>,
    ctx: &PersonContext,
    data_dir: &Path,
) -> Result<Imported, PrepareError> {
    let table = SourceTable::read_with(&data_dir.join(&cfg.file), &cfg.csv_options())?;
    let diary_start = parse_diary_start(&cfg.diary_start).map_err(|m| PrepareError::Config {
        path: table.path.clone(),
        message: m,
    })?;
    let start_field = TimeField::resolve(
        &cfg.start,
        cfg.time_format,
        cfg.time_origin,
        diary_start,
        &table,
    )?;
    let end_field = cfg
        .end
        .as_ref()
        .map(|c| TimeField::resolve(c, cfg.time_format, cfg.time_origin, diary_start, &table))
        .transpose()?;
    let dur_col = cfg.duration.as_ref().map(|c| table.column(c)).transpose()?;
    let code_col = table.column(&cfg.code)?;
    let zone_col = cfg.zone.as_ref().map(|c| table.column(c)).transpose()?;

    let mut imported = Imported::new(&table, &cfg.file);
    let rows_of = rows_by_person(
        &table,
        &cfg.person,
        cfg.order.as_deref(),
        ctx,
        &mut imported,
    )?;

    for (index, person_id) in ctx.ids.iter().enumerate() {
        let mut reasons: Vec<&'static str> = Vec::new();
        let Some(rows) = rows_of.get(person_id.as_str()) else {
            reasons.push(NO_EPISODES);
            ctx.push_person_reasons(index, &mut reasons);
            imported.outcomes.push(Outcome::Dropped(reasons));
            continue;
        };
        let home = ctx.home.as_ref().and_then(|h| h[index]);
        let mut time_missing = false;
        let mut zone_bad = false;
        let mut episodes: Vec<Raw> = Vec::with_capacity(rows.len());
        for &r in rows.iter() {
            let code = table.get(r, code_col);
            let activity = imported.activity(codes, code).ok_or_else(|| {
                table.error(
                    r,
                    &cfg.code,
                    format!("unknown code `{code}` (not in [activity_codes], no default)"),
                )
            })?;
            let end_missing = match (&end_field, dur_col) {
                (Some(f), _) => f.is_empty(&table, r),
                (_, Some(c)) => table.get(r, c).is_empty(),
                _ => unreachable!("validated: end or duration"),
            };
            if start_field.is_empty(&table, r) || end_missing {
                time_missing = true;
                continue;
            }
            let start = start_field.read(&table, r)?;
            let (end, duration) = match (&end_field, dur_col) {
                (Some(f), _) => (Some(f.read(&table, r)?), None),
                (_, Some(c)) => {
                    let raw = table.get(r, c);
                    let d: f64 = raw
                        .parse()
                        .ok()
                        .filter(|m: &f64| m.is_finite() && *m >= 0.0)
                        .ok_or_else(|| {
                            table.error(
                                r,
                                cfg.duration.as_deref().unwrap_or_default(),
                                format!(
                                    "`{raw}` is not a non-negative duration in {:?}",
                                    cfg.duration_unit
                                )
                                .to_lowercase(),
                            )
                        })?;
                    (None, Some((d * cfg.duration_unit.seconds()).round() as i64))
                }
                _ => unreachable!("validated: end or duration"),
            };
            let zone = match (zones, activity) {
                (None, _) | (Some(_), Activity::Travel) => 0,
                (Some(_), Activity::Home) => home.unwrap_or(0),
                (Some(z), _) => {
                    let raw = zone_col.map(|c| table.get(r, c)).unwrap_or("");
                    match z.lookup(raw) {
                        Some(zone) => zone,
                        None => {
                            zone_bad = true;
                            continue;
                        }
                    }
                }
            };
            episodes.push(Raw {
                start,
                end,
                duration,
                state: State { activity, zone },
            });
        }
        if time_missing {
            reasons.push(EPISODE_TIME_MISSING);
        }
        if zone_bad {
            reasons.push(EPISODE_ZONE);
        }
        ctx.push_person_reasons(index, &mut reasons);
        let mut acc = SlotAccumulator::new(diary_start);
        // What this person's episodes needed, counted once the person is kept.
        let mut changed: Vec<&'static str> = Vec::new();
        if !time_missing {
            let starts = place(&mut episodes, cfg.time_format, diary_start, &mut changed);
            let only = episodes.len() == 1;
            for (i, e) in episodes.iter().enumerate() {
                let start = starts[i];
                let end = match (e.end, e.duration) {
                    (_, Some(d)) => start + d,
                    (Some(end), None) => {
                        // The raw end on the start's day, then at most one day later.
                        let shift = start - to_diary_time(e.start, diary_start);
                        let end = to_diary_time(end, diary_start) + shift;
                        if end > start {
                            end
                        } else {
                            let next_day = end + DAY_SECONDS * ((start - end) / DAY_SECONDS + 1);
                            let agrees = starts.get(i + 1).is_none_or(|&n| n >= next_day);
                            if (end < start && agrees) || (end == start && only) {
                                changed.push(NEXT_DAY_ENDS);
                                next_day
                            } else {
                                changed.push(if end == start { ZERO_LENGTH } else { REVERSED });
                                continue;
                            }
                        }
                    }
                    (None, None) => unreachable!("validated: end or duration"),
                };
                acc.add(start, end, e.state);
            }
            if acc.resolve().is_err() {
                reasons.push(HOUR_NOT_COVERED);
            } else if reasons.is_empty() {
                imported.note_times(starts.into_iter().filter(|&s| s < DAY_SECONDS));
                for c in changed {
                    imported.count(c, 1);
                }
            }
        }
        imported.outcomes.push(match reasons.is_empty() {
            true => Outcome::Kept(acc.resolve().expect("checked")),
            false => Outcome::Dropped(reasons),
        });
    }
    Ok(imported)
}

/// Diary-time starts of a person's episodes (in order): a start earlier than the previous
/// one is moved to the next day. Timestamps are first rebased on the person's diary day.
fn place(
    episodes: &mut [Raw],
    format: crate::config::TimeFormat,
    diary_start: i64,
    changed: &mut Vec<&'static str>,
) -> Vec<i64> {
    let mut times: Vec<i64> = episodes
        .iter()
        .flat_map(|e| std::iter::once(e.start).chain(e.end))
        .collect();
    rebase_days(format, &mut times, diary_start);
    let mut it = times.into_iter();
    for e in episodes.iter_mut() {
        e.start = it.next().expect("one start per episode");
        if e.end.is_some() {
            e.end = it.next();
        }
    }
    let mut starts = Vec::with_capacity(episodes.len());
    for e in episodes.iter() {
        let mut s = to_diary_time(e.start, diary_start);
        if let Some(&prev) = starts.last() {
            if s < prev {
                changed.push(NEXT_DAY_STARTS);
                while s < prev {
                    s += DAY_SECONDS;
                }
            }
        }
        starts.push(s);
    }
    starts
}
