//! `prepare`: read a survey as its config says, build every kept person's diary, assign
//! splits and segments, compute zone centroids from train households, and write the
//! prepared benchmark folder with its manifest.
//!
//! Output order: people in the order of the person table (first appearance when it is
//! the trip table). Output is byte-identical across runs: the manifest holds no paths,
//! times or other run-dependent values. The folder is written beside the target as
//! `<name>.partial` and renamed into place, so readers never see half a benchmark.

use crate::activity_codes::CodeMap;
use crate::centroids::{centroids, zone_set, CentroidInputs};
use crate::config::SurveyConfig;
use crate::drop_log::DropCounts;
use crate::episode_import::import_episodes;
use crate::error::PrepareError;
use crate::hashing::{content_hash, sha256_hex, split_of};
use crate::import::{Imported, Outcome, PersonContext};
use crate::locations::{location_files, LocationInputs};
use crate::manifest::{FileHash, Manifest, PrepareSummary, SplitCounts, IMPORTER_VERSION};
use crate::person_records::{compile_segments, HomeZone, PersonRecords};
use crate::slot_rule::State;
use crate::trip_chain::import_trips;
use crate::warnings::Evidence;
use mobility::{
    write_diaries, Activity, Diary, Loc, Person, PersonTable, Segment, Split, ZoneTable, SLOTS,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Prepares one benchmark into `<out_dir>/<config.name>/` (replacing it).
pub fn prepare(
    config: &SurveyConfig,
    data_dir: &Path,
    out_dir: &Path,
) -> Result<PrepareSummary, PrepareError> {
    let started = Instant::now();
    config.validate().map_err(|message| PrepareError::Config {
        path: PathBuf::from(format!("<config {}>", config.name)),
        message,
    })?;
    let codes = CodeMap::new(&config.activity_codes).map_err(|message| PrepareError::Config {
        path: PathBuf::from(format!("<config {}>", config.name)),
        message,
    })?;
    let config_path = PathBuf::from(format!("<config {}>", config.name));
    let (zones, zone_file) = match &config.zones {
        Some(z) => {
            let (set, table) = zone_set(z, data_dir, &config_path)?;
            (Some(set), table)
        }
        None => (None, None),
    };
    let diary_file = config
        .episodes
        .as_ref()
        .map(|e| &e.file)
        .or(config.trips.as_ref().map(|t| &t.file))
        .expect("validated");
    let repeated_rows = &config.persons.file == diary_file;
    let mut records = PersonRecords::read(config, data_dir, repeated_rows)?;
    let segments = compile_segments(config, &records)?;
    let split_cols = records.resolve_id(&config.split.id)?;
    let home_lookup = match &config.zones {
        Some(z) => Some(HomeZone::compile(&z.home, &records, data_dir)?),
        None => None,
    };

    let ctx = PersonContext {
        ids: records.entries.iter().map(|p| p.id.clone()).collect(),
        by_id: records.by_id.clone(),
        has_household: records.households.as_ref().map(|_| {
            records
                .entries
                .iter()
                .map(|p| p.household_row.is_some())
                .collect()
        }),
        home: match (&home_lookup, &zones) {
            (Some(h), Some(z)) => Some(
                records
                    .entries
                    .iter()
                    .map(|p| h.of_person(&records, p, z))
                    .collect(),
            ),
            _ => None,
        },
    };
    let imported = match (&config.episodes, &config.trips) {
        (Some(e), _) => import_episodes(e, &codes, zones.as_ref(), &ctx, data_dir)?,
        (_, Some(t)) => import_trips(t, &codes, zones.as_ref(), &ctx, data_dir)?,
        _ => unreachable!("validated"),
    };

    // Sources, each once, in a fixed order.
    let mut sources: Vec<(String, String)> = Vec::new();
    let mut add_source = |rel: &str, sha: &str| {
        if !sources.iter().any(|(p, _)| p == rel) {
            sources.push((rel.to_string(), sha.to_string()));
        }
    };
    add_source(&config.persons.file, &records.persons.sha256);
    if let (Some(h), Some(t)) = (&config.households, &records.households) {
        add_source(&h.file, &t.sha256);
    }
    add_source(diary_file, &imported.source_sha256);
    if let (Some(z), Some(h)) = (&config.zones, &home_lookup) {
        if let (Some(ct), Some(t)) = (&z.home.by_name, &h.code_table) {
            add_source(&ct.file, &t.sha256);
        }
        if let (Some(f), Some(t)) = (&z.centroids.file, &zone_file) {
            add_source(f, &t.sha256);
        }
    }
    let mut reading_notes: Vec<String> = Vec::new();
    reading_notes.extend(records.persons.reading_note(&config.persons.file));
    if let (Some(h), Some(t)) = (&config.households, &records.households) {
        reading_notes.extend(t.reading_note(&h.file));
    }
    reading_notes.extend(imported.reading_note.clone());
    if let (Some(z), Some(t)) = (&config.zones, &zone_file) {
        reading_notes.extend(z.centroids.file.as_deref().and_then(|f| t.reading_note(f)));
    }

    // Kept people per split, drops.
    let mut drops = DropCounts::default();
    for (_, reasons) in &imported.orphans {
        drops.record(reasons);
    }
    let mut warnings = Vec::new();
    let zone_table = match (&config.zones, &zones, &home_lookup) {
        (Some(zc), Some(z), Some(h)) => {
            let (table, w) = centroids(&CentroidInputs {
                config: zc,
                zones: z,
                zone_table: zone_file.as_ref(),
                home: h,
                records: &records,
                split_cols: &split_cols,
            })?;
            warnings.extend(w);
            Some(table)
        }
        _ => None,
    };
    let location_files = match (&zones, &home_lookup) {
        (Some(zones), Some(home)) => location_files(&LocationInputs {
            config,
            records: &records,
            zones,
            home,
            split_cols: &split_cols,
            codes: &codes,
            outcomes: &imported.outcomes,
            data_dir,
        })?,
        _ => Vec::new(),
    };
    let mut by_split: BTreeMap<usize, (PersonTable, Vec<Diary>)> = BTreeMap::new();
    for i in 0..Split::ALL.len() {
        by_split.insert(
            i,
            (
                PersonTable {
                    feature_names: records.features.iter().map(|(n, _)| n.clone()).collect(),
                    persons: Vec::new(),
                },
                Vec::new(),
            ),
        );
    }
    let mut kept = 0usize;
    let mut rule_hits = [0usize; 3];
    for (index, outcome) in imported.outcomes.iter().enumerate() {
        let states = match outcome {
            Outcome::Dropped(reasons) => {
                drops.record(reasons);
                continue;
            }
            Outcome::Kept(states) => states,
        };
        kept += 1;
        let entry = &records.entries[index];
        let split = split_of(&records.id_value(entry, &split_cols));
        let value = |c| records.value(entry, c);
        let (group, day_type) = (segments.group(&value), segments.day_type(&value));
        for (n, hit) in rule_hits.iter_mut().zip(segments.hits(&value)) {
            *n += hit as usize;
        }
        let home_zone = ctx.home.as_ref().and_then(|h| h[index]).map(Loc);
        let features = records.feature_values(index);
        let entry = &records.entries[index];
        let (table, diaries) = by_split.get_mut(&split_index(split)).unwrap();
        table.persons.push(Person {
            id: entry.id.clone(),
            household_id: entry.household_id.clone(),
            group,
            day_type,
            home_zone,
            features,
        });
        diaries.push(to_diary(states, zone_table.is_some()));
    }

    if kept == 0 {
        return Err(PrepareError::input(
            data_dir.join(diary_file),
            0,
            None,
            format!(
                "no person has a usable diary ({} read, all dropped: {})",
                records.entries.len() + imported.orphans.len(),
                drops
                    .first_reason
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        ));
    }

    if by_split[&split_index(Split::Train)].0.persons.is_empty() {
        return Err(PrepareError::input(
            &records.persons.path,
            0,
            Some(&config.split.id.label()),
            format!(
                "none of the {kept} kept people falls in the train split (ids hash to 70 % train, 15 % validation, 15 % test): a benchmark needs train people; add people or check the split id"
            ),
        ));
    }
    let feature_names: Vec<&str> = records.features.iter().map(|(n, _)| n.as_str()).collect();
    let mut rule_columns_not_features: Vec<String> = Vec::new();
    for c in config.segments.columns() {
        if !feature_names.contains(&c) && !rule_columns_not_features.iter().any(|x| x == c) {
            rule_columns_not_features.push(c.to_string());
        }
    }
    let diary_start = crate::time_format::parse_diary_start(
        config
            .episodes
            .as_ref()
            .map(|e| &e.diary_start)
            .or(config.trips.as_ref().map(|t| &t.diary_start))
            .expect("validated"),
    )
    .unwrap_or(0);
    let extra = ManifestExtras {
        imported: &imported,
        warnings,
        reading_notes,
        evidence: EvidenceParts {
            rule_hits,
            has_weekend_rule: config.segments.weekend.is_some(),
            rule_columns_not_features,
            diary_start,
            record: if config.episodes.is_some() {
                "episode"
            } else {
                "trip"
            },
            diary_people: imported.diary_people,
        },
    };

    // Write into a fresh partial folder, then move it into place. On any failure the
    // partial folder is removed and a benchmark already at the target is left untouched.
    let final_dir = out_dir.join(&config.name);
    let partial = out_dir.join(format!("{}.partial", config.name));
    if partial.exists() {
        std::fs::remove_dir_all(&partial).map_err(|e| PrepareError::io(&partial, e))?;
    }
    let written = write_benchmark(
        config,
        &partial,
        &final_dir,
        zone_table.as_ref(),
        &by_split,
        &location_files,
        |files, located| {
            build_manifest(
                config,
                files,
                located,
                &sources,
                &by_split,
                records.entries.len() + imported.orphans.len(),
                kept,
                drops.clone(),
                zone_table.as_ref(),
                extra,
                records.sanitised_values,
            )
        },
    );
    let manifest = match written {
        Ok(m) => m,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&partial);
            return Err(e);
        }
    };
    Ok(PrepareSummary {
        out_dir: final_dir,
        elapsed_seconds: started.elapsed().as_secs_f64(),
        manifest,
    })
}

