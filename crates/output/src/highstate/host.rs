//! One minion's block (`_format_host` in Salt): the `minion:` line, each
//! state in `__run_num__` order as a full block or a terse line, and the
//! Summary; or, for a return that is not a dict of states, its lines.

use serde_json::{Map, Value};

use super::py::{self, Counts, Fallback, Py, ResultKey};
use super::{Ctx, Mode, output, terse, textwrap};
use crate::{nested, pprint, pyrepr};

/// Salt's label column: `Succeeded` is the widest of its labels.
const LABEL_WIDTH: usize = 9;

/// The block's text and whether any state changed something.
pub(crate) fn format_host(
    host: &str,
    data: &mut Value,
    indent_level: usize,
    ctx: &Ctx<'_>,
) -> Py<(String, bool)> {
    let c = ctx.c;
    let mut hcolor = c.green;
    let mut lines: Vec<String> = Vec::new();
    let mut nchanges = 0usize;
    match data {
        Value::Bool(_) | Value::Number(_) if !matches!(data, Value::Number(n) if n.is_f64()) => {
            // A number (from saltmod.function): always a change.
            nchanges = 1;
            lines.push(format!("{}    {}{}", hcolor, pyrepr::str_of(data), c.endc));
            hcolor = c.cyan;
        }
        Value::String(s) => {
            nchanges = 1;
            for line in pyrepr::splitlines(s) {
                lines.push(format!("{hcolor}    {line}{}", c.endc));
            }
            hcolor = c.cyan;
        }
        Value::Array(errors) => {
            hcolor = c.light_red;
            lines.push(format!("    {hcolor}Data failed to compile:{}", c.endc));
            for err in errors.iter() {
                let text = match err {
                    Value::String(s) => s.replace('\x1b', "?"),
                    other => pyrepr::str_of(other),
                };
                lines.push(format!("{hcolor}----------\n    {text}{}", c.endc));
            }
        }
        Value::Object(states) => {
            let mut run = Run {
                ctx,
                indent_level,
                hcolor,
                lines: Vec::new(),
                counts: Counts::default(),
                durations: Vec::new(),
                parallel_durations: Vec::new(),
                nchanges: 0,
            };
            run.states(states)?;
            run.summary(host);
            hcolor = run.hcolor;
            nchanges = run.nchanges;
            lines = run.lines;
        }
        // None, floats: only the minion line.
        _ => {}
    }
    let shown = host.replace('\x1b', "?");
    lines.insert(0, format!("{hcolor}{shown}:{}", c.endc));
    Ok((lines.join("\n"), nchanges > 0))
}

/// The state loop's running totals.
struct Run<'a, 'c> {
    ctx: &'a Ctx<'c>,
    indent_level: usize,
    hcolor: &'static str,
    lines: Vec<String>,
    counts: Counts,
    durations: Vec<f64>,
    parallel_durations: Vec<f64>,
    nchanges: usize,
}

impl Run<'_, '_> {
    fn states(&mut self, data: &mut Map<String, Value>) -> Py<()> {
        // Dict entries without a run number are reported first, newest on top.
        let mut missing: Vec<String> = Vec::new();
        let mut tags: Vec<String> = Vec::new();
        for (tag, info) in data.iter() {
            if let Value::Object(m) = info {
                if tag != "changes" && !m.is_empty() && !m.contains_key("__run_num__") {
                    missing.insert(0, pprint::pformat(info, 1));
                    missing.insert(
                        0,
                        "The State execution failed to record the order in which all states \
                         were executed. The state return missing data is:"
                            .to_owned(),
                    );
                }
                if m.contains_key("result") {
                    tags.push(tag.clone());
                }
            }
        }
        self.lines.extend(missing);
        sort_by_run_num(&mut tags, data)?;
        for tag in tags {
            if let Some(Value::Object(ret)) = data.get_mut(&tag) {
                self.state(&tag, ret)?;
            }
        }
        Ok(())
    }

