//! Reading a plain-mode reply: TARGET / HYPOTHESIS / RATIONALE lines and one unified diff in a
//! fenced block. Robust to markdown decoration, CRLF, several diff blocks, a missing fence,
//! truncated and huge replies: every problem is an `Err` sentence for the repair prompt.

/// Replies longer than this are refused unread.
pub const MAX_REPLY_BYTES: usize = 1 << 20;

/// A parsed plain-mode reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffReply {
    pub target: String,
    pub hypothesis: String,
    pub rationale: String,
    /// The unified diff, ending with a newline.
    pub diff: String,
}

pub const UNSPECIFIED: &str = "unspecified";

/// Parses a reply; `truncated` is true when the server stopped it at its length limit.
pub fn parse_diff_reply(text: &str, truncated: bool) -> Result<DiffReply, String> {
    if text.len() > MAX_REPLY_BYTES {
        return Err(format!(
            "the reply is {} bytes, more than the {MAX_REPLY_BYTES} accepted; send only the three lines and one diff",
            text.len()
        ));
    }
    if text.trim().is_empty() {
        return Err("the reply is empty".to_string());
    }
    let text = text.replace("\r\n", "\n");
    let blocks = fenced_blocks(&text);
    let mut diff = String::new();
    let mut unclosed = false;
    for block in &blocks {
        let info = block.info.to_ascii_lowercase();
        if info == "diff" || info == "patch" || info == "udiff" || looks_like_diff(&block.body) {
            if !block.closed {
                unclosed = true;
            }
            diff.push_str(&block.body);
            if !diff.ends_with('\n') {
                diff.push('\n');
            }
        }
    }
    if diff.is_empty() && blocks.is_empty() {
        // No fence at all: accept a bare diff starting at its first header.
        if let Some(start) = bare_diff_start(&text) {
            diff = text[start..].to_string();
            if !diff.ends_with('\n') {
                diff.push('\n');
            }
        }
    }
    if unclosed || (diff.is_empty() && truncated) {
        return Err(
            "the reply was cut off before the ```diff block was closed; send a shorter, complete diff"
                .to_string(),
        );
    }
    if diff.trim().is_empty() {
        return Err("the reply has no ```diff block".to_string());
    }
    if !looks_like_diff(&diff) {
        return Err(
            "the diff block is not a unified diff: it needs `--- a/<path>`, `+++ b/<path>` and `@@` hunk headers"
                .to_string(),
        );
    }
    let prose = prose_outside_blocks(&text);
    Ok(DiffReply {
        target: field(&prose, "TARGET").unwrap_or_else(|| UNSPECIFIED.to_string()),
        hypothesis: field(&prose, "HYPOTHESIS").unwrap_or_else(|| UNSPECIFIED.to_string()),
        rationale: field(&prose, "RATIONALE").unwrap_or_else(|| UNSPECIFIED.to_string()),
        diff,
    })
}

struct Block {
    info: String,
    body: String,
    closed: bool,
}

/// A fence line: at least three backticks or tildes at the start of the line.
fn fence(line: &str) -> Option<(char, usize, &str)> {
    let c = line.chars().next()?;
    if c != '`' && c != '~' {
        return None;
    }
    let n = line.chars().take_while(|&x| x == c).count();
    (n >= 3).then(|| (c, n, line[n..].trim()))
}

fn fenced_blocks(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut lines = text.split_inclusive('\n');
    while let Some(line) = lines.next() {
        let Some((c, n, info)) = fence(line.trim_end()) else {
            continue;
        };
        let mut block = Block {
            info: info.split_whitespace().next().unwrap_or("").to_string(),
            body: String::new(),
            closed: false,
        };
        for inner in lines.by_ref() {
            if let Some((c2, n2, rest)) = fence(inner.trim_end()) {
                if c2 == c && n2 >= n && rest.is_empty() {
                    block.closed = true;
                    break;
                }
            }
            block.body.push_str(inner);
        }
        blocks.push(block);
    }
    blocks
}

fn prose_outside_blocks(text: &str) -> String {
    let mut out = String::new();
    let mut open: Option<(char, usize)> = None;
    for line in text.split_inclusive('\n') {
        match (open, fence(line.trim_end())) {
            (None, Some((c, n, _))) => open = Some((c, n)),
            (Some((c, n)), Some((c2, n2, rest))) if c == c2 && n2 >= n && rest.is_empty() => {
                open = None
            }
            (None, None) => out.push_str(line),
            _ => {}
        }
    }
    out
}

