//! A real salt-rs lab for tests: one master and N minions started from the
//! built binaries, on 127.0.0.1 with free ports, each in its own temp
//! `root_dir`. Every wait is bounded; every process is killed on drop.
//!
//! ```no_run
//! let lab = salt_testkit::Lab::start(3);
//! let out = lab.salt(&["*", "test.ping"]);
//! assert_eq!(out.code, 0);
//! ```

#![forbid(unsafe_code)]

pub mod case;
pub mod container;
pub mod listing;
pub mod mask;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// What a command printed and how it exited.
#[derive(Debug, Clone)]
pub struct Output {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

impl Output {
    /// stdout parsed as JSON (panics with the text when it is not).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!("not JSON ({e}):\n{}\nstderr:\n{}", self.stdout, self.stderr)
        })
    }
}

/// A golden capture from real Salt (`tests/golden/NAME`, copied from
/// `../shared/salt-reference/outputs`): what went to stdout, to stderr,
/// and the exit code.
#[derive(Debug, Clone)]
pub struct Golden {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

/// Reads `tests/golden/NAME`: the text, then `[exit code: N]`; the trailing
/// `ERROR: ...` lines are what Salt wrote to stderr.
pub fn golden(name: &str) -> Golden {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/golden")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines: Vec<&str> = text.lines().collect();
    let last = lines.pop().expect("golden file is empty");
    let code = last
        .strip_prefix("[exit code: ")
        .and_then(|s| s.strip_suffix(']'))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{name}: no exit code line"));
    let split = lines
        .iter()
        .rposition(|l| !l.starts_with("ERROR: "))
        .map_or(0, |i| i + 1);
    let join = |ls: &[&str]| ls.iter().map(|l| format!("{l}\n")).collect::<String>();
    Golden {
        stdout: join(&lines[..split]),
        stderr: join(&lines[split..]),
        code,
    }
}

/// Asserts exit 0 and an empty stderr, and hands the output back.
pub fn ok(out: Output) -> Output {
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.is_empty(), "{out:?}");
    out
}

/// The directory holding the salt-rs binaries (`target/debug` next to the
/// running test executable), or `SALT_RS_BIN_DIR`.
pub fn bin_dir() -> PathBuf {
    if let Ok(d) = std::env::var("SALT_RS_BIN_DIR") {
        return PathBuf::from(d);
    }
    let exe = std::env::current_exe().expect("current test executable");
    let mut dir = exe.parent().expect("exe dir").to_path_buf();
    if dir.ends_with("deps") {
        dir.pop();
    }
    dir
}

/// Path of one binary; panics with the fix when it was not built.
pub fn bin(name: &str) -> PathBuf {
    let p = bin_dir().join(name);
    assert!(
        p.exists(),
        "{} is missing: build the binaries first (cargo build --workspace --bins)",
        p.display()
    );
    p
}

/// A free TCP port for a lab daemon, on 127.0.0.1 and 127.0.0.2.
///
/// Taken from 20000-32767, below Linux's ephemeral range (32768-60999):
/// a port picked there from `bind(":0")` and released can be grabbed as the
/// source port of any outgoing connection before the daemon binds it (seen
/// with several labs running at once). Ports handed out once are not handed
/// out again by this process.
pub fn free_port() -> u16 {
    use std::collections::HashSet;
    use std::sync::Mutex;
    static GIVEN: Mutex<Option<HashSet<u16>>> = Mutex::new(None);
    let mut given = GIVEN.lock().unwrap_or_else(|e| e.into_inner());
    let given = given.get_or_insert_with(HashSet::new);
    for _ in 0..10_000 {
        let port = fastrand::u16(20_000..32_768);
        if given.contains(&port) {
            continue;
        }
        let free = ["127.0.0.1", "127.0.0.2"]
            .iter()
            .all(|ip| TcpListener::bind((*ip, port)).is_ok());
        if free {
            given.insert(port);
            return port;
        }
    }
    panic!("no free port in 20000-32767 on 127.0.0.1")
}

