//! Key management end to end, with the real binaries: minions enrol into
//! `minions_pre`, `salt-rs-key` accepts/rejects/deletes them while they keep
//! running, its listings match Salt's `salt-key` byte for byte, the master's
//! automatic policies (`auto_accept`, `autosign_file`, `autoreject_file`)
//! apply, and a rejected or denied key never gets to run a job.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use salt_testkit::{Lab, golden, ok, wait_until};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const ALL: [&str; 3] = ["minion1", "minion2", "minion3"];

#[test]
fn enrolment_and_every_key_command() {
    let lab = Lab::builder()
        .no_accept()
        .minions(3)
        .master_config("gather_job_timeout: 2")
        .start();
    lab.wait_pending(&ALL);

    // Pending keys, in Salt's section order.
    let out = ok(lab.key(&["-L"]));
    assert_eq!(
        out.stdout,
        "Accepted Keys:\nDenied Keys:\nUnaccepted Keys:\nminion1\nminion2\nminion3\nRejected Keys:\n"
    );
    assert_eq!(
        ok(lab.key(&["-L", "--out", "json"])).json(),
        json!({"minions": [], "minions_pre": ALL, "minions_rejected": [], "minions_denied": []})
    );
    // Nothing is accepted yet: nothing can be targeted.
    let out = lab.salt(&["*", "test.ping", "-t", "2"]);
    assert_eq!(out.code, 2, "{out:?}");

    // Accepting one key lets that minion in without a restart.
    let out = ok(lab.key(&["-a", "minion1", "-y"]));
    assert_eq!(
        out.stdout,
        "The following keys are going to be accepted:\nUnaccepted Keys:\nminion1\nKey for minion minion1 accepted.\n"
    );
    lab.wait_all_answer(&["minion1"]);
    let v = lab
        .salt(&[
            "-L",
            "minion1,minion2,minion3",
            "test.ping",
            "--out",
            "json",
            "--static",
            "-t",
            "2",
        ])
        .json();
    assert_eq!(v["minion1"], true, "{v}");
    assert_ne!(v["minion2"], true, "pending minion2 answered: {v}");
    assert_ne!(v["minion3"], true, "pending minion3 answered: {v}");

    // -l with each status (prefixes as Salt accepts them).
    for (arg, want) in [
        ("acc", "Accepted Keys:\nminion1\n"),
        ("accepted", "Accepted Keys:\nminion1\n"),
        ("un", "Unaccepted Keys:\nminion2\nminion3\n"),
        ("pre", "Unaccepted Keys:\nminion2\nminion3\n"),
        ("rej", "Rejected Keys:\n"),
        ("den", "Denied Keys:\n"),
        (
            "all",
            "Accepted Keys:\nminion1\nDenied Keys:\nUnaccepted Keys:\nminion2\nminion3\nRejected Keys:\n",
        ),
    ] {
        assert_eq!(ok(lab.key(&["-l", arg])).stdout, want, "-l {arg}");
    }
    let bad = lab.key(&["-l", "bogus"]);
    assert_ne!(bad.code, 0, "{bad:?}");
    assert!(bad.stdout.is_empty(), "{bad:?}");

    // Reject a pending key: it is listed as rejected and cannot run jobs.
    let out = ok(lab.key(&["-r", "minion2", "-y"]));
    assert_eq!(
        out.stdout,
        "The following keys are going to be rejected:\nUnaccepted Keys:\nminion2\nKey for minion minion2 rejected.\n"
    );
    assert_eq!(
        ok(lab.key(&["-l", "rej"])).stdout,
        "Rejected Keys:\nminion2\n"
    );
    assert_cannot_run(&lab, "minion2");

    // -a does not take rejected keys back unless told to.
    let out = ok(lab.key(&["-a", "minion2", "-y"]));
    assert_eq!(
        out.stdout,
        "The key glob 'minion2' does not match any unaccepted keys.\n"
    );
    assert_eq!(
        ok(lab.key(&["-l", "rej"])).stdout,
        "Rejected Keys:\nminion2\n"
    );
    let out = ok(lab.key(&["-a", "minion2", "--include-rejected", "-y"]));
    assert_eq!(
        out.stdout,
        "The following keys are going to be accepted:\nRejected Keys:\nminion2\nKey for minion minion2 accepted.\n"
    );

    // -R rejects every pending key; -A then finds nothing pending, and
    // --include-all takes the rejected ones too.
    let out = ok(lab.key(&["-R", "-y"]));
    assert_eq!(
        out.stdout,
        "The following keys are going to be rejected:\nUnaccepted Keys:\nminion3\nKey for minion minion3 rejected.\n"
    );
    let out = ok(lab.key(&["-A", "-y"]));
    assert_eq!(
        out.stdout,
        "The key glob '*' does not match any unaccepted keys.\n"
    );
    let out = ok(lab.key(&["-A", "--include-all", "-y"]));
    assert_eq!(
        out.stdout,
        "The following keys are going to be accepted:\nRejected Keys:\nminion3\nKey for minion minion3 accepted.\n"
    );
    lab.wait_all_answer(&ALL);

    // All three accepted: the same data as Salt's capture, byte for byte.
    assert_eq!(ok(lab.key(&["-L"])).stdout, golden("salt-key-L.txt").stdout);
    assert_eq!(
        ok(lab.key(&["-L", "--out", "json"])).stdout,
        golden("salt-key-L.json.txt").stdout
    );
    assert_eq!(
        ok(lab.key(&["-L", "--out", "yaml"])).stdout,
        "minions:\n- minion1\n- minion2\n- minion3\nminions_denied: []\nminions_pre: []\nminions_rejected: []\n"
    );
    assert_eq!(
        ok(lab.key(&["-l", "acc", "--out", "json"])).json(),
        json!({"minions": ALL})
    );

    // Fingerprints: Salt's layout with the values masked, and each value is
    // the sha256 of the key the minion itself holds.
    let out = ok(lab.key(&["-F"]));
    assert_eq!(
        mask_fingerprints(&out.stdout),
        mask_fingerprints(&golden("salt-key-F.txt").stdout)
    );
    for id in ALL {
        let own = fingerprint(&minion_pub(&lab, id));
        assert!(
            out.stdout.contains(&format!("\n{id}:  {own}\n")),
            "{id} fingerprint {own} not in:\n{}",
            out.stdout
        );
        assert_eq!(
            ok(lab.key(&["-f", id])).stdout,
            format!("Accepted Keys:\n{id}:  {own}\n")
        );
    }
    let master_pub = std::fs::read_to_string(pki(&lab).join("master.pub")).expect("master.pub");
    assert!(
        out.stdout
            .contains(&format!("master.pub:  {}\n", fingerprint(&master_pub))),
        "{}",
        out.stdout
    );
    let v = ok(lab.key(&["-f", "minion[12]", "--out", "json"])).json();
    assert_eq!(
        v,
        json!({"minions": {
            "minion1": fingerprint(&minion_pub(&lab, "minion1")),
            "minion2": fingerprint(&minion_pub(&lab, "minion2")),
        }})
    );

    // -p prints the key text as stored (and as the minion holds it).
    let pem = minion_pub(&lab, "minion1");
    assert_eq!(
        ok(lab.key(&["-p", "minion1"])).stdout,
        format!("Accepted Keys:\nminion1:  {}\n", pem.trim_end())
    );
    assert_eq!(
        ok(lab.key(&["-p", "minion1", "--out", "json"])).json(),
        json!({"minions": {"minion1": pem}})
    );

    // Reject an accepted key (needs --include-accepted): the minion stops
    // being reachable, while the others keep answering.
    let out = ok(lab.key(&["-r", "minion3", "-y"]));
    assert_eq!(
        out.stdout,
        "The key glob 'minion3' does not match any unaccepted keys.\n"
    );
    let out = ok(lab.key(&["-r", "minion3", "--include-accepted", "-y"]));
    assert_eq!(
        out.stdout,
        "The following keys are going to be rejected:\nAccepted Keys:\nminion3\nKey for minion minion3 rejected.\n"
    );
    wait_unmatched(&lab, "minion3");
    assert_cannot_run(&lab, "minion3");
    broadcast_skips(&lab, "minion3", &["minion1", "minion2"]);

    // -d deletes one key (minion3's rejected one); the still-running minion
    // comes back as pending, as Salt's minions do.
    let out = ok(lab.key(&["-d", "minion3", "-y"]));
    assert_eq!(
        out.stdout,
        "The following keys are going to be deleted:\nRejected Keys:\nminion3\nKey for minion minion3 deleted.\n"
    );
    assert!(!pki(&lab).join("minions_rejected/minion3").exists());
    lab.wait_pending(&["minion3"]);
    assert_eq!(
        ok(lab.key(&["-l", "un"])).stdout,
        "Unaccepted Keys:\nminion3\n"
    );

    // -D deletes everything; the accepted minions can no longer be reached.
    let out = ok(lab.key(&["-D", "-y"]));
    assert!(
        out.stdout
            .starts_with("The following keys are going to be deleted:\nAccepted Keys:\nminion1\nminion2\nUnaccepted Keys:\nminion3\n"),
        "{out:?}"
    );
    for id in ALL {
        assert!(
            out.stdout
                .contains(&format!("Key for minion {id} deleted.\n")),
            "{out:?}"
        );
    }
    assert_eq!(ok(lab.key(&["-l", "acc"])).stdout, "Accepted Keys:\n");
    wait_unmatched(&lab, "minion1");
    // The minions enrol again and wait for an operator.
    lab.wait_pending(&ALL);
    let listed = ok(lab.key(&["-l", "acc", "--out", "json"])).json();
    assert_eq!(listed, json!({"minions": []}));
}

