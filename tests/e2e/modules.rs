//! Every execution module, with its main arguments, run through `salt-rs`
//! on real minions (and `salt-rs-call --local` on the host): what the user
//! types on the command line, what comes back, and the exit codes.
//!
//! One lab serves the whole file (starting one costs seconds on a small
//! machine); each section is a function so a failure names what broke.

use std::path::Path;
use std::time::{Duration, Instant};

use salt_testkit::{Lab, Output, wait_until};
use serde_json::{Value, json};

const M1: &str = "minion1";
const M2: &str = "minion2";

#[test]
fn execution_modules_on_real_minions() {
    let lab = Lab::builder()
        .minions(2)
        // A silent minion costs timeout + gather_job_timeout; keep it short.
        .master_config("gather_job_timeout: 3")
        .minion_config("grains:\n  roles:\n    web:\n      port: 8080\n  deploy: blue")
        .start();
    let t = Instant::now();
    test_module(&lab);
    eprintln!("test.* done after {:?}", t.elapsed());
    cmd_module(&lab);
    eprintln!("cmd.* done after {:?}", t.elapsed());
    cmd_timeout_kills_the_process_tree(&lab);
    runas(&lab);
    grains_module(&lab);
    sys_module(&lab);
    saltutil_jobs(&lab);
    errors(&lab);
    salt_call_local(&lab);
    eprintln!("all sections done after {:?}", t.elapsed());
}

/// `salt-rs -L minion1 FUN ARGS --out json --static`: the output parsed,
/// and minion1's return.
fn one(lab: &Lab, fun: &str, args: &[&str]) -> (Value, Output) {
    let mut all = vec![M1, fun];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--out", "json", "--static", "-t", "20"]);
    let out = lab.salt(&all);
    let v = out.json();
    let ret = v
        .get(M1)
        .cloned()
        .unwrap_or_else(|| panic!("no return from {M1} for {fun} {args:?}: {out:?}"));
    (ret, out)
}

/// Like [`one`], but insists the call succeeded (exit 0).
fn ok(lab: &Lab, fun: &str, args: &[&str]) -> Value {
    let (ret, out) = one(lab, fun, args);
    assert_eq!(out.code, 0, "{fun} {args:?} failed: {out:?}");
    ret
}

/// Like [`one`], but insists the call failed with exit 1 and Salt's line.
fn failed(lab: &Lab, fun: &str, args: &[&str]) -> Value {
    let (ret, out) = one(lab, fun, args);
    assert_eq!(out.code, 1, "{fun} {args:?} should fail: {out:?}");
    assert!(
        out.stderr
            .contains("ERROR: Minions returned with non-zero exit code"),
        "{out:?}"
    );
    ret
}

