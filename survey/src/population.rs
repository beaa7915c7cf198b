//! A modeller's own population (`generate --persons FILE`) checked against a prepared
//! benchmark, with `group` and `day_type` derived from the features when absent.
//!
//! The file is a CSV with `person_id`, optional `household_id`, optional `group` and
//! `day_type`, `home_zone` (location task) and the benchmark's feature columns (any order;
//! other columns are ignored and named in [`PopulationChunks::notes`]). Checks, each an
//! error naming the file, line and field:
//! - every feature column of the benchmark is present (a missing one would silently make
//!   every person "unknown" to the generator);
//! - every value is one the benchmark knows, by the kind of the feature
//!   (its [`FeatureDomain`], computed by `prepare` over every kept person and stored in the
//!   manifest): a *coded* feature (text values, or integers with at most
//!   [`MAX_INTEGER_CODES`] distinct values) takes one of the benchmark's values (integers
//!   however padded); a *numeric* one any number; an *open* one (text with more than
//!   [`MAX_TEXT_VALUES`] distinct values) anything. An empty value is accepted only when the
//!   benchmark has empty values in that column;
//! - `group` and `day_type`, when given, agree with what the benchmark's own segment rules
//!   (its `manifest.json` → `config.segments`, the rules it was prepared with) give for the
//!   person's features; when absent they are derived by those rules — possible when the
//!   rules read only feature columns;
//! - `home_zone` (location task) is a zone of the benchmark; ids are non-empty and unique
//!   within each chunk of people read at once.
//!
//! Nothing falls back silently: there is no fallback.

use crate::activity_codes::canonical_integer;
use crate::config::{Condition, SegmentRules, SurveyConfig};
use crate::segment_rules::{DayRule, GroupRule};
use mobility::{Benchmark, DayType, FormatError, Group, Person, PersonTable, Split, ZoneTable};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Integer features with at most this many distinct values are codes.
pub const MAX_INTEGER_CODES: usize = 12;
/// Text features with more distinct values than this are open (not checked).
pub const MAX_TEXT_VALUES: usize = 1000;

/// What values a feature takes in a benchmark (all its kept people, every split), stored
/// in its manifest (`feature_domains`) by `prepare`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FeatureDomain {
    /// One of these values (integer codes in plain decimal, matched however padded).
    Codes { values: Vec<String>, empty: bool },
    /// Any number (the benchmark's range is shown in errors).
    Numeric { min: f64, max: f64, empty: bool },
    /// Free text: not checked.
    Open,
}

impl FeatureDomain {
    /// The domain of one feature's values (see the module doc for the kinds).
    pub fn of<'a>(values: impl Iterator<Item = &'a str>) -> FeatureDomain {
        let mut empty = false;
        let mut present: BTreeSet<&str> = BTreeSet::new();
        for v in values {
            if v.is_empty() {
                empty = true;
            } else {
                present.insert(v);
            }
        }
        let integers: Option<BTreeSet<i64>> =
            present.iter().map(|v| canonical_integer(v)).collect();
        let numbers: Option<Vec<f64>> = present
            .iter()
            .map(|v| v.parse::<f64>().ok().filter(|x| x.is_finite()))
            .collect();
        match (integers, numbers) {
            (Some(ints), _) if ints.len() <= MAX_INTEGER_CODES => FeatureDomain::Codes {
                values: ints.iter().map(i64::to_string).collect(),
                empty,
            },
            (_, Some(nums)) if !nums.is_empty() => FeatureDomain::Numeric {
                min: nums.iter().copied().fold(f64::INFINITY, f64::min),
                max: nums.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                empty,
            },
            _ if present.len() > MAX_TEXT_VALUES => FeatureDomain::Open,
            _ => FeatureDomain::Codes {
                values: present.iter().map(|v| v.to_string()).collect(),
                empty,
            },
        }
    }
}

/// A [`FeatureDomain`] ready for checking.
#[derive(Debug, Clone)]
struct Domain {
    kind: FeatureDomain,
    values: BTreeSet<String>,
    integers: BTreeSet<i64>,
}

