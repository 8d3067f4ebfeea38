//! Times compile + run of N states where each requires the next one
//! defined after it (the worst case for requisite pulling):
//! `cargo run --release -p salt-state --example chain -- 2000`.

use std::time::Instant;

use serde_json::{Map, Value, json};

use salt_state::{CallReturn, Exec, HighData, RunOptions, compile, run_chunks};

struct NoHost;

impl Exec for NoHost {
    fn run_cmd(&self, _: &str, _: &Map<String, Value>) -> Result<i32, String> {
        Ok(0)
    }
    fn call(&self, f: &str, _: &[Value], _: &Map<String, Value>) -> Result<CallReturn, String> {
        Err(format!("'{f}' is not available."))
    }
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let mut high = Map::new();
    for i in 0..n {
        let mut args = vec![json!("succeed_with_changes"), json!({"order": 10000 + i})];
        if i + 1 < n {
            args.push(json!({"require": [{"test": format!("s{}", i + 1)}]}));
        }
        high.insert(
            format!("s{i}"),
            json!({"test": args, "__sls__": "chain", "__env__": "base"}),
        );
    }
    let t = Instant::now();
    let compiled = compile(HighData::from_map(high)).expect("compiles");
    let compiled_in = t.elapsed();
    let running = run_chunks(compiled.chunks, &RunOptions::default(), &NoHost);
    println!(
        "{n} states: compile {compiled_in:?}, compile+run {:?}, {} results",
        t.elapsed(),
        running.len()
    );
}
