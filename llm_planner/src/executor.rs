//! The statistical executor: turns a [`Plan`] into the benchmark's 24-slot diary, or says
//! why the plan cannot be carried out (TrajGenAgent's low-level executor, with the data of
//! the train split in place of a fine-tuned model).
//!
//! 1. **Places.** Home, and any step whose place is `home`, is Home at the person's home
//!    zone (the benchmarks label an activity by where it happens; a Home step hinted at
//!    another zone is infeasible). Work, School and Others take the zone their hint names
//!    (location task; `home-zone` is the person's home zone; a hint that looks like a zone
//!    code but is not one is infeasible), or,
//!    for a label hint (`work`, `gym`) or none, a zone drawn from the [`DestinationModel`]
//!    given the home zone and the activity, once per label: the same label is the same
//!    place. Without a hint the label is the activity's name. In the activity task the
//!    label alone identifies the place.
//! 2. **Timeline.** Time before the first step and after the last is Home. A gap between
//!    two steps at the same place continues the earlier one; any other gap is Travel. When
//!    two steps at different places abut, Travel of [`INSERTED_TRIP_MINUTES`] (or the
//!    minimum travel time between their zones, if longer) is inserted at the end of the
//!    earlier one.
//! 3. **Feasibility.** A trip between two zones needs at least distance ÷
//!    [`MAX_SPEED_KMH`]; a plan that leaves less (but more than nothing) is infeasible. A
//!    Travel spell, or a spell of one activity at one place, longer than the train data
//!    allows ([`SpellLimits`]) is infeasible. Every problem is listed for the planner.
//! 4. **Slots.** Each hour takes the (activity, zone) with the most minutes in it; ties go
//!    to Travel, Work, School, Others, Home in that order, then to the state met first in
//!    the hour (the slot rule of `BENCHMARKS.md`).

use crate::destinations::{DestinationModel, SpellLimits};
use crate::plan::{clock, Plan, DAY_MINUTES};
use crate::prompt::HOME_ZONE;
use mobility::{Activity, Benchmark, Diary, Loc, Person, SplitData, Task, ZoneTable, SLOTS};
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;

/// Travel inserted between two abutting steps at different places, in minutes (a typical
/// urban trip; in hourly slots a shorter one rarely shows).
pub const INSERTED_TRIP_MINUTES: u32 = 20;
/// The fastest door-to-door speed a plan may assume between zone centroids, km/h: about
/// motorway speed. (At 50 km/h some real Santiago days, a 60 km trip in one Travel hour,
/// would be refused.)
pub const MAX_SPEED_KMH: f64 = 80.0;

/// Why a plan cannot be executed: one sentence per problem, for the planner.
#[derive(Debug, Clone, PartialEq)]
pub struct Infeasible {
    pub reasons: Vec<String>,
}

impl std::fmt::Display for Infeasible {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reasons.join("; "))
    }
}

/// The executor fitted on a train split.
#[derive(Debug, Clone)]
pub struct StatisticalExecutor {
    zones: Option<ZoneTable>,
    destinations: Option<DestinationModel>,
    limits: SpellLimits,
}

/// A place of the timeline: its identity and, in the location task, its zone.
#[derive(Debug, Clone, PartialEq)]
struct Place {
    key: String,
    zone: Option<Loc>,
}

/// One piece of the timeline: a stay (activity at a place) or travel.
#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Stay {
        activity: Activity,
        place: Place,
        start: u32,
        end: u32,
    },
    Travel {
        start: u32,
        end: u32,
    },
}

impl Piece {
    fn start(&self) -> u32 {
        match self {
            Piece::Stay { start, .. } | Piece::Travel { start, .. } => *start,
        }
    }
    fn end(&self) -> u32 {
        match self {
            Piece::Stay { end, .. } | Piece::Travel { end, .. } => *end,
        }
    }
    fn set_end(&mut self, value: u32) {
        match self {
            Piece::Stay { end, .. } | Piece::Travel { end, .. } => *end = value,
        }
    }
    fn set_start(&mut self, value: u32) {
        match self {
            Piece::Stay { start, .. } | Piece::Travel { start, .. } => *start = value,
        }
    }
}

