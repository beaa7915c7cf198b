//! Prompt templates for the coding agents, and their rendering within a size budget.
//!
//! The templates are plain text files in `prompts/templates/` (embedded at compile time,
//! so the binary is self-contained; `Templates::from_dir` reads a user's edited copy).
//! Placeholders are `{{name}}`. A placeholder left unfilled is an error, never silently
//! blank, and a rendered round prompt never exceeds its byte budget: the sections that
//! can shrink (memory, code, attribution) are cut in that order, each cut marked.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

/// The template files, by name.
pub const TEMPLATE_NAMES: [&str; 6] = [
    "system",
    "round",
    "return_tools",
    "return_diff",
    "repair",
    "command",
];

/// A set of templates (the built-in ones, or a user's folder).
#[derive(Debug, Clone)]
pub struct Templates {
    texts: BTreeMap<&'static str, String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PromptError {
    MissingTemplate {
        name: String,
        dir: String,
    },
    UnfilledPlaceholder {
        template: String,
        placeholder: String,
    },
}

impl fmt::Display for PromptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PromptError::MissingTemplate { name, dir } => {
                write!(f, "template `{name}.txt` is missing from {dir}")
            }
            PromptError::UnfilledPlaceholder {
                template,
                placeholder,
            } => write!(
                f,
                "template `{template}` uses {{{{{placeholder}}}}} which this prompt does not provide"
            ),
        }
    }
}

impl std::error::Error for PromptError {}

impl Default for Templates {
    fn default() -> Templates {
        Templates::builtin()
    }
}

impl Templates {
    /// The templates shipped in `prompts/templates/`.
    pub fn builtin() -> Templates {
        let texts = BTreeMap::from([
            (
                "system",
                include_str!("../templates/system.txt").to_string(),
            ),
            ("round", include_str!("../templates/round.txt").to_string()),
            (
                "return_tools",
                include_str!("../templates/return_tools.txt").to_string(),
            ),
            (
                "return_diff",
                include_str!("../templates/return_diff.txt").to_string(),
            ),
            (
                "repair",
                include_str!("../templates/repair.txt").to_string(),
            ),
            (
                "command",
                include_str!("../templates/command.txt").to_string(),
            ),
        ]);
        Templates { texts }
    }

    /// Reads `<name>.txt` for every template name from `dir`.
    pub fn from_dir(dir: &Path) -> Result<Templates, PromptError> {
        let mut texts = BTreeMap::new();
        for name in TEMPLATE_NAMES {
            let path = dir.join(format!("{name}.txt"));
            let text =
                std::fs::read_to_string(&path).map_err(|_| PromptError::MissingTemplate {
                    name: name.to_string(),
                    dir: dir.display().to_string(),
                })?;
            texts.insert(name, text);
        }
        Ok(Templates { texts })
    }

    fn text(&self, name: &str) -> &str {
        &self.texts[name]
    }

    /// The system prompt.
    pub fn system(&self, input: &SystemInput) -> Result<String, PromptError> {
        let note = if input.location_task {
            ", plus a zone per slot: Home at the person's home zone, Travel at `T`"
        } else {
            ""
        };
        fill(
            "system",
            self.text("system"),
            &[
                ("location_task_note", note.to_string()),
                ("scope_rules", input.scope_rules.clone()),
                ("noise_floor", format!("{:.4}", input.noise_floor)),
            ],
        )
    }

