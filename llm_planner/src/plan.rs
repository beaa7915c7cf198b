//! The planner's reply: a day plan as JSON, read leniently but checked strictly.
//!
//! The expected shape (the system prompt states it):
//!
//! ```text
//! {"activities": [
//!   {"activity": "Home",   "start": "00:00", "end": "07:30", "place": "home"},
//!   {"activity": "Work",   "start": "08:00", "end": "17:00", "place": "work"},
//!   {"activity": "Others", "start": "17:30", "end": "19:00", "place": "103"},
//!   {"activity": "Home",   "start": "19:30", "end": "24:00", "place": "home"}
//! ]}
//! ```
//!
//! Read leniently: the JSON may sit inside a code fence or prose (the first JSON value in
//! the text is read); the list may be bare or under `activities`, `plan` or `steps`;
//! activity labels ignore case; times are `"H:MM"`/`"HH:MM"` (`"24:00"` ends the day) or a
//! number of hours (`7.5`); `place` may be a string or a number, or absent. Checked
//! strictly: every step has a known activity, a start before its end within 00:00–24:00,
//! and steps do not overlap (they are taken in start order). Anything else is an error
//! whose text is sent back to the planner.

use mobility::Activity;
use serde_json::Value;

/// Minutes in the diary day.
pub const DAY_MINUTES: u32 = 1440;
/// The most steps a plan may have.
pub const MAX_STEPS: usize = 64;

/// One step of a plan: an activity over `[start, end)` minutes of the day, with an
/// optional place hint (a zone code, `home`, or a label naming a place).
#[derive(Debug, Clone, PartialEq)]
pub struct PlanStep {
    pub activity: Activity,
    /// Minute of the day, 0..1440.
    pub start: u32,
    /// Minute of the day, `start < end ≤ 1440`.
    pub end: u32,
    /// The place hint as written, trimmed; `None` when absent or empty.
    pub place: Option<String>,
}

/// A day plan: steps in start order, not overlapping (gaps allowed).
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub steps: Vec<PlanStep>,
}

/// The first JSON value in a reply (inside a code fence, after prose, …).
pub fn first_json_value(text: &str) -> Result<Value, String> {
    let start = text
        .find(['{', '['])
        .ok_or_else(|| "the reply contains no JSON object".to_string())?;
    let mut values = serde_json::Deserializer::from_str(&text[start..]).into_iter::<Value>();
    match values.next() {
        Some(Ok(v)) => Ok(v),
        Some(Err(e)) => Err(format!("the reply's JSON does not parse: {e}")),
        None => Err("the reply contains no JSON object".to_string()),
    }
}

/// Parses a planner reply into a [`Plan`]; `Err` says what is wrong, for the planner.
pub fn parse_plan(text: &str) -> Result<Plan, String> {
    let value = first_json_value(text)?;
    let list = match &value {
        Value::Array(items) => items,
        Value::Object(map) => ["activities", "plan", "steps"]
            .iter()
            .find_map(|k| map.get(*k).and_then(Value::as_array))
            .ok_or_else(|| "the JSON object has no `activities` list".to_string())?,
        _ => return Err("the reply's JSON is neither an object nor a list".to_string()),
    };
    if list.is_empty() {
        return Err("the `activities` list is empty".to_string());
    }
    if list.len() > MAX_STEPS {
        return Err(format!(
            "the plan has {} steps; at most {MAX_STEPS} are allowed",
            list.len()
        ));
    }
    let mut steps = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        let n = i + 1;
        let label = item["activity"]
            .as_str()
            .ok_or_else(|| format!("step {n} has no `activity` text"))?;
        let activity = parse_activity(label).ok_or_else(|| {
            format!(
                "step {n}: unknown activity `{}` (use Home, Work, School, Others or Travel)",
                clip(label)
            )
        })?;
        let start = parse_time(&item["start"]).map_err(|e| format!("step {n}: `start` {e}"))?;
        let end = parse_time(&item["end"]).map_err(|e| format!("step {n}: `end` {e}"))?;
        if start >= end {
            return Err(format!(
                "step {n} ({activity}) starts at {} and ends at {}: the end must be after the start",
                clock(start),
                clock(end)
            ));
        }
        let place = match &item["place"] {
            Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Value::Number(x) => Some(x.to_string()),
            _ => None,
        };
        steps.push(PlanStep {
            activity,
            start,
            end,
            place,
        });
    }
    steps.sort_by_key(|s| (s.start, s.end));
    for pair in steps.windows(2) {
        if pair[1].start < pair[0].end {
            return Err(format!(
                "{} {}–{} overlaps {} {}–{}: steps must not overlap",
                pair[0].activity,
                clock(pair[0].start),
                clock(pair[0].end),
                pair[1].activity,
                clock(pair[1].start),
                clock(pair[1].end)
            ));
        }
    }
    Ok(Plan { steps })
}

