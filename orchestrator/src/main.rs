//! The `orchestrator` command line: prepare benchmarks, evaluate, run baselines and the
//! evolution loop.
fn main() {}
