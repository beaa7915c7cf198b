//! SIGKILL at random moments over a whole run (issue 7). A tool-mode run of several
//! rounds with a scripted agent is killed again and again — at a random wall-clock moment
//! (in the middle of a build, a rollout, an LLM call, start-up …) or at a random phase
//! boundary (`MOBEVOLVE_KILL_AT`) — and restarted each time with `orchestrator run` or
//! `orchestrator resume`, until it finishes. It must end exactly as the uninterrupted run
//! with the same scripted agent ended: same records, commits and round pages; no
//! worktree, sandbox process or lock left behind after any kill; and no LLM request sent
//! twice, except the one in flight when a kill struck (its answer never arrived, so
//! nothing was recorded or paid for twice).
//!
//! Size: [`ROUNDS_ENV`] rounds (default 4) and at least [`MIN_KILLS_ENV`] kills (default
//! 50); the kill moments come from a seeded generator ([`SEED_ENV`], default 7).

use crate::harness::{self, Fixture, RunState};
use crate::scripts;
use agents::scripted_server::ScriptedServer;
use memory::{Phase, PhaseState};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const ROUNDS_ENV: &str = "MOBEVOLVE_KILL_ROUNDS";
pub const MIN_KILLS_ENV: &str = "MOBEVOLVE_MIN_KILLS";
pub const SEED_ENV: &str = "MOBEVOLVE_KILL_SEED";

/// How long the scripted server takes to answer a request.
const ANSWER_LATENCY: Duration = Duration::from_millis(300);

/// The longest any one process may live before the test gives up on it.
const PROCESS_LIMIT: Duration = Duration::from_secs(600);

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A small deterministic generator (xorshift64*), so the kill moments replay by seed.
struct Moments(u64);

