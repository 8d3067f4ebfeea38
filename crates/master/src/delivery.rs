//! Acknowledged delivery: for every recent job, where it stands with each
//! minion it was published to (sent, acknowledged, returned, declined).
//!
//! - A minion acknowledges a job when it receives it (`JobAck`). Until it
//!   does, the master sends the job again directly over that minion's
//!   session ([`resend`]), with a growing pause, until the job expires.
//! - A minion that says hello again (it reconnected, or the master
//!   restarted) gets at once every unexpired job it has not acknowledged
//!   (catch-up, [`catch_up`]).
//! - `salt-rs` asks [`Owed::status`] which minions did not receive a job,
//!   which still run it and which returned.
//!
//! Minions run a jid at most once (their jid log), so a second copy of a
//! job is harmless: it is acknowledged as `AlreadyRun`.
//!
//! The table lives in memory; a master that starts rebuilds it from the job
//! cache ([`restore`]): every unexpired job, with the minions that have not
//! returned it as not yet received, so jobs a killed master had published
//! (and committed: a publish is in the job cache before it goes out) still
//! reach minions that missed them.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use indexmap::IndexMap;
use salt_proto::messages::{AckStatus, Delivery, MasterMessage, Publish};
use salt_types::{Jid, MinionId};
use tokio_util::sync::CancellationToken;

use crate::session::seal_to;
use crate::state::{Master, lock};

/// Jobs remembered at most (oldest dropped first).
pub const MAX_JOBS: usize = 10_000;
/// First re-send of an unacknowledged job, after the publish.
pub const FIRST_RESEND: Duration = Duration::from_secs(3);
/// Longest pause between two re-sends to one minion.
pub const MAX_RESEND_PAUSE: Duration = Duration::from_secs(30);
/// How often the re-send task looks for due jobs.
pub const RESEND_TICK: Duration = Duration::from_secs(1);
/// Direct sends per tick at most (a fleet-wide miss is spread out).
pub const MAX_SENDS_PER_TICK: usize = 2_000;

/// Where a job stands with one minion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Not acknowledged; `sends` copies went out, the next is due then.
    Sent {
        sends: u32,
        next_ms: u64,
    },
    Acked,
    Returned,
    Declined,
}

struct Tracked {
    publish: Publish,
    minions: BTreeMap<MinionId, Stage>,
}

/// Recent jobs and their delivery to each minion.
#[derive(Default)]
pub struct Owed {
    jobs: IndexMap<Jid, Tracked>,
}

impl Owed {
    /// Starts tracking a job just published to `minions`.
    pub fn publish(&mut self, p: &Publish, minions: &[MinionId], now_ms: u64) {
        self.prune(now_ms);
        if self.jobs.len() >= MAX_JOBS {
            self.jobs.shift_remove_index(0);
        }
        let first = Stage::Sent {
            sends: 1,
            next_ms: now_ms + FIRST_RESEND.as_millis() as u64,
        };
        self.jobs.insert(
            p.jid,
            Tracked {
                publish: p.clone(),
                minions: minions.iter().map(|m| (m.clone(), first)).collect(),
            },
        );
    }

    /// Forgets expired jobs.
    fn prune(&mut self, now_ms: u64) {
        self.jobs.retain(|_, t| t.publish.expires_ms > now_ms);
    }

    /// Takes back a job from the job cache after a restart: `missing` have
    /// not returned it (whether they received it is unknown, so they are
    /// sent it again; the jid log makes that harmless).
    pub fn restore(&mut self, p: Publish, minions: &[MinionId], missing: &[MinionId], now_ms: u64) {
        let sent = Stage::Sent {
            sends: 1,
            next_ms: now_ms + FIRST_RESEND.as_millis() as u64,
        };
        let stages = minions
            .iter()
            .map(|m| {
                let s = if missing.contains(m) {
                    sent
                } else {
                    Stage::Returned
                };
                (m.clone(), s)
            })
            .collect();
        if self.jobs.len() >= MAX_JOBS {
            self.jobs.shift_remove_index(0);
        }
        self.jobs.insert(
            p.jid,
            Tracked {
                publish: p,
                minions: stages,
            },
        );
    }

