//! Scoring a diaries file against a split: read it, check it, evaluate it. Shared by
//! `orchestrator evaluate`, the baselines and the evolution loop.

use anyhow::{bail, Context};
use evaluator::{Evaluation, ValidityReport};
use mobility::{Benchmark, DiaryTable, Split, SplitData};
use serde::Serialize;
use std::path::Path;

/// What every evaluation reports (BENCHMARKS.md): the evaluation itself plus where it
/// comes from.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct EvaluationReport {
    pub benchmark: String,
    pub split: String,
    pub content_hash: String,
    pub predictions: String,
    #[serde(flatten)]
    pub evaluation: Evaluation,
    pub validity: ValidityReport,
}

impl EvaluationReport {
    pub fn to_table(&self) -> String {
        let mut s = format!(
            "benchmark {}  split {}  content {}\npredictions {}\n",
            self.benchmark,
            self.split,
            short_hash(&self.content_hash),
            self.predictions
        );
        s.push_str(&self.evaluation.to_table());
        if !self.validity.is_valid() {
            s.push_str("validity: INVALID slots were scored as the specification says:\n");
            for v in &self.validity.violations {
                s.push_str(&format!(
                    "  {:?}: {} (e.g. {})\n",
                    v.kind,
                    v.count,
                    v.examples.join("; ")
                ));
            }
        } else {
            s.push_str("validity: every check passed\n");
        }
        s
    }
}

pub fn short_hash(hash: &str) -> &str {
    &hash[..hash.len().min(12)]
}

/// The benchmark's content hash, from its manifest.
pub fn content_hash(bench: &Benchmark) -> anyhow::Result<String> {
    let path = bench.dir.join("manifest.json");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let manifest: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not valid JSON", path.display()))?;
    manifest
        .get("content_sha256")
        .and_then(|h| h.as_str())
        .map(str::to_string)
        .with_context(|| format!("{}: field `content_sha256` is missing", path.display()))
}

/// Checks the data a run reads against the benchmark's manifest: every listed file outside
/// `test/` (the loop never reads the test split) must still have the SHA-256 recorded when
/// the benchmark was prepared, and the file list must still give the manifest's
/// `content_sha256`. A changed or missing file is named, with both hashes.
pub fn verify_content(bench: &Benchmark) -> anyhow::Result<()> {
    let path = bench.dir.join("manifest.json");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let manifest: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not valid JSON", path.display()))?;
    let files = manifest["files"]
        .as_array()
        .with_context(|| format!("{}: field `files` is missing", path.display()))?;
    let mut listing = Vec::with_capacity(files.len());
    for entry in files {
        let (Some(rel), Some(recorded)) = (entry["path"].as_str(), entry["sha256"].as_str()) else {
            bail!("{}: a `files` entry has no path or sha256", path.display());
        };
        listing.push((rel, recorded));
        if rel.starts_with("test/") {
            continue;
        }
        let file = bench.dir.join(rel);
        let bytes = std::fs::read(&file)
            .with_context(|| format!("benchmark file {} cannot be read", file.display()))?;
        let actual = survey::sha256_hex(&bytes);
        if actual != recorded {
            bail!(
                "benchmark file {} changed since the benchmark was prepared (SHA-256 {}, the \
                 manifest recorded {})",
                file.display(),
                short_hash(&actual),
                short_hash(recorded)
            );
        }
    }
    let combined = survey::content_hash(listing);
    let recorded = content_hash(bench)?;
    if combined != recorded {
        bail!(
            "{}: its file list gives content hash {}, not the recorded {}",
            path.display(),
            short_hash(&combined),
            short_hash(&recorded)
        );
    }
    Ok(())
}

/// Reads, checks and scores a diaries file against `split`.
///
/// Refuses (with the file, line and field) a file that cannot be read, has unknown
/// labels, or whose people do not match the split. Slot-level violations (a Home away
/// from the home zone, a zone outside the benchmark, …) are scored, not refused: they
/// count in the invalid rate, as the specification says.
pub fn score_file(
    bench: &Benchmark,
    split: &SplitData,
    predictions: &Path,
) -> anyhow::Result<EvaluationReport> {
    let mut zones = bench.zones.clone();
    let location = bench.task == mobility::Task::ActivityLocation;
    let table = DiaryTable::read(predictions, location.then_some(&mut zones))
        .map_err(anyhow::Error::new)
        .context("the predictions file cannot be scored")?;
    score_table(bench, split, &table, predictions.display().to_string())
}

