//! One minion's connection to one master, as a state machine:
//!
//! `Enrolling` (request sent, waiting for the signed reply) ->
//! `Waiting` (pending/rejected/denied: retry after `acceptance_wait_time`
//! plus jitter) -> `Session` (hello, heartbeats, jobs, returns).
//!
//! The DEALER of zeromq 0.7 never reconnects after the master restarts, so
//! when a request goes unanswered for three heartbeat intervals, or the
//! master says it has no session for us, the DEALER is recreated (with the
//! `recon_default`/`recon_max` back-off) and the minion enrols again. The
//! SUB socket reconnects by itself. Returns stay queued until the master
//! acknowledges them, and are sent again after every new session.

use std::net::ToSocketAddrs;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use salt_proto::crypto::SymKey;
use salt_proto::messages::{
    AckStatus, ClearReply, JobReturn, MasterMessage, MinionRequest, Publish,
};
use salt_proto::replay::ReplayGuard;
use salt_proto::{Envelope, Kind, PublicKeys};
use salt_transport::{Backoff, Dealer, Limits, Subscriber};
use tokio::sync::mpsc;

use crate::Minion;
use crate::enroll::{self, Answer, Attempt, Pin, SessionKeys};
use crate::jobs::{self, JobSinks};
use crate::outbox::{Outbox, ReturnSink};

/// How long an enrolment request may go unanswered before the DEALER is
/// recreated and the request sent again.
const AUTH_TIMEOUT: Duration = Duration::from_secs(5);
/// Publishes kept while waiting for a newer publish key.
const MAX_BUFFERED: usize = 64;

enum Phase {
    Enrolling { attempt: Attempt, sent: Instant },
    Waiting { until: Instant },
    Session(SessionKeys),
}

pub struct MasterLink {
    minion: Arc<Minion>,
    master: String,
    pin: Pin,
    /// Failover links give up after this long without a verified message
    /// from the master; hot links never give up.
    alive: Option<Duration>,
}

/// Why [`MasterLink::run`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkEnd {
    Shutdown,
    /// A failover link's master stopped answering (or cannot be reached).
    MasterLost,
}

/// Returns once nothing has been heard for `alive` (`heard` holds the
/// `now_ms` of the last verified message).
async fn watchdog(heard: &AtomicU64, alive: Duration) {
    let alive = alive.as_millis() as u64;
    loop {
        let due = heard.load(Ordering::Relaxed) + alive;
        let now = salt_proto::now_ms();
        if now >= due {
            return;
        }
        tokio::time::sleep(Duration::from_millis(due - now)).await;
    }
}

struct Live {
    dealer: Dealer,
    sub: Subscriber,
    pub_endpoint: String,
    phase: Phase,
    master_key: Option<PublicKeys>,
    old_publish_key: Option<(u64, SymKey)>,
    replay: ReplayGuard,
    pending: Arc<Mutex<Outbox>>,
    buffered: Vec<Envelope>,
    asked_key: Option<Instant>,
    waiting_since: Option<Instant>,
    seq: u64,
    accept_attempts: u32,
    sinks: JobSinks,
    /// `now_ms` of the last verified message from the master (failover
    /// liveness).
    heard: Arc<AtomicU64>,
    /// Questions of running jobs waiting for the master's answer, by `req`;
    /// asked again after every new session.
    asks: std::collections::BTreeMap<u64, salt_exec::Asked>,
    next_req: u64,
}

impl MasterLink {
    pub fn new(minion: Arc<Minion>, master: String, idx: usize, count: usize) -> Self {
        let pki = minion.cfg.pki_dir();
        let file = if count <= 1 || idx == 0 {
            "minion_master.pub".to_owned()
        } else {
            format!("minion_master.{}.pub", sanitize(&master))
        };
        let pin = Pin {
            path: pki.join(file),
            master_finger: minion.cfg.master_finger.clone(),
        };
        Self {
            minion,
            master,
            pin,
            alive: None,
        }
    }

    /// Makes this a failover link: [`MasterLink::run`] returns
    /// [`LinkEnd::MasterLost`] once the master has been silent for `alive`.
    pub fn failover(mut self, alive: Duration) -> Self {
        self.alive = Some(alive);
        self
    }

    fn end(&self) -> LinkEnd {
        if self.minion.shutdown.is_cancelled() {
            LinkEnd::Shutdown
        } else {
            LinkEnd::MasterLost
        }
    }