    /// The round prompt, cut to `budget_bytes`.
    pub fn round(
        &self,
        input: &RoundInput,
        budget_bytes: usize,
    ) -> Result<RenderedPrompt, PromptError> {
        let return_instructions = match input.mode {
            ReturnMode::Tools { max_steps } => fill(
                "return_tools",
                self.text("return_tools"),
                &[("max_steps", max_steps.to_string())],
            )?,
            ReturnMode::Diff => fill("return_diff", self.text("return_diff"), &[])?,
            ReturnMode::Command => fill("command", self.text("command"), &[])?,
        };
        let mut sections = Sections {
            attribution: input.attribution.clone(),
            memory: input.memory.clone(),
            code: render_code(&input.code),
        };
        let mut cuts = Vec::new();
        loop {
            let text = fill(
                "round",
                self.text("round"),
                &[
                    ("round", input.round.to_string()),
                    ("benchmark", input.benchmark.clone()),
                    ("task", input.task.clone()),
                    ("parent_commit", input.parent_commit.clone()),
                    ("parent_score", format!("{:.4}", input.parent_score)),
                    ("noise_floor", format!("{:.4}", input.noise_floor)),
                    ("best_score", format!("{:.4}", input.best_score)),
                    ("best_round", input.best_round.to_string()),
                    ("attribution", sections.attribution.clone()),
                    ("memory", sections.memory.clone()),
                    ("code", sections.code.clone()),
                    ("return_instructions", return_instructions.clone()),
                ],
            )?;
            if text.len() <= budget_bytes {
                return Ok(RenderedPrompt { text, cuts });
            }
            let excess = text.len() - budget_bytes;
            match sections.cut(excess) {
                Some(cut) => cuts.push(cut),
                None => {
                    // Nothing left to cut: hard truncate at a char boundary.
                    let mut end = budget_bytes.saturating_sub(TRUNCATION_MARK.len());
                    while !text.is_char_boundary(end) {
                        end -= 1;
                    }
                    cuts.push("whole prompt truncated".to_string());
                    return Ok(RenderedPrompt {
                        text: format!("{}{TRUNCATION_MARK}", &text[..end]),
                        cuts,
                    });
                }
            }
        }
    }

    /// The repair prompt sent back after an apply or compile failure.
    pub fn repair(&self, input: &RepairInput) -> Result<String, PromptError> {
        fill(
            "repair",
            self.text("repair"),
            &[
                ("kind", input.kind.clone()),
                ("attempt", input.attempt.to_string()),
                ("max_attempts", input.max_attempts.to_string()),
                ("details", truncate(&input.details, REPAIR_DETAILS_BUDGET)),
            ],
        )
    }

    /// The instructions handed to an external command or a person (command and inbox agents).
    pub fn command_instructions(&self) -> Result<String, PromptError> {
        fill("command", self.text("command"), &[])
    }
}

/// Bytes of compiler or apply errors kept in a repair prompt.
pub const REPAIR_DETAILS_BUDGET: usize = 4_000;

const TRUNCATION_MARK: &str = "\n[… cut to fit the prompt budget]\n";

pub struct SystemInput {
    pub location_task: bool,
    pub scope_rules: String,
    pub noise_floor: f64,
}

/// How the agent is asked to return its change.
#[derive(Debug, Clone, Copy)]
pub enum ReturnMode {
    Tools { max_steps: u32 },
    Diff,
    Command,
}

pub struct RoundInput {
    pub round: u32,
    pub benchmark: String,
    pub task: String,
    pub parent_commit: String,
    pub parent_score: f64,
    pub noise_floor: f64,
    pub best_score: f64,
    pub best_round: u32,
    /// Compact text of the attribution record.
    pub attribution: String,
    /// Compact text of the evolution memory.
    pub memory: String,
    /// Editable files (path, content), most important first: cut from the end.
    pub code: Vec<(String, String)>,
    pub mode: ReturnMode,
}

pub struct RepairInput {
    pub kind: String,
    pub details: String,
    pub attempt: u32,
    pub max_attempts: u32,
}

/// A rendered prompt and the cuts made to fit its budget.
#[derive(Debug, Clone)]
pub struct RenderedPrompt {
    pub text: String,
    pub cuts: Vec<String>,
}

struct Sections {
    attribution: String,
    memory: String,
    code: String,
}

impl Sections {
    /// Shrinks one section by at least `excess` bytes (memory first, then code, then the
    /// attribution record, each kept to at least a stub). Returns what was cut.
    fn cut(&mut self, excess: usize) -> Option<String> {
        const KEEP: usize = 400;
        for (name, section) in [
            ("memory", &mut self.memory),
            ("code", &mut self.code),
            ("attribution", &mut self.attribution),
        ] {
            if section.len() > KEEP + TRUNCATION_MARK.len() {
                let target = section
                    .len()
                    .saturating_sub(excess + TRUNCATION_MARK.len())
                    .max(KEEP);
                let before = section.len();
                *section = truncate(section, target);
                return Some(format!("{name}: {before} → {} bytes", section.len()));
            }
        }
        None
    }
}

fn render_code(files: &[(String, String)]) -> String {
    let mut out = String::new();
    for (path, content) in files {
        out.push_str(&format!("### {path}\n```rust\n{content}\n```\n\n"));
    }
    out
}

