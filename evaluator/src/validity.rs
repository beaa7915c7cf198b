//! Validity checks of a generated diaries table against a split: one diary per person,
//! well-formed rows, and the location constraints of the activity-location task.

use crate::evaluation::task_name;
use mobility::{Activity, Benchmark, DiaryTable, FormatError, Loc, Person, Task, ZoneTable};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// Examples kept per violation kind.
const EXAMPLES: usize = 5;

/// What can be wrong with a generated diaries table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ViolationKind {
    /// The file could not be read: wrong slot count / field count, unknown activity
    /// label, empty location, duplicate person (caught by `mobility` at read time).
    ReadError,
    /// A person of the split without a diary.
    MissingPerson,
    /// A diary for someone not in the split.
    ExtraPerson,
    /// More than one diary for a person.
    DuplicatePerson,
    /// Location task: a diary without locations (or activity task: with locations).
    LocationsMismatch,
    /// Location task: a Home slot not at the person's home zone.
    HomeNotAtHomeZone,
    /// Location task: a Travel slot not at `T`.
    TravelNotAtT,
    /// Location task: Work, School or Others at `T` or at a zone outside the benchmark.
    NotAtRetainedZone,
}

impl ViolationKind {
    /// Slot-level kinds are scored by the evaluator (the invalid rate); the others make
    /// the table unscorable.
    pub fn is_slot_level(self) -> bool {
        matches!(
            self,
            ViolationKind::HomeNotAtHomeZone
                | ViolationKind::TravelNotAtT
                | ViolationKind::NotAtRetainedZone
        )
    }
}

/// One kind of violation: how many (rows or slots) and the first few examples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Violation {
    pub kind: ViolationKind,
    pub count: usize,
    pub examples: Vec<String>,
}

/// The outcome of [`check_validity`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidityReport {
    pub task: String,
    /// People in the split.
    pub expected_persons: usize,
    /// Diaries in the table (0 after a read error).
    pub diaries: usize,
    /// Violations in a fixed kind order, only kinds that occur.
    pub violations: Vec<Violation>,
}

impl ValidityReport {
    /// No violation of any kind.
    pub fn is_valid(&self) -> bool {
        self.violations.is_empty()
    }

    /// Only slot-level violations (if any): the table can be evaluated, with the invalid
    /// slots counted by the `invalid_rate` diagnostic.
    pub fn is_scorable(&self) -> bool {
        self.violations.iter().all(|v| v.kind.is_slot_level())
    }

    /// Count of one kind (0 if absent).
    pub fn count(&self, kind: ViolationKind) -> usize {
        self.violations
            .iter()
            .find(|v| v.kind == kind)
            .map_or(0, |v| v.count)
    }

    /// Generated slots violating the location constraints.
    pub fn invalid_slots(&self) -> usize {
        self.violations
            .iter()
            .filter(|v| v.kind.is_slot_level())
            .map(|v| v.count)
            .sum()
    }

    /// The report of a table that could not be read at all.
    pub fn from_read_error(bench: &Benchmark, persons: &[Person], error: &FormatError) -> Self {
        ValidityReport {
            task: task_name(bench.task).to_string(),
            expected_persons: persons.len(),
            diaries: 0,
            violations: vec![Violation {
                kind: ViolationKind::ReadError,
                count: 1,
                examples: vec![error.to_string()],
            }],
        }
    }

    /// A few readable lines.
    pub fn to_text(&self) -> String {
        let mut s = format!(
            "validity ({}): {} diaries for {} persons: {}\n",
            self.task,
            self.diaries,
            self.expected_persons,
            if self.is_valid() {
                "valid"
            } else if self.is_scorable() {
                "scorable, with invalid slots"
            } else {
                "NOT scorable"
            }
        );
        for v in &self.violations {
            s.push_str(&format!(
                "  {:?}: {} (e.g. {})\n",
                v.kind,
                v.count,
                v.examples.join("; ")
            ));
        }
        s
    }
}