fn test_module(lab: &Lab) {
    // test.ping on both minions, default (nested) output.
    let out = lab.salt(&["*", "test.ping"]);
    assert_eq!(out.code, 0, "{out:?}");
    for id in [M1, M2] {
        assert!(
            out.stdout.contains(&format!("{id}:\n    True\n")),
            "{out:?}"
        );
    }

    assert_eq!(ok(lab, "test.echo", &["hello world"]), json!("hello world"));
    // The echo text is YAML-typed like every CLI argument.
    assert_eq!(ok(lab, "test.echo", &["42"]), json!(42));
    assert_eq!(ok(lab, "test.echo", &["text=kw"]), json!("kw"));

    let started = Instant::now();
    assert_eq!(ok(lab, "test.sleep", &["1.5"]), json!(true));
    assert!(
        started.elapsed() >= Duration::from_millis(1500),
        "test.sleep 1.5 returned after {:?}",
        started.elapsed()
    );

    let v = ok(lab, "test.version", &[]);
    let v = v
        .as_str()
        .unwrap_or_else(|| panic!("version not a string: {v}"));
    assert!(
        !v.is_empty() && v.chars().next().is_some_and(|c| c.is_ascii_digit()),
        "{v:?}"
    );

    // test.arg: positional YAML typing and k=v keyword arguments.
    let r = ok(
        lab,
        "test.arg",
        &["1", "true", "[1,2]", "{a: 1}", "two", "3.5", "k=v", "n=7"],
    );
    assert_eq!(
        r["args"],
        json!([1, true, [1, 2], {"a": 1}, "two", 3.5]),
        "{r}"
    );
    let kwargs: serde_json::Map<String, Value> = r["kwargs"]
        .as_object()
        .unwrap_or_else(|| panic!("kwargs not a map: {r}"))
        .iter()
        .filter(|(k, _)| !k.starts_with("__pub_"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    assert_eq!(Value::Object(kwargs), json!({"k": "v", "n": 7}), "{r}");

    // test.retcode: the minion's return is True, the job failed.
    let out = lab.salt(&[M1, "test.retcode", "3"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(out.stdout, "minion1:\n    True\n", "{out:?}");
    assert!(
        out.stderr
            .contains("ERROR: Minions returned with non-zero exit code"),
        "{out:?}"
    );
    let out = lab.salt(&[M1, "test.retcode", "0"]);
    assert_eq!(out.code, 0, "{out:?}");
}

fn cmd_module(lab: &Lab) {
    // Salt's capture: stdout and stderr merged, exit code 3 fails the job.
    let out = lab.salt(&[M1, "cmd.run", "echo out; echo err >&2; exit 3"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(out.stdout, "minion1:\n    out\n    err\n", "{out:?}");

    let r = failed(lab, "cmd.run_all", &["echo out; echo err >&2; exit 3"]);
    assert_eq!(r["retcode"], json!(3), "{r}");
    assert_eq!(r["stdout"], json!("out"), "{r}");
    assert_eq!(r["stderr"], json!("err"), "{r}");
    let pid = r["pid"].as_u64().unwrap_or(0);
    assert!(pid > 0, "{r}");
    let keys: Vec<&String> = r
        .as_object()
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    assert_eq!(keys, ["pid", "retcode", "stdout", "stderr"], "{r}");

    assert_eq!(
        ok(lab, "cmd.run_stdout", &["echo out; echo err >&2"]),
        json!("out")
    );
    let (r, out) = one(lab, "cmd.retcode", &["exit 4"]);
    assert_eq!((r, out.code), (json!(4), 1), "{out:?}");
    assert_eq!(ok(lab, "cmd.retcode", &["exit 0"]), json!(0));
    assert_eq!(
        ok(lab, "cmd.shell", &["echo $((6 * 7)) | tr 4 X"]),
        json!("X2")
    );

    // cwd, positional and keyword.
    assert_eq!(ok(lab, "cmd.run", &["pwd", "cwd=/tmp"]), json!("/tmp"));
    assert_eq!(ok(lab, "cmd.run", &["pwd", "/usr"]), json!("/usr"));
    let r = failed(lab, "cmd.run", &["pwd", "cwd=/no/such/dir"]);
    assert!(
        r.as_str().unwrap_or("").contains("/no/such/dir"),
        "bad cwd not named: {r}"
    );

    // env as a YAML map.
    assert_eq!(
        ok(
            lab,
            "cmd.run",
            &["echo $E2E_A-$E2E_B", "env={E2E_A: one, E2E_B: 2}"]
        ),
        json!("one-2")
    );

    // stdin: `\n` in the text becomes a newline.
    assert_eq!(
        ok(lab, "cmd.run", &["tr a-z A-Z", "stdin=hello\\nworld"]),
        json!("HELLO\nWORLD")
    );
    assert_eq!(ok(lab, "cmd.run", &["wc -l", "stdin=a\\nb\\n"]), json!("2"));

    // python_shell: the shell by default, a plain argv with False.
    assert_eq!(ok(lab, "cmd.run", &["echo a | tr a b"]), json!("b"));
    assert_eq!(
        ok(lab, "cmd.run", &["echo a | tr a b", "python_shell=False"]),
        json!("a | tr a b")
    );
    assert_eq!(
        ok(
            lab,
            "cmd.run",
            &["echo '$HOME' \"x y\"", "python_shell=False"]
        ),
        json!("$HOME x y")
    );
    assert_eq!(
        ok(lab, "cmd.run", &["echo $0", "shell=/bin/sh"]),
        json!("/bin/sh")
    );

    // ignore_retcode: the command fails, the job does not.
    let (r, out) = one(
        lab,
        "cmd.run",
        &["echo nope; exit 5", "ignore_retcode=True"],
    );
    assert_eq!((r, out.code), (json!("nope"), 0), "{out:?}");
    let (r, out) = one(lab, "cmd.run_all", &["exit 5", "ignore_retcode=True"]);
    assert_eq!((r["retcode"].clone(), out.code), (json!(5), 0), "{out:?}");

    // success_retcodes: a listed exit code counts as success.
    let (r, out) = one(lab, "cmd.run_all", &["exit 4", "success_retcodes=[4]"]);
    assert_eq!((r["retcode"].clone(), out.code), (json!(0), 0), "{out:?}");
    let (r, out) = one(lab, "cmd.run_all", &["exit 5", "success_retcodes=[4]"]);
    assert_eq!((r["retcode"].clone(), out.code), (json!(5), 1), "{out:?}");
}

/// True while `pid` is a live (non-zombie) process.
fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => false,
        Ok(stat) => {
            // Field 3, after the parenthesised command name.
            let state = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().next())
                .unwrap_or("");
            state != "Z" && state != "X"
        }
    }
}

fn read_pid(path: &Path) -> u32 {
    let mut pid = 0;
    wait_until(Duration::from_secs(5), || {
        pid = std::fs::read_to_string(path)
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0);
        pid > 0
    });
    assert!(pid > 0, "{} never got a pid", path.display());
    pid
}

fn cmd_timeout_kills_the_process_tree(lab: &Lab) {
    let dir = lab.root().join("tree");
    std::fs::create_dir_all(&dir).expect("dir");
    let shell_pid = dir.join("shell.pid");
    let child_pid = dir.join("child.pid");
    let script = format!(
        "echo $$ > {s}; sleep 60 & echo $! > {c}; wait",
        s = shell_pid.display(),
        c = child_pid.display()
    );
    let started = Instant::now();
    let (r, out) = one(lab, "cmd.run", &[&script, "timeout=2"]);
    let took = started.elapsed();
    assert_eq!(out.code, 1, "a timed-out command fails the job: {out:?}");
    assert!(
        r.as_str()
            .unwrap_or("")
            .ends_with(" : Timed out after 2 seconds"),
        "{r}"
    );
    assert!(took < Duration::from_secs(15), "took {took:?}");
    let (shell, child) = (read_pid(&shell_pid), read_pid(&child_pid));
    assert_ne!(shell, child);
    let dead = wait_until(Duration::from_secs(5), || !alive(shell) && !alive(child));
    assert!(
        dead,
        "after the timeout the shell ({shell}, alive: {}) and its background child ({child}, alive: {}) must be dead",
        alive(shell),
        alive(child)
    );
}

/// Creates the test user when missing; `None` (with the reason printed)
/// when this host cannot.
fn ensure_user(name: &str) -> Option<u32> {
    let uid = |n: &str| -> Option<u32> {
        let out = std::process::Command::new("id")
            .args(["-u", n])
            .output()
            .ok()?;
        if !out.status.success() {
            return None;
        }
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    };
    if let Some(u) = uid(name) {
        return Some(u);
    }
    let useradd = ["/usr/sbin/useradd", "/sbin/useradd", "/usr/bin/useradd"]
        .into_iter()
        .find(|p| Path::new(p).exists());
    let Some(useradd) = useradd else {
        eprintln!("SKIPPED runas: useradd is not installed on this host");
        return None;
    };
    let st = std::process::Command::new(useradd)
        .args(["-M", "-s", "/bin/sh", name])
        .status()
        .expect("run useradd");
    assert!(
        st.success() || uid(name).is_some(),
        "useradd {name} failed: {st}"
    );
    uid(name)
}

fn runas(lab: &Lab) {
    let user = "saltrs-e2e";
    let Some(uid) = ensure_user(user) else {
        return;
    };
    assert_eq!(
        ok(lab, "cmd.run", &["id -un; id -u", &format!("runas={user}")]),
        json!(format!("{user}\n{uid}"))
    );
    // The positional order is cmd, cwd, stdin, runas.
    assert_eq!(
        ok(lab, "cmd.run", &["echo $USER; pwd", "/tmp", "", user]),
        json!(format!("{user}\n/tmp"))
    );
    let r = failed(lab, "cmd.run", &["exit 0", "runas=no-such-user-e2e"]);
    assert!(
        r.as_str().unwrap_or("").contains("no-such-user-e2e"),
        "missing user not named: {r}"
    );
}

fn grains_module(lab: &Lab) {
    let items = ok(lab, "grains.items", &[]);
    assert_eq!(items["id"], json!(M1), "{items}");
    assert_eq!(items["kernel"], json!("Linux"), "{items}");
    assert_eq!(items["roles"], json!({"web": {"port": 8080}}), "{items}");
    assert!(
        items["os"].as_str().is_some_and(|s| !s.is_empty()),
        "{items}"
    );

    assert_eq!(
        ok(lab, "grains.item", &["id", "deploy", "roles:web:port"]),
        json!({"id": M1, "deploy": "blue", "roles:web:port": 8080})
    );
    assert_eq!(
        ok(lab, "grains.item", &["nope", "default=dflt"]),
        json!({"nope": "dflt"})
    );

    assert_eq!(ok(lab, "grains.get", &["roles:web:port"]), json!(8080));
    assert_eq!(ok(lab, "grains.get", &["roles:web"]), json!({"port": 8080}));
    assert_eq!(ok(lab, "grains.get", &["id"]), json!(M1));
    assert_eq!(ok(lab, "grains.get", &["roles:db:port"]), json!(""));
    assert_eq!(
        ok(lab, "grains.get", &["roles:db:port", "default=5432"]),
        json!(5432)
    );
    assert_eq!(
        ok(lab, "grains.get", &["missing", "fallback"]),
        json!("fallback")
    );
    assert_eq!(
        ok(lab, "grains.get", &["roles|web|port", "delimiter=|"]),
        json!(8080)
    );

    let ls = ok(lab, "grains.ls", &[]);
    let names: Vec<&str> = ls
        .as_array()
        .unwrap_or_else(|| panic!("grains.ls not a list: {ls}"))
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for g in ["deploy", "id", "kernel", "os", "roles"] {
        assert!(names.contains(&g), "{g} missing from {ls}");
    }
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted, "grains.ls is sorted");
    let keys = items.as_object().map(serde_json::Map::len).unwrap_or(0);
    assert_eq!(names.len(), keys, "grains.ls names every grain");

    // The other minion reports its own id.
    let out = lab.salt(&[M2, "grains.get", "id", "--out", "json", "--static"]);
    assert_eq!(out.json(), json!({ M2: M2 }), "{out:?}");
}

fn sys_module(lab: &Lab) {
    let all = ok(lab, "sys.list_functions", &[]);
    let names: Vec<&str> = all
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {all}"))
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for f in [
        "cmd.run",
        "cmd.run_all",
        "cmd.retcode",
        "cmd.run_stdout",
        "cmd.shell",
        "grains.get",
        "grains.item",
        "grains.items",
        "grains.ls",
        "saltutil.find_job",
        "saltutil.kill_job",
        "saltutil.running",
        "sys.doc",
        "sys.list_functions",
        "test.arg",
        "test.echo",
        "test.ping",
        "test.retcode",
        "test.sleep",
        "test.version",
    ] {
        assert!(names.contains(&f), "{f} missing from {all}");
    }
    assert_eq!(
        ok(lab, "sys.list_functions", &["sys"]),
        json!(["sys.doc", "sys.list_functions"])
    );
    let t = ok(lab, "sys.list_functions", &["test"]);
    let t: Vec<&str> = t
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        !t.is_empty() && t.iter().all(|f| f.starts_with("test.")),
        "{t:?}"
    );

    let d = ok(lab, "sys.doc", &["test.ping"]);
    let m = d.as_object().unwrap_or_else(|| panic!("not a map: {d}"));
    assert_eq!(m.keys().collect::<Vec<_>>(), ["test.ping"], "{d}");
    assert!(
        m["test.ping"].as_str().unwrap_or("").contains("test.ping"),
        "{d}"
    );
    // sys.doc of a module documents exactly what sys.list_functions lists.
    let d = ok(lab, "sys.doc", &["grains"]);
    let keys: Vec<&str> = d
        .as_object()
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let listed = ok(lab, "sys.list_functions", &["grains"]);
    let listed: Vec<&str> = listed
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    assert!(listed.len() >= 4, "{listed:?}");
    assert_eq!(keys, listed, "{d}");
}

