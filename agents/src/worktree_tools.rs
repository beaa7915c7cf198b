//! The tools the tool-calling agent offers the model over the [`Workbench`], their JSON schemas,
//! and their execution. Bad arguments never crash: every problem becomes an error text sent back
//! to the model as the tool result.

use serde_json::{json, Value};

use crate::contract::Workbench;

/// Bytes of a file returned by `read_file`.
pub const READ_FILE_BUDGET: usize = 40_000;
/// Search hits returned by `search`.
pub const SEARCH_HITS_MAX: usize = 200;
/// Bytes of compiler errors returned by `check_build`.
pub const BUILD_ERRORS_BUDGET: usize = 6_000;

/// The `tools` array of a chat-completion request.
pub fn tool_definitions() -> Value {
    fn tool(name: &str, description: &str, properties: Value, required: &[&str]) -> Value {
        json!({
            "type": "function",
            "function": {
                "name": name,
                "description": description,
                "parameters": {
                    "type": "object",
                    "properties": properties,
                    "required": required,
                    "additionalProperties": false,
                }
            }
        })
    }
    let s = json!({"type": "string"});
    json!([
        tool(
            "list_files",
            "List the files you may read or edit (paths relative to the repository root).",
            json!({}),
            &[]
        ),
        tool("read_file", "Read a file.", json!({"path": s}), &["path"]),
        tool(
            "search",
            "Find a fixed string in the readable files; returns path:line:text lines.",
            json!({"pattern": s}),
            &["pattern"]
        ),
        tool(
            "apply_edit",
            "Replace the exact text `old` (which must occur exactly once in the file) by `new`.",
            json!({"path": s, "old": s, "new": s}),
            &["path", "old", "new"],
        ),
        tool(
            "write_file",
            "Replace a whole file's content.",
            json!({"path": s, "content": s}),
            &["path", "content"]
        ),
        tool(
            "apply_diff",
            "Apply a unified diff (paths relative to the repository root).",
            json!({"diff": s}),
            &["diff"]
        ),
        tool(
            "check_build",
            "Compile the candidate; returns ok or the compiler errors.",
            json!({}),
            &[]
        ),
        tool(
            "preview",
            "Compare the change now in the worktree with the current generator on the public seeds: mean Score difference, its standard error, and every diagnostic's change.",
            json!({}),
            &[]
        ),
        tool(
            "submit",
            "Submit the change now in the worktree. It must build.",
            json!({"target": s, "hypothesis": s, "rationale": s}),
            &["target", "hypothesis", "rationale"],
        ),
    ])
}

/// A tool call as the model sent it, sanitised.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    /// The raw `arguments` text.
    pub arguments: String,
}

/// What a tool call asks for, once its arguments are read.
#[derive(Debug, Clone, PartialEq)]
pub enum ToolRequest {
    ListFiles,
    ReadFile {
        path: String,
    },
    Search {
        pattern: String,
    },
    ApplyEdit {
        path: String,
        old: String,
        new: String,
    },
    WriteFile {
        path: String,
        content: String,
    },
    ApplyDiff {
        diff: String,
    },
    CheckBuild,
    Preview,
    Submit {
        target: String,
        hypothesis: String,
        rationale: String,
    },
}

impl ToolRequest {
    /// Whether the call may change the worktree.
    pub fn edits(&self) -> bool {
        matches!(
            self,
            ToolRequest::ApplyEdit { .. }
                | ToolRequest::WriteFile { .. }
                | ToolRequest::ApplyDiff { .. }
        )
    }
}

/// Reads a tool call's arguments; `Err` is the sentence to send back.
pub fn parse_tool_call(call: &ToolCall) -> Result<ToolRequest, String> {
    const NAMES: &str =
        "list_files, read_file, search, apply_edit, write_file, apply_diff, check_build, preview, submit";
    let args: Value = if call.arguments.trim().is_empty() {
        json!({})
    } else {
        serde_json::from_str(&call.arguments).map_err(|e| {
            format!(
                "error: the arguments of `{}` are not valid JSON ({e}); send a JSON object",
                call.name
            )
        })?
    };
    let Some(obj) = args.as_object() else {
        return Err(format!(
            "error: the arguments of `{}` must be a JSON object",
            call.name
        ));
    };
    let field = |key: &str| -> Result<String, String> {
        match obj.get(key) {
            Some(Value::String(s)) => Ok(s.clone()),
            Some(_) => Err(format!("error: `{}` needs `{key}` as a string", call.name)),
            None => Err(format!(
                "error: `{}` is missing the argument `{key}`",
                call.name
            )),
        }
    };
    Ok(match call.name.as_str() {
        "list_files" => ToolRequest::ListFiles,
        "read_file" => ToolRequest::ReadFile {
            path: field("path")?,
        },
        "search" => ToolRequest::Search {
            pattern: field("pattern")?,
        },
        "apply_edit" => ToolRequest::ApplyEdit {
            path: field("path")?,
            old: field("old")?,
            new: field("new")?,
        },
        "write_file" => ToolRequest::WriteFile {
            path: field("path")?,
            content: field("content")?,
        },
        "apply_diff" => ToolRequest::ApplyDiff {
            diff: field("diff")?,
        },
        "check_build" => ToolRequest::CheckBuild,
        "preview" => ToolRequest::Preview,
        "submit" => ToolRequest::Submit {
            target: field("target")?,
            hypothesis: field("hypothesis")?,
            rationale: field("rationale")?,
        },
        other => {
            let shown: String = other.chars().take(80).collect();
            return Err(format!(
                "error: unknown tool `{shown}`; the tools are {NAMES}"
            ));
        }
    })
}