/// Writes every file into `partial`, then the manifest, then swaps `partial` into
/// `final_dir`: the old benchmark is moved aside first and removed only once the new
/// one is in place, so a failure at any step never loses it.
fn write_benchmark(
    config: &SurveyConfig,
    partial: &Path,
    final_dir: &Path,
    zone_table: Option<&ZoneTable>,
    by_split: &BTreeMap<usize, (PersonTable, Vec<Diary>)>,
    location_files: &[(String, Vec<u8>)],
    manifest_of: impl FnOnce(&[(String, String)], &[(String, String)]) -> Manifest,
) -> Result<Manifest, PrepareError> {
    let mut files: Vec<(String, String)> = Vec::new();
    let write_at = |rel: &str, write: &dyn Fn(&Path) -> std::io::Result<()>| {
        let path = partial.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| PrepareError::io(parent, e))?;
        }
        write(&path).map_err(|e| PrepareError::io(&path, e))?;
        let bytes = std::fs::read(&path).map_err(|e| PrepareError::io(&path, e))?;
        Ok::<_, PrepareError>((rel.to_string(), sha256_hex(&bytes)))
    };
    let mut write_file = |rel: &str, write: &dyn Fn(&Path) -> std::io::Result<()>| {
        files.push(write_at(rel, write)?);
        Ok::<(), PrepareError>(())
    };
    if let Some(z) = zone_table {
        write_file("zones.csv", &|p| z.write(p))?;
    }
    for split in Split::ALL {
        let (table, diaries) = &by_split[&split_index(split)];
        write_file(&format!("{}/persons.csv", split.name()), &|p| {
            table.write(p, zone_table)
        })?;
        write_file(&format!("{}/diaries.csv", split.name()), &|p| {
            let f = std::fs::File::create(p)?;
            write_diaries(
                f,
                table
                    .persons
                    .iter()
                    .map(|p| p.id.as_str())
                    .zip(diaries.iter()),
                zone_table,
            )
        })?;
    }
    // Read by generation, never by scoring: listed apart, outside `content_sha256`.
    let mut located: Vec<(String, String)> = Vec::new();
    for (rel, bytes) in location_files {
        located.push(write_at(rel, &|p| std::fs::write(p, bytes))?);
    }
    let manifest = manifest_of(&files, &located);
    let json = serde_json::to_string_pretty(&manifest).expect("manifest serialises") + "\n";
    let manifest_path = partial.join("manifest.json");
    std::fs::write(&manifest_path, json).map_err(|e| PrepareError::io(&manifest_path, e))?;
    let aside = final_dir.with_file_name(format!("{}.old", config.name));
    if aside.exists() {
        std::fs::remove_dir_all(&aside).map_err(|e| PrepareError::io(&aside, e))?;
    }
    let had_old = final_dir.exists();
    if had_old {
        std::fs::rename(final_dir, &aside).map_err(|e| PrepareError::io(final_dir, e))?;
    }
    if let Err(e) = std::fs::rename(partial, final_dir) {
        if had_old {
            let _ = std::fs::rename(&aside, final_dir);
        }
        return Err(PrepareError::io(final_dir, e));
    }
    if had_old {
        // The new benchmark is in place; a leftover `.old` folder is harmless.
        let _ = std::fs::remove_dir_all(&aside);
    }
    Ok(manifest)
}

