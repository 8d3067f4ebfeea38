//! Salt's default `nested` outputter: an indented, YAML-like tree with
//! `----------` separators, `- ` list items, `|_` for containers in lists and
//! optional ANSI colours (Salt's `TextFormat` codes).
//!
//! Rules (Salt 3007 `salt/output/nested.py`): dict keys are printed sorted,
//! each as `key:` with the value 4 columns deeper; a dict below the top level
//! starts with `----------`; strings print one line per `splitlines()` line;
//! scalars print as Python's `str()`; ESC characters inside strings print as
//! `?`; a non-zero retcode turns keys, list markers and separators red.

use serde_json::Value;

use crate::pyrepr;

/// Renders `data` the way Salt's nested outputter does, starting at column
/// `indent`, with lines joined by `\n` and no trailing newline (before the
/// final `rstrip` that Salt applies when printing).
pub(crate) fn render(data: &Value, indent: usize, color: bool, retcode: i32) -> String {
    let nest = Nest {
        colors: if color { Colors::ON } else { Colors::OFF },
        failed: retcode != 0,
    };
    let mut out = Vec::new();
    nest.display(data, indent, "", &mut out);
    out.join("\n")
}

/// ANSI sequences as built by Salt's `salt.textformat.TextFormat`: a reset
/// code followed by the attributes.
#[derive(Clone, Copy)]
struct Colors {
    green: &'static str,
    cyan: &'static str,
    red: &'static str,
    light_yellow: &'static str,
    endc: &'static str,
}

impl Colors {
    const ON: Colors = Colors {
        green: "\x1b[0;32m",
        cyan: "\x1b[0;36m",
        red: "\x1b[0;31m",
        light_yellow: "\x1b[0;1;33m",
        endc: "\x1b[0;0m",
    };
    const OFF: Colors = Colors {
        green: "",
        cyan: "",
        red: "",
        light_yellow: "",
        endc: "",
    };
}

struct Nest {
    colors: Colors,
    failed: bool,
}

impl Nest {
    fn line(&self, indent: usize, color: &str, prefix: &str, msg: &str, suffix: &str) -> String {
        format!(
            "{:indent$}{color}{prefix}{msg}{}{suffix}",
            "", self.colors.endc
        )
    }

    fn structure_color(&self, normal: &'static str) -> &'static str {
        if self.failed { self.colors.red } else { normal }
    }

    fn display(&self, value: &Value, indent: usize, prefix: &str, out: &mut Vec<String>) {
        let c = self.colors;
        match value {
            Value::Null | Value::Bool(_) | Value::Number(_) => {
                out.push(self.line(indent, c.light_yellow, prefix, &pyrepr::repr(value), ""));
            }
            Value::String(s) => {
                let continuation = " ".repeat(prefix.chars().count());
                for (i, line) in pyrepr::splitlines(s).into_iter().enumerate() {
                    let p = if i == 0 {
                        prefix
                    } else {
                        continuation.as_str()
                    };
                    // Salt's `strip_colors` (on unless configured off): a
                    // returned string may not drive the terminal.
                    let line = line.replace('\x1b', "?");
                    out.push(self.line(indent, c.green, p, &line, ""));
                }
            }
            Value::Array(items) => {
                let color = self.structure_color(c.green);
                for item in items {
                    match item {
                        Value::Array(_) => {
                            out.push(self.line(indent, color, "", "|_", ""));
                            self.display(item, indent + 2, "- ", out);
                        }
                        Value::Object(_) => {
                            out.push(self.line(indent, color, "", "|_", ""));
                            self.display(item, indent + 2, "", out);
                        }
                        _ => self.display(item, indent, "- ", out),
                    }
                }
            }
            Value::Object(map) => {
                let color = self.structure_color(c.cyan);
                if indent > 0 {
                    out.push(self.line(indent, color, "", "----------", ""));
                }
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                for key in keys {
                    out.push(self.line(indent, color, prefix, key, ":"));
                    if let Some(v) = map.get(key) {
                        self.display(v, indent + 4, "", out);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn plain(v: &Value) -> String {
        render(v, 0, false, 0)
    }

    #[test]
    fn scalars_print_as_python_str() {
        let v = json!({"m": {"n": null, "t": true, "f": false, "i": 42, "x": 1.0, "s": "text"}});
        assert_eq!(
            plain(&v),
            "m:\n    ----------\n    f:\n        False\n    i:\n        42\n    n:\n        None\n    s:\n        text\n    t:\n        True\n    x:\n        1.0"
        );
    }

    #[test]
    fn keys_are_sorted_by_code_point() {
        let v = json!({"b": 1, "B": 2, "a": 3, "é": 4});
        assert_eq!(plain(&v), "B:\n    2\na:\n    3\nb:\n    1\né:\n    4");
    }

    #[test]
    fn multiline_strings_split_per_line() {
        let v = json!({"m": "one\ntwo\r\n\nfour\n"});
        assert_eq!(plain(&v), "m:\n    one\n    two\n    \n    four");
        // Continuation lines of a list item align under the text.
        let v = json!(["a\nb"]);
        assert_eq!(plain(&v), "- a\n  b");
    }

    #[test]
    fn empty_values_print_nothing_below_their_key() {
        let v = json!({"a": "", "b": [], "c": {}, "d": 0});
        assert_eq!(plain(&v), "a:\nb:\nc:\n    ----------\nd:\n    0");
    }

    #[test]
    fn containers_inside_lists_use_pipe_marker() {
        let v = json!([1, [2, [3]], {"k": "v"}, []]);
        assert_eq!(
            plain(&v),
            "- 1\n|_\n  - 2\n  |_\n    - 3\n|_\n  ----------\n  k:\n      v\n|_"
        );
    }

    #[test]
    fn base_indent_adds_separator_for_top_dict() {
        let v = json!({"k": "v"});
        assert_eq!(render(&v, 2, false, 0), "  ----------\n  k:\n      v");
    }

    #[test]
    fn colours_use_salt_sequences() {
        let v = json!({"m": {"k": ["s", true]}});
        let got = render(&v, 0, true, 0);
        let want = "\x1b[0;36mm\x1b[0;0m:\n    \x1b[0;36m----------\x1b[0;0m\n    \x1b[0;36mk\x1b[0;0m:\n        \x1b[0;32m- s\x1b[0;0m\n        \x1b[0;1;33m- True\x1b[0;0m";
        assert_eq!(got, want);
    }

    #[test]
    fn failed_return_turns_structure_red() {
        let v = json!({"m": {"k": [[1]]}});
        let got = render(&v, 0, true, 1);
        assert!(got.starts_with("\x1b[0;31mm\x1b[0;0m:\n    \x1b[0;31m----------"));
        assert!(got.contains("\x1b[0;31m|_\x1b[0;0m"));
        assert!(got.contains("\x1b[0;1;33m- 1\x1b[0;0m"));
    }

    #[test]
    fn escape_characters_in_strings_are_neutralised() {
        let v = json!({"m": "\x1b[31mred\x1b[0m"});
        assert_eq!(plain(&v), "m:\n    ?[31mred?[0m");
    }

    #[test]
    fn no_escape_codes_without_colour() {
        let v = json!({"m": {"k": ["s", true, {"x": null}]}});
        assert!(!render(&v, 0, false, 1).contains('\x1b'));
    }
}
