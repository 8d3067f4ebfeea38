//! Golden tests of the `file.*` states against the real Salt: every
//! directory under `tests/file_cases/` is a state tree whose `captured/`
//! files hold what Salt 3007.8 answered (`scripts/capture-file-cases.sh`,
//! `tests/README.md`). Each case runs here in a fresh directory standing in
//! for Salt's `/tmp/filestates-case-<name>`, in Salt's order: test mode,
//! real run, a second real run (which must change nothing where Salt's did
//! not) and test mode again; each result must equal Salt's, key order
//! included, after masking times and the directory's name.
//!
//! The host side (`cp.*`, templates, `pillar.get`, `config.get`) is
//! [`FileExec`]: the case's files as file_roots, templates rendered by
//! salt-render, pillar from the case's captured `pillar.items`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use serde_json::{Map, Value, json};

use salt_state::{CallReturn, Exec, HighData, RunOptions, compile, run_chunks, run_succeeded};
use salt_testkit::listing::tree_listing;
use salt_testkit::mask::file_run as normalize;

/// The calls of one case, in order: (capture, test mode).
const STEPS: &[(&str, bool)] = &[
    ("test.json", true),
    ("run.json", false),
    ("run2.json", false),
    ("test2.json", true),
];

#[test]
fn file_states_match_salt() {
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o022));
    let only = std::env::var("SALT_STATE_CASE").ok();
    let dirs = common::case_dirs("file_cases", "captured/high.json", 15);
    let root_user = nix::unistd::Uid::effective().is_root();
    let mut failures = Vec::new();
    let mut ran = 0;
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        if only
            .as_ref()
            .is_some_and(|o| !o.split(',').any(|o| o == name))
        {
            continue;
        }
        if dir.join("needs-root").exists() && !root_user {
            eprintln!("skipping file case {name}: it changes owners, which needs root");
            continue;
        }
        ran += 1;
        eprintln!("file case {name}");
        if let Err(e) = run_case(&name, &dir) {
            failures.push(format!("--- case {name}:\n{e}"));
        }
    }
    assert!(ran > 0 || !root_user, "no case ran");
    common::assert_no_failures(&failures);
}

fn run_case(name: &str, case: &Path) -> Result<(), String> {
    let salt_dir = format!("/tmp/filestates-case-{name}");
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let dir = tmp.path().join("d");
    let ours = dir.to_string_lossy().into_owned();
    let files = tmp.path().join("roots");
    copy_tree(case, &files, &ours).map_err(|e| format!("copying the case: {e}"))?;
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    if case.join("setup.sh").exists() {
        let st = Command::new("bash")
            .arg(case.join("setup.sh"))
            .env("DIR", &dir)
            .current_dir(&dir)
            .status()
            .map_err(|e| e.to_string())?;
        if !st.success() {
            return Err(format!("setup.sh failed: {st}"));
        }
    }
    let read = |f: &str| -> Result<Value, String> {
        let text = std::fs::read_to_string(case.join("captured").join(f))
            .map_err(|e| format!("{f}: {e}"))?;
        serde_json::from_str(&text.replace(&salt_dir, &ours)).map_err(|e| format!("{f}: {e}"))
    };
    let high = read("high.json")?["return"].clone();
    let pillar = read("pillar.json")
        .map(|v| v["return"].clone())
        .unwrap_or_else(|_| json!({}));
    let exec = FileExec::new(files, pillar, tmp.path().join("cache"));
    let mut problems = Vec::new();
    for (file, test) in STEPS {
        let want = read(file)?;
        if want["return"].get("__unparsed__").is_some() {
            return Err(format!("{file}: Salt did not answer JSON"));
        }
        let high = HighData::from_value(high.clone()).map_err(|e| format!("high data: {e:?}"))?;
        let (got, code) = run(high, *test, &exec);
        let (w, g) = (normalize(&want["return"], &ours), normalize(&got, &ours));
        if let Err(p) = common::compare(file, &w, &g) {
            problems.push(p);
        }
        let want_code = want["retcode"].as_i64().unwrap_or(0) as i32;
        if code != want_code {
            problems.push(format!("{file}: retcode {code}, Salt {want_code}"));
        }
    }
    if let Ok(want) = std::fs::read_to_string(case.join("captured/tree.txt")) {
        let got = tree_listing(&dir, &ours, &salt_dir).replace(&ours, "<DIR>");
        let want = want.replace(&salt_dir, "<DIR>");
        if got.trim_end() != want.trim_end() {
            problems.push(format!(
                "the directory afterwards differs:\n== Salt:\n{want}\n== ours:\n{got}"
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

fn run(high: HighData, test: bool, exec: &FileExec) -> (Value, i32) {
    let opts = RunOptions {
        test,
        ..RunOptions::default()
    };
    match compile(high) {
        Err(e) => (serde_json::to_value(&e).unwrap(), 1),
        Ok(c) => {
            let running = run_chunks(c.chunks, &opts, exec);
            let code = if run_succeeded(&running, Some(&c.high)) {
                0
            } else {
                2
            };
            (serde_json::to_value(&running).unwrap(), code)
        }
    }
}

/// Copies a case's files (not its captures) with `__DIR__` replaced.
fn copy_tree(from: &Path, to: &Path, dir: &str) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        if name == "captured" {
            continue;
        }
        let (src, dst) = (e.path(), to.join(&name));
        let ft = e.file_type()?;
        if ft.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&src)?, &dst)?;
        } else if ft.is_dir() {
            copy_tree(&src, &dst, dir)?;
        } else {
            let data = std::fs::read(&src)?;
            let data = match String::from_utf8(data) {
                Ok(t) => t.replace("__DIR__", dir).into_bytes(),
                Err(e) => e.into_bytes(),
            };
            std::fs::write(&dst, data)?;
        }
    }
    Ok(())
}

