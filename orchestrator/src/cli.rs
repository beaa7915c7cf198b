//! The command line, as clap types. Each subcommand's logic is in `commands/<name>.rs`.

use crate::paths;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "orchestrator",
    version,
    about = "Evolve interpretable generators of daily activity diaries against a frozen evaluator."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Turn the real surveys into prepared benchmarks.
    #[command(subcommand)]
    Data(DataCommand),
    /// Score a diaries file against a split (or a run's best generator on the test split).
    Evaluate(EvaluateArgs),
    /// Run a classic baseline and write its diaries.
    Baseline(BaselineArgs),
    /// Generate diaries for new people (or a split's people) with the generator.
    Generate(GenerateArgs),
    /// Print speed figures: evaluator inventory, generator per person, `generate` end to end per format.
    Bench(BenchArgs),
    /// Measure the acceptance rule with the real loop: false accepts of behaviour-neutral
    /// candidates, recorded vs fresh Scores, and the share of known improvements accepted.
    BenchRule(BenchRuleArgs),
    /// Start an evolution run (or continue the latest interrupted one).
    Run(Box<RunArgs>),
    /// Continue an interrupted run where it stopped.
    Resume(ResumeArgs),
    /// List runs and their progress.
    Status(StatusArgs),
    /// Show one round's report.
    Show(ShowArgs),
    /// Show one round's change as a diff.
    Diff(DiffArgs),
    /// Write a run's Markdown and HTML report.
    Report(ReportArgs),
    /// Write a run's best generator out as a standalone crate.
    Export(ExportArgs),
    /// Serve a read-only dashboard of the runs (live while they are driven).
    Serve(ServeArgs),
    /// Free disk space: remove runs' build folders and rejected candidates' leftovers,
    /// keeping every record (database, repository, reports, evaluations).
    Gc(GcArgs),
    /// Delete a run: its records in the database and its folder (asks for confirmation).
    Rm(RmArgs),
}

#[derive(Subcommand, Debug)]
pub enum DataCommand {
    /// Prepare both benchmarks (or those given by --config) from the survey files.
    Prepare(PrepareArgs),
}

#[derive(Args, Debug)]
pub struct DataDirArg {
    /// Folder holding the real surveys.
    #[arg(id = "data_dir", long = "data", env = paths::DATA_ENV, default_value = paths::DEFAULT_DATA_DIR)]
    pub dir: PathBuf,
}

#[derive(Args, Debug, Clone)]
pub struct BenchDirArg {
    /// Folder holding the prepared benchmarks.
    #[arg(id = "bench_dir", long = "bench", env = paths::BENCH_ENV, default_value = paths::DEFAULT_BENCH_DIR)]
    pub dir: PathBuf,
}

#[derive(Args, Debug, Clone)]
pub struct RunsDirArg {
    /// Folder holding the runs database and one folder per run.
    #[arg(id = "runs_dir", long = "runs", env = paths::RUNS_ENV, default_value = paths::DEFAULT_RUNS_DIR)]
    pub dir: PathBuf,
}