    /// A minion acknowledged `jid`.
    pub fn acked(&mut self, jid: &Jid, id: &MinionId, status: AckStatus) {
        if let Some(stage) = self.stage_mut(jid, id) {
            *stage = match (*stage, status) {
                (Stage::Returned, _) => Stage::Returned,
                (_, AckStatus::Accepted | AckStatus::AlreadyRun) => Stage::Acked,
                (_, AckStatus::NotTargeted | AckStatus::Expired) => Stage::Declined,
            };
        }
    }

    /// A minion's return for `jid` arrived (it implies receipt).
    pub fn returned(&mut self, jid: &Jid, id: &MinionId) {
        if let Some(stage) = self.stage_mut(jid, id) {
            *stage = Stage::Returned;
        }
    }

    fn stage_mut(&mut self, jid: &Jid, id: &MinionId) -> Option<&mut Stage> {
        self.jobs.get_mut(jid)?.minions.get_mut(id)
    }

    /// Unexpired jobs `id` has not acknowledged, oldest first.
    pub fn unacked_by(&self, id: &MinionId, now_ms: u64) -> Vec<Publish> {
        self.jobs
            .values()
            .filter(|t| t.publish.expires_ms > now_ms)
            .filter(|t| matches!(t.minions.get(id), Some(Stage::Sent { .. })))
            .map(|t| t.publish.clone())
            .collect()
    }

    /// Copies due now for the minions `connected` accepts, at most `max`;
    /// each one's next re-send is pushed back (doubling, capped).
    pub fn due(
        &mut self,
        now_ms: u64,
        max: usize,
        connected: impl Fn(&MinionId) -> bool,
    ) -> Vec<(MinionId, Publish)> {
        let mut out = Vec::new();
        for t in self.jobs.values_mut() {
            if t.publish.expires_ms <= now_ms {
                continue;
            }
            for (id, stage) in t.minions.iter_mut() {
                if out.len() >= max {
                    return out;
                }
                let Stage::Sent { sends, next_ms } = *stage else {
                    continue;
                };
                if next_ms > now_ms || !connected(id) {
                    continue;
                }
                let pause = FIRST_RESEND
                    .saturating_mul(1 << sends.min(10))
                    .min(MAX_RESEND_PAUSE);
                *stage = Stage::Sent {
                    sends: sends + 1,
                    next_ms: now_ms + pause.as_millis() as u64,
                };
                out.push((id.clone(), t.publish.clone()));
            }
        }
        out
    }

    /// Each expected minion's stage of `jid` (`None`: not tracked, e.g.
    /// expired or published before the master started). Connection state
    /// is the caller's to add.
    pub fn status(&self, jid: &Jid) -> Option<Vec<(MinionId, Delivery)>> {
        let t = self.jobs.get(jid)?;
        Some(
            t.minions
                .iter()
                .map(|(id, s)| {
                    let d = match s {
                        Stage::Sent { .. } => Delivery::NotReceived,
                        Stage::Acked => Delivery::Running,
                        Stage::Returned => Delivery::Returned,
                        Stage::Declined => Delivery::Declined,
                    };
                    (id.clone(), d)
                })
                .collect(),
        )
    }
}

/// Rebuilds the table from the job cache at start: jobs published within
/// `job_expiry` that some expected minion has not returned. Returns how
/// many jobs were taken back.
pub fn restore(m: &Master) -> Result<usize, String> {
    let expiry = m.cfg.job_expiry;
    let now = time::OffsetDateTime::now_utc();
    let since = now - time::Duration::seconds(i64::try_from(expiry).unwrap_or(i64::MAX));
    let jobs = m.jobs.active_jobs(since).map_err(|e| e.to_string())?;
    let now_ms = salt_proto::now_ms();
    let mut n = 0;
    for job in jobs {
        let Some(found) = m.jobs.lookup_jid(&job.jid).map_err(|e| e.to_string())? else {
            continue;
        };
        let Some(p) = publish_of(&job, expiry) else {
            continue;
        };
        if p.expires_ms <= now_ms {
            continue;
        }
        let parse = |v: &[String]| -> Vec<MinionId> {
            v.iter().filter_map(|s| MinionId::parse(s).ok()).collect()
        };
        lock(&m.owed).restore(p, &parse(&job.minions), &parse(&found.missing), now_ms);
        n += 1;
    }
    Ok(n)
}