#[test]
fn auto_accept_and_a_known_id_with_another_key_is_denied() {
    let mut lab = Lab::builder()
        .no_accept()
        .ids(&["minion1"])
        .master_config("auto_accept: True\ngather_job_timeout: 2")
        .minion_config_for("minion1", "grains:\n  who: original")
        .minion_config_for("imposter", "grains:\n  who: imposter")
        .start();
    // No salt-rs-key call: auto_accept lets it in.
    lab.wait_all_answer(&["minion1"]);
    assert_eq!(
        ok(lab.key(&["-L"])).stdout,
        "Accepted Keys:\nminion1\nDenied Keys:\nUnaccepted Keys:\nRejected Keys:\n"
    );
    let original = minion_pub(&lab, "minion1");

    // A second process claims id minion1 with fresh keys: denied, even
    // under auto_accept, and the accepted key is left alone.
    lab.add_minion_named("imposter", "minion1");
    let denied = pki(&lab).join("minions_denied/minion1");
    assert!(
        wait_until(Duration::from_secs(30), || denied.exists()),
        "the imposter's key never reached minions_denied"
    );
    assert_eq!(
        ok(lab.key(&["-L"])).stdout,
        "Accepted Keys:\nminion1\nDenied Keys:\nminion1\nUnaccepted Keys:\nRejected Keys:\n"
    );
    assert_eq!(
        std::fs::read_to_string(pki(&lab).join("minions/minion1")).expect("accepted key"),
        original
    );
    let imposter_pub = std::fs::read_to_string(
        lab.minion_dir("imposter")
            .join("etc/salt-rs/pki/minion/minion.pub"),
    )
    .expect("imposter key");
    assert_eq!(
        std::fs::read_to_string(&denied).expect("denied key"),
        imposter_pub
    );
    assert_eq!(
        ok(lab.key(&["-f", "minion1"])).stdout,
        format!(
            "Accepted Keys:\nminion1:  {}\nDenied Keys:\nminion1:  {}\n",
            fingerprint(&original),
            fingerprint(&imposter_pub)
        )
    );

    // Only the original runs jobs: one execution, its grains.
    let marker = lab.root().join("ran.log");
    let cmd = format!("echo ran >> {}", marker.display());
    let out = lab.salt(&["minion1", "cmd.run", &cmd, "-t", "5"]);
    assert_eq!(out.code, 0, "{out:?}");
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(
        std::fs::read_to_string(&marker).unwrap_or_default(),
        "ran\n",
        "the job must run exactly once (not by the imposter)"
    );
    for _ in 0..3 {
        let v = lab
            .salt(&["minion1", "grains.get", "who", "--out", "json", "--static"])
            .json();
        assert_eq!(v, json!({"minion1": "original"}));
    }

    // The denied key stays denied: nothing replaced the accepted one.
    assert_eq!(
        ok(lab.key(&["-l", "den"])).stdout,
        "Denied Keys:\nminion1\n"
    );
}

