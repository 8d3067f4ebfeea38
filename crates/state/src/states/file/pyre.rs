//! Python's `re` as the editing states use it: flags given as Salt accepts
//! them (`8`, `MULTILINE`, `[IGNORECASE, DOTALL]`), patterns compiled with
//! fancy-regex (backreferences and lookaround, as in Python), and `re.subn`
//! with Python's replacement syntax (`\1`, `\g<name>`, `\n`).

use fancy_regex::{Regex, RegexBuilder};
use serde_json::Value;

use crate::pyrepr::py_str;

/// Python's flag bits.
const IGNORECASE: u32 = 2;
const LOCALE: u32 = 4;
const MULTILINE: u32 = 8;
const DOTALL: u32 = 16;
const UNICODE: u32 = 32;
const VERBOSE: u32 = 64;
const DEBUG: u32 = 128;
const ASCII: u32 = 256;

/// The multiline flag, for callers adding it (`file.search(multiline=True)`).
pub const MULTILINE_FLAG: u32 = MULTILINE;

/// Salt's `_get_flags`: an integer, a flag name, or a list of names.
pub fn flag_bits(flags: &Value) -> Result<u32, String> {
    let names: Vec<Value> = match flags {
        Value::Number(n) => return n.as_u64().map(|n| n as u32).ok_or_else(|| invalid(flags)),
        Value::String(_) => vec![flags.clone()],
        Value::Array(a) => a.clone(),
        Value::Null => Vec::new(),
        _ => return Err(invalid(flags)),
    };
    let mut bits = 0;
    for n in names {
        let name = py_str(&n).to_uppercase();
        bits |= match name.as_str() {
            "I" | "IGNORECASE" => IGNORECASE,
            "L" | "LOCALE" => LOCALE,
            "M" | "MULTILINE" => MULTILINE,
            "S" | "DOTALL" => DOTALL,
            "U" | "UNICODE" => UNICODE,
            "X" | "VERBOSE" => VERBOSE,
            "DEBUG" => DEBUG,
            "A" | "ASCII" => ASCII,
            _ => return Err(format!("Invalid re flag given: {}", py_str(&n))),
        };
    }
    Ok(bits)
}

fn invalid(flags: &Value) -> String {
    format!(
        "Invalid re flags: \"{}\", must be given either as a single flag string, a list of strings, as an integer, or as an re flag",
        py_str(flags)
    )
}

/// A compiled Python pattern.
#[derive(Debug)]
pub struct PyRegex(Regex);

impl PyRegex {
    /// Compiles `pattern` with Python flag bits. `$` and `\Z` keep Python's
    /// meaning (`$` also matches before a final newline without
    /// MULTILINE).
    pub fn new(pattern: &str, flags: u32) -> Result<Self, String> {
        let mut inline = String::new();
        if flags & IGNORECASE != 0 {
            inline.push('i');
        }
        if flags & MULTILINE != 0 {
            inline.push('m');
        }
        if flags & DOTALL != 0 {
            inline.push('s');
        }
        if flags & VERBOSE != 0 {
            inline.push('x');
        }
        let body = translate(pattern, flags & MULTILINE != 0);
        let full = if inline.is_empty() {
            body
        } else {
            format!("(?{inline}){body}")
        };
        RegexBuilder::new(&full)
            .build()
            .map(Self)
            .map_err(|e| format!("{e}: '{pattern}'"))
    }

    /// `re.search(...) is not None`.
    pub fn is_match(&self, text: &str) -> bool {
        self.0.is_match(text).unwrap_or(false)
    }

    /// `re.subn(pattern, repl, text, count)`: the new text and the number
    /// of replacements (`count` 0: all).
    pub fn subn(&self, text: &str, repl: &str, count: usize) -> Result<(String, usize), String> {
        let template = parse_repl(repl)?;
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        let mut n = 0;
        for caps in self.0.captures_iter(text) {
            let caps = caps.map_err(|e| e.to_string())?;
            let Some(m) = caps.get(0) else { continue };
            out.push_str(&text[last..m.start()]);
            for piece in &template {
                match piece {
                    Piece::Lit(s) => out.push_str(s),
                    Piece::Group(i) => {
                        if *i >= caps.len() {
                            return Err(format!("invalid group reference {i}"));
                        }
                        out.push_str(caps.get(*i).map_or("", |g| g.as_str()));
                    }
                    Piece::Named(name) => match caps.name(name) {
                        Some(g) => out.push_str(g.as_str()),
                        None if self.0.capture_names().any(|c| c == Some(name.as_str())) => {}
                        None => return Err(format!("unknown group name '{name}'")),
                    },
                }
            }
            last = m.end();
            n += 1;
            if count > 0 && n >= count {
                break;
            }
        }
        out.push_str(&text[last..]);
        Ok((out, n))
    }
}

