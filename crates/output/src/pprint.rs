//! Python's `pprint.pformat` (width 80, sorted dict keys), used by Salt's
//! `pprint` outputter and by `txt` for data that is neither a dict nor a
//! string. Reproduces pprint's wrapping: containers that do not fit break one
//! item per line aligned after the opening bracket or the `key: `, and long
//! strings are split at whitespace into adjacent literals.

use serde_json::{Map, Value};

use crate::pyrepr;

/// `pprint.pformat(value, indent=indent_per_level)`.
pub(crate) fn pformat(value: &Value, indent_per_level: usize) -> String {
    let pp = Printer {
        indent_per_level,
        width: 80,
    };
    let mut out = String::new();
    pp.format(value, &mut out, 0, 0, 0);
    out
}

/// `repr()` as pprint computes it: like Python's, but dict keys sorted.
fn safe_repr(value: &Value) -> String {
    match value {
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(safe_repr).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Object(map) => {
            let parts: Vec<String> = sorted_items(map)
                .into_iter()
                .map(|(k, v)| format!("{}: {}", pyrepr::repr_str(k), safe_repr(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        other => pyrepr::repr(other),
    }
}

fn sorted_items(map: &Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut items: Vec<(&String, &Value)> = map.iter().collect();
    items.sort_by(|a, b| a.0.cmp(b.0));
    items
}

fn len(s: &str) -> isize {
    isize::try_from(s.chars().count()).unwrap_or(isize::MAX)
}

fn signed(n: usize) -> isize {
    isize::try_from(n).unwrap_or(isize::MAX)
}

struct Printer {
    indent_per_level: usize,
    width: usize,
}

impl Printer {
    fn format(
        &self,
        value: &Value,
        out: &mut String,
        indent: usize,
        allowance: usize,
        level: usize,
    ) {
        let rep = safe_repr(value);
        let max_width = signed(self.width) - signed(indent) - signed(allowance);
        if len(&rep) > max_width {
            match value {
                Value::Object(map) => {
                    return self.pprint_dict(map, out, indent, allowance, level + 1);
                }
                Value::Array(items) => {
                    return self.pprint_list(items, out, indent, allowance, level + 1);
                }
                Value::String(s) => return self.pprint_str(s, out, indent, allowance, level + 1),
                _ => {}
            }
        }
        out.push_str(&rep);
    }

    fn pprint_dict(
        &self,
        map: &Map<String, Value>,
        out: &mut String,
        indent: usize,
        allowance: usize,
        level: usize,
    ) {
        out.push('{');
        if self.indent_per_level > 1 {
            out.push_str(&" ".repeat(self.indent_per_level - 1));
        }
        if !map.is_empty() {
            let items = sorted_items(map);
            let indent = indent + self.indent_per_level;
            let delim = format!(",\n{}", " ".repeat(indent));
            let last_index = items.len() - 1;
            for (i, (key, value)) in items.into_iter().enumerate() {
                let last = i == last_index;
                let rep = pyrepr::repr_str(key);
                out.push_str(&rep);
                out.push_str(": ");
                let key_width = rep.chars().count() + 2;
                let item_allowance = if last { allowance + 1 } else { 1 };
                self.format(value, out, indent + key_width, item_allowance, level);
                if !last {
                    out.push_str(&delim);
                }
            }
        }
        out.push('}');
    }

    fn pprint_list(
        &self,
        items: &[Value],
        out: &mut String,
        indent: usize,
        allowance: usize,
        level: usize,
    ) {
        out.push('[');
        let allowance = allowance + 1;
        let indent = indent + self.indent_per_level;
        if self.indent_per_level > 1 {
            out.push_str(&" ".repeat(self.indent_per_level - 1));
        }
        let delim = format!(",\n{}", " ".repeat(indent));
        for (i, item) in items.iter().enumerate() {
            let last = i + 1 == items.len();
            if i > 0 {
                out.push_str(&delim);
            }
            self.format(item, out, indent, if last { allowance } else { 1 }, level);
        }
        out.push(']');
    }

    fn pprint_str(&self, s: &str, out: &mut String, indent: usize, allowance: usize, level: usize) {
        if s.is_empty() {
            out.push_str(&pyrepr::repr_str(s));
            return;
        }
        let (indent, allowance) = if level == 1 {
            (indent + 1, allowance + 1)
        } else {
            (indent, allowance)
        };
        let lines = pyrepr::splitlines_keepends(s);
        let max_width = signed(self.width) - signed(indent);
        let mut max_width1 = max_width;
        let mut chunks: Vec<String> = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            let last_line = i + 1 == lines.len();
            let rep = pyrepr::repr_str(line);
            if last_line {
                max_width1 -= signed(allowance);
            }
            if len(&rep) <= max_width1 {
                chunks.push(rep);
                continue;
            }
            let parts = word_parts(line);
            let mut max_width2 = max_width;
            let mut current = String::new();
            for (j, part) in parts.iter().enumerate() {
                let candidate = format!("{current}{part}");
                if j + 1 == parts.len() && last_line {
                    max_width2 -= signed(allowance);
                }
                if len(&pyrepr::repr_str(&candidate)) > max_width2 {
                    if !current.is_empty() {
                        chunks.push(pyrepr::repr_str(&current));
                    }
                    current = (*part).to_owned();
                } else {
                    current = candidate;
                }
            }
            if !current.is_empty() {
                chunks.push(pyrepr::repr_str(&current));
            }
        }
        if chunks.len() == 1 {
            out.push_str(&chunks[0]);
            return;
        }
        if level == 1 {
            out.push('(');
        }
        let sep = format!("\n{}", " ".repeat(indent));
        out.push_str(&chunks.join(&sep));
        if level == 1 {
            out.push(')');
        }
    }
}

/// `re.findall(r'\S*\s*', line)` without the final empty match: runs of
/// non-space characters, each with the whitespace that follows it.
fn word_parts(line: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut in_space = false;
    for (i, c) in line.char_indices() {
        let space = pyrepr::is_space(c);
        if !space && in_space {
            parts.push(&line[start..i]);
            start = i;
        }
        in_space = space;
    }
    if start < line.len() {
        parts.push(&line[start..]);
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn short_data_is_one_line_with_sorted_keys() {
        let v = json!({"b": [1, 2], "a": {"y": null, "x": true}});
        assert_eq!(pformat(&v, 1), "{'a': {'x': True, 'y': None}, 'b': [1, 2]}");
    }

    #[test]
    fn long_dict_breaks_per_item() {
        // Expected text produced by CPython 3.11 pprint.pformat.
        let v = json!({"minion1": {"pid": 23652, "retcode": 3, "stdout": "out", "stderr": "err", "list": ["aaaaaaaaaaaa", "bbbbbbbbbbbbbbbb", "cccccccccccc"]}});
        assert_eq!(
            pformat(&v, 1),
            "{'minion1': {'list': ['aaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb', 'cccccccccccc'],\n             'pid': 23652,\n             'retcode': 3,\n             'stderr': 'err',\n             'stdout': 'out'}}"
        );
    }

    #[test]
    fn long_strings_split_at_whitespace() {
        let text = "word ".repeat(30);
        let v = json!({"m": text.trim_end()});
        assert_eq!(
            pformat(&v, 1),
            "{'m': 'word word word word word word word word word word word word word word '\n      'word word word word word word word word word word word word word word '\n      'word word'}"
        );
        let top = json!(text.trim_end());
        assert_eq!(
            pformat(&top, 1),
            "('word word word word word word word word word word word word word word word '\n 'word word word word word word word word word word word word word word word')"
        );
    }

    #[test]
    fn multiline_string_splits_per_line() {
        let long = format!("{}\nsecond line", "x".repeat(70));
        let v = json!({"k": long});
        assert_eq!(
            pformat(&v, 1),
            format!("{{'k': '{}\\n'\n      'second line'}}", "x".repeat(70))
        );
    }

    #[test]
    fn indent_option_widens_levels() {
        let v = json!({"a": "x".repeat(40), "b": "y".repeat(40)});
        assert_eq!(
            pformat(&v, 4),
            format!(
                "{{   'a': '{}',\n    'b': '{}'}}",
                "x".repeat(40),
                "y".repeat(40)
            )
        );
    }

    #[test]
    fn list_of_long_items() {
        let v = json!(["a".repeat(50), "b".repeat(50)]);
        assert_eq!(
            pformat(&v, 1),
            format!("['{}',\n '{}']", "a".repeat(50), "b".repeat(50))
        );
    }
}