#[test]
fn autosign_and_autoreject_files() {
    // Both paths are under the master's root_dir, as Salt roots them.
    let lab = Lab::builder()
        .no_accept()
        .ids(&["web1", "web2", "db1", "other"])
        .master_config(
            "autosign_file: /etc/salt-rs/autosign.conf\nautoreject_file: /etc/salt-rs/autoreject.conf\ngather_job_timeout: 2",
        )
        .start();
    // Written once the minions already knock: pending keys are re-examined
    // on each attempt, so they are signed or rejected on the next one.
    let etc = lab.master_dir.join("etc/salt-rs");
    std::fs::write(
        etc.join("autosign.conf"),
        "# web servers sign in on their own\nweb*\n",
    )
    .expect("autosign");
    std::fs::write(etc.join("autoreject.conf"), "db[0-9]\n").expect("autoreject");
    lab.wait_all_answer(&["web1", "web2"]);
    let pki = pki(&lab);
    assert!(
        wait_until(Duration::from_secs(30), || {
            pki.join("minions_rejected/db1").exists() && pki.join("minions_pre/other").exists()
        }),
        "{:?}",
        lab.key(&["-L"])
    );
    assert_eq!(
        ok(lab.key(&["-L"])).stdout,
        "Accepted Keys:\nweb1\nweb2\nDenied Keys:\nUnaccepted Keys:\nother\nRejected Keys:\ndb1\n"
    );
    assert_cannot_run(&lab, "db1");
    assert_cannot_run(&lab, "other");
    let v = lab
        .salt(&[
            "-L",
            "web1,web2,db1,other",
            "test.ping",
            "--out",
            "json",
            "--static",
            "-t",
            "2",
        ])
        .json();
    assert_eq!(v["web1"], true, "{v}");
    assert_eq!(v["web2"], true, "{v}");
    assert_ne!(v["db1"], true, "{v}");
    assert_ne!(v["other"], true, "{v}");
    let answered: BTreeSet<String> = lab
        .salt(&["*", "test.ping", "--out", "json", "--static", "-t", "2"])
        .json()
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    assert_eq!(
        answered,
        BTreeSet::from(["web1".to_owned(), "web2".to_owned()])
    );
}