#[derive(Args, Debug)]
pub struct PrepareArgs {
    #[command(flatten)]
    pub data: DataDirArg,
    /// Where to write the prepared benchmarks.
    #[arg(long, env = paths::BENCH_ENV, default_value = paths::DEFAULT_BENCH_DIR)]
    pub out: PathBuf,
    /// A survey configuration (TOML) to prepare instead of the built-in two; repeatable.
    #[arg(long)]
    pub config: Vec<PathBuf>,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitArg {
    Train,
    Val,
    Test,
}

impl SplitArg {
    pub fn split(self) -> mobility::Split {
        match self {
            SplitArg::Train => mobility::Split::Train,
            SplitArg::Val => mobility::Split::Val,
            SplitArg::Test => mobility::Split::Test,
        }
    }
}

#[derive(Args, Debug)]
pub struct EvaluateArgs {
    /// Benchmark name (a folder of --bench).
    #[arg(long, required_unless_present = "run")]
    pub benchmark: Option<String>,
    /// The split whose real diaries the predictions are scored against.
    #[arg(long, value_enum)]
    pub split: SplitArg,
    /// The diaries to score (CSV: person_id,h00..h23[,l00..l23]).
    #[arg(long, required_unless_present = "run")]
    pub predictions: Option<PathBuf>,
    /// Evaluate this run's best generator instead (the one way a run reads the test split).
    #[arg(long, conflicts_with = "predictions")]
    pub run: Option<i64>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub bench: BenchDirArg,
    #[command(flatten)]
    pub runs: RunsDirArg,
}

#[derive(Args, Debug)]
pub struct BaselineArgs {
    /// marginal, markov, mnl, nearest, nearest1, or llm-planner (an LLM over an
    /// OpenAI-compatible endpoint; its options below).
    pub name: String,
    /// Benchmark name (a folder of --bench).
    #[arg(long)]
    pub benchmark: String,
    /// The split whose people get diaries (the baseline is trained on train).
    #[arg(long, value_enum)]
    pub split: SplitArg,
    /// Output diaries CSV (llm-planner default:
    /// out/llm/<benchmark>/<split>/<prompting>-<executor>-<model>/diaries.csv).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Random seed (the same seed gives the same diaries).
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    #[command(flatten)]
    pub bench: BenchDirArg,
    #[command(flatten)]
    pub llm: LlmPlannerArgs,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptingArg {
    /// The person's features only.
    ZeroShot,
    /// Plus the days of the most similar train people (`--examples`).
    FewShot,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecutorArg {
    /// The LLM plans the day as JSON; a statistical executor fitted on train places, times
    /// and checks it, and sends an infeasible plan back for revision.
    Statistical,
    /// The LLM writes the 24 slots (and zones) itself, LLMob-style.
    None,
}

/// Options of `baseline llm-planner` (refused for the other baselines). Unset options take
/// the default in brackets.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "llm-planner")]
pub struct LlmPlannerArgs {
    /// Prompting [few-shot].
    #[arg(long, value_enum)]
    pub prompting: Option<PromptingArg>,
    /// Train days shown to the model, few-shot [3].
    #[arg(long)]
    pub examples: Option<usize>,
    /// Who turns the model's reply into the diary [statistical].
    #[arg(long, value_enum)]
    pub executor: Option<ExecutorArg>,
    /// Base URL of the OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, llama.cpp server)
    /// [https://api.openai.com/v1]; the key is read from OPENAI_API_KEY.
    #[arg(long, env = "OPENAI_BASE_URL")]
    pub base_url: Option<String>,
    /// Model name [gpt-4.1-mini].
    #[arg(long, env = "MOBEVOLVE_MODEL")]
    pub model: Option<String>,
    /// Sampling temperature [the endpoint's default].
    #[arg(long)]
    pub temperature: Option<f64>,
    /// Completion tokens per reply; also what the budget check reserves [1000].
    #[arg(long)]
    pub max_completion_tokens: Option<u32>,
    /// Do not send `response_format: json_object` (for servers that refuse it).
    #[arg(long)]
    pub no_json_mode: bool,
    /// USD per million input tokens [0].
    #[arg(long)]
    pub price_in: Option<f64>,
    /// USD per million output tokens [0].
    #[arg(long)]
    pub price_out: Option<f64>,
    /// Stop cleanly before crossing this spend (cached calls count); rerun to continue.
    #[arg(long)]
    pub budget_usd: Option<f64>,
    /// Requests in flight at once [8].
    #[arg(long)]
    pub concurrency: Option<usize>,
    /// Seconds per HTTP attempt before it is retried [120].
    #[arg(long)]
    pub llm_timeout: Option<u64>,
    /// Retries of a call after rate limits, server errors and time-outs [4].
    #[arg(long)]
    pub retries: Option<u32>,
    /// Corrected replies asked for per person before the fallback [2].
    #[arg(long)]
    pub max_revisions: Option<u32>,
    /// Only the first N people of the split (a rerun with a larger N continues).
    #[arg(long)]
    pub limit: Option<usize>,
    /// Response cache folder [llm-cache/ next to --out].
    #[arg(long)]
    pub cache: Option<PathBuf>,
}

impl LlmPlannerArgs {
    /// The options given that only `llm-planner` uses (`--base-url` and `--model` are left
    /// out: they may come from the environment).
    pub fn given(&self) -> Vec<&'static str> {
        let mut given = Vec::new();
        let mut check = |set: bool, name: &'static str| {
            if set {
                given.push(name);
            }
        };
        check(self.prompting.is_some(), "--prompting");
        check(self.examples.is_some(), "--examples");
        check(self.executor.is_some(), "--executor");
        check(self.temperature.is_some(), "--temperature");
        check(
            self.max_completion_tokens.is_some(),
            "--max-completion-tokens",
        );
        check(self.no_json_mode, "--no-json-mode");
        check(self.price_in.is_some(), "--price-in");
        check(self.price_out.is_some(), "--price-out");
        check(self.budget_usd.is_some(), "--budget-usd");
        check(self.concurrency.is_some(), "--concurrency");
        check(self.llm_timeout.is_some(), "--llm-timeout");
        check(self.retries.is_some(), "--retries");
        check(self.max_revisions.is_some(), "--max-revisions");
        check(self.limit.is_some(), "--limit");
        check(self.cache.is_some(), "--cache");
        given
    }
}

#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// Benchmark name (a folder of --bench); with --run, the run's own (must match if given).
    #[arg(long, required_unless_present = "run")]
    pub benchmark: Option<String>,
    /// People to generate for: `person_id` and the benchmark's features (optionally
    /// `household_id`, `home_zone`, `group` and `day_type`, derived when absent, and
    /// `home_x`, `home_y`: their own home coordinates, in the benchmark's CRS), checked
    /// against the benchmark as they are read.
    #[arg(long, required_unless_present = "split", conflicts_with = "split")]
    pub persons: Option<PathBuf>,
    /// Generate for a split's people instead.
    #[arg(long, value_enum)]
    pub split: Option<SplitArg>,
    /// Output file: `-` streams to standard output; a name ending in `.gz` is gzip-compressed.
    #[arg(long)]
    pub out: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Slots)]
    pub format: FormatArg,
    /// Mode written on every trip (matsim legs, pam trips).
    #[arg(long, default_value = "car")]
    pub mode: String,
    /// Write only shard I of N (0 ≤ I < N); the N shards concatenated in order are the
    /// unsharded output, byte for byte (see docs/sharding.md).
    #[arg(long, value_name = "I/N", value_parser = parse_shard)]
    pub shard: Option<Shard>,
    /// Random seed (the same seed gives byte-identical diaries).
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Also write one JSON trace per person (why each diary came out as it did).
    #[arg(long)]
    pub traces: Option<PathBuf>,
    /// Use this run's best generator instead of the workspace's `heuristics`.
    #[arg(long)]
    pub run: Option<i64>,
    /// Worker threads (output is identical whatever the number).
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
    #[command(flatten)]
    pub bench: BenchDirArg,
    #[command(flatten)]
    pub runs: RunsDirArg,
}