    fn state(&mut self, tag: &str, ret: &mut Map<String, Value>) -> Py<()> {
        let ctx = self.ctx;
        let c = ctx.c;
        let opts = ctx.opts;
        let result = ret.get("result").cloned().unwrap_or(Value::Null);
        let key = ResultKey::of(&result)?;
        self.counts.touch(key.clone());
        let compressed_count = compressed_count(tag, opts.state_compress_ids)?;
        self.counts.add(key, compressed_count);
        self.duration(ret)?;

        let mut tcolor = c.green;
        let is_orchestration = matches!(
            ret.get("name").and_then(Value::as_str),
            Some("state.orch" | "state.orchestrate" | "state.sls")
        );
        let (schanged, ctext) = if is_orchestration {
            let changes = ret
                .get_mut("changes")
                .ok_or_else(|| Fallback::new("KeyError: 'changes'"))?;
            let nested = output(changes, self.indent_level + 1, ctx)?;
            let prefix = " ".repeat(14 * self.indent_level);
            let ctext: Vec<String> = format!("\n{nested}")
                .split('\n')
                .map(|l| format!("{prefix}{l}"))
                .collect();
            self.nchanges += 1;
            (true, ctext.join("\n"))
        } else {
            let changes = ret
                .get_mut("changes")
                .ok_or_else(|| Fallback::new("KeyError: 'changes'"))?;
            let (schanged, ctext) = format_changes(changes, ctx)?;
            if schanged && compressed_count > 1 {
                let n = match changes {
                    Value::Object(m) => match m.get("compressed changes") {
                        Some(v) => py::len(v)?,
                        None => 0,
                    },
                    _ => return Err(Fallback::new("AttributeError: no attribute 'get'")),
                };
                self.nchanges += if n == 0 { 1 } else { n };
            } else if schanged {
                self.nchanges += 1;
            }
            (schanged, ctext)
        };

        let succeeded = py::truthy(&result);
        if (opts.state_output_diff || !opts.state_verbose) && succeeded && !schanged {
            return Ok(());
        }
        if schanged {
            tcolor = c.cyan;
        }
        if result == Value::Bool(false) {
            self.hcolor = c.red;
            tcolor = c.red;
        }
        if result.is_null() {
            self.hcolor = c.light_yellow;
            tcolor = c.light_yellow;
        }

        let mut comps: Vec<String> = py::split(tag, "_|-")
            .into_iter()
            .map(str::to_owned)
            .collect();
        if opts.state_output.use_id {
            let id = comps.get(1).cloned().ok_or_else(index_error)?;
            *comps.get_mut(2).ok_or_else(index_error)? = id;
        }
        let result_str = pyrepr::str_of(&result);
        let terse = match opts.state_output.mode {
            Mode::Filter => {
                if opts.state_output_terse.contains(&result_str) {
                    true
                } else if opts.state_output_exclude.contains(&result_str) {
                    return Ok(());
                } else {
                    false
                }
            }
            Mode::Terse => true,
            Mode::Mixed => result != Value::Bool(false),
            Mode::Changes => succeeded && !schanged,
            Mode::Full => false,
        };
        if terse {
            let line = terse::format_terse(tcolor, &comps, ret, ctx)?;
            self.lines.push(line);
            return Ok(());
        }
        self.full(tcolor, &comps, ret, &result_str, &ctext)
    }