const HOME_KEY: &str = "home";
/// Key prefix of a place named by its zone code.
const ZONE_KEY: &str = "zone ";

impl StatisticalExecutor {
    /// Learns the destination model (location task) and the spell limits from `train`.
    pub fn fit(bench: &Benchmark, train: &SplitData) -> StatisticalExecutor {
        let location = bench.task == Task::ActivityLocation;
        StatisticalExecutor {
            zones: location.then(|| bench.zones.clone()),
            destinations: location.then(|| DestinationModel::fit(&bench.zones, train)),
            limits: SpellLimits::fit(train),
        }
    }

    /// The spell limits learned from train.
    pub fn limits(&self) -> &SpellLimits {
        &self.limits
    }

    /// The diary of `plan` for `person` (zones drawn from `rng`), or every reason it is
    /// infeasible.
    pub fn execute(
        &self,
        plan: &Plan,
        person: &Person,
        rng: &mut ChaCha8Rng,
    ) -> Result<Diary, Infeasible> {
        let mut reasons = Vec::new();
        let home = self
            .zones
            .as_ref()
            .map(|_| person.home_zone.unwrap_or(Loc(1)));
        let mut pieces = self.place_steps(plan, home, rng, &mut reasons);
        fill_gaps(&mut pieces, home);
        self.insert_and_check_travel(&mut pieces, &mut reasons);
        self.check_spells(&pieces, &mut reasons);
        if !reasons.is_empty() {
            return Err(Infeasible { reasons });
        }
        Ok(to_slots(&pieces, home))
    }

    /// Step by step: the place of each stay (see the module docs).
    fn place_steps(
        &self,
        plan: &Plan,
        home: Option<Loc>,
        rng: &mut ChaCha8Rng,
        reasons: &mut Vec<String>,
    ) -> Vec<Piece> {
        let mut labelled: HashMap<String, Option<Loc>> = HashMap::new();
        let mut pieces = Vec::with_capacity(plan.steps.len() + 2);
        for (i, step) in plan.steps.iter().enumerate() {
            let n = i + 1;
            let (start, end) = (step.start, step.end);
            if step.activity == Activity::Travel {
                pieces.push(Piece::Travel { start, end });
                continue;
            }
            let hint = step.place.as_deref().map(str::trim).unwrap_or("");
            let zone_hint = if hint.eq_ignore_ascii_case(HOME_ZONE) {
                home
            } else {
                self.zones.as_ref().and_then(|z| z.lookup(hint))
            };
            let code_like = !hint.is_empty() && hint.chars().all(|c| c.is_ascii_digit());
            if self.zones.is_some() && zone_hint.is_none() && code_like {
                reasons.push(format!(
                    "step {n} ({}): zone `{hint}` is not one of the benchmark's zones",
                    step.activity
                ));
                continue;
            }
            let at_home = step.activity == Activity::Home || hint.eq_ignore_ascii_case(HOME_KEY);
            let place = if at_home {
                if let (Some(z), Some(h)) = (zone_hint, home) {
                    if z != h {
                        reasons.push(format!(
                            "step {n} (Home): it is at zone {hint}, but Home must be at the person's home zone {}",
                            self.code(h)
                        ));
                    }
                }
                Place {
                    key: HOME_KEY.to_string(),
                    zone: home,
                }
            } else if let Some(z) = zone_hint {
                Place {
                    key: format!("{ZONE_KEY}{}", self.code(z)),
                    zone: Some(z),
                }
            } else {
                let key = if hint.is_empty() {
                    step.activity.name().to_ascii_lowercase()
                } else {
                    hint.to_ascii_lowercase()
                };
                let zone = *labelled.entry(key.clone()).or_insert_with(|| {
                    self.destinations
                        .as_ref()
                        .zip(home)
                        .map(|(d, h)| d.draw(rng, h, step.activity))
                });
                Place { key, zone }
            };
            pieces.push(Piece::Stay {
                activity: if at_home {
                    Activity::Home
                } else {
                    step.activity
                },
                place,
                start,
                end,
            });
        }
        pieces
    }

