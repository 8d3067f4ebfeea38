//! Catch-up: a job published while one of its minions was disconnected is
//! handed to that minion directly when it says hello again, as long as the
//! job has not expired and the minion has not returned it. Minions run a
//! jid at most once (their jid log), so a second copy is harmless.

use std::collections::{BTreeSet, VecDeque};
use std::sync::Arc;

use bytes::Bytes;
use salt_proto::messages::{MasterMessage, Publish};
use salt_types::{Jid, MinionId};

use crate::session::seal_to;
use crate::state::{Master, lock};

/// Jobs remembered for catch-up at most (oldest dropped first).
pub const MAX_JOBS: usize = 10_000;

/// Recent jobs and the minions that still owe a return.
#[derive(Default)]
pub struct Owed {
    jobs: VecDeque<(Publish, BTreeSet<MinionId>)>,
}

impl Owed {
    pub fn publish(&mut self, p: &Publish, minions: &[MinionId], now_ms: u64) {
        self.jobs
            .retain(|(j, owed)| j.expires_ms > now_ms && !owed.is_empty());
        if self.jobs.len() >= MAX_JOBS {
            self.jobs.pop_front();
        }
        self.jobs
            .push_back((p.clone(), minions.iter().cloned().collect()));
    }

    pub fn returned(&mut self, jid: &Jid, id: &MinionId) {
        if let Some((_, owed)) = self.jobs.iter_mut().find(|(j, _)| j.jid == *jid) {
            owed.remove(id);
        }
    }

    /// Unexpired jobs `id` still owes a return for, oldest first.
    pub fn owed_by(&self, id: &MinionId, now_ms: u64) -> Vec<Publish> {
        self.jobs
            .iter()
            .filter(|(j, owed)| j.expires_ms > now_ms && owed.contains(id))
            .map(|(j, _)| j.clone())
            .collect()
    }
}

/// Sends `id` every job it missed, over its session.
pub async fn deliver(m: &Arc<Master>, id: &MinionId) {
    let jobs = lock(&m.owed).owed_by(id, salt_proto::now_ms());
    if jobs.is_empty() {
        return;
    }
    let Some(peer) = lock(&m.sessions).get(id).map(|s| s.peer.clone()) else {
        return;
    };
    tracing::info!(minion = %id, jobs = jobs.len(), "sending jobs missed while disconnected");
    for p in jobs {
        if let Some(env) = seal_to(m, id, &MasterMessage::Job(Box::new(p))) {
            let _ = m.router.send(&peer, Bytes::from(env.encode())).await;
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

    #[test]
    fn owed_until_returned_or_expired() {
        let a = MinionId::parse("a").unwrap();
        let b = MinionId::parse("b").unwrap();
        let mut o = Owed::default();
        o.publish(&job(1, 1000), &[a.clone(), b.clone()], 0);
        o.publish(&job(2, 50), std::slice::from_ref(&a), 0);
        assert_eq!(o.owed_by(&a, 10).len(), 2);
        o.returned(&job(1, 1000).jid, &a);
        assert_eq!(o.owed_by(&a, 10).len(), 1);
        assert_eq!(o.owed_by(&a, 100).len(), 0, "expired");
        assert_eq!(o.owed_by(&b, 10).len(), 1);
    }
}
