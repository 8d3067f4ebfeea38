//! The request socket: every message is an envelope; enrolment goes to
//! [`crate::auth`], session messages are verified against the session the
//! sender claims and handled here. Nothing else is accepted.

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use salt_proto::messages::{MasterMessage, MinionRequest, ReturnEvent};
use salt_proto::{Envelope, Kind};
use salt_transport::{PeerId, RouterRx};
use salt_types::MinionId;
use serde_bytes::ByteBuf;
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
        if let Some((to, reply)) = handle(&m, &peer, &bytes) {
            let router = m.router.clone();
            if let Err(e) = router.send(&to, Bytes::from(reply.encode())).await {
                tracing::debug!(error = %e, "reply not sent");
            }
        }
    }
}

/// Handles one raw message; returns the reply to send, if any.
pub fn handle(m: &Master, peer: &PeerId, bytes: &[u8]) -> Option<(PeerId, Envelope)> {
    let env = match Envelope::decode(bytes, m.limit()) {
        Ok(e) => e,
        Err(e) => {
            tracing::debug!(error = %e, "undecodable message dropped");
            return None;
        }
    };
    match env.kind {
        Kind::Enroll => auth::handle_enroll(m, &env, peer).map(|r| (peer.clone(), r)),
        Kind::Session => handle_session(m, &env, peer),
        // Only the master sends these: a minion sending one is refused.
        Kind::EnrollReply | Kind::Publish => {
            tracing::debug!(kind = ?env.kind, "message kind not accepted from minions");
            None
        }
    }
}

fn handle_session(m: &Master, env: &Envelope, peer: &PeerId) -> Option<(PeerId, Envelope)> {
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
            if lock(&m.accepted).contains(&id) {
                return auth::reauth(m, &id, "no session").map(|r| (peer.clone(), r));
            }
            return auth::reauth(m, &id, "not accepted").map(|r| (peer.clone(), r));
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
            s.last_seen = Instant::now();
        }
    }
    let reply = match req.into_inner() {
        MinionRequest::Hello { grains } => {
            tracing::debug!(minion = %id, "hello");
            m.store_grains(&id, grains);
            MasterMessage::HelloAck
        }
        MinionRequest::Heartbeat { seq } => MasterMessage::HeartbeatAck {
            seq,
            publish_key_id: lock(&m.publish_key).id,
        },
        MinionRequest::Return(r) => {
            tracing::debug!(minion = %id, jid = %r.jid, "return");
            let jid = r.jid;
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
    seal_to(m, &id, &reply).map(|e| (peer.clone(), e))
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
