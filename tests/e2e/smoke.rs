//! The smallest end-to-end check: a master and three minions enrol, get
//! accepted without a restart, and answer test.ping.

use salt_testkit::Lab;

#[test]
fn three_minions_enrol_and_answer() {
    let lab = Lab::start(3);
    let out = lab.salt(&["*", "test.ping", "--out", "json", "--static"]);
    assert_eq!(out.code, 0, "{out:?}");
    let v = out.json();
    for id in ["minion1", "minion2", "minion3"] {
        assert_eq!(v[id], true, "{out:?}");
    }
}
