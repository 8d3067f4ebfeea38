//! Python `str` methods that minijinja-contrib's pycompat layer lacks and
//! Salt formulas use: `rsplit`, `partition`, `rpartition`, `ljust`,
//! `rjust`, `center`, `zfill`, `index`, `rindex`, `swapcase`, `casefold`,
//! `removeprefix`, `removesuffix`, `expandtabs`, `isdecimal`, `istitle`;
//! and `join`, which Python refuses for items that are not strings where
//! minijinja-contrib would print them.

use minijinja::value::{Tuple, Value};
use minijinja::{Error, ErrorKind};

use crate::methods::split_kwargs;
use crate::pyrepr;
use crate::value::list_from;

/// `s.method(args)` when it is one of these; `None` to fall through.
pub fn call(s: &str, method: &str, args: &[Value]) -> Option<Result<Value, Error>> {
    let (pos, kwargs) = split_kwargs(args);
    let arg = |i: usize, name: &str| {
        kwargs
            .iter()
            .find(|(k, _)| k.as_str() == Some(name))
            .map(|(_, v)| v.clone())
            .or_else(|| pos.get(i).cloned())
    };
    let text_arg = |i: usize, name: &str| arg(i, name).and_then(|v| v.as_str().map(str::to_owned));
    let int_arg = |i: usize, name: &str| arg(i, name).and_then(|v| v.as_i64());
    let fill = || {
        text_arg(1, "fillchar")
            .and_then(|f| f.chars().next())
            .unwrap_or(' ')
    };
    let width = || usize::try_from(int_arg(0, "width").unwrap_or(0)).unwrap_or(0);
    let len = s.chars().count();
    Some(Ok(match method {
        "join" => return Some(join(s, pos.first())),
        "rsplit" => {
            let sep = text_arg(0, "sep");
            let max = int_arg(1, "maxsplit").unwrap_or(-1);
            list_from(
                rsplit(s, sep.as_deref(), max)
                    .into_iter()
                    .map(Value::from)
                    .collect(),
            )
        }
        "partition" | "rpartition" => {
            let Some(sep) = text_arg(0, "sep").filter(|x| !x.is_empty()) else {
                return Some(Err(Error::new(
                    ErrorKind::InvalidOperation,
                    "ValueError: empty separator",
                )));
            };
            let found = if method == "partition" {
                s.find(&sep)
            } else {
                s.rfind(&sep)
            };
            let parts = match found {
                Some(i) => [&s[..i], sep.as_str(), &s[i + sep.len()..]],
                None if method == "partition" => [s, "", ""],
                None => ["", "", s],
            };
            Value::from(Tuple::from(parts.map(Value::from)))
        }
        "ljust" => Value::from(format!(
            "{s}{}",
            fill().to_string().repeat(width().saturating_sub(len))
        )),
        "rjust" => Value::from(format!(
            "{}{s}",
            fill().to_string().repeat(width().saturating_sub(len))
        )),
        "center" => {
            let total = width().saturating_sub(len);
            // Python puts the odd extra space on the left when the width is odd.
            let left = total / 2 + (total & width() & 1);
            let f = fill().to_string();
            Value::from(format!("{}{s}{}", f.repeat(left), f.repeat(total - left)))
        }
        "zfill" => {
            let pad = width().saturating_sub(len);
            let (sign, rest) = match s.chars().next() {
                Some(c @ ('+' | '-')) => (c.to_string(), &s[1..]),
                _ => (String::new(), s),
            };
            Value::from(format!("{sign}{}{rest}", "0".repeat(pad)))
        }
        "index" | "rindex" => {
            let sub = text_arg(0, "sub").unwrap_or_default();
            let found = if method == "index" {
                s.find(&sub)
            } else {
                s.rfind(&sub)
            };
            match found {
                Some(i) => Value::from(s[..i].chars().count()),
                None => {
                    return Some(Err(Error::new(
                        ErrorKind::InvalidOperation,
                        "ValueError: substring not found",
                    )));
                }
            }
        }
        "swapcase" => Value::from(
            s.chars()
                .flat_map(|c| {
                    if c.is_uppercase() {
                        c.to_lowercase().collect::<Vec<_>>()
                    } else {
                        c.to_uppercase().collect::<Vec<_>>()
                    }
                })
                .collect::<String>(),
        ),
        "casefold" => Value::from(s.to_lowercase()),
        "removeprefix" => Value::from(
            s.strip_prefix(text_arg(0, "prefix").unwrap_or_default().as_str())
                .unwrap_or(s),
        ),
        "removesuffix" => Value::from(
            s.strip_suffix(text_arg(0, "suffix").unwrap_or_default().as_str())
                .unwrap_or(s),
        ),
        "expandtabs" => {
            let size = usize::try_from(int_arg(0, "tabsize").unwrap_or(8)).unwrap_or(8);
            let mut out = String::new();
            let mut col = 0;
            for c in s.chars() {
                match c {
                    '\t' if size > 0 => {
                        let n = size - col % size;
                        out.push_str(&" ".repeat(n));
                        col += n;
                    }
                    '\t' => {}
                    '\n' | '\r' => {
                        out.push(c);
                        col = 0;
                    }
                    c => {
                        out.push(c);
                        col += 1;
                    }
                }
            }
            Value::from(out)
        }
        "isdecimal" => Value::from(!s.is_empty() && s.chars().all(|c| c.is_ascii_digit())),
        "istitle" => Value::from(is_title(s)),
        _ => return None,
    }))
}