fn running_jids(lab: &Lab, id: &str) -> Vec<String> {
    let out = lab.salt(&[id, "saltutil.running", "--out", "json", "--static"]);
    assert_eq!(out.code, 0, "{out:?}");
    out.json()[id]
        .as_array()
        .unwrap_or_else(|| panic!("running is not a list: {out:?}"))
        .iter()
        .filter_map(|j| j["jid"].as_str().map(str::to_owned))
        .collect()
}

fn saltutil_jobs(lab: &Lab) {
    // A job published with --async keeps running on the minion.
    let out = lab.salt(&["--async", M1, "test.sleep", "30"]);
    assert_eq!(out.code, 0, "{out:?}");
    let jid = out
        .stdout
        .trim()
        .strip_prefix("Executed command with job ID: ")
        .unwrap_or_else(|| panic!("no jid: {out:?}"))
        .to_owned();
    assert_eq!(jid.len(), 20, "{jid}");
    // An idle minion runs nothing (the asking job is not listed).
    assert_eq!(running_jids(lab, M2), Vec::<String>::new());

    assert!(
        wait_until(Duration::from_secs(10), || running_jids(lab, M1)
            .contains(&jid)),
        "{jid} never showed in saltutil.running"
    );
    let out = lab.salt(&[M1, "saltutil.running", "--out", "json", "--static"]);
    let job = out.json()[M1]
        .as_array()
        .and_then(|a| a.iter().find(|j| j["jid"] == json!(jid)).cloned())
        .unwrap_or_else(|| panic!("{jid} not running: {out:?}"));
    assert_eq!(job["fun"], json!("test.sleep"), "{job}");
    assert_eq!(job["arg"], json!([30]), "{job}");
    assert!(job["pid"].as_u64().is_some_and(|p| p > 0), "{job}");

    let found = ok(lab, "saltutil.find_job", &[&jid]);
    assert_eq!(found["jid"], json!(jid), "{found}");
    assert_eq!(found["fun"], json!("test.sleep"), "{found}");
    // Not running on the other minion.
    let out = lab.salt(&[M2, "saltutil.find_job", &jid, "--out", "json", "--static"]);
    assert_eq!(out.json(), json!({ M2: {} }), "{out:?}");

    let killed = ok(lab, "saltutil.kill_job", &[&jid]);
    assert!(
        killed
            .as_str()
            .unwrap_or("")
            .starts_with(&format!("Signal 9 sent to job {jid}")),
        "{killed}"
    );
    // Nothing else runs there: the list (which leaves out the asking job)
    // becomes empty.
    assert!(
        wait_until(Duration::from_secs(10), || running_jids(lab, M1).is_empty()),
        "{jid} still running after kill_job"
    );
    assert_eq!(ok(lab, "saltutil.find_job", &[&jid]), json!({}));
    assert_eq!(ok(lab, "saltutil.kill_job", &[&jid]), json!(""));

    // A caller waiting on a job sees its (failed) return once it is killed.
    let started = Instant::now();
    let waiter = {
        let cfg = lab.master_dir.clone();
        std::thread::spawn(move || {
            salt_testkit::run_cmd(
                std::process::Command::new(salt_testkit::bin("salt-rs"))
                    .arg("-c")
                    .arg(cfg)
                    .args([
                        M2,
                        "test.sleep",
                        "30",
                        "-t",
                        "60",
                        "--out",
                        "json",
                        "--static",
                    ]),
            )
        })
    };
    let mut jid2 = String::new();
    assert!(
        wait_until(Duration::from_secs(15), || {
            jid2 = running_jids(lab, M2).into_iter().next().unwrap_or_default();
            !jid2.is_empty()
        }),
        "the waited-on sleep never ran on {M2}"
    );
    let out = lab.salt(&[M2, "saltutil.kill_job", &jid2]);
    assert_eq!(out.code, 0, "{out:?}");
    let out = waiter.join().expect("waiter thread");
    assert!(
        started.elapsed() < Duration::from_secs(25),
        "the killed sleep still took {:?}",
        started.elapsed()
    );
    assert_eq!(out.code, 1, "a killed job fails: {out:?}");
    let ret = &out.json()[M2];
    assert!(
        ret.as_str().unwrap_or("").contains("killed"),
        "the return names the kill: {out:?}"
    );
}

