//! The salt-rs minion as a library: [`run`] resolves the id, loads or makes
//! the key pair, collects grains, then keeps one [`link::MasterLink`] per
//! configured master until shutdown. Jobs run one task each ([`jobs`]).

#![forbid(unsafe_code)]

pub mod enroll;
pub mod jobs;
pub mod link;
pub mod seen;

use std::sync::Arc;

use anyhow::Context;
use salt_config::MinionConfig;
use salt_exec::JobTable;
use salt_proto::NodeKeys;
use salt_types::MinionId;
use serde_json::{Map, Value};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// What every part of the minion shares.
pub struct Minion {
    pub id: MinionId,
    pub cfg: MinionConfig,
    pub keys: NodeKeys,
    pub grains: Arc<Map<String, Value>>,
    pub jobs: Arc<JobTable>,
    pub seen: seen::SeenJobs,
    /// Cancelled at shutdown; every job's token is a child of it.
    pub shutdown: CancellationToken,
    pub job_tasks: TaskTracker,
}

/// Runs the minion until `shutdown` is cancelled, then waits a bounded
/// time for running jobs and names the ones that did not finish.
pub async fn run(cfg: MinionConfig, shutdown: CancellationToken) -> anyhow::Result<()> {
    let id = cfg
        .resolve_id(salt_grains::fqdn)
        .context("cannot determine the minion id")?;
    let pki = cfg.pki_dir();
    let keys = NodeKeys::load_or_generate(&pki, "minion")
        .with_context(|| format!("minion keys in {}", pki.display()))?;
    let grains = salt_grains::collect(&salt_grains::GrainsOptions {
        id: id.to_string(),
        config_dir: cfg.config_dir.clone(),
        static_grains: cfg.grains.clone(),
    });
    tracing::info!(minion = %id, fingerprint = %keys.public().fingerprint(), "minion starting");
    let seen = seen::SeenJobs::open(&cfg.cachedir(), salt_proto::now_ms())
        .with_context(|| format!("jid log in {}", cfg.cachedir().display()))?;
    let masters = cfg.master.clone();
    let minion = Arc::new(Minion {
        id,
        cfg,
        keys,
        grains: Arc::new(grains),
        jobs: Arc::new(JobTable::new()),
        seen,
        shutdown: shutdown.clone(),
        job_tasks: TaskTracker::new(),
    });
    let links = TaskTracker::new();
    for (idx, master) in masters.iter().enumerate() {
        let link = link::MasterLink::new(minion.clone(), master.clone(), idx, masters.len());
        links.spawn(link.run());
    }
    links.close();
    shutdown.cancelled().await;
    tracing::info!("minion shutting down");
    minion.job_tasks.close();
    if tokio::time::timeout(std::time::Duration::from_secs(10), minion.job_tasks.wait())
        .await
        .is_err()
    {
        for j in minion.jobs.running() {
            tracing::warn!(jid = %j.jid, fun = %j.fun, "job killed by shutdown");
        }
    }
    let _ = tokio::time::timeout(std::time::Duration::from_secs(2), links.wait()).await;
    Ok(())
}