    /// This link's on-disk outbox (memory only if the directory fails).
    fn outbox(&self) -> Outbox {
        let dir = self
            .minion
            .cfg
            .cachedir()
            .join("outbox")
            .join(sanitize(&self.master));
        match Outbox::open(&dir, self.minion.cfg.max_message_size) {
            Ok(o) => o,
            Err(e) => {
                tracing::error!(dir = %dir.display(), error = %e, "cannot open the return outbox; returns are kept in memory only");
                Outbox::memory()
            }
        }
    }

    fn limits(&self) -> Limits {
        Limits {
            max_message: self.minion.cfg.max_message_size,
            send_timeout: Duration::from_secs(2),
            queue: 1024,
        }
    }

    fn backoff(&self) -> Backoff {
        Backoff {
            initial: Duration::from_millis(self.minion.cfg.recon_default),
            max: Duration::from_millis(
                self.minion.cfg.recon_max.max(self.minion.cfg.recon_default),
            ),
            randomize: self.minion.cfg.recon_randomize,
        }
    }

    fn heartbeat(&self) -> Duration {
        Duration::from_secs(self.minion.cfg.heartbeat_interval.max(1))
    }

    /// Resolves the master's address; retried with back-off until it works.
    async fn endpoints(&self) -> Option<(String, String)> {
        let mut attempt = 0;
        loop {
            let host = self.master.clone();
            let port = self.minion.cfg.master_port;
            let resolved = tokio::task::spawn_blocking(move || {
                (host.as_str(), port)
                    .to_socket_addrs()
                    .ok()
                    .and_then(|mut a| a.next())
            })
            .await
            .ok()
            .flatten();
            if let Some(addr) = resolved {
                let ip = addr.ip();
                let fmt = |p: u16| match ip {
                    std::net::IpAddr::V6(v6) => format!("tcp://[{v6}]:{p}"),
                    std::net::IpAddr::V4(v4) => format!("tcp://{v4}:{p}"),
                };
                return Some((
                    fmt(self.minion.cfg.master_port),
                    fmt(self.minion.cfg.publish_port),
                ));
            }
            tracing::warn!(master = %self.master, "cannot resolve the master's address; retrying");
            attempt += 1;
            tokio::select! {
                _ = self.minion.shutdown.cancelled() => return None,
                _ = tokio::time::sleep(self.backoff().delay(attempt)) => {}
            }
        }
    }

    /// Runs until shutdown, or, for a failover link, until the master has
    /// been silent for the alive interval (whatever the link is doing then,
    /// reconnecting included; queued returns stay in the outbox on disk).
    pub async fn run(self) -> LinkEnd {
        let heard = Arc::new(AtomicU64::new(salt_proto::now_ms()));
        match self.alive {
            None => self.serve(heard).await,
            Some(alive) => tokio::select! {
                end = self.serve(heard.clone()) => end,
                _ = watchdog(&heard, alive) => LinkEnd::MasterLost,
            },
        }
    }

