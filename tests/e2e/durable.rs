//! Returns are never lost: a job that reached a minion produces a result
//! the master keeps, whatever restarts in between (issue 3, done-when 1a/1b).

use std::time::Duration;

use salt_testkit::{Lab, wait_until};

fn async_jid(lab: &Lab, args: &[&str]) -> String {
    let out = lab.salt(args);
    assert_eq!(out.code, 0, "{out:?}");
    out.stdout
        .trim()
        .strip_prefix("Executed command with job ID: ")
        .unwrap_or_else(|| panic!("{out:?}"))
        .to_owned()
}

fn wait_all_returned(lab: &Lab, jid: &str, ids: &[&str], within: Duration) {
    let mut last = None;
    let ok = wait_until(within, || {
        let out = lab.run(&["jobs.lookup_jid", jid, "--out", "json"]);
        let done = out.code == 0
            && serde_json::from_str::<serde_json::Value>(&out.stdout)
                .map(|v| ids.iter().all(|id| v[*id] == serde_json::Value::Bool(true)))
                .unwrap_or(false);
        last = Some(out);
        done
    });
    assert!(
        ok,
        "not every return reached the job cache: {last:?}\nmaster log tail:\n{}",
        lab.master_log()
            .lines()
            .rev()
            .take(30)
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The master is SIGKILLed while three minions run `test.sleep 4` and kept
/// down for 40 s (real Salt loses all three returns here); after it comes
/// back, all three returns are in the job cache, no minion restarted.
#[test]
fn returns_survive_a_40s_master_outage() {
    let mut lab = Lab::start(3);
    let jid = async_jid(&lab, &["*", "test.sleep", "4", "--async"]);
    std::thread::sleep(Duration::from_millis(500));
    lab.kill_master();
    std::thread::sleep(Duration::from_secs(40));
    lab.start_master();
    wait_all_returned(
        &lab,
        &jid,
        &["minion1", "minion2", "minion3"],
        Duration::from_secs(60),
    );
}

/// A minion finishes its job while the master is stopped, and is itself
/// killed before the master comes back: the return waits in its on-disk
/// outbox and arrives once both are up again.
#[test]
fn a_return_survives_a_minion_restart_too() {
    let mut lab = Lab::start(1);
    let jid = async_jid(&lab, &["minion1", "test.sleep", "2", "--async"]);
    std::thread::sleep(Duration::from_millis(300));
    lab.stop_master();
    let outbox = lab
        .minion_dir("minion1")
        .join("var/cache/salt-rs/minion/outbox");
    let queued = wait_until(Duration::from_secs(15), || {
        walk_files(&outbox).iter().any(|f| f.ends_with(&jid))
    });
    assert!(
        queued,
        "the return never reached the outbox:\n{}",
        lab.minion_log("minion1")
    );
    lab.kill_minion("minion1");
    lab.start_master();
    lab.start_minion("minion1");
    wait_all_returned(&lab, &jid, &["minion1"], Duration::from_secs(30));
    assert!(
        wait_until(Duration::from_secs(10), || !walk_files(&outbox)
            .iter()
            .any(|f| f.ends_with(&jid))),
        "the acknowledged return is still queued"
    );
}

fn walk_files(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk_files(&p));
            } else {
                out.push(p.display().to_string());
            }
        }
    }
    out
}
