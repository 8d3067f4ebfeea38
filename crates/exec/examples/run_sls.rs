//! `run_sls`: runs high data (what `salt-call --local state.show_sls`
//! prints) through salt-state's compiler and runner, with the execution
//! modules of this crate as the host, and prints the result the way
//! `salt-call --local --out json state.sls` does (`{"local": {...}}`; exit
//! code 2 when a state failed, 1 on compile errors).
//!
//! It exists for the container lab's golden tests (crates/exec/tests/
//! lab_states.rs) until `salt-rs-call --local state.sls` is there; it is
//! also handy by hand:
//!
//! ```text
//! run_sls --high high.json [--file-root DIR]... [--id ID] [--cachedir DIR] [test=True]
//! ```
//!
//! The file roots are served in-process (`cp.cache_file salt://...`), cached
//! under `--cachedir`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use salt_state::{CallReturn, Exec, HighData, RunOptions, compile, run_chunks, run_succeeded};
use serde_json::{Map, Value, json};

struct Host {
    rt: tokio::runtime::Runtime,
    cx: salt_exec::Ctx,
}

impl Exec for Host {
    fn run_cmd(&self, cmd: &str, opts: &Map<String, Value>) -> Result<i32, String> {
        let mut c = std::process::Command::new("/bin/sh");
        c.arg("-c").arg(cmd);
        if let Some(Value::String(cwd)) = opts.get("cwd") {
            c.current_dir(cwd);
        }
        let st = c
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .map_err(|e| e.to_string())?;
        Ok(st.code().unwrap_or(1))
    }

    fn call(
        &self,
        fun: &str,
        args: &[Value],
        kwargs: &Map<String, Value>,
    ) -> Result<CallReturn, String> {
        match salt_exec::parse_call(fun, args.to_vec(), kwargs.clone()) {
            Ok(call) => {
                let r = self.rt.block_on(call.call(&self.cx));
                Ok(CallReturn {
                    value: r.ret,
                    retcode: r.retcode,
                })
            }
            Err(e) => {
                let r = e.into_result();
                Ok(CallReturn {
                    value: r.ret,
                    retcode: r.retcode,
                })
            }
        }
    }
}

fn main() {
    let mut high_path: Option<PathBuf> = None;
    let mut file_roots = Vec::new();
    let mut id = "lab".to_owned();
    let mut cachedir = PathBuf::from("/var/cache/salt-rs/minion");
    let mut test = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--high" => high_path = args.next().map(PathBuf::from),
            "--file-root" => file_roots.extend(args.next().map(PathBuf::from)),
            "--id" => id = args.next().unwrap_or(id),
            "--cachedir" => cachedir = args.next().map(PathBuf::from).unwrap_or(cachedir),
            "test=True" | "test=true" => test = true,
            other => fail(&format!("run_sls: unknown argument '{other}'")),
        }
    }
    let Some(high_path) = high_path else {
        fail("run_sls: --high FILE is required")
    };
    let high = read_high(&high_path);
    let compiled = match compile(high) {
        Ok(c) => c,
        Err(e) => {
            println!(
                "{}",
                serde_json::to_string_pretty(&json!({"local": e.to_string()})).unwrap_or_default()
            );
            std::process::exit(1);
        }
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    let rt = rt.unwrap_or_else(|e| fail(&format!("run_sls: no runtime: {e}")));
    let minion = salt_types::MinionId::parse(&id)
        .unwrap_or_else(|e| fail(&format!("run_sls: bad --id: {e}")));
    let roots = indexmap::IndexMap::from([("base".to_owned(), file_roots)]);
    let server = salt_fileserver::FileServer::from_config(&roots)
        .unwrap_or_else(|e| fail(&format!("run_sls: --file-root: {e}")));
    let files = salt_fileserver::FileClient::local(Arc::new(server), cachedir);
    let cx = salt_exec::Ctx {
        files: Some(files),
        ..salt_exec::Ctx::local(minion, Arc::new(salt_grains::core_grains(&id)))
    };
    let host = Host { rt, cx };
    let opts = RunOptions {
        test,
        ..RunOptions::default()
    };
    let high_copy = compiled.high.clone();
    let running = run_chunks(compiled.chunks, &opts, &host);
    let ok = run_succeeded(&running, Some(&high_copy));
    let out = json!({"local": running});
    println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    std::process::exit(if ok { 0 } else { 2 });
}

/// High data from `state.show_sls` JSON: `{"local": {...}}` or the bare map,
/// or a capture file `{"retcode": N, "return": {...}}`.
fn read_high(path: &Path) -> HighData {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| fail(&format!("run_sls: {}: {e}", path.display())));
    let mut v: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| fail(&format!("run_sls: {}: {e}", path.display())));
    for key in ["return", "local"] {
        if let Some(inner) = v.get(key).cloned() {
            v = inner;
        }
    }
    HighData::from_value(v).unwrap_or_else(|e| fail(&format!("run_sls: {}: {e}", path.display())))
}

fn fail(msg: &str) -> ! {
    eprintln!("{msg}");
    std::process::exit(1)
}