impl Domain {
    fn new(kind: FeatureDomain) -> Domain {
        let (values, integers) = match &kind {
            FeatureDomain::Codes { values, .. } => (
                values.iter().cloned().collect(),
                values.iter().filter_map(|v| canonical_integer(v)).collect(),
            ),
            _ => (BTreeSet::new(), BTreeSet::new()),
        };
        Domain {
            kind,
            values,
            integers,
        }
    }

    /// `Err(message)` when `v` is outside the domain of feature `name`.
    fn check(&self, name: &str, v: &str) -> Result<(), String> {
        let empty_ok = match &self.kind {
            FeatureDomain::Open => return Ok(()),
            FeatureDomain::Codes { empty, .. } | FeatureDomain::Numeric { empty, .. } => *empty,
        };
        if v.is_empty() {
            return if empty_ok {
                Ok(())
            } else {
                Err(format!(
                    "empty, but every person of the benchmark has a `{name}`"
                ))
            };
        }
        match &self.kind {
            FeatureDomain::Codes { values, .. } => {
                let known = self.values.contains(v)
                    || canonical_integer(v).is_some_and(|n| self.integers.contains(&n));
                if known {
                    return Ok(());
                }
                let mut list = values
                    .iter()
                    .take(12)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ");
                if values.len() > 12 {
                    list.push_str(&format!(", … ({} values)", values.len()));
                }
                Err(format!(
                    "`{v}` is not a value of `{name}` in the benchmark (its people have: {list})"
                ))
            }
            FeatureDomain::Numeric { min, max, .. } => match v.parse::<f64>() {
                Ok(x) if x.is_finite() => Ok(()),
                _ => Err(format!(
                    "`{v}` is not a number (`{name}` is numeric in the benchmark: {min} to {max})"
                )),
            },
            FeatureDomain::Open => Ok(()),
        }
    }
}

/// What a benchmark asks of a population: its features and their domains, its home zones,
/// and its segment rules compiled over feature positions.
pub struct PopulationRules {
    feature_names: Vec<String>,
    domains: Vec<Domain>,
    zones: Option<ZoneTable>,
    rules: SegmentRules,
    /// `Err(columns that are not features)` when the rule cannot be applied to features.
    group: Result<GroupRule<usize>, Vec<String>>,
    day: Result<DayRule<usize>, Vec<String>>,
}

impl PopulationRules {
    /// Reads the benchmark's manifest (its segment rules and feature domains) and its
    /// train persons (its features, in order; their values are the domains of a benchmark
    /// prepared before `feature_domains` existed).
    pub fn of_benchmark(bench: &Benchmark) -> Result<PopulationRules, FormatError> {
        let manifest_path = bench.dir.join("manifest.json");
        let text = std::fs::read_to_string(&manifest_path)
            .map_err(|e| FormatError::file(&manifest_path, e.to_string()))?;
        let json: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| FormatError::file(&manifest_path, format!("not valid JSON: {e}")))?;
        let config: SurveyConfig = serde_json::from_value(json["config"].clone()).map_err(|e| {
            FormatError::at(
                &manifest_path,
                0,
                Some("config"),
                format!("not a survey config: {e}"),
            )
        })?;
        let train = bench.persons(Split::Train)?;
        let feature_names = train.feature_names.clone();
        // Benchmarks prepared before `feature_domains` existed: the train people's values.
        let stored: Option<BTreeMap<String, FeatureDomain>> =
            serde_json::from_value(json["feature_domains"].clone()).ok();
        let mut domains = Vec::with_capacity(feature_names.len());
        for (j, name) in feature_names.iter().enumerate() {
            let kind = match stored.as_ref().map(|d| d.get(name)) {
                Some(Some(d)) => d.clone(),
                Some(None) => {
                    return Err(FormatError::at(
                        &manifest_path,
                        0,
                        Some("feature_domains"),
                        format!("no domain for feature `{name}` of train/persons.csv"),
                    ))
                }
                None => FeatureDomain::of(train.persons.iter().map(|p| p.features[j].as_str())),
            };
            domains.push(Domain::new(kind));
        }
        let resolve = |name: &str| {
            feature_names
                .iter()
                .position(|f| f == name)
                .ok_or_else(|| vec![name.to_string()])
        };
        let group = all_features(
            &config.segments.employed,
            &config.segments.student,
            &resolve,
        )
        .and_then(|_| GroupRule::compile(&config.segments, resolve));
        let day = match &config.segments.weekend {
            Some(w) => missing_columns(w, &resolve)
                .and_then(|_| DayRule::compile(&config.segments, resolve)),
            None => DayRule::compile(&config.segments, resolve),
        };
        Ok(PopulationRules {
            feature_names,
            domains,
            zones: bench.zones_for_io().cloned(),
            rules: config.segments,
            group,
            day,
        })
    }

    /// The benchmark's feature columns, in its order.
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }
}

