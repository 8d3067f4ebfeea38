//! Text filters and tests: `regex_match`, `regex_search`, `regex_replace`,
//! `regex_escape` and the `match` test (Python `re` semantics on
//! fancy-regex: look-around and back-references work, `\1` and `\g<name>`
//! in replacements), `to_bool`, `to_num`, hashes (`md5`, `sha1`, `sha256`,
//! `sha512`), `base64_encode`/`base64_decode`, `quote`, `uuid`, `to_bytes`,
//! `path_join`, `strftime`, `is_hex`, `contains_whitespace`,
//! `human_to_bytes`, `to_snake_case`, `to_camelcase`, `skip`, `sequence`.

use base64::Engine as _;
use fancy_regex::{Captures, Regex};
use md5::Md5;
use minijinja::value::{Tuple, Value, ValueKind};
use minijinja::{Environment, Error};
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};

use super::{Args, fail, flag, params, text_of};
use crate::pyrepr;
use crate::value::list_from;

pub fn register(env: &mut Environment<'static>) {
    env.add_filter("regex_match", regex_match);
    env.add_filter("regex_search", regex_search);
    env.add_filter("regex_replace", regex_replace);
    env.add_filter("regex_escape", regex_escape);
    env.add_test("match", test_match);
    env.add_filter("to_bool", to_bool);
    env.add_filter("to_num", to_num);
    env.add_filter("str_to_num", to_num);
    env.add_filter("md5", |v: Value| digest::<Md5>(&v));
    env.add_filter("sha1", |v: Value| digest::<Sha1>(&v));
    env.add_filter("sha256", |v: Value| digest::<Sha256>(&v));
    env.add_filter("sha512", |v: Value| digest::<Sha512>(&v));
    env.add_filter("base64_encode", base64_encode);
    env.add_filter("base64_decode", base64_decode);
    env.add_filter("quote", quote);
    env.add_filter("uuid", uuid5);
    env.add_filter("to_bytes", |v: Value| Value::from_bytes(bytes_of(&v)));
    env.add_filter("path_join", path_join);
    env.add_filter("strftime", strftime);
    env.add_filter("date_format", strftime);
    env.add_filter("is_hex", is_hex);
    env.add_filter("contains_whitespace", |v: Value| {
        text_of(&v).chars().any(salt_output::pyrepr::is_space)
    });
    env.add_filter("human_to_bytes", human_to_bytes);
    env.add_filter("to_snake_case", to_snake_case);
    env.add_filter("to_camelcase", to_camelcase);
    env.add_filter("skip", |_v: Value| "");
    env.add_filter("sequence", sequence);
    env.add_filter("center", |v: Value, width: Value| -> Result<Value, Error> {
        let s = text_of(&v);
        crate::strmethods::call(&s, "center", &[width])
            .unwrap_or_else(|| Ok(Value::from(s.clone())))
    });
}

/// A Python `re` pattern compiled for fancy-regex, with `re.I` / `re.M`.
pub fn compile(pattern: &str, ignorecase: bool, multiline: bool) -> Result<Regex, Error> {
    compile_with(pattern, ignorecase, multiline, false)
}

/// [`compile`], anchored at the start for `re.match` when `anchored`.
fn compile_with(
    pattern: &str,
    ignorecase: bool,
    multiline: bool,
    anchored: bool,
) -> Result<Regex, Error> {
    let mut p = String::new();
    if ignorecase || multiline {
        p.push_str("(?");
        if ignorecase {
            p.push('i');
        }
        if multiline {
            p.push('m');
        }
        p.push(')');
    }
    if anchored {
        p.push_str("\\A(?:");
        p.push_str(&translate_pattern(pattern));
        p.push(')');
    } else {
        p.push_str(&translate_pattern(pattern));
    }
    Regex::new(&p).map_err(|e| {
        fail(format!(
            "re.error: {e} in pattern {}",
            pyrepr::repr(&Value::from(pattern))
        ))
    })
}

