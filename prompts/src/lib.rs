//! Prompt templates for the coding agents, and their rendering within a size budget.
//!
//! The templates are plain text files in `prompts/templates/` (embedded at compile time,
//! so the binary is self-contained; `Templates::from_dir` reads a user's edited copy).
//! Placeholders are `{{name}}`. A placeholder left unfilled is an error, never silently
//! blank. A round prompt fits its byte budget by leaving out whole files and whole lessons,
//! never by cutting inside a file or a fence, and always ends with its whole instructions
//! (see [`Templates::round`]).

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
                ("rule", input.rule.clone()),
            ],
        )
    }

    /// The round prompt within `budget_bytes`. What must reach the agent is never cut: the
    /// header, the rule, one line per trial and the return instructions, which come last and
    /// whole. To fit, whole code files are left out from the end, then whole lessons, then the
    /// attribution record is shortened at a line boundary, and last the oldest trial lines;
    /// the prompt lists what it left out. Fences stay balanced: no file is cut inside.
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
        let mut shown_code = input.code.len();
        let mut shown_details = input.memory_details.len();
        let mut attribution = input.attribution.clone();
        let mut memory_lines = input.memory_lines.clone();
        let mut cuts: Vec<String> = Vec::new();
        loop {
            let mut omitted: Vec<String> = Vec::new();
            if shown_code < input.code.len() {
                let names: Vec<&str> = input.code[shown_code..]
                    .iter()
                    .map(|(p, _)| p.as_str())
                    .collect();
                omitted.push(format!(
                    "the full text of {} (read them in the worktree or ask for them)",
                    names.join(", ")
                ));
            }
            if shown_details < input.memory_details.len() {
                omitted.push(format!(
                    "{} of the {} full lessons (every trial still has its line above)",
                    input.memory_details.len() - shown_details,
                    input.memory_details.len()
                ));
            }
            omitted.extend(cuts.iter().cloned());
            let omitted_text = if omitted.is_empty() {
                "Nothing was left out of this prompt.".to_string()
            } else {
                format!(
                    "To fit the prompt budget of {budget_bytes} bytes, this prompt leaves out: {}.",
                    omitted.join("; ")
                )
            };
            let details = input.memory_details[..shown_details].join("\n");
            let text = fill(
                "round",
                self.text("round"),
                &[
                    ("round", input.round.to_string()),
                    ("benchmark", input.benchmark.clone()),
                    ("task", input.task.clone()),
                    ("parent_commit", input.parent_commit.clone()),
                    ("parent_score", format!("{:.4}", input.parent_score)),
                    ("best", input.best.clone()),
                    ("rule", input.rule.clone()),
                    ("attribution", attribution.clone()),
                    ("memory_lines", memory_lines.clone()),
                    ("memory_details", details),
                    ("files", input.files.join("\n")),
                    ("code", render_code(&input.code[..shown_code])),
                    ("preview", input.preview.clone()),
                    ("omitted", omitted_text),
                    ("return_instructions", return_instructions.clone()),
                ],
            )?;
            if text.len() <= budget_bytes {
                return Ok(RenderedPrompt { text, cuts: omitted });
            }
            let excess = text.len() - budget_bytes;
            if shown_code > 0 {
                shown_code -= 1;
            } else if shown_details > 0 {
                shown_details -= 1;
            } else if attribution.len() > ATTRIBUTION_KEEP {
                let before = attribution.lines().count();
                attribution = keep_lines(&attribution, attribution.len().saturating_sub(excess + 200).max(ATTRIBUTION_KEEP));
                let after = attribution.lines().count();
                cuts.retain(|c| !c.starts_with("the last"));
                cuts.push(format!("the last {} lines of the attribution record", before - after));
            } else if memory_lines.lines().count() > 3 {
                // The oldest trial lines go (the header line stays).
                let lines: Vec<&str> = memory_lines.lines().collect();
                let drop = (excess / 80).clamp(1, lines.len() - 3);
                let kept: Vec<&str> = lines[..2].iter().chain(&lines[2 + drop..]).copied().collect();
                memory_lines = kept.join("\n") + "\n";
                cuts.push(format!("the {drop} oldest trial lines"));
            } else {
                // Only the fixed parts are left: send them whole, over the budget, rather
                // than cut the instructions.
                cuts.push("nothing else could be left out: the prompt is over its budget".into());
                return Ok(RenderedPrompt { text, cuts });
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
/// The attribution record is never shortened below this many bytes.
const ATTRIBUTION_KEEP: usize = 1_500;

/// The first lines of `text` that fit in `max` bytes.
fn keep_lines(text: &str, max: usize) -> String {
    let mut out = String::new();
    for line in text.lines() {
        if out.len() + line.len() + 1 > max {
            break;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

pub struct SystemInput {
    pub location_task: bool,
    pub scope_rules: String,
    /// The run's acceptance rule in words.
    pub rule: String,
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
    /// The parent's Score as the attribution record gives it (evolution part, public seeds).
    pub parent_score: f64,
    /// The best generator so far, in words (`0.8812, accepted in round 7`).
    pub best: String,
    /// The acceptance rule in words.
    pub rule: String,
    /// Compact text of the attribution record (kept whole when it fits).
    pub attribution: String,
    /// Every trial in one line each: never cut (when even these do not fit, the oldest
    /// lines go first, and the prompt says how many).
    pub memory_lines: String,
    /// The lessons in full, most relevant first: whole entries are left out from the end.
    pub memory_details: Vec<String>,
    /// Every editable file's path, always listed.
    pub files: Vec<String>,
    /// Files shown in full (path, content), most important first: whole files are left out
    /// from the end, never cut inside.
    pub code: Vec<(String, String)>,
    /// How the agent can preview a change (empty when it cannot).
    pub preview: String,
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
mod tests;
