//! Outputters byte-compatible with Salt 3007: nested, json, yaml, txt, raw,
//! quiet and pprint.
//!
//! Each function returns exactly the bytes Salt's CLI writes to stdout for the
//! same data: the outputter's text with trailing whitespace stripped (Salt's
//! `try_printout`) plus one newline, or nothing at all when that text is
//! empty. The highstate outputter is in [`highstate`], with Salt's
//! `state_output` options; [`Format::Highstate`] uses its defaults.
//!
//! ```
//! use salt_output::{render_one, Format, Options};
//! let o = Options::default();
//! let out = render_one(Format::Nested, "minion1", &serde_json::json!(true), &o);
//! assert_eq!(out, "minion1:\n    True\n");
//! ```

#![forbid(unsafe_code)]

pub mod highstate;
mod json;
mod nested;
mod pprint;
pub mod pyrepr;

use serde_json::{Map, Value};

/// The outputters selectable with `--out`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Salt's default indented tree.
    Nested,
    /// `json.dumps(data, indent=4)`; one document per minion unless `--static`.
    Json,
    /// PyYAML (libyaml) block style.
    Yaml,
    /// `minion: value` lines.
    Txt,
    /// Python `str()` of the data.
    Raw,
    /// Prints nothing.
    Quiet,
    /// Python `pprint.pformat` of the data.
    Pprint,
    /// State runs: [`highstate`] with Salt's default options.
    Highstate,
}

impl Format {
    /// Every format, in the order shown to users.
    pub const ALL: [Format; 8] = [
        Format::Nested,
        Format::Json,
        Format::Yaml,
        Format::Txt,
        Format::Raw,
        Format::Quiet,
        Format::Pprint,
        Format::Highstate,
    ];

    /// The name accepted by `--out`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Nested => "nested",
            Format::Json => "json",
            Format::Yaml => "yaml",
            Format::Txt => "txt",
            Format::Raw => "raw",
            Format::Quiet => "quiet",
            Format::Pprint => "pprint",
            Format::Highstate => "highstate",
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// An `--out` value that names no outputter.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown outputter '{name}'; valid outputters: nested, json, yaml, txt, raw, quiet, pprint, highstate"
)]
pub struct UnknownFormat {
    /// What the user typed.
    pub name: String,
}

impl std::str::FromStr for Format {
    type Err = UnknownFormat;

    /// Parses an `--out` name; `text` is accepted for `txt`, as Salt does.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "text" {
            return Ok(Format::Txt);
        }
        Format::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| UnknownFormat { name: s.to_owned() })
    }
}

/// Output settings from the command line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// `--out-indent`: `None` keeps each outputter's default (json 4, yaml 2,
    /// pprint 1); a negative value means one compact line (json) or flow
    /// style (yaml).
    pub indent: Option<i64>,
    /// Emit ANSI colours (only the nested outputter has any).
    pub color: bool,
    /// `--static`: the caller collects all returns and uses [`render_all`].
    pub static_: bool,
    /// The highstate outputter's settings (`--state-output`,
    /// `--state-verbose`, `--output-diff` and the config keys); its colour
    /// comes from `color`.
    pub highstate: highstate::HighstateOptions,
}

/// One minion's return, printed as it arrives (what `salt` does without
/// `--static`), e.g. nested prints `"minion1:\n    True\n"`.
pub fn render_one(fmt: Format, minion: &str, ret: &Value, o: &Options) -> String {
    render_one_retcode(fmt, minion, ret, 0, o)
}

/// [`render_one`] for a return whose retcode is known: as in Salt, a non-zero
/// retcode turns the nested outputter's keys and markers red when colour is on.
pub fn render_one_retcode(
    fmt: Format,
    minion: &str,
    ret: &Value,
    retcode: i32,
    o: &Options,
) -> String {
    let mut map = Map::new();
    map.insert(minion.to_owned(), ret.clone());
    render_all_retcode(fmt, &Value::Object(map), retcode, o)
}

