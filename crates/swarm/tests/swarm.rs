//! The swarm against a real master process: every instance enrols with its
//! own key, and all of them come back after the master is killed and
//! started again.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use clap::Parser;
use salt_testkit::Lab;
use tokio_util::sync::CancellationToken;

async fn wait_for(what: &str, timeout: Duration, f: impl Fn() -> bool) {
    let end = Instant::now() + timeout;
    while !f() {
        assert!(Instant::now() < end, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_swarm_enrols_and_survives_a_master_restart() {
    let mut lab = Lab::builder()
        .minions(0)
        .master_config("auto_accept: True\n")
        .start();
    let root = lab.root().join("swarm");
    let args = salt_swarm::Args::try_parse_from([
        "salt-rs-swarm".to_owned(),
        "--master-port".to_owned(),
        lab.ret_port.to_string(),
        "--publish-port".to_owned(),
        lab.publish_port.to_string(),
        "--count".to_owned(),
        "5".to_owned(),
        "--root".to_owned(),
        root.display().to_string(),
        "--prefix".to_owned(),
        "sw".to_owned(),
        "--heartbeat-interval".to_owned(),
        "1".to_owned(),
        "--acceptance-wait-time".to_owned(),
        "1".to_owned(),
    ])
    .unwrap();
    let stats = Arc::new(salt_minion::Stats::default());
    let shutdown = CancellationToken::new();
    let swarm = tokio::spawn(salt_swarm::run(args, shutdown.clone(), stats.clone()));

    let s = stats.clone();
    wait_for("5 sessions", Duration::from_secs(60), move || {
        s.authenticated.load(Ordering::Relaxed) == 5
    })
    .await;
    // Each instance has its own key, and the master accepted all five.
    let accepted = lab.master_dir.join("etc/salt-rs/pki/master/minions");
    for n in 1..=5 {
        assert!(root.join(format!("sw{n}/etc/salt-rs/pki/minion")).is_dir());
        assert!(
            accepted.join(format!("sw{n}")).is_file(),
            "sw{n} not accepted"
        );
    }

    lab.kill_master();
    lab.start_master();
    let s = stats.clone();
    wait_for("5 new sessions", Duration::from_secs(60), move || {
        s.authenticated.load(Ordering::Relaxed) == 5 && s.sessions.load(Ordering::Relaxed) >= 10
    })
    .await;
    assert_eq!(stats.started.load(Ordering::Relaxed), 5);

    shutdown.cancel();
    let done = tokio::time::timeout(Duration::from_secs(30), swarm).await;
    assert!(matches!(done, Ok(Ok(Ok(())))), "swarm did not stop cleanly");
    assert_eq!(stats.authenticated.load(Ordering::Relaxed), 0);
}
