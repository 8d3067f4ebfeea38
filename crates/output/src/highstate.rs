//! Salt's `highstate` outputter: what `salt '*' state.apply` and
//! `salt-call state.apply` print, byte for byte (Salt 3007).
//!
//! Input is what a state run returns per minion: a dict tag -> result
//! (`{name, changes, result, comment, __run_num__, start_time, duration,
//! ...}`), a list of strings (compile errors, printed under "Data failed to
//! compile:"), or a string. Per minion this prints `minion:`, then one block
//! per state in `__run_num__` order (a `----------` line and `ID:`,
//! `Function:`, `Name:`, `Result:`, `Comment:`, `Started:`, `Duration:`,
//! `Changes:`, `Warnings:`; or one terse line), then the Summary.
//!
//! The options are Salt's (`state_output` full/terse/mixed/changes/filter and
//! their `_id` forms, `state_verbose`, `state_output_diff`,
//! `state_output_profile`, `state_output_pct`, `state_compress_ids`,
//! `state_tabular`, `state_output_exclude`/`_terse`), see
//! [`HighstateOptions`]. Colours are Salt's ANSI sequences.
//!
//! Where Salt's outputter raises on odd data and Salt falls back to the
//! nested outputter (a state without `changes` or `comment`, a non-dict
//! top level...), so does this; the nested output then shows the data as
//! Salt's outputter had already rewritten it (`duration: 1.5 ms`). Where
//! Salt's outputter would crash instead (a tag without `_|-` separators, a
//! malformed `state_tabular` string), this falls back to nested too.
//!
//! Numbers print as Python prints them; the total run time adds durations
//! left to right as Python 3.11's `sum()` does (3.12 rounds differently in
//! rare last digits). Goldens: `tests/golden/highstate/` (README there),
//! and `tools/compare_highstate.py` compares random data with Salt's code.
//!
//! ```
//! use salt_output::highstate::{render, HighstateOptions};
//! let ret = serde_json::json!({"test_|-a_|-a_|-nop": {
//!     "name": "a", "result": true, "changes": {}, "comment": "Success!",
//!     "__run_num__": 0, "start_time": "10:00:00.000001", "duration": 0.5}});
//! let out = render("minion1", &ret, &HighstateOptions::default());
//! assert!(out.starts_with("minion1:\n----------\n          ID: a\n    Function: test.nop\n"));
//! assert!(out.ends_with("Total states run:     1\nTotal run time:   0.500 ms\n"));
//! ```

mod compress;
mod host;
mod py;
mod pyformat;
mod pynum;
mod terse;
mod textwrap;

use serde_json::{Map, Value};

use crate::{nested, pyrepr};
use py::{Fallback, Py};

/// Salt's state output options (`salt --state-output=... --state-verbose=...`
/// and the minion/master config keys of the same names).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HighstateOptions {
    /// `state_output` / `--state-output`.
    pub state_output: StateOutput,
    /// `state_verbose` / `--state-verbose`: `false` hides states that
    /// succeeded without changes.
    pub state_verbose: bool,
    /// `state_output_diff` / `--output-diff`: hide states that succeeded
    /// without changes (whatever `state_verbose` says).
    pub state_output_diff: bool,
    /// `state_output_profile`: the `Started:`/`Duration:` lines and the
    /// total run time.
    pub state_output_profile: bool,
    /// `state_output_pct`: "Success %" and "Failure %" in the summary.
    pub state_output_pct: bool,
    /// `state_compress_ids`: one block per ID and result for states with
    /// several names.
    pub state_compress_ids: bool,
    /// `state_tabular`: the layout of terse lines.
    pub state_tabular: Tabular,
    /// `state_output_exclude` (or the `exclude=` CLI keyword) in `filter`
    /// mode: results, as Python prints them (`True`, `False`, `None`), whose
    /// states are not shown. [`split_list`] turns Salt's `"True,None"` form
    /// into this.
    pub state_output_exclude: Vec<String>,
    /// `state_output_terse` (or `terse=`) in `filter` mode: results whose
    /// states print as terse lines.
    pub state_output_terse: Vec<String>,
    /// ANSI colours (`--force-color`, or stdout is a terminal and no
    /// `--no-color`).
    pub color: bool,
}

impl Default for HighstateOptions {
    /// Salt's defaults: full output, verbose, profile lines, no colour.
    fn default() -> Self {
        HighstateOptions {
            state_output: StateOutput::default(),
            state_verbose: true,
            state_output_diff: false,
            state_output_profile: true,
            state_output_pct: false,
            state_compress_ids: false,
            state_tabular: Tabular::Off,
            state_output_exclude: Vec::new(),
            state_output_terse: Vec::new(),
            color: false,
        }
    }
}

impl From<&crate::Options> for HighstateOptions {
    /// Salt's defaults with the colour of the common output options (what
    /// `--out highstate` gives).
    fn from(o: &crate::Options) -> Self {
        HighstateOptions {
            color: o.color,
            ..o.highstate.clone()
        }
    }
}

