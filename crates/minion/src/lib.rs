//! The salt-rs minion as a library: [`run`] resolves the id, loads or makes
//! the key pair, collects grains, then keeps one [`link::MasterLink`] per
//! configured master until shutdown (hot multi-master), or, with
//! `master_type: failover`, one link at a time to the first master that
//! answers, moving to the next when it stops answering ([`failover`]).
//! Jobs run one task each ([`jobs`]).
//! [`run_with`] is the same with [`Hooks`] for a host that runs many
//! minions in one process (`salt-rs-swarm`): precomputed grains and shared
//! [`Stats`] counters.

#![forbid(unsafe_code)]

pub mod enroll;
pub mod failover;
pub mod jobs;
pub mod link;
pub mod outbox;
pub mod seen;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

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
    /// Shared counters from [`Hooks::stats`], if any.
    pub stats: Option<Arc<Stats>>,
    /// The pillar the master compiled for this minion, fetched when a
    /// session starts and by `saltutil.refresh_pillar`; jobs read a
    /// snapshot of it (pillar targets, `pillar.get`, templates).
    pub pillar: salt_exec::PillarCell,
    /// Salt's `__opts__` for functions and templates.
    pub opts: Arc<Map<String, Value>>,
}

impl Minion {
    /// The current pillar.
    pub fn pillar(&self) -> Arc<Map<String, Value>> {
        self.pillar
            .read()
            .map(|p| p.clone())
            .unwrap_or_else(|e| e.into_inner().clone())
    }

    /// Replaces the pillar (a fresh one from the master).
    pub fn set_pillar(&self, p: Map<String, Value>) {
        match self.pillar.write() {
            Ok(mut g) => *g = Arc::new(p),
            Err(e) => *e.into_inner() = Arc::new(p),
        }
    }
}

/// Counters that many minions in one process can share, read by the host
/// (for example to report how many are authenticated).
#[derive(Debug, Default)]
pub struct Stats {
    /// Minions that finished start-up (id, keys, grains, jid log).
    pub started: AtomicUsize,
    /// Master links with a live session right now.
    pub authenticated: AtomicUsize,
    /// Sessions established since start, re-authentications included.
    pub sessions: AtomicU64,
    /// Returns the master acknowledged (each counted once: it had them in
    /// its job cache when it said so).
    pub returns_acked: AtomicU64,
}

impl Stats {
    /// `(started, authenticated, sessions)` read at once.
    pub fn snapshot(&self) -> (usize, usize, u64) {
        (
            self.started.load(Ordering::Relaxed),
            self.authenticated.load(Ordering::Relaxed),
            self.sessions.load(Ordering::Relaxed),
        )
    }
}

/// Optional extras for [`run_with`]; the default is exactly [`run`].
#[derive(Debug, Default, Clone)]
pub struct Hooks {
    /// Grains to use instead of detecting them (`salt_grains::collect`);
    /// the config's static `grains` are still merged over them. The caller
    /// sets `id` and similar per-minion grains.
    pub grains: Option<Map<String, Value>>,
    /// Counters to update as the minion starts and its sessions come and go.
    pub stats: Option<Arc<Stats>>,
}

/// Runs the minion until `shutdown` is cancelled, then waits a bounded
/// time for running jobs and names the ones that did not finish.
pub async fn run(cfg: MinionConfig, shutdown: CancellationToken) -> anyhow::Result<()> {
    run_with(cfg, shutdown, Hooks::default()).await
}

/// [`run`] with [`Hooks`].
pub async fn run_with(
    cfg: MinionConfig,
    shutdown: CancellationToken,
    hooks: Hooks,
) -> anyhow::Result<()> {
    let id = cfg
        .resolve_id(salt_grains::fqdn)
        .context("cannot determine the minion id")?;
    let pki = cfg.pki_dir();
    let keys = NodeKeys::load_or_generate(&pki, "minion")
        .with_context(|| format!("minion keys in {}", pki.display()))?;
    let grains = match hooks.grains {
        Some(mut grains) => {
            grains.extend(cfg.grains.clone());
            grains
        }
        None => salt_grains::collect(&salt_grains::GrainsOptions {
            id: id.to_string(),
            config_dir: cfg.config_dir.clone(),
            static_grains: cfg.grains.clone(),
        }),
    };
    tracing::info!(minion = %id, fingerprint = %keys.public().fingerprint(), "minion starting");
    let seen = seen::SeenJobs::open(&cfg.cachedir(), salt_proto::now_ms())
        .with_context(|| format!("jid log in {}", cfg.cachedir().display()))?;
    let masters = cfg.master.clone();
    let master_type = cfg.master_type.clone();
    if master_type == "func" {
        anyhow::bail!(
            "master_type: func is not supported by salt-rs; list the masters under `master:` (with master_type: str or failover)"
        );
    }
    let opts = Arc::new(cfg.opts(id.as_str()));
    let minion = Arc::new(Minion {
        id,
        cfg,
        keys,
        grains: Arc::new(grains),
        jobs: Arc::new(JobTable::new()),
        seen,
        shutdown: shutdown.clone(),
        job_tasks: TaskTracker::new(),
        stats: hooks.stats,
        pillar: Default::default(),
        opts,
    });
    if let Some(stats) = &minion.stats {
        stats.started.fetch_add(1, Ordering::Relaxed);
    }
    let links = TaskTracker::new();
    match master_type.as_str() {
        "disable" => tracing::info!("master_type: disable; not connecting to any master"),
        "failover" => {
            links.spawn(failover::run(minion.clone(), masters));
        }
        _ => {
            for (idx, master) in masters.iter().enumerate() {
                let link =
                    link::MasterLink::new(minion.clone(), master.clone(), idx, masters.len());
                links.spawn(async move {
                    link.run().await;
                });
            }
        }
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
