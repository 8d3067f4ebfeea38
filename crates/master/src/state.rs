//! The master's shared state: keys, sessions, the publish key, the cache of
//! minion grains, the job cache, and who waits for which job's returns.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::Context;
use salt_config::MasterConfig;
use salt_jobs::{JobStore, SqliteJobStore};
use salt_pki::KeyStore;
use salt_proto::crypto::SymKey;
use salt_proto::messages::ReturnEvent;
use salt_proto::replay::ReplayGuard;
use salt_proto::{NodeKeys, PublicKeys};
use salt_transport::{PeerId, Publisher, Router};
use salt_types::{Jid, MinionId};
use serde_json::{Map, Value};
use tokio::sync::mpsc;

/// One enrolled minion's live session.
pub struct Session {
    pub session_id: u64,
    pub key: SymKey,
    pub public: PublicKeys,
    /// Where to route replies; refreshed from every verified message and
    /// never used as identity.
    pub peer: PeerId,
    /// Last verified session message; `None` until the minion has used
    /// the session at all (a grant it refused, e.g. because it pinned
    /// another master key, does not make it present).
    pub last_seen: Option<Instant>,
    /// When the session began: a minion that just (re)connected may not
    /// have its SUB socket joined yet, so its jobs also go out directly.
    pub created: Instant,
}

impl Session {
    /// Heard from within `window`.
    pub fn is_up(&self, window: std::time::Duration) -> bool {
        self.last_seen.is_some_and(|t| t.elapsed() <= window)
    }
}

/// Current publish key and its id (ids increase with each rotation).
pub struct PublishKey {
    pub id: u64,
    pub key: SymKey,
}

pub struct Master {
    pub cfg: MasterConfig,
    pub keys: NodeKeys,
    pub public_pem: String,
    pub keystore: KeyStore,
    pub publisher: Publisher,
    pub router: Router,
    pub sessions: Mutex<HashMap<MinionId, Session>>,
    pub publish_key: Mutex<PublishKey>,
    pub replay: Mutex<ReplayGuard>,
    pub grains: Mutex<HashMap<MinionId, Map<String, Value>>>,
    pub accepted: Mutex<BTreeSet<MinionId>>,
    pub waiters: Mutex<HashMap<Jid, Vec<mpsc::Sender<ReturnEvent>>>>,
    /// Every publish and return (`<cachedir>/jobs.sqlite`).
    pub jobs: Arc<dyn JobStore>,
    /// Recent jobs and where each stands with each minion (re-sends,
    /// catch-up, job status).
    pub owed: Mutex<crate::delivery::Owed>,
    /// `salt://` over `file_roots`.
    pub fileserver: Arc<salt_fileserver::FileServer>,
    /// Each minion's last compiled pillar (`-I`/`J@` targeting).
    pub pillars: Mutex<HashMap<MinionId, Map<String, Value>>>,
    /// The event bus (`salt-rs-run state.event`).
    pub events: crate::events::Bus,
    /// When this master started: until presence has had time to hear from
    /// every minion, none counts as known to be down.
    pub started: Instant,
    /// Poked by salt-rs-key through the local socket.
    pub keys_changed: tokio::sync::Notify,
}

impl Master {
    pub fn new(cfg: MasterConfig, publisher: Publisher, router: Router) -> anyhow::Result<Self> {
        let pki = cfg.pki_dir();
        let keys = NodeKeys::load_or_generate(&pki, "master")
            .with_context(|| format!("master keys in {}", pki.display()))?;
        let public_pem = keys.public().to_pem();
        let keystore =
            KeyStore::open(&pki).with_context(|| format!("key store {}", pki.display()))?;
        let accepted: BTreeSet<MinionId> = keystore
            .list(salt_pki::KeyState::Accepted)
            .context("listing accepted keys")?
            .into_iter()
            .collect();
        let jobs_path = cfg.cachedir().join("jobs.sqlite");
        let jobs: Arc<dyn JobStore> = Arc::new(
            SqliteJobStore::open(&jobs_path)
                .with_context(|| format!("job cache {}", jobs_path.display()))?,
        );
        let fileserver = Arc::new(
            salt_fileserver::FileServer::from_config(&cfg.file_roots)
                .map_err(|e| anyhow::anyhow!("file_roots: {e}"))?,
        );
        let master = Self {
            fileserver,
            keys,
            public_pem,
            keystore,
            publisher,
            router,
            sessions: Mutex::new(HashMap::new()),
            publish_key: Mutex::new(PublishKey {
                id: initial_key_id(),
                key: SymKey::random(),
            }),
            replay: Mutex::new(ReplayGuard::default()),
            grains: Mutex::new(HashMap::new()),
            accepted: Mutex::new(accepted),
            waiters: Mutex::new(HashMap::new()),
            jobs,
            keys_changed: tokio::sync::Notify::new(),
            owed: Mutex::new(crate::delivery::Owed::default()),
            events: crate::events::Bus::default(),
            pillars: Mutex::new(HashMap::new()),
            started: Instant::now(),
            cfg,
        };
        master.load_grains_cache();
        Ok(master)
    }

