//! Key-state changes made by salt-rs-key (files in the pki dir) take effect
//! here: the accepted set is rescanned every second (and at once when
//! salt-rs-key pokes the local socket). When a key leaves the accepted set,
//! its session is dropped and the publish key is rotated: the new key goes
//! to each remaining minion over its own session, one after the other with
//! a small stagger, so no minion has to re-authenticate.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use salt_proto::crypto::SymKey;
use salt_proto::messages::MasterMessage;
use salt_types::MinionId;
use serde_bytes::ByteBuf;
use tokio_util::sync::CancellationToken;

use crate::session::seal_to;
use crate::state::{Master, PublishKey, lock};

pub async fn watch(m: Arc<Master>, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tick.tick() => {}
            _ = m.keys_changed.notified() => {}
        }
        rescan(&m).await;
    }
}

/// Compares the accepted keys on disk with the last known set; rotates the
/// publish key when any left.
pub async fn rescan(m: &Arc<Master>) {
    let now: BTreeSet<MinionId> = match m.keystore.list(salt_pki::KeyState::Accepted) {
        Ok(v) => v.into_iter().collect(),
        Err(e) => {
            tracing::error!(error = %e, "cannot list accepted keys");
            return;
        }
    };
    let (added, removed): (Vec<MinionId>, Vec<MinionId>) = {
        let mut acc = lock(&m.accepted);
        let added = now.difference(&acc).cloned().collect();
        let removed = acc.difference(&now).cloned().collect();
        *acc = now;
        (added, removed)
    };
    for id in &added {
        fire_key(m, id, "accept");
    }
    for id in &removed {
        let rejected = matches!(
            m.keystore.state_of(id),
            Ok(Some((salt_pki::KeyState::Rejected, _)))
        );
        fire_key(m, id, if rejected { "reject" } else { "delete" });
    }
    if removed.is_empty() {
        return;
    }
    {
        let mut sessions = lock(&m.sessions);
        for id in &removed {
            sessions.remove(id);
            tracing::info!(minion = %id, "key no longer accepted; session dropped");
        }
    }
    rotate_publish_key(m).await;
}

/// `salt/key`, as Salt fires when salt-key changes a key.
fn fire_key(m: &Master, id: &MinionId, act: &str) {
    m.events.fire(
        "salt/key",
        crate::events::data([
            ("result", serde_json::Value::Bool(true)),
            ("act", serde_json::Value::from(act)),
            ("id", serde_json::Value::from(id.as_str())),
        ]),
    );
}

/// Makes a new publish key current and hands it to every session.
pub async fn rotate_publish_key(m: &Arc<Master>) {
    let (id, key) = {
        let mut pk = lock(&m.publish_key);
        *pk = PublishKey {
            id: pk.id + 1,
            key: SymKey::random(),
        };
        (pk.id, pk.key.0)
    };
    tracing::info!(key_id = id, "publish key rotated");
    let targets: Vec<(MinionId, salt_transport::PeerId)> = lock(&m.sessions)
        .iter()
        .map(|(id, s)| (id.clone(), s.peer.clone()))
        .collect();
    let stagger = Duration::from_millis(m.cfg.publish_key_rotation_stagger_ms);
    let msg = MasterMessage::PublishKey {
        key_id: id,
        key: ByteBuf::from(key.to_vec()),
    };
    let m = m.clone();
    tokio::spawn(async move {
        for (minion, peer) in targets {
            if let Some(env) = seal_to(&m, &minion, &msg) {
                let _ = m.router.send(&peer, Bytes::from(env.encode())).await;
            }
            if !stagger.is_zero() {
                tokio::time::sleep(stagger).await;
            }
        }
    });
}