/// The publish a job-cache record stands for: its expected minions as a
/// list target (the master resolved the target when it published; the
/// record keeps the client's form, nodegroups unexpanded), keyword
/// arguments unpacked from Salt's trailing `{"__kwarg__": true, ...}`.
pub fn publish_of(job: &salt_jobs::PublishRecord, expiry_s: u64) -> Option<Publish> {
    let jid = Jid::parse(&job.jid).ok()?;
    let mut arg = job.arg.clone();
    let mut kwarg = serde_json::Map::new();
    if let Some(serde_json::Value::Object(last)) = arg.last()
        && last.get("__kwarg__") == Some(&serde_json::Value::Bool(true))
    {
        kwarg = last.clone();
        kwarg.remove("__kwarg__");
        arg.pop();
    }
    let start_ms = u64::try_from(job.start_time.unix_timestamp_nanos() / 1_000_000).ok()?;
    Some(Publish {
        jid,
        target: salt_target::Target::list(job.minions.iter().map(String::as_str)),
        fun: job.fun.clone(),
        arg,
        kwarg,
        user: job.user.clone(),
        expires_ms: start_ms + expiry_s * 1000,
    })
}

/// Sends `id` every unexpired job it has not acknowledged, over its session
/// (after its hello).
pub async fn catch_up(m: &Arc<Master>, id: &MinionId) {
    let jobs = lock(&m.owed).unacked_by(id, salt_proto::now_ms());
    if jobs.is_empty() {
        return;
    }
    tracing::info!(minion = %id, jobs = jobs.len(), "sending jobs missed while disconnected");
    for p in jobs {
        send_job(m, id, p).await;
    }
}

/// Sends one job to one minion over its session (no-op without one).
pub async fn send_job(m: &Master, id: &MinionId, p: Publish) {
    let Some(peer) = lock(&m.sessions).get(id).map(|s| s.peer.clone()) else {
        return;
    };
    if let Some(env) = seal_to(m, id, &MasterMessage::Job(Box::new(p)))
        && let Err(e) = m.router.send(&peer, Bytes::from(env.encode())).await
    {
        tracing::debug!(minion = %id, error = %e, "direct job not sent");
    }
}