/// All returns at once (`--static`, or runner output like `salt-run` and
/// `salt-key --out json`); `data` is usually an object minion -> return.
pub fn render_all(fmt: Format, data: &Value, o: &Options) -> String {
    render_all_retcode(fmt, data, 0, o)
}

/// [`render_all`] with the job's retcode (see [`render_one_retcode`]).
pub fn render_all_retcode(fmt: Format, data: &Value, retcode: i32, o: &Options) -> String {
    let text = match fmt {
        Format::Nested => nested::render(data, 0, o.color, retcode),
        Format::Json => json::dumps(data, json_indent(o.indent)),
        Format::Yaml => yaml_out(data, o.indent),
        Format::Txt => txt(data),
        Format::Raw => pyrepr::str_of(data),
        Format::Quiet => String::new(),
        Format::Pprint => pprint::pformat(data, pprint_indent(o.indent)),
        Format::Highstate => highstate::text(data, retcode, &o.into()),
    };
    finish(&text)
}

/// Just the value with the nested outputter, starting at column `indent`
/// (Salt's `nested_indent`). Used for `salt-run` output and `salt-call`'s
/// `local:` block. Returns the outputter's text without a trailing newline
/// (and without Salt's final whitespace strip), so callers can embed it.
pub fn nested(data: &Value, indent: usize, color: bool) -> String {
    nested::render(data, indent, color, 0)
}

/// Python's `json.dumps(data, sort_keys=..., indent=..., ensure_ascii=False)`
/// as Salt's `salt.utils.json.dumps` writes it (`state.event` lines, for
/// example): `None` for one line with `", "`/`": "` separators.
pub fn json_dumps(data: &Value, indent: Option<usize>, sort_keys: bool) -> String {
    if sort_keys {
        json::dumps(&sorted(data), indent)
    } else {
        json::dumps(data, indent)
    }
}

fn sorted(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), sorted(&m[k])))
                    .collect(),
            )
        }
        Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// Salt strips the outputter's text on the right, prints nothing when that
/// leaves nothing, and otherwise prints it with one newline.
fn finish(text: &str) -> String {
    let text = pyrepr::rstrip(text);
    if text.is_empty() {
        String::new()
    } else {
        format!("{text}\n")
    }
}

fn json_indent(indent: Option<i64>) -> Option<usize> {
    match indent {
        None => Some(4),
        Some(n) => usize::try_from(n).ok(),
    }
}

fn pprint_indent(indent: Option<i64>) -> usize {
    indent.and_then(|n| usize::try_from(n).ok()).unwrap_or(1)
}

/// Salt's `yaml` outputter: `safe_dump` with `default_flow_style=False`, or
/// with `--out-indent` N >= 0 as the indent, or flow style when N < 0. The
/// emitter lives in salt-yaml, shared with the Jinja `yaml` filter.
fn yaml_out(data: &Value, indent: Option<i64>) -> String {
    let (style, indent) = match indent {
        None => (salt_yaml::DumpStyle::Block, 2),
        Some(n) if n >= 0 => (salt_yaml::DumpStyle::Block, usize::try_from(n).unwrap_or(2)),
        Some(_) => (salt_yaml::DumpStyle::Flow, 2),
    };
    let options = salt_yaml::DumpOptions {
        style,
        indent,
        sort_keys: true,
    };
    salt_yaml::dump_with(data, &options)
}

