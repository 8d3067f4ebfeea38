//! Enrolment: the one thing an unauthenticated peer may do.
//!
//! The request is self-signed with the key it presents (proof of
//! possession) and must be fresh; the key store then decides (Salt's rules:
//! accepted / pending / rejected / denied). An accepted minion gets a new
//! session: an X25519 exchange bound to both static keys, and the current
//! publish key sealed under the new session key.

use std::time::Instant;

use salt_pki::{AutoPolicy, KeyState};
use salt_proto::crypto;
use salt_proto::messages::{
    ClearReply, ClearRequest, EnrollReply, EnrollRequest, EnrollStatus, PUBLISH_KEY_AAD,
    SessionGrant,
};
use salt_proto::{Envelope, Kind, PublicKeys};
use salt_types::MinionId;
use serde_bytes::ByteBuf;
use x25519_dalek::{PublicKey as DhPublic, StaticSecret};

use crate::state::{Master, Session, lock};

/// Handles one `Kind::Enroll` envelope; returns the reply envelope, or
/// `None` when the request is dropped without an answer (bad signature,
/// stale, replayed, malformed: nothing is learned by an attacker).
pub fn handle_enroll(
    m: &Master,
    env: &Envelope,
    peer: &salt_transport::PeerId,
) -> Option<Envelope> {
    let limit = m.limit();
    let ClearRequest::Enroll(req) = env.peek_clear::<ClearRequest>(Kind::Enroll, limit).ok()?;
    let public = match PublicKeys::from_pem(&req.public_pem, req.id.as_str()) {
        Ok(p) => p,
        Err(e) => {
            tracing::debug!(error = %e, "enrolment with an unreadable key dropped");
            return None;
        }
    };
    if env.sender != req.id.as_str() {
        tracing::debug!("enrolment whose sender differs from its id dropped");
        return None;
    }
    let verified =
        match env.open_clear::<ClearRequest>(Kind::Enroll, Some("master"), &public, limit) {
            Ok(v) => v,
            Err(e) => {
                tracing::debug!(minion = %req.id, error = %e, "enrolment refused");
                return None;
            }
        };
    if let Err(e) = lock(&m.replay).check(verified.nonce(), verified.ts(), salt_proto::now_ms()) {
        tracing::warn!(minion = %req.id, error = %e, "enrolment refused");
        return None;
    }
    let policy = AutoPolicy::load(
        m.cfg.auto_accept,
        Some(m.cfg.autosign_path().as_path()),
        Some(m.cfg.autoreject_path().as_path()),
    );
    let state = match m.keystore.enroll(&req.id, &req.public_pem, &policy) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(minion = %req.id, error = %e, "key store error during enrolment");
            return None;
        }
    };
    let status = match state {
        KeyState::Accepted => {
            lock(&m.accepted).insert(req.id.clone());
            match new_session(m, &req, &public, verified.nonce(), peer) {
                Some(grant) => EnrollStatus::Accepted(grant),
                None => return None,
            }
        }
        KeyState::Pending => {
            tracing::info!(minion = %req.id, "key pending acceptance");
            EnrollStatus::Pending
        }
        KeyState::Rejected => {
            tracing::warn!(minion = %req.id, "rejected key tried to authenticate");
            EnrollStatus::Rejected
        }
        KeyState::Denied => {
            tracing::warn!(minion = %req.id, "a key that differs from the accepted one was presented; stored in minions_denied");
            EnrollStatus::Denied
        }
    };
    let (result, act) = match &status {
        EnrollStatus::Accepted(_) => (true, "accept"),
        EnrollStatus::Pending => (true, "pend"),
        EnrollStatus::Rejected => (false, "reject"),
        EnrollStatus::Denied => (false, "denied"),
    };
    m.events.fire(
        "salt/auth",
        crate::events::data([
            ("result", serde_json::Value::from(result)),
            ("act", serde_json::Value::from(act)),
            ("id", serde_json::Value::from(req.id.as_str())),
            ("pub", serde_json::Value::from(req.public_pem.clone())),
        ]),
    );
    let reply = ClearReply::Enroll(EnrollReply {
        request_nonce: ByteBuf::from(verified.nonce().to_vec()),
        master_public_pem: m.public_pem.clone(),
        status,
    });
    Envelope::clear(
        &m.keys,
        Kind::EnrollReply,
        "master",
        req.id.as_str(),
        &reply,
    )
    .ok()
}

fn new_session(
    m: &Master,
    req: &EnrollRequest,
    public: &PublicKeys,
    request_nonce: &[u8; 24],
    peer: &salt_transport::PeerId,
) -> Option<SessionGrant> {
    let their_eph: [u8; 32] = req.ephemeral.as_slice().try_into().ok()?;
    let eph = StaticSecret::from(salt_proto::random_bytes::<32>());
    let session_id = u64::from_be_bytes(salt_proto::random_bytes::<8>());
    let key = crypto::derive_session_key(
        &eph,
        &DhPublic::from(their_eph),
        &m.keys.dh,
        &public.dh,
        request_nonce,
        req.id.as_str(),
        session_id,
    );
    let (pk_id, sealed, nonce) = {
        let pk = lock(&m.publish_key);
        let nonce = salt_proto::random_bytes::<24>();
        (
            pk.id,
            crypto::seal(&key, &nonce, PUBLISH_KEY_AAD, &pk.key.0),
            nonce,
        )
    };
    lock(&m.sessions).insert(
        req.id.clone(),
        Session {
            session_id,
            key,
            public: public.clone(),
            peer: peer.clone(),
            last_seen: None,
            created: Instant::now(),
        },
    );
    tracing::info!(minion = %req.id, "minion authenticated");
    Some(SessionGrant {
        session_id,
        ephemeral: ByteBuf::from(DhPublic::from(&eph).as_bytes().to_vec()),
        publish_key_id: pk_id,
        publish_key: ByteBuf::from(sealed),
        publish_key_nonce: ByteBuf::from(nonce.to_vec()),
    })
}

/// A signed "enrol again" for a minion whose session the master lacks.
pub fn reauth(m: &Master, recipient: &MinionId, reason: &str) -> Option<Envelope> {
    Envelope::clear(
        &m.keys,
        Kind::EnrollReply,
        "master",
        recipient.as_str(),
        &ClearReply::Reauth {
            reason: reason.to_owned(),
        },
    )
    .ok()
}
