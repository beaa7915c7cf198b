//! The episode importer: an episode table (person, start, end or duration, code,
//! optional zone) → one 24-slot diary per person by the slot rule.
//!
//! Times are clock times (or minutes / fractions of the day) placed on a diary day that
//! starts at `diary_start`: a time before the start is on the next day, an end not after
//! its start is on the next day, and the diary is cut at its end (24 h after the start).
//! Episodes of a person are taken in `order` (numeric), else in file order; overlapping
//! episodes both count. A Home episode is always at the home zone; a Travel episode at
//! `T`.

use crate::activity_codes::CodeMap;
use crate::config::EpisodeSource;
use crate::drop_log::*;
use crate::error::PrepareError;
use crate::import::{rows_by_person, Imported, Outcome, PersonContext};
use crate::slot_rule::{SlotAccumulator, State};
use crate::source_table::SourceTable;
use crate::time_format::{parse_diary_start, parse_time, to_diary_time, DAY_SECONDS};
use crate::zone_set::ZoneSet;
use mobility::Activity;
use std::path::Path;

pub fn import_episodes(
    cfg: &EpisodeSource,
    codes: &CodeMap,
    zones: Option<&ZoneSet>,
    ctx: &PersonContext,
    data_dir: &Path,
) -> Result<Imported, PrepareError> {
    let table = SourceTable::read(&data_dir.join(&cfg.file))?;
    let start_col = table.column(&cfg.start)?;
    let end_col = cfg.end.as_ref().map(|c| table.column(c)).transpose()?;
    let dur_col = cfg.duration.as_ref().map(|c| table.column(c)).transpose()?;
    let code_col = table.column(&cfg.code)?;
    let zone_col = cfg.zone.as_ref().map(|c| table.column(c)).transpose()?;
    let diary_start = parse_diary_start(&cfg.diary_start).map_err(|m| PrepareError::Config {
        path: table.path.clone(),
        message: m,
    })?;

    let mut imported = Imported::new(table.sha256.clone());
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
        let mut acc = SlotAccumulator::new(diary_start);
        let mut time_missing = false;
        let mut zone_bad = false;
        for &r in rows.iter() {
            let code = table.get(r, code_col);
            let activity = codes.lookup(code).ok_or_else(|| {
                table.error(
                    r,
                    &cfg.code,
                    format!("unknown code `{code}` (not in [activity_codes], no default)"),
                )
            })?;
            let start_raw = table.get(r, start_col);
            let (end_raw, end_field) = match (end_col, dur_col) {
                (Some(c), _) => (table.get(r, c), cfg.end.as_deref().unwrap()),
                (_, Some(c)) => (table.get(r, c), cfg.duration.as_deref().unwrap()),
                _ => unreachable!("validated: end or duration"),
            };
            if start_raw.is_empty() || end_raw.is_empty() {
                time_missing = true;
                continue;
            }
            let start = to_diary_time(
                parse_time(start_raw, cfg.time_format)
                    .map_err(|m| table.error(r, &cfg.start, m))?,
                diary_start,
            );
            let end = if end_col.is_some() {
                let mut end = to_diary_time(
                    parse_time(end_raw, cfg.time_format)
                        .map_err(|m| table.error(r, end_field, m))?,
                    diary_start,
                );
                while end <= start {
                    end += DAY_SECONDS;
                }
                end
            } else {
                let minutes: f64 = end_raw
                    .parse()
                    .ok()
                    .filter(|m: &f64| m.is_finite() && *m >= 0.0)
                    .ok_or_else(|| {
                        table.error(
                            r,
                            end_field,
                            format!("`{end_raw}` is not a non-negative duration in minutes"),
                        )
                    })?;
                start + (minutes * 60.0).round() as i64
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
            acc.add(start, end, State { activity, zone });
        }
        if time_missing {
            reasons.push(EPISODE_TIME_MISSING);
        }
        if zone_bad {
            reasons.push(EPISODE_ZONE);
        }
        ctx.push_person_reasons(index, &mut reasons);
        if !time_missing && acc.resolve().is_err() {
            reasons.push(HOUR_NOT_COVERED);
        }
        imported.outcomes.push(match reasons.is_empty() {
            true => Outcome::Kept(acc.resolve().expect("checked")),
            false => Outcome::Dropped(reasons),
        });
    }
    Ok(imported)
}
