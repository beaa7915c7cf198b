//! `orchestrator baseline llm-planner`: the LLM generators of the `llm_planner` crate over
//! an OpenAI-compatible endpoint. Writes the diaries (`--out`, or `<out>.partial.csv` when
//! the generation stopped early), the response cache (`llm-cache/` next to them) and the
//! run's figures (`<out>.summary.json`, with the validation scores when the split has real
//! diaries the loop may read), which `orchestrator report` lists beside the baselines.

use crate::cli::{BaselineArgs, ExecutorArg, PromptingArg};
use crate::commands::run::runtime;
use crate::{paths, scoring};
use anyhow::Context;
use llm_planner::{
    EndpointConfig, ExecutorKind, LlmGenerator, PlannerConfig, Prompting, RunSummary, SummaryScores,
};
use mobility::{write_diaries, Benchmark, Diary, DiaryTable, Person, Split};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";
const DEFAULT_MODEL: &str = "gpt-4.1-mini";
const DEFAULT_EXAMPLES: usize = 3;
/// Exit code of a generation that stopped early (budget or endpoint): rerun to continue.
const STOPPED_EXIT: u8 = 3;

pub fn run(args: BaselineArgs) -> anyhow::Result<ExitCode> {
    let config = planner_config(&args)?;
    let bench = Benchmark::open(&paths::benchmark_dir(&args.bench.dir, &args.benchmark)?)?;
    let split = args.split.split();
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| default_out(&args.benchmark, split, &config));
    let dir = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let cache = args
        .llm
        .cache
        .clone()
        .unwrap_or_else(|| dir.join("llm-cache"));
    let train = bench.read_split(Split::Train)?;
    if split == Split::Test {
        scoring::log_test_read(&bench, "baseline llm-planner (persons only)")?;
    }
    let mut targets = bench.persons(split)?.persons;
    let whole_split = args.llm.limit.is_none_or(|n| n >= targets.len());
    if let Some(n) = args.llm.limit {
        targets.truncate(n);
    }
    let generator = Arc::new(LlmGenerator::new(config.clone(), &bench, train, &cache)?);
    let generation = runtime()?.block_on(generator.generate(&targets));

    let mut summary = RunSummary::new(
        &config,
        &generation,
        &bench.name,
        split.name(),
        &scoring::content_hash(&bench)?,
    );
    let done: Vec<(&Person, Diary)> = targets
        .iter()
        .zip(&generation.diaries)
        .filter_map(|(p, d)| d.map(|d| (p, d)))
        .collect();
    let written = if generation.is_complete() {
        out.clone()
    } else {
        out.with_extension("partial.csv")
    };
    write_atomic_diaries(&written, &done, &bench)?;
    if generation.is_complete() {
        // A partial file of an earlier, interrupted invocation is superseded.
        let stale = out.with_extension("partial.csv");
        if stale.exists() {
            std::fs::remove_file(&stale)
                .with_context(|| format!("removing the superseded {}", stale.display()))?;
        }
    }
    if generation.is_complete() && split != Split::Test && whole_split {
        let real = bench.read_split(split)?;
        let table = DiaryTable {
            person_ids: done.iter().map(|(p, _)| p.id.clone()).collect(),
            diaries: done.iter().map(|(_, d)| *d).collect(),
        };
        let report = scoring::score_table(&bench, &real, &table, written.display().to_string())?;
        let e = &report.evaluation;
        summary.evaluation = Some(SummaryScores {
            score: e.score,
            individual: e.individual,
            distribution: e.distribution,
            behavior: e.behavior,
            temporal_mae_min: e.side.temporal_mae_min,
            spatial_mae_km: e.side.spatial_mae_km,
            activity_weighted_f1: e.side.activity_weighted_f1,
        });
    }
    let summary_path = RunSummary::path_for(&out);
    summary
        .write(&summary_path)
        .with_context(|| format!("writing {}", summary_path.display()))?;
    print_summary(&summary, &written, &summary_path, &cache);
    Ok(if generation.is_complete() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(STOPPED_EXIT)
    })
}

