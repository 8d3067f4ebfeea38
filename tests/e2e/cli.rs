//! The `salt-rs` command's flags against a real master and three minions:
//! `--async`, `-v`, `--show-jid`, `--static`, `-t`, batches (`-b N`,
//! `-b N%`, `--batch-wait`, with the concurrency window measured from
//! timestamps the minions write), `--subset`, minions that do not return
//! (stopped, or still busy past `-t`), `--hide-timeout`, and the errors a
//! user can make.
//!
//! One lab serves the file; each section is a function.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use salt_testkit::{Lab, Output};
use serde_json::{Value, json};

const IDS: [&str; 3] = ["minion1", "minion2", "minion3"];

#[test]
fn salt_command_flags() {
    let mut lab = Lab::builder()
        .minions(3)
        // A silent minion costs timeout + gather_job_timeout.
        .master_config("gather_job_timeout: 2")
        .start();
    let t = Instant::now();
    async_and_jid_display(&lab);
    static_and_streamed_output(&lab);
    subset(&lab);
    eprintln!("output flags done after {:?}", t.elapsed());
    batches(&lab);
    eprintln!("batches done after {:?}", t.elapsed());
    busy_minion_is_waited_for(&lab);
    user_errors(&lab);
    stopped_minion(&mut lab);
    eprintln!("all sections done after {:?}", t.elapsed());
}

fn is_jid(s: &str) -> bool {
    s.len() == 20 && s.bytes().all(|b| b.is_ascii_digit())
}

fn assert_all_true(out: &Output) {
    for id in IDS {
        assert!(
            out.stdout.contains(&format!("{id}:\n    True\n")),
            "{id} did not answer True: {out:?}"
        );
    }
}

fn async_and_jid_display(lab: &Lab) {
    let out = lab.salt(&["--async", "*", "test.ping"]);
    assert_eq!(out.code, 0, "{out:?}");
    let jid = out
        .stdout
        .strip_prefix("Executed command with job ID: ")
        .and_then(|s| s.strip_suffix('\n'))
        .unwrap_or_else(|| panic!("{out:?}"));
    assert!(is_jid(jid), "{out:?}");

    // -v: the jid header, then the returns.
    let out = lab.salt(&["-v", "*", "test.ping"]);
    assert_eq!(out.code, 0, "{out:?}");
    let rest = out
        .stdout
        .strip_prefix("Executing job with jid ")
        .unwrap_or_else(|| panic!("{out:?}"));
    let (jid, rest) = rest.split_at(20);
    assert!(is_jid(jid), "{out:?}");
    assert!(
        rest.starts_with("\n-------------------------------------------\n\n"),
        "{out:?}"
    );
    assert_all_true(&out);

    // --show-jid: `jid: N` first.
    let out = lab.salt(&["--show-jid", "*", "test.ping"]);
    assert_eq!(out.code, 0, "{out:?}");
    let (first, _) = out.stdout.split_once('\n').unwrap_or_default();
    let jid = first
        .strip_prefix("jid: ")
        .unwrap_or_else(|| panic!("{out:?}"));
    assert!(is_jid(jid), "{out:?}");
    assert_all_true(&out);

    // Each run has its own jid, and a plain run shows none.
    let out = lab.salt(&["*", "test.ping"]);
    assert!(
        !out.stdout.contains("jid"),
        "no jid without -v/--show-jid: {out:?}"
    );
    assert_eq!(out.stdout.lines().count(), 6, "{out:?}");
}

/// Splits a stream of pretty-printed JSON documents.
fn json_docs(text: &str) -> Vec<Value> {
    serde_json::Deserializer::from_str(text)
        .into_iter::<Value>()
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("bad JSON stream ({e}):\n{text}"))
}