    async fn serve(&self, heard: Arc<AtomicU64>) -> LinkEnd {
        let Some((ret_ep, pub_ep)) = self.endpoints().await else {
            return self.end();
        };
        let sub = tokio::select! {
            _ = self.minion.shutdown.cancelled() => return LinkEnd::Shutdown,
            s = Subscriber::connect(&pub_ep, self.limits()) => match s {
                Ok(s) => s,
                Err(e) => {
                    tracing::error!(endpoint = %pub_ep, error = %e, "cannot open the publish connection");
                    return LinkEnd::MasterLost;
                }
            },
        };
        let dealer = tokio::select! {
            _ = self.minion.shutdown.cancelled() => return LinkEnd::Shutdown,
            d = Dealer::connect(&ret_ep, self.limits(), self.backoff()) => match d {
                Ok(d) => d,
                Err(e) => {
                    tracing::error!(endpoint = %ret_ep, error = %e, "cannot open the request connection");
                    return LinkEnd::MasterLost;
                }
            },
        };
        let (ret_tx, mut ret_rx) = mpsc::channel::<JobReturn>(1024);
        let (ev_tx, mut ev_rx) = mpsc::channel::<(String, serde_json::Value)>(256);
        let (master_client, mut ask_rx) = salt_exec::MasterClient::channel(64);
        let (files, file_calls) =
            salt_fileserver::FileClient::remote(self.minion.cfg.cachedir(), 64);
        // File requests become questions to this master; the task ends
        // when the link (and every job's copy of the client) is gone.
        tokio::spawn(salt_exec::master::serve_files(
            master_client.clone(),
            file_calls,
        ));
        let outbox = Arc::new(Mutex::new(self.outbox()));
        let mut live = Live {
            dealer,
            sub,
            pub_endpoint: pub_ep.clone(),
            phase: Phase::Waiting {
                until: Instant::now(),
            },
            master_key: self.pin.pinned(),
            old_publish_key: None,
            replay: ReplayGuard::default(),
            pending: outbox.clone(),
            buffered: Vec::new(),
            asked_key: None,
            waiting_since: None,
            seq: 0,
            accept_attempts: 0,
            heard,
            sinks: JobSinks {
                returns: ReturnSink { outbox, tx: ret_tx },
                events: ev_tx,
                master: master_client,
                files,
            },
            asks: std::collections::BTreeMap::new(),
            next_req: 0,
        };
        let mut next_heartbeat = Instant::now() + self.heartbeat();
        let mut up = false;
        loop {
            self.count_session(&mut up, matches!(live.phase, Phase::Session(_)));
            let deadline = self.deadline(&live, next_heartbeat);
            tokio::select! {
                _ = self.minion.shutdown.cancelled() => {
                    self.count_session(&mut up, false);
                    self.flush_returns(&mut live, &mut ret_rx).await;
                    return LinkEnd::Shutdown;
                }
                _ = tokio::time::sleep_until(deadline.into()) => {
                    self.on_timer(&mut live, &mut next_heartbeat).await;
                }
                msg = live.dealer.recv() => match msg {
                    Some(b) => self.on_dealer(&mut live, &b).await,
                    None => self.restart(&mut live, "request connection closed").await,
                },
                msg = live.sub.recv() => {
                    if let Some(b) = msg {
                        self.on_publish(&mut live, &b).await;
                    }
                }
                Some(r) = ret_rx.recv() => {
                    if matches!(live.phase, Phase::Session(_)) {
                        self.send(&mut live, &MinionRequest::Return(r)).await;
                    }
                }
                Some(asked) = ask_rx.recv() => {
                    live.next_req += 1;
                    let req = live.next_req;
                    let query = asked.query.clone();
                    live.asks.insert(req, asked);
                    // Without a session it goes out once one is up.
                    self.send(&mut live, &MinionRequest::Ask { req, query }).await;
                }
                Some((tag, data)) = ev_rx.recv() => {
                    // Events are not queued: without a session they are
                    // dropped, as Salt's fire_master does when it cannot send.
                    if matches!(live.phase, Phase::Session(_)) {
                        self.send(&mut live, &MinionRequest::Event { tag, data }).await;
                    } else {
                        tracing::warn!(tag, "no session with the master; event dropped");
                    }
                }
            }
        }
    }

    /// Keeps [`crate::Stats`] in step when the session comes or goes.
    fn count_session(&self, up: &mut bool, now_up: bool) {
        let Some(stats) = &self.minion.stats else {
            return;
        };
        if now_up && !*up {
            stats.authenticated.fetch_add(1, Ordering::Relaxed);
            stats.sessions.fetch_add(1, Ordering::Relaxed);
        } else if !now_up && *up {
            stats.authenticated.fetch_sub(1, Ordering::Relaxed);
        }
        *up = now_up;
    }

    fn deadline(&self, live: &Live, next_heartbeat: Instant) -> Instant {
        match &live.phase {
            Phase::Enrolling { sent, .. } => *sent + AUTH_TIMEOUT,
            Phase::Waiting { until } => *until,
            Phase::Session(_) => next_heartbeat,
        }
    }

    async fn on_timer(&self, live: &mut Live, next_heartbeat: &mut Instant) {
        match &live.phase {
            Phase::Enrolling { .. } => {
                tracing::debug!(master = %self.master, "no answer to enrolment; reconnecting");
                self.reconnect(live).await;
                self.enroll(live).await;
            }
            Phase::Waiting { .. } => self.enroll(live).await,
            Phase::Session(_) => {
                *next_heartbeat = Instant::now() + self.heartbeat();
                if let Some(since) = live.waiting_since
                    && since.elapsed() > self.heartbeat() * 3
                {
                    self.restart(live, "master stopped answering").await;
                    return;
                }
                live.seq += 1;
                let seq = live.seq;
                self.send(live, &MinionRequest::Heartbeat { seq }).await;
                // Unacknowledged returns are sent again now and then.
                let again = live.queued();
                for r in again {
                    self.send(live, &MinionRequest::Return(r)).await;
                }
            }
        }
    }