    fn code(&self, loc: Loc) -> &str {
        self.zones.as_ref().map_or("", |z| z.code(loc))
    }

    /// Minimum minutes to travel between two places.
    fn min_travel(&self, a: &Place, b: &Place) -> (u32, Option<f64>) {
        let km = match (&self.zones, a.zone, b.zone) {
            (Some(z), Some(x), Some(y)) => z.distance_km(x, y),
            _ => None,
        };
        let minutes = km.map_or(0, |d| (d / MAX_SPEED_KMH * 60.0).ceil() as u32);
        (minutes, km)
    }

    /// Between consecutive stays at different places: insert travel where they abut, flag
    /// travel too short for the distance; flag any travel spell longer than the data allows.
    fn insert_and_check_travel(&self, pieces: &mut Vec<Piece>, reasons: &mut Vec<String>) {
        let mut i = 0;
        while i < pieces.len() {
            let Piece::Stay { place: from, .. } = &pieces[i] else {
                i += 1;
                continue;
            };
            let from = from.clone();
            let mut j = i + 1;
            while j < pieces.len() && matches!(pieces[j], Piece::Travel { .. }) {
                j += 1;
            }
            let Some(Piece::Stay { place: to, .. }) = pieces.get(j) else {
                break;
            };
            let to = to.clone();
            let travel: u32 = pieces[i + 1..j].iter().map(|p| p.end() - p.start()).sum();
            if from.key != to.key {
                let (need, km) = self.min_travel(&from, &to);
                if travel == 0 {
                    let at = pieces[i].end();
                    let wanted = need.max(INSERTED_TRIP_MINUTES);
                    let before = wanted.min(pieces[i].end() - pieces[i].start() - 1);
                    let after = (wanted - before).min(pieces[j].end() - pieces[j].start() - 1);
                    pieces[i].set_end(at - before);
                    pieces[j].set_start(at + after);
                    if before + after > 0 {
                        pieces.insert(
                            i + 1,
                            Piece::Travel {
                                start: at - before,
                                end: at + after,
                            },
                        );
                        j += 1;
                    }
                } else if travel < need {
                    reasons.push(format!(
                        "the plan leaves {travel} min to travel {:.1} km from {} to {} (arriving at {}); that takes at least {need} min",
                        km.unwrap_or(0.0),
                        self.describe(&from),
                        self.describe(&to),
                        clock(pieces[j].start()),
                    ));
                }
            }
            i = j;
        }
        let limit = self.limits.max(Activity::Travel);
        let mut k = 0;
        while k < pieces.len() {
            if !matches!(pieces[k], Piece::Travel { .. }) {
                k += 1;
                continue;
            }
            let start = pieces[k].start();
            let mut end = pieces[k].end();
            while k + 1 < pieces.len() && matches!(pieces[k + 1], Piece::Travel { .. }) {
                k += 1;
                end = pieces[k].end();
            }
            if end - start > limit {
                reasons.push(format!(
                    "travel from {} to {} lasts {}; in the training data a Travel spell lasts at most {}",
                    clock(start),
                    clock(end),
                    hours(end - start),
                    hours(limit)
                ));
            }
            k += 1;
        }
    }

    fn describe(&self, place: &Place) -> String {
        match place.zone {
            Some(z) if place.key.starts_with(ZONE_KEY) => format!("zone {}", self.code(z)),
            Some(z) => format!("{} (zone {})", place.key, self.code(z)),
            None => place.key.clone(),
        }
    }

