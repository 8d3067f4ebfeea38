//! Protocol security end to end (DESIGN.md "Protocol and security",
//! shared/salt-cves.md): real salt-rs binaries attacked from this process.
//!
//! The attackers here speak the wire protocol with `salt-proto` and
//! `salt-transport` only:
//! - [`Fake`] is a minion written in this file: it enrols with its own key
//!   pair, may be accepted like any minion, and then tries to act for others.
//! - [`Rogue`] is a master written in this file: it binds PUB/ROUTER on free
//!   ports, enrols a real `salt-rs-minion` and then publishes forged,
//!   tampered, stale and replayed jobs to it.
//!
//! Every test names the product check it guards. "Verified" in a comment
//! means the check was disabled locally, the test was seen to fail, and the
//! check was restored.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use salt_proto::crypto::{self, SymKey};
use salt_proto::messages::{
    ClearReply, ClearRequest, EnrollReply, EnrollRequest, EnrollStatus, JobReturn, MasterMessage,
    MinionRequest, PUBLISH_KEY_AAD, Publish, SessionGrant,
};
use salt_proto::{Envelope, Kind, NodeKeys, PublicKeys};
use salt_target::{Target, TargetType};
use salt_testkit::{Lab, bin, free_port, wait_until};
use salt_transport::{Backoff, Dealer, Limits, PeerId, Publisher, Router, RouterRx, Subscriber};
use salt_types::{Jid, MinionId};
use serde::Serialize;
use serde_bytes::ByteBuf;
use serde_json::{Map, Value, json};
use x25519_dalek::{PublicKey as DhPublic, StaticSecret};

/// Decode limit of this file's own parsing (the product's default).
const LIMIT: usize = salt_proto::DEFAULT_MAX_MESSAGE;
/// How long a refused request is given to produce an (unwanted) reply.
const QUIET: Duration = Duration::from_millis(400);

// ---- 1. unauthenticated and forged requests on the ROUTER --------------------

