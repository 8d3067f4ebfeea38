//! `cp.*` through salt-exec with a local file client.
//!
//! Against the real Salt: every case of `tests/cp/cases.txt` runs over the
//! same tree, in the same order, and must return what Salt 3007.8 returned
//! (JSON, key order included) and leave the same files behind. Captures:
//! `tests/cp/golden/`, made by `scripts/capture-cp-golden.py` (see
//! `tests/cp/README.md`). Then the error paths, where salt-rs says why
//! instead of answering `False`.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use indexmap::IndexMap;
use salt_exec::{Ctx, parse_call, parse_cli_args};
use salt_fileserver::{FileClient, FileServer};
use serde_json::{Map, Value, json};

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
        files: Some(FileClient::local(Arc::new(server), cachedir)),
        ..Ctx::local(
            salt_types::MinionId::parse("local").unwrap(),
            Arc::new(grains.as_object().cloned().unwrap_or_default()),
        )
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

async fn run(cx: &Ctx, fun: &str, args: &[&str]) -> salt_exec::ExecResult {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let (pos, kw) = parse_cli_args(&args).unwrap();
    match parse_call(fun, pos, kw) {
        Ok(call) => call.call(cx).await,
        Err(e) => e.into_result(),
    }
}

fn lab_ctx() -> (tempfile::TempDir, PathBuf, Ctx) {
    let tmp = tempfile::tempdir().unwrap();
    let lab = tmp.path().canonicalize().unwrap();
    build_lab(&lab);
    fs::write(lab.join("secret"), "CANARY-cp").unwrap();
    symlink(lab.join("secret"), lab.join("srv/a/out_link")).unwrap();
    let cx = ctx(&lab);
    (tmp, lab, cx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traversal_is_an_error_naming_the_url_and_reads_nothing_outside() {
    let (_t, lab, cx) = lab_ctx();
    let dest = lab.join("out/x").display().to_string();
    let urls = [
        "salt://../secret",
        "salt://%2e%2e/secret",
        "salt://top.txt?saltenv=../../",
        "salt:///etc/passwd",
        "salt://out_link",
    ];
    for url in urls {
        for (fun, args) in [
            ("cp.get_file_str", vec![url]),
            ("cp.cache_file", vec![url]),
            ("cp.hash_file", vec![url]),
            ("cp.get_file", vec![url, dest.as_str()]),
            ("cp.get_template", vec![url, dest.as_str()]),
            ("cp.get_dir", vec![url, dest.as_str()]),
        ] {
            let r = run(&cx, fun, &args).await;
            let text = r.ret.to_string();
            assert!(!text.contains("CANARY"), "{fun} {url}: {text}");
            if url == "salt://out_link" && fun == "cp.get_dir" {
                // A directory listing: the link is not listed, nothing copied.
                assert_eq!(r.ret, json!([]), "{text}");
                continue;
            }
            assert_eq!(r.retcode, 1, "{fun} {url}: {text}");
            let why = match url {
                "salt://out_link" => "resolves outside its file root",
                u if u.contains("saltenv") => "saltenv \\\"../../\\\" must not start with '.'",
                _ => "unsafe path",
            };
            assert!(text.contains(why), "{fun} {url}: {text} lacks {why}");
        }
    }
    assert!(!lab.join("out/x").exists());
    let r = run(&cx, "cp.list_master", &[]).await;
    assert!(!r.ret.to_string().contains("out_link"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsupported_things_say_so() {
    let (_t, lab, cx) = lab_ctx();
    let dest = lab.join("out/t").display().to_string();
    let r = run(
        &cx,
        "cp.get_template",
        &["salt://tmpl.j2", &dest, "template=mako"],
    )
    .await;
    assert_eq!(r.retcode, 1);
    assert!(
        r.ret.as_str().unwrap().contains("'mako' is not supported"),
        "{}",
        r.ret
    );
    let r = run(&cx, "cp.get_file", &["salt://top.txt", &dest, "gzip=10"]).await;
    assert!(
        r.ret.as_str().unwrap().contains("gzip level 10"),
        "{}",
        r.ret
    );
    let r = run(&cx, "cp.cache_file", &["https://example.com/x"]).await;
    assert!(
        r.ret
            .as_str()
            .unwrap()
            .contains("'https://' URLs are not supported"),
        "{}",
        r.ret
    );
    let r = run(&cx, "cp.get_file", &["salt://top.txt", &dest, "mode=0644"]).await;
    assert!(
        r.ret.as_str().unwrap().contains("not valid: mode=644"),
        "{}",
        r.ret
    );

    let no_files = Ctx {
        files: None,
        ..cx.clone()
    };
    let r = run(&no_files, "cp.list_master", &[]).await;
    assert!(
        r.ret.as_str().unwrap().contains("no file server"),
        "{}",
        r.ret
    );

    fs::write(lab.join("srv/a/bad.j2"), "bad {{ nope( }}\n").unwrap();
    let r = run(&cx, "cp.get_template", &["salt://bad.j2", &dest]).await;
    assert_eq!(r.retcode, 1);
    assert!(
        r.ret
            .as_str()
            .unwrap()
            .contains("Failed to render template salt://bad.j2"),
        "{}",
        r.ret
    );
    assert!(!Path::new(&dest).exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_template_without_dest_writes_to_extrn_files() {
    let (_t, lab, cx) = lab_ctx();
    let r = run(&cx, "cp.get_template", &["salt://tmpl.j2", ""]).await;
    let want = lab.join("root/var/cache/salt/minion/extrn_files/base/tmpl.j2");
    assert_eq!(r.ret, json!(want.display().to_string()));
    assert_eq!(
        fs::read_to_string(want).unwrap(),
        "id=local env=base foo=none\n"
    );
}
