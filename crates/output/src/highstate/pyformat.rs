//! Python's `str.format` for the terse line: Salt builds a format string
//! (its own, or the user's `state_tabular` string, with warning texts pasted
//! in) and formats it with seven positional arguments, the last one the
//! state's return dict.
//!
//! Supported: `{{`/`}}`, automatic and numbered fields, `[key]`/`[index]`
//! lookups, `!s`/`!r`/`!a`, and the format-spec mini-language for str, int,
//! float, bool and None (fill, align, sign, `#`, `0`, width, `,`/`_`,
//! precision, and the types `s d n b o x X c e E f F g G %`). Attribute
//! lookups (`{0.upper}`) and keyword fields are not: like any format error
//! they give [`Fallback`], the nested outputter (Salt raises).

use serde_json::Value;

use super::py::{Fallback, Py, type_name};
use crate::pyrepr;

/// One positional argument.
#[derive(Clone, Copy)]
pub(crate) enum Arg<'a> {
    Str(&'a str),
    Value(&'a Value),
}

/// `fmt.format(*args)`.
pub(crate) fn format(fmt: &str, args: &[Arg<'_>]) -> Py<String> {
    let mut auto = AutoNumber::Unused;
    render(fmt, args, &mut auto, 2)
}

#[derive(Clone, Copy, PartialEq)]
enum AutoNumber {
    Unused,
    Auto(usize),
    Manual,
}

fn err(why: impl Into<String>) -> Fallback {
    Fallback::new(why)
}

fn render(fmt: &str, args: &[Arg<'_>], auto: &mut AutoNumber, depth: u8) -> Py<String> {
    let c: Vec<char> = fmt.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < c.len() {
        match c[i] {
            '{' if c.get(i + 1) == Some(&'{') => {
                out.push('{');
                i += 2;
            }
            '}' if c.get(i + 1) == Some(&'}') => {
                out.push('}');
                i += 2;
            }
            '}' => return Err(err("ValueError: Single '}' encountered in format string")),
            '{' => {
                if depth == 0 {
                    return Err(err("ValueError: Max string recursion exceeded"));
                }
                let end = field_end(&c, i + 1)?;
                let field: String = c[i + 1..end].iter().collect();
                out.push_str(&replace_field(&field, args, auto, depth)?);
                i = end + 1;
            }
            ch => {
                out.push(ch);
                i += 1;
            }
        }
    }
    Ok(out)
}

/// The index of the `}` closing a field that starts at `start`: brackets
/// hide braces, and nested `{...}` (in the spec) must balance.
fn field_end(c: &[char], start: usize) -> Py<usize> {
    let mut i = start;
    let mut level = 1;
    let mut in_bracket = false;
    while i < c.len() {
        match c[i] {
            '[' if !in_bracket && level == 1 => in_bracket = true,
            ']' if in_bracket => in_bracket = false,
            '{' if !in_bracket => level += 1,
            '}' if !in_bracket => {
                level -= 1;
                if level == 0 {
                    return Ok(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    Err(err("ValueError: expected '}' before end of string"))
}

fn replace_field(field: &str, args: &[Arg<'_>], auto: &mut AutoNumber, depth: u8) -> Py<String> {
    // field_name [! conversion] [: spec]; the name may hold brackets.
    let chars: Vec<char> = field.chars().collect();
    let mut in_bracket = false;
    let mut name_end = chars.len();
    for (i, &ch) in chars.iter().enumerate() {
        match ch {
            '[' => in_bracket = true,
            ']' => in_bracket = false,
            '!' | ':' if !in_bracket => {
                name_end = i;
                break;
            }
            _ => {}
        }
    }
    let name: String = chars[..name_end].iter().collect();
    let rest: String = chars[name_end..].iter().collect();
    let (conversion, spec) = if let Some(r) = rest.strip_prefix('!') {
        let mut it = r.chars();
        let conv = it.next();
        let after: String = it.collect();
        let spec = if after.is_empty() {
            String::new()
        } else if let Some(s) = after.strip_prefix(':') {
            s.to_owned()
        } else {
            return Err(err("ValueError: expected ':' after conversion specifier"));
        };
        (conv, spec)
    } else if let Some(s) = rest.strip_prefix(':') {
        (None, s.to_owned())
    } else {
        (None, String::new())
    };
    let spec = if spec.contains('{') {
        render(&spec, args, auto, depth - 1)?
    } else {
        spec
    };
    let obj = lookup(&name, args, auto)?;
    match conversion {
        None => format_obj(obj, &spec),
        Some(conv) => {
            let s = match conv {
                's' => obj_str(obj),
                'r' => obj_repr(obj),
                'a' => ascii(&obj_repr(obj)),
                other => {
                    return Err(err(format!(
                        "ValueError: Unknown conversion specifier {other}"
                    )));
                }
            };
            format_str(&s, &parse_spec(&spec)?)
        }
    }
}

/// A looked-up object: a plain str argument or a JSON value.
#[derive(Clone)]
enum Obj<'a> {
    Str(std::borrow::Cow<'a, str>),
    Value(&'a Value),
}

fn lookup<'a>(name: &str, args: &[Arg<'a>], auto: &mut AutoNumber) -> Py<Obj<'a>> {
    let first_end = name.find(['[', '.']).unwrap_or(name.len());
    let (head, mut tail) = name.split_at(first_end);
    let index = if head.is_empty() {
        match *auto {
            AutoNumber::Manual => {
                return Err(err(
                    "ValueError: cannot switch from manual field specification to automatic field numbering",
                ));
            }
            AutoNumber::Unused => {
                *auto = AutoNumber::Auto(1);
                0
            }
            AutoNumber::Auto(n) => {
                *auto = AutoNumber::Auto(n + 1);
                n
            }
        }
    } else if head.chars().all(|c| c.is_ascii_digit()) {
        if matches!(*auto, AutoNumber::Auto(_)) {
            return Err(err(
                "ValueError: cannot switch from automatic field numbering to manual field specification",
            ));
        }
        *auto = AutoNumber::Manual;
        head.parse::<usize>()
            .map_err(|_| err("ValueError: Too many decimal digits in format string"))?
    } else {
        return Err(err(format!("KeyError: '{head}'")));
    };
    let mut obj = match args.get(index) {
        Some(Arg::Str(s)) => Obj::Str(std::borrow::Cow::Borrowed(s)),
        Some(Arg::Value(v)) => Obj::Value(v),
        None => {
            return Err(err(format!(
                "IndexError: Replacement index {index} out of range for positional args tuple"
            )));
        }
    };
    while !tail.is_empty() {
        if tail.starts_with('.') {
            return Err(err(
                "AttributeError: attribute lookups are not supported here",
            ));
        }
        let Some(close) = tail.find(']') else {
            return Err(err("ValueError: Missing ']' in format string"));
        };
        let key = &tail[1..close];
        tail = &tail[close + 1..];
        if !tail.is_empty() && !tail.starts_with(['[', '.']) {
            return Err(err(
                "ValueError: Only '.' or '[' may follow ']' in format field specifier",
            ));
        }
        if key.is_empty() {
            return Err(err("ValueError: Empty attribute in format string"));
        }
        let int_key = key
            .chars()
            .all(|c| c.is_ascii_digit())
            .then(|| key.parse::<usize>().ok());
        obj = match (&obj, int_key) {
            (Obj::Str(s), Some(Some(i))) => match s.chars().nth(i) {
                Some(ch) => Obj::Str(std::borrow::Cow::Owned(ch.to_string())),
                None => return Err(err("IndexError: string index out of range")),
            },
            (Obj::Value(Value::String(s)), Some(Some(i))) => match s.chars().nth(i) {
                Some(ch) => Obj::Str(std::borrow::Cow::Owned(ch.to_string())),
                None => return Err(err("IndexError: string index out of range")),
            },
            (Obj::Value(Value::Array(a)), Some(Some(i))) => match a.get(i) {
                Some(v) => Obj::Value(v),
                None => return Err(err("IndexError: list index out of range")),
            },
            // A digit key looks up an int, which no JSON dict holds.
            (Obj::Value(Value::Object(_)), Some(_)) => {
                return Err(err(format!("KeyError: {key}")));
            }
            (Obj::Value(Value::Object(m)), None) => match m.get(key) {
                Some(v) => Obj::Value(v),
                None => return Err(err(format!("KeyError: '{key}'"))),
            },
            _ => return Err(err("TypeError: object is not subscriptable by that key")),
        };
    }
    Ok(obj)
}

fn obj_str(obj: Obj<'_>) -> String {
    match obj {
        Obj::Str(s) => s.into_owned(),
        Obj::Value(v) => pyrepr::str_of(v),
    }
}

fn obj_repr(obj: Obj<'_>) -> String {
    match obj {
        Obj::Str(s) => pyrepr::repr_str(&s),
        Obj::Value(v) => pyrepr::repr(v),
    }
}

/// Python `ascii()` from a `repr()`: non-ASCII characters escaped.
fn ascii(repr: &str) -> String {
    let mut out = String::with_capacity(repr.len());
    for ch in repr.chars() {
        let cp = u32::from(ch);
        if cp < 0x80 {
            out.push(ch);
        } else if cp <= 0xff {
            out.push_str(&format!("\\x{cp:02x}"));
        } else if cp <= 0xffff {
            out.push_str(&format!("\\u{cp:04x}"));
        } else {
            out.push_str(&format!("\\U{cp:08x}"));
        }
    }
    out
}

/// `format(obj, spec)`, dispatching on the object's type like `__format__`.
fn format_obj(obj: Obj<'_>, spec: &str) -> Py<String> {
    match obj {
        Obj::Str(s) => format_str(&s, &parse_spec(spec)?),
        Obj::Value(v) => match v {
            Value::String(s) => format_str(s, &parse_spec(spec)?),
            Value::Bool(b) if !spec.is_empty() => {
                super::pynum::format_int(i128::from(*b), &parse_spec(spec)?, "bool")
            }
            Value::Number(n) if !n.is_f64() => {
                let i = n.as_i64().map(i128::from).or(n.as_u64().map(i128::from));
                super::pynum::format_int(i.unwrap_or(0), &parse_spec(spec)?, "int")
            }
            Value::Number(n) => {
                super::pynum::format_float(n.as_f64().unwrap_or(f64::NAN), &parse_spec(spec)?)
            }
            other if spec.is_empty() => Ok(pyrepr::str_of(other)),
            other => Err(err(format!(
                "TypeError: unsupported format string passed to {}.__format__",
                type_name(other)
            ))),
        },
    }
}

/// A parsed format spec: `[[fill]align][sign][z][#][0][width][grouping][.precision][type]`.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Spec {
    pub(crate) fill: Option<char>,
    pub(crate) align: Option<char>,
    pub(crate) sign: Option<char>,
    pub(crate) alternate: bool,
    pub(crate) zero: bool,
    pub(crate) width: usize,
    pub(crate) grouping: Option<char>,
    pub(crate) precision: Option<usize>,
    pub(crate) kind: Option<char>,
}

pub(crate) fn parse_spec(spec: &str) -> Py<Spec> {
    let c: Vec<char> = spec.chars().collect();
    let mut s = Spec::default();
    let mut i = 0;
    let is_align = |ch: char| matches!(ch, '<' | '>' | '=' | '^');
    if c.len() >= 2 && is_align(c[1]) {
        s.fill = Some(c[0]);
        s.align = Some(c[1]);
        i = 2;
    } else if !c.is_empty() && is_align(c[0]) {
        s.align = Some(c[0]);
        i = 1;
    }
    if let Some(&ch) = c.get(i)
        && matches!(ch, '+' | '-' | ' ')
    {
        s.sign = Some(ch);
        i += 1;
    }
    if c.get(i) == Some(&'z') {
        return Err(err("ValueError: the 'z' option is not supported here"));
    }
    if c.get(i) == Some(&'#') {
        s.alternate = true;
        i += 1;
    }
    if c.get(i) == Some(&'0') {
        s.zero = true;
        i += 1;
    }
    let digits = |i: &mut usize| -> Py<Option<usize>> {
        let start = *i;
        while c.get(*i).is_some_and(char::is_ascii_digit) {
            *i += 1;
        }
        if *i == start {
            return Ok(None);
        }
        let text: String = c[start..*i].iter().collect();
        text.parse::<usize>()
            .map(Some)
            .map_err(|_| err("ValueError: Too many decimal digits in format string"))
    };
    s.width = digits(&mut i)?.unwrap_or(0);
    if let Some(&ch) = c.get(i)
        && matches!(ch, ',' | '_')
    {
        s.grouping = Some(ch);
        i += 1;
    }
    if c.get(i) == Some(&'.') {
        i += 1;
        match digits(&mut i)? {
            Some(p) => s.precision = Some(p),
            None => return Err(err("ValueError: Format specifier missing precision")),
        }
    }
    if let Some(&ch) = c.get(i) {
        s.kind = Some(ch);
        i += 1;
    }
    if i != c.len() {
        return Err(err("ValueError: Invalid format specifier"));
    }
    Ok(s)
}

/// `str.__format__`.
fn format_str(s: &str, spec: &Spec) -> Py<String> {
    if !matches!(spec.kind, None | Some('s')) {
        return Err(err(format!(
            "ValueError: Unknown format code '{}' for object of type 'str'",
            spec.kind.unwrap_or(' ')
        )));
    }
    if spec.sign.is_some() {
        return Err(err(
            "ValueError: Sign not allowed in string format specifier",
        ));
    }
    if spec.alternate {
        return Err(err(
            "ValueError: Alternate form (#) not allowed in string format specifier",
        ));
    }
    if spec.grouping.is_some() {
        return Err(err("ValueError: Cannot specify ',' with 's'."));
    }
    if spec.align == Some('=') {
        return Err(err(
            "ValueError: '=' alignment not allowed in string format specifier",
        ));
    }
    let text: String = match spec.precision {
        Some(p) => s.chars().take(p).collect(),
        None => s.to_owned(),
    };
    let fill = spec.fill.unwrap_or(if spec.zero { '0' } else { ' ' });
    Ok(pad(&text, spec.width, spec.align.unwrap_or('<'), fill))
}

/// Pads `text` to `width` code points.
pub(crate) fn pad(text: &str, width: usize, align: char, fill: char) -> String {
    let len = text.chars().count();
    if len >= width {
        return text.to_owned();
    }
    let n = width - len;
    let (left, right) = match align {
        '>' => (n, 0),
        '^' => (n / 2, n - n / 2),
        _ => (0, n),
    };
    let mut out = String::with_capacity(text.len() + n);
    out.extend(std::iter::repeat_n(fill, left));
    out.push_str(text);
    out.extend(std::iter::repeat_n(fill, right));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn f(fmt: &str, args: &[Arg<'_>]) -> String {
        format(fmt, args).unwrap()
    }

    // Expected strings are what Python 3.11 prints for the same calls.
    #[test]
    fn fields_and_literals() {
        let a = [Arg::Str("x"), Arg::Str("yz")];
        assert_eq!(f("{{{0}}}-{1}", &a), "{x}-yz");
        assert_eq!(f("{}{}", &a), "xyz");
        assert_eq!(f("{1[1]}", &a), "z");
        assert!(format("{}{0}", &a).is_err());
        assert!(format("{2}", &a).is_err());
        assert!(format("a}b", &a).is_err());
        assert!(format("{0", &a).is_err());
        assert!(format("{0.upper}", &a).is_err());
        assert!(format("{name}", &a).is_err());
    }

    #[test]
    fn lookups_in_the_return_dict() {
        let ret = json!({"duration": 1.5, "n": 7, "w": ["a", "b"], "none": null, "t": true});
        let a = [Arg::Str("c"), Arg::Value(&ret)];
        assert_eq!(
            f("{1[duration]!s:>7}|{1[n]:03d}|{1[w][1]}", &a),
            "    1.5|007|b"
        );
        assert_eq!(
            f("{1[none]}|{1[t]}|{1[t]:>3}|{1[w]!r}", &a),
            "None|True|  1|['a', 'b']"
        );
        assert!(format("{1[missing]}", &a).is_err());
        assert!(format("{1[0]}", &a).is_err());
        assert!(format("{1[none]:>5}", &a).is_err());
        assert!(format("{1[n]:s}", &a).is_err());
    }

    #[test]
    fn string_specs() {
        let a = [Arg::Str("abc"), Arg::Str("é")];
        assert_eq!(
            f("[{0:*^7}][{0:.2}][{0:05}][{0:>4s}][{1!a}][{0!r:>7}]", &a),
            "[**abc**][ab][abc00][ abc]['\\xe9'][  'abc']"
        );
        assert!(format("{0:+}", &a).is_err());
        assert!(format("{0:=5}", &a).is_err());
        assert_eq!(f("{0:{1}}", &[Arg::Str("ab"), Arg::Str(">4")]), "  ab");
    }
}
