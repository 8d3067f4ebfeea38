//! In-process benchmarks of the state system on the 200-state tree of
//! `salt_bench` (`cargo bench -p salt-bench [-- FILTER]`), so that a
//! regression shows without Salt or process start-up in the way:
//!
//! - `render`: every SLS file of the tree through salt-render (Jinja with
//!   `map.jinja` imports and `salt['pillar.get']`/`grains.filter_by`
//!   calls to the execution-module registry, then YAML), files from memory;
//! - `sls_layer`: the SLS layer's `state.show_sls bench` (the same
//!   rendering, plus fetching through the local file client and resolving
//!   the include chain);
//! - `compile`: salt-state's high data -> low chunks of the whole tree;
//! - `output`: the highstate outputter on a `test=True` result of 200 states;
//! - `show_sls` / `apply_test`: the `state.show_sls bench` and
//!   `state.apply test=True` execution functions end to end (fresh pillar,
//!   top file, render, compile, run with its `unless`/`onlyif` commands).
//!
//! A plain `harness = false` bench: each case runs once to warm up, then
//! until 3 s or 200 iterations have passed; min, median and mean are
//! printed. Without `--bench` (as under `cargo test --benches`) it only
//! says so and exits.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use salt_exec::Ctx;
use salt_exec::highstate::{Job, RunArgs};
use salt_render::{Context, Host};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !args.iter().any(|a| a == "--bench") {
        println!("salt-bench states: benchmarks run only under `cargo bench`");
        return;
    }
    let filter = args.iter().find(|a| !a.starts_with('-')).cloned();
    let dir = tempfile::tempdir().expect("a temp dir");
    let b = Bench::new(dir.path());
    let cases: &[Case] = &[
        ("render", &|b| b.render()),
        ("sls_layer", &|b| b.sls_layer()),
        ("compile", &|b| b.compile()),
        ("output", &|b| b.output()),
        ("show_sls", &|b| {
            b.exec(Job::ShowSls(vec!["bench".into()]), false)
        }),
        ("apply_test", &|b| b.exec(Job::Highstate, true)),
    ];
    println!(
        "{:<12} {:>10} {:>10} {:>10} {:>6}",
        "case", "min", "median", "mean", "iters"
    );
    for (name, f) in cases {
        if filter.as_deref().is_some_and(|x| !name.contains(x)) {
            continue;
        }
        let t = time(|| f(&b));
        println!(
            "{name:<12} {:>10} {:>10} {:>10} {:>6}",
            ms(t.min),
            ms(t.median),
            ms(t.mean),
            t.iters
        );
    }
}

/// A named benchmark.
type Case<'a> = (&'a str, &'a dyn Fn(&Bench));

/// The tree, a runtime and an execution context like `salt-rs-call --local`'s.
struct Bench {
    rt: tokio::runtime::Runtime,
    cx: Ctx,
    /// `salt/...` files by their `salt://` path.
    files: Arc<HashMap<String, String>>,
    /// The high data of `state.show_sls bench`.
    high: salt_state::HighData,
    /// `{"bench-minion": <state.apply test=True result>}`.
    result: Value,
}

impl Bench {
    fn new(dir: &Path) -> Bench {
        let out = dir.join("out");
        let (states, pillar_root) =
            salt_bench::generate(dir, &out.display().to_string()).expect("the tree is written");
        let files: HashMap<String, String> = salt_bench::files("")
            .into_iter()
            .filter_map(|f| Some((f.path.strip_prefix("salt/")?.to_owned(), f.text)))
            .collect();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime");
        let id = salt_types::MinionId::parse("bench-minion").expect("an id");
        let grains = debian_grains(&id);
        let cachedir = dir.join("cache");
        let server = salt_fileserver::FileServer::from_config(
            &[("base".to_owned(), vec![states])].into_iter().collect(),
        )
        .expect("a file server");
        let client = salt_fileserver::FileClient::local(Arc::new(server), cachedir.clone());
        let pillar_source = salt_exec::pillar_host::LocalPillar {
            config: salt_pillar::PillarConfig {
                pillar_roots: [("base".to_owned(), vec![pillar_root])]
                    .into_iter()
                    .collect(),
                ..Default::default()
            },
            id: id.clone(),
            grains: grains.clone(),
        };
        let pillar = rt
            .block_on(pillar_source.compile(Default::default()))
            .expect("the pillar compiles");
        let mut opts = Map::new();
        opts.insert("id".into(), json!("bench-minion"));
        opts.insert("cachedir".into(), json!(cachedir.display().to_string()));
        opts.insert("local".into(), json!(true));
        opts.insert("file_client".into(), json!("local"));
        let cx = Ctx {
            files: Some(client),
            pillar: Arc::new(pillar),
            pillar_source: Some(Arc::new(pillar_source)),
            opts: Arc::new(opts),
            ..Ctx::local(id, Arc::new(grains))
        };
        let mut b = Bench {
            rt,
            cx,
            files: Arc::new(files),
            high: salt_state::HighData::from_map(Map::new()),
            result: Value::Null,
        };
        let high = b.run(Job::ShowSls(vec!["bench".into()]), false);
        b.high = salt_state::HighData::from_value(high).expect("show_sls gives high data");
        b.result = json!({"bench-minion": b.run(Job::Highstate, true)});
        let n = b.result["bench-minion"].as_object().map_or(0, Map::len);
        assert_eq!(n, salt_bench::STATES, "the test run has every state");
        b
    }