impl Moments {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// How the next process is to die.
#[derive(Debug, Clone)]
enum Plan {
    /// SIGKILL from the test after this long (or, with a backstop, by the process itself
    /// at the end of that round's phase's work, whichever comes first).
    Timer {
        after: Duration,
        backstop: Option<(u32, Phase)>,
    },
    /// SIGKILL from the test as soon as the server has received a new request, while its
    /// answer is on the way (the server answers after [`ANSWER_LATENCY`]); after
    /// `fallback` at the latest, and with the same backstop as a timer.
    InFlight {
        fallback: Duration,
        backstop: Option<(u32, Phase)>,
    },
    /// The process kills itself at this phase boundary of this round.
    Hook {
        round: u32,
        phase: Phase,
        during: bool,
    },
}

/// One kill and what the run and the server looked like right after it.
#[derive(Debug)]
struct Kill {
    plan: Plan,
    /// Requests the server had received when the process died.
    requests_received: usize,
    /// The last new (non-repeated) request body, when its answer was not recorded.
    in_flight: Option<serde_json::Value>,
}

fn args(fx: &Fixture, runs: &Path, url: &str, rounds: u32) -> Vec<String> {
    let mut a = harness::run_args(fx, runs, url, "tools", rounds);
    a.extend(["--max-steps", "6", "--llm-timeout", "30"].map(String::from));
    a
}

/// Phases recorded as done, over all rounds: the run's progress.
fn done_phases(state: &Option<RunState>) -> usize {
    state.as_ref().map_or(0, |s| {
        s.rounds
            .iter()
            .flat_map(|r| &r.phases)
            .filter(|e| e.state == PhaseState::Done)
            .count()
    })
}

/// How often each (round, phase) was begun.
fn attempts(state: &Option<RunState>) -> BTreeMap<(u32, &'static str), u32> {
    state
        .iter()
        .flat_map(|s| &s.rounds)
        .flat_map(|r| {
            r.phases
                .iter()
                .map(move |e| ((r.round, e.phase.name()), e.attempts))
        })
        .collect()
}

/// The first round that is not finished, and its first phase not done.
fn next_phase(state: &Option<RunState>) -> (u32, usize) {
    let Some(s) = state else { return (1, 0) };
    for r in &s.rounds {
        let done = |p: Phase| {
            r.phases
                .iter()
                .any(|e| e.phase == p && e.state == PhaseState::Done)
        };
        if let Some(i) = Phase::ALL.iter().position(|p| !done(*p)) {
            return (r.round, i);
        }
    }
    (s.rounds.len() as u32 + 1, 0)
}

/// The next kill: while LLM calls lie ahead, a kill of a request in flight (15 %); a
/// timer (35 % of the rest), or the end of the work of the first phase no kill has
/// struck yet (in this round or the next), or else a phase boundary among the current
/// round's next four phases, at the end of the phase's work (70 %) or just after it is
/// recorded. While kills are still wanted the run must not
/// end: the last phase of the last round is then always struck before it is recorded
/// (a timer carries it as a backstop).
fn plan_next(
    moments: &mut Moments,
    state: &Option<RunState>,
    timer_max: f64,
    struck: &BTreeMap<&str, usize>,
    kills_wanted: usize,
    rounds: u32,
) -> Plan {
    let last = Phase::ALL[Phase::ALL.len() - 1];
    let backstop = (kills_wanted > 0).then_some((rounds, last));
    let (round, first) = next_phase(state);
    // Until the proposal of the last round is recorded, some kills catch an LLM call.
    let calls_ahead = round < rounds
        || first
            <= Phase::ALL
                .iter()
                .position(|p| *p == Phase::Proposal)
                .unwrap();
    if calls_ahead && moments.unit() < 0.15 {
        return Plan::InFlight {
            fallback: Duration::from_secs(60),
            backstop,
        };
    }
    if moments.unit() < 0.35 {
        return Plan::Timer {
            after: Duration::from_secs_f64(0.05 + moments.unit() * timer_max),
            backstop,
        };
    }
    // The first phase no kill has struck yet: in this round, or else in the next one.
    let unstruck = |p: &&Phase| !struck.contains_key(p.name());
    let target = Phase::ALL[first..]
        .iter()
        .find(unstruck)
        .map(|p| (round, *p))
        .or_else(|| {
            (round < rounds)
                .then(|| {
                    Phase::ALL[..first]
                        .iter()
                        .find(unstruck)
                        .map(|p| (round + 1, *p))
                })
                .flatten()
        });
    if let Some((round, phase)) = target {
        return Plan::Hook {
            round,
            phase,
            during: true,
        };
    }
    let span = (Phase::ALL.len() - first).min(4);
    let phase = Phase::ALL[first + ((moments.unit() * span as f64) as usize).min(span - 1)];
    let during = moments.unit() < 0.7 || backstop == Some((round, phase));
    Plan::Hook {
        round,
        phase,
        during,
    }
}

/// The requests that were not repeats of an earlier one, in order.
fn distinct<'a>(
    requests: &'a [serde_json::Value],
    repeats: &[usize],
) -> Vec<&'a serde_json::Value> {
    requests
        .iter()
        .enumerate()
        .filter(|(i, _)| !repeats.contains(i))
        .map(|(_, r)| r)
        .collect()
}

