//! Questions minions ask while a job runs (`MinionRequest::Ask`), answered
//! off the request loop, one task each: the minion's pillar, compiled now
//! from `pillar_roots` with the grains of its last hello (Salt's `_pillar`)
//! and kept for `-I`/`J@` targeting; and the file server (`salt://`),
//! whose requests carry only parsed paths resolved under `file_roots`.
//!
//! A pillar that fails to compile is never handed out in part: the minion
//! gets Salt's `{"_errors": [...]}` alone (state runs refuse to start on
//! it, as in Salt), and the master logs every problem with file and line.

use std::sync::Arc;

use bytes::Bytes;
use salt_proto::messages::{Answer, MasterMessage, Query};
use salt_transport::PeerId;
use salt_types::MinionId;
use serde_json::{Map, Value};

use crate::session::seal_to;
use crate::state::{Master, lock};

/// One question and where its answer goes.
#[derive(Debug)]
pub struct Ask {
    pub id: MinionId,
    pub peer: PeerId,
    pub req: u64,
    pub query: Query,
}

/// Answers `ask` over the asker's session.
pub async fn answer(m: &Arc<Master>, ask: Ask) {
    let answer = match ask.query {
        Query::Pillar {
            saltenv,
            pillarenv,
            overrides,
        } => pillar(m, &ask.id, saltenv, pillarenv, overrides)
            .await
            .map(Answer::Pillar),
        Query::File(req) => {
            let fs = m.fileserver.clone();
            tokio::task::spawn_blocking(move || fs.handle(&req))
                .await
                .map(Answer::File)
                .map_err(|e| format!("file server task failed: {e}"))
        }
    };
    let msg = MasterMessage::Answer {
        req: ask.req,
        answer,
    };
    let peer = lock(&m.sessions)
        .get(&ask.id)
        .map(|s| s.peer.clone())
        .unwrap_or(ask.peer);
    if let Some(env) = seal_to(m, &ask.id, &msg)
        && let Err(e) = m.router.send(&peer, Bytes::from(env.encode())).await
    {
        tracing::debug!(minion = %ask.id, error = %e, "answer not sent");
    }
}

/// Compiles `id`'s pillar (blocking work, off the runtime's threads).
pub async fn pillar(
    m: &Arc<Master>,
    id: &MinionId,
    saltenv: Option<String>,
    pillarenv: Option<String>,
    overrides: Map<String, Value>,
) -> Result<Map<String, Value>, String> {
    let grains = lock(&m.grains).get(id).cloned().unwrap_or_default();
    let cfg = m.pillar_config();
    let functions = salt_exec::pillar_host::RegistryFunctions::new(id.clone(), grains.clone());
    let who = id.clone();
    let compiled = tokio::task::spawn_blocking(move || {
        let mut req = salt_pillar::PillarRequest::new(who.as_str(), &grains, Arc::new(functions));
        req.saltenv = saltenv.as_deref();
        req.pillarenv = pillarenv.as_deref();
        if !overrides.is_empty() {
            req.overrides = Some(&overrides);
        }
        salt_pillar::compile(&cfg, &req)
    })
    .await
    .map_err(|e| format!("pillar compilation failed: {e}"))?;
    match compiled {
        Ok(p) => {
            lock(&m.pillars).insert(id.clone(), p.clone());
            Ok(p)
        }
        Err(e) => {
            tracing::error!(minion = %id, "pillar did not compile: {e:#}");
            Ok(e.error_pillar())
        }
    }
}