    /// The `ID:` ... `Changes:` block (and `Warnings:`).
    fn full(
        &mut self,
        tcolor: &str,
        comps: &[String],
        ret: &mut Map<String, Value>,
        result_str: &str,
        ctext: &str,
    ) -> Py<()> {
        let c = self.ctx.c;
        let endc = c.endc;
        let id = comps.get(1).ok_or_else(index_error)?;
        let name = comps.get(2).ok_or_else(index_error)?;
        let show_profile = self.ctx.opts.state_output_profile && ret.contains_key("start_time");

        let comment = match ret.get("comment") {
            Some(Value::String(s)) => s.clone(),
            Some(other) => {
                let s = pyrepr::str_of(other);
                ret.insert("comment".to_owned(), Value::String(s.clone()));
                s
            }
            None => return Err(Fallback::new("KeyError: 'comment'")),
        };
        let mut comment = py::strip(&comment).replace('\n', &format!("\n{}", " ".repeat(14)));
        match ret.get("data") {
            None => {}
            Some(Value::Array(items)) => {
                for item in items {
                    comment = format!("{comment} {}", pyrepr::str_of(item));
                }
            }
            Some(Value::Object(m)) => {
                for (k, v) in m {
                    comment = format!("{comment}\n\t\t{k}: {}", pyrepr::str_of(v));
                }
            }
            Some(other) => comment = format!("{comment} {}", pyrepr::str_of(other)),
        }
        for detail in ["start_time", "duration"] {
            ret.entry(detail.to_owned())
                .or_insert_with(|| Value::String(String::new()));
        }
        if ret.get("duration") != Some(&Value::String(String::new())) {
            let d = ret.get("duration").map(pyrepr::str_of).unwrap_or_default();
            ret.insert("duration".to_owned(), Value::String(format!("{d} ms")));
        }
        let function = comps.get(3).ok_or_else(index_error)?;
        let module = &comps[0];

        self.lines.push(format!("{tcolor}----------{endc}"));
        self.lines.push(format!("    {tcolor}      ID: {id}{endc}"));
        self.lines
            .push(format!("    {tcolor}Function: {module}.{function}{endc}"));
        if id != name {
            self.lines
                .push(format!("    {tcolor}    Name: {name}{endc}"));
        }
        self.lines
            .push(format!("    {tcolor}  Result: {result_str}{endc}"));
        self.lines
            .push(format!("    {tcolor} Comment: {comment}{endc}"));
        if show_profile {
            let started = ret
                .get("start_time")
                .map(pyrepr::str_of)
                .unwrap_or_default();
            let duration = ret.get("duration").map(pyrepr::str_of).unwrap_or_default();
            self.lines
                .push(format!("    {tcolor} Started: {started}{endc}"));
            self.lines
                .push(format!("    {tcolor}Duration: {duration}{endc}"));
        }
        self.lines
            .push(format!("{tcolor}     Changes:   {ctext}{endc}"));

        if let Some(warnings) = ret.get("warnings") {
            self.counts.add(ResultKey::warnings(), 1);
            let text = py::join("\n", warnings)?;
            let indent = " ".repeat(14);
            let wrapped = textwrap::fill(&text, 80, &indent, &indent);
            self.lines.push(format!(
                "   {} Warnings: {}{endc}",
                c.light_red,
                py::lstrip(&wrapped)
            ));
        }
        Ok(())
    }

    /// Adds the state's duration to the run time (`float()` of it; a
    /// string that is no number, even without " ms", is left out).
    fn duration(&mut self, ret: &Map<String, Value>) -> Py<()> {
        let raw = ret.get("duration").cloned().unwrap_or(Value::from(0));
        let value = match py::float(&raw)? {
            Some(f) => Some(f),
            None => match &raw {
                Value::String(s) => py::parse_float(s.split(" ms").next().unwrap_or("")),
                _ => None,
            },
        };
        if let Some(f) = value {
            if ret.contains_key("__parallel__") {
                self.parallel_durations.push(f);
            } else {
                self.durations.push(f);
            }
        }
        Ok(())
    }

