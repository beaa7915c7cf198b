use super::*;

fn round_input(code_files: usize, trials: usize) -> RoundInput {
    RoundInput {
        round: 3,
        benchmark: "atus-2014".into(),
        task: "activity".into(),
        parent_commit: "abc123".into(),
        parent_score: 1.2345,
        best: "1.2000, accepted in round 2".into(),
        rule: "accept iff the improvement is significant".into(),
        attribution: "top: pair_jsd 0.1\n".repeat(200),
        memory_lines: std::iter::once("Evolution memory: header\nEvery trial:\n".to_string())
            .chain((1..=trials).map(|r| format!("- r{r:03} not better: NEIGHBOURS_K 10 → {r}\n")))
            .collect(),
        memory_details: (1..=trials)
            .map(|r| format!("- r{r:03} REJECTED: lesson {}\n", "x".repeat(300)))
            .collect(),
        files: vec![
            "heuristics/src/params.rs".into(),
            "heuristics/src/lib.rs".into(),
        ],
        code: (0..code_files)
            .map(|i| {
                (
                    format!("heuristics/src/file{i}.rs"),
                    format!("// file {i}\n{}", "let x = 1;\n".repeat(400)),
                )
            })
            .collect(),
        preview: "write a file".into(),
        mode: ReturnMode::Diff,
    }
}

fn fences_balanced(text: &str) -> bool {
    text.lines().filter(|l| l.starts_with("```")).count() % 2 == 0
}

#[test]
fn fills_every_placeholder_of_the_builtin_templates() {
    let t = Templates::builtin();
    let p = t.round(&round_input(1, 2), 1_000_000).unwrap();
    assert!(!p.text.contains("{{"), "unfilled placeholder in {}", p.text);
    assert!(p.text.contains("Round 3 on benchmark atus-2014"));
    assert!(p.text.contains("1.2345") && p.text.contains("accepted in round 2"));
    assert!(p.text.contains("Nothing was left out"));
    assert!(p.cuts.is_empty());
    let s = t
        .system(&SystemInput {
            location_task: true,
            scope_rules: "- only heuristics/src".into(),
            rule: "the rule in words".into(),
        })
        .unwrap();
    assert!(s.contains("home zone") && s.contains("the rule in words") && !s.contains("{{"));
}

#[test]
fn whole_files_then_whole_lessons_are_left_out_and_said_so() {
    let t = Templates::builtin();
    let input = round_input(6, 30);
    let full = t.round(&input, 1_000_000).unwrap().text.len();
    let budget = full - 12_000;
    let p = t.round(&input, budget).unwrap();
    assert!(p.text.len() <= budget, "{} > {budget}", p.text.len());
    assert!(fences_balanced(&p.text));
    assert!(p
        .text
        .contains("leaves out: the full text of heuristics/src/file"));
    // Files are left out whole, from the end: the first is whole, the last absent.
    assert!(p
        .text
        .contains(&format!("// file 0\n{}", "let x = 1;\n".repeat(400))));
    assert!(!p.text.contains("// file 5"));
    // Every trial line is there, and the instructions are last and whole.
    for r in 1..=30 {
        assert!(p.text.contains(&format!("- r{r:03} not better")), "r{r}");
    }
    let instructions = t.text("return_diff").trim_end().to_string();
    assert!(p.text.trim_end().ends_with(&instructions));
    // A smaller budget drops every file, then lessons.
    let small = t.round(&input, 12_000).unwrap();
    assert!(small.text.len() <= 12_000, "{}", small.text.len());
    assert!(
        small.text.contains("of the 30 full lessons"),
        "{:?}",
        small.cuts
    );
    assert!(fences_balanced(&small.text));
    assert!(small.text.trim_end().ends_with(&instructions));
}

#[test]
fn the_round_50_prompt_with_the_real_sources_keeps_every_trial_and_the_instructions() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../heuristics/src");
    let mut code: Vec<(String, String)> = std::fs::read_dir(&src)
        .unwrap_or_else(|e| panic!("the generator's sources must be at {}: {e}", src.display()))
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "rs"))
        .map(|e| {
            (
                format!("heuristics/src/{}", e.file_name().to_string_lossy()),
                std::fs::read_to_string(e.path()).unwrap(),
            )
        })
        .collect();
    code.sort();
    let total: usize = code.iter().map(|(_, c)| c.len()).sum();
    assert!(total > 40_000, "the real sources are {total} bytes");
    let t = Templates::builtin();
    for mode in [
        ReturnMode::Diff,
        ReturnMode::Tools { max_steps: 40 },
        ReturnMode::Command,
    ] {
        let mut input = round_input(0, 49);
        input.round = 50;
        input.code = code.clone();
        input.files = code.iter().map(|(p, _)| p.clone()).collect();
        input.attribution = "diagnostic row with numbers 0.1234 0.0021 0.4567\n".repeat(120);
        input.mode = mode;
        let p = t.round(&input, 60_000).unwrap();
        assert!(p.text.len() <= 60_000, "{}", p.text.len());
        assert!(fences_balanced(&p.text), "unbalanced fences");
        for r in 1..=49 {
            assert!(
                p.text.contains(&format!("- r{r:03} not better")),
                "trial {r} missing"
            );
        }
        let instructions = match mode {
            ReturnMode::Diff => t.text("return_diff").to_string(),
            ReturnMode::Tools { .. } => t.text("return_tools").replace("{{max_steps}}", "40"),
            ReturnMode::Command => t.text("command").to_string(),
        };
        assert!(
            p.text.trim_end().ends_with(instructions.trim_end()),
            "instructions not last and whole"
        );
        assert!(p.text.contains("heuristics/src/params.rs"));
    }
}