/// An activity label, ignoring case and surrounding space (`other` is read as `Others`).
pub fn parse_activity(label: &str) -> Option<Activity> {
    let l = label.trim();
    mobility::ACTIVITIES
        .into_iter()
        .find(|a| a.name().eq_ignore_ascii_case(l))
        .or_else(|| l.eq_ignore_ascii_case("other").then_some(Activity::Others))
}

/// A time of day in minutes: `"H:MM"`, `"HH:MM"`, `"HH:MM:SS"` (seconds dropped) or a
/// number of hours, within 00:00–24:00.
fn parse_time(v: &Value) -> Result<u32, String> {
    let minutes = match v {
        Value::Number(x) => {
            let hours = x.as_f64().unwrap_or(f64::NAN);
            if !(0.0..=24.0).contains(&hours) {
                return Err(format!("{x} is not an hour of the day (0 to 24)"));
            }
            (hours * 60.0).round() as u32
        }
        Value::String(s) => {
            let t = s.trim();
            let mut parts = t.split(':');
            let (h, m) = (parts.next(), parts.next());
            let parsed = match (h, m) {
                (Some(h), Some(m)) => h
                    .trim()
                    .parse::<u32>()
                    .ok()
                    .zip(m.trim().parse::<u32>().ok())
                    .filter(|&(h, m)| m < 60 && h <= 24),
                _ => None,
            };
            let (h, m) =
                parsed.ok_or_else(|| format!("`{}` is not a time like \"07:30\"", clip(t)))?;
            h * 60 + m
        }
        Value::Null => return Err("is missing".to_string()),
        other => {
            return Err(format!(
                "{} is not a time like \"07:30\"",
                clip(&other.to_string())
            ))
        }
    };
    if minutes > DAY_MINUTES {
        return Err(format!("{} is after 24:00", clock(minutes)));
    }
    Ok(minutes)
}

/// `HH:MM` of a minute of the day.
pub fn clock(minute: u32) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// At most 60 characters of a text quoted back to the model.
fn clip(s: &str) -> String {
    let mut out: String = s.chars().take(60).collect();
    if s.chars().count() > 60 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(activity: Activity, start: u32, end: u32, place: Option<&str>) -> PlanStep {
        PlanStep {
            activity,
            start,
            end,
            place: place.map(str::to_string),
        }
    }

    #[test]
    fn reads_a_fenced_plan_with_mixed_time_forms_in_start_order() {
        let reply = "Here is the plan:\n```json\n{\"activities\": [\
            {\"activity\": \"work\", \"start\": \"8:00\", \"end\": 17, \"place\": 103},\
            {\"activity\": \"Home\", \"start\": \"00:00\", \"end\": \"07:30\", \"place\": \"home\"},\
            {\"activity\": \"Other\", \"start\": 17.5, \"end\": \"24:00\", \"place\": \" \"}]}\n```";
        let plan = parse_plan(reply).unwrap();
        assert_eq!(
            plan.steps,
            vec![
                step(Activity::Home, 0, 450, Some("home")),
                step(Activity::Work, 480, 1020, Some("103")),
                step(Activity::Others, 1050, 1440, None),
            ]
        );
    }

    #[test]
    fn says_what_is_wrong() {
        let cases = [
            ("no json here", "no JSON"),
            ("{\"activities\": [", "does not parse"),
            ("{\"days\": []}", "no `activities` list"),
            ("[]", "empty"),
            (
                "[{\"activity\": \"Sleep\", \"start\": \"0:00\", \"end\": \"8:00\"}]",
                "unknown activity `Sleep`",
            ),
            (
                "[{\"activity\": \"Home\", \"start\": \"25:00\", \"end\": \"26:00\"}]",
                "step 1: `start`",
            ),
            (
                "[{\"activity\": \"Home\", \"start\": \"09:00\", \"end\": \"08:00\"}]",
                "end must be after",
            ),
            (
                "[{\"activity\": \"Home\", \"end\": \"08:00\"}]",
                "`start` is missing",
            ),
            (
                "[{\"activity\": \"Home\", \"start\": \"00:00\", \"end\": \"09:00\"},\
                  {\"activity\": \"Work\", \"start\": \"08:00\", \"end\": \"17:00\"}]",
                "Home 00:00–09:00 overlaps Work 08:00–17:00",
            ),
        ];
        for (reply, expected) in cases {
            let err = parse_plan(reply).unwrap_err();
            assert!(err.contains(expected), "{reply}: {err}");
        }
    }
}
