//! [`RenderError`]: what went wrong in a render, where, and the text around
//! it, shown the way Salt shows it (`...; line 3` and the context lines with
//! a `<======` marker) plus the file and column.

use std::fmt;

/// Salt's marker after the offending line in an error's context block.
pub const MARKER: &str = "    <======================";

/// Which stage of the pipeline failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The `#!` line names a renderer salt-rs does not have.
    Shebang,
    /// Jinja: syntax error, undefined variable, failing filter or call.
    Jinja,
    /// YAML of the rendered text (lines refer to the rendered text).
    Yaml,
    /// JSON of the rendered text.
    Json,
}

/// A render error with its location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderError {
    /// The stage that failed.
    pub stage: Stage,
    /// The template the error is in, relative to the saltenv root when
    /// known (`nested/map.jinja` for an error inside an imported file).
    pub file: String,
    /// The SLS being rendered, if any.
    pub sls: Option<String>,
    /// 1-based line in `file` (for YAML errors: in the rendered text).
    pub line: Option<usize>,
    /// 1-based column, where known.
    pub col: Option<usize>,
    /// What went wrong, in Salt's words where Salt has them
    /// (`Jinja variable 'x' is undefined`).
    pub message: String,
    /// The offending line.
    pub snippet: Option<String>,
    /// Up to five lines either side of the offending line, the offending
    /// one marked, between `---` lines: Salt's context block.
    pub context: Option<String>,
}

impl std::error::Error for RenderError {}

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(line) = self.line {
            write!(f, "; line {line} ({}:{line}", self.file)?;
            if let Some(col) = self.col {
                write!(f, ":{col}")?;
            }
            f.write_str(")")?;
        } else if !self.file.is_empty() {
            write!(f, " ({})", self.file)?;
        }
        if let Some(ctx) = &self.context {
            write!(f, "\n\n{ctx}")?;
        }
        Ok(())
    }
}

impl RenderError {
    /// An error at a location in `source`, with snippet and context filled in.
    pub fn at(
        stage: Stage,
        file: &str,
        source: Option<&str>,
        line: Option<usize>,
        col: Option<usize>,
        message: impl Into<String>,
    ) -> RenderError {
        let (snippet, context) = match (source, line) {
            (Some(src), Some(l)) => (
                src.lines().nth(l.saturating_sub(1)).map(str::to_owned),
                context_block(src, l),
            ),
            _ => (None, None),
        };
        RenderError {
            stage,
            file: file.to_owned(),
            sls: None,
            line,
            col,
            message: message.into(),
            snippet,
            context,
        }
    }

    /// The same error, naming the SLS being rendered.
    pub fn with_sls(mut self, sls: Option<&str>) -> RenderError {
        self.sls = sls.map(str::to_owned);
        self
    }
}

/// The line where the `{% ... %}` or `{{ ... }}` tag around `line` starts
/// (`line` itself when it is not inside a multi-line tag). Jinja2, and so
/// Salt, reports a failing call at the line of its statement; minijinja,
/// when it has no span for the call, at the line of its last argument.
pub fn tag_start_line(source: &str, line: usize) -> usize {
    let mut line_start = 0;
    for _ in 1..line {
        match source[line_start..].find('\n') {
            Some(i) => line_start += i + 1,
            None => return line,
        }
    }
    let before = &source[..line_start];
    let open = ["{%", "{{"].iter().filter_map(|t| before.rfind(t)).max();
    let close = ["%}", "}}"].iter().filter_map(|t| before.rfind(t)).max();
    match (open, close) {
        (Some(o), c) if c.is_none_or(|c| c < o) => before[..o].matches('\n').count() + 1,
        _ => line,
    }
}

/// Salt's context block: five lines either side of `line`, `[...]` where
/// lines were left out, the offending line marked. A line past the end
/// (Salt's sanity check) gives the whole text.
pub fn context_block(source: &str, line: usize) -> Option<String> {
    let lines: Vec<&str> = source.lines().collect();
    if line == 0 {
        return None;
    }
    if line > lines.len() {
        return Some(format!("---\n{}\n---", source));
    }
    let start = line.saturating_sub(6);
    let end = (line + 5).min(lines.len());
    let mut buf: Vec<String> = Vec::new();
    if start > 0 {
        buf.push("[...]".into());
    }
    for (i, l) in lines[start..end].iter().enumerate() {
        let mut s = (*l).to_owned();
        if start + i + 1 == line {
            s.push_str(MARKER);
        }
        buf.push(s);
    }
    if end < lines.len() {
        buf.push("[...]".into());
    }
    Some(format!("---\n{}\n---", buf.join("\n")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_like_salt() {
        let src: String = (1..=20).map(|i| format!("l{i}\n")).collect();
        let c = context_block(&src, 10).unwrap();
        assert_eq!(
            c,
            format!(
                "---\n[...]\nl5\nl6\nl7\nl8\nl9\nl10{MARKER}\nl11\nl12\nl13\nl14\nl15\n[...]\n---"
            )
        );
        assert_eq!(
            context_block("a\nb\n", 1).unwrap(),
            format!("---\na{MARKER}\nb\n---")
        );
    }

    #[test]
    fn tag_start_of_a_multi_line_statement() {
        let src = "a: 1\n{%- set x = f([\n  1,\n  2\n]) %}\nb: {{ x }}\n";
        assert_eq!(tag_start_line(src, 4), 2);
        assert_eq!(tag_start_line(src, 5), 2);
        // Outside any tag, or on a tag's own first line: unchanged.
        assert_eq!(tag_start_line(src, 1), 1);
        assert_eq!(tag_start_line(src, 2), 2);
        assert_eq!(tag_start_line(src, 6), 6);
    }

    #[test]
    fn display_starts_like_salt() {
        let e = RenderError::at(
            Stage::Jinja,
            "a/b.sls",
            Some("x: {{ y }}\n"),
            Some(1),
            Some(7),
            "Jinja variable 'y' is undefined",
        );
        assert_eq!(
            e.to_string(),
            format!(
                "Jinja variable 'y' is undefined; line 1 (a/b.sls:1:7)\n\n---\nx: {{{{ y }}}}{MARKER}\n---"
            )
        );
    }
}