/// The host for file states: file_roots in a directory, templates through
/// salt-render, pillar from a capture.
struct FileExec {
    roots: PathBuf,
    pillar: Value,
    cache: PathBuf,
}

impl FileExec {
    fn new(roots: PathBuf, pillar: Value, cache: PathBuf) -> Self {
        Self {
            roots,
            pillar,
            cache,
        }
    }

    /// A `salt://` URL's file under the roots (the `?saltenv=` is ignored:
    /// the cases use `base` only).
    fn resolve(&self, url: &str) -> Option<PathBuf> {
        let rest = url.strip_prefix("salt://")?;
        let rel = rest.split('?').next().unwrap_or(rest);
        let p = self.roots.join(rel);
        p.is_file().then_some(p)
    }

    fn list(&self, dirs: bool, prefix: &str) -> Vec<Value> {
        let prefix = prefix.trim_matches('/');
        let mut out = Vec::new();
        walk(&self.roots, &self.roots, dirs, &mut out);
        out.sort();
        out.into_iter()
            .filter(|p| p.starts_with(prefix))
            .map(Value::String)
            .collect()
    }

    fn data_get(&self, data: &Value, key: &str, default: Value, delim: &str) -> Value {
        let mut cur = data;
        for part in key.split(delim) {
            match cur.get(part) {
                Some(n) => cur = n,
                None => return default,
            }
        }
        cur.clone()
    }

    fn render(&self, kw: &Map<String, Value>) -> Result<Value, String> {
        let text = kw
            .get("contents")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let mut extra = Map::new();
        for k in ["defaults", "context"] {
            if let Some(Value::Object(m)) = kw.get(k) {
                extra.extend(m.clone());
            }
        }
        let cx = salt_render::Context {
            grains: json!({}),
            pillar: self.pillar.clone(),
            opts: json!({}),
            saltenv: kw
                .get("saltenv")
                .and_then(Value::as_str)
                .unwrap_or("base")
                .to_owned(),
            sls: None,
            tplpath: None,
            extra,
        };
        let host: Arc<dyn salt_render::Host> = Arc::new(RenderHost {
            roots: self.roots.clone(),
            pillar: self.pillar.clone(),
        });
        // Salt's text of a render error: message, line, context block.
        salt_render::render_template(&host, &cx, text)
            .map(Value::String)
            .map_err(|e| {
                let mut msg = e.message.clone();
                if let Some(l) = e.line {
                    msg.push_str(&format!("; line {l}"));
                }
                if let Some(c) = &e.context {
                    msg.push_str(&format!("\n\n{c}"));
                }
                msg
            })
    }
}

fn walk(root: &Path, dir: &Path, dirs: bool, out: &mut Vec<String>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
        if p.is_dir() {
            if dirs {
                out.push(rel);
            }
            walk(root, &p, dirs, out);
        } else if !dirs {
            out.push(rel);
        }
    }
}

