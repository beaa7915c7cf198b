//! The evolution context: best accepted, most informative rejected, recent, dead ends,
//! deduplicated and rendered compactly.

use memory::{ContextLimits, Memory};

use crate::support::{config, run_round, RoundPlan, TempDir};

#[tokio::test]
async fn context_ranks_deduplicates_and_renders_trials() {
    let dir = TempDir::new("context");
    let memory = Memory::open(dir.db()).await.unwrap();
    let lock = memory.create_run(&config(), "00").await.unwrap();
    let run = lock.run();

    let empty = memory
        .evolution_context(run, ContextLimits::default())
        .await
        .unwrap();
    assert_eq!(empty.trials, 0);
    assert!(empty.to_text().contains("No trials yet."));

    // Round: (before, after, accepted, failure mode, diff variant).
    let spec: [(f64, f64, bool, &str, &str); 8] = [
        (0.90, 0.85, true, "Travel collapsed", "a"), // r1 accepted, -0.05
        (0.85, 0.95, false, "work leakage", "b"),    // r2 rejected, +0.10
        (0.85, 0.86, false, "work leakage", "b"),    // r3 same change again, +0.01
        (0.85, 0.70, true, "senior weekend", "c"),   // r4 accepted, -0.15
        (0.70, 0.72, false, "night home", "d"),      // r5 rejected, +0.02
        (0.70, 0.75, false, "Night  HOME!", "e"),    // r6 rejected, +0.05, same failure key
        (0.70, 0.71, false, "student school", "f"),  // r7 rejected, +0.01
        (0.70, 0.69, true, "student school", "g"),   // r8 accepted, -0.01
    ];
    let mut parent = "c0".to_string();
    for (i, (before, after, accepted, mode, variant)) in spec.into_iter().enumerate() {
        let round = i as u32 + 1;
        let mut plan = RoundPlan::new(round, &parent, before, after, accepted);
        plan.failure_mode = mode.into();
        plan.intervention = format!("intervention {variant}");
        plan.diff =
            format!("--- a/h.rs\n+++ b/h.rs\n@@ -1 +1 @@\n-old {variant}\n+new {variant}\n");
        run_round(&memory, &lock, &plan).await;
        if accepted {
            parent = plan.candidate_commit();
        }
    }

    let limits = ContextLimits {
        recent: 1,
        accepted: 2,
        rejected: 2,
        field_chars: 60,
    };
    let ctx = memory.evolution_context(run, limits).await.unwrap();
    assert_eq!((ctx.trials, ctx.accepted), (8, 3));
    assert_eq!(ctx.best_score, Some(0.69));
    let rounds = |v: &[memory::TrialSummary]| v.iter().map(|t| t.round).collect::<Vec<_>>();
    // Accepted: biggest improvement first (r4 -0.15, r1 -0.05), limited to 2.
    assert_eq!(rounds(&ctx.best_accepted), vec![4, 1]);
    // Rejected: r2/r3 are one entry (same failure, same change), represented by its worst
    // trial (+0.01 on the target for r2 ... +0.10 score) with the latest round and x2.
    assert_eq!(rounds(&ctx.informative_rejected), vec![3, 6]);
    let merged = &ctx.informative_rejected[0];
    assert_eq!(merged.repeats, 2);
    assert_eq!(merged.score_after, Some(0.95));
    assert!((merged.target_delta().unwrap() - 0.010).abs() < 1e-12);
    // Recent: the latest trial not shown above.
    assert_eq!(rounds(&ctx.recent), vec![8]);
    // Dead ends: failure modes tried twice or more and never accepted.
    assert_eq!(
        ctx.dead_ends,
        vec![
            ("night home".to_string(), 2),
            ("work leakage".to_string(), 2)
        ]
    );

    let text = ctx.to_text();
    assert!(
        text.starts_with(
            "Evolution memory: 8 trials, 3 accepted, 5 rejected; best score 0.6900 (lower is better).\n"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "- r004 ACCEPTED: score 0.8500 -> 0.7000 (-0.1500); hourly_jsd_mean -0.0150\n"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "- r003 REJECTED x2: score 0.8500 -> 0.9500 (+0.1000); hourly_jsd_mean +0.0100\n"
        ),
        "{text}"
    );
    assert!(text.contains("  change: intervention b\n"), "{text}");
    assert!(
        text.contains("Dead ends (tried repeatedly, never accepted):\n- night home (2 attempts)\n"),
        "{text}"
    );
    // In the details each shown trial appears once; r2 (merged into r3) and r7 (not
    // selected) do not.
    let details = ctx.details_text();
    for r in ["r001", "r003", "r004", "r006", "r008"] {
        assert_eq!(details.matches(r).count(), 1, "{r} in\n{details}");
    }
    assert!(!details.contains("r002") && !details.contains("r005") && !details.contains("r007"));
    assert!(text.lines().all(|l| l.chars().count() <= 100), "{text}");
    // Every trial has its line, whatever the details show.
    let lines = ctx.lines_text();
    for r in 1..=8 {
        assert_eq!(lines.matches(&format!("- r{r:03} ")).count(), 1, "r{r} in\n{lines}");
    }
    assert_eq!(ctx.every_trial.len(), 8);
}
