//! The event bus end to end: `salt-rs-run state.event` shows a job's
//! `salt/job/<jid>/new` and `salt/job/<jid>/ret/<id>` with Salt's data
//! shapes, stops after `count=N` by itself, and a minion's `event.send`
//! lands under `salt/minion/<id>/` whatever tag it asks for (a minion cannot
//! forge a job return or an auth event: Salt's CVE-2025-22239 class).

use std::time::Duration;

use salt_testkit::{Background, Lab, wait_until};
use serde_json::Value;

/// The events a `state.event` tail printed: (tag, data).
fn events(tail: &Background) -> Vec<(String, Value)> {
    tail.stdout()
        .lines()
        .filter_map(|l| {
            let (tag, json) = l.split_once('\t')?;
            Some((tag.to_owned(), serde_json::from_str(json).ok()?))
        })
        .collect()
}

/// Publishes `--async` jobs until the tail has seen one's publish and its
/// return from `minion` (the subscription may start after the first
/// publish); returns that jid.
fn job_seen_by(lab: &Lab, tail: &Background, minion: &str) -> String {
    let mut jid = String::new();
    let seen = wait_until(Duration::from_secs(20), || {
        let out = lab.salt(&[minion, "test.ping", "--async"]);
        jid = out
            .stdout
            .trim()
            .rsplit(' ')
            .next()
            .unwrap_or_default()
            .to_owned();
        wait_until(Duration::from_secs(3), || {
            let seen = tail.stdout();
            seen.contains(&format!("salt/job/{jid}/ret/{minion}\t"))
                && seen.contains(&format!("salt/job/{jid}/new\t"))
        })
    });
    assert!(
        seen,
        "no return event for {minion}: {}\n{}",
        tail.stdout(),
        tail.stderr()
    );
    jid
}

#[test]
fn state_event_shows_jobs_and_confines_minion_events() {
    let lab = Lab::start(2);
    let tail = lab.spawn("salt-rs-run", &["state.event", "*"]);
    let jid = job_seen_by(&lab, &tail, "minion1");
    let evs = events(&tail);
    let new = evs
        .iter()
        .find(|(t, _)| *t == format!("salt/job/{jid}/new"))
        .unwrap_or_else(|| panic!("no new-job event: {evs:?}"));
    assert_eq!(new.1["fun"], "test.ping");
    assert_eq!(new.1["tgt"], "minion1");
    assert_eq!(new.1["tgt_type"], "glob");
    assert_eq!(new.1["minions"], serde_json::json!(["minion1"]));
    assert_eq!(new.1["jid"], jid.as_str());
    let ret = evs
        .iter()
        .find(|(t, _)| *t == format!("salt/job/{jid}/ret/minion1"))
        .unwrap();
    assert_eq!(ret.1["cmd"], "_return");
    assert_eq!(ret.1["id"], "minion1");
    assert_eq!(ret.1["return"], true);
    assert_eq!(ret.1["retcode"], 0);
    assert_eq!(ret.1["success"], true);
    assert!(ret.1["_stamp"].as_str().is_some_and(|s| s.len() == 26));

    // A minion's own event, and an attempt to forge another minion's
    // return and an auth event.
    let forged = "salt/job/20260101000000000000/ret/minion2";
    for args in [
        vec!["minion1", "event.send", "myco/deploy/done", "version=3"],
        vec!["minion1", "event.send", forged, "{return: forged}"],
        vec![
            "minion1",
            "event.send",
            "salt/auth",
            "{act: accept, id: evil}",
        ],
    ] {
        let out = lab.salt(&args);
        assert_eq!(out.code, 0, "{out:?}");
        assert!(out.stdout.contains("True"), "{out:?}");
    }
    let ok = wait_until(Duration::from_secs(10), || {
        tail.stdout().contains("salt/minion/minion1/salt/auth\t")
    });
    assert!(ok, "{}", tail.stdout());
    let evs = events(&tail);
    let own = evs
        .iter()
        .find(|(t, _)| t == "salt/minion/minion1/myco/deploy/done")
        .unwrap_or_else(|| panic!("{evs:?}"));
    assert_eq!(own.1["data"]["version"], 3);
    assert_eq!(own.1["id"], "minion1");
    assert!(
        evs.iter()
            .any(|(t, _)| *t == format!("salt/minion/minion1/{forged}")),
        "{evs:?}"
    );
    for (t, d) in &evs {
        assert!(
            !t.starts_with("salt/job/20260101000000000000"),
            "forged job event reached the bus: {t} {d}"
        );
        if t == "salt/auth" {
            assert_ne!(d["id"], "evil", "forged auth event reached the bus");
        }
        if t.starts_with("salt/minion/") && !t.ends_with("/start") {
            assert_eq!(d["id"], "minion1", "{t}: {d}");
        }
    }
}

#[test]
fn state_event_count_stops_by_itself() {
    let lab = Lab::start(1);
    let mut tail = lab.spawn(
        "salt-rs-run",
        &["state.event", "salt/job/*/ret/*", "count=1", "pretty=True"],
    );
    // count=1 may be used up by an earlier job than the one seen: the
    // tail must have exited after exactly one event either way.
    let seen = wait_until(Duration::from_secs(20), || {
        let out = lab.salt(&["minion1", "test.ping", "--async"]);
        assert_eq!(out.code, 0, "{out:?}");
        wait_until(Duration::from_secs(3), || {
            tail.stdout().contains("salt/job/")
        })
    });
    assert!(seen, "{}", tail.stderr());
    let st = tail.wait_exit(Duration::from_secs(10));
    assert!(st.is_some_and(|s| s.success()), "{st:?}\n{}", tail.stderr());
    let out = tail.stdout();
    assert_eq!(
        out.matches("salt/job/").count(),
        1,
        "one event, then exit: {out}"
    );
    assert!(
        out.contains("\t{\n    \"_stamp\": "),
        "pretty JSON sorts keys: {out}"
    );
}