impl Exec for FileExec {
    fn run_cmd(&self, cmd: &str, _opts: &Map<String, Value>) -> Result<i32, String> {
        let st = Command::new("sh")
            .arg("-c")
            .arg(cmd)
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
        let arg = |i: usize, k: &str| {
            args.get(i)
                .or_else(|| kwargs.get(k))
                .cloned()
                .unwrap_or(Value::Null)
        };
        let s = |v: Value| v.as_str().unwrap_or_default().to_owned();
        let value = match fun {
            "cp.cache_file" => match self.resolve(&s(arg(0, "path"))) {
                Some(p) => Value::String(p.to_string_lossy().into_owned()),
                None => Value::String(String::new()),
            },
            "cp.hash_file" => match self.resolve(&s(arg(0, "path"))) {
                Some(p) => {
                    use sha2::Digest;
                    let data = std::fs::read(p).map_err(|e| e.to_string())?;
                    json!({"hsum": hex::encode(sha2::Sha256::digest(&data)), "hash_type": "sha256"})
                }
                None => json!({}),
            },
            "cp.list_master" => Value::Array(self.list(false, &s(arg(1, "prefix")))),
            "cp.list_master_dirs" => Value::Array(self.list(true, &s(arg(1, "prefix")))),
            "file.apply_template_on_contents" => self.render(kwargs)?,
            "pillar.get" => {
                let delim = kwargs
                    .get("delimiter")
                    .and_then(Value::as_str)
                    .unwrap_or(":");
                self.data_get(&self.pillar, &s(arg(0, "key")), arg(1, "default"), delim)
            }
            "grains.get" => {
                let delim = kwargs
                    .get("delimiter")
                    .and_then(Value::as_str)
                    .unwrap_or(":");
                self.data_get(&json!({}), &s(arg(0, "key")), arg(1, "default"), delim)
            }
            "config.get" => Value::String(self.cache.to_string_lossy().into_owned()),
            "cmd.run_all" => {
                let out = Command::new("sh")
                    .arg("-c")
                    .arg(s(arg(0, "cmd")))
                    .output()
                    .map_err(|e| e.to_string())?;
                let text = |b: &[u8]| String::from_utf8_lossy(b).trim_end().to_owned();
                json!({"pid": 0, "retcode": out.status.code().unwrap_or(1),
                       "stdout": text(&out.stdout), "stderr": text(&out.stderr)})
            }
            other => return Err(format!("'{other}' is not available.")),
        };
        Ok(CallReturn { value, retcode: 0 })
    }

    fn sleep(&self, _d: std::time::Duration) {}
}

/// Templates' view of the host: imports from the roots, `salt['pillar.get']`.
struct RenderHost {
    roots: PathBuf,
    pillar: Value,
}

impl salt_render::Host for RenderHost {
    fn call(
        &self,
        fun: &str,
        args: Vec<Value>,
        _kwargs: Map<String, Value>,
    ) -> Result<Value, String> {
        match fun {
            "pillar.get" => {
                let key = args.first().and_then(Value::as_str).unwrap_or_default();
                let mut cur = &self.pillar;
                for part in key.split(':') {
                    match cur.get(part) {
                        Some(n) => cur = n,
                        None => {
                            return Ok(args
                                .get(1)
                                .cloned()
                                .unwrap_or(Value::String(String::new())));
                        }
                    }
                }
                Ok(cur.clone())
            }
            other => Err(format!("'{other}' is not available.")),
        }
    }

    fn get_file(&self, _saltenv: &str, path: &str) -> Result<Option<String>, String> {
        Ok(std::fs::read_to_string(self.roots.join(path)).ok())
    }
}

/// One state run directly (not a capture): the return of its only chunk.
fn run_one(exec: &FileExec, id: &str, fun: &str, args: Value, test: bool) -> Map<String, Value> {
    let mut decl = vec![Value::String(fun.to_owned())];
    for (k, v) in args.as_object().unwrap() {
        decl.push(json!({ k: v }));
    }
    decl.push(json!({"order": 1}));
    let high = json!({ id: {"file": decl, "__sls__": "main", "__env__": "base"} });
    let (got, _) = run(HighData::from_value(high).unwrap(), test, exec);
    got.as_object()
        .unwrap()
        .values()
        .next()
        .unwrap()
        .as_object()
        .unwrap()
        .clone()
}

