//! Processes dying and coming back: a master killed with SIGKILL and started
//! again is found by the minions on their own; a minion killed and started
//! again answers; SIGTERM stops a minion (even mid-job) and the master
//! cleanly, exit status 0, the master's socket removed.
//!
//! One lab serves the file; each section is a function.

use std::time::{Duration, Instant};

use salt_testkit::{Lab, Output};
use serde_json::json;

const IDS: [&str; 3] = ["minion1", "minion2", "minion3"];

#[test]
fn master_and_minions_restart() {
    let mut lab = Lab::builder()
        .minions(3)
        // A silent minion costs timeout + gather_job_timeout per attempt.
        .master_config("gather_job_timeout: 2")
        .start();
    let t = Instant::now();
    master_killed_and_restarted(&mut lab);
    eprintln!("master kill -9 done after {:?}", t.elapsed());
    minion_killed_and_restarted(&mut lab);
    eprintln!("minion kill -9 done after {:?}", t.elapsed());
    minion_sigterm(&mut lab);
    eprintln!("minion SIGTERM done after {:?}", t.elapsed());
    master_sigterm(&mut lab);
    eprintln!("all sections done after {:?}", t.elapsed());
}

fn ping_all(lab: &Lab, timeout: &str) -> Output {
    lab.salt(&["*", "test.ping", "-t", timeout, "--out", "json", "--static"])
}

fn all_true(out: &Output) -> bool {
    let want: serde_json::Map<String, serde_json::Value> = IDS
        .iter()
        .map(|id| ((*id).to_owned(), json!(true)))
        .collect();
    out.code == 0
        && serde_json::from_str::<serde_json::Value>(&out.stdout)
            .is_ok_and(|v| v == serde_json::Value::Object(want))
}

/// Retries `test.ping -t 3` until all three answer, for at most `bound`;
/// returns how long it took. Then one more run must be clean.
fn all_answer_within(lab: &Lab, bound: Duration, what: &str) -> Duration {
    let started = Instant::now();
    let mut attempts = Vec::new();
    loop {
        let out = ping_all(lab, "3");
        if all_true(&out) {
            break;
        }
        attempts.push(out);
        assert!(
            started.elapsed() < bound,
            "{what}: the minions did not all answer within {bound:?}; attempts: {attempts:#?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let took = started.elapsed();
    let out = ping_all(lab, "5");
    assert!(
        all_true(&out),
        "{what}: a clean run after recovery: {out:?}"
    );
    took
}

fn master_killed_and_restarted(lab: &mut Lab) {
    let sock = lab.master_dir.join("run/salt-rs/master.sock");
    lab.kill_master();
    // While the master is gone nothing can be published.
    let out = lab.salt(&["*", "test.ping", "-t", "2"]);
    assert_ne!(out.code, 0, "no master, yet: {out:?}");
    if sock.exists() {
        // The dead master's socket file is left behind; the new one must
        // replace it, not trip over it.
        eprintln!("stale socket left by kill -9: {}", sock.display());
    }
    lab.start_master();
    let took = all_answer_within(lab, Duration::from_secs(30), "after kill -9 of the master");
    eprintln!("minions answered {took:?} after the master restarted");
}

fn minion_killed_and_restarted(lab: &mut Lab) {
    lab.kill_minion("minion2");
    let out = lab.salt(&["*", "test.ping", "-t", "1", "--out", "json", "--static"]);
    assert_eq!(out.code, 1, "{out:?}");
    let v = out.json();
    assert_eq!(
        (v["minion1"].clone(), v["minion3"].clone()),
        (json!(true), json!(true))
    );
    assert!(
        v["minion2"]
            .as_str()
            .unwrap_or("")
            .starts_with("Minion did not return. [Not connected]"),
        "{out:?}"
    );
    lab.start_minion("minion2");
    let took = all_answer_within(lab, Duration::from_secs(30), "after kill -9 of minion2");
    eprintln!("minion2 answered {took:?} after it restarted");
}

fn minion_sigterm(lab: &mut Lab) {
    // Idle: exits 0 at once.
    let started = Instant::now();
    let st = lab.stop_minion("minion1").expect("minion1 was running");
    let took = started.elapsed();
    assert_eq!(st.code(), Some(0), "SIGTERM of an idle minion: {st:?}");
    assert!(
        took < Duration::from_secs(3),
        "idle minion took {took:?} to stop"
    );

    // Mid-job: the job is stopped, the minion still exits 0 quickly.
    let out = lab.salt(&["--async", "minion3", "cmd.run", "sleep 3607"]);
    assert_eq!(out.code, 0, "{out:?}");
    let jid = out
        .stdout
        .trim()
        .strip_prefix("Executed command with job ID: ")
        .unwrap_or_else(|| panic!("{out:?}"))
        .to_owned();
    let running = salt_testkit::wait_until(Duration::from_secs(10), || {
        let out = lab.salt(&[
            "minion3",
            "saltutil.find_job",
            &jid,
            "--out",
            "json",
            "--static",
        ]);
        out.code == 0 && out.json()["minion3"]["jid"] == json!(jid)
    });
    assert!(running, "the job never ran on minion3");
    let sleeper = sleep_pids();
    assert!(!sleeper.is_empty(), "the job's `sleep 3607` is not running");
    let started = Instant::now();
    let st = lab.stop_minion("minion3").expect("minion3 was running");
    let took = started.elapsed();
    assert_eq!(st.code(), Some(0), "SIGTERM of a busy minion: {st:?}");
    assert!(
        took < Duration::from_secs(5),
        "busy minion took {took:?} to stop"
    );
    // The job's process went with it.
    let gone = salt_testkit::wait_until(Duration::from_secs(5), || {
        sleep_pids().iter().all(|p| !sleeper.contains(p))
    });
    assert!(gone, "`sleep 3607` outlived its minion: {sleeper:?}");

    lab.start_minion("minion1");
    lab.start_minion("minion3");
    let took = all_answer_within(lab, Duration::from_secs(30), "after SIGTERM of minions");
    eprintln!("minion1 and minion3 answered {took:?} after they restarted");
}

/// Pids of live `sleep 3607` processes on this host (an unusual length,
/// so nobody else's).
fn sleep_pids() -> Vec<u32> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let cmdline = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
        let stat = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
        let zombie = stat
            .rsplit_once(')')
            .is_some_and(|(_, r)| r.trim_start().starts_with('Z'));
        if cmdline == b"sleep\x003607\x00" && !zombie {
            out.push(pid);
        }
    }
    out
}

