//! The salt-rs master as a library: [`run`] binds the publish (PUB) and
//! request (ROUTER) sockets and the local client socket, then serves until
//! the shutdown token is cancelled.
//!
//! Where things live:
//! - [`auth`]: enrolment (clear channel), session creation.
//! - [`delivery`]: acknowledged delivery (re-sends, catch-up on reconnect,
//!   job status).
//! - [`events`]: the event bus (`salt-rs-run state.event`).
//! - [`session`]: requests from enrolled minions (hello, heartbeat, returns).
//! - [`publish`]: turning a client's request into a signed, encrypted publish.
//! - [`clients`]: the Unix socket for salt-rs, salt-rs-run, salt-rs-key.
//! - [`keywatch`]: key-state changes, publish-key rotation.
//! - [`queries`]: questions minions ask during a job (their pillar), with
//!   `salt_exec::pillar_host` for `salt[...]` in pillar templates.
//! - [`presence`]: who is up, from heartbeats; the `manage.*` runners.
//! - [`state`]: the shared state those pieces work on.
//! - [`runner_call`]: the closed list of `salt-rs-run` functions, parsed once.
//! - [`runners`]: `salt-rs-run` functions answered from the job cache.
//!
//! [`run`] also purges the job cache hourly per `keep_jobs`.

#![forbid(unsafe_code)]

pub mod auth;
pub mod clients;
pub mod delivery;
pub mod events;
pub mod keywatch;
pub mod presence;
pub mod publish;
pub mod queries;
pub mod runner_call;
pub mod runners;
pub mod session;
pub mod state;

use std::sync::Arc;

use anyhow::Context;
use salt_config::MasterConfig;
use tokio_util::sync::CancellationToken;

pub use state::Master;

/// Runs the master until `shutdown` is cancelled.
pub async fn run(cfg: MasterConfig, shutdown: CancellationToken) -> anyhow::Result<()> {
    let limits = salt_transport::Limits {
        max_message: cfg.max_message_size,
        send_timeout: std::time::Duration::from_secs(2),
        queue: 10_000,
    };
    let pub_ep = format!("tcp://{}:{}", cfg.interface, cfg.publish_port);
    let ret_ep = format!("tcp://{}:{}", cfg.interface, cfg.ret_port);
    let publisher = salt_transport::Publisher::bind(&pub_ep, limits.clone())
        .await
        .with_context(|| format!("cannot bind the publish port {pub_ep}"))?;
    let (router, router_rx) = salt_transport::Router::bind(&ret_ep, limits)
        .await
        .with_context(|| format!("cannot bind the request port {ret_ep}"))?;
    tracing::info!(
        publish = %publisher.local_endpoint(),
        requests = %router.local_endpoint(),
        "master listening"
    );
    let master = Arc::new(Master::new(cfg, publisher, router)?);
    match delivery::restore(&master) {
        Ok(0) => {}
        Ok(n) => tracing::info!(jobs = n, "unfinished jobs taken back from the job cache"),
        Err(e) => tracing::warn!(error = %e, "cannot read unfinished jobs from the job cache"),
    }
    let listener = clients::bind(&master.cfg.sock_path())?;
    let tasks = tokio_util::task::TaskTracker::new();
    tasks.spawn(session::serve_router(
        master.clone(),
        router_rx,
        shutdown.clone(),
    ));
    tasks.spawn(clients::serve(master.clone(), listener, shutdown.clone()));
    tasks.spawn(keywatch::watch(master.clone(), shutdown.clone()));
    tasks.spawn(purge_jobs(master.clone(), shutdown.clone()));
    tasks.spawn(delivery::resend(master.clone(), shutdown.clone()));
    tasks.spawn(presence::watch(master.clone(), shutdown.clone()));
    tasks.close();
    shutdown.cancelled().await;
    tracing::info!("master shutting down");
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), tasks.wait()).await;
    let _ = std::fs::remove_file(master.cfg.sock_path());
    Ok(())
}

/// Applies `keep_jobs` at start and then every hour.
async fn purge_jobs(m: std::sync::Arc<Master>, shutdown: CancellationToken) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = every.tick() => {}
        }
        let Some(cutoff) =
            salt_jobs::retention_cutoff(m.cfg.keep_jobs, time::OffsetDateTime::now_utc())
        else {
            continue;
        };
        let jobs = m.jobs.clone();
        match tokio::task::spawn_blocking(move || jobs.purge_before(cutoff)).await {
            Ok(Ok(0)) => {}
            Ok(Ok(n)) => tracing::info!(jobs = n, "job cache: old jobs purged"),
            Ok(Err(e)) => tracing::warn!(error = %e, "job cache purge failed"),
            Err(e) => tracing::warn!(error = %e, "job cache purge task failed"),
        }
    }
}