fn static_and_streamed_output(lab: &Lab) {
    // Without --static each minion's return is printed as it comes.
    let out = lab.salt(&["*", "test.ping", "--out", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let docs = json_docs(&out.stdout);
    assert_eq!(docs.len(), 3, "{out:?}");
    let mut seen: Vec<String> = docs
        .iter()
        .map(|d| {
            let m = d.as_object().unwrap_or_else(|| panic!("{d}"));
            assert_eq!(m.len(), 1, "{d}");
            let (k, v) = m.iter().next().unwrap_or_else(|| panic!("{d}"));
            assert_eq!(v, &json!(true), "{d}");
            k.clone()
        })
        .collect();
    seen.sort();
    assert_eq!(seen, IDS);

    // --static / -s: one document with every minion.
    for flag in ["--static", "-s"] {
        let out = lab.salt(&[flag, "*", "test.ping", "--out", "json"]);
        assert_eq!(out.code, 0, "{out:?}");
        assert_eq!(json_docs(&out.stdout).len(), 1, "{out:?}");
        assert_eq!(
            out.json(),
            json!({"minion1": true, "minion2": true, "minion3": true}),
            "{out:?}"
        );
    }
    // Static nested output lists the minions in sorted order.
    let out = lab.salt(&["-s", "*", "cmd.run", "echo hi"]);
    assert_eq!(
        out.stdout, "minion1:\n    hi\nminion2:\n    hi\nminion3:\n    hi\n",
        "{out:?}"
    );
}

fn subset(lab: &Lab) {
    let mut chosen = Vec::new();
    for _ in 0..3 {
        let out = lab.salt(&[
            "--subset",
            "1",
            "*",
            "test.ping",
            "--out",
            "json",
            "--static",
        ]);
        assert_eq!(out.code, 0, "{out:?}");
        let v = out.json();
        let m = v.as_object().unwrap_or_else(|| panic!("{out:?}"));
        assert_eq!(m.len(), 1, "exactly one minion answers: {out:?}");
        let (id, ret) = m.iter().next().unwrap_or_else(|| panic!("{out:?}"));
        assert!(IDS.contains(&id.as_str()), "{out:?}");
        assert_eq!(ret, &json!(true));
        chosen.push(id.clone());
    }
    let out = lab.salt(&[
        "--subset",
        "2",
        "*",
        "test.ping",
        "--out",
        "json",
        "--static",
    ]);
    assert_eq!(out.json().as_object().map(|m| m.len()), Some(2), "{out:?}");
    // The subset is drawn from the target only.
    let out = lab.salt(&[
        "--subset",
        "1",
        "-L",
        "minion2",
        "test.ping",
        "--out",
        "json",
        "--static",
    ]);
    assert_eq!(out.json(), json!({"minion2": true}), "{out:?}");
    eprintln!("--subset 1 picked {chosen:?}");
}

/// One run's interval on a minion: (start, end) in seconds.
fn intervals(dir: &Path) -> Vec<(f64, f64)> {
    let read = |p: PathBuf| -> f64 {
        std::fs::read_to_string(&p)
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
            .trim()
            .parse()
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    };
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("batch dir").flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if let Some(stem) = name.strip_suffix(".start") {
            out.push((
                read(dir.join(name.clone())),
                read(dir.join(format!("{stem}.end"))),
            ));
        }
    }
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    out
}

/// The largest number of intervals running at the same instant.
fn max_overlap(iv: &[(f64, f64)]) -> usize {
    iv.iter()
        .map(|(s, _)| iv.iter().filter(|(a, b)| a <= s && s < b).count())
        .max()
        .unwrap_or(0)
}

/// Runs a batch whose job writes start/end timestamps into a fresh
/// directory (one pair of files per run, named by the shell's pid).
fn timed_batch(lab: &Lab, name: &str, flags: &[&str], secs: &str) -> (Output, Vec<(f64, f64)>) {
    let dir = lab.root().join(name);
    std::fs::create_dir_all(&dir).expect("batch dir");
    let script = format!(
        // (No `f=...` up front: that word would be a keyword argument.)
        "date +%s.%N > {d}/$$.tmp && mv {d}/$$.tmp {d}/$$.start; sleep {secs}; date +%s.%N > {d}/$$.end",
        d = dir.display()
    );
    let mut args: Vec<&str> = flags.to_vec();
    args.extend_from_slice(&["*", "cmd.run", &script]);
    let out = lab.salt(&args);
    let iv = intervals(&dir);
    (out, iv)
}

fn batches(lab: &Lab) {
    // -b 1: one minion at a time, every minion answers.
    let (out, iv) = timed_batch(lab, "b1", &["-b", "1"], "0.7");
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(iv.len(), 3, "every minion ran it: {iv:?} {out:?}");
    assert_eq!(max_overlap(&iv), 1, "-b 1 overlapped: {iv:?}");
    assert_eq!(
        out.stdout.matches("\nExecuting run on [").count(),
        3,
        "{out:?}"
    );
    for id in IDS {
        assert!(
            out.stdout.contains(&format!("Executing run on ['{id}']")),
            "{out:?}"
        );
        assert!(out.stdout.contains(&format!("{id}:\n")), "{out:?}");
    }

    // -b 50% of 3 minions: Salt rounds down (never below 1): one at a time.
    let (out, iv) = timed_batch(lab, "b50", &["-b", "50%"], "0.5");
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(iv.len(), 3, "every minion ran it: {iv:?} {out:?}");
    assert_eq!(max_overlap(&iv), 1, "-b 50% of 3 is a window of 1: {iv:?}");

    // -b 67% of 3 minions: two at a time (a sliding window), never three.
    let (out, iv) = timed_batch(lab, "b67", &["-b", "67%"], "1.5");
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(iv.len(), 3, "every minion ran it: {iv:?} {out:?}");
    assert_eq!(max_overlap(&iv), 2, "-b 67% window: {iv:?}");
    // The third started only after one of the first two finished.
    let first_end = iv[0].1.min(iv[1].1);
    assert!(iv[2].0 >= first_end, "{iv:?}");
    let runs: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("Executing run on ["))
        .collect();
    assert_eq!(runs.len(), 2, "{out:?}");
    assert_eq!(
        runs[0].matches('\'').count(),
        4,
        "two minions first: {out:?}"
    );

    // --batch-wait: at least that long after a return before the next start.
    let (out, iv) = timed_batch(lab, "bw", &["-b", "1", "--batch-wait", "1.5"], "0.2");
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(iv.len(), 3, "{iv:?} {out:?}");
    for w in iv.windows(2) {
        let gap = w[1].0 - w[0].1;
        assert!(
            gap >= 1.5,
            "--batch-wait 1.5 but the gap was {gap:.3}s: {iv:?}"
        );
    }

    // A failing job in a batch: Salt exits with the highest retcode and
    // prints no ERROR line (tests/golden/batch-retcode.txt).
    let out = lab.salt(&["-b", "2", "*", "test.retcode", "3"]);
    assert_eq!(out.code, 3, "{out:?}");
    assert!(out.stderr.is_empty(), "{out:?}");
}

