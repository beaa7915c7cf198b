//! `prepare`: read a survey as its config says, build every kept person's diary, assign
//! splits and segments, compute zone centroids from train households, and write the
//! prepared benchmark folder with its manifest.
//!
//! Output order: people in the order of the person table (first appearance when it is
//! the trip table). Output is byte-identical across runs: the manifest holds no paths,
//! times or other run-dependent values. The folder is written beside the target as
//! `<name>.partial` and renamed into place, so readers never see half a benchmark.

use crate::activity_codes::CodeMap;
use crate::config::{SurveyConfig, TableRef};
use crate::drop_log::DropCounts;
use crate::episode_import::import_episodes;
use crate::error::PrepareError;
use crate::hashing::{sha256_hex, split_of};
use crate::import::{Outcome, PersonContext};
use crate::locations::{location_files, LocationInputs};
use crate::manifest::{FileHash, Manifest, PrepareSummary, SplitCounts, IMPORTER_VERSION};
use crate::person_records::{Col, HomeZone, PersonRecords, SegmentRule};
use crate::slot_rule::State;
use crate::trip_chain::import_trips;
use crate::zone_set::ZoneSet;
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
    let zones = match &config.zones {
        Some(z) => Some(
            ZoneSet::new(&z.codes).map_err(|message| PrepareError::Config {
                path: PathBuf::from(format!("<config {}>", config.name)),
                message,
            })?,
        ),
        None => None,
    };
    let diary_file = config
        .episodes
        .as_ref()
        .map(|e| &e.file)
        .or(config.trips.as_ref().map(|t| &t.file))
        .expect("validated");
    let repeated_rows = &config.persons.file == diary_file;
    let mut records = PersonRecords::read(config, data_dir, repeated_rows)?;
    let segments = SegmentRule::compile(config, &records)?;
    let split_col = records.resolve(&config.split.id)?;
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
        (_, Some(t)) => import_trips(
            t,
            &codes,
            zones.as_ref().expect("validated"),
            &ctx,
            data_dir,
        )?,
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
    }

    // Kept people per split, drops.
    let mut drops = DropCounts::default();
    for (_, reasons) in &imported.orphans {
        drops.record(reasons);
    }
    let zone_table = match (&config.zones, &zones, &home_lookup) {
        (Some(zc), Some(z), Some(h)) => Some(centroids(zc, z, h, &records, split_col)?),
        _ => None,
    };
    let extra_files = match (&zones, &home_lookup) {
        (Some(zones), Some(home)) => location_files(&LocationInputs {
            config,
            records: &records,
            zones,
            home,
            split_col,
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
        let split_id = records.value(entry, split_col).to_string();
        let split = split_of(&split_id);
        let (group, day_type) = segments.segment(&records, entry);
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
        &extra_files,
        |files| {
            build_manifest(
                config,
                files,
                &sources,
                &by_split,
                records.entries.len() + imported.orphans.len(),
                kept,
                drops.clone(),
                zone_table.as_ref(),
                &imported.counters,
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
    extra_files: &[(String, Vec<u8>)],
    manifest_of: impl FnOnce(&[(String, String)]) -> Manifest,
) -> Result<Manifest, PrepareError> {
    let mut files: Vec<(String, String)> = Vec::new();
    let mut write_file = |rel: &str, write: &dyn Fn(&Path) -> std::io::Result<()>| {
        let path = partial.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| PrepareError::io(parent, e))?;
        }
        write(&path).map_err(|e| PrepareError::io(&path, e))?;
        let bytes = std::fs::read(&path).map_err(|e| PrepareError::io(&path, e))?;
        files.push((rel.to_string(), sha256_hex(&bytes)));
        Ok::<(), PrepareError>(())
    };
    if let Some(z) = zone_table {
        write_file("zones.csv", &|p| z.write(p))?;
    }
    for (rel, bytes) in extra_files {
        write_file(rel, &|p| std::fs::write(p, bytes))?;
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
    let manifest = manifest_of(&files);
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

/// Zone centroids (km): mean coordinates of the train-split rows of the centroid table
/// whose home zone is the zone. Rows with missing or non-numeric coordinates are skipped.
fn centroids(
    zc: &crate::config::ZoneConfig,
    zones: &ZoneSet,
    home: &HomeZone,
    records: &PersonRecords,
    split_col: Col,
) -> Result<ZoneTable, PrepareError> {
    let mut sums = vec![(0.0f64, 0.0f64, 0usize); zones.len() + 1];
    let c = &zc.centroids;
    let parse = |v: &str| v.parse::<f64>().ok().filter(|x| x.is_finite());
    let source_path;
    match c.table {
        TableRef::Households => {
            let table = records.households.as_ref().expect("validated");
            source_path = table.path.clone();
            let (xc, yc) = (table.column(&c.x)?, table.column(&c.y)?);
            // The household id column is the one the person table joins on; the split
            // id of a household row is its id (validated: split id = household column).
            let id_col = household_id_column(records)?;
            for r in 0..table.rows.len() {
                if split_of(table.get(r, id_col)) != Split::Train {
                    continue;
                }
                let Some(zone) = home.of_household_row(table, r, zones) else {
                    continue;
                };
                if let (Some(x), Some(y)) = (parse(table.get(r, xc)), parse(table.get(r, yc))) {
                    let s = &mut sums[zone as usize];
                    s.0 += x;
                    s.1 += y;
                    s.2 += 1;
                }
            }
        }
        TableRef::Persons => {
            let table = &records.persons;
            source_path = table.path.clone();
            let (xc, yc) = (table.column(&c.x)?, table.column(&c.y)?);
            for p in &records.entries {
                if split_of(records.value(p, split_col)) != Split::Train {
                    continue;
                }
                let Some(zone) = home.of_person(records, p, zones) else {
                    continue;
                };
                if let (Some(x), Some(y)) =
                    (parse(table.get(p.row, xc)), parse(table.get(p.row, yc)))
                {
                    let s = &mut sums[zone as usize];
                    s.0 += x;
                    s.1 += y;
                    s.2 += 1;
                }
            }
        }
    }
    let mut out = Vec::with_capacity(zones.len());
    for (i, code) in zones.codes.iter().enumerate() {
        let (x, y, n) = sums[i + 1];
        if n == 0 {
            return Err(PrepareError::input(
                &source_path,
                0,
                Some(&c.x),
                format!(
                    "zone `{code}` has no train-split row with coordinates to place its centroid"
                ),
            ));
        }
        out.push((
            code.clone(),
            (x / n as f64 * c.scale_to_km, y / n as f64 * c.scale_to_km),
        ));
    }
    Ok(ZoneTable::new(out))
}

fn household_id_column(records: &PersonRecords) -> Result<usize, PrepareError> {
    records
        .household_id_column
        .ok_or_else(|| PrepareError::Config {
            path: records.persons.path.clone(),
            message: "centroids from households need [households] id".into(),
        })
}

#[allow(clippy::too_many_arguments)]
fn build_manifest(
    config: &SurveyConfig,
    files: &[(String, String)],
    sources: &[(String, String)],
    by_split: &BTreeMap<usize, (PersonTable, Vec<Diary>)>,
    persons_read: usize,
    persons_kept: usize,
    drops: DropCounts,
    zones: Option<&ZoneTable>,
    counters: &BTreeMap<String, usize>,
    sanitised_values: usize,
) -> Manifest {
    let combined = |list: &[(String, String)]| {
        let mut text = String::new();
        for (p, h) in list {
            text.push_str(&format!("{p}\n{h}\n"));
        }
        sha256_hex(text.as_bytes())
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
    if sanitised_values > 0 {
        notes.push(format!(
            "{sanitised_values} feature value(s) had commas or line breaks replaced"
        ));
    }
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
        diagnostics: counters.clone(),
        notes,
        config: config.clone(),
    }
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}