/// Ok when every column of the conditions is a feature; else all those that are not.
fn all_features(
    a: &Condition,
    b: &Condition,
    resolve: &impl Fn(&str) -> Result<usize, Vec<String>>,
) -> Result<(), Vec<String>> {
    let mut missing = missing_columns(a, resolve).err().unwrap_or_default();
    for c in missing_columns(b, resolve).err().unwrap_or_default() {
        if !missing.contains(&c) {
            missing.push(c);
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(missing)
    }
}

fn missing_columns(
    c: &Condition,
    resolve: &impl Fn(&str) -> Result<usize, Vec<String>>,
) -> Result<(), Vec<String>> {
    let mut missing: Vec<String> = Vec::new();
    for col in c.columns() {
        if resolve(col).is_err() && !missing.iter().any(|m| m == col) {
            missing.push(col.to_string());
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(missing)
    }
}

/// Where each column of the population file is.
struct Layout {
    id: usize,
    household: Option<usize>,
    group: Option<usize>,
    day_type: Option<usize>,
    home: Option<usize>,
    /// Per benchmark feature, its column in the file.
    features: Vec<usize>,
}

/// The people of a population file in chunks, checked and completed (see the module doc).
pub struct PopulationChunks<'r> {
    rules: &'r PopulationRules,
    path: PathBuf,
    reader: csv::Reader<std::io::BufReader<std::fs::File>>,
    layout: Layout,
    chunk_size: usize,
    notes: Vec<String>,
    done: bool,
    /// Byte range of the file whose records are returned (records starting elsewhere are
    /// skipped): a part of the file, see [`ReadOptions::part`].
    range: std::ops::Range<u64>,
    /// Columns kept beside the features (see [`ReadOptions::keep`]): name and column.
    kept: Vec<(String, usize)>,
}

/// How [`read_chunks_with`] reads.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// `(index, count)`: return only the people whose line starts in the `index`-th of
    /// `count` equal byte ranges of the file after its header — the rule of
    /// `mobility::PersonTable::read_chunks_part`, so parts read in order give every person
    /// once, in file order. Errors still name the line in the whole file.
    pub part: Option<(u64, u64)>,
    /// Extra columns to keep, appended after the benchmark's features under their own names
    /// (absent columns are skipped), e.g. a person's own home coordinates.
    pub keep: Vec<String>,
}

/// Opens a population file for [`PopulationChunks`]: header checks happen here.
pub fn read_chunks<'r>(
    rules: &'r PopulationRules,
    path: &Path,
    chunk_size: usize,
) -> Result<PopulationChunks<'r>, FormatError> {
    read_chunks_with(rules, path, chunk_size, &ReadOptions::default())
}