    /// The pillar compiler's settings from this master's config.
    pub fn pillar_config(&self) -> salt_pillar::PillarConfig {
        let c = &self.cfg;
        let mut opts = Map::new();
        opts.insert("renderer".into(), Value::from(c.renderer.clone()));
        opts.insert(
            "pillar_roots".into(),
            serde_json::to_value(&c.pillar_roots).unwrap_or(Value::Null),
        );
        opts.insert(
            "file_roots".into(),
            serde_json::to_value(&c.file_roots).unwrap_or(Value::Null),
        );
        salt_pillar::PillarConfig {
            pillar_roots: c.pillar_roots.clone(),
            state_top: c.state_top.clone(),
            renderer: c.renderer.clone(),
            merge_strategy: c.pillar_source_merging_strategy.clone(),
            merge_lists: c.pillar_merge_lists,
            includes_override_sls: c.pillar_includes_override_sls,
            safe_render_error: c.pillar_safe_render_error,
            pillarenv: c.pillarenv.clone(),
            pillarenv_from_saltenv: c.pillarenv_from_saltenv,
            nodegroups: c.nodegroups.clone(),
            opts,
        }
    }

    pub fn limit(&self) -> usize {
        self.cfg.max_message_size
    }

    fn grains_cache_dir(&self) -> PathBuf {
        self.cfg.cachedir().join("minions")
    }

    /// Stores a minion's grains in memory and on disk (for targeting after
    /// a restart, before the minion says hello again).
    pub fn store_grains(&self, id: &MinionId, grains: Map<String, Value>) {
        let dir = self.grains_cache_dir().join(id.as_str());
        let data = serde_json::to_vec(&grains).unwrap_or_default();
        if let Err(e) = std::fs::create_dir_all(&dir)
            .and_then(|_| std::fs::write(dir.join("grains.json.tmp"), &data))
            .and_then(|_| std::fs::rename(dir.join("grains.json.tmp"), dir.join("grains.json")))
        {
            tracing::warn!(minion = %id, error = %e, "cannot cache grains");
        }
        lock(&self.grains).insert(id.clone(), grains);
    }

    fn load_grains_cache(&self) {
        let Ok(rd) = std::fs::read_dir(self.grains_cache_dir()) else {
            return;
        };
        let mut g = lock(&self.grains);
        for e in rd.flatten() {
            let Some(id) = e.file_name().to_str().and_then(|s| MinionId::parse(s).ok()) else {
                continue;
            };
            if let Ok(bytes) = std::fs::read(e.path().join("grains.json"))
                && let Ok(m) = serde_json::from_slice::<Map<String, Value>>(&bytes)
            {
                g.insert(id, m);
            }
        }
    }

    /// Delivers a return to every local client waiting for its jid.
    pub fn deliver(&self, ev: ReturnEvent) {
        let mut w = lock(&self.waiters);
        if let Some(list) = w.get_mut(&ev.jid) {
            list.retain(|tx| match tx.try_send(ev.clone()) {
                Ok(()) => true,
                Err(mpsc::error::TrySendError::Full(_)) => {
                    tracing::warn!(jid = %ev.jid, "client too slow, return dropped for it");
                    true
                }
                Err(mpsc::error::TrySendError::Closed(_)) => false,
            });
            if list.is_empty() {
                w.remove(&ev.jid);
            }
        }
    }
}

/// Locks a std mutex, recovering from poisoning (state stays usable).
pub fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Publish key ids start from the clock so that they keep increasing
/// across master restarts.
fn initial_key_id() -> u64 {
    salt_proto::now_ms()
}