/// Python-only pattern syntax in fancy-regex terms: `(?P=name)` is
/// `\k<name>`, `\Z` is `\z`.
fn translate_pattern(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    let chars: Vec<char> = p.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() {
            if chars[i + 1] == 'Z' {
                out.push_str("\\z");
            } else {
                out.push(c);
                out.push(chars[i + 1]);
            }
            i += 2;
            continue;
        }
        if c == '('
            && chars[i + 1..].starts_with(&['?', 'P', '='])
            && let Some(end) = chars[i + 4..].iter().position(|&c| c == ')')
        {
            let name: String = chars[i + 4..i + 4 + end].iter().collect();
            out.push_str(&format!("\\k<{name}>"));
            i += 5 + end;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

fn regex_args(name: &str, args: &Args, anchored: bool) -> Result<Regex, Error> {
    let p = params(name, args, &["rgx", "ignorecase", "multiline"])?;
    let rgx = p[0]
        .as_ref()
        .map(text_of)
        .ok_or_else(|| fail(format!("{name}() missing the pattern")))?;
    compile_with(&rgx, flag(&p[1], false), flag(&p[2], false), anchored)
}

/// `match.groups()`: every group in order, `None` for one that took no part.
fn groups(c: &Captures<'_, str>) -> Value {
    let items: Vec<Value> = (1..c.len())
        .map(|i| {
            c.get(i)
                .map(|m| Value::from(m.as_str()))
                .unwrap_or(Value::from(()))
        })
        .collect();
    Value::from(Tuple::from(items))
}

/// `txt | regex_match(rgx, ignorecase=False, multiline=False)`: the groups
/// of a match at the start, `None` without one.
fn regex_match(txt: Value, args: Args) -> Result<Value, Error> {
    let re = regex_args("regex_match", &args, true)?;
    match re
        .captures(text_of(&txt).as_str())
        .map_err(|e| fail(e.to_string()))?
    {
        Some(c) => Ok(groups(&c)),
        None => Ok(Value::from(())),
    }
}

/// `txt | regex_search(rgx, ...)`: the groups of the first match anywhere.
fn regex_search(txt: Value, args: Args) -> Result<Value, Error> {
    let re = regex_args("regex_search", &args, false)?;
    match re
        .captures(text_of(&txt).as_str())
        .map_err(|e| fail(e.to_string()))?
    {
        Some(c) => Ok(groups(&c)),
        None => Ok(Value::from(())),
    }
}

/// `txt is match(rgx, ignorecase=False, multiline=False)`.
fn test_match(txt: Value, args: Args) -> Result<bool, Error> {
    Ok(!regex_match(txt, args)?.is_none())
}

/// `txt | regex_replace(rgx, val, ignorecase=False, multiline=False)`:
/// `re.sub`.
fn regex_replace(txt: Value, args: Args) -> Result<Value, Error> {
    let p = params(
        "regex_replace",
        &args,
        &["rgx", "val", "ignorecase", "multiline"],
    )?;
    let rgx = p[0]
        .as_ref()
        .map(text_of)
        .ok_or_else(|| fail("regex_replace() missing the pattern"))?;
    let val = p[1]
        .as_ref()
        .map(text_of)
        .ok_or_else(|| fail("regex_replace() missing the replacement"))?;
    let re = compile(&rgx, flag(&p[2], false), flag(&p[3], false))?;
    let text = text_of(&txt);
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for caps in re.captures_iter(text.as_str()) {
        let caps = caps.map_err(|e| fail(e.to_string()))?;
        let Some(m) = caps.get(0) else { continue };
        out.push_str(&text[last..m.start()]);
        expand(&val, &caps, &re, &mut out)?;
        last = m.end();
    }
    out.push_str(&text[last..]);
    Ok(Value::from(out))
}

/// Python's replacement template: `\1`..`\99`, `\g<n>`, `\g<name>`, and the
/// escapes `\n \t \r \f \v \a \b \\`.
fn expand(
    template: &str,
    caps: &Captures<'_, str>,
    re: &Regex,
    out: &mut String,
) -> Result<(), Error> {
    let chars: Vec<char> = template.chars().collect();
    let mut i = 0;
    let group = |idx: usize, out: &mut String| -> Result<(), Error> {
        if idx >= caps.len() {
            return Err(fail(format!("re.error: invalid group reference {idx}")));
        }
        if let Some(m) = caps.get(idx) {
            out.push_str(m.as_str());
        }
        Ok(())
    };
    while i < chars.len() {
        let c = chars[i];
        if c != '\\' || i + 1 == chars.len() {
            out.push(c);
            i += 1;
            continue;
        }
        let n = chars[i + 1];
        match n {
            'g' if chars.get(i + 2) == Some(&'<') => {
                let Some(end) = chars[i + 3..].iter().position(|&c| c == '>') else {
                    return Err(fail("re.error: missing >, unterminated name"));
                };
                let name: String = chars[i + 3..i + 3 + end].iter().collect();
                match name.parse::<usize>() {
                    Ok(idx) => group(idx, out)?,
                    Err(_) => {
                        let idx = re
                            .capture_names()
                            .position(|n| n == Some(name.as_str()))
                            .ok_or_else(|| {
                                fail(format!("IndexError: unknown group name '{name}'"))
                            })?;
                        group(idx, out)?;
                    }
                }
                i += 4 + end;
            }
            d if d.is_ascii_digit() => {
                let mut digits = String::from(d);
                if let Some(d2) = chars.get(i + 2).filter(|c| c.is_ascii_digit()) {
                    digits.push(*d2);
                }
                i += 1 + digits.len();
                group(digits.parse().unwrap_or(0), out)?;
            }
            _ => {
                let esc = match n {
                    'n' => Some('\n'),
                    't' => Some('\t'),
                    'r' => Some('\r'),
                    'f' => Some('\u{c}'),
                    'v' => Some('\u{b}'),
                    'a' => Some('\u{7}'),
                    'b' => Some('\u{8}'),
                    '\\' => Some('\\'),
                    _ => None,
                };
                match esc {
                    Some(e) => out.push(e),
                    None if n.is_ascii_alphabetic() => {
                        return Err(fail(format!("re.error: bad escape \\{n}")));
                    }
                    None => {
                        out.push('\\');
                        out.push(n);
                    }
                }
                i += 2;
            }
        }
    }
    Ok(())
}

/// `re.escape`: a backslash before each of `()[]{}?*+-|^$\.&~#`, space and
/// the whitespace control characters.
fn regex_escape(value: Value) -> String {
    let mut out = String::new();
    for c in text_of(&value).chars() {
        if "()[]{}?*+-|^$\\.&~# \t\n\r\u{b}\u{c}".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Salt's `to_bool`: `None` false, strings `yes`/`1`/`true` (any case) true,
/// ints positive, containers non-empty; other values false.
fn to_bool(v: Value) -> bool {
    match v.kind() {
        ValueKind::None | ValueKind::Undefined => false,
        ValueKind::Bool => v.is_true(),
        ValueKind::String => matches!(
            v.as_str().unwrap_or("").to_lowercase().as_str(),
            "yes" | "1" | "true"
        ),
        ValueKind::Number if v.is_integer() => v.as_i64().map(|i| i > 0).unwrap_or(true),
        ValueKind::Number => false,
        ValueKind::Seq if v.is_tuple() => false,
        ValueKind::Seq | ValueKind::Map => v.len().unwrap_or(0) > 0,
        _ => false,
    }
}

/// `to_num`: Python `int(text)`, else `float(text)`, else the text.
fn to_num(v: Value) -> Value {
    if v.kind() == ValueKind::Number {
        return v;
    }
    let Some(s) = v.as_str() else { return v };
    let t = s.trim_matches(salt_output::pyrepr::is_space);
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    if !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit() || c == '_')
        && !digits.starts_with('_')
        && !digits.ends_with('_')
        && !digits.contains("__")
        && let Ok(i) = t.replace('_', "").parse::<i64>()
    {
        return Value::from(i);
    }
    match parse_py_float(t) {
        Some(f) => Value::from(f),
        None => v,
    }
}

/// Python `float(s)` for a stripped string.
pub fn parse_py_float(t: &str) -> Option<f64> {
    let lower = t.to_ascii_lowercase();
    let body = lower.trim_start_matches(['-', '+']);
    match body {
        "inf" | "infinity" => {
            return Some(if lower.starts_with('-') {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            });
        }
        "nan" => return Some(f64::NAN),
        _ => {}
    }
    if !t
        .chars()
        .all(|c| c.is_ascii_digit() || "+-.eE_".contains(c))
    {
        return None;
    }
    t.replace('_', "").parse::<f64>().ok()
}

/// Python `to_bytes`: a string's UTF-8 bytes; bytes as they are.
fn bytes_of(v: &Value) -> Vec<u8> {
    match v.as_bytes() {
        Some(b) => b.to_vec(),
        None => text_of(v).into_bytes(),
    }
}

fn digest<D: Digest>(v: &Value) -> String {
    hex::encode(D::digest(bytes_of(v)))
}

fn base64_encode(v: Value) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes_of(&v))
}

/// `base64_decode`: text when the bytes are UTF-8, else bytes.
fn base64_decode(v: Value) -> Result<Value, Error> {
    let raw: String = text_of(&v).chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(raw.as_bytes())
        .map_err(|e| fail(format!("binascii.Error: {e}")))?;
    Ok(match String::from_utf8(bytes) {
        Ok(s) => Value::from(s),
        Err(e) => Value::from_bytes(e.into_bytes()),
    })
}

/// `shlex.quote`.
fn quote(v: Value) -> String {
    let s = text_of(&v);
    if s.is_empty() {
        return "''".to_owned();
    }
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c))
    {
        return s;
    }
    format!("'{}'", s.replace('\'', "'\"'\"'"))
}