/// `generate --format`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatArg {
    /// The diaries CSV: person_id,h00..h23[,l00..l23].
    Slots,
    /// One row per activity episode and per trip, with coordinates on the location task.
    Episodes,
    /// A MATSim population (plans v6); location task only.
    Matsim,
    /// A trips table in pam's travel-diary layout.
    Pam,
}

impl FormatArg {
    pub fn format(self) -> plans::Format {
        match self {
            FormatArg::Slots => plans::Format::Slots,
            FormatArg::Episodes => plans::Format::Episodes,
            FormatArg::Matsim => plans::Format::Matsim,
            FormatArg::Pam => plans::Format::Pam,
        }
    }
}

/// `--shard I/N`: shard `index` of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

fn parse_shard(text: &str) -> Result<Shard, String> {
    let (i, n) = text
        .split_once('/')
        .ok_or_else(|| format!("`{text}` is not I/N (e.g. 0/4)"))?;
    let number = |s: &str| {
        s.trim()
            .parse::<u64>()
            .map_err(|_| format!("`{s}` in `{text}` is not a whole number"))
    };
    let (index, count) = (number(i)?, number(n)?);
    if count == 0 || index >= count {
        return Err(format!(
            "shard `{text}`: need 0 <= I < N (shards are numbered 0 to N-1)"
        ));
    }
    Ok(Shard { index, count })
}

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Benchmarks to measure (default: every prepared one).
    #[arg(long)]
    pub benchmark: Vec<String>,
    /// People in the population figure (`orchestrator generate` run end to end).
    #[arg(long, default_value_t = 1_000_000)]
    pub people: usize,
    /// Formats of the population figure (repeatable; default: every format the benchmark has).
    #[arg(long, value_enum)]
    pub format: Vec<FormatArg>,
    /// Also time each format written as `.gz`.
    #[arg(long)]
    pub gzip: bool,
    /// Folder for the population figure's persons file and outputs (removed afterwards).
    #[arg(long, default_value = "out")]
    pub scratch: PathBuf,
    #[command(flatten)]
    pub bench: BenchDirArg,
}