/// A rejection applies at once (salt-rs-key tells the master, which then
/// stops matching the key): right after `salt-rs-key -r`, a job aimed at
/// the rejected minion must not run.
#[test]
fn rejecting_an_accepted_key_takes_effect_at_once() {
    let lab = Lab::builder()
        .minions(1)
        .master_config("gather_job_timeout: 2")
        .start();
    ok(lab.key(&["-r", "minion1", "--include-accepted", "-y"]));
    let marker = lab.root().join("ran");
    let cmd = format!("touch {}", marker.display());
    let out = lab.salt(&["minion1", "cmd.run", &cmd, "-t", "2"]);
    std::thread::sleep(Duration::from_millis(1000));
    assert!(
        !marker.exists(),
        "a job ran on minion1 right after its key was rejected: {out:?}"
    );
    assert_eq!(out.code, 2, "{out:?}");
}

// ---------------------------------------------------------------- helpers

fn pki(lab: &Lab) -> PathBuf {
    lab.master_dir.join("etc/salt-rs/pki/master")
}

/// The public key a minion holds in its own pki dir.
fn minion_pub(lab: &Lab, id: &str) -> String {
    std::fs::read_to_string(lab.minion_dir(id).join("etc/salt-rs/pki/minion/minion.pub"))
        .expect("minion public key")
}