/// Salt's `uuid`: UUID version 5 of the text in Salt's own namespace.
fn uuid5(v: Value) -> String {
    const NS: [u8; 16] = [
        0x91, 0x63, 0x3e, 0xbf, 0x1c, 0x86, 0x5e, 0x33, 0x93, 0x5a, 0x28, 0x06, 0x1f, 0x4b, 0x48,
        0x0e,
    ];
    let mut h = Sha1::new();
    h.update(NS);
    h.update(text_of(&v).as_bytes());
    let d = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hx = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &hx[0..8],
        &hx[8..12],
        &hx[12..16],
        &hx[16..20],
        &hx[20..32]
    )
}

/// Salt's `path_join`: each part normalized, later parts' leading `/`
/// dropped, joined and normalized (`posixpath.normpath`).
fn path_join(first: Value, rest: Args) -> Result<String, Error> {
    let rest = super::vals(&rest);
    let (pos, kwargs) = crate::methods::split_kwargs(&rest);
    if let Some((k, _)) = kwargs
        .iter()
        .find(|(k, _)| k.as_str() != Some("use_posixpath"))
    {
        return Err(fail(format!(
            "path_join() got an unexpected keyword argument '{k}'"
        )));
    }
    let root = normpath(&text_of(&first));
    if pos.is_empty() {
        return Ok(root);
    }
    let mut joined = root;
    for p in pos {
        let part = normpath(&text_of(p));
        let part = part.trim_start_matches('/');
        if joined.is_empty() || joined.ends_with('/') {
            joined.push_str(part);
        } else {
            joined.push('/');
            joined.push_str(part);
        }
    }
    Ok(normpath(&joined))
}

