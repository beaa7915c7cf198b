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
    /// Print speed figures: evaluator inventory, generator per person, a million people.
    Bench(BenchArgs),
    /// Start an evolution run (or continue the latest interrupted one).
    Run(RunArgs),
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
    /// marginal, markov, mnl or nearest.
    pub name: String,
    /// Benchmark name (a folder of --bench).
    #[arg(long)]
    pub benchmark: String,
    /// The split whose people get diaries (the baseline is trained on train).
    #[arg(long, value_enum)]
    pub split: SplitArg,
    /// Output diaries CSV.
    #[arg(long)]
    pub out: PathBuf,
    /// Random seed (the same seed gives the same diaries).
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    #[command(flatten)]
    pub bench: BenchDirArg,
}

#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// Benchmark name (a folder of --bench); with --run, the run's own (must match if given).
    #[arg(long, required_unless_present = "run")]
    pub benchmark: Option<String>,
    /// People to generate for, in the benchmark's person format.
    #[arg(long, required_unless_present = "split", conflicts_with = "split")]
    pub persons: Option<PathBuf>,
    /// Generate for a split's people instead.
    #[arg(long, value_enum)]
    pub split: Option<SplitArg>,
    /// Output diaries CSV (`-` for standard output).
    #[arg(long)]
    pub out: PathBuf,
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

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Benchmarks to measure (default: every prepared one).
    #[arg(long)]
    pub benchmark: Vec<String>,
    /// People in the large generation figure.
    #[arg(long, default_value_t = 1_000_000)]
    pub people: usize,
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
    /// Seed of the rollouts (and of the built-in agent).
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Seeds averaged into a generator's validation Score.
    #[arg(long, default_value_t = 5)]
    pub eval_seeds: u32,
    /// Seeds used to measure the noise floor at the start of the run.
    #[arg(long, default_value_t = 10)]
    pub noise_seeds: u32,
    /// Reject a candidate if any group score (Individual, Distribution, Behavior) worsens by more than this.
    #[arg(long)]
    pub max_group_regression: Option<f64>,
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
    #[command(flatten)]
    pub bench: BenchDirArg,
    #[command(flatten)]
    pub runs: RunsDirArg,
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
    /// Also print the report's data as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub runs: RunsDirArg,
    #[command(flatten)]
    pub bench: BenchDirArg,
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