#[derive(Args, Debug)]
pub struct BenchRuleArgs {
    /// The benchmark to measure the rule on.
    #[arg(long, default_value = paths::DEFAULT_BENCHMARK)]
    pub benchmark: String,
    /// Behaviour-neutral candidates (rounds of the neutral run).
    #[arg(long, default_value_t = 40)]
    pub neutral: u32,
    /// Fresh seeds for the true Scores and effects.
    #[arg(long, default_value_t = 10)]
    pub fresh_seeds: u32,
    /// Where the runs and the summary go (a rerun reuses finished runs).
    #[arg(long, default_value = "out/bench-rule")]
    pub out: PathBuf,
    /// The decision secret of the runs (default: fresh for each run).
    #[arg(long)]
    pub decision_secret: Option<String>,
    #[command(flatten)]
    pub bench: BenchDirArg,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentKind {
    /// Offline attribution-guided search over heuristics/src/params.rs (no LLM).
    Builtin,
    /// Any OpenAI-compatible chat-completions endpoint.
    Openai,
    /// An external coding-agent command line run in the worktree.
    Command,
    /// A folder hand-off to a person or another program.
    Inbox,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentMode {
    /// Tool-calling loop over the worktree.
    Tools,
    /// Plain unified diff with repair rounds (models without tool calling).
    Diff,
}

#[derive(Args, Debug, Clone)]
pub struct RunArgs {
    /// Benchmark to evolve on (a folder of --bench).
    #[arg(long, default_value = paths::DEFAULT_BENCHMARK)]
    pub benchmark: String,
    /// Rounds to complete in the run.
    #[arg(long, default_value_t = 50)]
    pub rounds: u32,
    /// Who proposes each round's change.
    #[arg(long, value_enum, default_value_t = AgentKind::Builtin)]
    pub agent: AgentKind,
    /// Start a new run even if an interrupted one could be continued.
    #[arg(long)]
    pub new: bool,
    /// First public seed: the evolution seeds are SEED, SEED+1, … (and the built-in agent's seed).
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Public seeds of the attribution record, verification, previews and reported validation Scores.
    #[arg(long, default_value_t = 5)]
    pub evolution_seeds: u32,
    #[command(flatten)]
    pub rule: RuleArgs,
    #[command(flatten)]
    pub llm: LlmArgs,
    /// Command line of the `command` agent (run with `sh -c` in the worktree).
    #[arg(long)]
    pub agent_command: Option<String>,
    /// Folder of the `inbox` agent.
    #[arg(long)]
    pub inbox: Option<PathBuf>,
    /// Seconds an external agent (command, inbox) may take per round.
    #[arg(long, default_value_t = 3600)]
    pub agent_timeout: u64,
    /// Prompt templates folder (default: the built-in ones).
    #[arg(long)]
    pub prompts: Option<PathBuf>,
    /// Byte budget of a round prompt.
    #[arg(long, default_value_t = 60_000)]
    pub prompt_budget: usize,
    /// The workspace whose source a new run starts from (default: the one this binary was built from).
    #[arg(long)]
    pub workspace: Option<PathBuf>,
    /// Start from the generator (`heuristics/`) at this git revision of the workspace instead of
    /// as it is, e.g. `generator-initial` (the designed generator, before any evolved change);
    /// everything else is the workspace as it is.
    #[arg(long, value_name = "REV")]
    pub from: Option<String>,
    #[command(flatten)]
    pub bench: BenchDirArg,
    #[command(flatten)]
    pub runs: RunsDirArg,
}

/// The acceptance rule (frozen with the run; see `orchestrator show` for a run's rule).
#[derive(Args, Debug, Clone)]
pub struct RuleArgs {
    /// Seeds drawn for each round from the run's secret stream to screen a candidate.
    #[arg(long, default_value_t = 8)]
    pub decision_seeds: u32,
    /// Fresh secret seeds that confirm a candidate that passed screening (pooled with the decision seeds).
    #[arg(long, default_value_t = 8)]
    pub confirmation_seeds: u32,
    /// One-sided confidence that the improvement is real.
    #[arg(long, default_value_t = 0.95)]
    pub confidence: f64,
    /// Smallest estimated Score improvement worth promoting.
    #[arg(long, default_value_t = 0.001)]
    pub min_effect: f64,
    /// How much worse (Score units) a change that removes code or constants may be and still be accepted.
    #[arg(long, default_value_t = 0.002)]
    pub non_inferiority_margin: f64,
    /// Bootstrap resamples of the validation households behind each standard error.
    #[arg(long, default_value_t = 200)]
    pub bootstrap_resamples: u32,
    /// Share of the validation households that only the verdict sees (the selection part).
    #[arg(long, default_value_t = 0.5)]
    pub selection_share: f64,
    /// Reject a candidate if any group score (Individual, Distribution, Behavior) worsens by more than this.
    #[arg(long)]
    pub max_group_regression: Option<f64>,
    /// A second benchmark on which a candidate must not be significantly worse (e.g. santiago-2012 when evolving on atus-2014).
    #[arg(long)]
    pub guard: Option<String>,
    /// Worsening on the guard benchmark tolerated before significance counts (Score units):
    /// by default the non-inferiority margin's size, so a change significantly worse there
    /// by a negligible amount (the guard's Score can be measured to ±0.0001) still passes.
    #[arg(long, default_value_t = 0.002)]
    pub guard_margin: f64,
    /// The secret decision seeds are drawn from (64 hex digits); default: fresh from the OS.
    /// Give the secret of an earlier run to reproduce it exactly.
    #[arg(long, env = "MOBEVOLVE_DECISION_SECRET", hide_env_values = true)]
    pub decision_secret: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct LlmArgs {
    /// Base URL of the OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, llama.cpp server).
    #[arg(
        long,
        env = "OPENAI_BASE_URL",
        default_value = "https://api.openai.com/v1"
    )]
    pub base_url: String,
    /// Model name sent to the endpoint.
    #[arg(long, env = "MOBEVOLVE_MODEL", default_value = "gpt-4.1")]
    pub model: String,
    /// How the model works on the change.
    #[arg(long, value_enum, default_value_t = AgentMode::Tools)]
    pub agent_mode: AgentMode,
    /// Tool calls per round (tools mode).
    #[arg(long, default_value_t = 30)]
    pub max_steps: u32,
    /// Repair attempts per round (diff mode).
    #[arg(long, default_value_t = 3)]
    pub max_repairs: u32,
    /// USD per million input tokens (for cost accounting).
    #[arg(long, default_value_t = 0.0)]
    pub price_in: f64,
    /// USD per million output tokens.
    #[arg(long, default_value_t = 0.0)]
    pub price_out: f64,
    /// Stop the run cleanly once this much has been spent.
    #[arg(long)]
    pub budget_usd: Option<f64>,
    /// Stop the run cleanly once this many tokens have been used.
    #[arg(long)]
    pub max_tokens: Option<u64>,
    /// Seconds per LLM call before it is retried.
    #[arg(long, default_value_t = 300)]
    pub llm_timeout: u64,
}

#[derive(Args, Debug)]
pub struct ResumeArgs {
    /// The run to continue (see `orchestrator status`).
    pub run: i64,
    /// Change the run's target to this many rounds (at least the rounds already finished).
    #[arg(long)]
    pub rounds: Option<u32>,
    /// Change the LLM spending cap, in USD (openai agent); the spend so far counts.
    #[arg(long)]
    pub budget_usd: Option<f64>,
    /// Change the LLM token cap (openai agent); the tokens used so far count.
    #[arg(long)]
    pub max_tokens: Option<u64>,
    /// Continue with this model (openai agent).
    #[arg(long)]
    pub model: Option<String>,
    /// Continue with this OpenAI-compatible endpoint (openai agent).
    #[arg(long)]
    pub base_url: Option<String>,
    /// Change the seconds an external agent (command, inbox) may take per round.
    #[arg(long)]
    pub agent_timeout: Option<u64>,
    #[command(flatten)]
    pub runs: RunsDirArg,
    #[command(flatten)]
    pub bench: BenchDirArg,
}

#[derive(Args, Debug)]
pub struct StatusArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub runs: RunsDirArg,
}