/// Salt's `txt` outputter: for a dict, one `key: line` per line of a string
/// value or `key: str(value)` otherwise; a string prints as is; anything else
/// through `pprint.pformat`.
fn txt(data: &Value) -> String {
    let mut out = String::new();
    match data {
        Value::Object(map) => {
            for (key, value) in map {
                match value {
                    Value::String(s) => {
                        for line in pyrepr::splitlines(s) {
                            out.push_str(&format!("{key}: {line}\n"));
                        }
                    }
                    other => out.push_str(&format!("{key}: {}\n", pyrepr::str_of(other))),
                }
            }
        }
        Value::String(s) => {
            out.push_str(s);
            out.push('\n');
        }
        other => {
            out.push_str(&pprint::pformat(other, 1));
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn opts() -> Options {
        Options::default()
    }

    #[test]
    fn format_names_round_trip() {
        for f in Format::ALL {
            assert_eq!(f.name().parse::<Format>(), Ok(f));
            assert_eq!(f.to_string(), f.name());
        }
        assert_eq!("text".parse::<Format>(), Ok(Format::Txt));
        let err = "xml".parse::<Format>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown outputter 'xml'; valid outputters: nested, json, yaml, txt, raw, quiet, pprint, highstate"
        );
    }

    #[test]
    fn nested_one_minion() {
        assert_eq!(
            render_one(Format::Nested, "minion1", &json!(true), &opts()),
            "minion1:\n    True\n"
        );
    }

    #[test]
    fn json_one_minion_and_compact() {
        let ret = json!({"a": 1});
        assert_eq!(
            render_one(Format::Json, "m", &ret, &opts()),
            "{\n    \"m\": {\n        \"a\": 1\n    }\n}\n"
        );
        let compact = Options {
            indent: Some(-1),
            ..opts()
        };
        assert_eq!(
            render_one(Format::Json, "m", &ret, &compact),
            "{\"m\": {\"a\": 1}}\n"
        );
        let two = Options {
            indent: Some(2),
            ..opts()
        };
        assert_eq!(
            render_one(Format::Json, "m", &ret, &two),
            "{\n  \"m\": {\n    \"a\": 1\n  }\n}\n"
        );
    }

    #[test]
    fn txt_prefixes_every_line() {
        assert_eq!(
            render_one(Format::Txt, "m", &json!("a\nb\n"), &opts()),
            "m: a\nm: b\n"
        );
        assert_eq!(
            render_one(
                Format::Txt,
                "m",
                &json!({"k": [1, "x"], "n": null}),
                &opts()
            ),
            "m: {'k': [1, 'x'], 'n': None}\n"
        );
        // An empty string prints nothing at all.
        assert_eq!(render_one(Format::Txt, "m", &json!(""), &opts()), "");
        assert_eq!(render_all(Format::Txt, &json!("plain"), &opts()), "plain\n");
        assert_eq!(render_all(Format::Txt, &json!([1, 2]), &opts()), "[1, 2]\n");
    }

    #[test]
    fn raw_is_python_str() {
        assert_eq!(
            render_one(Format::Raw, "m", &json!({"b": 1.5, "a": "it's"}), &opts()),
            "{'m': {'b': 1.5, 'a': \"it's\"}}\n"
        );
        assert_eq!(render_all(Format::Raw, &json!("text"), &opts()), "text\n");
    }

    #[test]
    fn quiet_prints_nothing() {
        assert_eq!(render_one(Format::Quiet, "m", &json!(true), &opts()), "");
    }

    #[test]
    fn pprint_sorts_keys() {
        assert_eq!(
            render_all(Format::Pprint, &json!({"b": 1, "a": [None::<u8>]}), &opts()),
            "{'a': [None], 'b': 1}\n"
        );
    }

    #[test]
    fn trailing_whitespace_is_stripped_once() {
        assert_eq!(
            render_one(Format::Nested, "m", &json!("x  \n\n"), &opts()),
            "m:\n    x\n"
        );
        assert_eq!(render_all(Format::Nested, &json!({}), &opts()), "");
    }

    #[test]
    fn nested_helper_keeps_indent_and_no_newline() {
        assert_eq!(nested(&json!({"local": [1]}), 0, false), "local:\n    - 1");
        assert_eq!(nested(&json!("x"), 4, false), "    x");
    }

    #[test]
    fn colour_only_when_asked() {
        let on = Options {
            color: true,
            ..opts()
        };
        assert!(render_one(Format::Nested, "m", &json!(true), &on).contains("\x1b[0;36m"));
        assert!(!render_one(Format::Nested, "m", &json!(true), &opts()).contains('\x1b'));
        assert_eq!(
            render_one_retcode(Format::Nested, "m", &json!("x"), 1, &on),
            "\x1b[0;31mm\x1b[0;0m:\n    \x1b[0;32mx\x1b[0;0m\n"
        );
    }
}
