//! The request socket: every message is an envelope; enrolment goes to
//! [`crate::auth`], session messages are verified against the session the
//! sender claims and handled here. Nothing else is accepted.
//!
//! A return is queued for the job cache and acknowledged only once the
//! cache's writer has committed it (a task waits for that, so the request
//! loop never waits for the disk); a return the cache could not store is not
//! acknowledged, and the minion sends it again.

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use salt_jobs::{ReturnRecord, WriteTicket};
use salt_proto::messages::{MasterMessage, MinionRequest, ReturnEvent};
use salt_proto::{Envelope, Kind};
use salt_transport::{PeerId, RouterRx};
use salt_types::MinionId;
use serde_bytes::ByteBuf;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::auth;
use crate::state::{Master, lock};

/// Reads the ROUTER until shutdown.
pub async fn serve_router(m: Arc<Master>, mut rx: RouterRx, shutdown: CancellationToken) {
    loop {
        let (peer, bytes) = tokio::select! {
            _ = shutdown.cancelled() => return,
            msg = rx.recv() => match msg {
                Some(x) => x,
                None => return,
            },
        };
        let out = match handle(&m, &peer, &bytes) {
            None => continue,
            Some(Handled::Reply(out)) => out,
            Some(Handled::Ask(ask)) => {
                // Answered off the request loop: compiling a pillar takes
                // time and must not hold up other minions' messages.
                let m = m.clone();
                tokio::spawn(async move { crate::queries::answer(&m, ask).await });
                continue;
            }
        };
        let router = m.router.clone();
        match out.after {
            None => {
                if let Err(e) = router.send(&out.to, Bytes::from(out.reply.encode())).await {
                    tracing::debug!(error = %e, "reply not sent");
                }
                if let Some(id) = out.catch_up {
                    let m = m.clone();
                    tokio::spawn(async move { crate::delivery::catch_up(&m, &id).await });
                }
            }
            Some(ticket) => {
                tokio::spawn(async move {
                    if let Err(e) = ticket.committed().await {
                        tracing::error!(error = %e, "return not stored in the job cache, not acknowledged");
                        return;
                    }
                    if let Err(e) = router.send(&out.to, Bytes::from(out.reply.encode())).await {
                        tracing::debug!(error = %e, "reply not sent");
                    }
                });
            }
        }
    }
}

/// What handling one message produced.
pub enum Handled {
    Reply(Outgoing),
    /// A question to answer later (`MinionRequest::Ask`).
    Ask(crate::queries::Ask),
}

/// A reply to send, possibly only once a job-cache write is committed.
pub struct Outgoing {
    pub to: PeerId,
    pub reply: Envelope,
    pub after: Option<WriteTicket>,
    /// A minion that just said hello: send it the jobs it missed.
    pub catch_up: Option<MinionId>,
}

impl Outgoing {
    fn now(to: PeerId, reply: Envelope) -> Self {
        Outgoing {
            to,
            reply,
            after: None,
            catch_up: None,
        }
    }
}

/// Handles one raw message; returns the reply to send, if any.
pub fn handle(m: &Master, peer: &PeerId, bytes: &[u8]) -> Option<Handled> {
    let env = match Envelope::decode(bytes, m.limit()) {
        Ok(e) => e,
        Err(e) => {
            tracing::debug!(error = %e, "undecodable message dropped");
            return None;
        }
    };
    match env.kind {
        Kind::Enroll => auth::handle_enroll(m, &env, peer)
            .map(|r| Handled::Reply(Outgoing::now(peer.clone(), r))),
        Kind::Session => handle_session(m, &env, peer),
        // Only the master sends these: a minion sending one is refused.
        Kind::EnrollReply | Kind::Publish => {
            tracing::debug!(kind = ?env.kind, "message kind not accepted from minions");
            None
        }
    }
}

