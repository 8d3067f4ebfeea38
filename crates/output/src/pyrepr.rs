//! Python 3's `repr()` and `str()` of decoded return data (from
//! [`salt_yaml::pyrepr`], shared with the other crates), plus the few string
//! primitives (`splitlines`, `isspace`, `rstrip`) whose exact Python semantics
//! the txt, raw, pprint and nested outputters depend on.

pub use salt_yaml::pyrepr::{float_repr, is_printable, number_repr, repr, repr_str, str_of};

/// Python `str.isspace()` for one character.
pub fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python `str.rstrip()`.
pub fn rstrip(s: &str) -> &str {
    s.trim_end_matches(is_space)
}

/// Python `str.splitlines()`: splits on `\n`, `\r`, `\r\n`, `\v`, `\f`,
/// `\x1c`-`\x1e`, `\x85`, U+2028 and U+2029; no trailing empty line.
pub fn splitlines(s: &str) -> Vec<&str> {
    splitlines_impl(s, false)
}

/// Python `str.splitlines(keepends=True)`.
pub fn splitlines_keepends(s: &str) -> Vec<&str> {
    splitlines_impl(s, true)
}

fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r'
            | '\u{0b}'
            | '\u{0c}'
            | '\u{1c}'
            | '\u{1d}'
            | '\u{1e}'
            | '\u{85}'
            | '\u{2028}'
            | '\u{2029}'
    )
}

fn splitlines_impl(s: &str, keepends: bool) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut iter = s.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        if !is_line_break(c) {
            continue;
        }
        let mut end = i + c.len_utf8();
        if c == '\r'
            && let Some(&(j, '\n')) = iter.peek()
        {
            end = j + 1;
            iter.next();
        }
        lines.push(if keepends {
            &s[start..end]
        } else {
            &s[start..i]
        });
        start = end;
    }
    if start < s.len() {
        lines.push(&s[start..]);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitlines_matches_python() {
        assert_eq!(splitlines("a\nb\r\nc\rd"), vec!["a", "b", "c", "d"]);
        assert_eq!(splitlines("a\n"), vec!["a"]);
        assert_eq!(splitlines("a\n\nb"), vec!["a", "", "b"]);
        assert_eq!(splitlines(""), Vec::<&str>::new());
        assert_eq!(splitlines("\n"), vec![""]);
        assert_eq!(
            splitlines("x\u{0b}y\u{0c}z\u{85}w\u{2028}v"),
            vec!["x", "y", "z", "w", "v"]
        );
        assert_eq!(splitlines_keepends("a\r\nb\n"), vec!["a\r\n", "b\n"]);
        assert_eq!(splitlines_keepends("a"), vec!["a"]);
    }

    #[test]
    fn rstrip_uses_python_whitespace() {
        assert_eq!(rstrip("x \t\n\u{1c}\u{a0}"), "x");
        assert_eq!(rstrip("x\u{200b}"), "x\u{200b}");
        assert_eq!(rstrip("   "), "");
    }
}
