//! Renders highstate cases from stdin, one JSON object per line
//! (`{"data": ..., "opts": {Salt option names}, "retcode": N}`), and prints
//! each result as a JSON string on its own line. Used by
//! `tools/compare_highstate.py` to compare with Salt's own outputter.

use std::io::BufRead;

use salt_output::highstate::{
    HighstateOptions, StateOutput, Tabular, render_all_retcode, split_list,
};
use serde_json::Value;

fn options(opts: &Value) -> HighstateOptions {
    let mut o = HighstateOptions::default();
    let list = |v: &Value| match v {
        Value::String(s) => split_list(s),
        Value::Array(items) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    let Some(map) = opts.as_object() else {
        return o;
    };
    for (key, v) in map {
        let flag = v.as_bool().unwrap_or(false);
        match key.as_str() {
            "color" => o.color = flag,
            "state_output" => o.state_output = StateOutput::from_salt(v.as_str().unwrap_or("")),
            "state_verbose" => o.state_verbose = flag,
            "state_output_diff" => o.state_output_diff = flag,
            "state_output_profile" => o.state_output_profile = flag,
            "state_output_pct" => o.state_output_pct = flag,
            "state_compress_ids" => o.state_compress_ids = flag,
            "state_tabular" => {
                o.state_tabular = match v {
                    Value::Bool(true) => Tabular::Aligned,
                    Value::String(s) => Tabular::Format(s.clone()),
                    _ => Tabular::Off,
                }
            }
            "state_output_exclude" => o.state_output_exclude = list(v),
            "state_output_terse" => o.state_output_terse = list(v),
            _ => eprintln!("unknown option {key}"),
        }
    }
    o
}

fn main() {
    for line in std::io::stdin().lock().lines().map_while(Result::ok) {
        let Ok(case) = serde_json::from_str::<Value>(&line) else {
            eprintln!("skipping a line that is not JSON");
            continue;
        };
        let data = case.get("data").cloned().unwrap_or(Value::Null);
        let opts = options(case.get("opts").unwrap_or(&Value::Null));
        let retcode = case
            .get("retcode")
            .and_then(Value::as_i64)
            .and_then(|n| i32::try_from(n).ok())
            .unwrap_or(0);
        let text = render_all_retcode(&data, retcode, &opts);
        println!("{}", Value::String(text));
    }
}
