//! Direct generation (`--executor none`, LLMob-style): the model writes the 24 slots, and
//! in the location task a zone per slot, as JSON:
//!
//! ```text
//! {"slots": ["Home", …24 activities], "zones": ["103", …, "T", …]}
//! ```
//!
//! Read leniently (the first JSON value of the reply; activity labels ignore case; zones
//! may be numbers) and checked only for form: 24 known activities, and 24 zones that are
//! `T` or one of the benchmark's zones. What the model says is kept as it is: a Home slot
//! away from the home zone or a Travel slot at a zone is scored as an invalid slot, as the
//! specification says, not repaired.

use crate::plan::{first_json_value, parse_activity};
use mobility::{Activity, Benchmark, Diary, Loc, Task, SLOTS, TRAVEL_TOKEN};
use serde_json::Value;

/// Parses a slots reply into a diary; `Err` says what is wrong, for the model.
pub fn parse_slots(text: &str, bench: &Benchmark) -> Result<Diary, String> {
    let value = first_json_value(text)?;
    let slots = value["slots"]
        .as_array()
        .ok_or_else(|| "the JSON object has no `slots` list".to_string())?;
    if slots.len() != SLOTS {
        return Err(format!(
            "`slots` has {} entries; it must have exactly {SLOTS}, one per hour",
            slots.len()
        ));
    }
    let mut activities = [Activity::Home; SLOTS];
    for (h, v) in slots.iter().enumerate() {
        let label = v.as_str().unwrap_or("");
        activities[h] = parse_activity(label).ok_or_else(|| {
            format!(
                "slot {h}: unknown activity `{}` (use Home, Work, School, Others or Travel)",
                label.chars().take(40).collect::<String>()
            )
        })?;
    }
    if bench.task != Task::ActivityLocation {
        return Ok(Diary {
            activities,
            locations: None,
        });
    }
    let zones = value["zones"]
        .as_array()
        .ok_or_else(|| "the JSON object has no `zones` list".to_string())?;
    if zones.len() != SLOTS {
        return Err(format!(
            "`zones` has {} entries; it must have exactly {SLOTS}, one per hour",
            zones.len()
        ));
    }
    let mut locations = [Loc::TRAVEL; SLOTS];
    for (h, v) in zones.iter().enumerate() {
        let code = match v {
            Value::String(s) => s.trim().to_string(),
            Value::Number(n) => n.to_string(),
            _ => String::new(),
        };
        locations[h] = if code.eq_ignore_ascii_case(TRAVEL_TOKEN) {
            Loc::TRAVEL
        } else {
            bench.zones.lookup(&code).ok_or_else(|| {
                format!(
                    "slot {h}: zone `{}` is not one of the benchmark's zones (or `T`)",
                    code.chars().take(40).collect::<String>()
                )
            })?
        };
    }
    Ok(Diary {
        activities,
        locations: Some(locations),
    })
}
