//! A state as one line (`_format_terse` in Salt): ` Name: x - Function:
//! m.f - Result: Clean - Started: ... - Duration: ... ms`, the aligned
//! `state_tabular: True` layout, or the user's own `state_tabular` format.
//!
//! Salt pastes the warning texts into the format string before formatting
//! it, so braces in a warning are format fields; [`pyformat`] reproduces
//! that.

use serde_json::{Map, Value};

use super::pyformat::{self, Arg};
use super::{Ctx, Tabular, py};
use crate::highstate::py::{Fallback, Py};

/// The terse line for one state; `comps` is its tag split on `_|-`.
pub(crate) fn format_terse(
    tcolor: &str,
    comps: &[String],
    ret: &Map<String, Value>,
    ctx: &Ctx<'_>,
) -> Py<String> {
    let c = ctx.c;
    let result = ret.get("result").unwrap_or(&Value::Null);
    let changes = ret
        .get("changes")
        .ok_or_else(|| Fallback::new("KeyError: 'changes'"))?;
    let word = if *result == Value::Bool(false) {
        "Failed"
    } else if result.is_null() {
        "Differs"
    } else if py::truthy(changes) {
        "Changed"
    } else {
        "Clean"
    };
    let profile = ctx.opts.state_output_profile && ret.contains_key("start_time");
    let warnings = match ret.get("warnings") {
        Some(w) => Some(py::join("\n", w)?),
        None => None,
    };
    let fmt = match &ctx.opts.state_tabular {
        Tabular::Aligned => {
            let mut f = String::new();
            if let Some(w) = &warnings {
                f.push_str(&format!("{}Warnings:\n{w}{}\n", c.light_red, c.endc));
            }
            f.push_str("{0}");
            if profile {
                f.push_str("{6[start_time]!s} [{6[duration]!s:>7} ms] ");
            }
            f.push_str("{2:>10}.{3:<10} {4:7}   Name: {1}{5}");
            f
        }
        Tabular::Format(user) => user.clone(),
        Tabular::Off => {
            let mut f = String::new();
            if let Some(w) = &warnings {
                f.push_str(&format!("{}Warnings:\n{w}{}", c.light_red, c.endc));
            }
            f.push_str(" {0} Name: {1} - Function: {2}.{3} - Result: {4}");
            if profile {
                f.push_str(" - Started: {6[start_time]!s} - Duration: {6[duration]!s} ms");
            }
            f.push_str("{5}");
            f
        }
    };
    let index_error = || Fallback::new("IndexError: list index out of range");
    let name = comps.get(2).ok_or_else(index_error)?;
    let module = comps.first().ok_or_else(index_error)?;
    let function = comps.last().ok_or_else(index_error)?;
    let ret_value = Value::Object(ret.clone());
    let args = [
        Arg::Str(tcolor),
        Arg::Str(name),
        Arg::Str(module),
        Arg::Str(function),
        Arg::Str(word),
        Arg::Str(c.endc),
        Arg::Value(&ret_value),
    ];
    pyformat::format(&fmt, &args)
}