#[derive(Args, Debug)]
pub struct ShowArgs {
    /// The run (see `orchestrator status`).
    pub run: i64,
    /// The round, from 1.
    pub round: u32,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub runs: RunsDirArg,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// The run (see `orchestrator status`).
    pub run: i64,
    /// The round, from 1.
    pub round: u32,
    /// Colour the diff: on a terminal without NO_COLOR (auto), always or never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Print JSON (the diff and its commits) instead of a coloured diff.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub runs: RunsDirArg,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// The run (see `orchestrator status`).
    pub run: i64,
    /// Folder for report.md and report.html (default: the run's folder).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Where `baseline llm-planner` writes by default; its validation generations of the
    /// run's benchmark (`<dir>/<benchmark>/val/*/*.summary.json`) join the comparison.
    #[arg(long, default_value = paths::DEFAULT_LLM_DIR)]
    pub llm_dir: PathBuf,
    /// Another LLM generation's `*.summary.json` to compare (repeatable).
    #[arg(long)]
    pub llm_summary: Vec<PathBuf>,
    /// Also print the report's data as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub runs: RunsDirArg,
    #[command(flatten)]
    pub bench: BenchDirArg,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on. Anything but loopback (127.0.0.1, ::1) requires --token.
    #[arg(long, default_value = "127.0.0.1:8484")]
    pub addr: std::net::SocketAddr,
    /// Bearer token every request must carry (at least 16 characters); browsers log in once
    /// at /login?token=<token>.
    #[arg(long, env = "MOBEVOLVE_DASHBOARD_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    #[command(flatten)]
    pub runs: RunsDirArg,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// The run whose best generator is exported.
    pub run: i64,
    /// The folder to write the crate into (new or empty).
    pub dir: PathBuf,
    #[command(flatten)]
    pub runs: RunsDirArg,
}