/// A `state_output` value: a mode, and whether `Name:` shows the state ID
/// (the `_id` suffix).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StateOutput {
    /// How much of each state is shown.
    pub mode: Mode,
    /// `full_id`, `terse_id`, ...: the state's ID replaces its name.
    pub use_id: bool,
}

/// The `state_output` modes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// Every state as a block (the default, and what Salt does with any
    /// value it does not know).
    #[default]
    Full,
    /// Every state as one line.
    Terse,
    /// Terse, except failed states.
    Mixed,
    /// Terse for states that succeeded without changes.
    Changes,
    /// Full, except results listed in `state_output_terse` (terse) and
    /// `state_output_exclude` (hidden).
    Filter,
}

impl StateOutput {
    /// Reads a `state_output` value the way Salt does: lower-cased, by
    /// prefix (`terse`, `mixed`, `changes`, `filter`; anything else is
    /// full), with `_id` at the end selecting the ID for `Name:`.
    pub fn from_salt(value: &str) -> StateOutput {
        let v = value.to_lowercase();
        let mode = if v.starts_with("filter") {
            Mode::Filter
        } else if v.starts_with("terse") {
            Mode::Terse
        } else if v.starts_with("mixed") {
            Mode::Mixed
        } else if v.starts_with("changes") {
            Mode::Changes
        } else {
            Mode::Full
        };
        StateOutput {
            mode,
            use_id: v.ends_with("_id"),
        }
    }
}

/// `state_tabular`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Tabular {
    /// Terse lines as `  Name: ... - Function: ... - Result: ...`.
    #[default]
    Off,
    /// `state_tabular: True`: aligned columns.
    Aligned,
    /// `state_tabular: "<format>"`: a Python `str.format` string, given the
    /// colour, name, module, function, result word, colour reset and the
    /// state's return dict as fields 0-6.
    Format(String),
}

/// Salt's reading of a comma-separated `exclude=`/`terse=` value.
pub fn split_list(value: &str) -> Vec<String> {
    value.split(',').map(str::to_owned).collect()
}

/// One minion's state return as `salt` prints it when it arrives (and as
/// `salt-call` prints its `local:` block): the text plus a newline, or
/// nothing when the outputter printed nothing.
pub fn render(minion: &str, ret: &Value, opts: &HighstateOptions) -> String {
    render_retcode(minion, ret, 0, opts)
}

/// [`render`] for a return whose retcode is known: it only matters when the
/// data falls back to the nested outputter, which turns red for non-zero.
pub fn render_retcode(minion: &str, ret: &Value, retcode: i32, opts: &HighstateOptions) -> String {
    let mut map = Map::new();
    map.insert(minion.to_owned(), ret.clone());
    render_all_retcode(&Value::Object(map), retcode, opts)
}

/// Several minions at once (`salt --static`), `data` being minion -> return;
/// one block each, in the map's order.
pub fn render_all(data: &Value, opts: &HighstateOptions) -> String {
    render_all_retcode(data, 0, opts)
}

/// [`render_all`] with the job's retcode (see [`render_retcode`]).
pub fn render_all_retcode(data: &Value, retcode: i32, opts: &HighstateOptions) -> String {
    let text = text(data, retcode, opts);
    let text = pyrepr::rstrip(&text);
    if text.is_empty() {
        String::new()
    } else {
        format!("{text}\n")
    }
}

/// The outputter's text before Salt's final strip: the highstate rendering,
/// or the nested one where Salt's outputter gives up on the data.
pub(crate) fn text(data: &Value, retcode: i32, opts: &HighstateOptions) -> String {
    let ctx = Ctx {
        opts,
        c: if opts.color { Colors::ON } else { Colors::OFF },
    };
    // Salt's outputter rewrites the data as it goes; a fallback prints that.
    let mut work = data.clone();
    match output(&mut work, 1, &ctx) {
        Ok(text) => text,
        Err(Fallback(_why)) => nested::render(&work, 0, opts.color, retcode),
    }
}

/// Salt's colour table (`salt.utils.color.get_colors`), as far as the
/// highstate outputter uses it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Colors {
    pub(crate) green: &'static str,
    pub(crate) cyan: &'static str,
    pub(crate) red: &'static str,
    pub(crate) light_red: &'static str,
    pub(crate) light_yellow: &'static str,
    pub(crate) endc: &'static str,
}

impl Colors {
    const ON: Colors = Colors {
        green: "\x1b[0;32m",
        cyan: "\x1b[0;36m",
        red: "\x1b[0;31m",
        light_red: "\x1b[0;1;31m",
        light_yellow: "\x1b[0;1;33m",
        endc: "\x1b[0;0m",
    };
    const OFF: Colors = Colors {
        green: "",
        cyan: "",
        red: "",
        light_red: "",
        light_yellow: "",
        endc: "",
    };
}

/// What every formatting step needs.
pub(crate) struct Ctx<'a> {
    pub(crate) opts: &'a HighstateOptions,
    pub(crate) c: Colors,
}

