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
//! `cp.cache_file salt://...` is answered from the file roots here when the
//! registry has no `cp.cache_file` (the file server arrives separately).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use salt_state::{CallReturn, Exec, HighData, RunOptions, compile, run_chunks, run_succeeded};
use serde_json::{Map, Value, json};

struct Host {
    rt: tokio::runtime::Runtime,
    cx: salt_exec::Ctx,
    file_roots: Vec<PathBuf>,
    cachedir: PathBuf,
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
            Err(salt_exec::ExecError::NotAvailable(_)) if fun == "cp.cache_file" => {
                Ok(self.cache_file(args, kwargs))
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

impl Host {
    /// `cp.cache_file salt://path[?saltenv=env] [saltenv]` from the file
    /// roots: the cached path, or "" when the file is not there.
    fn cache_file(&self, args: &[Value], kwargs: &Map<String, Value>) -> CallReturn {
        let url = args.first().and_then(Value::as_str).unwrap_or("");
        let env = args
            .get(1)
            .or_else(|| kwargs.get("saltenv"))
            .and_then(Value::as_str)
            .unwrap_or("base");
        let Some(rel) = url.strip_prefix("salt://") else {
            return CallReturn {
                value: json!(url),
                retcode: 0,
            };
        };
        let (rel, env) = match rel.split_once("?saltenv=") {
            Some((r, e)) => (r, e),
            None => (rel, env),
        };
        if rel.split('/').any(|p| p == ".." || p.is_empty()) {
            return CallReturn {
                value: json!(""),
                retcode: 0,
            };
        }
        for root in &self.file_roots {
            let src = root.join(rel);
            if src.is_file() {
                let dest = self.cachedir.join("files").join(env).join(rel);
                let copied = dest
                    .parent()
                    .map(std::fs::create_dir_all)
                    .transpose()
                    .and_then(|_| std::fs::copy(&src, &dest));
                return match copied {
                    Ok(_) => CallReturn {
                        value: json!(dest.display().to_string()),
                        retcode: 0,
                    },
                    Err(e) => CallReturn {
                        value: json!(format!("ERROR: {e}")),
                        retcode: 1,
                    },
                };
            }
        }
        CallReturn {
            value: json!(""),
            retcode: 0,
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
    let cx = salt_exec::Ctx {
        id: minion,
        grains: Arc::new(salt_grains::core_grains(&id)),
        jid: None,
        jobs: Arc::new(salt_exec::JobTable::new()),
        cancel: tokio_util::sync::CancellationToken::new(),
        events: None,
    };
    let host = Host {
        rt,
        cx,
        file_roots,
        cachedir,
    };
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