#[derive(Args, Debug)]
pub struct GcArgs {
    /// Only say what would be removed and how much space it would free.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub runs: RunsDirArg,
}

#[derive(Args, Debug)]
pub struct RmArgs {
    /// The run to delete.
    pub run: i64,
    /// Do not ask for confirmation.
    #[arg(long, short)]
    pub yes: bool,
    #[command(flatten)]
    pub runs: RunsDirArg,
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    /// Every flag and argument of every subcommand, as `subcommand --flag`, that has no help.
    fn undocumented(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
        for arg in cmd.get_arguments() {
            let id = arg.get_id().as_str();
            if matches!(id, "help" | "version") {
                continue;
            }
            if arg.get_help().is_none() && arg.get_long_help().is_none() {
                out.push(format!("{path} {id}"));
            }
        }
        for sub in cmd.get_subcommands() {
            if sub.get_about().is_none() {
                out.push(format!("{path} {} (no description)", sub.get_name()));
            }
            undocumented(sub, &format!("{path} {}", sub.get_name()), out);
        }
    }

    #[test]
    fn every_flag_has_help_text() {
        Cli::command().debug_assert();
        let mut missing = Vec::new();
        undocumented(&Cli::command(), "orchestrator", &mut missing);
        assert!(missing.is_empty(), "without help text: {missing:#?}");
    }
}