fn busy_minion_is_waited_for(lab: &Lab) {
    // Past -t the CLI asks (saltutil.find_job) and keeps waiting for the
    // minions that still run the job.
    let started = Instant::now();
    let out = lab.salt(&[
        "-t",
        "1",
        "*",
        "test.sleep",
        "4",
        "--out",
        "json",
        "--static",
    ]);
    let took = started.elapsed();
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        out.json(),
        json!({"minion1": true, "minion2": true, "minion3": true}),
        "{out:?}"
    );
    assert!(took >= Duration::from_secs(4), "{took:?}");
    assert!(took < Duration::from_secs(15), "{took:?}");
}

fn user_errors(lab: &Lab) {
    // No function.
    let out = lab.salt(&["*"]);
    assert_ne!(out.code, 0, "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    assert!(out.stderr.contains("function"), "{out:?}");

    // An outputter that does not exist.
    let out = lab.salt(&["*", "test.ping", "--out", "nosuchout"]);
    assert_ne!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("nosuchout"), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");

    // An unknown option.
    let out = lab.salt(&["--no-such-flag", "*", "test.ping"]);
    assert_ne!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("--no-such-flag"), "{out:?}");

    // A bad batch size.
    let out = lab.salt(&["-b", "0", "*", "test.ping"]);
    assert_ne!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("batch"), "{out:?}");

    // No minion matches.
    let out = lab.salt(&["nobody*", "test.ping"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(
        out.stdout, "No minions matched the target. No command was sent, no jid was assigned.\n",
        "{out:?}"
    );
    assert!(out.stderr.contains("ERROR: No return received"), "{out:?}");

    // A config dir whose master is not running: no socket to talk to.
    let dir = lab.root().join("nomaster");
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("master"), format!("root_dir: {}\n", dir.display())).expect("config");
    let started = Instant::now();
    let out = salt_testkit::run_cmd(
        std::process::Command::new(salt_testkit::bin("salt-rs"))
            .arg("-c")
            .arg(&dir)
            .args(["*", "test.ping"]),
    );
    assert_ne!(out.code, 0, "{out:?}");
    assert!(started.elapsed() < Duration::from_secs(10), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    let err = out.stderr.to_lowercase();
    assert!(
        err.contains("master.sock") && (err.contains("master") || err.contains("connect")),
        "the error names the socket: {out:?}"
    );
}

fn stopped_minion(lab: &mut Lab) {
    let st = lab.stop_minion("minion3").expect("minion3 was running");
    assert!(st.success(), "minion3 exit: {st:?}");

    let started = Instant::now();
    let out = lab.salt(&["*", "test.ping", "-t", "2"]);
    let took = started.elapsed();
    assert_eq!(out.code, 1, "{out:?}");
    let rest = out
        .stdout
        .replace("minion1:\n    True\n", "")
        .replace("minion2:\n    True\n", "");
    assert_eq!(
        out.stdout.len() - rest.len(),
        2 * "minion1:\n    True\n".len(),
        "minion1 and minion2 answer: {out:?}"
    );
    let jid = rest
        .strip_suffix('\n')
        .and_then(|s| s.rsplit_once(' '))
        .map(|(_, j)| j.to_owned())
        .unwrap_or_default();
    assert!(is_jid(&jid), "{out:?}");
    assert_eq!(
        rest,
        format!(
            "minion3:\n    Minion did not return. [Not connected]\n    The minions may not have all finished running and any remaining minions will return upon completion. To look up the return data for this job later, run the following command:\n    \n    salt-rs-run jobs.lookup_jid {jid}\n"
        ),
        "{out:?}"
    );
    assert!(
        out.stdout.ends_with(&rest),
        "the missing minion comes last: {out:?}"
    );
    assert_eq!(
        out.stderr, "ERROR: Minions returned with non-zero exit code\n",
        "{out:?}"
    );
    // -t 2 plus the find_job round (gather_job_timeout 2).
    assert!(took >= Duration::from_secs(2), "{took:?}");
    assert!(took < Duration::from_secs(12), "{took:?}");

    // --static json: the missing minion's entry is the same message.
    let out = lab.salt(&["*", "test.ping", "-t", "1", "--out", "json", "--static"]);
    assert_eq!(out.code, 1, "{out:?}");
    let v = out.json();
    assert_eq!(
        (v["minion1"].clone(), v["minion2"].clone()),
        (json!(true), json!(true))
    );
    assert!(
        v["minion3"]
            .as_str()
            .unwrap_or("")
            .starts_with("Minion did not return. [Not connected]"),
        "{out:?}"
    );

    // --hide-timeout: the silent minion is not listed.
    let out = lab.salt(&["*", "test.ping", "-t", "1", "--hide-timeout"]);
    assert!(!out.stdout.contains("minion3"), "{out:?}");
    assert!(!out.stdout.contains("did not return"), "{out:?}");
    assert!(out.stdout.contains("minion1:\n    True\n"), "{out:?}");
    assert!(out.stdout.contains("minion2:\n    True\n"), "{out:?}");
    let out = lab.salt(&[
        "*",
        "test.ping",
        "-t",
        "1",
        "--hide-timeout",
        "--out",
        "json",
        "--static",
    ]);
    assert_eq!(
        out.json(),
        json!({"minion1": true, "minion2": true}),
        "{out:?}"
    );

    // The minion comes back and answers again.
    lab.start_minion("minion3");
    lab.wait_all_answer(&IDS);
}