fn split_index(split: Split) -> usize {
    Split::ALL.iter().position(|&s| s == split).unwrap()
}

fn to_diary(states: &[State; SLOTS], location: bool) -> Diary {
    let mut activities = [Activity::Home; SLOTS];
    let mut locations = [Loc::TRAVEL; SLOTS];
    for h in 0..SLOTS {
        activities[h] = states[h].activity;
        locations[h] = Loc(states[h].zone);
    }
    Diary {
        activities,
        locations: location.then_some(locations),
    }
}

/// What the manifest needs beyond the prepared splits.
struct ManifestExtras<'a> {
    imported: &'a Imported,
    warnings: Vec<String>,
    reading_notes: Vec<String>,
    evidence: EvidenceParts,
}

/// The inputs of the plausibility checks that are known before the manifest.
struct EvidenceParts {
    rule_hits: [usize; 3],
    has_weekend_rule: bool,
    rule_columns_not_features: Vec<String>,
    diary_start: i64,
    record: &'static str,
    diary_people: usize,
}

#[allow(clippy::too_many_arguments)]
fn build_manifest(
    config: &SurveyConfig,
    files: &[(String, String)],
    location_files: &[(String, String)],
    sources: &[(String, String)],
    by_split: &BTreeMap<usize, (PersonTable, Vec<Diary>)>,
    persons_read: usize,
    persons_kept: usize,
    drops: DropCounts,
    zones: Option<&ZoneTable>,
    extra: ManifestExtras,
    sanitised_values: usize,
) -> Manifest {
    let combined = |list: &[(String, String)]| {
        content_hash(list.iter().map(|(p, h)| (p.as_str(), h.as_str())))
    };
    let mut split_counts = SplitCounts::default();
    let mut segment_counts = BTreeMap::new();
    let mut activity_shares = BTreeMap::new();
    let mut zone_shares = BTreeMap::new();
    let mut home_at_home_zone = BTreeMap::new();
    for split in Split::ALL {
        let (table, diaries) = &by_split[&split_index(split)];
        let n = table.persons.len();
        match split {
            Split::Train => split_counts.train = n,
            Split::Val => split_counts.val = n,
            Split::Test => split_counts.test = n,
        }
        let mut seg: BTreeMap<String, usize> = Segment::all().map(|s| (s.name(), 0)).collect();
        for p in &table.persons {
            *seg.get_mut(&p.segment().name()).unwrap() += 1;
        }
        segment_counts.insert(split.name().to_string(), seg);
        let slots = (n * SLOTS).max(1) as f64;
        let mut counts = [0usize; 5];
        for d in diaries {
            for a in d.activities {
                counts[a.index()] += 1;
            }
        }
        activity_shares.insert(
            split.name().to_string(),
            mobility::ACTIVITIES
                .iter()
                .map(|a| {
                    (
                        a.name().to_string(),
                        round6(counts[a.index()] as f64 / slots),
                    )
                })
                .collect::<BTreeMap<_, _>>(),
        );
        if let Some(z) = zones {
            let mut per_zone = vec![0usize; z.len()];
            let mut home_ok = 0usize;
            let mut home_all = 0usize;
            for (p, d) in table.persons.iter().zip(diaries) {
                let locs = d.locations.expect("location task");
                for h in 0..SLOTS {
                    per_zone[locs[h].index()] += 1;
                    if d.activities[h] == Activity::Home {
                        home_all += 1;
                        home_ok += (Some(locs[h]) == p.home_zone) as usize;
                    }
                }
            }
            zone_shares.insert(
                split.name().to_string(),
                (0..z.len())
                    .map(|i| {
                        (
                            z.code(Loc(i as u16)).to_string(),
                            round6(per_zone[i] as f64 / slots),
                        )
                    })
                    .collect::<BTreeMap<_, _>>(),
            );
            home_at_home_zone.insert(
                split.name().to_string(),
                round6(home_ok as f64 / home_all.max(1) as f64),
            );
        }
    }
    let mut notes = vec![
        "persons are written in the order of the person table (first appearance)".to_string(),
        "commas in feature values are replaced by `;`, line breaks by spaces".to_string(),
        "content_sha256 = SHA-256 of the text `<file>\\n<sha256>\\n` over `files` in order; source_sha256 likewise over `sources`".to_string(),
    ];
    if !location_files.is_empty() {
        notes.push(
            "location_files (the observed locations and their CRS, read by generation, never by scoring) are outside content_sha256".to_string(),
        );
    }
    if sanitised_values > 0 {
        notes.push(format!(
            "{sanitised_values} feature value(s) had commas or line breaks replaced"
        ));
    }
    notes.extend(extra.reading_notes);
    let imported = extra.imported;
    let ev = extra.evidence;
    let mut warnings = crate::warnings::check(&Evidence {
        split_sizes: [
            ("train", split_counts.train),
            ("val", split_counts.val),
            ("test", split_counts.test),
        ],
        activity_shares: &activity_shares,
        time_span: imported.time_span,
        record: ev.record,
        orphans: (imported.orphans.len(), ev.diary_people),
        day_ends_at_home_zone_not_home: imported.day_ends_at_home_zone_not_home,
        rule_hits: ev.rule_hits,
        has_weekend_rule: ev.has_weekend_rule,
        kept: persons_kept,
        rule_columns_not_features: ev.rule_columns_not_features,
        default_codes: &imported.default_codes,
        default_share: (imported.default_codes.values().sum(), imported.code_lookups),
        diary_start: ev.diary_start,
    });
    warnings.extend(extra.warnings);
    let feature_names: Vec<&String> = by_split[&0].0.feature_names.iter().collect();
    let feature_domains = feature_names
        .iter()
        .enumerate()
        .map(|(j, name)| {
            let values = by_split
                .values()
                .flat_map(|(t, _)| t.persons.iter().map(move |p| p.features[j].as_str()));
            (
                name.to_string(),
                crate::population::FeatureDomain::of(values),
            )
        })
        .collect();
    Manifest {
        name: config.name.clone(),
        task: if zones.is_some() {
            "activity-location"
        } else {
            "activity"
        }
        .to_string(),
        importer_version: IMPORTER_VERSION.to_string(),
        content_sha256: combined(files),
        files: files.iter().map(FileHash::from).collect(),
        location_files: location_files.iter().map(FileHash::from).collect(),
        source_sha256: combined(sources),
        sources: sources.iter().map(FileHash::from).collect(),
        persons_read,
        persons_kept,
        split_counts,
        segment_counts,
        activity_shares,
        zone_shares,
        home_slots_at_home_zone: home_at_home_zone,
        drops,
        diagnostics: imported.counters.clone(),
        default_codes: imported.default_codes.clone(),
        warnings,
        notes,
        feature_domains,
        config: config.clone(),
    }
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}