    /// Runs a `state.*` job, returning its value (a failure is a bug here).
    fn run(&self, job: Job, test: bool) -> Value {
        let args = RunArgs {
            test: Some(test),
            ..Default::default()
        };
        let ret = self
            .rt
            .block_on(salt_exec::highstate::run(&self.cx, job, args))
            .expect("the job runs");
        assert_eq!(ret.retcode, 0, "{}", ret.value);
        ret.value
    }

    fn exec(&self, job: Job, test: bool) {
        std::hint::black_box(self.run(job, test));
    }

    fn render(&self) {
        let host: Arc<dyn Host> = Arc::new(MemHost {
            files: self.files.clone(),
            exec: salt_exec::host::ExecHost::with_handle(self.cx.clone(), self.rt.handle().clone()),
        });
        for sls in salt_bench::sls_names() {
            let base = sls.replace('.', "/");
            let path = if sls == "bench" {
                format!("{base}/init.sls")
            } else {
                format!("{base}.sls")
            };
            let cx = Context {
                grains: Value::Object((*self.cx.grains).clone()),
                pillar: Value::Object((*self.cx.pillar).clone()),
                opts: Value::Object((*self.cx.opts).clone()),
                saltenv: "base".into(),
                sls: Some(sls.clone()),
                tplpath: Some(path.clone()),
                extra: Map::new(),
            };
            let data = salt_render::render_sls(&host, &cx, &self.files[&path])
                .unwrap_or_else(|e| panic!("{sls}: {e}"));
            std::hint::black_box(data);
        }
    }

    fn sls_layer(&self) {
        self.exec(Job::ShowSls(vec!["bench".into()]), false);
    }

    fn compile(&self) {
        let c = salt_state::compile(self.high.clone()).expect("the tree compiles");
        assert_eq!(c.chunks.len(), salt_bench::STATES);
        std::hint::black_box(c);
    }

    fn output(&self) {
        let text = salt_output::highstate::render_all(
            &self.result,
            &salt_output::highstate::HighstateOptions::default(),
        );
        std::hint::black_box(text);
    }
}

/// Templates' host with the tree's files in memory and the registry's
/// functions (`pillar.get`, `grains.filter_by`, ...) behind `call`.
struct MemHost {
    files: Arc<HashMap<String, String>>,
    exec: salt_exec::host::ExecHost,
}

impl Host for MemHost {
    fn call(
        &self,
        fun: &str,
        args: Vec<Value>,
        kwargs: Map<String, Value>,
    ) -> Result<Value, String> {
        self.exec.call(fun, args, kwargs)
    }

    fn has_function(&self, fun: &str) -> bool {
        self.exec.has_function(fun)
    }

    fn get_file(&self, _saltenv: &str, path: &str) -> Result<Option<String>, String> {
        Ok(self.files.get(path).cloned())
    }
}

/// A Debian host's grains as the templates read them (the states only use
/// `id` and `os_family`; the rest gives the context a realistic size).
fn debian_grains(id: &salt_types::MinionId) -> Map<String, Value> {
    let mut g = Map::new();
    for (k, v) in [
        ("id", json!(id.as_str())),
        ("os", json!("Debian")),
        ("os_family", json!("Debian")),
        ("osrelease", json!("12")),
        ("osmajorrelease", json!(12)),
        ("oscodename", json!("bookworm")),
        ("kernel", json!("Linux")),
        ("kernelrelease", json!("6.1.0")),
        ("cpuarch", json!("x86_64")),
        ("num_cpus", json!(2)),
        ("mem_total", json!(24000)),
        ("host", json!(id.as_str())),
        ("fqdn", json!(id.as_str())),
        ("ipv4", json!(["127.0.0.1", "10.0.0.5"])),
        ("ipv6", json!(["::1"])),
        ("init", json!("systemd")),
        ("virtual", json!("kvm")),
        ("saltversion", json!("3007.8")),
        (
            "path",
            json!("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
        ),
        ("shell", json!("/bin/sh")),
    ] {
        g.insert(k.to_owned(), v);
    }
    g
}

struct Timing {
    min: Duration,
    median: Duration,
    mean: Duration,
    iters: usize,
}

fn time(mut f: impl FnMut()) -> Timing {
    f();
    let budget = Duration::from_secs(3);
    let start = Instant::now();
    let mut v = Vec::new();
    while v.len() < 200 && (v.len() < 5 || start.elapsed() < budget) {
        let t = Instant::now();
        f();
        v.push(t.elapsed());
    }
    v.sort();
    let total: Duration = v.iter().sum();
    Timing {
        min: v[0],
        median: v[v.len() / 2],
        mean: total / v.len() as u32,
        iters: v.len(),
    }
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}