/// [`read_chunks`] with a part of the file and extra columns kept.
pub fn read_chunks_with<'r>(
    rules: &'r PopulationRules,
    path: &Path,
    chunk_size: usize,
    options: &ReadOptions,
) -> Result<PopulationChunks<'r>, FormatError> {
    let file = std::fs::File::open(path).map_err(|e| FormatError::file(path, e.to_string()))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        // `\n` alone ends a record, so line numbers count true lines in CRLF files too
        // (the `\r` is trimmed with the last field).
        .terminator(csv::Terminator::Any(b'\n'))
        .from_reader(std::io::BufReader::new(file));
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| FormatError::at(path, 1, None, format!("header: {e}")))?
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let h = h.trim();
            if i == 0 {
                h.trim_start_matches('\u{feff}')
            } else {
                h
            }
            .to_string()
        })
        .collect();
    if header.len() == 1 && header[0].is_empty() {
        return Err(FormatError::file(
            path,
            "empty file (a header line is required)",
        ));
    }
    let find = |name: &str| header.iter().position(|h| h == name);
    let missing = |name: &str, why: String| FormatError::at(path, 1, Some(name), why);
    let id = find("person_id").ok_or_else(|| missing("person_id", "missing column".into()))?;
    let mut notes = Vec::new();
    let mut features = Vec::with_capacity(rules.feature_names.len());
    for name in &rules.feature_names {
        features.push(find(name).ok_or_else(|| {
            missing(
                name,
                format!(
                    "missing column: the benchmark's people are described by {}; without `{name}` every person would be unknown to the generator on it",
                    rules.feature_names.join(", ")
                ),
            )
        })?);
    }
    let group = find("group");
    let day_type = find("day_type");
    if group.is_none() {
        if let Err(cols) = &rules.group {
            return Err(missing(
                "group",
                format!(
                    "missing column, and the benchmark's employment rules ({}; {}) read {}, not features of the benchmark: give `group` (employed, student or other)",
                    rules.rules.employed,
                    rules.rules.student,
                    cols.join(", ")
                ),
            ));
        }
        notes.push(format!(
            "`group` derived from the features by the benchmark's rules (employed: {}; else student: {}; else other)",
            rules.rules.employed, rules.rules.student
        ));
    }
    if day_type.is_none() {
        if let Err(cols) = &rules.day {
            return Err(missing(
                "day_type",
                format!(
                    "missing column, and the benchmark's weekend rule reads {}, not features of the benchmark: give `day_type` (weekday or weekend)",
                    cols.join(", ")
                ),
            ));
        }
        notes.push(match &rules.rules.weekend {
            Some(w) => format!("`day_type` derived from the features by the benchmark's rule (weekend: {w}; else weekday)"),
            None => "`day_type` is weekday for everyone (the benchmark has no weekend rule)".to_string(),
        });
    }
    let home = find("home_zone");
    if rules.zones.is_some() && home.is_none() {
        return Err(missing(
            "home_zone",
            "missing column (the benchmark is a location task: every person needs a home zone of the benchmark)".into(),
        ));
    }
    let known = [
        "person_id",
        "household_id",
        "group",
        "day_type",
        "home_zone",
    ];
    let ignored: Vec<&str> = header
        .iter()
        .map(String::as_str)
        .filter(|h| !known.contains(h) && !rules.feature_names.iter().any(|f| f == h))
        .collect();
    let kept: Vec<(String, usize)> = options
        .keep
        .iter()
        .filter_map(|name| find(name).map(|i| (name.clone(), i)))
        .collect();
    let ignored: Vec<&str> = ignored
        .into_iter()
        .filter(|h| !kept.iter().any(|(k, _)| k == h))
        .collect();
    if !ignored.is_empty() {
        notes.push(format!(
            "columns ignored (not features of the benchmark): {}",
            ignored.join(", ")
        ));
    }
    let range = match options.part {
        None => 0..u64::MAX,
        Some((index, count)) => {
            if count == 0 || index >= count {
                return Err(FormatError::file(
                    path,
                    format!("part {index} of {count} does not exist"),
                ));
            }
            let body_start = reader.position().byte();
            let len = std::fs::metadata(path)
                .map_err(|e| FormatError::file(path, e.to_string()))?
                .len();
            let body = len.saturating_sub(body_start);
            let at =
                |k: u64| body_start + (u128::from(body) * u128::from(k) / u128::from(count)) as u64;
            at(index)..if index + 1 == count {
                u64::MAX
            } else {
                at(index + 1)
            }
        }
    };
    Ok(PopulationChunks {
        rules,
        path: path.to_path_buf(),
        range,
        kept,
        reader,
        layout: Layout {
            id,
            household: find("household_id"),
            group,
            day_type,
            home,
            features,
        },
        chunk_size: chunk_size.max(1),
        notes,
        done: false,
    })
}

