//! Salt's `yaml_dquote`, `yaml_squote` and `yaml_encode` Jinja filters
//! (salt/utils/yamlencoding.py). Unlike `safe_dump`, they write through
//! PyYAML's pure-Python emitter with no width limit and without
//! `allow_unicode`, so every character outside printable ASCII is escaped in
//! double quotes, and nothing is ever folded.

use serde_json::Value;

use crate::analyze::represent;

/// `yaml_encode` was given a list or a dict.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("yaml_encode() only works with YAML scalar data; failed for <class '{0}'>")]
pub struct EncodeError(pub &'static str);

/// `{{ s | yaml_dquote }}`: `s` as a double-quoted YAML scalar, quotes
/// included, escaping `"`, `\`, control characters and anything outside
/// printable ASCII (`é` is `\xE9`, `€` is `\u20AC`).
pub fn yaml_dquote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        let plain_ascii = (' '..='~').contains(&c) && c != '"' && c != '\\';
        if plain_ascii {
            out.push(c);
            continue;
        }
        out.push_str(&dquote_escape(c));
    }
    out.push('"');
    out
}

/// The escape sequence YAML's emitters (libyaml and PyYAML alike) write for
/// `c` in a double-quoted scalar, backslash included: the short forms (`\n`,
/// `\"`, `\N` for U+0085, ...) where YAML has one, else `\xXX`, `\uXXXX` or
/// `\UXXXXXXXX`.
pub(crate) fn dquote_escape(c: char) -> String {
    let short = match c {
        '\0' => Some('0'),
        '\u{07}' => Some('a'),
        '\u{08}' => Some('b'),
        '\t' => Some('t'),
        '\n' => Some('n'),
        '\u{0b}' => Some('v'),
        '\u{0c}' => Some('f'),
        '\r' => Some('r'),
        '\u{1b}' => Some('e'),
        '"' => Some('"'),
        '\\' => Some('\\'),
        '\u{85}' => Some('N'),
        '\u{a0}' => Some('_'),
        '\u{2028}' => Some('L'),
        '\u{2029}' => Some('P'),
        _ => None,
    };
    match short {
        Some(s) => format!("\\{s}"),
        None => {
            let cp = u32::from(c);
            if cp <= 0xff {
                format!("\\x{cp:02X}")
            } else if cp <= 0xffff {
                format!("\\u{cp:04X}")
            } else {
                format!("\\U{cp:08X}")
            }
        }
    }
}

/// `{{ s | yaml_squote }}`: `s` as a single-quoted YAML scalar, quotes
/// included: `'` doubled, and a run of line breaks starting with `\n` gets
/// one more `\n` (a single-quoted scalar folds a lone break into a space).
pub fn yaml_squote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    let mut in_breaks = false;
    for c in text.chars() {
        let is_break = matches!(c, '\n' | '\u{85}' | '\u{2028}' | '\u{2029}');
        if is_break && !in_breaks && c == '\n' {
            out.push('\n');
        }
        in_breaks = is_break;
        if c == '\'' {
            out.push_str("''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

/// `{{ v | yaml_encode }}`: a scalar as YAML text: strings double-quoted as
/// [`yaml_dquote`] does, `null`, `true`/`false`, ints, floats as PyYAML
/// writes them (`1.0`, `1.0e+20`, `.inf`). Lists and dicts are an error.
pub fn yaml_encode(value: &Value) -> Result<String, EncodeError> {
    match value {
        Value::String(s) => Ok(yaml_dquote(s)),
        Value::Array(_) => Err(EncodeError("list")),
        Value::Object(_) => Err(EncodeError("dict")),
        scalar => Ok(represent(scalar).0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn encode_rejects_collections_with_salts_message() {
        assert_eq!(
            yaml_encode(&json!([1])).unwrap_err().to_string(),
            "yaml_encode() only works with YAML scalar data; failed for <class 'list'>"
        );
        assert!(yaml_encode(&json!({})).is_err());
        assert_eq!(yaml_encode(&json!(null)).unwrap(), "null");
    }
}