    /// A spell (consecutive stays with one activity at one place) longer than train allows.
    fn check_spells(&self, pieces: &[Piece], reasons: &mut Vec<String>) {
        let mut k = 0;
        while k < pieces.len() {
            let Piece::Stay {
                activity,
                place,
                start,
                end,
            } = &pieces[k]
            else {
                k += 1;
                continue;
            };
            let (start, mut end) = (*start, *end);
            while let Some(Piece::Stay {
                activity: a,
                place: p,
                end: e,
                ..
            }) = pieces.get(k + 1)
            {
                if a != activity || p != place {
                    break;
                }
                end = *e;
                k += 1;
            }
            let limit = self.limits.max(*activity);
            if end - start > limit {
                reasons.push(format!(
                    "{activity} from {} to {} lasts {}; in the training data a {activity} spell lasts at most {}",
                    clock(start),
                    clock(end),
                    hours(end - start),
                    hours(limit)
                ));
            }
            k += 1;
        }
    }
}

/// Home before the first step and after the last; gaps between steps at the same place
/// continue the earlier one, other gaps become travel.
fn fill_gaps(pieces: &mut Vec<Piece>, home: Option<Loc>) {
    let home_stay = |start: u32, end: u32| Piece::Stay {
        activity: Activity::Home,
        place: Place {
            key: HOME_KEY.to_string(),
            zone: home,
        },
        start,
        end,
    };
    let first = pieces.first().map_or(DAY_MINUTES, Piece::start);
    if first > 0 {
        pieces.insert(0, home_stay(0, first));
    }
    let last = pieces.last().map_or(0, Piece::end);
    if last < DAY_MINUTES {
        pieces.push(home_stay(last, DAY_MINUTES));
    }
    let mut i = 0;
    while i + 1 < pieces.len() {
        let (end, next) = (pieces[i].end(), pieces[i + 1].start());
        if next > end {
            let same_place = match (&pieces[i], &pieces[i + 1]) {
                (Piece::Stay { place: a, .. }, Piece::Stay { place: b, .. }) => a.key == b.key,
                (Piece::Travel { .. }, _) => true,
                _ => false,
            };
            if same_place {
                pieces[i].set_end(next);
            } else if let Piece::Travel { .. } = pieces[i + 1] {
                pieces[i + 1].set_start(end);
            } else {
                pieces.insert(
                    i + 1,
                    Piece::Travel {
                        start: end,
                        end: next,
                    },
                );
            }
        }
        i += 1;
    }
}

/// The slot rule over the minute timeline.
fn to_slots(pieces: &[Piece], home: Option<Loc>) -> Diary {
    let mut activities = [Activity::Home; SLOTS];
    let mut locations = [Loc::TRAVEL; SLOTS];
    for h in 0..SLOTS {
        let (from, to) = (h as u32 * 60, h as u32 * 60 + 60);
        // (activity, zone, minutes), in order of first appearance in the hour.
        let mut states: Vec<(Activity, Loc, u32)> = Vec::new();
        for p in pieces {
            let (s, e) = (p.start().max(from), p.end().min(to));
            if s >= e {
                continue;
            }
            let (activity, zone) = match p {
                Piece::Stay {
                    activity, place, ..
                } => (*activity, place.zone.unwrap_or(Loc::TRAVEL)),
                Piece::Travel { .. } => (Activity::Travel, Loc::TRAVEL),
            };
            match states
                .iter_mut()
                .find(|(a, z, _)| *a == activity && *z == zone)
            {
                Some(state) => state.2 += e - s,
                None => states.push((activity, zone, e - s)),
            }
        }
        let best = states
            .iter()
            .copied()
            .enumerate()
            .min_by_key(|(i, (a, _, m))| (std::cmp::Reverse(*m), a.tie_rank(), *i));
        if let Some((_, (a, z, _))) = best {
            activities[h] = a;
            locations[h] = z;
        }
    }
    Diary {
        activities,
        locations: home.map(|_| locations),
    }
}

/// `7 h`, `7.5 h`.
fn hours(minutes: u32) -> String {
    let h = minutes as f64 / 60.0;
    if minutes % 60 == 0 {
        format!("{h:.0} h")
    } else {
        format!("{h:.1} h")
    }
}