/// Runs every tool except `check_build`, `preview` and `submit` (the agent loop handles those); returns the
/// tool result text.
pub fn run_simple_tool(request: &ToolRequest, bench: &dyn Workbench) -> String {
    match request {
        ToolRequest::ListFiles => {
            let files = bench.list_files();
            if files.is_empty() {
                "(no files)".to_string()
            } else {
                prompts::truncate(&files.join("\n"), READ_FILE_BUDGET)
            }
        }
        ToolRequest::ReadFile { path } => match bench.read_file(path) {
            Ok(text) => prompts::truncate(&text, READ_FILE_BUDGET),
            Err(e) => format!("error: {e}"),
        },
        ToolRequest::Search { pattern } => {
            if pattern.is_empty() {
                return "error: `search` needs a non-empty pattern".to_string();
            }
            let hits = bench.search(pattern);
            if hits.is_empty() {
                return format!("no match for {pattern:?}");
            }
            let mut out = String::new();
            for hit in hits.iter().take(SEARCH_HITS_MAX) {
                let text: String = hit.text.chars().take(200).collect();
                out.push_str(&format!("{}:{}:{}\n", hit.path, hit.line, text));
            }
            if hits.len() > SEARCH_HITS_MAX {
                out.push_str(&format!("[… {} more hits]\n", hits.len() - SEARCH_HITS_MAX));
            }
            out
        }
        ToolRequest::ApplyEdit { path, old, new } => apply_edit(bench, path, old, new),
        ToolRequest::WriteFile { path, content } => match bench.write_file(path, content) {
            Ok(()) => format!("ok: wrote {path} ({} bytes)", content.len()),
            Err(e) => format!("error: {e}"),
        },
        ToolRequest::ApplyDiff { diff } => match bench.apply_diff(diff) {
            Ok(()) => "ok: the diff applied".to_string(),
            Err(e) => format!("error: the diff did not apply: {e}"),
        },
        ToolRequest::CheckBuild | ToolRequest::Preview | ToolRequest::Submit { .. } => {
            "error: internal: handled by the agent loop".to_string()
        }
    }
}

/// Exact, unique match replace.
fn apply_edit(bench: &dyn Workbench, path: &str, old: &str, new: &str) -> String {
    if old.is_empty() {
        return "error: `old` is empty; give the exact text to replace (use write_file to create a file)"
            .to_string();
    }
    let text = match bench.read_file(path) {
        Ok(t) => t,
        Err(e) => return format!("error: {e}"),
    };
    match text.matches(old).count() {
        0 => format!(
            "error: `old` was not found in {path}; copy it exactly (whitespace included) from read_file"
        ),
        1 => {
            let edited = text.replacen(old, new, 1);
            match bench.write_file(path, &edited) {
                Ok(()) => format!("ok: edited {path}"),
                Err(e) => format!("error: {e}"),
            }
        }
        n => format!("error: `old` occurs {n} times in {path}; include more surrounding lines so it is unique"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(name: &str, args: &str) -> ToolCall {
        ToolCall {
            id: "c".into(),
            name: name.into(),
            arguments: args.into(),
        }
    }

    #[test]
    fn bad_arguments_become_sentences() {
        assert!(parse_tool_call(&call("read_file", "{not json"))
            .unwrap_err()
            .contains("not valid JSON"));
        assert!(parse_tool_call(&call("read_file", "{}"))
            .unwrap_err()
            .contains("missing the argument `path`"));
        assert!(parse_tool_call(&call("read_file", r#"{"path": 3}"#))
            .unwrap_err()
            .contains("as a string"));
        assert!(parse_tool_call(&call("read_file", "[1]"))
            .unwrap_err()
            .contains("JSON object"));
        assert!(parse_tool_call(&call("rm_rf", "{}"))
            .unwrap_err()
            .contains("unknown tool `rm_rf`"));
        assert_eq!(
            parse_tool_call(&call("list_files", "")).unwrap(),
            ToolRequest::ListFiles
        );
        assert_eq!(
            parse_tool_call(&call("apply_edit", r#"{"path":"a","old":"b","new":"c"}"#)).unwrap(),
            ToolRequest::ApplyEdit {
                path: "a".into(),
                old: "b".into(),
                new: "c".into()
            }
        );
        let defs = tool_definitions();
        assert_eq!(defs.as_array().unwrap().len(), 8);
    }
}