/// Cuts `text` to at most `max` bytes at a line boundary where possible, marking the cut.
pub fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max.saturating_sub(TRUNCATION_MARK.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let end = text[..end].rfind('\n').unwrap_or(end);
    format!("{}{TRUNCATION_MARK}", &text[..end])
}

/// Replaces every `{{name}}`; a placeholder without a value is an error.
fn fill(template: &str, text: &str, values: &[(&str, String)]) -> Result<String, PromptError> {
    let mut out = String::with_capacity(text.len() + 1024);
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let name = after[..end].trim();
        let value = values.iter().find(|(k, _)| *k == name).ok_or_else(|| {
            PromptError::UnfilledPlaceholder {
                template: template.to_string(),
                placeholder: name.to_string(),
            }
        })?;
        out.push_str(&value.1);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_input(code_bytes: usize) -> RoundInput {
        RoundInput {
            round: 3,
            benchmark: "atus-2014".into(),
            task: "activity".into(),
            parent_commit: "abc123".into(),
            parent_score: 1.2345,
            noise_floor: 0.004,
            best_score: 1.2,
            best_round: 2,
            attribution: "top: pair_jsd 0.1\n".repeat(20),
            memory: "round 1 rejected: raised K\n".repeat(200),
            code: vec![(
                "heuristics/src/params.rs".into(),
                "x\n".repeat(code_bytes / 2),
            )],
            mode: ReturnMode::Diff,
        }
    }

    #[test]
    fn fills_every_placeholder_of_the_builtin_templates() {
        let t = Templates::builtin();
        let p = t.round(&round_input(100), 1_000_000).unwrap();
        assert!(!p.text.contains("{{"), "unfilled placeholder in {}", p.text);
        assert!(p.text.contains("Round 3 on benchmark atus-2014"));
        assert!(p.text.contains("1.2345"));
        assert!(p.cuts.is_empty());
        let s = t
            .system(&SystemInput {
                location_task: true,
                scope_rules: "- only heuristics/src".into(),
                noise_floor: 0.01,
            })
            .unwrap();
        assert!(s.contains("home zone") && s.contains("0.0100") && !s.contains("{{"));
    }

    #[test]
    fn stays_within_budget_cutting_memory_first() {
        let t = Templates::builtin();
        let full = t.round(&round_input(4000), 1_000_000).unwrap().text.len();
        let budget = full - 3000;
        let p = t.round(&round_input(4000), budget).unwrap();
        assert!(p.text.len() <= budget, "{} > {budget}", p.text.len());
        assert!(p.cuts[0].starts_with("memory"), "{:?}", p.cuts);
        assert!(p.text.contains("cut to fit"));
        // The code survived whole because cutting memory was enough.
        assert!(p.text.contains(&"x\n".repeat(2000)));
        // A tiny budget is still respected.
        let tiny = t.round(&round_input(4000), 1500).unwrap();
        assert!(tiny.text.len() <= 1500);
    }

    #[test]
    fn unfilled_placeholder_is_an_error() {
        let err = fill("t", "a {{b}} c", &[]).unwrap_err();
        assert_eq!(
            err,
            PromptError::UnfilledPlaceholder {
                template: "t".into(),
                placeholder: "b".into()
            }
        );
        assert_eq!(
            fill("t", "a {{ b }} c", &[("b", "X".into())]).unwrap(),
            "a X c"
        );
    }

    #[test]
    fn repair_prompt_carries_trimmed_details() {
        let t = Templates::builtin();
        let r = t
            .repair(&RepairInput {
                kind: "compile error".into(),
                details: "error[E0308]: mismatched types\n".repeat(1000),
                attempt: 1,
                max_attempts: 3,
            })
            .unwrap();
        assert!(r.contains("compile error") && r.contains("attempt 1 of 3"));
        assert!(r.len() < REPAIR_DETAILS_BUDGET + 1000);
    }

    #[test]
    fn templates_from_a_folder_must_be_complete() {
        let dir = std::env::temp_dir().join(format!("prompts-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("system.txt"), "x").unwrap();
        let err = Templates::from_dir(&dir).unwrap_err();
        assert!(matches!(err, PromptError::MissingTemplate { ref name, .. } if name == "round"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