/// The outputter's entry point (`output()` in Salt), also used for the
/// changes of orchestration steps (`indent_level` 2 and deeper).
pub(crate) fn output(data: &mut Value, indent_level: usize, ctx: &Ctx<'_>) -> Py<String> {
    let path = envelope_path(data)?;
    let mut cur = &mut *data;
    for key in &path {
        cur = match cur {
            Value::Object(m) => m
                .get_mut(key)
                .ok_or_else(|| Fallback::new("KeyError in envelope"))?,
            _ => return Err(Fallback::new("envelope is not a dict")),
        };
    }
    let map = match cur {
        Value::Bool(_) | Value::Number(_) if !is_float(cur) => {
            return Err(Fallback::new(
                "AttributeError: 'int' object has no attribute 'rstrip'",
            ));
        }
        Value::String(s) => return Ok(s.clone()),
        Value::Null => return Ok("None".to_owned()),
        Value::Object(m) => m,
        other => {
            return Err(Fallback::new(format!(
                "AttributeError: '{}' object has no attribute 'keys'",
                py::type_name(other)
            )));
        }
    };
    let masters = map.keys().filter(|k| k.ends_with("_master")).count();
    if masters == 1 && map.contains_key("retcode") {
        map.shift_remove("retcode");
    }
    if ctx.opts.state_compress_ids
        && let Some((mut compressed, links)) = compress::compress_ids(map)
    {
        let text = format_hosts(&mut compressed, indent_level, ctx);
        compress::write_back(map, &compressed, &links);
        return text;
    }
    format_hosts(map, indent_level, ctx)
}

/// One block per minion, joined by newlines.
fn format_hosts(hosts: &mut Map<String, Value>, indent_level: usize, ctx: &Ctx<'_>) -> Py<String> {
    let mut blocks = Vec::with_capacity(hosts.len());
    for (host, hostdata) in hosts.iter_mut() {
        blocks.push(host::format_host(host, hostdata, indent_level, ctx)?.0);
    }
    Ok(blocks.join("\n"))
}

fn is_float(v: &Value) -> bool {
    matches!(v, Value::Number(n) if n.is_f64())
}

/// The keys leading from Salt's wrappers to the state data: a `return` key,
/// then a `data` key, then a lone minion whose value is a job envelope
/// (`jid`, `fun`, `return.data`).
fn envelope_path(data: &Value) -> Py<Vec<String>> {
    let mut path = Vec::new();
    let mut cur = data;
    for key in ["return", "data"] {
        if let Some(inner) = cur.as_object().and_then(|m| m.get(key)) {
            path.push(key.to_owned());
            cur = inner;
        }
    }
    if let Some(m) = cur.as_object()
        && m.len() == 1
        && let Some((minion, only)) = m.iter().next()
        && let Some(job) = only.as_object()
        && job.contains_key("jid")
        && job.contains_key("fun")
    {
        match job.get("return") {
            Some(Value::Object(r)) if r.contains_key("data") => {
                path.extend([minion.clone(), "return".to_owned(), "data".to_owned()]);
            }
            None | Some(Value::Object(_)) => {}
            Some(other) => {
                return Err(Fallback::new(format!(
                    "AttributeError: '{}' object has no attribute 'get'",
                    py::type_name(other)
                )));
            }
        }
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn state_output_reads_like_salt() {
        let cases = [
            ("full", Mode::Full, false),
            ("terse_id", Mode::Terse, true),
            ("Mixed", Mode::Mixed, false),
            ("changes_id", Mode::Changes, true),
            ("filter", Mode::Filter, false),
            ("tersely", Mode::Terse, false),
            ("fancy", Mode::Full, false),
            ("fancy_id", Mode::Full, true),
        ];
        for (v, mode, use_id) in cases {
            assert_eq!(
                StateOutput::from_salt(v),
                StateOutput { mode, use_id },
                "{v}"
            );
        }
        assert_eq!(split_list("True,"), ["True", ""]);
    }

    #[test]
    fn non_state_returns() {
        let o = HighstateOptions::default();
        assert_eq!(
            render("m", &json!("one\ntwo"), &o),
            "m:\n    one\n    two\n"
        );
        assert_eq!(render("m", &json!(7), &o), "m:\n    7\n");
        assert_eq!(render("m", &json!(null), &o), "m:\n");
        assert_eq!(
            render("m", &json!(["bad"]), &o),
            "m:\n    Data failed to compile:\n----------\n    bad\n"
        );
        // The top level is not a dict: Salt's outputter gives up, nested prints.
        assert_eq!(render_all(&json!([1]), &o), "- 1\n");
        assert_eq!(render_all(&json!("text"), &o), "text\n");
        assert_eq!(render_all(&json!({}), &o), "");
    }

    #[test]
    fn a_state_without_changes_falls_back_to_nested() {
        let ret = json!({"t_|-a_|-a_|-f": {"result": true, "comment": "c", "__run_num__": 0}});
        let o = HighstateOptions::default();
        assert_eq!(
            render("m", &ret, &o),
            "m:\n    ----------\n    t_|-a_|-a_|-f:\n        ----------\n        __run_num__:\n            0\n        comment:\n            c\n        result:\n            True\n"
        );
    }
}
