//! `orchestrator export RUN DIR`: a run's best generator as a standalone cargo workspace —
//! the `heuristics` crate (without its tests, whose dev-dependencies are the evaluator and
//! the importers) and `mobility` — with a workspace manifest made from the run's own (its
//! package fields, lints, profiles and the dependencies the two crates use) and a
//! `Cargo.lock` cut from the run's, so `cargo build --locked` builds the very versions the
//! run tested.

use crate::cli::ExportArgs;
use crate::commands::review::open_memory;
use crate::commands::run::runtime;
use crate::evolution::run::run_dir;
use anyhow::{anyhow, Context};
use sandbox::RunRepo;
use std::collections::{BTreeMap, BTreeSet};
use std::process::ExitCode;
use toml::{Table, Value};

/// The workspace members exported.
const MEMBERS: [&str; 2] = ["heuristics", "mobility"];

pub fn export(args: ExportArgs) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async move {
        let memory = open_memory(&args.runs.dir).await?;
        let summary = memory.run_summary(args.run).await?;
        let repo = RunRepo::open(&run_dir(&args.runs.dir, args.run))?;
        let commit = summary.current_commit.clone();
        if args.dir.exists() && std::fs::read_dir(&args.dir)?.next().is_some() {
            anyhow::bail!("{} exists and is not empty", args.dir.display());
        }
        let text_at = |path: &str| -> anyhow::Result<String> {
            repo.read_file_at(&commit, path)?
                .ok_or_else(|| anyhow!("the run's commit {commit} has no {path}"))
        };
        let mut manifests = BTreeMap::new();
        let mut files = Vec::new();
        for member in MEMBERS {
            for (path, bytes) in repo.files_at(&commit, &format!("{member}/"))? {
                // The tests and examples need the evaluator and the importers: not exported.
                if path.starts_with("heuristics/tests/")
                    || path.starts_with("heuristics/examples/")
                {
                    continue;
                }
                if path == format!("{member}/Cargo.toml") {
                    let manifest = without_dev_dependencies(&String::from_utf8_lossy(&bytes))?;
                    manifests.insert(member.to_string(), manifest.clone());
                    files.push((path, toml::to_string(&manifest)?.into_bytes()));
                } else {
                    files.push((path, bytes));
                }
            }
        }
        let root = text_at("Cargo.toml")?;
        let workspace = workspace_manifest(&root, &manifests)?;
        let lock = lock_file(&text_at("Cargo.lock")?, &manifests)?;
        files.push(("Cargo.toml".into(), workspace.into_bytes()));
        files.push(("Cargo.lock".into(), lock.into_bytes()));
        files.push((
            "README.md".into(),
            format!(
                "# Generator of mobevolve run {} ({})\n\nCommit `{commit}` of the run repository.\n\n\
                 ```sh\ncargo build --release --locked\ntarget/release/rollout --bench <prepared benchmark> \
                 --persons people.csv --seed 7 --out diaries.csv\n```\n",
                args.run, summary.config.benchmark
            )
            .into_bytes(),
        ));
        let written = files.len();
        for (path, bytes) in files {
            let target = args.dir.join(&path);
            std::fs::create_dir_all(target.parent().unwrap_or(&args.dir))?;
            std::fs::write(&target, bytes)
                .with_context(|| format!("cannot write {}", target.display()))?;
        }
        println!(
            "exported run {}'s generator ({}, {written} files, with Cargo.lock) to {}",
            args.run,
            &commit[..10],
            args.dir.display()
        );
        Ok(ExitCode::SUCCESS)
    })
}

/// A member manifest without its `[dev-dependencies]` (they point into the mobevolve
/// workspace).
fn without_dev_dependencies(manifest: &str) -> anyhow::Result<Table> {
    let mut table: Table = manifest.parse().context("reading a member's Cargo.toml")?;
    table.remove("dev-dependencies");
    Ok(table)
}

/// The names of a manifest's normal and build dependencies.
fn dependency_names(manifest: &Table) -> BTreeSet<String> {
    ["dependencies", "build-dependencies"]
        .iter()
        .filter_map(|t| manifest.get(*t).and_then(Value::as_table))
        .flat_map(|t| t.keys().cloned())
        .collect()
}

/// The exported workspace's manifest: the run's package fields, lints and profiles, its
/// members, and the workspace dependencies they use.
fn workspace_manifest(root: &str, members: &BTreeMap<String, Table>) -> anyhow::Result<String> {
    let root: Table = root.parse().context("reading the run's Cargo.toml")?;
    let source = root
        .get("workspace")
        .and_then(Value::as_table)
        .cloned()
        .unwrap_or_default();
    let used: BTreeSet<String> = members.values().flat_map(dependency_names).collect();
    let mut workspace = Table::new();
    workspace.insert("resolver".into(), Value::String("2".into()));
    workspace.insert(
        "members".into(),
        Value::Array(members.keys().cloned().map(Value::String).collect()),
    );
    for key in ["package", "lints"] {
        if let Some(v) = source.get(key) {
            workspace.insert(key.into(), v.clone());
        }
    }
    if let Some(deps) = source.get("dependencies").and_then(Value::as_table) {
        let kept: Table = deps
            .iter()
            .filter(|(name, _)| used.contains(*name))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        workspace.insert("dependencies".into(), Value::Table(kept));
    }
    let mut out = Table::new();
    out.insert("workspace".into(), Value::Table(workspace));
    if let Some(profile) = root.get("profile") {
        out.insert("profile".into(), profile.clone());
    }
    Ok(toml::to_string(&out)?)
}