/// Salt's `pem_finger`, computed here independently: sha256 of the lines
/// between the first and the last (newlines kept), as colon-separated hex.
fn fingerprint(pem: &str) -> String {
    let lines: Vec<&str> = pem
        .split_inclusive('\n')
        .filter(|l| !l.trim().is_empty())
        .collect();
    let body = lines[1..lines.len() - 1].concat();
    Sha256::digest(body.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Replaces every 32-pair hex fingerprint with `FP`.
fn mask_fingerprints(text: &str) -> String {
    text.lines()
        .map(|l| match l.split_once(":  ") {
            Some((name, fp))
                if fp.len() == 95
                    && fp
                        .split(':')
                        .all(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_hexdigit())) =>
            {
                format!("{name}:  FP\n")
            }
            _ => format!("{l}\n"),
        })
        .collect()
}

/// The master no longer matches `id` (bounded wait for the key change).
fn wait_unmatched(lab: &Lab, id: &str) {
    let ok = wait_until(Duration::from_secs(5), || {
        lab.salt(&["--preview-target", id, "--out", "json"]).json() == json!([])
    });
    assert!(ok, "{id} is still targeted after its key left minions/");
}

/// Any way of aiming a job at `id` ends in "no minions matched", exit 2,
/// and the command never runs there.
fn assert_cannot_run(lab: &Lab, id: &str) {
    let marker = lab.root().join(format!("ran-{id}"));
    let cmd = format!("touch {}", marker.display());
    for tgt in [vec![id], vec!["-L", id], vec!["-C", id]] {
        let mut args = tgt.clone();
        args.extend(["cmd.run", cmd.as_str(), "-t", "2"]);
        let out = lab.salt(&args);
        assert_eq!(
            out.stdout,
            "No minions matched the target. No command was sent, no jid was assigned.\n",
            "{args:?}: {out:?}"
        );
        assert_eq!(out.stderr, "ERROR: No return received\n", "{out:?}");
        assert_eq!(out.code, 2, "{out:?}");
    }
    std::thread::sleep(Duration::from_millis(500));
    assert!(!marker.exists(), "a job ran on {id}");
}

/// A job for every minion runs on `answer` and never reaches `id` (whose
/// minion process is still running): its log never mentions the jid.
fn broadcast_skips(lab: &Lab, id: &str, answer: &[&str]) {
    let out = lab.salt(&[
        "*",
        "test.ping",
        "--out",
        "json",
        "--static",
        "-t",
        "3",
        "--show-jid",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    let (first, rest) = out.stdout.split_once('\n').expect("jid line");
    let jid = first.strip_prefix("jid: ").expect("jid: line").trim();
    let v: Value = serde_json::from_str(rest).expect("json");
    let got: BTreeSet<&str> = v
        .as_object()
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    assert_eq!(got, answer.iter().copied().collect::<BTreeSet<_>>());
    for a in answer {
        assert!(lab.minion_log(a).contains(jid), "{a} never saw job {jid}");
    }
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        !lab.minion_log(id).contains(jid),
        "{id} received job {jid} after its key was rejected"
    );
}
