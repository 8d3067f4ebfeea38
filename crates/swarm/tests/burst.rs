//! kill -9 of the master in the middle of a burst of 1,000 returns
//! (100 minions x 10 jobs whose returns arrive in waves) loses no return the
//! master acknowledged: every acknowledged return is in the job cache when
//! the master comes back, and once the minions reconnect, their outboxes
//! deliver the rest, so all 1,000 are there and every outbox is empty.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use clap::Parser;
use salt_testkit::Lab;
use tokio_util::sync::CancellationToken;

const MINIONS: u32 = 100;
const JOBS: usize = 10;

async fn wait_for(what: &str, timeout: Duration, mut f: impl FnMut() -> bool) {
    let end = Instant::now() + timeout;
    while !f() {
        assert!(Instant::now() < end, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn swarm_args(lab: &Lab, root: &Path) -> salt_swarm::Args {
    salt_swarm::Args::try_parse_from([
        "salt-rs-swarm".to_owned(),
        "--master-port".to_owned(),
        lab.ret_port.to_string(),
        "--publish-port".to_owned(),
        lab.publish_port.to_string(),
        "--count".to_owned(),
        MINIONS.to_string(),
        "--root".to_owned(),
        root.display().to_string(),
        "--prefix".to_owned(),
        "b".to_owned(),
        "--heartbeat-interval".to_owned(),
        "1".to_owned(),
        "--acceptance-wait-time".to_owned(),
        "1".to_owned(),
        "--log-level".to_owned(),
        std::env::var("BURST_LOG").unwrap_or_else(|_| "warn".into()),
    ])
    .unwrap()
}

/// Returns of `jid` in the job cache, by `jobs.lookup_jid`.
fn cached_returns(lab: &Lab, jid: &str) -> usize {
    let out = lab.run(&["jobs.lookup_jid", jid, "--out", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    out.json().as_object().map_or(0, |m| m.len())
}

/// Files left in the minions' return outboxes.
fn queued(root: &Path) -> usize {
    let mut n = 0;
    for m in std::fs::read_dir(root).unwrap().flatten() {
        let outbox = m.path().join("var/cache/salt-rs/minion/outbox");
        let Ok(masters) = std::fs::read_dir(&outbox) else {
            continue;
        };
        for d in masters.flatten() {
            n += std::fs::read_dir(d.path()).map_or(0, |f| f.count());
        }
    }
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_a_burst_loses_no_acknowledged_return() {
    let mut lab = Lab::builder()
        .minions(0)
        .master_config("auto_accept: True\n")
        .start();
    let root = lab.root().join("swarm");
    let stats = Arc::new(salt_minion::Stats::default());
    let shutdown = CancellationToken::new();
    let swarm = tokio::spawn(salt_swarm::run(
        swarm_args(&lab, &root),
        shutdown.clone(),
        stats.clone(),
    ));
    let s = stats.clone();
    wait_for("all minions up", Duration::from_secs(120), move || {
        s.authenticated.load(Ordering::Relaxed) == MINIONS as usize
    })
    .await;
    // Every minion must be answering before the burst.
    let out = lab.salt(&["b*", "test.ping", "--out", "json", "--static", "-t", "20"]);
    assert_eq!(
        out.json().as_object().map(|m| m.len()),
        Some(MINIONS as usize)
    );

    // The ping's 100 returns are acknowledged once committed, maybe after
    // the CLI printed them: wait for those before counting the burst's.
    let s = stats.clone();
    wait_for(
        "the ping's acknowledgements",
        Duration::from_secs(30),
        move || s.returns_acked.load(Ordering::Relaxed) == u64::from(MINIONS),
    )
    .await;
    // Ten jobs; job k's returns arrive about 0.3 * k seconds later.
    let acked_before = stats.returns_acked.load(Ordering::Relaxed);
    let mut jids = Vec::new();
    for k in 0..JOBS {
        let secs = format!("{:.1}", 0.3 * k as f64);
        let out = lab.salt(&["b*", "test.sleep", &secs, "--async"]);
        assert_eq!(out.code, 0, "{out:?}");
        let jid = out.stdout.trim().rsplit(' ').next().unwrap().to_owned();
        jids.push(jid);
    }
    // Mid-burst: some returns acknowledged, most not.
    let s = stats.clone();
    wait_for(
        "the first acknowledgements",
        Duration::from_secs(30),
        move || s.returns_acked.load(Ordering::Relaxed) - acked_before >= 150,
    )
    .await;
    lab.kill_master();
    // Acknowledgements the master wrote before it died may still be in
    // flight; then stop the swarm so nothing changes any more.
    tokio::time::sleep(Duration::from_secs(1)).await;
    shutdown.cancel();
    let done = tokio::time::timeout(Duration::from_secs(60), swarm).await;
    assert!(matches!(done, Ok(Ok(Ok(())))), "swarm did not stop cleanly");
    let acked = (stats.returns_acked.load(Ordering::Relaxed) - acked_before) as usize;
    let total = MINIONS as usize * JOBS;
    assert!(
        acked < total,
        "the kill came too late to test anything ({acked} acked)"
    );
    eprintln!("{acked} of {total} returns acknowledged before kill -9");

    // The master comes back alone: every acknowledged return is there.
    lab.start_master();
    let cached: usize = jids.iter().map(|j| cached_returns(&lab, j)).sum();
    assert!(
        cached >= acked,
        "{acked} returns were acknowledged but only {cached} are in the job cache"
    );
    assert!(
        queued(&root) > 0,
        "unacknowledged returns wait in the outboxes"
    );

    // The minions come back: their outboxes deliver everything else.
    let stats = Arc::new(salt_minion::Stats::default());
    let shutdown = CancellationToken::new();
    let swarm = tokio::spawn(salt_swarm::run(
        swarm_args(&lab, &root),
        shutdown.clone(),
        stats.clone(),
    ));
    let mut last = 0;
    wait_for(
        "every return in the job cache",
        Duration::from_secs(120),
        || {
            last = jids.iter().map(|j| cached_returns(&lab, j)).sum();
            last == total
        },
    )
    .await;
    wait_for("empty outboxes", Duration::from_secs(30), || {
        queued(&root) == 0
    })
    .await;
    eprintln!("after the restart: {last} returns in the job cache");
    shutdown.cancel();
    let _ = tokio::time::timeout(Duration::from_secs(60), swarm).await;
}