    fn summary(&mut self, host: &str) {
        let c = self.ctx.c;
        let opts = self.ctx.opts;
        let endc = c.endc;
        let width = LABEL_WIDTH + self.counts.max_width() + 2;
        let counts = |label: &str, value: &str| {
            let pad = width.saturating_sub(label.chars().count() + 2);
            format!("{label}: {value:>pad$}")
        };
        self.lines.push(format!(
            "{}\nSummary for {host}\n{}{endc}",
            c.cyan,
            "-".repeat(width)
        ));

        let none = self.counts.get(&ResultKey::None);
        let succeeded = self.counts.get(&ResultKey::True) + none;
        let mut changestats = Vec::new();
        if none > 0 {
            changestats.push(format!("{}unchanged={none}{endc}", c.light_yellow));
        }
        if self.nchanges > 0 {
            changestats.push(format!("{}changed={}{endc}", c.green, self.nchanges));
        }
        let changestats = if changestats.is_empty() {
            String::new()
        } else {
            format!(" ({})", changestats.join(", "))
        };
        self.lines.push(format!(
            "{}{}{endc}{changestats}",
            c.green,
            counts("Succeeded", &succeeded.to_string())
        ));

        let failed = self.counts.get(&ResultKey::False);
        let failed_color = if failed > 0 { c.red } else { c.cyan };
        self.lines.push(format!(
            "{failed_color}{}{endc}",
            counts("Failed", &failed.to_string())
        ));

        let warnings = self.counts.get(&ResultKey::warnings());
        let states = self.counts.sum() - warnings;
        if opts.state_output_pct && states > 0 {
            #[allow(clippy::cast_precision_loss)]
            let pct = |n: u64| round2(n as f64 / states as f64 * 100.0);
            self.lines.push(format!(
                "{}{}{endc}",
                c.green,
                counts("Success %", &pyrepr::float_repr(pct(succeeded)))
            ));
            self.lines.push(format!(
                "{failed_color}{}{endc}",
                counts("Failure %", &pyrepr::float_repr(pct(failed)))
            ));
        }
        if warnings > 0 {
            self.lines.push(format!(
                "{}{}{endc}",
                c.light_red,
                counts("Warnings", &warnings.to_string())
            ));
        }
        let states_pad = width.saturating_sub(7);
        self.lines.push(format!(
            "{}{}\nTotal states run: {states:>states_pad$}{endc}",
            c.cyan,
            "-".repeat(width)
        ));
        if opts.state_output_profile {
            // Python 3.11's sum(): plain left-to-right addition.
            let mut total = self.durations.iter().fold(0.0, |acc, d| acc + d);
            if let Some(max) = self
                .parallel_durations
                .iter()
                .copied()
                .reduce(|a, b| if b > a { b } else { a })
            {
                total += max;
            }
            let mut unit = "ms";
            if total > 999.0 {
                total /= 1000.0;
                unit = "s";
            }
            let time_pad = width.saturating_sub(5);
            self.lines.push(format!(
                "{}Total run time: {:>time_pad$} {unit}{endc}",
                c.cyan,
                format!("{total:.3}")
            ));
        }
    }
}

fn index_error() -> Fallback {
    Fallback::new("IndexError: list index out of range")
}

/// Python's `round(x, 2)`: correctly rounded, like formatting is.
fn round2(x: f64) -> f64 {
    format!("{x:.2}").parse().unwrap_or(x)
}

/// How many states a compressed tag stands for (`ID (N)`).
fn compressed_count(tag: &str, compress: bool) -> Py<u64> {
    if !compress || !tag.contains("_|-state_compressed_") {
        return Ok(1);
    }
    let parts = py::split(tag, "_|-");
    if parts.len() != 4 {
        return Err(Fallback::new("ValueError: unpacking a compressed tag"));
    }
    let id = parts[1];
    let Some(open) = id
        .strip_suffix(')')
        .and_then(|s| s.rfind('(').map(|i| (s, i)))
    else {
        return Ok(1);
    };
    let (inner, i) = open;
    let digits = &inner[i + 1..];
    if digits.is_empty() || !digits.chars().all(|ch| ch.is_ascii_digit()) {
        return Ok(1);
    }
    Ok(digits.parse().unwrap_or(1))
}

