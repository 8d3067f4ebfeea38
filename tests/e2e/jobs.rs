//! The job cache end to end: a job run with salt-rs is found afterwards by
//! `salt-rs-run jobs.lookup_jid` (also after a master restart) and listed by
//! `jobs.list_jobs`, printed in Salt 3007's layouts (the captures in
//! `crates/output/tests/golden/jobs.*`).

use std::time::Duration;

use salt_testkit::{Lab, Output, wait_until};

/// Salt's `salt-run jobs.lookup_jid` capture: stdout and exit code.
fn reference(name: &str) -> (String, i32) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../crates/output/tests/golden")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let (body, code) = text
        .rsplit_once("[exit code: ")
        .unwrap_or_else(|| panic!("{name}: no exit code line"));
    (
        body.to_owned(),
        code.trim().trim_end_matches(']').parse().unwrap(),
    )
}

/// Runs `salt-rs -v TARGET test.ping` and returns the jid it printed.
fn ping_jid(lab: &Lab, target: &str, extra: &[&str]) -> (String, Output) {
    let mut args = vec!["-v", target, "test.ping"];
    args.extend_from_slice(extra);
    let out = lab.salt(&args);
    let jid = out
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("Executing job with jid "))
        .unwrap_or_else(|| panic!("no jid printed: {out:?}"))
        .trim()
        .to_owned();
    (jid, out)
}

/// Polls `jobs.lookup_jid` until it prints `want` (the return is committed
/// right after the client saw it).
fn lookup_until(lab: &Lab, args: &[&str], want: &str) -> Output {
    let mut last = None;
    wait_until(Duration::from_secs(10), || {
        let out = lab.run(args);
        let done = out.stdout == want;
        last = Some(out);
        done
    });
    last.unwrap()
}

#[test]
fn lookup_jid_prints_salts_layout_and_survives_a_master_restart() {
    let mut lab = Lab::start(1);
    let (jid, out) = ping_jid(&lab, "minion1", &[]);
    assert_eq!(out.code, 0, "{out:?}");
    let (want, code) = reference("jobs.lookup_jid.txt");
    let got = lookup_until(&lab, &["jobs.lookup_jid", &jid], &want);
    assert_eq!(got.stdout, want, "{got:?}");
    assert_eq!(got.code, code, "{got:?}");
    assert!(got.stderr.is_empty(), "{got:?}");

    lab.stop_master();
    lab.start_master();
    let again = lab.run(&["jobs.lookup_jid", &jid]);
    assert_eq!(again.stdout, want, "{again:?}");

    // An unknown jid: nothing to show, not an error.
    let none = lab.run(&["jobs.lookup_jid", "20000101000000000000"]);
    assert_eq!(none.code, 0, "{none:?}");
    assert!(!none.stdout.contains("minion1"), "{none:?}");
}

#[test]
fn lookup_jid_missing_and_list_jobs() {
    let mut lab = Lab::start(2);
    lab.stop_minion("minion2");
    let (jid, _) = ping_jid(&lab, "*", &["-t", "2"]);
    let want = "minion1:\n    True\nminion2:\n    Minion did not return\n";
    let got = lookup_until(&lab, &["jobs.lookup_jid", &jid, "missing=True"], want);
    assert_eq!(got.stdout, want, "{got:?}");

    let list = lab.run(&["jobs.list_jobs", "search_function=test.*"]);
    assert_eq!(list.code, 0, "{list:?}");
    // The layout of Salt's capture (keys sorted, Arguments empty).
    let block = format!(
        "{jid}:\n    ----------\n    Arguments:\n    Function:\n        test.ping\n    StartTime:\n        {}\n    Target:\n        *\n    Target-type:\n        glob\n    User:\n",
        salt_jobs_time(&jid)
    );
    assert!(list.stdout.contains(&block), "{block}\n---\n{list:?}");
    let other = lab.run(&["jobs.list_jobs", "search_function=cmd.*"]);
    assert!(!other.stdout.contains(&jid), "{other:?}");
}

/// `2026, Nov 21 21:05:08.967619` from a jid, as Salt shows StartTime.
fn salt_jobs_time(jid: &str) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month: usize = jid[4..6].parse().unwrap();
    format!(
        "{}, {} {} {}:{}:{}.{}",
        &jid[0..4],
        MONTHS[month - 1],
        &jid[6..8],
        &jid[8..10],
        &jid[10..12],
        &jid[12..14],
        &jid[14..20]
    )
}

#[test]
fn list_job_exit_success_and_last_run() {
    let lab = Lab::start(1);
    let out = lab.salt(&["-v", "minion1", "cmd.run", "exit 3"]);
    assert_eq!(out.code, 1, "{out:?}");
    let jid = out
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("Executing job with jid "))
        .unwrap_or_else(|| panic!("no jid printed: {out:?}"))
        .trim()
        .to_owned();
    let mut last = None;
    let ok = wait_until(Duration::from_secs(10), || {
        let out = lab.run(&["jobs.exit_success", &jid, "--out", "json"]);
        let done = out.code == 0 && out.json() == serde_json::json!({"minion1": false});
        last = Some(out);
        done
    });
    assert!(ok, "{last:?}");
    let v = lab.run(&["jobs.list_job", &jid, "--out", "json"]).json();
    assert_eq!(v["Function"], "cmd.run", "{v}");
    assert_eq!(v["Result"]["minion1"]["retcode"], 3, "{v}");
    let v = lab
        .run(&["jobs.last_run", "function=cmd.run", "--out", "json"])
        .json();
    assert!(v.get("minion1").is_some(), "{v}");
}