fn looks_like_diff(text: &str) -> bool {
    let has = |prefix: &str| text.lines().any(|l| l.starts_with(prefix));
    has("--- ") && has("+++ ") && has("@@")
}

fn bare_diff_start(text: &str) -> Option<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if line.starts_with("diff --git ") || line.starts_with("--- ") {
            return looks_like_diff(&text[offset..]).then_some(offset);
        }
        offset += line.len();
    }
    None
}

/// The value of `NAME: value` (markdown decoration allowed), continued on the following lines
/// until the next field or a blank line.
fn field(prose: &str, name: &str) -> Option<String> {
    let names = ["TARGET", "HYPOTHESIS", "RATIONALE"];
    let mut value: Option<String> = None;
    for line in prose.lines() {
        if line.starts_with("--- ") || line.starts_with("diff --git ") || line.starts_with("@@") {
            break;
        }
        let plain = line
            .trim()
            .trim_start_matches(['*', '#', '-', '_', ' ', '>']);
        let key_of = |l: &str| -> Option<(String, String)> {
            let (k, v) = l.split_once(':')?;
            let k = k
                .trim()
                .trim_end_matches(['*', '_'])
                .trim()
                .to_ascii_uppercase();
            names.contains(&k.as_str()).then(|| {
                (
                    k,
                    v.trim().trim_start_matches(['*', '_']).trim().to_string(),
                )
            })
        };
        match (key_of(plain), value.as_mut()) {
            (Some((k, v)), None) if k == name => value = Some(v),
            (Some(_), Some(_)) => break,
            (None, Some(v)) => {
                if line.trim().is_empty() {
                    if !v.is_empty() {
                        break;
                    }
                } else {
                    if !v.is_empty() {
                        v.push(' ');
                    }
                    v.push_str(line.trim());
                }
            }
            _ => {}
        }
    }
    let v = value?;
    let v: String = v.chars().take(4_000).collect();
    (!v.is_empty()).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIFF: &str = "--- a/heuristics/src/params.rs\n+++ b/heuristics/src/params.rs\n@@ -1,1 +1,1 @@\n-pub const K: usize = 5;\n+pub const K: usize = 7;\n";

    #[test]
    fn reads_fields_with_markdown_and_the_diff() {
        let reply = format!(
            "**TARGET:** work starts too late\nHYPOTHESIS: K too small\nRATIONALE: more neighbours\nsmooth timing.\n\n```diff\n{DIFF}```\nthanks"
        );
        let r = parse_diff_reply(&reply, false).unwrap();
        assert_eq!(r.target, "work starts too late");
        assert_eq!(r.hypothesis, "K too small");
        assert_eq!(r.rationale, "more neighbours smooth timing.");
        assert_eq!(r.diff, DIFF);
        let crlf = reply.replace('\n', "\r\n");
        assert_eq!(parse_diff_reply(&crlf, false).unwrap().diff, DIFF);
    }

    #[test]
    fn refuses_truncated_missing_and_malformed_diffs() {
        let cut = format!("TARGET: x\n```diff\n{}", &DIFF[..60]);
        assert!(parse_diff_reply(&cut, true)
            .unwrap_err()
            .contains("cut off"));
        assert!(parse_diff_reply("TARGET: x\nno diff here", false)
            .unwrap_err()
            .contains("no ```diff"));
        assert!(parse_diff_reply("```diff\n+ just a plus\n```\n", false)
            .unwrap_err()
            .contains("not a unified diff"));
        assert!(parse_diff_reply("", false).is_err());
        let huge = "x".repeat(MAX_REPLY_BYTES + 1);
        assert!(parse_diff_reply(&huge, false)
            .unwrap_err()
            .contains("bytes"));
        let garbage: String = (0..5000u32).filter_map(char::from_u32).collect();
        assert!(parse_diff_reply(&garbage, false).is_err());
    }

    #[test]
    fn accepts_a_bare_diff_and_several_blocks() {
        let r = parse_diff_reply(&format!("TARGET: t\n{DIFF}"), false).unwrap();
        assert_eq!(r.diff, DIFF);
        assert_eq!(r.hypothesis, UNSPECIFIED);
        let two = format!("```diff\n{DIFF}```\n\n```patch\n{DIFF}```\n");
        assert_eq!(
            parse_diff_reply(&two, false).unwrap().diff,
            format!("{DIFF}{DIFF}")
        );
    }
}