fn scratch() -> (tempfile::TempDir, FileExec, String) {
    let tmp = tempfile::tempdir().unwrap();
    let roots = tmp.path().join("roots");
    std::fs::create_dir_all(roots.join("files")).unwrap();
    std::fs::write(roots.join("files/one.txt"), "one\n").unwrap();
    let exec = FileExec::new(roots, json!({}), tmp.path().join("cache"));
    let d = tmp.path().join("d");
    std::fs::create_dir_all(&d).unwrap();
    let d = d.to_string_lossy().into_owned();
    (tmp, exec, d)
}

/// Salt 3007 fails with an AttributeError on `{url: hash}` entries in a
/// source list; we take the entry and its hash.
#[test]
fn source_list_entries_with_hashes() {
    let (_tmp, exec, d) = scratch();
    let r = run_one(
        &exec,
        "x",
        "managed",
        json!({"name": format!("{d}/x.txt"), "source": [
            {"salt://files/missing.txt": "md5=00000000000000000000000000000000"},
            {"salt://files/one.txt": ""},
        ]}),
        false,
    );
    assert_eq!(r["result"], json!(true), "{r:?}");
    assert_eq!(
        std::fs::read_to_string(format!("{d}/x.txt")).unwrap(),
        "one\n"
    );
}

/// `backup: minion` keeps the old contents under `<cachedir>/file_backup`,
/// named as Salt names backups, with the old mode.
#[test]
fn backup_minion_keeps_the_old_file() {
    use std::os::unix::fs::PermissionsExt;
    let (tmp, exec, d) = scratch();
    let f = format!("{d}/conf");
    std::fs::write(&f, "old\n").unwrap();
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o640)).unwrap();
    let r = run_one(
        &exec,
        "x",
        "managed",
        json!({"name": f, "source": "salt://files/one.txt", "backup": "minion"}),
        false,
    );
    assert_eq!(r["result"], json!(true), "{r:?}");
    let bdir = tmp
        .path()
        .join("cache/file_backup")
        .join(d.trim_start_matches('/'));
    let backups: Vec<PathBuf> = std::fs::read_dir(&bdir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(backups.len(), 1);
    let name = backups[0]
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    // conf_Mon_Dec_01_16:55:01_123456_2025
    let parts: Vec<&str> = name.split('_').collect();
    assert_eq!(parts.len(), 7, "{name}");
    assert_eq!(parts[0], "conf");
    assert_eq!(parts[5].len(), 6);
    assert_eq!(std::fs::read_to_string(&backups[0]).unwrap(), "old\n");
    let mode = std::fs::metadata(&backups[0]).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    assert_eq!(
        std::fs::metadata(&f).unwrap().permissions().mode() & 0o777,
        0o640
    );
}

/// When the host cannot answer (no file server), the state fails naming
/// the call, and nothing is written.
#[test]
fn a_failing_host_call_fails_the_state() {
    let (_tmp, exec, d) = scratch();
    let r = run_one(
        &exec,
        "x",
        "managed",
        json!({"name": format!("{d}/x"), "contents": "{{ 1 }}", "template": "nosuch"}),
        false,
    );
    assert_eq!(r["result"], json!(false));
    assert_eq!(
        r["comment"],
        json!("Specified template format nosuch is not supported")
    );
    let r = run_one(
        &exec,
        "y",
        "managed",
        json!({"name": format!("{d}/y"), "contents_grains": "a"}),
        false,
    );
    assert_eq!(r["comment"], json!("Grain a does not exist"));
    struct NoHost;
    impl Exec for NoHost {
        fn run_cmd(&self, _: &str, _: &Map<String, Value>) -> Result<i32, String> {
            Ok(0)
        }
        fn call(&self, f: &str, _: &[Value], _: &Map<String, Value>) -> Result<CallReturn, String> {
            Err(format!("'{f}' is not available."))
        }
    }
    let high = json!({"z": {"file": ["managed", {"name": format!("{d}/z")}, {"source": "salt://files/one.txt"}, {"order": 1}],
                            "__sls__": "main", "__env__": "base"}});
    let c = compile(HighData::from_value(high).unwrap()).unwrap();
    let running = run_chunks(c.chunks, &RunOptions::default(), &NoHost);
    let r = running.values().next().unwrap();
    assert_eq!(r["result"], json!(false));
    assert_eq!(
        r["comment"],
        json!("Unable to manage file: 'cp.hash_file' is not available.")
    );
    assert!(!Path::new(&format!("{d}/z")).exists());
}
