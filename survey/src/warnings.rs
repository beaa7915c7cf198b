//! Plausibility checks on a prepared benchmark: results that are technically valid but
//! almost always mean a mistaken configuration (a wrong time format, codes that do not
//! match, ids that do not join). Each gives a warning in the manifest and on the
//! console; none changes the benchmark.

use std::collections::BTreeMap;

/// What the checks look at.
pub struct Evidence<'a> {
    /// Split name → people.
    pub split_sizes: [(&'static str, usize); 3],
    /// Split name → activity → share of person-slots.
    pub activity_shares: &'a BTreeMap<String, BTreeMap<String, f64>>,
    /// Earliest and latest start or departure (diary seconds) and how many.
    pub time_span: Option<(i64, i64, usize)>,
    /// "trip" or "episode".
    pub record: &'static str,
    /// People of the diary source missing from the person table, and all of its people.
    pub orphans: (usize, usize),
    /// Kept people with trips, and those whose day ends at the home zone not at Home.
    pub day_ends_at_home_zone_not_home: (usize, usize),
    /// Kept people for whom the employed, student and weekend rules hold.
    pub rule_hits: [usize; 3],
    pub has_weekend_rule: bool,
    pub kept: usize,
    /// Segment-rule columns that are not features.
    pub rule_columns_not_features: Vec<String>,
    /// Codes that fell to the default, with their records.
    pub default_codes: &'a BTreeMap<String, usize>,
    /// Records whose code fell to the default, and all records whose code was looked up.
    pub default_share: (usize, usize),
    pub diary_start: i64,
}

/// The warnings, in a fixed order.
pub fn check(e: &Evidence) -> Vec<String> {
    let mut out = Vec::new();
    for (split, n) in e.split_sizes {
        if n == 0 {
            out.push(format!(
                "the {split} split is empty: nothing can be {} on it (the split hashes ids; a survey this small puts few or no people in some splits)",
                if split == "train" { "learnt" } else { "scored" }
            ));
        }
    }
    if let Some(train) = e.activity_shares.get("train") {
        if let Some((activity, _)) = train.iter().find(|(_, &share)| share >= 0.9995) {
            out.push(format!(
                "every train slot is {activity}: check the time format and the activity codes"
            ));
        }
    }
    if let Some((lo, hi, n)) = e.time_span {
        if n >= 2 && hi - lo < 3600 {
            let clock = |t: i64| {
                let c = (t + e.diary_start).rem_euclid(86_400);
                format!("{:02}:{:02}", c / 3600, c % 3600 / 60)
            };
            out.push(format!(
                "all {n} {}s start within one hour ({}–{}): check time_format (hours? minutes? HHMM?) and time_origin",
                e.record,
                clock(lo),
                clock(hi)
            ));
        }
    }
    let (orphans, all) = e.orphans;
    if orphans > 0 && orphans * 20 > all {
        out.push(format!(
            "{orphans} of the {all} people of the {} table are not in the person table: check that both name the person the same way (a composite id?)",
            e.record
        ));
    }
    let (with_trips, at_home_zone) = e.day_ends_at_home_zone_not_home;
    if with_trips >= 3 && at_home_zone * 4 > with_trips {
        out.push(format!(
            "{at_home_zone} of {with_trips} people end their day at their home zone doing something other than Home: if purposes are tour purposes (the trip home carries the outing's purpose), set return_home = \"purpose_or_home_zone\""
        ));
    }
    if e.kept >= 10 {
        let rules = ["employed", "student", "weekend"];
        for (i, rule) in rules.iter().enumerate() {
            if i == 2 && !e.has_weekend_rule {
                continue;
            }
            if e.rule_hits[i] == 0 {
                out.push(format!(
                    "the `{rule}` segment rule holds for none of the {} people: check its column and codes",
                    e.kept
                ));
            }
        }
    }
    if !e.rule_columns_not_features.is_empty() {
        out.push(format!(
            "the segment rules read {}, {}: a `generate --persons` file must then give `group` and `day_type` itself (they cannot be derived from its features)",
            e.rule_columns_not_features
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", "),
            if e.rule_columns_not_features.len() == 1 { "which is not a feature" } else { "which are not features" }
        ));
    }
    let (defaulted, lookups) = e.default_share;
    if lookups >= 10 && defaulted * 2 > lookups {
        let mut top: Vec<(&String, &usize)> = e.default_codes.iter().collect();
        top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let top: Vec<String> = top
            .iter()
            .take(5)
            .map(|(c, n)| format!("`{c}` ×{n}"))
            .collect();
        out.push(format!(
            "{defaulted} of {lookups} codes fell to the default activity ({}): check that [activity_codes] lists the data's codes",
            top.join(", ")
        ));
    }
    out
}
