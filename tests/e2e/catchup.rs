//! A job published while a minion is disconnected is run by that minion
//! when it comes back, within the job's expiry, exactly once (issue 3,
//! done-when 1c).

use std::time::Duration;

use salt_testkit::{Lab, wait_until};

#[test]
fn a_missed_job_runs_once_on_reconnect() {
    let mut lab = Lab::start(2);
    let file = lab.root().join("ran-by-minion2");
    lab.stop_minion("minion2");
    let cmd = format!("echo ran >> {}", file.display());
    let out = lab.salt(&["minion2", "cmd.run", &cmd, "--async"]);
    assert_eq!(out.code, 0, "{out:?}");
    let jid = out
        .stdout
        .trim()
        .strip_prefix("Executed command with job ID: ")
        .unwrap_or_else(|| panic!("{out:?}"))
        .to_owned();
    std::thread::sleep(Duration::from_secs(1));
    assert!(!file.exists(), "minion2 is stopped, nothing may have run");

    lab.start_minion("minion2");
    let lines = || {
        std::fs::read_to_string(&file)
            .map(|t| t.lines().count())
            .unwrap_or(0)
    };
    assert!(
        wait_until(Duration::from_secs(30), || lines() == 1),
        "the missed job did not run on reconnect:\n{}",
        lab.minion_log("minion2")
    );
    let out = lab.run(&["jobs.lookup_jid", &jid, "--out", "json"]);
    assert!(
        wait_until(Duration::from_secs(15), || {
            lab.run(&["jobs.lookup_jid", &jid, "--out", "json"])
                .stdout
                .contains("minion2")
        }),
        "{out:?}"
    );

    // Reconnecting again (a second hello) must not run it a second time.
    lab.stop_minion("minion2");
    lab.start_minion("minion2");
    lab.wait_all_answer(&["minion1", "minion2"]);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(lines(), 1, "the job ran more than once");
}
