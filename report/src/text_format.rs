//! Formatting and escaping shared by the renderers: HTML and Markdown escaping of run text
//! (hypotheses are LLM output), scores, durations, commits and diff statistics.

/// `text` safe inside HTML element content and attribute values.
pub fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// `text` as inline Markdown: whitespace runs collapsed to single spaces (so it fits a
/// table cell; a leading or trailing space is kept as one space), HTML characters escaped as entities (renderers pass raw HTML through), and the
/// characters Markdown gives meaning inline backslash-escaped.
pub fn markdown_inline(text: &str) -> String {
    let mut flat = collapse_whitespace(text);
    if text.ends_with(char::is_whitespace) && !flat.is_empty() {
        flat.push(' ');
    }
    if text.starts_with(char::is_whitespace) {
        flat.insert(0, ' ');
    }
    let chars: Vec<char> = flat.chars().collect();
    let mut out = String::with_capacity(flat.len());
    for (i, &c) in chars.iter().enumerate() {
        let word = |j: Option<usize>| {
            j.and_then(|j| chars.get(j))
                .is_some_and(|c| c.is_alphanumeric())
        };
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            // An underscore inside a word (`parent_rollout`) never emphasises.
            '_' if word(i.checked_sub(1)) && word(Some(i + 1)) => out.push(c),
            '|' | '\\' | '`' | '*' | '_' | '[' | ']' => {
                out.push('\\');
                out.push(c);
            }
            // `#` only makes a heading at the start of a line.
            '#' if i == 0 => out.push_str("\\#"),
            _ => out.push(c),
        }
    }
    out
}

/// `text` as a Markdown code span (whitespace collapsed, backticks and pipes replaced so
/// the span cannot be broken out of).
pub fn markdown_code(text: &str) -> String {
    let flat = collapse_whitespace(text)
        .replace('`', "'")
        .replace('|', "¦");
    format!("`{flat}`")
}

/// Runs of whitespace (newlines included) replaced by one space, ends trimmed.
pub fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// At most `max` characters of `text`, with `…` when cut.
pub fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// A score with four decimals (`–` for none).
pub fn score(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_string(), |v| format!("{v:.4}"))
}

/// A signed difference with four decimals, e.g. `-0.0123`.
pub fn delta(value: f64) -> String {
    format!("{value:+.4}")
}

/// A duration in seconds, readable: `850 ms`, `12.3 s`, `4 min 05 s`, `2 h 07 min`.
pub fn duration(secs: f64) -> String {
    if !secs.is_finite() || secs < 0.0 {
        return "–".to_string();
    }
    if secs < 1.0 {
        return format!("{:.0} ms", secs * 1000.0);
    }
    if secs < 60.0 {
        return format!("{secs:.1} s");
    }
    let whole = secs.round() as u64;
    if whole < 3600 {
        return format!("{} min {:02} s", whole / 60, whole % 60);
    }
    format!("{} h {:02} min", whole / 3600, whole % 3600 / 60)
}

/// The first 10 characters of a commit (the whole string when shorter).
pub fn short_commit(commit: &str) -> String {
    commit.chars().take(10).collect()
}

/// Lines added and removed by a unified diff (file headers not counted).
pub fn diff_stat(diff: &str) -> (u32, u32) {
    let mut added = 0;
    let mut removed = 0;
    for line in diff.lines() {
        if line.starts_with("+++") || line.starts_with("---") {
            continue;
        }
        if line.starts_with('+') {
            added += 1;
        } else if line.starts_with('-') {
            removed += 1;
        }
    }
    (added, removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_html_and_markdown() {
        assert_eq!(
            html_escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(
            markdown_inline("a | b\n\n<script>*x*</script>"),
            r"a \| b &lt;script&gt;\*x\*&lt;/script&gt;"
        );
        assert_eq!(markdown_code("a`b|c\nd"), "`a'b¦c d`");
        assert_eq!(markdown_inline(" a\n b  "), " a b ");
        assert_eq!(markdown_inline("\n\n"), " ");
        assert_eq!(
            markdown_inline("parent_rollout _x_ #1"),
            r"parent_rollout \_x\_ #1"
        );
        assert_eq!(markdown_inline("# no heading"), r"\# no heading");
    }

    #[test]
    fn formats_durations_and_diffs() {
        assert_eq!(duration(0.25), "250 ms");
        assert_eq!(duration(12.34), "12.3 s");
        assert_eq!(duration(245.0), "4 min 05 s");
        assert_eq!(duration(7620.0), "2 h 07 min");
        assert_eq!(
            diff_stat("--- a/x\n+++ b/x\n@@ -1,2 +1,3 @@\n ctx\n-old\n+new\n+more\n"),
            (2, 1)
        );
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(clip("abc", 4), "abc");
    }
}
