//! The one error type of the loader: where in the source (1-based line and
//! column), what is wrong, and the source line itself so a caller can print
//! `file:line:col` plus the offending line without re-reading the file.

use std::fmt;

/// A YAML document that could not be loaded: a syntax error, a duplicate key,
/// a tag Salt cannot construct, a value that does not fit its tag, or a
/// document past the loader's limits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Error {
    /// 1-based line of the offending token or node.
    pub line: usize,
    /// 1-based column (in characters) of the offending token or node.
    pub col: usize,
    /// What is wrong, without the position (PyYAML's wording where Salt users
    /// know it, e.g. `found conflicting ID 'nginx'`).
    pub message: String,
    /// The source line `line` points into, without its line break.
    pub snippet: String,
}

impl fmt::Display for Error {
    /// `line L, column C: message`, then the source line and a caret under
    /// the column.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.col, self.message
        )?;
        if !self.snippet.is_empty() {
            let pad: String = self
                .snippet
                .chars()
                .take(self.col.saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            write!(f, "\n  {}\n  {pad}^", self.snippet)?;
        }
        Ok(())
    }
}

/// A position in the source: 1-based line and column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub(crate) struct Mark {
    pub(crate) line: usize,
    pub(crate) col: usize,
}

impl Mark {
    /// From a parser marker (1-based line, 0-based column).
    pub(crate) fn from_marker(m: &granit_parser::Marker) -> Mark {
        Mark {
            line: m.line().max(1),
            col: m.col() + 1,
        }
    }
}

/// Builds an [`Error`] at `mark`, taking the snippet from `source`.
pub(crate) fn error_at(source: &str, mark: Mark, message: impl Into<String>) -> Error {
    Error {
        line: mark.line,
        col: mark.col,
        message: message.into(),
        snippet: source_line(source, mark.line),
    }
}

/// Line `line` (1-based) of `source` without its line break; empty past the end.
/// Lines end at `\n`, `\r\n` or a lone `\r`, as the YAML scanner counts them.
fn source_line(source: &str, line: usize) -> String {
    let mut n = 1;
    let mut rest = source;
    while n < line {
        match rest.find(['\n', '\r']) {
            Some(i) => {
                let skip = if rest[i..].starts_with("\r\n") { 2 } else { 1 };
                rest = &rest[i + skip..];
                n += 1;
            }
            None => return String::new(),
        }
    }
    let end = rest.find(['\n', '\r']).unwrap_or(rest.len());
    rest[..end].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_is_the_numbered_line() {
        let src = "a: 1\r\nb: 2\rc: 3\nd: 4";
        assert_eq!(source_line(src, 1), "a: 1");
        assert_eq!(source_line(src, 2), "b: 2");
        assert_eq!(source_line(src, 3), "c: 3");
        assert_eq!(source_line(src, 4), "d: 4");
        assert_eq!(source_line(src, 9), "");
    }

    #[test]
    fn display_points_at_the_column() {
        let e = error_at("a: 1\nb: : 2\n", Mark { line: 2, col: 4 }, "bad");
        assert_eq!(e.to_string(), "line 2, column 4: bad\n  b: : 2\n     ^");
    }
}