/// Re-sends unacknowledged jobs to connected minions until shutdown.
pub async fn resend(m: Arc<Master>, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(RESEND_TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        let up: std::collections::HashSet<MinionId> =
            crate::presence::split(&m).0.into_iter().collect();
        let due = lock(&m.owed).due(salt_proto::now_ms(), MAX_SENDS_PER_TICK, |id| {
            up.contains(id)
        });
        if due.is_empty() {
            continue;
        }
        tracing::debug!(copies = due.len(), "re-sending unacknowledged jobs");
        for (id, p) in due {
            send_job(&m, &id, p).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use salt_target::{Target, TargetExpr, TargetType};

    fn job(n: u64, expires_ms: u64) -> Publish {
        Publish {
            jid: Jid::parse(&format!("2026010100{n:010}")).unwrap(),
            target: Target {
                tgt: TargetExpr::One("*".into()),
                tgt_type: TargetType::Glob,
                delimiter: ":".into(),
            },
            fun: "test.ping".into(),
            arg: vec![],
            kwarg: Default::default(),
            user: "root".into(),
            expires_ms,
        }
    }

    fn id(s: &str) -> MinionId {
        MinionId::parse(s).unwrap()
    }

    #[test]
    fn unacked_until_acked_returned_or_expired() {
        let (a, b) = (id("a"), id("b"));
        let mut o = Owed::default();
        o.publish(&job(1, 100_000), &[a.clone(), b.clone()], 0);
        o.publish(&job(2, 50), std::slice::from_ref(&a), 0);
        assert_eq!(o.unacked_by(&a, 10).len(), 2);
        o.acked(&job(1, 0).jid, &a, AckStatus::Accepted);
        assert_eq!(o.unacked_by(&a, 10).len(), 1);
        assert_eq!(o.unacked_by(&a, 100).len(), 0, "expired");
        assert_eq!(o.unacked_by(&b, 10).len(), 1);
        o.returned(&job(1, 0).jid, &b);
        assert_eq!(o.unacked_by(&b, 10).len(), 0, "a return implies receipt");
    }

    #[test]
    fn due_only_for_connected_unacked_and_backs_off() {
        let (a, b, c) = (id("a"), id("b"), id("c"));
        let mut o = Owed::default();
        o.publish(&job(1, 1_000_000), &[a.clone(), b.clone(), c.clone()], 0);
        o.acked(&job(1, 0).jid, &b, AckStatus::AlreadyRun);
        assert!(
            o.due(1_000, 10, |_| true).is_empty(),
            "not due before FIRST_RESEND"
        );
        let first = FIRST_RESEND.as_millis() as u64;
        let due = o.due(first, 10, |m| m != &c);
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].0, a);
        assert!(o.due(first + 1, 10, |m| m != &c).is_empty(), "backed off");
        let again = o.due(first * 3, 10, |_| true);
        let ids: Vec<_> = again.iter().map(|(m, _)| m.clone()).collect();
        assert_eq!(
            ids,
            vec![a.clone(), c.clone()],
            "c due once connected; a after its pause"
        );
        assert!(o.due(first * 3 + 1, 1, |_| true).is_empty());
    }

    #[test]
    fn due_respects_the_per_tick_cap() {
        let ids: Vec<MinionId> = (0..10).map(|i| id(&format!("m{i}"))).collect();
        let mut o = Owed::default();
        o.publish(&job(1, u64::MAX), &ids, 0);
        let t = FIRST_RESEND.as_millis() as u64;
        assert_eq!(o.due(t, 4, |_| true).len(), 4);
        assert_eq!(o.due(t, 100, |_| true).len(), 6);
    }

    #[test]
    fn restored_jobs_are_owed_by_their_missing_minions() {
        let (a, b) = (id("a"), id("b"));
        let mut o = Owed::default();
        o.restore(
            job(1, 10_000),
            &[a.clone(), b.clone()],
            std::slice::from_ref(&b),
            0,
        );
        assert!(
            o.unacked_by(&a, 1).is_empty(),
            "a returned before the restart"
        );
        assert_eq!(o.unacked_by(&b, 1).len(), 1);
        let record = salt_jobs::PublishRecord {
            jid: "20260101000000000001".into(),
            fun: "test.arg".into(),
            arg: vec![
                serde_json::json!(1),
                serde_json::json!({"__kwarg__": true, "x": 2}),
            ],
            tgt: serde_json::json!("web"),
            tgt_type: "nodegroup".into(),
            user: "root".into(),
            start_time: time::OffsetDateTime::from_unix_timestamp(1_000).unwrap(),
            minions: vec!["a".into(), "b".into()],
        };
        let p = publish_of(&record, 60).unwrap();
        assert_eq!(p.arg, vec![serde_json::json!(1)]);
        assert_eq!(p.kwarg.get("x"), Some(&serde_json::json!(2)));
        assert_eq!(p.expires_ms, 1_060_000);
        assert_eq!(p.target, Target::list(["a", "b"]));
    }

    #[test]
    fn status_reports_each_stage() {
        let (a, b, c, d) = (id("a"), id("b"), id("c"), id("d"));
        let mut o = Owed::default();
        let j = job(1, u64::MAX);
        o.publish(&j, &[a.clone(), b.clone(), c.clone(), d.clone()], 0);
        o.acked(&j.jid, &b, AckStatus::Accepted);
        o.returned(&j.jid, &c);
        o.acked(&j.jid, &c, AckStatus::AlreadyRun);
        o.acked(&j.jid, &d, AckStatus::NotTargeted);
        assert_eq!(
            o.status(&j.jid).unwrap(),
            vec![
                (a, Delivery::NotReceived),
                (b, Delivery::Running),
                (c, Delivery::Returned),
                (d, Delivery::Declined),
            ]
        );
        assert!(o.status(&job(9, 0).jid).is_none());
    }
}