/// Salt sorts by `__run_num__` (0 when absent) with Python's stable sort;
/// numbers and strings do not compare, so a mix makes the outputter give up.
fn sort_by_run_num(tags: &mut [String], data: &Map<String, Value>) -> Py<()> {
    let key = |tag: &String| {
        data.get(tag)
            .and_then(|v| v.get("__run_num__"))
            .cloned()
            .unwrap_or(Value::from(0))
    };
    let keys: Vec<Value> = tags.iter().map(key).collect();
    if keys.len() > 1 {
        let numeric = keys
            .iter()
            .all(|k| matches!(k, Value::Number(_) | Value::Bool(_)));
        let strings = keys.iter().all(Value::is_string);
        if !numeric && !strings {
            return Err(Fallback::new(
                "TypeError: '<' not supported for __run_num__",
            ));
        }
    }
    let mut order: Vec<(Value, String)> = keys.into_iter().zip(tags.iter().cloned()).collect();
    order.sort_by(|(a, _), (b, _)| compare(a, b));
    for (slot, (_, tag)) in tags.iter_mut().zip(order) {
        *slot = tag;
    }
    Ok(())
}

fn compare(a: &Value, b: &Value) -> std::cmp::Ordering {
    let num = |v: &Value| match v {
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        Value::Number(n) => n.as_f64(),
        _ => None,
    };
    match (a, b) {
        (Value::String(x), Value::String(y)) => x.cmp(y),
        _ => num(a)
            .zip(num(b))
            .and_then(|(x, y)| x.partial_cmp(&y))
            .unwrap_or(std::cmp::Ordering::Equal),
    }
}

/// `_format_changes`: whether the state changed anything, and the text
/// after `Changes:`.
fn format_changes(changes: &mut Value, ctx: &Ctx<'_>) -> Py<(bool, String)> {
    if !py::truthy(changes) {
        return Ok((false, String::new()));
    }
    let Value::Object(map) = changes else {
        return Ok((
            true,
            format!("Invalid Changes data: {}", pyrepr::str_of(changes)),
        ));
    };
    let is_highstate = map.get("out") == Some(&Value::String("highstate".to_owned()));
    let has_ret = map.get("ret").is_some_and(|r| !r.is_null());
    if has_ret && is_highstate {
        let Some(Value::Object(ret)) = map.get_mut("ret") else {
            return Err(Fallback::new(
                "AttributeError: 'ret' has no attribute 'items'",
            ));
        };
        let mut ctext = String::new();
        let mut changed = false;
        for (host, hostdata) in ret.iter_mut() {
            let (text, c) = format_host(host, hostdata, 1, ctx)?;
            let indented: Vec<String> = pyrepr::splitlines(&text)
                .into_iter()
                .map(|l| format!("{}{l}", " ".repeat(14)))
                .collect();
            ctext.push('\n');
            ctext.push_str(&indented.join("\n"));
            changed = changed || c;
        }
        return Ok((changed, ctext));
    }
    let text = nested::render(changes, 14, ctx.opts.color, 0);
    Ok((true, format!("\n{}", pyrepr::rstrip(&text))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn compressed_counts_come_from_the_id() {
        assert_eq!(
            compressed_count("m_|-x (3)_|-state_compressed_s_x_True_|-f", true),
            Ok(3)
        );
        assert_eq!(
            compressed_count("m_|-x (3)_|-state_compressed_s_x_True_|-f", false),
            Ok(1)
        );
        assert_eq!(
            compressed_count("m_|-x_|-state_compressed_s_x_True_|-f", true),
            Ok(1)
        );
        assert!(compressed_count("m_|-x (3)_|-state_compressed_|-f_|-g", true).is_err());
    }

    #[test]
    fn run_numbers_sort_stably_and_refuse_mixed_types() {
        let data = json!({"b": {"__run_num__": 1}, "a": {"__run_num__": 0}, "c": {}, "d": {"__run_num__": 0.5}});
        let Value::Object(map) = data else {
            unreachable!()
        };
        let mut tags: Vec<String> = map.keys().cloned().collect();
        sort_by_run_num(&mut tags, &map).unwrap();
        assert_eq!(tags, ["a", "c", "d", "b"]);
        let mixed = json!({"a": {"__run_num__": "1"}, "b": {"__run_num__": 0}});
        let Value::Object(map) = mixed else {
            unreachable!()
        };
        let mut tags: Vec<String> = map.keys().cloned().collect();
        assert!(sort_by_run_num(&mut tags, &map).is_err());
    }
}