struct Collector {
    order: Vec<ViolationKind>,
    found: HashMap<ViolationKind, Violation>,
}

impl Collector {
    fn add(&mut self, kind: ViolationKind, example: impl FnOnce() -> String) {
        let v = self.found.entry(kind).or_insert_with(|| Violation {
            kind,
            count: 0,
            examples: Vec::new(),
        });
        v.count += 1;
        if v.examples.len() < EXAMPLES {
            v.examples.push(example());
        }
    }
}

/// The code of an interned location, or `#<index>` for a code this zone table did not
/// intern (an unknown code interned into another copy of the table).
pub(crate) fn zone_code(zones: &ZoneTable, loc: Loc) -> String {
    if loc.index() < zones.len() {
        zones.code(loc).to_string()
    } else {
        format!("#{}", loc.index())
    }
}

/// Checks a generated diaries table (as read with [`DiaryTable::read`], unknown zone codes
/// interned) against the persons of a split: one diary per person (missing / extra /
/// duplicate), locations present exactly in the location task, and every slot valid
/// (Home at the home zone, Travel at `T`, any other activity at a retained zone).
pub fn check_validity(bench: &Benchmark, persons: &[Person], table: &DiaryTable) -> ValidityReport {
    let mut c = Collector {
        order: vec![
            ViolationKind::ReadError,
            ViolationKind::MissingPerson,
            ViolationKind::ExtraPerson,
            ViolationKind::DuplicatePerson,
            ViolationKind::LocationsMismatch,
            ViolationKind::HomeNotAtHomeZone,
            ViolationKind::TravelNotAtT,
            ViolationKind::NotAtRetainedZone,
        ],
        found: HashMap::new(),
    };
    let by_id: HashMap<&str, &Person> = persons.iter().map(|p| (p.id.as_str(), p)).collect();
    let mut seen: HashSet<&str> = HashSet::new();
    let location_task = bench.task == Task::ActivityLocation;
    let zones = &bench.zones;
    for (id, diary) in table.person_ids.iter().zip(&table.diaries) {
        let id = id.as_str();
        let Some(person) = by_id.get(id) else {
            c.add(ViolationKind::ExtraPerson, || format!("`{id}`"));
            continue;
        };
        if !seen.insert(id) {
            c.add(ViolationKind::DuplicatePerson, || format!("`{id}`"));
            continue;
        }
        match (&diary.locations, location_task) {
            (None, false) => {}
            (Some(_), false) => c.add(ViolationKind::LocationsMismatch, || {
                format!("`{id}` has locations in the activity task")
            }),
            (None, true) => c.add(ViolationKind::LocationsMismatch, || {
                format!("`{id}` has no locations")
            }),
            (Some(locs), true) => {
                for (h, (&act, &loc)) in diary.activities.iter().zip(locs).enumerate() {
                    let at = || {
                        format!(
                            "`{id}` h{h:02} {} at {}{}",
                            act,
                            zone_code(zones, loc),
                            match person.home_zone {
                                Some(home) if act == Activity::Home =>
                                    format!(" (home {})", zone_code(zones, home)),
                                _ => String::new(),
                            }
                        )
                    };
                    match act {
                        Activity::Home if Some(loc) != person.home_zone => {
                            c.add(ViolationKind::HomeNotAtHomeZone, at)
                        }
                        Activity::Travel if loc != Loc::TRAVEL => {
                            c.add(ViolationKind::TravelNotAtT, at)
                        }
                        Activity::Work | Activity::School | Activity::Others
                            if !zones.is_retained(loc) =>
                        {
                            c.add(ViolationKind::NotAtRetainedZone, at)
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    for p in persons {
        if !seen.contains(p.id.as_str()) {
            c.add(ViolationKind::MissingPerson, || format!("`{}`", p.id));
        }
    }
    let violations = c.order.iter().filter_map(|k| c.found.remove(k)).collect();
    ValidityReport {
        task: task_name(bench.task).to_string(),
        expected_persons: persons.len(),
        diaries: table.len(),
        violations,
    }
}