    /// Recreates the DEALER and the SUB socket and enrols again. The SUB
    /// socket would reconnect by itself, but only after its own back-off;
    /// a fresh one joins as soon as the master is back.
    async fn restart(&self, live: &mut Live, why: &str) {
        tracing::info!(master = %self.master, reason = why, "re-establishing the session");
        self.reconnect(live).await;
        match Subscriber::connect(&live.pub_endpoint, self.limits()).await {
            Ok(s) => live.sub = s,
            Err(e) => tracing::warn!(error = %e, "cannot reopen the publish connection"),
        }
        self.enroll(live).await;
    }

    async fn reconnect(&self, live: &mut Live) {
        live.waiting_since = None;
        if let Err(e) = live.dealer.reconnect().await {
            tracing::warn!(master = %self.master, error = %e, "reconnect failed");
        }
    }

    async fn enroll(&self, live: &mut Live) {
        let attempt = enroll::request(&self.minion.keys, &self.minion.id);
        let bytes = Bytes::from(attempt.envelope.encode());
        if let Err(e) = live.dealer.send(bytes).await {
            tracing::debug!(error = %e, "enrolment request not sent");
        }
        live.phase = Phase::Enrolling {
            attempt,
            sent: Instant::now(),
        };
    }

    fn acceptance_wait(&self, attempts: u32) -> Duration {
        let cfg = &self.minion.cfg;
        let base = cfg.acceptance_wait_time.max(1);
        let mut secs = base;
        if cfg.acceptance_wait_time_max > base {
            secs = (base * u64::from(attempts.max(1))).min(cfg.acceptance_wait_time_max);
        }
        let jitter = fastrand::u64(0..=secs * 100);
        Duration::from_secs(secs) + Duration::from_millis(jitter)
    }

    async fn on_dealer(&self, live: &mut Live, bytes: &[u8]) {
        let limit = self.minion.cfg.max_message_size;
        let Ok(env) = Envelope::decode(bytes, limit) else {
            return;
        };
        let id = self.minion.id.as_str();
        match env.kind {
            Kind::EnrollReply => {
                if let Phase::Enrolling { attempt, .. } = &live.phase {
                    let (answer, key) =
                        enroll::answer(&self.minion.keys, id, attempt, &env, &self.pin, limit);
                    if !matches!(answer, Answer::Ignore(_) | Answer::WrongMaster(_)) {
                        live.heard.store(salt_proto::now_ms(), Ordering::Relaxed);
                    }
                    self.on_answer(live, answer, key).await;
                    return;
                }
                // A signed "enrol again" from our master.
                let Some(master) = live.master_key.clone() else {
                    return;
                };
                let Ok(v) =
                    env.open_clear::<ClearReply>(Kind::EnrollReply, Some(id), &master, limit)
                else {
                    return;
                };
                if live
                    .replay
                    .check(v.nonce(), v.ts(), salt_proto::now_ms())
                    .is_err()
                {
                    return;
                }
                live.heard.store(salt_proto::now_ms(), Ordering::Relaxed);
                if let ClearReply::Reauth { reason } = v.into_inner() {
                    tracing::info!(master = %self.master, reason, "master asked to authenticate again");
                    live.waiting_since = None;
                    let delay = self.backoff().delay(0);
                    live.phase = Phase::Waiting {
                        until: Instant::now()
                            + Duration::from_millis(fastrand::u64(0..=delay.as_millis() as u64)),
                    };
                }
            }
            Kind::Session => {
                let (Phase::Session(s), Some(master)) = (&live.phase, live.master_key.clone())
                else {
                    return;
                };
                if env.key_id != s.session_id {
                    return;
                }
                let Ok(v) = env.open_sealed::<MasterMessage>(
                    Kind::Session,
                    Some(id),
                    &master,
                    &s.key,
                    limit,
                ) else {
                    tracing::debug!("session message refused");
                    return;
                };
                if live
                    .replay
                    .check(v.nonce(), v.ts(), salt_proto::now_ms())
                    .is_err()
                {
                    return;
                }
                live.waiting_since = None;
                live.heard.store(salt_proto::now_ms(), Ordering::Relaxed);
                self.on_master_message(live, v.into_inner()).await;
            }
            Kind::Enroll | Kind::Publish => {}
        }
    }

