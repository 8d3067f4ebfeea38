//! From a client's publish request to a signed, encrypted broadcast.
//!
//! The master expands nodegroups (minions never see them), works out which
//! accepted minions the target matches from their cached grains (whom to
//! wait for), registers the caller for the returns, and only then sends,
//! so no return can arrive before anyone listens. Once sent, the job is
//! queued for the job cache (without waiting for the disk).

use std::sync::Arc;

use bytes::Bytes;
use std::time::Duration;

use salt_proto::messages::{Publish, PublishRequest, ReturnEvent};
use salt_proto::{Envelope, Kind};
use salt_target::{Facts, Target};
use salt_types::{Jid, MinionId};
use serde_json::Value;
use tokio::sync::mpsc;

use crate::state::{Master, lock};

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Published {
        jid: Jid,
        minions: Vec<MinionId>,
        /// Expected minions known to be disconnected now.
        down: Vec<MinionId>,
    },
    NoMatch,
}

/// The accepted minions `target` matches (nodegroups expanded).
pub fn expected_minions(m: &Master, target: &Target) -> Result<(Target, Vec<MinionId>), String> {
    let expanded =
        salt_target::expand_nodegroups(target, &m.cfg.nodegroups).map_err(|e| e.to_string())?;
    let compiled = expanded.compile().map_err(|e| e.to_string())?;
    let accepted: Vec<MinionId> = lock(&m.accepted).iter().cloned().collect();
    let grains = lock(&m.grains);
    let empty = Value::Object(Default::default());
    let values: Vec<(MinionId, Value)> = accepted
        .into_iter()
        .map(|id| {
            let g = grains.get(&id).map(|g| Value::Object(g.clone()));
            (id, g.unwrap_or_else(|| empty.clone()))
        })
        .collect();
    drop(grains);
    // Pillar targets (-I, J@) match the pillar each minion last compiled.
    let pillars: Vec<Option<Value>> = if compiled.needs_pillar() {
        let p = lock(&m.pillars);
        values
            .iter()
            .map(|(id, _)| p.get(id).map(|m| Value::Object(m.clone())))
            .collect()
    } else {
        vec![None; values.len()]
    };
    let matched = salt_target::select(
        &compiled,
        values.iter().zip(&pillars).map(|((id, g), p)| Facts {
            id: id.as_str(),
            grains: g,
            pillar: p.as_ref(),
        }),
    );
    let mut ids: Vec<MinionId> = matched
        .into_iter()
        .filter_map(|s| MinionId::parse(&s).ok())
        .collect();
    ids.sort();
    Ok((expanded, ids))
}

/// How long after (re)connecting a minion also gets its jobs directly over
/// its session: a SUB socket that just connected may miss publishes
/// (ZeroMQ's slow-joiner), and minions de-duplicate by jid.
pub const NEW_SESSION_GRACE: Duration = Duration::from_secs(15);

async fn send_direct_to_new_sessions(m: &Arc<Master>, publish: &Publish, minions: &[MinionId]) {
    let fresh: Vec<MinionId> = {
        let sessions = lock(&m.sessions);
        minions
            .iter()
            .filter_map(|id| {
                let s = sessions.get(id)?;
                (s.created.elapsed() < NEW_SESSION_GRACE).then(|| id.clone())
            })
            .collect()
    };
    for id in fresh {
        crate::delivery::send_job(m, &id, publish.clone()).await;
    }
}

/// The job cache's record of a publish: the target as the client gave it,
/// and the arguments the way Salt lists them (keyword arguments packed in a
/// trailing `{"__kwarg__": true, ...}`).
fn job_record(jid: &Jid, req: &PublishRequest, minions: &[MinionId]) -> salt_jobs::PublishRecord {
    let mut arg = req.arg.clone();
    if !req.kwarg.is_empty() {
        let mut packed = serde_json::Map::new();
        packed.insert("__kwarg__".into(), Value::Bool(true));
        packed.extend(req.kwarg.iter().map(|(k, v)| (k.clone(), v.clone())));
        arg.push(Value::Object(packed));
    }
    salt_jobs::PublishRecord {
        jid: jid.to_string(),
        fun: req.fun.clone(),
        arg,
        tgt: serde_json::to_value(&req.target.tgt).unwrap_or(Value::Null),
        tgt_type: req.target.tgt_type.as_str().to_owned(),
        user: req.user.clone(),
        start_time: time::OffsetDateTime::now_utc(),
        minions: minions.iter().map(|m| m.as_str().to_owned()).collect(),
    }
}

/// Publishes a job; `waiter` receives its returns.
pub async fn publish(
    m: &Arc<Master>,
    req: PublishRequest,
    waiter: mpsc::Sender<ReturnEvent>,
) -> Result<Outcome, String> {
    let (target, minions) = expected_minions(m, &req.target)?;
    if minions.is_empty() {
        return Ok(Outcome::NoMatch);
    }
    let jid = Jid::generate();
    {
        // Forget jobs whose clients have all gone (no return may ever come
        // to prune them), then listen for this one.
        let mut w = lock(&m.waiters);
        w.retain(|_, list| {
            list.retain(|tx| !tx.is_closed());
            !list.is_empty()
        });
        w.entry(jid).or_default().push(waiter);
    }
    let record = job_record(&jid, &req, &minions);
    let publish = Publish {
        jid,
        target,
        fun: req.fun,
        arg: req.arg,
        kwarg: req.kwarg,
        user: req.user,
        expires_ms: salt_proto::now_ms() + m.cfg.job_expiry * 1000,
    };
    let env = {
        let pk = lock(&m.publish_key);
        Envelope::sealed(
            &m.keys,
            Kind::Publish,
            "master",
            "*",
            pk.id,
            &pk.key,
            &publish,
        )
        .map_err(|e| e.to_string())?
    };
    let new_event = crate::events::data([
        ("jid", Value::from(jid.to_string())),
        ("tgt", record.tgt.clone()),
        ("tgt_type", Value::from(record.tgt_type.clone())),
        ("user", Value::from(record.user.clone())),
        ("fun", Value::from(record.fun.clone())),
        ("arg", Value::Array(record.arg.clone())),
        (
            "minions",
            Value::Array(minions.iter().map(|i| Value::from(i.as_str())).collect()),
        ),
        ("missing", Value::Array(Vec::new())),
    ]);
    // In the job cache before it goes out: a master killed right after
    // publishing takes the job back from there when it starts again.
    match m.jobs.record_publish(record) {
        Ok(ticket) => {
            if let Err(e) = ticket.committed().await {
                tracing::error!(%jid, error = %e, "job not recorded in the job cache");
            }
        }
        Err(e) => tracing::error!(%jid, error = %e, "job not recorded in the job cache"),
    }
    lock(&m.owed).publish(&publish, &minions, salt_proto::now_ms());
    m.publisher
        .publish(Bytes::from(env.encode()))
        .await
        .map_err(|e| format!("publish failed: {e}"))?;
    send_direct_to_new_sessions(m, &publish, &minions).await;
    m.events.fire(format!("salt/job/{jid}/new"), new_event);
    let down = crate::presence::known_down(m, &minions);
    tracing::info!(%jid, fun = %publish.fun, minions = minions.len(), down = down.len(), "job published");
    Ok(Outcome::Published { jid, minions, down })
}