/// As [`score_file`], for diaries already read.
pub fn score_table(
    bench: &Benchmark,
    split: &SplitData,
    table: &DiaryTable,
    label: String,
) -> anyhow::Result<EvaluationReport> {
    let persons = split.people();
    if persons.is_empty() {
        bail!(
            "{label}: the {} split of {} holds no people: there is nothing to score (an empty split would score a meaningless perfect 0); prepare the benchmark from more people",
            split.split.name(),
            bench.name
        );
    }
    let validity = evaluator::check_validity(bench, persons, table);
    if !validity.is_scorable() {
        let problems: Vec<String> = validity
            .violations
            .iter()
            .filter(|v| !v.kind.is_slot_level())
            .map(|v| format!("{:?}: {} (e.g. {})", v.kind, v.count, v.examples.join("; ")))
            .collect();
        bail!(
            "{label}: the diaries do not match the {} split of {} ({} people): {}",
            split.split.name(),
            bench.name,
            persons.len(),
            problems.join("; ")
        );
    }
    let ids: Vec<&str> = persons.iter().map(|p| p.id.as_str()).collect();
    let generated = table
        .aligned_to(&ids)
        .map_err(|m| anyhow::anyhow!("{label}: {m}"))?;
    let evaluation = evaluator::evaluate(bench, persons, &split.diaries, &generated);
    Ok(EvaluationReport {
        benchmark: bench.name.clone(),
        split: split.split.name().to_string(),
        content_hash: content_hash(bench)?,
        predictions: label,
        evaluation,
        validity,
    })
}

/// Appends one line to `<benchmark>/test-reads.log`: every read of the test split is logged,
/// as `<ISO 8601 UTC time>\t<what>\t<current folder>\t<command line>` (a read by a run
/// names the run and its runs folder in `what`).
pub fn log_test_read(bench: &Benchmark, what: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let path = bench.dir.join("test-reads.log");
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .with_context(|| format!("cannot log the test-split read to {}", path.display()))?;
    let when = memory::format_utc(memory::now_ms());
    let args: Vec<String> = std::env::args().collect();
    let cwd = std::env::current_dir()
        .map(|d| d.display().to_string())
        .unwrap_or_else(|_| "?".into());
    writeln!(file, "{when}\t{what}\t{cwd}\t{}", args.join(" "))?;
    tracing::warn!(benchmark = %bench.name, "test split read: {what} (logged to {})", path.display());
    Ok(())
}

/// Reads a split, logging it when it is the test split.
pub fn read_split_logged(bench: &Benchmark, split: Split, what: &str) -> anyhow::Result<SplitData> {
    if split == Split::Test {
        log_test_read(bench, what)?;
    }
    bench
        .read_split(split)
        .map_err(anyhow::Error::new)
        .with_context(|| format!("reading the {} split of {}", split.name(), bench.name))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A survey whose ids all hash to train has empty validation and test splits: scoring
    /// one of them is refused, not reported as a perfect 0.
    #[test]
    fn an_empty_split_is_not_scored() {
        let dir =
            std::env::temp_dir().join(format!("orchestrator-empty-split-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        // Ids 1, 2, 4, 5, 6 and 7 hash to the train split.
        let mut persons = String::from("pid,age\n");
        let mut episodes = String::from("pid,start,end,where\n");
        for id in [1, 2, 4, 5, 6, 7] {
            persons.push_str(&format!("{id},3{id}\n"));
            episodes.push_str(&format!(
                "{id},00:00,08:00,home\n{id},08:00,16:00,work\n{id},16:00,00:00,home\n"
            ));
        }
        std::fs::write(dir.join("persons.csv"), persons).unwrap();
        std::fs::write(dir.join("episodes.csv"), episodes).unwrap();
        let config = survey::SurveyConfig::from_toml_str(
            r#"
name = "pilot"
[persons]
file = "persons.csv"
id = "pid"
features = ["age"]
[episodes]
file = "episodes.csv"
person = "pid"
start = "start"
end = "end"
code = "where"
[activity_codes]
Home = ["home"]
Work = ["work"]
[split]
id = "pid"
[segments]
employed = { column = "age", range = [18, 64] }
student = { column = "age", range = [5, 17] }
"#,
            Path::new("pilot.toml"),
        )
        .unwrap();
        let summary = survey::prepare(&config, &dir, &dir.join("bench")).unwrap();
        assert!(summary
            .manifest
            .warnings
            .iter()
            .any(|w| w.contains("val split is empty")));
        let bench = Benchmark::open(&summary.out_dir).unwrap();
        let val = bench.read_split(Split::Val).unwrap();
        let predictions = dir.join("empty.csv");
        std::fs::copy(
            bench.split_dir(Split::Val).join("diaries.csv"),
            &predictions,
        )
        .unwrap();
        let e = score_file(&bench, &val, &predictions)
            .unwrap_err()
            .to_string();
        assert!(e.contains("the val split of pilot holds no people"), "{e}");
        // The train split scores as usual.
        let train = bench.read_split(Split::Train).unwrap();
        let report = score_file(
            &bench,
            &train,
            &bench.split_dir(Split::Train).join("diaries.csv"),
        )
        .unwrap();
        assert_eq!(
            (report.evaluation.records, report.evaluation.score),
            (6, 0.0)
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