/// Waits up to 10 s for the killed process's sandboxes (bubblewrap and the candidate
/// processes inside) to die with it.
fn assert_sandbox_processes_die(fx: &Fixture, kill: usize) {
    let survivors = || {
        let mut all = harness::sandbox_processes(fx);
        all.extend(harness::bwrap_processes(fx));
        all
    };
    for _ in 0..100 {
        if survivors().is_empty() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!(
        "kill {kill}: sandbox processes outlived the orchestrator: {:?}",
        survivors()
    );
}

/// True when nobody holds the run's lock (`flock -n` gets it at once).
fn lock_is_free(runs: &Path) -> bool {
    let lock = runs.join("mobevolve.sqlite.run-1.lock");
    !lock.exists()
        || std::process::Command::new("flock")
            .arg("-n")
            .arg(&lock)
            .arg("true")
            .status()
            .is_ok_and(|s| s.success())
}

/// The round pages of a run, by file name (they exist for every round).
fn round_pages(run_dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(run_dir.join("report/rounds"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

struct Finished {
    run_dir: PathBuf,
    state: RunState,
    requests: Vec<serde_json::Value>,
}

fn uninterrupted(fx: &Fixture, rounds: u32) -> Finished {
    let server = ScriptedServer::start_in_background(scripts::many_rounds(fx, rounds));
    let runs = fx.root.join("runs-kills-reference");
    let out = harness::orchestrator(
        &args(fx, &runs, &server.url, rounds),
        &[],
        PROCESS_LIMIT,
        &fx.root.join("logs/kills-reference"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", out.stderr);
    Finished {
        run_dir: runs.join("run-1"),
        state: harness::run_state(&runs, 1),
        requests: server.requests(),
    }
}

#[test]
fn random_sigkills_over_a_whole_run_end_like_the_uninterrupted_run() {
    let _serial = harness::serial();
    let Some(fx) = harness::fixture() else { return };
    let rounds: u32 = env_or(ROUNDS_ENV, 4);
    let min_kills: usize = env_or(MIN_KILLS_ENV, 50);
    let mut moments = Moments(env_or(SEED_ENV, 7u64).max(1));
    let reference = uninterrupted(fx, rounds);
    assert_eq!(reference.state.totals.finished_rounds, rounds);

    let server =
        ScriptedServer::start_deterministic(scripts::many_rounds(fx, rounds), ANSWER_LATENCY);
    let runs = fx.root.join("runs-kills");
    let first_args = args(fx, &runs, &server.url, rounds);
    // After the first process, `run` (without `--new`) continues the interrupted run.
    let again: Vec<String> = first_args
        .iter()
        .filter(|a| *a != "--new")
        .cloned()
        .collect();
    let mut kills: Vec<Kill> = Vec::new();
    let mut hit: BTreeMap<&str, usize> = BTreeMap::new();
    let mut timer_max = 2.0;
    let mut state = None;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let plan = plan_next(
            &mut moments,
            &state,
            timer_max,
            &hit,
            min_kills.saturating_sub(kills.len()),
            rounds,
        );
        let args = if attempt == 1 {
            first_args.clone()
        } else if state.is_some() && moments.unit() < 0.5 {
            harness::resume_args(fx, &runs, 1)
        } else {
            again.clone()
        };
        let (env, deadline) = match &plan {
            Plan::Timer { after, backstop }
            | Plan::InFlight {
                fallback: after,
                backstop,
            } => (
                backstop
                    .iter()
                    .map(|(round, phase)| {
                        (
                            "MOBEVOLVE_KILL_AT",
                            format!("{round}:{}:during", phase.name()),
                        )
                    })
                    .collect(),
                *after,
            ),
            Plan::Hook {
                round,
                phase,
                during,
            } => (
                vec![(
                    "MOBEVOLVE_KILL_AT",
                    format!(
                        "{round}:{}:{}",
                        phase.name(),
                        if *during { "during" } else { "after" }
                    ),
                )],
                PROCESS_LIMIT,
            ),
        };
        let before = done_phases(&state);
        let log = fx.root.join(format!("logs/kills-{attempt:03}"));
        let out = match &plan {
            Plan::InFlight { fallback, .. } => {
                let sent = server.request_count();
                harness::orchestrator_killed_when(&args, &env, &log, |elapsed| {
                    server.request_count() > sent || elapsed >= *fallback
                })
            }
            _ => harness::orchestrator_killed_at(&args, &env, deadline, &log),
        };
        let received = server.request_count();
        let previous = std::mem::replace(&mut state, harness::try_run_state(&runs, 1));
        if out.status.code() == Some(0) {
            break;
        }
        assert_eq!(
            out.killed_by(),
            Some(9),
            "attempt {attempt} ({plan:?}) ended with {} instead of a kill:\n{}",
            out.status,
            out.stderr
        );
        assert!(
            attempt < 2000,
            "the run makes no progress under kills; last stderr:\n{}",
            out.stderr
        );
        // What the kill struck: a phase this process began and did not record.
        let attempts_before = attempts(&previous);
        let phase_hit = state.as_ref().and_then(|s| {
            s.rounds
                .iter()
                .flat_map(|r| r.phases.iter().map(move |e| (r.round, e)))
                .find(|(round, e)| {
                    e.state == PhaseState::Running
                        && attempts_before
                            .get(&(*round, e.phase.name()))
                            .copied()
                            .unwrap_or(0)
                            < e.attempts
                })
                .map(|(_, e)| e.phase)
        });
        *hit.entry(phase_hit.map_or("between phases", |p| p.name()))
            .or_default() += 1;
        let requests = server.requests();
        let repeats = server.repeats();
        let distinct = distinct(&requests, &repeats);
        let recorded = state.as_ref().map_or(0, |s| s.totals.llm_calls as usize);
        assert!(
            distinct.len() == recorded || distinct.len() == recorded + 1,
            "kill {}: {} distinct requests sent but {recorded} recorded",
            kills.len() + 1,
            distinct.len()
        );
        let in_flight = (distinct.len() > recorded).then(|| distinct[distinct.len() - 1].clone());
        assert_sandbox_processes_die(fx, kills.len() + 1);
        assert!(
            lock_is_free(&runs),
            "kill {}: the run lock is still held",
            kills.len() + 1
        );
        kills.push(Kill {
            plan,
            requests_received: received,
            in_flight,
        });
        // Back off while timed kills come too early for any phase to finish (a cold build).
        if matches!(kills.last().map(|k| &k.plan), Some(Plan::Timer { .. })) {
            if done_phases(&state) > before {
                timer_max = 2.0;
            } else {
                timer_max = (timer_max * 1.5).min(120.0);
            }
        }
    }
    let summary: Vec<String> = hit.iter().map(|(p, n)| format!("{p} {n}")).collect();
    eprintln!(
        "{} kills over {rounds} rounds ({} timed, {} with a request in flight, {} at phase \
         boundaries); struck: {}",
        kills.len(),
        kills
            .iter()
            .filter(|k| matches!(k.plan, Plan::Timer { .. }))
            .count(),
        kills
            .iter()
            .filter(|k| matches!(k.plan, Plan::InFlight { .. }))
            .count(),
        kills
            .iter()
            .filter(|k| matches!(k.plan, Plan::Hook { .. }))
            .count(),
        summary.join(", ")
    );
    // No LLM request was sent twice, except the one in flight at a kill, right after it.
    let requests = server.requests();
    let repeats = server.repeats();
    let distinct = distinct(&requests, &repeats);
    if let Some(i) = (0..distinct.len().max(reference.requests.len()))
        .find(|&i| distinct.get(i).copied() != reference.requests.get(i))
    {
        let pretty = |v: Option<&serde_json::Value>| {
            v.map(|v| serde_json::to_string_pretty(v).unwrap())
                .unwrap_or_else(|| "(none)".into())
        };
        let (mine, theirs) = (
            pretty(distinct.get(i).copied()),
            pretty(reference.requests.get(i)),
        );
        let diff = similar::TextDiff::from_lines(&theirs, &mine)
            .unified_diff()
            .context_radius(2)
            .header("uninterrupted", "killed")
            .to_string();
        panic!(
            "request {i} (of {} distinct, {} in the uninterrupted run) differs:\n{diff}",
            distinct.len(),
            reference.requests.len()
        );
    }
    for &j in &repeats {
        let kill = kills
            .iter()
            .rev()
            .find(|k| k.requests_received <= j)
            .unwrap_or_else(|| panic!("request {j} repeats an earlier one with no kill between"));
        assert_eq!(
            kill.requests_received, j,
            "request {j} repeats an earlier one but is not the first after a restart"
        );
        assert_eq!(
            kill.in_flight.as_ref(),
            Some(&requests[j]),
            "request {j} repeats one whose answer was already recorded"
        );
    }
    // The same end as the uninterrupted run.
    let s = state.expect("the run exists");
    let r = &reference.state;
    let run_dir = runs.join("run-1");
    assert_eq!(s.totals.finished_rounds, rounds);
    harness::assert_same_end(&s, &run_dir, r, &reference.run_dir);
    harness::assert_absolute_facts(&s, &run_dir);
    for round in &s.rounds {
        assert_eq!(
            round.llm_calls.len(),
            scripts::many_rounds_calls(round.round)
        );
    }
    // Every round has its page (their phase times and attempts differ after kills, as they
    // should: the records compared above are what must be equal).
    assert_eq!(round_pages(&run_dir), round_pages(&reference.run_dir));

    let in_flight_kills = kills.iter().filter(|k| k.in_flight.is_some()).count();
    assert!(
        in_flight_kills == 0 || !repeats.is_empty(),
        "{in_flight_kills} kills caught a request in flight, yet none was sent again"
    );
    eprintln!(
        "{} requests, {} distinct, {} repeated (in flight at a kill)",
        requests.len(),
        distinct.len(),
        repeats.len()
    );
    harness::assert_no_worktrees(&run_dir);
    harness::assert_no_sandbox_processes(fx);
    assert!(lock_is_free(&runs));
    assert!(
        kills.len() >= min_kills,
        "only {} kills before the run ended (want {min_kills}): {summary:?}",
        kills.len()
    );
    for phase in Phase::ALL {
        assert!(
            hit.contains_key(phase.name()),
            "no kill struck during {}: {summary:?}",
            phase.name()
        );
    }
}