fn master_sigterm(lab: &mut Lab) {
    let sock = lab.master_dir.join("run/salt-rs/master.sock");
    assert!(sock.exists(), "the running master has its socket");
    let started = Instant::now();
    let st = lab.stop_master().expect("the master was running");
    let took = started.elapsed();
    assert_eq!(st.code(), Some(0), "SIGTERM of the master: {st:?}");
    assert!(
        took < Duration::from_secs(8),
        "the master took {took:?} to stop"
    );
    assert!(!sock.exists(), "the master left {} behind", sock.display());

    let out = lab.salt(&["*", "test.ping"]);
    assert_ne!(out.code, 0, "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");

    // And back: the minions find it again.
    lab.start_master();
    let took = all_answer_within(lab, Duration::from_secs(30), "after SIGTERM of the master");
    eprintln!("minions answered {took:?} after the master came back");
}

/// A master restart under 20 connected minions: every one answers
/// `test.ping` again within 10 s of the new master taking requests, and
/// none of them was restarted to get there.
#[test]
fn twenty_minions_come_back_after_a_master_restart() {
    let mut lab = Lab::start(20);
    let ids = lab.ids();
    let pids: Vec<Option<u32>> = ids.iter().map(|id| lab.minion_pid(id)).collect();
    assert!(pids.iter().all(Option::is_some));
    lab.kill_master();
    lab.start_master();
    let started = Instant::now();
    let mut last = None;
    let all = salt_testkit::wait_until(Duration::from_secs(10), || {
        let out = lab.salt(&["*", "test.ping", "-t", "2", "--out", "json", "--static"]);
        let ok = out.code == 0
            && serde_json::from_str::<serde_json::Value>(&out.stdout)
                .is_ok_and(|v| ids.iter().all(|id| v[id.as_str()] == json!(true)));
        last = Some(out);
        ok
    });
    assert!(all, "not all 20 answered within 10 s: {last:?}");
    eprintln!(
        "20 minions answered {:?} after the master restarted",
        started.elapsed()
    );
    let after: Vec<Option<u32>> = ids.iter().map(|id| lab.minion_pid(id)).collect();
    assert_eq!(pids, after, "no minion was restarted");
}