/// The run's `Cargo.lock` cut to the exported members and what they depend on (members
/// through their exported manifests, other packages through the lock itself).
fn lock_file(lock: &str, members: &BTreeMap<String, Table>) -> anyhow::Result<String> {
    let lock: Table = lock.parse().context("reading the run's Cargo.lock")?;
    let packages: Vec<Table> = lock
        .get("package")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|p| p.as_table().cloned()).collect())
        .unwrap_or_default();
    let name = |p: &Table| {
        p.get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let version = |p: &Table| {
        p.get("version")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    // "name", "name version" or "name version (source)" → index of the package.
    let find = |spec: &str| -> Option<usize> {
        let mut parts = spec.split_whitespace();
        let wanted = parts.next()?;
        let wanted_version = parts.next();
        packages
            .iter()
            .position(|p| name(p) == wanted && wanted_version.is_none_or(|v| version(p) == v))
    };
    let mut keep = BTreeSet::new();
    let mut stack: Vec<usize> = Vec::new();
    for (member, manifest) in members {
        let i = find(member).ok_or_else(|| anyhow!("the run's Cargo.lock has no {member}"))?;
        keep.insert(i);
        for dep in dependency_names(manifest) {
            stack.extend(find(&dep));
        }
    }
    while let Some(i) = stack.pop() {
        if !keep.insert(i) {
            continue;
        }
        let deps = packages[i]
            .get("dependencies")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for dep in deps.iter().filter_map(Value::as_str) {
            stack.extend(find(dep));
        }
    }
    let mut kept: Vec<Table> = Vec::new();
    for (i, p) in packages.iter().enumerate() {
        if !keep.contains(&i) {
            continue;
        }
        let mut p = p.clone();
        if members.contains_key(&name(&p)) {
            // A member's list names its dev-dependencies too: keep what the export uses.
            let used = dependency_names(&members[&name(&p)]);
            if let Some(Value::Array(deps)) = p.get_mut("dependencies") {
                deps.retain(|d| {
                    d.as_str()
                        .and_then(|s| s.split_whitespace().next())
                        .is_some_and(|n| used.contains(n))
                });
                if deps.is_empty() {
                    p.remove("dependencies");
                }
            }
        }
        kept.push(p);
    }
    let mut out = String::from(
        "# This file is automatically @generated by Cargo.\n# It is not intended for manual editing.\n",
    );
    if let Some(v) = lock.get("version") {
        out.push_str(&format!("version = {v}\n"));
    }
    for p in kept {
        out.push_str("\n[[package]]\n");
        out.push_str(&toml::to_string(&p)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"version = 4

[[package]]
name = "cfg-if"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "abc"

[[package]]
name = "evaluator"
version = "0.1.0"
dependencies = [
 "mobility",
]

[[package]]
name = "getrandom"
version = "0.2.15"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "def"
dependencies = [
 "cfg-if",
]

[[package]]
name = "heuristics"
version = "0.1.0"
dependencies = [
 "evaluator",
 "mobility",
 "rand 0.8.5",
]

[[package]]
name = "mobility"
version = "0.1.0"

[[package]]
name = "rand"
version = "0.8.5"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "ghi"
dependencies = [
 "getrandom",
]

[[package]]
name = "rand"
version = "0.9.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "jkl"
"#;

    #[test]
    fn the_lock_keeps_what_the_exported_crates_build_and_nothing_else() {
        let heuristics = without_dev_dependencies(
            "[package]\nname = \"heuristics\"\n[dependencies]\nmobility.workspace = true\nrand.workspace = true\n[dev-dependencies]\nevaluator.workspace = true\n",
        )
        .unwrap();
        let mobility = without_dev_dependencies("[package]\nname = \"mobility\"\n").unwrap();
        let members = BTreeMap::from([
            ("heuristics".to_string(), heuristics),
            ("mobility".to_string(), mobility),
        ]);
        let out = lock_file(LOCK, &members).unwrap();
        let parsed: Table = out.parse().unwrap();
        let names: Vec<String> = parsed["package"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                format!(
                    "{} {}",
                    p["name"].as_str().unwrap(),
                    p["version"].as_str().unwrap()
                )
            })
            .collect();
        assert_eq!(
            names,
            [
                "cfg-if 1.0.0",
                "getrandom 0.2.15",
                "heuristics 0.1.0",
                "mobility 0.1.0",
                "rand 0.8.5"
            ]
        );
        assert!(out.starts_with("# This file is automatically @generated by Cargo."));
        assert!(out.contains("version = 4\n"));
        let heuristics = parsed["package"].as_array().unwrap()[2].as_table().unwrap();
        assert_eq!(
            heuristics["dependencies"].as_array().unwrap(),
            &vec![Value::from("mobility"), Value::from("rand 0.8.5")]
        );
        assert_eq!(
            parsed["package"].as_array().unwrap()[4]["checksum"].as_str(),
            Some("ghi")
        );
    }
}