/// Every kind of request that is not a valid enrolment or a message of the
/// sender's own session is refused: no reply except a master-signed
/// "enrol again", no key filed, no grains changed, nothing published.
///
/// Guards (each verified by disabling it, seeing this test fail, restoring):
/// - auth.rs `if env.sender != req.id.as_str()` (case "sender differs");
/// - auth.rs `env.open_clear::<ClearRequest>(.., &public, ..)`, the
///   proof-of-possession signature check (case "bad self-signature");
/// - auth.rs `lock(&m.replay).check(..)` (case "replayed enrolment");
/// - session.rs `sessions.get(&id)` + `s.session_id == env.key_id`: the
///   session is looked up by the claimed sender, so the intruder's own
///   session cannot carry a message for minion1 (case "intruder's session
///   claiming minion1"; verified by replacing the lookup with one by
///   `key_id` alone, the CVE-2024-38822 shape).
///
/// Publish/EnrollReply kinds have no handler at all (session.rs `handle`).
#[test]
fn unauthenticated_and_forged_requests_are_refused_and_publish_nothing() {
    let lab = Lab::start(1);
    let rt = runtime();
    let master = master_public(&lab);
    let mut intruder = rt.block_on(Fake::connect(&lab, "intruder", master.clone()));
    let mut sub = rt.block_on(subscribe(lab.publish_port));
    accept_fake(&lab, &rt, &mut intruder);

    // The listening SUB must be live before the attack, or "saw nothing"
    // proves nothing: wait until it sees a real job.
    assert_sub_sees_a_job(&lab, &rt, &mut sub);

    let grains_file = lab
        .master_dir
        .join("var/cache/salt-rs/master/minions/minion1/grains.json");
    assert!(
        wait_until(Duration::from_secs(5), || grains_file.exists()),
        "grains cache of minion1 missing at {}",
        grains_file.display()
    );
    let grains_before = std::fs::read_to_string(&grains_file).expect("grains cache");
    assert!(grains_before.contains("minion1"), "{grains_before}");
    let pwned = MinionRequest::Hello {
        grains: obj(json!({"id": "minion1", "pwned": "yes"})),
    };
    let s = intruder.sess.clone().expect("intruder session");
    let stranger = NodeKeys::generate();
    let now = salt_proto::now_ms();
    let touch = |name: &str| publish_cmd(&format!("touch {}", lab.root().join(name).display()), 0);

    let mut cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty message", Vec::new()),
        ("garbage", (0..300).map(|_| fastrand::u8(..)).collect()),
        (
            "msgpack that is not an envelope",
            salt_proto::codec::encode(&json!({"cmd": "_prep_auth_info"})).unwrap(),
        ),
        (
            // A minion that holds the publish key tries to have the master
            // broadcast its job: the ROUTER has no publish handler.
            "Publish kind sealed with the real publish key",
            forge(
                &intruder.keys,
                Kind::Publish,
                "master",
                "*",
                now,
                s.pk_id,
                &touch("via_router"),
                Some(&s.pk),
            )
            .encode(),
        ),
        (
            "EnrollReply kind",
            forge(
                &intruder.keys,
                Kind::EnrollReply,
                "master",
                "master",
                now,
                0,
                &ClearReply::Reauth { reason: "x".into() },
                None,
            )
            .encode(),
        ),
        (
            "Session from an unknown id",
            forge(
                &stranger,
                Kind::Session,
                "ghost",
                "master",
                now,
                7,
                &pwned,
                Some(&SymKey::random()),
            )
            .encode(),
        ),
        (
            "Session claiming minion1 with an unknown session id",
            forge(
                &stranger,
                Kind::Session,
                "minion1",
                "master",
                now,
                fastrand::u64(..),
                &pwned,
                Some(&SymKey::random()),
            )
            .encode(),
        ),
        (
            "intruder's session claiming minion1",
            forge(
                &intruder.keys,
                Kind::Session,
                "minion1",
                "master",
                now,
                s.id,
                &pwned,
                Some(&s.key),
            )
            .encode(),
        ),
        (
            "intruder's session id with a wrong key",
            forge(
                &intruder.keys,
                Kind::Session,
                "intruder",
                "master",
                now,
                s.id,
                &MinionRequest::Heartbeat { seq: 1 },
                Some(&SymKey::random()),
            )
            .encode(),
        ),
        ("bad self-signature", {
            let (mut env, _) = enroll_request(&stranger, "badsig");
            env.sig[3] ^= 0x40;
            env.encode()
        }),
        ("enrolment signed by another key than the one inside", {
            let (env, _) = enroll_request(&stranger, "badsig2");
            let mut env = env;
            sign(&NodeKeys::generate(), &mut env);
            env.encode()
        }),
        ("sender differs from the id inside", {
            let (env, _) = enroll_request(&stranger, "victim");
            let mut env = env;
            env.sender = "outer".into();
            sign(&stranger, &mut env);
            env.encode()
        }),
        ("enrolment with an unknown request variant", {
            #[derive(Serialize)]
            enum Evil {
                RunAnything(String),
            }
            forge(
                &stranger,
                Kind::Enroll,
                "evil",
                "master",
                now,
                0,
                &Evil::RunAnything("id".into()),
                None,
            )
            .encode()
        }),
    ];
    // Stale and future enrolments (the replay window).
    for (name, ts) in [
        ("stale enrolment", now - 6 * 60 * 1000),
        ("future enrolment", now + 5 * 60 * 1000),
    ] {
        let (req, _) = enroll_body(&stranger, "timewarp");
        cases.push((
            name,
            forge(
                &stranger,
                Kind::Enroll,
                "timewarp",
                "master",
                ts,
                0,
                &req,
                None,
            )
            .encode(),
        ));
    }

    let replies: Vec<(&str, Reply)> = cases
        .into_iter()
        .map(|(name, bytes)| (name, rt.block_on(intruder.ask(bytes, QUIET))))
        .collect();

    // A replayed enrolment: the first copy is filed as pending and answered;
    // after the key is deleted, the same bytes must not file it again.
    let replayer = NodeKeys::generate();
    let (env, _) = enroll_request(&replayer, "replayer");
    let bytes = env.encode();
    let first = rt.block_on(intruder.ask(bytes.clone(), Duration::from_secs(5)));
    assert!(
        matches!(&first, Reply::Other(k) if *k == Kind::EnrollReply),
        "{first:?}"
    );
    assert_eq!(key_files(&lab, "replayer"), ["minions_pre"]);
    let out = lab.key(&["-d", "replayer", "-y"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(key_files(&lab, "replayer").is_empty());
    let again = rt.block_on(intruder.ask(bytes, QUIET));
    assert_eq!(again, Reply::Nothing, "replayed enrolment answered");

    std::thread::sleep(Duration::from_millis(300));
    for id in [
        "badsig", "badsig2", "victim", "outer", "ghost", "evil", "timewarp", "replayer",
    ] {
        assert!(
            key_files(&lab, id).is_empty(),
            "a key was filed for {id}: {:?}",
            key_files(&lab, id)
        );
    }
    let grains_after = std::fs::read_to_string(&grains_file).expect("grains cache");
    assert!(
        !grains_after.contains("pwned"),
        "a forged hello replaced minion1's grains: {grains_after}"
    );
    assert!(
        !lab.master_dir
            .join("var/cache/salt-rs/master/minions/ghost")
            .exists()
    );
    let seen = rt.block_on(drain_sub(&mut sub, QUIET));
    assert!(seen.is_empty(), "something was published during the attack");
    assert!(!lab.root().join("via_router").exists());
    // Checked last so that a failure above names the effect, not the reply.
    for (name, reply) in replies {
        assert!(
            matches!(reply, Reply::Nothing | Reply::Reauth(_)),
            "{name}: the master answered {reply:?}"
        );
    }
    // And the master still works.
    assert_sub_sees_a_job(&lab, &rt, &mut sub);
}

// ---- 2. a rogue publisher against a real minion -------------------------------

/// A real minion runs only publishes signed by its pinned master key,
/// encrypted with the current publish key, fresh, unexpired and unseen.
///
/// Guards:
/// - envelope.rs `verify_signature` as used by link.rs `on_publish` and
///   `open_sealed` (cases "bad signature", "signed by another key"; verified
///   by making `verify_signature` return `Ok(())`);
/// - link.rs `live.replay.check(..)` in `open_publish` (cases "stale",
///   "future"; verified by removing it);
/// - jobs.rs `if p.expires_ms < now` (case "expired"; verified);
/// - replay of identical bytes is stopped twice, by link.rs
///   `live.replay.check` (nonce memory) and jobs.rs `seen.first_time` (jid
///   memory); verified failing only with both removed;
/// - "tampered ciphertext, re-signed" and "wrong publish key" are stopped by
///   the AEAD in crypto.rs `open` (not disabled: it is the cipher itself);
/// - "Session kind on PUB": link.rs `env.kind != Kind::Publish` and the kind
///   check of `open_sealed`.
#[test]
fn minion_runs_only_genuine_fresh_publishes() {
    let rt = runtime();
    let rogue = rt.block_on(Rogue::start());
    let minion = RogueMinion::start(&rogue, "target1");
    rogue.wait_hello(&minion);
    let dir = minion.files.clone();

    // A genuine job runs (and proves that this file's envelopes are right).
    let (ok1, ok1_file) = rt.block_on(rogue.publish_until_run(&dir, "ok1", &minion));
    std::fs::remove_file(&ok1_file).expect("remove ok1");

    let pk = rogue.pk.clone();
    let now = salt_proto::now_ms();
    let cmd = |name: &str| format!("touch {}", dir.join(name).display());
    let genuine = |name: &str, ts: u64, expires_in: i64| {
        forge(
            &rogue.keys,
            Kind::Publish,
            "master",
            "*",
            ts,
            rogue.pk_id,
            &publish_cmd(&cmd(name), expires_in),
            Some(&pk),
        )
    };
    let mut attacks: Vec<(&str, Vec<u8>)> = Vec::new();
    attacks.push(("bad signature", {
        let mut e = genuine("bad_sig", now, 60);
        e.sig[10] ^= 1;
        e.encode()
    }));
    attacks.push(("tampered ciphertext, re-signed", {
        let mut e = genuine("tampered", now, 60);
        let i = e.body.len() / 2;
        e.body[i] ^= 1;
        sign(&rogue.keys, &mut e);
        e.encode()
    }));
    attacks.push((
        "wrong publish key",
        forge(
            &rogue.keys,
            Kind::Publish,
            "master",
            "*",
            now,
            rogue.pk_id,
            &publish_cmd(&cmd("wrong_key"), 60),
            Some(&SymKey::random()),
        )
        .encode(),
    ));
    attacks.push(("signed by another key", {
        let other = NodeKeys::generate();
        forge(
            &other,
            Kind::Publish,
            "master",
            "*",
            now,
            rogue.pk_id,
            &publish_cmd(&cmd("other_key"), 60),
            Some(&pk),
        )
        .encode()
    }));
    attacks.push((
        "stale timestamp",
        genuine("stale", now - 6 * 60 * 1000, 3600).encode(),
    ));
    attacks.push((
        "future timestamp",
        genuine("future", now + 5 * 60 * 1000, 3600).encode(),
    ));
    attacks.push(("expired job", genuine("expired", now, -1).encode()));
    attacks.push((
        "Session kind on PUB",
        forge(
            &rogue.keys,
            Kind::Session,
            "master",
            "*",
            now,
            rogue.pk_id,
            &publish_cmd(&cmd("session_kind"), 60),
            Some(&pk),
        )
        .encode(),
    ));
    attacks.push(("replay of the genuine job's exact bytes", ok1.clone()));
    for (_, bytes) in &attacks {
        rt.block_on(rogue.publish_raw(bytes.clone()));
    }

    // A later genuine job runs: the minion is listening, and the forged
    // ones before it had their chance.
    let (_, ok2_file) = rt.block_on(rogue.publish_until_run(&dir, "ok2", &minion));
    assert!(ok2_file.exists());
    std::thread::sleep(Duration::from_millis(700));
    for (name, file) in [
        ("bad signature", "bad_sig"),
        ("tampered ciphertext", "tampered"),
        ("wrong publish key", "wrong_key"),
        ("signed by another key", "other_key"),
        ("stale timestamp", "stale"),
        ("future timestamp", "future"),
        ("expired job", "expired"),
        ("Session kind on PUB", "session_kind"),
    ] {
        assert!(
            !dir.join(file).exists(),
            "the minion ran a publish despite: {name}\n{}",
            minion.log()
        );
    }
    assert!(
        !ok1_file.exists(),
        "the minion ran a replayed publish\n{}",
        minion.log()
    );
}

/// A publish captured before a minion restart and replayed after it (inside
/// the 5-minute window, same publish key) is refused: the jid log
/// (crates/minion/src/seen.rs) is on disk.
#[test]
fn replayed_publish_is_refused_after_minion_restart() {
    let rt = runtime();
    let rogue = rt.block_on(Rogue::start());
    let mut minion = RogueMinion::start(&rogue, "target3");
    rogue.wait_hello(&minion);
    let dir = minion.files.clone();
    let (ok1, ok1_file) = rt.block_on(rogue.publish_until_run(&dir, "ok1", &minion));
    std::fs::remove_file(&ok1_file).expect("remove ok1");
    let hellos = rogue.hellos.load(Ordering::SeqCst);
    minion.restart();
    assert!(
        wait_until(Duration::from_secs(20), || rogue
            .hellos
            .load(Ordering::SeqCst)
            > hellos),
        "the restarted minion did not enrol again\n{}",
        minion.log()
    );
    // Let its SUB subscribe, proven by a genuine job.
    let (_, ok2_file) = rt.block_on(rogue.publish_until_run(&dir, "ok2", &minion));
    assert!(ok2_file.exists());
    rt.block_on(rogue.publish_raw(ok1));
    std::thread::sleep(Duration::from_secs(1));
    assert!(
        !ok1_file.exists(),
        "a publish captured before the restart ran again after it"
    );
}

// ---- 3. a return for another minion -------------------------------------------

/// An accepted minion (the intruder) sees every publish, so it learns the
/// jid of a job for minion1 and sends a return for it claiming to be
/// minion1, sealed and signed with its own session. The CLI must show
/// minion1's genuine return.
///
/// Guards session.rs `handle_session`: the session is found by the claimed
/// sender (`sessions.get(&id)`), must carry that session's id
/// (`s.session_id == env.key_id`) and is opened with that minion's key
/// (`open_sealed(.., &s.public, &s.key, ..)`). Verified by replacing the
/// lookup with one by `key_id` alone (identity then taken from the
/// envelope's sender): the CLI showed the forged value.
#[test]
fn return_claiming_another_minion_is_refused() {
    let lab = Lab::start(1);
    let rt = runtime();
    let master = master_public(&lab);
    let mut intruder = rt.block_on(Fake::connect(&lab, "intruder", master.clone()));
    accept_fake(&lab, &rt, &mut intruder);
    let mut sub = rt.block_on(subscribe(lab.publish_port));
    // The intruder's SUB must be subscribed before the job goes out.
    assert_sub_sees_a_job(&lab, &rt, &mut sub);

    std::thread::scope(|scope| {
        let cli = scope.spawn(|| {
            lab.salt(&[
                "minion1",
                "test.sleep",
                "3",
                "--out",
                "json",
                "--static",
                "-t",
                "20",
            ])
        });
        let s = intruder.sess.clone().expect("session");
        let job = rt
            .block_on(next_publish(&mut sub, &master, &s, "test.sleep"))
            .expect("the intruder saw the job for minion1");
        let forged = JobReturn {
            jid: job.jid,
            fun: job.fun.clone(),
            fun_args: job.arg.clone(),
            ret: json!("FORGED"),
            retcode: 0,
            success: true,
        };
        let msg = MinionRequest::Return(forged);
        let variants = [
            // The intruder's own session, claiming minion1.
            forge(
                &intruder.keys,
                Kind::Session,
                "minion1",
                "master",
                salt_proto::now_ms(),
                s.id,
                &msg,
                Some(&s.key),
            ),
            // A guessed session id, the intruder's key.
            forge(
                &intruder.keys,
                Kind::Session,
                "minion1",
                "master",
                salt_proto::now_ms(),
                s.id ^ 1,
                &msg,
                Some(&s.key),
            ),
        ];
        let replies: Vec<Reply> = variants
            .into_iter()
            .map(|env| rt.block_on(intruder.ask(env.encode(), QUIET)))
            .collect();
        let out = cli.join().expect("cli thread");
        assert_eq!(out.code, 0, "{out:?}");
        assert!(!out.stdout.contains("FORGED"), "{out:?}");
        assert_eq!(out.json()["minion1"], json!(true), "{out:?}");
        for reply in replies {
            assert!(
                matches!(reply, Reply::Nothing | Reply::Reauth(_)),
                "forged return acknowledged: {reply:?}"
            );
        }
    });
}

// ---- 4. deleted, rejected and denied keys ----------------------------------------

/// After `salt-rs-key -d minion3 -y`, minion3 cannot decrypt the next job,
/// while minion1 and minion2 keep answering without re-enrolling (they get
/// the rotated publish key over their sessions).
///
/// Guards keywatch.rs `rescan`: `rotate_publish_key(m).await` when a key
/// leaves the accepted set (verified: without it minion1 and minion2 never
/// logged "new publish key"). The real minion3 is also stopped by its own
/// link: once the master answers its heartbeat with "enrol again", it
/// leaves the session phase and no longer uses its publish key, so this
/// test alone would not catch a missing rotation; the uncooperative minion
/// of `rejected_denied_and_deleted_keys_get_no_session` does.
#[test]
fn deleted_minion_cannot_run_jobs_and_others_keep_their_sessions() {
    let lab = Lab::start(3);
    let files = lab.root().join("touched");
    std::fs::create_dir_all(&files).expect("dir");
    // `$PPID` of the job's shell is the minion; its last argument is its
    // config dir, named after its id. So each minion touches its own file.
    let cmd = |prefix: &str| {
        format!(
            "touch {}/{prefix}_$(basename \"$(tr '\\0' '\\n' < /proc/$PPID/cmdline | tail -n 1)\")",
            files.display()
        )
    };
    let out = lab.salt(&["*", "cmd.run", &cmd("before"), "--out", "json", "--static"]);
    assert_eq!(out.code, 0, "{out:?}");
    for id in ["minion1", "minion2", "minion3"] {
        assert!(
            files.join(format!("before_{id}")).exists(),
            "{id} did not run the job: {out:?}"
        );
    }

    let pki_before: Vec<_> = ["minion1", "minion2"]
        .iter()
        .map(|id| dir_contents(&lab.minion_dir(id).join("etc/salt-rs/pki/minion")))
        .collect();
    let auth_before: Vec<usize> = ["minion1", "minion2"]
        .iter()
        .map(|id| count(&lab.minion_log(id), "authenticated with the master"))
        .collect();
    assert!(auth_before.iter().all(|n| *n >= 1), "{auth_before:?}");
    let rotations = count(&lab.master_log(), "publish key rotated");

    let out = lab.key(&["-d", "minion3", "-y"]);
    assert_eq!(out.code, 0, "{out:?}");
    // Publish only once the master has seen the deletion (salt-rs-key's
    // poke is asynchronous), and give the rotation a moment; whether it
    // happened is judged by what minion3 can do, below.
    assert!(
        wait_until(Duration::from_secs(10), || lab
            .master_log()
            .contains("key no longer accepted")),
        "the master never noticed the deletion"
    );
    wait_until(Duration::from_secs(2), || {
        count(&lab.master_log(), "publish key rotated") > rotations
    });

    let out = lab.salt(&["*", "cmd.run", &cmd("after"), "--out", "json", "--static"]);
    assert_eq!(out.code, 0, "{out:?}");
    let v = out.json();
    assert!(
        v.get("minion1").is_some() && v.get("minion2").is_some(),
        "{out:?}"
    );
    assert!(v.get("minion3").is_none(), "{out:?}");
    assert!(files.join("after_minion1").exists());
    assert!(files.join("after_minion2").exists());
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        !files.join("after_minion3").exists(),
        "the deleted minion decrypted and ran the job\n{}",
        lab.minion_log("minion3")
    );

    for (i, id) in ["minion1", "minion2"].iter().enumerate() {
        assert_eq!(
            dir_contents(&lab.minion_dir(id).join("etc/salt-rs/pki/minion")),
            pki_before[i],
            "{id}'s pki changed"
        );
        let log = lab.minion_log(id);
        assert_eq!(
            count(&log, "authenticated with the master"),
            auth_before[i],
            "{id} re-enrolled after the deletion"
        );
        assert!(log.contains("new publish key"), "{id}: {log}");
    }
    // As in Salt, the deleted minion comes back as pending.
    let pre = lab
        .master_dir
        .join("etc/salt-rs/pki/master/minions_pre/minion3");
    assert!(wait_until(Duration::from_secs(15), || pre.exists()));
}