fn handle_session(m: &Master, env: &Envelope, peer: &PeerId) -> Option<Handled> {
    let id = MinionId::parse(&env.sender).ok()?;
    let opened = {
        let sessions = lock(&m.sessions);
        match sessions.get(&id) {
            Some(s) if s.session_id == env.key_id => Some(env.open_sealed::<MinionRequest>(
                Kind::Session,
                Some("master"),
                &s.public,
                &s.key,
                m.limit(),
            )),
            _ => None,
        }
    };
    let req = match opened {
        Some(Ok(v)) => v,
        Some(Err(e)) => {
            tracing::debug!(minion = %id, error = %e, "session message refused");
            return None;
        }
        None => {
            // No session under that id: only a verifiable key may be told to
            // re-enrol, so an attacker cannot make the master talk for free
            // beyond a signed, useless reply.
            let why = if lock(&m.accepted).contains(&id) {
                "no session"
            } else {
                "not accepted"
            };
            return auth::reauth(m, &id, why)
                .map(|r| Handled::Reply(Outgoing::now(peer.clone(), r)));
        }
    };
    if let Err(e) = lock(&m.replay).check(req.nonce(), req.ts(), salt_proto::now_ms()) {
        tracing::warn!(minion = %id, error = %e, "session message refused");
        return None;
    }
    {
        let mut sessions = lock(&m.sessions);
        if let Some(s) = sessions.get_mut(&id) {
            s.peer = peer.clone();
            s.last_seen = Some(Instant::now());
        }
    }
    let mut after = None;
    let mut catch_up = false;
    let reply = match req.into_inner() {
        MinionRequest::Hello { grains } => {
            tracing::debug!(minion = %id, "hello");
            m.store_grains(&id, grains);
            catch_up = true;
            fire_start(m, &id);
            MasterMessage::HelloAck
        }
        MinionRequest::JobAck { jid, status } => {
            tracing::debug!(minion = %id, %jid, ?status, "job acknowledged");
            lock(&m.owed).acked(&jid, &id, status);
            return None;
        }
        MinionRequest::Ask { req, query } => {
            return Some(Handled::Ask(crate::queries::Ask {
                id,
                peer: peer.clone(),
                req,
                query,
            }));
        }
        MinionRequest::Event { tag, data } => {
            match crate::events::minion_tag(&id, &tag) {
                Some(tag) => fire_minion_event(m, &id, tag, data),
                None => tracing::debug!(minion = %id, "event with an unusable tag dropped"),
            }
            return None;
        }
        MinionRequest::Heartbeat { seq } => MasterMessage::HeartbeatAck {
            seq,
            publish_key_id: lock(&m.publish_key).id,
        },
        MinionRequest::Return(r) => {
            tracing::debug!(minion = %id, jid = %r.jid, "return");
            let jid = r.jid;
            lock(&m.owed).returned(&jid, &id);
            match m.jobs.record_return(ReturnRecord {
                jid: jid.to_string(),
                minion: id.as_str().to_owned(),
                retcode: i64::from(r.retcode),
                success: r.success,
                ret: r.ret.clone(),
                time: time::OffsetDateTime::now_utc(),
            }) {
                Ok(ticket) => after = Some(ticket),
                Err(e) => {
                    tracing::error!(minion = %id, %jid, error = %e, "job cache refused a return");
                }
            }
            m.events.fire(
                format!("salt/job/{jid}/ret/{id}"),
                crate::events::data([
                    ("cmd", Value::from("_return")),
                    ("id", Value::from(id.as_str())),
                    ("jid", Value::from(jid.to_string())),
                    ("fun", Value::from(r.fun.clone())),
                    ("fun_args", Value::Array(r.fun_args.clone())),
                    ("return", r.ret.clone()),
                    ("retcode", Value::from(r.retcode)),
                    ("success", Value::from(r.success)),
                ]),
            );
            m.deliver(ReturnEvent {
                id: id.clone(),
                jid: r.jid,
                fun: r.fun,
                ret: r.ret,
                retcode: r.retcode,
                success: r.success,
            });
            MasterMessage::ReturnAck { jid }
        }
        MinionRequest::GetPublishKey => {
            let pk = lock(&m.publish_key);
            MasterMessage::PublishKey {
                key_id: pk.id,
                key: ByteBuf::from(pk.key.0.to_vec()),
            }
        }
    };
    let is_ack = matches!(reply, MasterMessage::ReturnAck { .. });
    if is_ack && after.is_none() {
        // Not stored: no ack, so the minion sends the return again.
        return None;
    }
    seal_to(m, &id, &reply).map(|e| {
        Handled::Reply(Outgoing {
            to: peer.clone(),
            reply: e,
            after,
            catch_up: catch_up.then(|| id.clone()),
        })
    })
}

/// `salt/minion/<id>/start`, as a Salt minion announces itself.
fn fire_start(m: &Master, id: &MinionId) {
    let tag = format!("salt/minion/{id}/start");
    let text = format!("Minion {id} started at {}", asctime());
    m.events.fire(
        tag.clone(),
        crate::events::data([
            ("cmd", Value::from("_minion_event")),
            ("data", Value::from(text)),
            ("tag", Value::from(tag)),
            ("id", Value::from(id.as_str())),
            ("pretag", Value::Null),
        ]),
    );
}

/// An event a minion sent, under its own namespace; `id` is the sender's,
/// whatever the data claims.
fn fire_minion_event(m: &Master, id: &MinionId, tag: String, data: Value) {
    m.events.fire(
        tag.clone(),
        crate::events::data([
            ("cmd", Value::from("_minion_event")),
            ("data", data),
            ("tag", Value::from(tag)),
            ("id", Value::from(id.as_str())),
            ("pretag", Value::Null),
        ]),
    );
}

/// Python's `time.asctime()` in local time: `Sat Nov 21 21:06:39 2026`.
fn asctime() -> String {
    let now = time::OffsetDateTime::now_local().unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    let fmt = time::macros::format_description!(
        "[weekday repr:short] [month repr:short] [day padding:space] [hour]:[minute]:[second] [year]"
    );
    now.format(&fmt).unwrap_or_default()
}

/// Seals a message to one minion under its session key.
pub fn seal_to(m: &Master, id: &MinionId, msg: &MasterMessage) -> Option<Envelope> {
    let sessions = lock(&m.sessions);
    let s = sessions.get(id)?;
    Envelope::sealed(
        &m.keys,
        Kind::Session,
        "master",
        id.as_str(),
        s.session_id,
        &s.key,
        msg,
    )
    .ok()
}
