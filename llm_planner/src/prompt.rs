//! The messages sent to the model: a system prompt per mode (plan, or slots directly), and
//! a user prompt with the person's features and, few-shot, the days of the most similar
//! train people written in the reply format.
//!
//! Everything here is a pure function of the person, the examples and the benchmark, so
//! the same person gives byte-identical requests run after run (the response cache is
//! keyed by the request).

use crate::plan::clock;
use mobility::{Activity, Benchmark, Diary, Loc, Person, Task, SLOTS};
use serde_json::{json, Value};

/// The place hint of an activity away from home in the person's own zone.
pub const HOME_ZONE: &str = "home-zone";

/// What the model is asked to return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyFormat {
    /// A day plan (activities with start and end times and places) for the executor.
    Plan,
    /// The 24 slots (and zones) directly, LLMob-style.
    Slots,
}

const ACTIVITIES_TEXT: &str =
    "Activities: Home (at home), Work (at the workplace), School (at a place of study), \
Others (anything else away from home: shopping, errands, meals out, leisure, visits, escorting), \
Travel (moving between places).";

/// The system prompt of a mode and task.
pub fn system_prompt(format: ReplyFormat, task: Task) -> String {
    let location = task == Task::ActivityLocation;
    match format {
        ReplyFormat::Plan => {
            let place = if location {
                "\"place\" is \"home\" for Home; for Work, School and Others it is the code of the zone where it \
happens (one of the zones listed), \"home-zone\" for the person's own zone, or, if you cannot tell, a short label \
such as \"work\" or \"shop\" (a zone is then chosen from survey data; the same label is the same place)."
            } else {
                "\"place\" is a short label of where it happens (\"home\", \"work\", \"school\", \"shop\"); the same \
label is the same place."
            };
            format!(
                "You plan one realistic day of one person for a travel-demand simulation, consistent with their \
features and what a household travel survey shows for people like them.\n{ACTIVITIES_TEXT}\n\
Reply with JSON only, in this form:\n\
{{\"activities\": [{{\"activity\": \"Home\", \"start\": \"00:00\", \"end\": \"07:30\", \"place\": \"home\"}}, ...]}}\n\
Steps are in time order, do not overlap and together cover 00:00 to 24:00 (clock time of the diary day; \
\"24:00\" ends it). Times are \"HH:MM\". {place} Travel steps may be left out: time between two places is \
travel."
            )
        }
        ReplyFormat::Slots => {
            let zones = if location {
                " and \"zones\": 24 zone codes, one per hour: \"T\" for Travel, the home zone for Home, one of the \
zones listed for the rest"
            } else {
                ""
            };
            format!(
                "You write one realistic day of one person for a travel-demand simulation, consistent with their \
features and what a household travel survey shows for people like them.\n{ACTIVITIES_TEXT}\n\
The day is 24 hourly slots: slot h is clock time h:00 to h+1:00 (slot 0 starts at midnight); each slot holds \
the activity that fills most of that hour.\n\
Reply with JSON only: {{\"slots\": [24 activity names]{zones}}}."
            )
        }
    }
}

/// The person as text: segment, day type, home zone (location task) and every non-empty
/// feature as `name: value`.
pub fn describe_person(person: &Person, feature_names: &[String], bench: &Benchmark) -> String {
    let mut text = format!(
        "- group: {}\n- day type: {}\n",
        person.group.name(),
        person.day_type.name()
    );
    if let (Task::ActivityLocation, Some(home)) = (bench.task, person.home_zone) {
        text.push_str(&format!("- home zone: {}\n", bench.zones.code(home)));
    }
    for (name, value) in feature_names.iter().zip(&person.features) {
        let value = value.trim();
        if !value.is_empty() {
            text.push_str(&format!("- {name}: {value}\n"));
        }
    }
    text
}