/// Key states seen by a minion that does not cooperate (it keeps every key
/// it was ever given): an accepted key gets a session and can read jobs; a
/// second key for the same id is denied; a rejected key gets no session;
/// once a key is deleted, its live session is no longer answered and the
/// jobs that follow are sealed with a publish key it does not have.
///
/// Guards keywatch.rs `sessions.remove(id)` (verified: without it the
/// deleted minion's heartbeat stayed acknowledged) and
/// `rotate_publish_key(m).await` in `rescan` (verified: without it the
/// deleted minion opened the next job), and auth.rs's `KeyState::Accepted`
/// arm being the only one that creates a session.
#[test]
fn rejected_denied_and_deleted_keys_get_no_session() {
    let lab = Lab::start(1);
    let rt = runtime();
    let master = master_public(&lab);
    let mut a = rt.block_on(Fake::connect(&lab, "fake-a", master.clone()));
    accept_fake(&lab, &rt, &mut a);
    let old = a.sess.clone().expect("session");
    let mut sub = rt.block_on(subscribe(lab.publish_port));
    let opens = |bytes: &Bytes| {
        Envelope::decode(bytes, LIMIT).is_ok_and(|e| {
            e.open_sealed::<Publish>(Kind::Publish, Some("*"), &master, &old.pk, LIMIT)
                .is_ok()
        })
    };
    let seen = assert_sub_sees_a_job(&lab, &rt, &mut sub);
    assert!(
        seen.iter().all(opens),
        "control: an accepted minion reads jobs"
    );
    let hb = |f: &Fake, seq| {
        f.session_msg("fake-a", &MinionRequest::Heartbeat { seq })
            .encode()
    };
    let r = rt.block_on(a.ask(hb(&a, 1), Duration::from_secs(3)));
    assert!(
        matches!(
            r,
            Reply::Session(MasterMessage::HeartbeatAck { seq: 1, .. })
        ),
        "{r:?}"
    );

    // Same id, another key: denied, no session.
    let mut a2 = rt.block_on(Fake::connect(&lab, "fake-a", master.clone()));
    assert_eq!(rt.block_on(a2.enroll()), Reply::Status("denied"));
    assert!(a2.sess.is_none());
    assert_eq!(key_files(&lab, "fake-a"), ["minions", "minions_denied"]);

    // Rejected: no session.
    let mut b = rt.block_on(Fake::connect(&lab, "fake-b", master.clone()));
    assert_eq!(rt.block_on(b.enroll()), Reply::Status("pending"));
    let out = lab.key(&["-r", "fake-b", "-y"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(rt.block_on(b.enroll()), Reply::Status("rejected"));
    assert!(b.sess.is_none());

    // Deleted: the live session stops working.
    let out = lab.key(&["-d", "fake-a", "-y"]);
    assert_eq!(out.code, 0, "{out:?}");
    let mut last = Reply::Nothing;
    let mut seq = 2;
    let dropped = wait_until(Duration::from_secs(8), || {
        seq += 1;
        last = rt.block_on(a.ask(hb(&a, seq), Duration::from_secs(1)));
        !matches!(last, Reply::Session(_))
    });
    assert!(dropped, "deleted key still has a session: {last:?}");
    assert!(matches!(last, Reply::Reauth(_)), "{last:?}");
    wait_until(Duration::from_secs(2), || {
        lab.master_log().contains("publish key rotated")
    });
    let seen = assert_sub_sees_a_job(&lab, &rt, &mut sub);
    assert!(
        !seen.iter().any(opens),
        "a deleted minion still reads the jobs published after its deletion"
    );
    // Nor can it return.
    let ret = MinionRequest::Return(JobReturn {
        jid: Jid::generate(),
        fun: "test.ping".into(),
        fun_args: vec![],
        ret: json!(true),
        retcode: 0,
        success: true,
    });
    let r = rt.block_on(a.ask(a.session_msg("fake-a", &ret).encode(), QUIET));
    assert!(matches!(r, Reply::Nothing | Reply::Reauth(_)), "{r:?}");
}

// ---- 5. robustness ------------------------------------------------------------

/// 1,000 random, truncated and bit-flipped messages on the request port (over
/// a DEALER and over raw TCP, including broken ZMTP framing and a frame
/// header announcing 2^60 bytes) leave the master and its minion answering,
/// and file no key. Guards session.rs `handle` (decode errors are dropped,
/// never unwrapped) and the transport's frame guard; verified by making an
/// undecodable message panic the ROUTER task (test.ping then failed).
#[test]
fn master_survives_garbage_on_the_request_port() {
    let lab = Lab::start(1);
    let rt = runtime();
    let stranger = NodeKeys::generate();
    let corpus = valid_corpus(&stranger, "fuzzed");
    let msgs: Vec<Vec<u8>> = (0..1000).map(|i| mutate(&corpus, i)).collect();

    rt.block_on(async {
        let mut d = connect_dealer(lab.ret_port).await;
        for m in &msgs[..700] {
            if d.send(Bytes::from(m.clone())).await.is_err() {
                d.reconnect().await.expect("reconnect");
            }
        }
        // Read whatever came back (signed re-auth replies at most).
        while let Ok(Some(_)) = tokio::time::timeout(QUIET, d.recv()).await {}
    });
    raw_tcp_garbage(lab.ret_port, &msgs[700..]);

    let out = lab.salt(&["*", "test.ping", "--out", "json", "--static"]);
    assert_eq!(out.code, 0, "{out:?}\n{}", lab.master_log());
    assert_eq!(out.json()["minion1"], json!(true), "{out:?}");
    assert!(key_files(&lab, "fuzzed").is_empty());
}

/// The minion's side: 1,000 random, truncated and bit-flipped publishes from
/// a rogue PUB, plus garbage on its request connection, and it still runs
/// the next genuine job and keeps its session. None of the broken publishes
/// runs. Guards link.rs `on_publish`/`on_dealer` (`Envelope::decode`
/// errors are ignored, never unwrapped).
#[test]
fn minion_survives_garbage_from_its_master() {
    let rt = runtime();
    let rogue = rt.block_on(Rogue::start());
    let minion = RogueMinion::start(&rogue, "target2");
    rogue.wait_hello(&minion);
    let dir = minion.files.clone();
    rt.block_on(rogue.publish_until_run(&dir, "warmup", &minion));

    let fuzz_cmd = format!("touch {}", dir.join("fuzz").display());
    let valid = [
        forge(
            &rogue.keys,
            Kind::Publish,
            "master",
            "*",
            salt_proto::now_ms(),
            rogue.pk_id,
            &publish_cmd(&fuzz_cmd, 60),
            Some(&rogue.pk),
        )
        .encode(),
        rogue
            .session_envelope("target2", &MasterMessage::HelloAck)
            .expect("session")
            .encode(),
    ];
    let corpus: Vec<Vec<u8>> = valid.to_vec();
    let hellos = rogue.hellos.load(Ordering::SeqCst);
    rt.block_on(async {
        for i in 0..1000 {
            rogue.publish_raw(mutate(&corpus, i)).await;
        }
        let peer = rogue.peer("target2").expect("peer");
        for i in 0..200 {
            let m = mutate(&corpus, i);
            let _ = rogue.router.send(&peer, Bytes::from(m)).await;
        }
    });
    let beats = rogue.heartbeats.load(Ordering::SeqCst);
    let (_, ok) = rt.block_on(rogue.publish_until_run(&dir, "after_fuzz", &minion));
    assert!(ok.exists());
    assert!(
        wait_until(Duration::from_secs(5), || rogue
            .heartbeats
            .load(Ordering::SeqCst)
            > beats),
        "the minion stopped heartbeating\n{}",
        minion.log()
    );
    assert_eq!(
        rogue.hellos.load(Ordering::SeqCst),
        hellos,
        "the minion had to enrol again\n{}",
        minion.log()
    );
    assert!(!dir.join("fuzz").exists(), "a broken publish ran");
}

// ---- 6. size limit -------------------------------------------------------------

/// With `max_message_size: 65536`, a 100 kB enrolment (validly signed, so it
/// would be filed if it got through) is dropped by the transport's frame
/// guard before it is buffered (master log "dropping oversized message";
/// the guard relays frames as they stream and never reserves the announced
/// length), and a frame header announcing 2^60 bytes does not take the
/// master down. The same request under the limit is filed (control).
/// Guards transport guard.rs `start_frame` (`msg_len + len > max_message`)
/// and, behind it, codec.rs `decode`'s length check; verified by raising
/// `max_message_size` to the default (the big key was then filed).
#[test]
fn oversized_messages_are_dropped_before_allocation() {
    let lab = Lab::builder()
        .minions(1)
        .master_config("max_message_size: 65536")
        .start();
    let rt = runtime();
    let master = master_public(&lab);
    let mut f = rt.block_on(Fake::connect(&lab, "small-one", master));
    let control = enroll_padded(&f.keys, "small-one", 1000);
    let r = rt.block_on(f.ask(control, Duration::from_secs(5)));
    assert!(matches!(r, Reply::Other(Kind::EnrollReply)), "{r:?}");
    assert_eq!(key_files(&lab, "small-one"), ["minions_pre"]);

    let big = enroll_padded(&f.keys, "big-one", 100_000);
    assert!(big.len() > 65536);
    let r = rt.block_on(f.ask(big, Duration::from_secs(1)));
    assert_eq!(r, Reply::Nothing);
    assert!(key_files(&lab, "big-one").is_empty());
    assert!(
        wait_until(Duration::from_secs(3), || lab
            .master_log()
            .contains("dropping oversized message")),
        "no drop logged:\n{}",
        lab.master_log()
    );

    // A frame header announcing 2^60 bytes (zeromq 0.7 alone would try to
    // allocate it and abort).
    let mut huge = zmtp_greeting_and_ready();
    huge.push(0x02);
    huge.extend_from_slice(&(1u64 << 60).to_be_bytes());
    huge.extend_from_slice(&[0x41; 4096]);
    raw_tcp_send(lab.ret_port, &huge);

    let out = lab.salt(&["*", "test.ping", "--out", "json", "--static"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json()["minion1"], json!(true));
    // The connection that sent the oversized message still works.
    let again = enroll_padded(&f.keys, "small-two", 1000);
    let r = rt.block_on(f.ask(again, Duration::from_secs(5)));
    assert!(matches!(r, Reply::Other(Kind::EnrollReply)), "{r:?}");
}

// ---- helpers: envelopes ----------------------------------------------------------

/// The header bytes the product signs and uses as associated data
/// (envelope.rs `header_bytes`), rebuilt here so that this file can sign
/// envelopes with any timestamp. The genuine cases of the tests prove the
/// two agree.
fn header(env: &Envelope) -> Vec<u8> {
    salt_proto::codec::encode(&(
        env.v,
        env.kind,
        env.sender.as_str(),
        env.recipient.as_str(),
        env.ts,
        env.nonce.as_slice(),
        env.key_id,
    ))
    .expect("header encodes")
}

fn sign(keys: &NodeKeys, env: &mut Envelope) {
    let mut b = header(env);
    b.extend_from_slice(&env.body);
    env.sig = ByteBuf::from(keys.sign(&b).to_bytes().to_vec());
}

/// An envelope with every field chosen by the caller.
#[allow(clippy::too_many_arguments)]
fn forge<T: Serialize>(
    keys: &NodeKeys,
    kind: Kind,
    sender: &str,
    recipient: &str,
    ts: u64,
    key_id: u64,
    msg: &T,
    key: Option<&SymKey>,
) -> Envelope {
    let nonce: [u8; 24] = salt_proto::random_bytes();
    let mut env = Envelope {
        v: salt_proto::PROTOCOL_VERSION,
        kind,
        sender: sender.to_owned(),
        recipient: recipient.to_owned(),
        ts,
        nonce: ByteBuf::from(nonce.to_vec()),
        key_id,
        body: ByteBuf::new(),
        sig: ByteBuf::new(),
    };
    let plain = salt_proto::codec::encode(msg).expect("encodes");
    let body = match key {
        Some(k) => crypto::seal(k, &nonce, &header(&env), &plain),
        None => plain,
    };
    env.body = ByteBuf::from(body);
    sign(keys, &mut env);
    env
}

fn enroll_body(keys: &NodeKeys, id: &str) -> (ClearRequest, StaticSecret) {
    let eph = StaticSecret::from(salt_proto::random_bytes::<32>());
    let req = ClearRequest::Enroll(EnrollRequest {
        id: MinionId::parse(id).expect("id"),
        public_pem: keys.public().to_pem(),
        ephemeral: ByteBuf::from(DhPublic::from(&eph).as_bytes().to_vec()),
    });
    (req, eph)
}

/// A valid, self-signed enrolment request.
fn enroll_request(keys: &NodeKeys, id: &str) -> (Envelope, StaticSecret) {
    let (req, eph) = enroll_body(keys, id);
    let env = Envelope::clear(keys, Kind::Enroll, id, "master", &req).expect("encodes");
    (env, eph)
}

/// A validly signed enrolment whose ephemeral key field is `pad` bytes long.
fn enroll_padded(keys: &NodeKeys, id: &str, pad: usize) -> Vec<u8> {
    let req = ClearRequest::Enroll(EnrollRequest {
        id: MinionId::parse(id).expect("id"),
        public_pem: keys.public().to_pem(),
        ephemeral: ByteBuf::from(vec![7u8; pad]),
    });
    Envelope::clear(keys, Kind::Enroll, id, "master", &req)
        .expect("encodes")
        .encode()
}

/// A `cmd.run` job for every minion, expiring `expires_in` seconds from now.
fn publish_cmd(cmd: &str, expires_in: i64) -> Publish {
    let now = salt_proto::now_ms() as i64;
    Publish {
        jid: Jid::generate(),
        target: Target::new("*", TargetType::Glob),
        fun: "cmd.run".into(),
        arg: vec![json!(cmd)],
        kwarg: Map::new(),
        user: "root".into(),
        expires_ms: (now + expires_in * 1000).max(0) as u64,
    }
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Valid envelopes of every kind, to truncate and flip.
fn valid_corpus(keys: &NodeKeys, id: &str) -> Vec<Vec<u8>> {
    let key = SymKey::random();
    vec![
        enroll_request(keys, id).0.encode(),
        forge(
            keys,
            Kind::Session,
            id,
            "master",
            salt_proto::now_ms(),
            1,
            &MinionRequest::Heartbeat { seq: 1 },
            Some(&key),
        )
        .encode(),
        forge(
            keys,
            Kind::Publish,
            "master",
            "*",
            salt_proto::now_ms(),
            1,
            &publish_cmd("true", 60),
            Some(&key),
        )
        .encode(),
    ]
}

/// Message `i` of a fuzz run: random bytes (length 0..4096), a strict
/// truncation of a valid envelope, or a valid envelope with flipped bytes.
fn mutate(corpus: &[Vec<u8>], i: usize) -> Vec<u8> {
    let base = &corpus[i % corpus.len()];
    match i % 3 {
        0 => {
            let n = fastrand::usize(0..4096);
            (0..n).map(|_| fastrand::u8(..)).collect()
        }
        1 => base[..fastrand::usize(0..base.len())].to_vec(),
        _ => {
            let mut m = base.clone();
            for _ in 0..fastrand::usize(1..4) {
                let at = fastrand::usize(0..m.len());
                m[at] ^= 1 << fastrand::u8(0..8);
            }
            if m == *base {
                // Two flips of the same bit: not a mutation; truncate instead.
                m.pop();
            }
            m
        }
    }
}

// ---- helpers: raw TCP -----------------------------------------------------------

fn zmtp_greeting_and_ready() -> Vec<u8> {
    let mut g = vec![0u8; 64];
    g[0] = 0xff;
    g[9] = 0x7f;
    g[10] = 3;
    g[12..16].copy_from_slice(b"NULL");
    let mut body = vec![5u8];
    body.extend_from_slice(b"READY");
    body.extend_from_slice(&[11]);
    body.extend_from_slice(b"Socket-Type");
    body.extend_from_slice(&6u32.to_be_bytes());
    body.extend_from_slice(b"DEALER");
    g.push(0x04);
    g.push(body.len() as u8);
    g.extend_from_slice(&body);
    g
}

fn raw_tcp_send(port: u16, bytes: &[u8]) {
    if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
        let _ = s.set_write_timeout(Some(Duration::from_secs(1)));
        let _ = s.write_all(bytes);
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Sends `msgs` over raw TCP: plain garbage, and garbage framed as ZMTP
/// after a valid greeting (so it gets past the greeting check).
fn raw_tcp_garbage(port: u16, msgs: &[Vec<u8>]) {
    for (i, chunk) in msgs.chunks(4).enumerate() {
        let mut stream = if i % 2 == 0 {
            Vec::new()
        } else {
            zmtp_greeting_and_ready()
        };
        for m in chunk {
            if i % 2 == 1 && m.len() < 256 {
                stream.push(0);
                stream.push(m.len() as u8);
            } else if i % 2 == 1 {
                stream.push(2);
                stream.extend_from_slice(&(m.len() as u64).to_be_bytes());
            }
            stream.extend_from_slice(m);
        }
        raw_tcp_send(port, &stream);
    }
}

// ---- helpers: the lab side --------------------------------------------------------

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

fn limits() -> Limits {
    Limits {
        max_message: 4 << 20,
        send_timeout: Duration::from_secs(2),
        queue: 4096,
    }
}

fn backoff() -> Backoff {
    Backoff {
        initial: Duration::from_millis(50),
        max: Duration::from_millis(500),
        randomize: false,
    }
}

async fn connect_dealer(port: u16) -> Dealer {
    tokio::time::timeout(
        Duration::from_secs(10),
        Dealer::connect(&format!("tcp://127.0.0.1:{port}"), limits(), backoff()),
    )
    .await
    .expect("dealer connects in time")
    .expect("dealer")
}

async fn subscribe(port: u16) -> Subscriber {
    Subscriber::connect_with_backoff(&format!("tcp://127.0.0.1:{port}"), limits(), backoff())
        .await
        .expect("subscriber")
}

async fn drain_sub(sub: &mut Subscriber, wait: Duration) -> Vec<Bytes> {
    let mut seen = Vec::new();
    while let Ok(Some(b)) = tokio::time::timeout(wait, sub.recv()).await {
        seen.push(b);
    }
    seen
}

/// Publishes test.ping to minion1 until `sub` sees a message (PUB drops
/// what is sent before the subscription is in place); returns what it saw.
fn assert_sub_sees_a_job(
    lab: &Lab,
    rt: &tokio::runtime::Runtime,
    sub: &mut Subscriber,
) -> Vec<Bytes> {
    rt.block_on(drain_sub(sub, Duration::from_millis(50)));
    for _ in 0..20 {
        let out = lab.salt(&["minion1", "test.ping", "--out", "json", "--static"]);
        assert_eq!(out.code, 0, "{out:?}");
        let seen = rt.block_on(drain_sub(sub, Duration::from_millis(300)));
        if !seen.is_empty() {
            return seen;
        }
    }
    panic!("the SUB socket never saw a publish");
}

/// The next publish of `fun` that `sub` sees, opened with the intruder's
/// copy of the publish key.
async fn next_publish(
    sub: &mut Subscriber,
    master: &PublicKeys,
    s: &Sess,
    fun: &str,
) -> Option<Publish> {
    let end = tokio::time::Instant::now() + Duration::from_secs(10);
    while let Ok(Some(b)) = tokio::time::timeout_at(end, sub.recv()).await {
        let Ok(env) = Envelope::decode(&b, LIMIT) else {
            continue;
        };
        if let Ok(p) = env.open_sealed::<Publish>(Kind::Publish, Some("*"), master, &s.pk, LIMIT)
            && p.fun == fun
        {
            return Some(p.into_inner());
        }
    }
    None
}

fn master_public(lab: &Lab) -> PublicKeys {
    PublicKeys::read(&lab.master_dir.join("etc/salt-rs/pki/master/master.pub")).expect("master.pub")
}

/// The key-state directories of the master that hold a key for `id`.
fn key_files(lab: &Lab, id: &str) -> Vec<&'static str> {
    let pki = lab.master_dir.join("etc/salt-rs/pki/master");
    [
        "minions",
        "minions_pre",
        "minions_rejected",
        "minions_denied",
    ]
    .into_iter()
    .filter(|d| pki.join(d).join(id).exists())
    .collect()
}

/// Enrols `f` (pending), accepts it with salt-rs-key, enrols again.
fn accept_fake(lab: &Lab, rt: &tokio::runtime::Runtime, f: &mut Fake) {
    assert_eq!(rt.block_on(f.enroll()), Reply::Status("pending"));
    let out = lab.key(&["-a", &f.id, "-y"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(rt.block_on(f.enroll()), Reply::Status("accepted"));
}

fn dir_contents(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut m = BTreeMap::new();
    for e in std::fs::read_dir(dir).expect("pki dir").flatten() {
        m.insert(
            e.file_name().to_string_lossy().into_owned(),
            std::fs::read(e.path()).unwrap_or_default(),
        );
    }
    m
}

fn count(text: &str, needle: &str) -> usize {
    text.matches(needle).count()
}

// ---- the fake minion ----------------------------------------------------------------

/// A session as the fake minion holds it.
#[derive(Clone)]
struct Sess {
    id: u64,
    key: SymKey,
    pk_id: u64,
    pk: SymKey,
}

/// What came back for one request.
#[derive(Debug, PartialEq)]
#[allow(clippy::large_enum_variant)]
enum Reply {
    /// No answer within the wait.
    Nothing,
    /// A master-signed "enrol again".
    Reauth(String),
    /// A master-signed enrolment status.
    Status(&'static str),
    /// A message of our own session.
    Session(MasterMessage),
    /// Anything else, by kind (including an enrolment reply for another id).
    Other(Kind),
    /// Bytes that are not an envelope.
    Garbage,
}

struct Fake {
    id: String,
    keys: NodeKeys,
    dealer: Dealer,
    master: PublicKeys,
    sess: Option<Sess>,
}

impl Fake {
    async fn connect(lab: &Lab, id: &str, master: PublicKeys) -> Fake {
        Fake {
            id: id.to_owned(),
            keys: NodeKeys::generate(),
            dealer: connect_dealer(lab.ret_port).await,
            master,
            sess: None,
        }
    }

    /// Sends raw bytes and classifies the first reply within `wait`.
    async fn ask(&mut self, bytes: Vec<u8>, wait: Duration) -> Reply {
        while let Ok(Some(_)) =
            tokio::time::timeout(Duration::from_millis(1), self.dealer.recv()).await
        {}
        self.dealer.send(Bytes::from(bytes)).await.expect("send");
        match tokio::time::timeout(wait, self.dealer.recv()).await {
            Ok(Some(b)) => self.classify(&b),
            _ => Reply::Nothing,
        }
    }

    fn classify(&self, bytes: &[u8]) -> Reply {
        let Ok(env) = Envelope::decode(bytes, LIMIT) else {
            return Reply::Garbage;
        };
        if env.kind == Kind::Session
            && let Some(s) = &self.sess
            && let Ok(v) = env.open_sealed::<MasterMessage>(
                Kind::Session,
                Some(&self.id),
                &self.master,
                &s.key,
                LIMIT,
            )
        {
            return Reply::Session(v.into_inner());
        }
        // Any recipient: the master re-auths whatever id a request named.
        if env.kind == Kind::EnrollReply
            && let Ok(v) =
                env.open_clear::<ClearReply>(Kind::EnrollReply, None, &self.master, LIMIT)
            && let ClearReply::Reauth { reason } = v.into_inner()
        {
            return Reply::Reauth(reason);
        }
        Reply::Other(env.kind)
    }

    /// Enrols; on acceptance derives the session like a minion does.
    async fn enroll(&mut self) -> Reply {
        let (env, eph) = enroll_request(&self.keys, &self.id);
        let nonce = env.nonce_array();
        while let Ok(Some(_)) =
            tokio::time::timeout(Duration::from_millis(1), self.dealer.recv()).await
        {}
        self.dealer
            .send(Bytes::from(env.encode()))
            .await
            .expect("send");
        let Ok(Some(b)) = tokio::time::timeout(Duration::from_secs(5), self.dealer.recv()).await
        else {
            return Reply::Nothing;
        };
        let env = Envelope::decode(&b, LIMIT).expect("reply decodes");
        let reply = env
            .open_clear::<ClearReply>(Kind::EnrollReply, Some(&self.id), &self.master, LIMIT)
            .expect("reply signed by the master")
            .into_inner();
        let ClearReply::Enroll(r) = reply else {
            return Reply::Other(Kind::EnrollReply);
        };
        assert_eq!(r.request_nonce.as_slice(), &nonce);
        Reply::Status(match r.status {
            EnrollStatus::Pending => "pending",
            EnrollStatus::Rejected => "rejected",
            EnrollStatus::Denied => "denied",
            EnrollStatus::Accepted(g) => {
                let their: [u8; 32] = g.ephemeral.as_slice().try_into().expect("ephemeral");
                let key = crypto::derive_session_key(
                    &eph,
                    &DhPublic::from(their),
                    &self.keys.dh,
                    &self.master.dh,
                    &nonce,
                    &self.id,
                    g.session_id,
                );
                let n: [u8; 24] = g.publish_key_nonce.as_slice().try_into().expect("nonce");
                let pk = crypto::open(&key, &n, PUBLISH_KEY_AAD, &g.publish_key).expect("pk");
                self.sess = Some(Sess {
                    id: g.session_id,
                    key,
                    pk_id: g.publish_key_id,
                    pk: SymKey(pk.as_slice().try_into().expect("32 bytes")),
                });
                "accepted"
            }
        })
    }

    /// A message of our own session, claiming to come from `sender`.
    fn session_msg(&self, sender: &str, msg: &MinionRequest) -> Envelope {
        let s = self.sess.as_ref().expect("a session");
        forge(
            &self.keys,
            Kind::Session,
            sender,
            "master",
            salt_proto::now_ms(),
            s.id,
            msg,
            Some(&s.key),
        )
    }
}

// ---- the rogue master -----------------------------------------------------------------

struct RogueSession {
    id: u64,
    key: SymKey,
    public: PublicKeys,
    peer: PeerId,
}

/// A master written here: accepts every key, answers hellos and heartbeats,
/// and publishes whatever the test hands it.
struct Rogue {
    keys: Arc<NodeKeys>,
    pk_id: u64,
    pk: SymKey,
    publisher: Publisher,
    router: Router,
    publish_port: u16,
    ret_port: u16,
    sessions: Arc<Mutex<HashMap<String, RogueSession>>>,
    hellos: Arc<AtomicUsize>,
    heartbeats: Arc<AtomicUsize>,
}

impl Rogue {
    async fn start() -> Rogue {
        let publish_port = free_port();
        let ret_port = free_port();
        let publisher = Publisher::bind(&format!("tcp://127.0.0.1:{publish_port}"), limits())
            .await
            .expect("rogue PUB");
        let (router, rx) = Router::bind(&format!("tcp://127.0.0.1:{ret_port}"), limits())
            .await
            .expect("rogue ROUTER");
        let rogue = Rogue {
            keys: Arc::new(NodeKeys::generate()),
            pk_id: 42,
            pk: SymKey::random(),
            publisher,
            router,
            publish_port,
            ret_port,
            sessions: Arc::default(),
            hellos: Arc::default(),
            heartbeats: Arc::default(),
        };
        tokio::spawn(rogue_serve(
            rogue.keys.clone(),
            rogue.pk_id,
            rogue.pk.clone(),
            rogue.router.clone(),
            rx,
            rogue.sessions.clone(),
            rogue.hellos.clone(),
            rogue.heartbeats.clone(),
        ));
        rogue
    }

    fn peer(&self, id: &str) -> Option<PeerId> {
        self.sessions
            .lock()
            .unwrap()
            .get(id)
            .map(|s| s.peer.clone())
    }

    fn session_envelope(&self, id: &str, msg: &MasterMessage) -> Option<Envelope> {
        let sessions = self.sessions.lock().unwrap();
        let s = sessions.get(id)?;
        Envelope::sealed(&self.keys, Kind::Session, "master", id, s.id, &s.key, msg).ok()
    }

    async fn publish_raw(&self, bytes: Vec<u8>) {
        self.publisher
            .publish(Bytes::from(bytes))
            .await
            .expect("rogue publish");
    }

    /// Publishes genuine `touch <dir>/<name>_<n>` jobs until one runs;
    /// returns the bytes of the one that ran and its file.
    async fn publish_until_run(
        &self,
        dir: &Path,
        name: &str,
        minion: &RogueMinion,
    ) -> (Vec<u8>, PathBuf) {
        for n in 0..20 {
            let file = dir.join(format!("{name}_{n}"));
            let env = forge(
                &self.keys,
                Kind::Publish,
                "master",
                "*",
                salt_proto::now_ms(),
                self.pk_id,
                &publish_cmd(&format!("touch {}", file.display()), 3600),
                Some(&self.pk),
            );
            let bytes = env.encode();
            self.publish_raw(bytes.clone()).await;
            let end = tokio::time::Instant::now() + Duration::from_millis(700);
            while tokio::time::Instant::now() < end {
                if file.exists() {
                    return (bytes, file);
                }
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
        }
        panic!(
            "the minion never ran a genuine job {name}\n{}",
            minion.log()
        );
    }

    fn wait_hello(&self, minion: &RogueMinion) {
        assert!(
            wait_until(Duration::from_secs(20), || self
                .hellos
                .load(Ordering::SeqCst)
                > 0),
            "the minion never said hello to the rogue master\n{}",
            minion.log()
        );
    }
}

#[allow(clippy::too_many_arguments)]
async fn rogue_serve(
    keys: Arc<NodeKeys>,
    pk_id: u64,
    pk: SymKey,
    router: Router,
    mut rx: RouterRx,
    sessions: Arc<Mutex<HashMap<String, RogueSession>>>,
    hellos: Arc<AtomicUsize>,
    heartbeats: Arc<AtomicUsize>,
) {
    while let Some((peer, bytes)) = rx.recv().await {
        let Ok(env) = Envelope::decode(&bytes, LIMIT) else {
            continue;
        };
        let reply = match env.kind {
            Kind::Enroll => rogue_enroll(&keys, pk_id, &pk, &env, &peer, &sessions),
            Kind::Session => {
                let sessions_ref = &sessions;
                let opened = {
                    let s = sessions_ref.lock().unwrap();
                    s.get(&env.sender).and_then(|s| {
                        env.open_sealed::<MinionRequest>(
                            Kind::Session,
                            Some("master"),
                            &s.public,
                            &s.key,
                            LIMIT,
                        )
                        .ok()
                    })
                };
                let Some(req) = opened else { continue };
                let msg = match req.into_inner() {
                    MinionRequest::Hello { .. } => {
                        hellos.fetch_add(1, Ordering::SeqCst);
                        MasterMessage::HelloAck
                    }
                    MinionRequest::Heartbeat { seq } => {
                        heartbeats.fetch_add(1, Ordering::SeqCst);
                        MasterMessage::HeartbeatAck {
                            seq,
                            publish_key_id: pk_id,
                        }
                    }
                    MinionRequest::Return(r) => MasterMessage::ReturnAck { jid: r.jid },
                    MinionRequest::GetPublishKey => MasterMessage::PublishKey {
                        key_id: pk_id,
                        key: ByteBuf::from(pk.0.to_vec()),
                    },
                    MinionRequest::JobAck { .. }
                    | MinionRequest::Event { .. }
                    | MinionRequest::Ask { .. } => continue,
                };
                let s = sessions.lock().unwrap();
                s.get(&env.sender).and_then(|s| {
                    Envelope::sealed(
                        &keys,
                        Kind::Session,
                        "master",
                        &env.sender,
                        s.id,
                        &s.key,
                        &msg,
                    )
                    .ok()
                })
            }
            _ => None,
        };
        if let Some(reply) = reply {
            let _ = router.send(&peer, Bytes::from(reply.encode())).await;
        }
    }
}

/// Accepts any self-signed enrolment, like a master with auto_accept.
fn rogue_enroll(
    keys: &NodeKeys,
    pk_id: u64,
    pk: &SymKey,
    env: &Envelope,
    peer: &PeerId,
    sessions: &Mutex<HashMap<String, RogueSession>>,
) -> Option<Envelope> {
    let ClearRequest::Enroll(req) = env.peek_clear::<ClearRequest>(Kind::Enroll, LIMIT).ok()?;
    let public = PublicKeys::from_pem(&req.public_pem, "minion key").ok()?;
    let v = env
        .open_clear::<ClearRequest>(Kind::Enroll, Some("master"), &public, LIMIT)
        .ok()?;
    let their: [u8; 32] = req.ephemeral.as_slice().try_into().ok()?;
    let eph = StaticSecret::from(salt_proto::random_bytes::<32>());
    let session_id = fastrand::u64(..);
    let key = crypto::derive_session_key(
        &eph,
        &DhPublic::from(their),
        &keys.dh,
        &public.dh,
        v.nonce(),
        req.id.as_str(),
        session_id,
    );
    let n = salt_proto::random_bytes::<24>();
    let grant = SessionGrant {
        session_id,
        ephemeral: ByteBuf::from(DhPublic::from(&eph).as_bytes().to_vec()),
        publish_key_id: pk_id,
        publish_key: ByteBuf::from(crypto::seal(&key, &n, PUBLISH_KEY_AAD, &pk.0)),
        publish_key_nonce: ByteBuf::from(n.to_vec()),
    };
    sessions.lock().unwrap().insert(
        req.id.to_string(),
        RogueSession {
            id: session_id,
            key,
            public,
            peer: peer.clone(),
        },
    );
    let reply = ClearReply::Enroll(EnrollReply {
        request_nonce: ByteBuf::from(v.nonce().to_vec()),
        master_public_pem: keys.public().to_pem(),
        status: EnrollStatus::Accepted(grant),
    });
    Envelope::clear(keys, Kind::EnrollReply, "master", req.id.as_str(), &reply).ok()
}

/// A real salt-rs-minion pointed at a [`Rogue`], with the rogue's key
/// pinned beforehand. Killed on drop.
struct RogueMinion {
    _dir: tempfile::TempDir,
    root: PathBuf,
    files: PathBuf,
    child: Option<Child>,
}

impl RogueMinion {
    fn start(rogue: &Rogue, id: &str) -> RogueMinion {
        let dir = tempfile::Builder::new()
            .prefix("salt-rs-rogue")
            .tempdir()
            .expect("temp dir");
        let root = dir.path().to_path_buf();
        let files = root.join("files");
        std::fs::create_dir_all(&files).expect("files dir");
        let pki = root.join("etc/salt-rs/pki/minion");
        std::fs::create_dir_all(&pki).expect("pki dir");
        std::fs::write(pki.join("minion_master.pub"), rogue.keys.public().to_pem()).expect("pin");
        let cfg = format!(
            "root_dir: {root}\nid: {id}\nmaster: 127.0.0.1\nmaster_port: {r}\npublish_port: {p}\nacceptance_wait_time: 1\nrecon_default: 100\nrecon_max: 1000\nheartbeat_interval: 1\nlog_level: debug\n",
            root = root.display(),
            r = rogue.ret_port,
            p = rogue.publish_port,
        );
        std::fs::write(root.join("minion"), cfg).expect("minion config");
        let mut m = RogueMinion {
            _dir: dir,
            root,
            files,
            child: None,
        };
        m.spawn();
        m
    }

    fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.root.join("minion.log"))
            .expect("log");
        let child = Command::new(bin("salt-rs-minion"))
            .arg("-c")
            .arg(&self.root)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("spawn salt-rs-minion");
        self.child = Some(child);
    }

    fn restart(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        self.spawn();
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.root.join("minion.log")).unwrap_or_default()
    }
}

impl Drop for RogueMinion {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}