impl PopulationChunks<'_> {
    /// What was derived or ignored (one line each), known once the header is read.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    fn person(&self, line: usize, record: &csv::StringRecord) -> Result<Person, FormatError> {
        let rules = self.rules;
        let l = &self.layout;
        let err = |field: &str, msg: String| FormatError::at(&self.path, line, Some(field), msg);
        let get = |i: usize| record.get(i).unwrap_or("").trim();
        let id = get(l.id);
        if id.is_empty() {
            return Err(err("person_id", "empty id".into()));
        }
        let features: Vec<String> = l.features.iter().map(|&i| get(i).to_string()).collect();
        for (j, v) in features.iter().enumerate() {
            let name = &rules.feature_names[j];
            rules.domains[j].check(name, v).map_err(|m| err(name, m))?;
        }
        let value = |j: usize| features[j].as_str();
        let group = match (&rules.group, l.group) {
            (derivable, Some(col)) => {
                let given = Group::parse(get(col)).ok_or_else(|| {
                    err(
                        "group",
                        format!("`{}` is not employed, student or other", get(col)),
                    )
                })?;
                if let Ok(rule) = derivable {
                    let derived = rule.group(&value);
                    if derived != given {
                        return Err(err(
                            "group",
                            format!(
                                "`{}` contradicts the features: the benchmark's rules (employed: {}; else student: {}) give `{}`; leave out the column to derive it",
                                given.name(),
                                rules.rules.employed,
                                rules.rules.student,
                                derived.name()
                            ),
                        ));
                    }
                }
                given
            }
            (Ok(rule), None) => rule.group(&value),
            (Err(_), None) => unreachable!("checked with the header"),
        };
        let day_type = match (&rules.day, l.day_type) {
            (derivable, Some(col)) => {
                let given = DayType::parse(get(col)).ok_or_else(|| {
                    err(
                        "day_type",
                        format!("`{}` is not weekday or weekend", get(col)),
                    )
                })?;
                if let Ok(rule) = derivable {
                    let derived = rule.day_type(&value);
                    if derived != given {
                        return Err(err(
                            "day_type",
                            format!(
                                "`{}` contradicts the features: the benchmark's rule ({}) gives `{}`; leave out the column to derive it",
                                given.name(),
                                match &rules.rules.weekend {
                                    Some(w) => format!("weekend: {w}"),
                                    None => "every day is a weekday".to_string(),
                                },
                                derived.name()
                            ),
                        ));
                    }
                }
                given
            }
            (Ok(rule), None) => rule.day_type(&value),
            (Err(_), None) => unreachable!("checked with the header"),
        };
        let home_zone = match (&rules.zones, l.home) {
            (Some(zones), Some(col)) => {
                let code = get(col);
                match zones.lookup(code) {
                    Some(loc) if zones.is_retained(loc) => Some(loc),
                    _ => {
                        return Err(err(
                            "home_zone",
                            format!("`{code}` is not a zone of the benchmark"),
                        ))
                    }
                }
            }
            _ => None,
        };
        Ok(Person {
            id: id.to_string(),
            household_id: l.household.map(|c| get(c).to_string()).unwrap_or_default(),
            group,
            day_type,
            home_zone,
            features,
        })
    }
}