    async fn on_answer(&self, live: &mut Live, answer: Answer, key: Option<PublicKeys>) {
        match answer {
            Answer::Accepted(s) => {
                tracing::info!(master = %self.master, "authenticated with the master");
                live.master_key = key;
                live.accept_attempts = 0;
                live.phase = Phase::Session(s);
                let grains = (*self.minion.grains).clone();
                self.send(live, &MinionRequest::Hello { grains }).await;
                let again = live.queued();
                for r in again {
                    self.send(live, &MinionRequest::Return(r)).await;
                }
                self.fetch_pillar(live);
                live.asks.retain(|_, a| !a.reply.is_closed());
                let asks: Vec<(u64, salt_proto::messages::Query)> = live
                    .asks
                    .iter()
                    .map(|(r, a)| (*r, a.query.clone()))
                    .collect();
                for (req, query) in asks {
                    self.send(live, &MinionRequest::Ask { req, query }).await;
                }
                self.replay_buffered(live).await;
            }
            Answer::Pending => {
                live.accept_attempts += 1;
                let wait = self.acceptance_wait(live.accept_attempts);
                tracing::info!(
                    master = %self.master,
                    "the master has not accepted this minion's key yet; retrying in {:.1}s",
                    wait.as_secs_f64()
                );
                live.phase = Phase::Waiting {
                    until: Instant::now() + wait,
                };
            }
            Answer::Rejected | Answer::Denied => {
                live.accept_attempts += 1;
                let what = if matches!(answer, Answer::Rejected) {
                    "rejected"
                } else {
                    "denied (another key is registered under this id)"
                };
                tracing::error!(master = %self.master, "the master {what} this minion's key");
                live.phase = Phase::Waiting {
                    until: Instant::now() + self.acceptance_wait(live.accept_attempts),
                };
            }
            Answer::WrongMaster(e) => {
                tracing::error!(master = %self.master, "refusing the master: {e}");
                live.phase = Phase::Waiting {
                    until: Instant::now() + self.acceptance_wait(1),
                };
            }
            Answer::Ignore(why) => tracing::debug!(why, "enrolment reply ignored"),
        }
    }

    async fn on_master_message(&self, live: &mut Live, msg: MasterMessage) {
        match msg {
            MasterMessage::HelloAck => {}
            MasterMessage::HeartbeatAck { publish_key_id, .. } => {
                if let Phase::Session(s) = &live.phase
                    && publish_key_id != s.publish_key_id
                {
                    self.ask_publish_key(live).await;
                }
            }
            MasterMessage::ReturnAck { jid } => {
                if lock(&live.pending).ack(&jid)
                    && let Some(stats) = &self.minion.stats
                {
                    stats.returns_acked.fetch_add(1, Ordering::Relaxed);
                }
            }
            MasterMessage::PublishKey { key_id, key } => {
                let Ok(k) = <[u8; 32]>::try_from(key.as_slice()) else {
                    return;
                };
                if let Phase::Session(s) = &mut live.phase
                    && key_id != s.publish_key_id
                {
                    let old = std::mem::replace(&mut s.publish_key, SymKey(k));
                    live.old_publish_key = Some((s.publish_key_id, old));
                    s.publish_key_id = key_id;
                    tracing::info!(key_id, "new publish key");
                }
                live.asked_key = None;
                self.replay_buffered(live).await;
            }
            MasterMessage::Answer { req, answer } => {
                if let Some(asked) = live.asks.remove(&req) {
                    let _ = asked.reply.send(answer);
                }
            }
            MasterMessage::Job(p) => {
                // Sent to us directly: always say what became of it, so the
                // master stops sending it.
                let jid = p.jid;
                let status = jobs::dispatch(&self.minion, *p, live.sinks.clone());
                self.send(live, &MinionRequest::JobAck { jid, status })
                    .await;
            }
        }
    }

    /// Asks the master for this minion's pillar in the background (the
    /// question goes out through the link like any job's).
    fn fetch_pillar(&self, live: &Live) {
        let client = live.sinks.master.clone();
        let minion = self.minion.clone();
        let master = self.master.clone();
        tokio::spawn(async move {
            use salt_exec::PillarSource;
            match client.fresh(salt_exec::FreshPillar::default()).await {
                Ok(p) => minion.set_pillar(p),
                Err(e) => tracing::warn!(%master, error = %e, "no pillar from the master"),
            }
        });
    }