/// Python's `sep.join(iterable)`: every item must be a string (a
/// `TypeError` names the first that is not), a mapping gives its keys.
fn join(sep: &str, items: Option<&Value>) -> Result<Value, Error> {
    let Some(items) = items else {
        return Err(Error::new(
            ErrorKind::MissingArgument,
            "TypeError: str.join() takes exactly one argument (0 given)",
        ));
    };
    let iter = items.try_iter().map_err(|_| {
        Error::new(
            ErrorKind::InvalidOperation,
            "TypeError: can only join an iterable",
        )
    })?;
    let mut out = String::new();
    for (i, item) in iter.enumerate() {
        let Some(text) = item.as_str() else {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!(
                    "TypeError: sequence item {i}: expected str instance, {} found",
                    pyrepr::type_name(&item)
                ),
            ));
        };
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(text);
    }
    Ok(Value::from(out))
}

/// Python's `str.rsplit(sep=None, maxsplit=-1)`.
fn rsplit<'a>(s: &'a str, sep: Option<&str>, max: i64) -> Vec<&'a str> {
    let mut parts: Vec<&str> = match sep {
        Some(sep) if !sep.is_empty() => {
            if max < 0 {
                s.split(sep).collect()
            } else {
                let mut v: Vec<&str> = s
                    .rsplitn(usize::try_from(max).unwrap_or(0) + 1, sep)
                    .collect();
                v.reverse();
                return v;
            }
        }
        _ => {
            let words: Vec<&str> = s.split_whitespace().collect();
            if max < 0 || words.len() <= usize::try_from(max).unwrap_or(0) {
                return words;
            }
            // Keep the head (with its inner whitespace) as one piece.
            let keep = words.len() - usize::try_from(max).unwrap_or(0);
            let trimmed = s.trim_end();
            let mut cut = trimmed.len();
            for _ in 0..usize::try_from(max).unwrap_or(0) {
                let head = trimmed[..cut].trim_end();
                cut = head.rfind(char::is_whitespace).map(|i| i + 1).unwrap_or(0);
                cut = head[..cut].trim_end().len();
            }
            let _ = keep;
            let mut v = vec![trimmed[..cut].trim_start()];
            v.extend(words[words.len() - usize::try_from(max).unwrap_or(0)..].iter());
            return v;
        }
    };
    if parts.is_empty() {
        parts.push("");
    }
    parts
}

fn is_title(s: &str) -> bool {
    let mut cased = false;
    let mut prev_cased = false;
    for c in s.chars() {
        if c.is_uppercase() {
            if prev_cased {
                return false;
            }
            prev_cased = true;
            cased = true;
        } else if c.is_lowercase() {
            if !prev_cased {
                return false;
            }
            prev_cased = true;
            cased = true;
        } else {
            prev_cased = false;
        }
    }
    cased
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rsplit_like_python() {
        assert_eq!(rsplit("a.b.c", Some("."), 1), ["a.b", "c"]);
        assert_eq!(rsplit("a.b.c", Some("."), -1), ["a", "b", "c"]);
        assert_eq!(rsplit(" a  b c ", None, 1), ["a  b", "c"]);
        assert_eq!(rsplit("a b", None, -1), ["a", "b"]);
    }

    #[test]
    fn join_takes_only_strings() {
        let c = |a: &[Value]| call("/", "join", a).unwrap();
        let ok = c(&[Value::from(vec!["a", "b"])]).unwrap();
        assert_eq!(ok.to_string(), "a/b");
        let err = c(&[Value::from(vec![Value::from("a"), Value::from(1)])]).unwrap_err();
        assert!(
            err.to_string()
                .contains("sequence item 1: expected str instance, int found"),
            "{err}"
        );
    }

    #[test]
    fn padding() {
        let c = |s: &str, m: &str, a: &[Value]| call(s, m, a).unwrap().unwrap().to_string();
        assert_eq!(c("abc", "center", &[Value::from(7)]), "  abc  ");
        assert_eq!(c("ab", "center", &[Value::from(5)]), "  ab ");
        assert_eq!(c("abc", "center", &[Value::from(6)]), " abc  ");
        assert_eq!(c("-5", "zfill", &[Value::from(4)]), "-005");
        assert_eq!(c("a", "ljust", &[Value::from(3), Value::from("*")]), "a**");
    }
}
