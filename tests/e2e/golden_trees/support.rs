//! The harness's tools: a throwaway minion config for one case and the
//! built `salt-rs-call --local` run on it ([`Minion`]), Salt's captures
//! ([`Capture`]), and a runner that takes every case of a family over a
//! few threads and reports all mismatches at the end ([`run_family`]).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use salt_testkit::Output;
use serde_json::Value;

/// The repository's root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_owned()
}

/// What salt-call answered: its exit code and the `local` value of its
/// JSON output (`{"__unparsed__": text}` when it printed no JSON).
#[derive(Debug, Clone)]
pub struct Capture {
    pub retcode: i32,
    pub ret: Value,
}

impl Capture {
    /// A capture file of the state-case scripts: `{"retcode": N, "return": ...}`.
    pub fn read(path: &Path) -> Result<Capture, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// The text of a capture file, already edited (paths put in).
    pub fn parse(text: &str) -> Result<Capture, String> {
        let v: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        Ok(Capture {
            retcode: v["retcode"].as_i64().unwrap_or(0) as i32,
            ret: v.get("return").cloned().unwrap_or(Value::Null),
        })
    }

    /// Salt crashed instead of answering (it then prints a docstring).
    pub fn unparsed(&self) -> bool {
        self.ret.get("__unparsed__").is_some()
    }

    /// Our answer: the `local` value of `--out json`.
    pub fn of_output(out: &Output) -> Capture {
        let ret = serde_json::from_str::<Value>(&out.stdout)
            .ok()
            .and_then(|v| v.get("local").cloned())
            .unwrap_or_else(|| serde_json::json!({"__unparsed__": out.stdout}));
        Capture {
            retcode: out.code,
            ret,
        }
    }
}

/// One minion's throwaway config (`<base>/cfg/minion`, `root_dir`
/// `<base>/root`) and the roots `salt-rs-call --local` serves.
pub struct Minion {
    pub cfg: PathBuf,
    pub root_dir: PathBuf,
    pub id: String,
    pub file_root: PathBuf,
    pub pillar_root: PathBuf,
    /// The working directory of every call.
    pub cwd: PathBuf,
    /// Wrap each call in `unshare -n` (no network), when that works here.
    pub no_network: bool,
    /// `umask 022` for each call (the file-state captures ran with it).
    pub umask: bool,
}

impl Minion {
    /// A config in `base` for minion `id`, with `extra` YAML appended to it.
    pub fn new(base: &Path, id: &str, file_root: &Path, pillar_root: &Path, extra: &str) -> Self {
        let cfg = base.join("cfg");
        let root_dir = base.join("root");
        std::fs::create_dir_all(&cfg).expect("config dir");
        std::fs::write(
            cfg.join("minion"),
            format!("root_dir: {}\nid: {id}\n{extra}", root_dir.display()),
        )
        .expect("minion config");
        Minion {
            cfg,
            root_dir,
            id: id.to_owned(),
            file_root: file_root.to_owned(),
            pillar_root: pillar_root.to_owned(),
            cwd: base.to_owned(),
            no_network: false,
            umask: false,
        }
    }

    /// The minion's cache directory (what Salt's captures call the cache).
    pub fn cachedir(&self) -> PathBuf {
        self.root_dir.join("var/cache/salt-rs/minion")
    }

    /// `salt-rs-call -c CFG --local --id ID --file-root F --pillar-root P ARGS`.
    pub fn call(&self, args: &[&str]) -> Output {
        let bin = salt_testkit::bin("salt-rs-call");
        let mut full: Vec<String> = vec![
            "-c".into(),
            self.cfg.display().to_string(),
            "--local".into(),
            "--id".into(),
            self.id.clone(),
            "--file-root".into(),
            self.file_root.display().to_string(),
            "--pillar-root".into(),
            self.pillar_root.display().to_string(),
        ];
        full.extend(args.iter().map(|a| (*a).to_owned()));
        let mut cmd = if self.umask || (self.no_network && unshare_works()) {
            let mut script = String::new();
            if self.umask {
                script.push_str("umask 022 && ");
            }
            script.push_str("exec \"$0\" \"$@\"");
            let mut c = if self.no_network && unshare_works() {
                let mut c = Command::new("unshare");
                c.args(["-n", "sh", "-c", &script]);
                c
            } else {
                let mut c = Command::new("sh");
                c.args(["-c", &script]);
                c
            };
            c.arg(&bin);
            c
        } else {
            Command::new(&bin)
        };
        cmd.args(&full).current_dir(&self.cwd);
        salt_testkit::run_cmd(&mut cmd)
    }

    /// `--out json -l quiet ARGS`, as the capture scripts call salt-call.
    pub fn capture(&self, args: &[&str]) -> (Capture, Output) {
        let mut all = vec!["--out", "json", "-l", "quiet"];
        all.extend_from_slice(args);
        let out = self.call(&all);
        (Capture::of_output(&out), out)
    }
}