    async fn ask_publish_key(&self, live: &mut Live) {
        if live
            .asked_key
            .is_some_and(|t| t.elapsed() < Duration::from_secs(1))
        {
            return;
        }
        live.asked_key = Some(Instant::now());
        self.send(live, &MinionRequest::GetPublishKey).await;
    }

    async fn replay_buffered(&self, live: &mut Live) {
        let envs = std::mem::take(&mut live.buffered);
        for env in envs {
            self.open_publish(live, env).await;
        }
    }

    async fn on_publish(&self, live: &mut Live, bytes: &[u8]) {
        let Ok(env) = Envelope::decode(bytes, self.minion.cfg.max_message_size) else {
            return;
        };
        if env.kind != Kind::Publish {
            return;
        }
        let Some(master) = live.master_key.clone() else {
            return;
        };
        if env.verify_signature(&master).is_err() {
            tracing::debug!("publish with a bad signature ignored");
            return;
        }
        self.open_publish(live, env).await;
    }

    /// Decrypts a publish whose signature is already known good, or keeps
    /// it until the key it needs arrives.
    async fn open_publish(&self, live: &mut Live, env: Envelope) {
        let limit = self.minion.cfg.max_message_size;
        let Some(master) = live.master_key.clone() else {
            return;
        };
        let key = match &live.phase {
            Phase::Session(s) if s.publish_key_id == env.key_id => Some(s.publish_key.clone()),
            _ => match &live.old_publish_key {
                Some((id, k)) if *id == env.key_id => Some(k.clone()),
                _ => None,
            },
        };
        let Some(key) = key else {
            let newer = match &live.phase {
                Phase::Session(s) => env.key_id > s.publish_key_id,
                _ => true,
            };
            if newer && live.buffered.len() < MAX_BUFFERED {
                live.buffered.push(env);
                if matches!(live.phase, Phase::Session(_)) {
                    self.ask_publish_key(live).await;
                }
            }
            return;
        };
        let p = match env.open_sealed::<Publish>(Kind::Publish, Some("*"), &master, &key, limit) {
            Ok(p) => p,
            Err(e) => {
                tracing::debug!(error = %e, "publish refused");
                return;
            }
        };
        if let Err(e) = live.replay.check(p.nonce(), p.ts(), salt_proto::now_ms()) {
            tracing::debug!(error = %e, "publish refused");
            return;
        }
        let p = p.into_inner();
        let jid = p.jid;
        let status = jobs::dispatch(&self.minion, p, live.sinks.clone());
        // A broadcast not meant for us is none of the master's business.
        if status != AckStatus::NotTargeted {
            self.send(live, &MinionRequest::JobAck { jid, status })
                .await;
        }
    }

    async fn send(&self, live: &mut Live, msg: &MinionRequest) {
        let Phase::Session(s) = &live.phase else {
            return;
        };
        let env = match Envelope::sealed(
            &self.minion.keys,
            Kind::Session,
            self.minion.id.as_str(),
            "master",
            s.session_id,
            &s.key,
            msg,
        ) {
            Ok(e) => e,
            Err(e) => {
                tracing::error!(error = %e, "cannot encode a message to the master");
                return;
            }
        };
        if live.waiting_since.is_none() {
            live.waiting_since = Some(Instant::now());
        }
        if let Err(e) = live.dealer.send(Bytes::from(env.encode())).await {
            tracing::debug!(error = %e, "message to the master not sent");
        }
    }

    /// At shutdown: give finished jobs a moment to hand their returns over.
    async fn flush_returns(&self, live: &mut Live, rx: &mut mpsc::Receiver<JobReturn>) {
        let deadline = Instant::now() + Duration::from_secs(2);
        while let Ok(Some(r)) = tokio::time::timeout_at(deadline.into(), rx.recv()).await {
            self.send(live, &MinionRequest::Return(r)).await;
        }
        let left = lock(&live.pending).len();
        if left > 0 {
            tracing::warn!(count = left, "returns not acknowledged at shutdown");
        }
    }
}

impl Live {
    /// The returns still waiting for the master's acknowledgement.
    fn queued(&self) -> Vec<JobReturn> {
        lock(&self.pending).pending().cloned().collect()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
