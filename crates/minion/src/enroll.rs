//! The minion's side of enrolment: build the request, check the reply
//! (master key pinned on first contact or checked against `master_finger`),
//! derive the session.

use std::path::PathBuf;

use salt_proto::crypto::{self, SymKey};
use salt_proto::messages::{
    ClearReply, ClearRequest, EnrollRequest, EnrollStatus, PUBLISH_KEY_AAD,
};
use salt_proto::{Envelope, Kind, NodeKeys, PublicKeys};
use serde_bytes::ByteBuf;
use x25519_dalek::{PublicKey as DhPublic, StaticSecret};

/// A session with one master.
pub struct SessionKeys {
    pub session_id: u64,
    pub key: SymKey,
    pub publish_key_id: u64,
    pub publish_key: SymKey,
}

/// What the master said.
pub enum Answer {
    Accepted(SessionKeys),
    Pending,
    Rejected,
    Denied,
    /// Not an answer to this request (stale, forged, another nonce): ignore.
    Ignore(String),
    /// The reply came from a master key that differs from the pinned one.
    WrongMaster(String),
}

/// One enrolment attempt in flight.
pub struct Attempt {
    ephemeral: StaticSecret,
    pub nonce: [u8; 24],
    pub envelope: Envelope,
}

pub fn request(keys: &NodeKeys, id: &salt_types::MinionId) -> Attempt {
    let ephemeral = StaticSecret::from(salt_proto::random_bytes::<32>());
    let req = ClearRequest::Enroll(EnrollRequest {
        id: id.clone(),
        public_pem: keys.public().to_pem(),
        ephemeral: ByteBuf::from(DhPublic::from(&ephemeral).as_bytes().to_vec()),
    });
    let envelope = Envelope::clear(keys, Kind::Enroll, id.as_str(), "master", &req)
        .expect("an enrolment request always encodes");
    Attempt {
        ephemeral,
        nonce: envelope.nonce_array(),
        envelope,
    }
}

/// Where the master key is pinned, and the optional expected fingerprint.
pub struct Pin {
    pub path: PathBuf,
    pub master_finger: Option<String>,
}

impl Pin {
    /// The master key to verify a reply with: the pinned one, or the offered
    /// one on first contact if it passes `master_finger` (pinned only after
    /// the reply verifies, see [`Pin::store`]).
    pub fn candidate(&self, offered_pem: &str) -> Result<(PublicKeys, bool), String> {
        let offered =
            PublicKeys::from_pem(offered_pem, "master key in reply").map_err(|e| e.to_string())?;
        if self.path.exists() {
            let pinned = PublicKeys::read(&self.path).map_err(|e| e.to_string())?;
            if pinned != offered {
                return Err(format!(
                    "the master presented key {} but {} pins {}; if the master key really changed, remove that file",
                    offered.fingerprint(),
                    self.path.display(),
                    pinned.fingerprint()
                ));
            }
            return Ok((pinned, false));
        }
        if let Some(f) = &self.master_finger
            && !f.eq_ignore_ascii_case(&offered.fingerprint())
        {
            return Err(format!(
                "the master's key fingerprint {} does not match master_finger {}",
                offered.fingerprint(),
                f
            ));
        }
        Ok((offered, true))
    }

    /// The pinned master key, if any.
    pub fn pinned(&self) -> Option<PublicKeys> {
        PublicKeys::read(&self.path).ok()
    }

    pub fn store(&self, key: &PublicKeys) -> Result<(), String> {
        if let Some(dir) = self.path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        salt_proto::keys::write_atomic(&self.path, key.to_pem().as_bytes(), 0o644)
            .map_err(|e| e.to_string())?;
        tracing::info!(fingerprint = %key.fingerprint(), "master key pinned");
        Ok(())
    }
}

/// Checks an `EnrollReply` envelope against the attempt.
pub fn answer(
    keys: &NodeKeys,
    id: &str,
    attempt: &Attempt,
    env: &Envelope,
    pin: &Pin,
    limit: usize,
) -> (Answer, Option<PublicKeys>) {
    let offered = match env.peek_clear::<ClearReply>(Kind::EnrollReply, limit) {
        Ok(ClearReply::Enroll(r)) => r.master_public_pem,
        Ok(ClearReply::Reauth { .. }) => {
            return (Answer::Ignore("reauth while enrolling".into()), None);
        }
        Err(e) => return (Answer::Ignore(e.to_string()), None),
    };
    let (master, first_contact) = match pin.candidate(&offered) {
        Ok(m) => m,
        Err(e) => return (Answer::WrongMaster(e), None),
    };
    let reply = match env.open_clear::<ClearReply>(Kind::EnrollReply, Some(id), &master, limit) {
        Ok(r) => r.into_inner(),
        Err(e) => return (Answer::Ignore(e.to_string()), None),
    };
    let ClearReply::Enroll(reply) = reply else {
        return (Answer::Ignore("reauth while enrolling".into()), None);
    };
    if reply.request_nonce.as_slice() != attempt.nonce {
        return (Answer::Ignore("reply to another request".into()), None);
    }
    if first_contact && let Err(e) = pin.store(&master) {
        return (Answer::WrongMaster(e), None);
    }
    let a = match reply.status {
        EnrollStatus::Pending => Answer::Pending,
        EnrollStatus::Rejected => Answer::Rejected,
        EnrollStatus::Denied => Answer::Denied,
        EnrollStatus::Accepted(g) => {
            let Ok(their_eph) = <[u8; 32]>::try_from(g.ephemeral.as_slice()) else {
                return (Answer::Ignore("bad ephemeral key".into()), Some(master));
            };
            let key = crypto::derive_session_key(
                &attempt.ephemeral,
                &DhPublic::from(their_eph),
                &keys.dh,
                &master.dh,
                &attempt.nonce,
                id,
                g.session_id,
            );
            let Ok(n) = <[u8; 24]>::try_from(g.publish_key_nonce.as_slice()) else {
                return (Answer::Ignore("bad nonce".into()), Some(master));
            };
            let pk = match crypto::open(&key, &n, PUBLISH_KEY_AAD, &g.publish_key) {
                Ok(p) => p,
                Err(_) => {
                    return (
                        Answer::Ignore("publish key does not open".into()),
                        Some(master),
                    );
                }
            };
            let Ok(pk) = <[u8; 32]>::try_from(pk.as_slice()) else {
                return (Answer::Ignore("bad publish key".into()), Some(master));
            };
            Answer::Accepted(SessionKeys {
                session_id: g.session_id,
                key,
                publish_key_id: g.publish_key_id,
                publish_key: SymKey(pk),
            })
        }
    };
    (a, Some(master))
}
