//! Presence from heartbeats: `salt-rs-run manage.*` answers without pinging
//! anyone, notices a killed minion within three heartbeat intervals and an
//! restarted one again, with Salt's output layouts.

use std::time::Duration;

use salt_testkit::{Lab, golden, wait_until};

#[test]
fn manage_runners_follow_heartbeats() {
    let mut lab = Lab::start(3);
    let out = lab.run(&["manage.status"]);
    let g = golden("manage.status.txt");
    assert_eq!(out.stdout, g.stdout, "{out:?}");
    assert_eq!(out.code, g.code);

    let out = lab.run(&["manage.up", "--out", "json"]);
    assert_eq!(
        out.json(),
        serde_json::json!(["minion1", "minion2", "minion3"]),
        "{out:?}"
    );

    lab.kill_minion("minion3");
    // Heartbeats every second in the lab: down after three missed ones.
    assert!(
        wait_until(Duration::from_secs(10), || lab.run(&["manage.down"]).stdout
            == "- minion3\n"),
        "{:?}",
        lab.run(&["manage.status"])
    );
    let out = lab.run(&["manage.down"]);
    assert_eq!(out.stdout, golden("manage.down.txt").stdout, "{out:?}");
    let out = lab.run(&["manage.not_present", "--out", "json"]);
    assert_eq!(out.json(), serde_json::json!(["minion3"]));

    let out = lab.run(&["manage.versions", "--out", "json"]);
    let v = out.json();
    assert_eq!(
        v["Minion did not return"]["minion3"], "Minion did not return",
        "{out:?}"
    );
    assert!(v["Up to date"]["minion1"].is_string(), "{out:?}");

    lab.start_minion("minion3");
    assert!(
        wait_until(Duration::from_secs(20), || lab
            .run(&["manage.down"])
            .stdout
            .is_empty()),
        "{:?}",
        lab.run(&["manage.status"])
    );
    let out = lab.run(&["manage.up", "--out", "json"]);
    assert_eq!(
        out.json(),
        serde_json::json!(["minion1", "minion2", "minion3"]),
        "the restarted minion is up again: {out:?}"
    );

    // removekeys=True deletes the keys of the minions that are down.
    lab.kill_minion("minion2");
    assert!(wait_until(Duration::from_secs(10), || {
        lab.run(&["manage.down"]).stdout == "- minion2\n"
    }));
    let out = lab.run(&["manage.down", "removekeys=True"]);
    assert_eq!(out.stdout, "- minion2\n", "{out:?}");
    let keys = lab.key(&["-L", "--out", "json"]).json();
    assert_eq!(
        keys["minions"],
        serde_json::json!(["minion1", "minion3"]),
        "{keys}"
    );
}