/// Whether `unshare -n` can make a network namespace here (root, or user
/// namespaces allowed).
pub fn unshare_works() -> bool {
    use std::sync::OnceLock;
    static WORKS: OnceLock<bool> = OnceLock::new();
    *WORKS.get_or_init(|| {
        Command::new("unshare")
            .args(["-n", "true"])
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// How one case went.
pub enum Outcome {
    /// Every comparison of the case held; how many there were.
    Pass(usize),
    /// The case cannot run here, and why.
    Skip(String),
    /// The differences, readable (several comparisons may be listed).
    Fail(String),
}

/// Collects the problems of one case's comparisons.
#[derive(Default)]
pub struct Checks {
    pub compared: usize,
    pub problems: Vec<String>,
}

impl Checks {
    /// Records one comparison's result.
    pub fn check(&mut self, r: Result<(), String>) {
        self.compared += 1;
        if let Err(e) = r {
            self.problems.push(e);
        }
    }

    /// The exit code must be Salt's.
    pub fn exit_code(&mut self, label: &str, want: i32, got: &Output) {
        self.check(if want == got.code {
            Ok(())
        } else {
            Err(format!(
                "{label}: exit code {}, Salt's {want}\n  stderr: {}",
                got.code,
                got.stderr.trim_end()
            ))
        });
    }

    pub fn outcome(self) -> Outcome {
        if self.problems.is_empty() {
            Outcome::Pass(self.compared)
        } else {
            Outcome::Fail(self.problems.join("\n"))
        }
    }
}

/// The case names to run: all, or those in `SALT_GOLDEN_CASE` (comma
/// separated) when it is set.
pub fn selected(name: &str) -> bool {
    match std::env::var("SALT_GOLDEN_CASE") {
        Ok(only) if !only.is_empty() => only.split(',').any(|o| o == name),
        _ => true,
    }
}

/// Runs `check` on every case (in a few threads), prints skipped cases
/// with their reasons, and fails with every mismatching case's report.
/// `min_cases` guards against a lost capture directory.
pub fn run_family<C: Sync>(
    family: &str,
    cases: Vec<(String, C)>,
    min_cases: usize,
    check: impl Fn(&str, &C) -> Outcome + Sync,
) {
    let filtered = std::env::var("SALT_GOLDEN_CASE").is_ok_and(|s| !s.is_empty());
    assert!(
        filtered || cases.len() >= min_cases,
        "{family}: {} cases found, expected at least {min_cases}",
        cases.len()
    );
    let cases: Vec<(String, C)> = cases.into_iter().filter(|(n, _)| selected(n)).collect();
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 4)
        .min(cases.len().max(1));
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, String, Outcome)>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some((name, case)) = cases.get(i) else {
                        break;
                    };
                    let outcome = check(name, case);
                    results
                        .lock()
                        .expect("results")
                        .push((i, name.clone(), outcome));
                }
            });
        }
    });
    let mut results = results.into_inner().expect("results");
    results.sort_by_key(|r| r.0);
    let (mut passed, mut compared, mut failed) = (0, 0, Vec::new());
    for (_, name, outcome) in &results {
        match outcome {
            Outcome::Pass(n) => {
                passed += 1;
                compared += n;
            }
            Outcome::Skip(why) => eprintln!("{family}: skipping {name}: {why}"),
            Outcome::Fail(report) => failed.push(format!("=== {family} case {name}:\n{report}")),
        }
    }
    eprintln!(
        "{family}: {passed} of {} cases equal to Salt ({compared} comparisons), {} differ",
        results.len(),
        failed.len()
    );
    assert!(
        failed.is_empty(),
        "{family}: {} case(s) differ from Salt:\n{}",
        failed.len(),
        failed.join("\n")
    );
}

/// The case directories under `dir` that have `marker` (a relative path),
/// sorted by name.
pub fn case_dirs(dir: &Path, marker: &str) -> Vec<(String, PathBuf)> {
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join(marker).exists())
        .map(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (name, p)
        })
        .collect();
    out.sort();
    out
}

/// Copies the files of `from` to `to` that `keep` accepts (given the path
/// relative to `from` and whether it is a directory), passing each text
/// file through `edit`.
pub fn copy_tree(
    from: &Path,
    to: &Path,
    keep: &dyn Fn(&Path, bool) -> bool,
    edit: &dyn Fn(&Path, String) -> String,
) -> std::io::Result<()> {
    fn walk(
        base: &Path,
        dir: &Path,
        to: &Path,
        keep: &dyn Fn(&Path, bool) -> bool,
        edit: &dyn Fn(&Path, String) -> String,
    ) -> std::io::Result<()> {
        for e in std::fs::read_dir(dir)? {
            let e = e?;
            let src = e.path();
            let rel = src.strip_prefix(base).expect("under base").to_owned();
            let ft = e.file_type()?;
            if !keep(&rel, ft.is_dir()) {
                continue;
            }
            let dst = to.join(&rel);
            if ft.is_symlink() {
                if let Some(p) = dst.parent() {
                    std::fs::create_dir_all(p)?;
                }
                std::os::unix::fs::symlink(std::fs::read_link(&src)?, &dst)?;
            } else if ft.is_dir() {
                walk(base, &src, to, keep, edit)?;
            } else {
                if let Some(p) = dst.parent() {
                    std::fs::create_dir_all(p)?;
                }
                let data = std::fs::read(&src)?;
                let data = match String::from_utf8(data) {
                    Ok(t) => edit(&rel, t).into_bytes(),
                    Err(e) => e.into_bytes(),
                };
                std::fs::write(&dst, data)?;
                let mode = std::fs::metadata(&src)?.permissions();
                std::fs::set_permissions(&dst, mode)?;
            }
        }
        Ok(())
    }
    std::fs::create_dir_all(to)?;
    walk(from, from, to, keep, edit)
}

/// `top.sls` applying `main` to every minion, as the capture scripts write it.
pub const MAIN_TOP: &str = "base:\n  '*':\n    - main\n";

/// Whether this process runs as root.
pub fn is_root() -> bool {
    nix_uid() == 0
}

fn nix_uid() -> u32 {
    // /proc/self/status: "Uid:\treal\teffective\t..."
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2))
                .and_then(|u| u.parse().ok())
        })
        .unwrap_or(u32::MAX)
}