/// Python's `posixpath.normpath`.
pub fn normpath(path: &str) -> String {
    if path.is_empty() {
        return ".".to_owned();
    }
    let initial = if path.starts_with("//") && !path.starts_with("///") {
        2
    } else if path.starts_with('/') {
        1
    } else {
        0
    };
    let mut parts: Vec<&str> = Vec::new();
    for comp in path.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                if (initial == 0 && parts.is_empty()) || parts.last() == Some(&"..") {
                    parts.push("..");
                } else if !parts.is_empty() {
                    parts.pop();
                }
            }
            c => parts.push(c),
        }
    }
    let out = format!("{}{}", "/".repeat(initial), parts.join("/"));
    if out.is_empty() { ".".to_owned() } else { out }
}

/// `timestamp | strftime(format='%Y-%m-%d')`: a Unix time (number or
/// digits) in the local time zone, Python's `strftime` codes.
fn strftime(date: Value, args: Args) -> Result<String, Error> {
    use chrono::TimeZone as _;
    let p = params("strftime", &args, &["format"])?;
    let format = p[0]
        .as_ref()
        .map(text_of)
        .unwrap_or_else(|| "%Y-%m-%d".to_owned());
    let ts: f64 = match date.kind() {
        ValueKind::None | ValueKind::Undefined => {
            chrono::Utc::now().timestamp_micros() as f64 / 1e6
        }
        ValueKind::Number => f64::try_from(date.clone())?,
        ValueKind::String => {
            let s = date.as_str().unwrap_or("");
            parse_py_float(s.trim())
                .ok_or_else(|| fail(format!("Unable to parse {s}. Consider installing timelib")))?
        }
        _ => return Err(fail(format!("Unable to parse {}", pyrepr::str_of(&date)))),
    };
    let secs = ts.floor();
    let micros = ((ts - secs) * 1e6).round() as u32;
    let dt = chrono::Local
        .timestamp_opt(secs as i64, micros * 1000)
        .single()
        .ok_or_else(|| fail(format!("timestamp {ts} out of range")))?;
    // Python's %f is microseconds; chrono's is nanoseconds.
    let format = format.replace("%f", "%6f");
    let mut out = String::new();
    use std::fmt::Write as _;
    write!(out, "{}", dt.format(&format))
        .map_err(|_| fail(format!("bad strftime format {format:?}")))?;
    Ok(out)
}