/// Python's `re.escape`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "()[]{}?*+-|^$\\.&~# \t\n\r\x0b\x0c".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Python pattern syntax to fancy-regex's where they differ: `\Z` is the
/// end of the text, and without MULTILINE `$` also matches before a final
/// newline.
fn translate(pattern: &str, multiline: bool) -> String {
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut chars = pattern.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('Z') if !in_class => out.push_str("\\z"),
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push('\\'),
            },
            '[' if !in_class => {
                in_class = true;
                out.push(c);
                if chars.peek() == Some(&'^') {
                    out.push('^');
                    chars.next();
                }
                if chars.peek() == Some(&']') {
                    out.push_str("\\]");
                    chars.next();
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            '$' if !in_class && !multiline => out.push_str("(?=\\n?\\z)"),
            _ => out.push(c),
        }
    }
    out
}

enum Piece {
    Lit(String),
    Group(usize),
    Named(String),
}

/// Parses a Python replacement template.
fn parse_repl(repl: &str) -> Result<Vec<Piece>, String> {
    let mut pieces = Vec::new();
    let mut lit = String::new();
    let chars: Vec<char> = repl.chars().collect();
    let mut i = 0;
    let flush = |lit: &mut String, pieces: &mut Vec<Piece>| {
        if !lit.is_empty() {
            pieces.push(Piece::Lit(std::mem::take(lit)));
        }
    };
    while i < chars.len() {
        let c = chars[i];
        if c != '\\' {
            lit.push(c);
            i += 1;
            continue;
        }
        let Some(&n) = chars.get(i + 1) else {
            return Err("bad escape (end of pattern)".into());
        };
        i += 2;
        match n {
            'n' => lit.push('\n'),
            't' => lit.push('\t'),
            'r' => lit.push('\r'),
            'a' => lit.push('\x07'),
            'b' => lit.push('\x08'),
            'f' => lit.push('\x0c'),
            'v' => lit.push('\x0b'),
            '\\' => lit.push('\\'),
            'g' => {
                if chars.get(i) != Some(&'<') {
                    return Err("missing <".into());
                }
                let end = chars[i..]
                    .iter()
                    .position(|&c| c == '>')
                    .ok_or("missing >, unterminated name")?;
                let name: String = chars[i + 1..i + end].iter().collect();
                i += end + 1;
                flush(&mut lit, &mut pieces);
                match name.parse::<usize>() {
                    Ok(g) => pieces.push(Piece::Group(g)),
                    Err(_) => pieces.push(Piece::Named(name)),
                }
            }
            '0' => {
                let mut v = 0u32;
                let mut k = 0;
                while k < 2 && chars.get(i).is_some_and(|c| c.is_digit(8)) {
                    v = v * 8 + chars[i].to_digit(8).unwrap_or(0);
                    i += 1;
                    k += 1;
                }
                lit.push(char::from_u32(v).unwrap_or('\0'));
            }
            d if d.is_ascii_digit() => {
                let d2 = chars.get(i).filter(|c| c.is_ascii_digit()).copied();
                let d3 = chars.get(i + 1).filter(|c| c.is_digit(8)).copied();
                if let (Some(b), Some(c3)) = (d2, d3)
                    && d.is_digit(8)
                    && b.is_digit(8)
                {
                    let v = [d, b, c3]
                        .iter()
                        .fold(0, |a, c| a * 8 + c.to_digit(8).unwrap_or(0));
                    lit.push(char::from_u32(v).unwrap_or('\0'));
                    i += 2;
                    continue;
                }
                let mut g = d.to_digit(10).unwrap_or(0) as usize;
                if let Some(b) = d2 {
                    g = g * 10 + b.to_digit(10).unwrap_or(0) as usize;
                    i += 1;
                }
                flush(&mut lit, &mut pieces);
                pieces.push(Piece::Group(g));
            }
            a if a.is_ascii_alphabetic() => return Err(format!("bad escape \\{a}")),
            other => {
                lit.push('\\');
                lit.push(other);
            }
        }
    }
    flush(&mut lit, &mut pieces);
    Ok(pieces)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flags_and_substitution() {
        assert_eq!(flag_bits(&json!(8)).unwrap(), 8);
        assert_eq!(flag_bits(&json!(["IGNORECASE", "multiline"])).unwrap(), 10);
        assert!(flag_bits(&json!("NOPE")).unwrap_err().contains("NOPE"));
        let re = PyRegex::new(r"^(\w+)=(?P<v>.*)$", 8).unwrap();
        let (out, n) = re.subn("a=1\nb=2\n", r"\2:\g<v>:\1\t", 0).unwrap();
        assert_eq!((out.as_str(), n), ("1:1:a\t\n2:2:b\t\n", 2));
        let (out, n) = re.subn("a=1\nb=2\n", "x", 1).unwrap();
        assert_eq!((out.as_str(), n), ("x\nb=2\n", 1));
        assert!(parse_repl(r"\q").is_err());
        assert_eq!(escape("a.b c"), r"a\.b\ c");
    }

    #[test]
    fn dollar_without_multiline_matches_before_a_final_newline() {
        let re = PyRegex::new("b$", 0).unwrap();
        assert!(re.is_match("ab\n") && !re.is_match("ab\nc"));
        let re = PyRegex::new(r"b\Z", 0).unwrap();
        assert!(!re.is_match("ab\n"));
    }
}
