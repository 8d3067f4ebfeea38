//! The minion trusts one master key: pinned on first contact, or given in
//! advance as `master_finger`. A master that comes back with another key is
//! refused, and so is a first contact whose fingerprint does not match.

use std::time::Duration;

use salt_testkit::{Lab, wait_until};

fn master_pub_fingerprint(lab: &Lab) -> String {
    let out = lab.key(&["-F"]);
    out.stdout
        .lines()
        .find_map(|l| l.strip_prefix("master.pub:"))
        .map(|f| f.trim().to_owned())
        .unwrap_or_else(|| panic!("no master.pub line in salt-rs-key -F: {out:?}"))
}

#[test]
fn a_master_with_another_key_is_refused_after_pinning() {
    let mut lab = Lab::start(1);
    let pki = lab.master_dir.join("etc/salt-rs/pki/master");
    let pinned = std::fs::read_to_string(
        lab.minion_dir("minion1")
            .join("etc/salt-rs/pki/minion/minion_master.pub"),
    )
    .expect("pinned master key");
    assert_eq!(
        pinned,
        std::fs::read_to_string(pki.join("master.pub")).unwrap()
    );

    // Same master address, new master key (as an impostor would have).
    lab.stop_master();
    std::fs::remove_file(pki.join("master.pem")).unwrap();
    std::fs::remove_file(pki.join("master.pub")).unwrap();
    lab.start_master();
    assert!(
        wait_until(Duration::from_secs(20), || lab
            .minion_log("minion1")
            .contains("refusing the master")),
        "minion did not refuse the new master key:\n{}",
        lab.minion_log("minion1")
    );
    let out = lab.salt(&["*", "test.ping", "-t", "2"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout
            .contains("Minion did not return. [Not connected]"),
        "{out:?}"
    );
    // The pin is unchanged.
    let now = std::fs::read_to_string(
        lab.minion_dir("minion1")
            .join("etc/salt-rs/pki/minion/minion_master.pub"),
    )
    .unwrap();
    assert_eq!(now, pinned);
}

#[test]
fn master_finger_is_checked_on_first_contact() {
    let mut lab = Lab::builder().minions(0).start();
    let finger = master_pub_fingerprint(&lab);
    let wrong: String = finger
        .chars()
        .map(|c| {
            if c == ':' {
                ':'
            } else if c == '0' {
                '1'
            } else {
                '0'
            }
        })
        .collect();
    lab.add_minion_with_config("good", &format!("master_finger: '{finger}'"));
    lab.add_minion_with_config("bad", &format!("master_finger: '{wrong}'"));
    lab.wait_pending(&["good", "bad"]);
    let out = lab.key(&["-A", "-y"]);
    assert_eq!(out.code, 0, "{out:?}");
    lab.wait_all_answer(&["good"]);
    assert!(
        wait_until(Duration::from_secs(20), || lab
            .minion_log("bad")
            .contains("does not match master_finger")),
        "{}",
        lab.minion_log("bad")
    );
    let out = lab.salt(&["-L", "bad", "test.ping", "-t", "2"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        !lab.minion_dir("bad")
            .join("etc/salt-rs/pki/minion/minion_master.pub")
            .exists()
    );
}