/// `is_hex`: Python `int(value, 16)` succeeds.
fn is_hex(v: Value) -> bool {
    let s = text_of(&v);
    let t = s.trim();
    let t = t.strip_prefix(['-', '+']).unwrap_or(t);
    let t = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    !t.is_empty()
        && t.chars().all(|c| c.is_ascii_hexdigit() || c == '_')
        && !t.starts_with('_')
        && !t.ends_with('_')
}

/// `human_to_bytes(size, default_unit='B', handle_metric=False)`.
fn human_to_bytes(size: Value, args: Args) -> Result<Value, Error> {
    let p = params("human_to_bytes", &args, &["default_unit", "handle_metric"])?;
    let default_unit = p[0].as_ref().map(text_of).unwrap_or_else(|| "B".into());
    let metric = flag(&p[1], false);
    let s = text_of(&size);
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let unit = unit.trim_start().to_lowercase();
    let unit = if unit.is_empty() {
        default_unit.to_lowercase()
    } else {
        unit
    };
    let value: f64 = match num.parse::<i64>() {
        Ok(i) => i as f64,
        Err(_) => match num.parse::<f64>() {
            Ok(f) => f,
            Err(_) => return Ok(Value::from(0)),
        },
    };
    let letters = "bkmgtpezy";
    let first = unit.chars().next().unwrap_or('x');
    let is_dec_unit = unit.len() == 2 && unit.ends_with('b') && "kmgtpezy".contains(first);
    let valid = unit == "b"
        || (unit.len() == 1 && "kmgtpezy".contains(first))
        || (unit.len() == 3 && unit.ends_with("ib") && "kmgtpezy".contains(first));
    if !is_dec_unit && !valid {
        return Ok(Value::from(0));
    }
    let power = letters.find(first).unwrap_or(0) as i32;
    let factor = if is_dec_unit && metric {
        10f64.powi(power * 3)
    } else {
        2f64.powi(power * 10)
    };
    Ok(Value::from((value * factor) as i64))
}

fn to_snake_case(v: Value) -> String {
    let chars: Vec<char> = text_of(&v).chars().collect();
    let mut res = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if i == 0 {
            res.extend(c.to_lowercase());
            continue;
        }
        if c.is_uppercase()
            && (chars[i - 1].is_lowercase()
                || (i != chars.len() - 1 && chars[i + 1].is_lowercase()))
        {
            res.push('_');
        }
        res.extend(c.to_lowercase());
    }
    res
}

fn to_camelcase(v: Value, args: Args) -> Result<String, Error> {
    let p = params("to_camelcase", &args, &["uppercamel"])?;
    let s = text_of(&v);
    let words: Vec<&str> = s.split('_').collect();
    let mut out = if flag(&p[0], false) {
        capitalize(words[0])
    } else {
        words[0].to_owned()
    };
    for w in &words[1..] {
        out.push_str(&capitalize(w));
    }
    Ok(out)
}

/// Python `str.capitalize`.
fn capitalize(w: &str) -> String {
    let mut cs = w.chars();
    match cs.next() {
        Some(f) => f
            .to_uppercase()
            .chain(cs.flat_map(char::to_lowercase))
            .collect(),
        None => String::new(),
    }
}

/// `sequence`: a list, tuple or dict as it is, anything else in a list.
fn sequence(v: Value) -> Value {
    match v.kind() {
        ValueKind::Seq | ValueKind::Map => v,
        _ => list_from(vec![v]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normpath_like_python() {
        assert_eq!(normpath("a//b/./c/.."), "a/b");
        assert_eq!(normpath("/../x"), "/x");
        assert_eq!(normpath("../x"), "../x");
        assert_eq!(normpath("//x"), "//x");
        assert_eq!(normpath("///x"), "/x");
        assert_eq!(normpath(""), ".");
    }

    #[test]
    fn python_patterns_translate() {
        assert_eq!(translate_pattern(r"(?P<a>x)(?P=a)\Z"), r"(?P<a>x)\k<a>\z");
    }
}
