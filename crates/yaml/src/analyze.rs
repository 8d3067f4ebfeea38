//! libyaml's scalar analysis (`yaml_emitter_analyze_scalar`) and PyYAML's
//! SafeRepresenter for scalars: what text a JSON scalar is written as, and
//! which quoting styles that text allows.

use serde_json::Value;

use crate::pyfloat::float_repr;
use crate::resolve::resolves_implicitly;

/// What libyaml's `yaml_emitter_analyze_scalar` learns about a string.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Analysis {
    pub(crate) multiline: bool,
    pub(crate) flow_plain: bool,
    pub(crate) block_plain: bool,
    pub(crate) single_quoted: bool,
}

/// libyaml's simple-key test for a string key: at most 128 bytes, one line.
pub(crate) fn is_simple_key(key: &str) -> bool {
    key.len() <= 128 && !analyze(key).multiline
}

/// The scalar text and whether a plain (unquoted) rendering would read back
/// as the same type, as PyYAML's SafeRepresenter and resolver decide.
pub(crate) fn represent(value: &Value) -> (String, bool) {
    match value {
        Value::Null => ("null".to_owned(), true),
        Value::Bool(b) => (if *b { "true" } else { "false" }.to_owned(), true),
        Value::Number(n) if n.is_f64() => {
            let f = n.as_f64().unwrap_or(f64::NAN);
            let text = if f.is_nan() {
                ".nan".to_owned()
            } else if f.is_infinite() {
                if f > 0.0 { ".inf" } else { "-.inf" }.to_owned()
            } else {
                let r = float_repr(f).to_lowercase();
                if !r.contains('.') && r.contains('e') {
                    r.replacen('e', ".0e", 1)
                } else {
                    r
                }
            };
            (text, true)
        }
        Value::Number(n) => (n.to_string(), true),
        Value::String(s) => (s.clone(), !resolves_implicitly(s)),
        // Containers never reach here.
        Value::Array(_) | Value::Object(_) => (String::new(), true),
    }
}

pub(crate) fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

pub(crate) fn is_blankz(c: Option<&char>) -> bool {
    match c {
        None => true,
        Some(&c) => c == ' ' || c == '\t' || c == '\0' || is_break(c),
    }
}

/// libyaml's `IS_PRINTABLE`: no control characters but `\n`, nothing outside
/// the BMP, no BOM or non-characters.
pub(crate) fn is_yaml_printable(c: char) -> bool {
    matches!(c, '\n' | '\u{20}'..='\u{7e}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}')
        && c != '\u{feff}'
}

pub(crate) fn analyze(s: &str) -> Analysis {
    if s.is_empty() {
        return Analysis {
            multiline: false,
            flow_plain: false,
            block_plain: true,
            single_quoted: true,
        };
    }
    let chars: Vec<char> = s.chars().collect();
    let last = chars.len() - 1;
    let mut block_indicators = false;
    let mut flow_indicators = false;
    if s.starts_with("---") || s.starts_with("...") {
        block_indicators = true;
        flow_indicators = true;
    }
    let mut preceded_by_whitespace = true;
    let mut followed_by_whitespace = is_blankz(chars.get(1));
    let (mut line_breaks, mut special) = (false, false);
    let (mut leading_space, mut leading_break) = (false, false);
    let (mut trailing_space, mut trailing_break) = (false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut previous_space, mut previous_break) = (false, false);
    for (i, &c) in chars.iter().enumerate() {
        if i == 0 {
            if "#,[]{}&*!|>'\"%@`".contains(c) {
                flow_indicators = true;
                block_indicators = true;
            }
            if c == '?' || c == ':' {
                flow_indicators = true;
                if followed_by_whitespace {
                    block_indicators = true;
                }
            }
            if c == '-' && followed_by_whitespace {
                flow_indicators = true;
                block_indicators = true;
            }
        } else {
            if ",?[]{}".contains(c) {
                flow_indicators = true;
            }
            if c == ':' {
                flow_indicators = true;
                if followed_by_whitespace {
                    block_indicators = true;
                }
            }
            if c == '#' && preceded_by_whitespace {
                flow_indicators = true;
                block_indicators = true;
            }
        }
        if !is_yaml_printable(c) {
            special = true;
        }
        if is_break(c) {
            line_breaks = true;
        }
        if c == ' ' {
            leading_space |= i == 0;
            trailing_space |= i == last;
            break_space |= previous_break;
            previous_space = true;
            previous_break = false;
        } else if is_break(c) {
            leading_break |= i == 0;
            trailing_break |= i == last;
            space_break |= previous_space;
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = is_blankz(Some(&c));
        followed_by_whitespace = is_blankz(chars.get(i + 2));
    }
    let mut a = Analysis {
        multiline: line_breaks,
        flow_plain: true,
        block_plain: true,
        single_quoted: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.flow_plain = false;
        a.block_plain = false;
    }
    if break_space {
        a.flow_plain = false;
        a.block_plain = false;
        a.single_quoted = false;
    }
    if space_break || special {
        a.flow_plain = false;
        a.block_plain = false;
        a.single_quoted = false;
    }
    if line_breaks {
        a.flow_plain = false;
        a.block_plain = false;
    }
    if flow_indicators {
        a.flow_plain = false;
    }
    if block_indicators {
        a.block_plain = false;
    }
    a
}