/// The zones of the location task with their distance from `home`, nearest first.
fn zone_list(bench: &Benchmark, home: Loc) -> String {
    let mut zones: Vec<(f64, &str)> = bench
        .zones
        .retained_zones()
        .map(|z| {
            (
                bench.zones.distance_km(home, z).unwrap_or(0.0),
                bench.zones.code(z),
            )
        })
        .collect();
    zones.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(b.1)));
    zones
        .iter()
        .map(|(km, code)| format!("{code} ({km:.1} km)"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A train person's diary written as the reply the model is asked for. In a plan, an
/// activity away from home in the person's own zone (`home`) is placed at `home-zone`, so
/// the example carries over to a person living elsewhere; other zones are codes.
pub fn diary_as_reply(
    diary: &Diary,
    home: Option<Loc>,
    format: ReplyFormat,
    bench: &Benchmark,
) -> String {
    let code = |l: Loc| bench.zones.code(l).to_string();
    match format {
        ReplyFormat::Slots => {
            let slots: Vec<&str> = diary.activities.iter().map(|a| a.name()).collect();
            let mut v = json!({ "slots": slots });
            if let Some(locations) = diary.locations {
                v["zones"] = json!(locations.iter().map(|&l| code(l)).collect::<Vec<_>>());
            }
            v.to_string()
        }
        ReplyFormat::Plan => {
            let mut steps = Vec::new();
            let mut h = 0;
            while h < SLOTS {
                let state = (diary.activities[h], diary.locations.map(|l| l[h]));
                let start = h;
                while h < SLOTS && (diary.activities[h], diary.locations.map(|l| l[h])) == state {
                    h += 1;
                }
                let (activity, zone) = state;
                let place = match (activity, zone) {
                    (Activity::Travel, _) => None,
                    (Activity::Home, _) => Some("home".to_string()),
                    (_, Some(z)) if Some(z) == home => Some(HOME_ZONE.to_string()),
                    (_, Some(z)) => Some(code(z)),
                    (a, None) => Some(a.name().to_ascii_lowercase()),
                };
                let mut step = json!({
                    "activity": activity.name(),
                    "start": clock(start as u32 * 60),
                    "end": clock(h as u32 * 60),
                });
                if let Some(p) = place {
                    step["place"] = json!(p);
                }
                steps.push(step);
            }
            json!({ "activities": steps }).to_string()
        }
    }
}

/// The first user message: the person, the zones (location task), the examples.
pub fn user_prompt(
    person: &Person,
    feature_names: &[String],
    bench: &Benchmark,
    examples: &[(&Person, &Diary)],
    format: ReplyFormat,
) -> String {
    let mut text = String::new();
    if !examples.is_empty() {
        text.push_str("Days of similar people from the survey, for reference:\n\n");
        for (i, (p, d)) in examples.iter().enumerate() {
            text.push_str(&format!(
                "Example {}:\n{}Reply: {}\n\n",
                i + 1,
                describe_person(p, feature_names, bench),
                diary_as_reply(d, p.home_zone, format, bench)
            ));
        }
    }
    text.push_str("The person:\n");
    text.push_str(&describe_person(person, feature_names, bench));
    if let (Task::ActivityLocation, Some(home)) = (bench.task, person.home_zone) {
        text.push_str(&format!(
            "\nZones (code and distance from home): {}\n",
            zone_list(bench, home)
        ));
    }
    text.push_str(match format {
        ReplyFormat::Plan => "\nPlan this person's day. Reply with the JSON only.",
        ReplyFormat::Slots => "\nWrite this person's 24 slots. Reply with the JSON only.",
    });
    text
}

/// The message asking for a corrected reply.
pub fn revision_prompt(problem: &str, format: ReplyFormat) -> String {
    let what = match format {
        ReplyFormat::Plan => "plan",
        ReplyFormat::Slots => "slots",
    };
    format!(
        "That {what} cannot be used: {problem}. Reply with a corrected {what}, as JSON only, in the same form."
    )
}

/// The request body of a conversation.
pub fn request_body(
    model: &str,
    messages: &[Value],
    temperature: Option<f64>,
    max_completion_tokens: Option<u32>,
    seed: u64,
    json_mode: bool,
) -> Value {
    let mut body = json!({
        "model": model,
        "messages": messages,
        "stream": false,
        "seed": seed,
    });
    if let Some(t) = temperature {
        body["temperature"] = json!(t);
    }
    if let Some(m) = max_completion_tokens {
        body["max_completion_tokens"] = json!(m);
    }
    if json_mode {
        body["response_format"] = json!({"type": "json_object"});
    }
    body
}
