//! 24-slot diaries and the diaries CSV format (`person_id,h00..h23[,l00..l23]`).

use crate::activity::Activity;
use crate::csv::CsvFile;
use crate::zone::{Loc, ZoneTable};
use crate::FormatError;
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

/// Hourly slots in a diary; slot h is clock time [h:00, h+1:00).
pub const SLOTS: usize = 24;

/// One person-day: an activity per slot and, in the location task, a location per slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Diary {
    pub activities: [Activity; SLOTS],
    pub locations: Option<[Loc; SLOTS]>,
}

impl Diary {
    /// An all-Home day (at `home` in the location task).
    pub fn all_home(home: Option<Loc>) -> Diary {
        Diary {
            activities: [Activity::Home; SLOTS],
            locations: home.map(|h| [h; SLOTS]),
        }
    }
}

/// Diaries keyed by person, in file order.
#[derive(Debug, Clone, Default)]
pub struct DiaryTable {
    pub person_ids: Vec<String>,
    pub diaries: Vec<Diary>,
}

fn activity_column(h: usize) -> String {
    format!("h{h:02}")
}

fn location_column(h: usize) -> String {
    format!("l{h:02}")
}

impl DiaryTable {
    /// Reads a diaries file. With `zones`, the `l00..l23` columns are required; codes not
    /// in the table are interned as unknown (so they can be scored as invalid).
    /// Unknown activity labels and duplicate persons are errors naming the line and field.
    pub fn read(path: &Path, mut zones: Option<&mut ZoneTable>) -> Result<DiaryTable, FormatError> {
        let file = CsvFile::open(path)?;
        let id = file.column("person_id")?;
        let acts: Vec<usize> = (0..SLOTS)
            .map(|h| file.column(&activity_column(h)))
            .collect::<Result<_, _>>()?;
        let locs: Option<Vec<usize>> = match zones {
            Some(_) => Some(
                (0..SLOTS)
                    .map(|h| file.column(&location_column(h)))
                    .collect::<Result<_, _>>()?,
            ),
            None => None,
        };
        let mut table = DiaryTable::default();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for record in file.records() {
            let r = record?;
            let person = r.fields[id];
            if let Some(first) = seen.insert(person.to_string(), r.line) {
                return Err(FormatError::at(
                    path,
                    r.line,
                    Some("person_id"),
                    format!("duplicate diary for person `{person}` (first on line {first})"),
                ));
            }
            let mut activities = [Activity::Home; SLOTS];
            for (h, &col) in acts.iter().enumerate() {
                activities[h] = Activity::parse(r.fields[col]).ok_or_else(|| {
                    FormatError::at(
                        path,
                        r.line,
                        Some(&activity_column(h)),
                        format!(
                            "unknown activity `{}` (expected Home, Work, School, Others or Travel)",
                            r.fields[col]
                        ),
                    )
                })?;
            }
            let locations = match (&locs, zones.as_deref_mut()) {
                (Some(cols), Some(zones)) => {
                    let mut l = [Loc::TRAVEL; SLOTS];
                    for (h, &col) in cols.iter().enumerate() {
                        let code = r.fields[col];
                        if code.is_empty() {
                            return Err(FormatError::at(
                                path,
                                r.line,
                                Some(&location_column(h)),
                                "empty location",
                            ));
                        }
                        l[h] = zones.intern(code);
                    }
                    Some(l)
                }
                _ => None,
            };
            table.person_ids.push(person.to_string());
            table.diaries.push(Diary {
                activities,
                locations,
            });
        }
        Ok(table)
    }

    pub fn len(&self) -> usize {
        self.diaries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.diaries.is_empty()
    }

    /// The diary of each person of `ids`, in that order; `Err` lists what does not match.
    pub fn aligned_to(&self, ids: &[&str]) -> Result<Vec<Diary>, String> {
        let index: HashMap<&str, usize> = self
            .person_ids
            .iter()
            .enumerate()
            .map(|(i, p)| (p.as_str(), i))
            .collect();
        let missing: Vec<&str> = ids
            .iter()
            .copied()
            .filter(|p| !index.contains_key(p))
            .collect();
        let wanted: std::collections::HashSet<&str> = ids.iter().copied().collect();
        let extra: Vec<&str> = self
            .person_ids
            .iter()
            .map(String::as_str)
            .filter(|p| !wanted.contains(p))
            .collect();
        if !missing.is_empty() || !extra.is_empty() {
            let show = |v: &[&str]| v.iter().take(5).copied().collect::<Vec<_>>().join(", ");
            return Err(format!(
                "{} person(s) of the split have no diary (e.g. {}); {} diary(ies) are for people not in the split (e.g. {})",
                missing.len(),
                show(&missing),
                extra.len(),
                show(&extra)
            ));
        }
        Ok(ids.iter().map(|p| self.diaries[index[p]]).collect())
    }
}

/// Writes diaries in the project's format. `zones` selects the location task columns.
pub fn write_diaries<'a, W: Write>(
    out: W,
    rows: impl IntoIterator<Item = (&'a str, &'a Diary)>,
    zones: Option<&ZoneTable>,
) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(out);
    let mut header = String::from("person_id");
    for h in 0..SLOTS {
        header.push(',');
        header.push_str(&activity_column(h));
    }
    if zones.is_some() {
        for h in 0..SLOTS {
            header.push(',');
            header.push_str(&location_column(h));
        }
    }
    writeln!(out, "{header}")?;
    let mut line = String::with_capacity(512);
    for (id, diary) in rows {
        line.clear();
        line.push_str(id);
        for a in diary.activities {
            line.push(',');
            line.push_str(a.name());
        }
        if let (Some(zones), Some(locs)) = (zones, diary.locations) {
            for l in locs {
                line.push(',');
                line.push_str(zones.code(l));
            }
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    out.flush()
}