fn errors(lab: &Lab) {
    let out = lab.salt(&[M1, "no.such_function"]);
    assert_ne!(out.code, 0, "{out:?}");
    assert_eq!(
        out.stdout, "minion1:\n    'no.such_function' is not available.\n",
        "{out:?}"
    );
    assert!(
        out.stderr
            .contains("ERROR: Minions returned with non-zero exit code"),
        "{out:?}"
    );

    let r = failed(lab, "test.ping", &["bogus=1"]);
    let msg = r.as_str().unwrap_or("");
    assert!(
        msg.contains("The following keyword arguments are not valid") && msg.contains("bogus=1"),
        "{r}"
    );
    let r = failed(lab, "cmd.run", &["exit 0", "frobnicate=yes"]);
    assert!(r.as_str().unwrap_or("").contains("frobnicate"), "{r}");

    // A missing required argument.
    let r = failed(lab, "test.echo", &[]);
    assert!(
        r.as_str()
            .unwrap_or("")
            .starts_with("Passed invalid arguments to test.echo"),
        "{r}"
    );
}

fn salt_call_local(lab: &Lab) {
    let out = lab.call(M1, &["--local", "test.ping"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, "local:\n    True\n", "{out:?}");

    let out = lab.call(M1, &["--local", "test.ping", "--out", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json(), json!({"local": true}), "{out:?}");

    let out = lab.call(M1, &["--local", "grains.get", "id", "--out", "json"]);
    assert_eq!(out.json(), json!({"local": M1}), "{out:?}");

    let out = lab.call(M1, &["--local", "cmd.run", "echo hi; exit 2"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(out.stdout, "local:\n    hi\n", "{out:?}");

    // As salt-call: the message alone on stderr, exit 255
    // (tests/golden/call-bad-function.txt).
    let out = lab.call(M1, &["--local", "no.such_function"]);
    assert_eq!(out.code, 255, "{out:?}");
    assert_eq!(out.stdout, "", "{out:?}");
    assert!(
        out.stderr.contains("'no.such_function' is not available."),
        "{out:?}"
    );
}