impl Iterator for PopulationChunks<'_> {
    type Item = Result<PersonTable, FormatError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let mut feature_names = self.rules.feature_names.clone();
        feature_names.extend(self.kept.iter().map(|(name, _)| name.clone()));
        let mut table = PersonTable {
            feature_names,
            persons: Vec::with_capacity(self.chunk_size.min(1 << 16)),
        };
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut record = csv::StringRecord::new();
        while table.persons.len() < self.chunk_size {
            match self.reader.read_record(&mut record) {
                Ok(false) => {
                    self.done = true;
                    break;
                }
                Ok(true) => {}
                Err(e) => {
                    self.done = true;
                    let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
                    let message = match e.kind() {
                        csv::ErrorKind::UnequalLengths {
                            expected_len, len, ..
                        } => {
                            format!("expected {expected_len} fields, found {len}")
                        }
                        csv::ErrorKind::Utf8 { .. } => "not valid UTF-8".to_string(),
                        _ => e.to_string(),
                    };
                    return Some(Err(FormatError::at(&self.path, line, None, message)));
                }
            }
            let line = record.position().map(|p| p.line() as usize).unwrap_or(0);
            let start = record.position().map_or(0, |p| p.byte());
            if start >= self.range.end {
                self.done = true;
                break;
            }
            if start < self.range.start || record.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            match self.person(line, &record) {
                Ok(mut p) => {
                    for (_, column) in &self.kept {
                        p.features
                            .push(record.get(*column).unwrap_or("").trim().to_string());
                    }
                    if let Some(first) = seen.insert(p.id.clone(), line) {
                        self.done = true;
                        return Some(Err(FormatError::at(
                            &self.path,
                            line,
                            Some("person_id"),
                            format!("duplicate person `{}` (first on line {first})", p.id),
                        )));
                    }
                    table.persons.push(p);
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
        if table.persons.is_empty() {
            None
        } else {
            Some(Ok(table))
        }
    }
}

/// What [`complete_file`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct Completed {
    pub path: PathBuf,
    pub persons: usize,
    pub notes: Vec<String>,
}

/// Checks a population file in full and writes it to `dest` in the benchmark's persons
/// format (fixed columns, then its features in its order; `group` and `day_type` filled),
/// through `dest` + `.partial` and a rename. For programs that read the file themselves
/// (a sandboxed rollout).
pub fn complete_file(
    rules: &PopulationRules,
    path: &Path,
    dest: &Path,
    chunk_size: usize,
) -> Result<Completed, FormatError> {
    let chunks = read_chunks(rules, path, chunk_size)?;
    let notes = chunks.notes().to_vec();
    let mut partial = dest.as_os_str().to_os_string();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let write = |partial: &Path| -> Result<usize, FormatError> {
        let io = |e: std::io::Error| FormatError::file(partial, e.to_string());
        let mut out = std::io::BufWriter::new(std::fs::File::create(partial).map_err(io)?);
        let mut header = mobility_fixed_columns().join(",");
        for f in &rules.feature_names {
            header.push(',');
            header.push_str(f);
        }
        writeln!(out, "{header}").map_err(io)?;
        let mut n = 0;
        for chunk in chunks {
            for p in chunk?.persons {
                let home = match (&rules.zones, p.home_zone) {
                    (Some(z), Some(loc)) => z.code(loc),
                    _ => "",
                };
                let mut line = vec![
                    csv_field(&p.id),
                    csv_field(&p.household_id),
                    p.group.name().to_string(),
                    p.day_type.name().to_string(),
                    csv_field(home),
                ];
                line.extend(p.features.iter().map(|f| csv_field(f)));
                writeln!(out, "{}", line.join(",")).map_err(io)?;
                n += 1;
            }
        }
        out.flush().map_err(io)?;
        Ok(n)
    };
    match write(&partial) {
        Ok(persons) => {
            std::fs::rename(&partial, dest).map_err(|e| FormatError::file(dest, e.to_string()))?;
            Ok(Completed {
                path: dest.to_path_buf(),
                persons,
                notes,
            })
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

fn mobility_fixed_columns() -> [&'static str; 5] {
    [
        "person_id",
        "household_id",
        "group",
        "day_type",
        "home_zone",
    ]
}

/// A value for the persons format (no quoting): commas become `;`, line breaks spaces, as
/// `survey::prepare` writes features.
fn csv_field(v: &str) -> String {
    v.replace(',', ";").replace(['\n', '\r'], " ")
}
