//! `cp.*` against the real Salt: every case of `tests/cp/cases.txt` runs
//! through salt-exec with a local file client over the same tree, in the
//! same order, and must return what Salt 3007.8 returned (JSON, key order
//! included) and leave the same files behind. Captures: `tests/cp/golden/`,
//! made by `scripts/capture-cp-golden.py` (see `tests/cp/README.md`).

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use indexmap::IndexMap;
use salt_exec::{Ctx, JobTable, parse_call, parse_cli_args};
use salt_fileserver::{FileClient, FileServer};
use serde_json::{Map, Value, json};
use tokio_util::sync::CancellationToken;

const CASES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cp");

/// Cases whose list Salt returns in no defined order (`cp.envs` is
/// `list(set(...))`, ordered by Python's per-process string hashing); we
/// sort, and compare these as sets.
const ORDER_FREE: &[&str] = &["envs"];

/// The lab of the capture script: the committed tree plus what git cannot
/// hold (empty directories, symlinks).
fn build_lab(lab: &Path) {
    copy_dir(&Path::new(CASES).join("tree"), &lab.join("srv"));
    let a = lab.join("srv/a");
    fs::create_dir_all(a.join("emptydir")).unwrap();
    fs::create_dir_all(a.join("keepalived/emptysub")).unwrap();
    symlink("keepalived/keepalived.conf", a.join("link_in")).unwrap();
    symlink("keepalived", a.join("dirlink_in")).unwrap();
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            fs::copy(e.path(), target).unwrap();
        }
    }
}

fn ctx(lab: &Path) -> Ctx {
    let srv = lab.join("srv");
    let roots = IndexMap::from([
        ("base".to_owned(), vec![srv.join("a"), srv.join("b")]),
        ("dev".to_owned(), vec![srv.join("dev")]),
    ]);
    let server = FileServer::from_config(&roots).unwrap();
    let cachedir = lab.join("root/var/cache/salt/minion");
    let grains = json!({"id": "local", "os": "Debian"});
    Ctx {
        id: salt_types::MinionId::parse("local").unwrap(),
        grains: Arc::new(grains.as_object().cloned().unwrap_or_default()),
        jid: None,
        jobs: Arc::new(JobTable::new()),
        cancel: CancellationToken::new(),
        events: None,
        files: Some(FileClient::local(Arc::new(server), cachedir)),
    }
}

/// What the capture script records under `written`: files with their
/// text, empty directories as `name/` with null.
fn written(out: &Path) -> Value {
    fn walk(dir: &Path, base: &Path, acc: &mut BTreeMap<String, Value>) {
        for e in fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(base).unwrap().display().to_string();
            if p.is_dir() {
                if fs::read_dir(&p).unwrap().next().is_none() {
                    acc.insert(format!("{rel}/"), Value::Null);
                }
                walk(&p, base, acc);
            } else {
                let text = String::from_utf8_lossy(&fs::read(&p).unwrap()).into_owned();
                acc.insert(rel, Value::String(text));
            }
        }
    }
    let mut acc = BTreeMap::new();
    walk(out, out, &mut acc);
    Value::Object(acc.into_iter().collect::<Map<_, _>>())
}

fn cases() -> Vec<(String, Vec<String>)> {
    fs::read_to_string(Path::new(CASES).join("cases.txt"))
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (name, args) = l.split_once('\t').unwrap();
            (
                name.to_owned(),
                args.split(' ').map(str::to_owned).collect(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cp_functions_return_what_salt_returns() {
    let tmp = tempfile::tempdir().unwrap();
    let lab: PathBuf = tmp.path().canonicalize().unwrap();
    build_lab(&lab);
    let cx = ctx(&lab);
    let lab_s = lab.display().to_string();
    let out = lab.join("out");
    let mut failures = Vec::new();
    let mut n = 0;
    for (name, args) in cases() {
        let golden: Value = serde_json::from_str(
            &fs::read_to_string(Path::new(CASES).join("golden").join(format!("{name}.json")))
                .unwrap_or_else(|e| {
                    panic!("{name}: no capture ({e}); run scripts/capture-cp-golden.py")
                }),
        )
        .unwrap();
        let _ = fs::remove_dir_all(&out);
        fs::create_dir_all(&out).unwrap();
        let real: Vec<String> = args.iter().map(|a| a.replace("<LAB>", &lab_s)).collect();
        let (pos, kw) = parse_cli_args(&real[1..]).unwrap();
        let res = match parse_call(&real[0], pos, kw) {
            Ok(call) => call.call(&cx).await,
            Err(e) => e.into_result(),
        };
        let (mut ours_v, mut theirs_v) = (res.ret.clone(), golden["return"].clone());
        if ORDER_FREE.contains(&name.as_str()) {
            for v in [&mut ours_v, &mut theirs_v] {
                if let Value::Array(a) = v {
                    a.sort_by_key(|x| x.to_string());
                }
            }
        }
        let ours = serde_json::to_string_pretty(&ours_v)
            .unwrap()
            .replace(&lab_s, "<LAB>");
        let theirs = serde_json::to_string_pretty(&theirs_v).unwrap();
        if ours != theirs {
            failures.push(format!(
                "{name}: return\n  ours:   {ours}\n  salt's: {theirs}"
            ));
        }
        let exit = if res.success { 0 } else { 1 };
        if json!(exit) != golden["exit"] {
            failures.push(format!("{name}: exit {exit}, salt's {}", golden["exit"]));
        }
        let files = written(&out);
        if files != golden["written"] {
            failures.push(format!(
                "{name}: files\n  ours:   {files}\n  salt's: {}",
                golden["written"]
            ));
        }
        n += 1;
    }
    assert!(n >= 50, "only {n} cases");
    assert!(
        failures.is_empty(),
        "{} of {n} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