/// Polls `f` every 50 ms until it is true or `timeout` passes.
pub fn wait_until(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + timeout;
    loop {
        if f() {
            return true;
        }
        if Instant::now() >= end {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Lab settings.
#[derive(Debug, Clone)]
pub struct LabBuilder {
    minions: usize,
    master_extra: String,
    minion_extra: String,
    accept: bool,
    ids: Vec<String>,
    per_minion: Vec<(String, String)>,
    interface: String,
}

impl Default for LabBuilder {
    fn default() -> Self {
        Self {
            minions: 3,
            master_extra: String::new(),
            minion_extra: String::new(),
            accept: true,
            ids: Vec::new(),
            per_minion: Vec::new(),
            interface: "127.0.0.1".into(),
        }
    }
}

impl LabBuilder {
    pub fn minions(mut self, n: usize) -> Self {
        self.minions = n;
        self
    }
    /// Extra YAML lines for the master config.
    pub fn master_config(mut self, yaml: &str) -> Self {
        self.master_extra.push_str(yaml);
        self.master_extra.push('\n');
        self
    }
    /// Extra YAML lines for every minion config.
    pub fn minion_config(mut self, yaml: &str) -> Self {
        self.minion_extra.push_str(yaml);
        self.minion_extra.push('\n');
        self
    }
    /// Extra YAML lines for one minion's config only (e.g. its `grains:`),
    /// keyed by the lab's name for it: its id, or the `name` given to
    /// [`Lab::add_minion_named`].
    pub fn minion_config_for(mut self, name: &str, yaml: &str) -> Self {
        self.per_minion.push((name.to_owned(), format!("{yaml}\n")));
        self
    }
    /// Leave keys pending (default: accept all and wait for test.ping).
    pub fn no_accept(mut self) -> Self {
        self.accept = false;
        self
    }
    /// The address the master listens on (default 127.0.0.1), e.g. the
    /// gateway of a test's own container network.
    pub fn interface(mut self, ip: &str) -> Self {
        self.interface = ip.to_owned();
        self
    }

    /// Minion ids (default minion1..minionN).
    pub fn ids(mut self, ids: &[&str]) -> Self {
        self.ids = ids.iter().map(|s| s.to_string()).collect();
        self.minions = ids.len();
        self
    }

    pub fn start(self) -> Lab {
        let dir = tempfile::Builder::new()
            .prefix("salt-rs-lab")
            .tempdir()
            .expect("temp dir");
        let ids: Vec<String> = if self.ids.is_empty() {
            (1..=self.minions).map(|i| format!("minion{i}")).collect()
        } else {
            self.ids.clone()
        };
        let mut lab = Lab {
            publish_port: free_port(),
            ret_port: free_port(),
            master_dir: dir.path().join("master"),
            minions: Vec::new(),
            master: None,
            dir,
            settings: self.clone(),
        };
        lab.write_master_config();
        lab.start_master();
        for id in &ids {
            lab.add_minion(id);
        }
        if self.accept && !ids.is_empty() {
            let all: Vec<&str> = ids.iter().map(String::as_str).collect();
            lab.wait_pending(&all);
            let out = lab.key(&["-A", "-y"]);
            assert_eq!(out.code, 0, "salt-rs-key -A failed: {out:?}");
            lab.wait_all_answer(&all);
        }
        lab
    }
}

struct MinionProc {
    id: String,
    dir: PathBuf,
    child: Option<Child>,
}

/// A running lab; processes are killed when it drops.
pub struct Lab {
    dir: tempfile::TempDir,
    pub master_dir: PathBuf,
    pub publish_port: u16,
    pub ret_port: u16,
    master: Option<Child>,
    minions: Vec<MinionProc>,
    settings: LabBuilder,
}

impl Lab {
    /// Master + `n` accepted minions answering test.ping.
    pub fn start(n: usize) -> Lab {
        LabBuilder::default().minions(n).start()
    }

    pub fn builder() -> LabBuilder {
        LabBuilder::default()
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    fn write_master_config(&self) {
        std::fs::create_dir_all(&self.master_dir).expect("master dir");
        let cfg = format!(
            "root_dir: {root}\ninterface: {iface}\npublish_port: {p}\nret_port: {r}\nheartbeat_interval: 1\nlog_level: debug\n{extra}",
            iface = self.settings.interface,
            root = self.master_dir.display(),
            p = self.publish_port,
            r = self.ret_port,
            extra = self.settings.master_extra
        );
        std::fs::write(self.master_dir.join("master"), cfg).expect("master config");
    }

    /// Starts (or restarts) the master process.
    pub fn start_master(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.master_dir.join("master.log"))
            .expect("master log");
        let child = Command::new(bin("salt-rs-master"))
            .arg("-c")
            .arg(&self.master_dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("spawn salt-rs-master");
        self.master = Some(child);
        // A socket file left by a killed master exists but refuses: wait
        // until the new master answers on it.
        let sock = self.master_dir.join("run/salt-rs/master.sock");
        assert!(
            wait_until(Duration::from_secs(20), || {
                std::os::unix::net::UnixStream::connect(&sock).is_ok()
            }),
            "master did not come up; log:\n{}",
            self.master_log()
        );
    }

    /// SIGKILLs the master.
    pub fn kill_master(&mut self) {
        if let Some(mut c) = self.master.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGTERMs the master and waits for it to exit.
    pub fn stop_master(&mut self) -> Option<std::process::ExitStatus> {
        let mut c = self.master.take()?;
        terminate(&mut c)
    }

    pub fn master_log(&self) -> String {
        std::fs::read_to_string(self.master_dir.join("master.log")).unwrap_or_default()
    }

    pub fn minion_dir(&self, id: &str) -> PathBuf {
        self.dir.path().join(id)
    }

    pub fn minion_log(&self, id: &str) -> String {
        std::fs::read_to_string(self.minion_dir(id).join("minion.log")).unwrap_or_default()
    }

    /// Writes a minion config and starts it.
    pub fn add_minion(&mut self, id: &str) {
        self.add_minion_named(id, id);
    }

    /// Adds and starts a minion with extra YAML config lines of its own.
    pub fn add_minion_with_config(&mut self, id: &str, yaml: &str) {
        self.settings
            .per_minion
            .push((id.to_owned(), format!("{yaml}\n")));
        self.add_minion_named(id, id);
    }

    /// Like [`Lab::add_minion`], but the process is known to the lab as
    /// `name` (its directory, logs, start/stop/kill) while it presents
    /// itself with minion id `id`: a second process claiming an existing id
    /// with its own fresh keys.
    pub fn add_minion_named(&mut self, name: &str, id: &str) {
        let dir = self.minion_dir(name);
        std::fs::create_dir_all(&dir).expect("minion dir");
        let own: String = self
            .settings
            .per_minion
            .iter()
            .filter(|(m, _)| m == name)
            .map(|(_, y)| y.as_str())
            .collect();
        let cfg = format!(
            "root_dir: {root}\nid: {id}\nmaster: 127.0.0.1\nmaster_port: {r}\npublish_port: {p}\nacceptance_wait_time: 1\nrecon_default: 100\nrecon_max: 1000\nheartbeat_interval: 1\nlog_level: debug\n{extra}{own}",
            root = dir.display(),
            r = self.ret_port,
            p = self.publish_port,
            extra = self.settings.minion_extra
        );
        std::fs::write(dir.join("minion"), cfg).expect("minion config");
        self.minions.push(MinionProc {
            id: name.to_owned(),
            dir,
            child: None,
        });
        self.start_minion(name);
    }

    pub fn start_minion(&mut self, id: &str) {
        let m = self
            .minions
            .iter_mut()
            .find(|m| m.id == id)
            .unwrap_or_else(|| panic!("no minion {id} in this lab"));
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(m.dir.join("minion.log"))
            .expect("minion log");
        let child = Command::new(bin("salt-rs-minion"))
            .arg("-c")
            .arg(&m.dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("spawn salt-rs-minion");
        m.child = Some(child);
    }

    /// SIGKILLs a minion.
    pub fn kill_minion(&mut self, id: &str) {
        if let Some(m) = self.minions.iter_mut().find(|m| m.id == id)
            && let Some(mut c) = m.child.take()
        {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGTERMs a minion and waits for it.
    pub fn stop_minion(&mut self, id: &str) -> Option<std::process::ExitStatus> {
        let m = self.minions.iter_mut().find(|m| m.id == id)?;
        let mut c = m.child.take()?;
        terminate(&mut c)
    }

    /// The pid of a minion's process while it runs (`None` once it exited
    /// or was never started).
    pub fn minion_pid(&mut self, id: &str) -> Option<u32> {
        let m = self.minions.iter_mut().find(|m| m.id == id)?;
        let c = m.child.as_mut()?;
        match c.try_wait() {
            Ok(None) => Some(c.id()),
            _ => None,
        }
    }

    /// Runs `salt-rs -c <master dir> ARGS`.
    pub fn salt(&self, args: &[&str]) -> Output {
        self.run_bin("salt-rs", args)
    }

    /// Runs `salt-rs-key -c <master dir> ARGS`.
    pub fn key(&self, args: &[&str]) -> Output {
        self.run_bin("salt-rs-key", args)
    }

    /// Runs `salt-rs-run -c <master dir> ARGS`.
    pub fn run(&self, args: &[&str]) -> Output {
        self.run_bin("salt-rs-run", args)
    }

    /// Runs `salt-rs-call -c <minion dir> ARGS`.
    pub fn call(&self, id: &str, args: &[&str]) -> Output {
        run_cmd(
            Command::new(bin("salt-rs-call"))
                .arg("-c")
                .arg(self.minion_dir(id))
                .args(args),
        )
    }

    /// Starts `NAME -c <master dir> ARGS` in the background (e.g.
    /// `salt-rs-run state.event`), its stdout and stderr going to files;
    /// killed on drop.
    pub fn spawn(&self, name: &str, args: &[&str]) -> Background {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let out = self.dir.path().join(format!("bg-{n}.out"));
        let err = self.dir.path().join(format!("bg-{n}.err"));
        let child = Command::new(bin(name))
            .arg("-c")
            .arg(&self.master_dir)
            .args(args)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&out).expect("stdout file"))
            .stderr(std::fs::File::create(&err).expect("stderr file"))
            .spawn()
            .expect("spawn background command");
        Background {
            child: Some(child),
            out,
            err,
        }
    }

    fn run_bin(&self, name: &str, args: &[&str]) -> Output {
        run_cmd(
            Command::new(bin(name))
                .arg("-c")
                .arg(&self.master_dir)
                .args(args),
        )
    }

    /// Waits until every id is in minions_pre (or already accepted).
    pub fn wait_pending(&self, ids: &[&str]) {
        let pki = self.master_dir.join("etc/salt-rs/pki/master");
        let ok = wait_until(Duration::from_secs(30), || {
            ids.iter().all(|id| {
                pki.join("minions_pre").join(id).exists() || pki.join("minions").join(id).exists()
            })
        });
        assert!(
            ok,
            "minions {ids:?} never enrolled; master log:\n{}",
            self.master_log()
        );
    }

    /// Waits until every id answers test.ping (bounded: 30 s).
    pub fn wait_all_answer(&self, ids: &[&str]) {
        let mut last = None;
        let ok = wait_until(Duration::from_secs(30), || {
            let out = self.salt(&[
                "-L",
                &ids.join(","),
                "test.ping",
                "--out",
                "json",
                "--static",
                "-t",
                "2",
            ]);
            let done = out.code == 0
                && serde_json::from_str::<serde_json::Value>(&out.stdout)
                    .map(|v| ids.iter().all(|id| v[*id] == serde_json::Value::Bool(true)))
                    .unwrap_or(false);
            last = Some(out);
            done
        });
        assert!(
            ok,
            "minions {ids:?} did not all answer: {last:?}\nmaster log tail:\n{}",
            tail(&self.master_log(), 40)
        );
    }

    pub fn ids(&self) -> Vec<String> {
        self.minions.iter().map(|m| m.id.clone()).collect()
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for m in &mut self.minions {
            if let Some(mut c) = m.child.take() {
                let _ = c.kill();
                let _ = c.wait();
            }
        }
        if let Some(mut c) = self.master.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        if std::thread::panicking() {
            eprintln!(
                "--- master log (tail) ---\n{}",
                tail(&self.master_log(), 60)
            );
            for m in &self.minions {
                eprintln!(
                    "--- {} log (tail) ---\n{}",
                    m.id,
                    tail(&self.minion_log(&m.id), 30)
                );
            }
            if std::env::var("SALT_RS_KEEP_LAB").is_ok() {
                let kept = self.dir.path().to_path_buf();
                eprintln!("lab kept in {}", kept.display());
                std::mem::forget(std::mem::replace(
                    &mut self.dir,
                    tempfile::tempdir().expect("temp dir"),
                ));
            }
        }
    }
}

/// A command running in the background ([`Lab::spawn`]).
#[derive(Debug)]
pub struct Background {
    child: Option<Child>,
    out: PathBuf,
    err: PathBuf,
}

impl Background {
    /// What it has printed so far.
    pub fn stdout(&self) -> String {
        std::fs::read_to_string(&self.out).unwrap_or_default()
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.err).unwrap_or_default()
    }

    /// Waits (bounded) for it to exit by itself; `None` if it did not.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let c = self.child.as_mut()?;
        let end = Instant::now() + timeout;
        while Instant::now() < end {
            if let Ok(Some(st)) = c.try_wait() {
                return Some(st);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn tail(s: &str, n: usize) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

fn terminate(c: &mut Child) -> Option<std::process::ExitStatus> {
    let pid = c.id().to_string();
    let _ = Command::new("kill").args(["-TERM", &pid]).status();
    let end = Instant::now() + Duration::from_secs(20);
    while Instant::now() < end {
        if let Ok(Some(st)) = c.try_wait() {
            return Some(st);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = c.kill();
    c.wait().ok()
}

/// Runs a command with a 120 s bound (killed after); output captured.
pub fn run_cmd(cmd: &mut Command) -> Output {
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn command");
    let pid = child.id().to_string();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let out = match rx.recv_timeout(Duration::from_secs(120)) {
        Ok(r) => r.expect("command output"),
        Err(_) => {
            let _ = Command::new("kill").args(["-KILL", &pid]).status();
            rx.recv()
                .expect("killed command output")
                .expect("command output")
        }
    };
    Output {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code().unwrap_or(-1),
    }
}