fn planner_config(args: &BaselineArgs) -> anyhow::Result<PlannerConfig> {
    let o = &args.llm;
    let base_url = o
        .base_url
        .clone()
        .unwrap_or_else(|| DEFAULT_BASE_URL.into());
    let model = o.model.clone().unwrap_or_else(|| DEFAULT_MODEL.into());
    let mut endpoint = EndpointConfig::new(&base_url, &model);
    endpoint.temperature = o.temperature;
    if let Some(m) = o.max_completion_tokens {
        endpoint.max_completion_tokens = Some(m);
    }
    endpoint.json_mode = !o.no_json_mode;
    endpoint.price_in_per_mtok = o.price_in.unwrap_or(0.0);
    endpoint.price_out_per_mtok = o.price_out.unwrap_or(0.0);
    for (name, v) in [
        ("--price-in", endpoint.price_in_per_mtok),
        ("--price-out", endpoint.price_out_per_mtok),
    ] {
        anyhow::ensure!(
            v.is_finite() && v >= 0.0,
            "{name} must be a non-negative number of USD per million tokens"
        );
    }
    endpoint.budget_usd = o.budget_usd;
    if let Some(c) = o.concurrency {
        anyhow::ensure!(c >= 1, "--concurrency must be at least 1");
        endpoint.concurrency = c;
    }
    if let Some(t) = o.llm_timeout {
        endpoint.call_timeout = Duration::from_secs(t.max(1));
    }
    if let Some(r) = o.retries {
        endpoint.max_retries = r;
    }
    let prompting = match o.prompting.unwrap_or(PromptingArg::FewShot) {
        PromptingArg::ZeroShot => {
            anyhow::ensure!(
                o.examples.is_none(),
                "--examples is for --prompting few-shot"
            );
            Prompting::ZeroShot
        }
        PromptingArg::FewShot => Prompting::FewShot {
            examples: o.examples.unwrap_or(DEFAULT_EXAMPLES),
        },
    };
    Ok(PlannerConfig {
        prompting,
        executor: match o.executor.unwrap_or(ExecutorArg::Statistical) {
            ExecutorArg::Statistical => ExecutorKind::Statistical,
            ExecutorArg::None => ExecutorKind::None,
        },
        max_revisions: o.max_revisions.unwrap_or(2),
        seed: args.seed,
        endpoint,
    })
}

/// `out/llm/<benchmark>/<split>/<prompting>-<executor>-<model>/diaries.csv`.
fn default_out(benchmark: &str, split: Split, config: &PlannerConfig) -> PathBuf {
    let model: String = config
        .endpoint
        .model
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    PathBuf::from(paths::DEFAULT_LLM_DIR)
        .join(benchmark)
        .join(split.name())
        .join(format!(
            "{}-{}-{model}",
            config.prompting.name(),
            config.executor.name()
        ))
        .join("diaries.csv")
}

/// Writes the diaries through a temporary file and a rename.
fn write_atomic_diaries(
    path: &Path,
    rows: &[(&Person, Diary)],
    bench: &Benchmark,
) -> anyhow::Result<()> {
    let tmp = path.with_extension("csv.tmp");
    let file =
        std::fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    write_diaries(
        file,
        rows.iter().map(|(p, d)| (p.id.as_str(), d)),
        bench.zones_for_io(),
    )
    .with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("renaming {} into place", tmp.display()))
}

fn print_summary(s: &RunSummary, written: &Path, summary: &Path, cache: &Path) {
    println!(
        "{} on {} {}: {} of {} people ({} from the model, {} fallbacks: {} malformed, {} infeasible; {} revisions)",
        s.generator,
        s.benchmark,
        s.split,
        s.generated,
        s.people,
        s.from_model,
        s.fallbacks,
        s.fallbacks_malformed,
        s.fallbacks_infeasible,
        s.revisions
    );
    println!(
        "calls {} ({} sent now, {} from the cache; {} HTTP attempts, {} retries); tokens {} in, {} out",
        s.calls, s.requests_sent, s.responses_from_cache, s.http_attempts, s.retries, s.tokens_in, s.tokens_out
    );
    println!(
        "per person: {:.2} calls, {:.0} tokens in, {:.0} out, ${:.6}, {:.0} ms of LLM latency; total ${:.4} (${:.4} spent now); wall {:.1} s ({:.1} ms/person)",
        s.per_person.calls,
        s.per_person.tokens_in,
        s.per_person.tokens_out,
        s.per_person.usd,
        s.per_person.latency_ms,
        s.usd,
        s.usd_spent_now,
        s.wall_ms / 1e3,
        s.wall_ms_per_person
    );
    if let Some(e) = &s.evaluation {
        println!(
            "Score {:.4} (Individual {:.4}, Distribution {:.4}, Behavior {:.4}); temporal MAE {:.1} min, activity F1 {:.4}{}",
            e.score,
            e.individual,
            e.distribution,
            e.behavior,
            e.temporal_mae_min,
            e.activity_weighted_f1,
            e.spatial_mae_km.map_or(String::new(), |km| format!(", spatial MAE {km:.2} km"))
        );
    }
    println!(
        "diaries → {}\nfigures → {}\ncache   → {}",
        written.display(),
        summary.display(),
        cache.display()
    );
    if let Some(stop) = &s.stopped {
        println!(
            "stopped: {stop}. Rerun the same command to continue ({}); cached responses cost nothing.",
            if stop.starts_with("budget") {
                "with a larger --budget-usd"
            } else {
                "once the endpoint answers"
            }
        );
    }
}
