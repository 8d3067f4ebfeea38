//! The local client socket (`<root>/run/salt-rs/master.sock`, mode 0600):
//! salt-rs, salt-rs-run and salt-rs-key talk to the master here. Peers must
//! be root or the master's own user (checked with SO_PEERCRED as well as by
//! the file mode).

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use salt_proto::local::{read_frame, write_frame};
use salt_proto::messages::Delivery;
use salt_proto::messages::{ClientReply, ClientRequest};
use salt_types::{Jid, MinionId};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{broadcast, mpsc};
use tokio_util::sync::CancellationToken;

use crate::publish::{self, Outcome};
use crate::state::{Master, lock};

/// Binds the socket, replacing a stale one, with mode 0600.
pub fn bind(path: &Path) -> anyhow::Result<UnixListener> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("removing stale {}", path.display())),
    }
    let old = nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o177));
    let l = UnixListener::bind(path);
    nix::sys::stat::umask(old);
    let l = l.with_context(|| format!("binding {}", path.display()))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    Ok(l)
}

pub async fn serve(m: Arc<Master>, listener: UnixListener, shutdown: CancellationToken) {
    let me = nix::unistd::getuid().as_raw();
    loop {
        let stream = tokio::select! {
            _ = shutdown.cancelled() => return,
            r = listener.accept() => match r {
                Ok((s, _)) => s,
                Err(e) => {
                    tracing::warn!(error = %e, "accept on the local socket failed");
                    continue;
                }
            },
        };
        match stream.peer_cred() {
            Ok(c) if c.uid() == 0 || c.uid() == me => {}
            _ => {
                tracing::warn!("local client refused: not root nor the master's user");
                continue;
            }
        }
        tokio::spawn(connection(m.clone(), stream, shutdown.clone()));
    }
}

/// An event-bus subscription of one connection.
struct Tail {
    rx: broadcast::Receiver<Arc<crate::events::Event>>,
    tagmatch: String,
}

/// The next event of the subscription matching its pattern (pending
/// forever without one).
async fn next_event(tail: &mut Option<Tail>) -> Option<Arc<crate::events::Event>> {
    let Some(t) = tail.as_mut() else {
        return std::future::pending().await;
    };
    loop {
        match t.rx.recv().await {
            Ok(ev) if crate::events::tag_matches(&ev.tag, &t.tagmatch) => return Some(ev),
            Ok(_) => {}
            Err(broadcast::error::RecvError::Lagged(n)) => {
                tracing::warn!(
                    missed = n,
                    "event subscriber too slow; events dropped for it"
                );
            }
            Err(broadcast::error::RecvError::Closed) => return None,
        }
    }
}

async fn connection(m: Arc<Master>, stream: UnixStream, shutdown: CancellationToken) {
    let (mut rd, mut wr) = stream.into_split();
    let (tx, mut rx) = mpsc::channel(10_000);
    let limit = m.limit();
    let mut tail: Option<Tail> = None;
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            ev = rx.recv() => {
                let Some(ev) = ev else { return };
                if write_frame(&mut wr, &ClientReply::Return(ev)).await.is_err() {
                    return;
                }
            }
            ev = next_event(&mut tail) => {
                let Some(ev) = ev else { return };
                let reply = ClientReply::Event { tag: ev.tag.clone(), data: ev.data.clone() };
                if write_frame(&mut wr, &reply).await.is_err() {
                    return;
                }
            }
            req = read_frame::<_, ClientRequest>(&mut rd, limit) => {
                let req = match req {
                    Ok(Some(r)) => r,
                    Ok(None) => return,
                    Err(e) => {
                        let _ = write_frame(&mut wr, &ClientReply::Error(e.to_string())).await;
                        return;
                    }
                };
                if let ClientRequest::Events { tagmatch } = req {
                    tail = Some(Tail { rx: m.events.subscribe(), tagmatch });
                    if write_frame(&mut wr, &ClientReply::Ok).await.is_err() {
                        return;
                    }
                    continue;
                }
                let reply = handle(&m, req, &tx).await;
                if write_frame(&mut wr, &reply).await.is_err() {
                    return;
                }
            }
        }
    }
}

async fn handle(
    m: &Arc<Master>,
    req: ClientRequest,
    tx: &mpsc::Sender<salt_proto::messages::ReturnEvent>,
) -> ClientReply {
    match req {
        ClientRequest::Ping => ClientReply::Pong,
        ClientRequest::KeysChanged => {
            // Applied before the reply, so salt-rs-key returns only once a
            // rejected or deleted key has lost its session.
            crate::keywatch::rescan(m).await;
            ClientReply::Ok
        }
        ClientRequest::PreviewTarget(t) => match publish::expected_minions(m, &t) {
            Ok((_, ids)) => ClientReply::Minions(ids),
            Err(e) => ClientReply::Error(e),
        },
        ClientRequest::Publish(p) => match publish::publish(m, p, tx.clone()).await {
            Ok(Outcome::Published { jid, minions, down }) => {
                ClientReply::Published { jid, minions, down }
            }
            Ok(Outcome::NoMatch) => ClientReply::NoMatch,
            Err(e) => ClientReply::Error(e),
        },
        ClientRequest::Events { .. } => {
            ClientReply::Error("an event subscription is handled by the connection".into())
        }
        ClientRequest::JobStatus { jid } => match job_status(m, &jid).await {
            Ok(list) => ClientReply::JobStatus(list),
            Err(e) => ClientReply::Error(e),
        },
        ClientRequest::Runner { fun, arg, kwarg } => {
            match crate::runners::run(m, &fun, arg, kwarg).await {
                Ok(v) => ClientReply::RunnerResult(v),
                Err(e) => ClientReply::Error(e),
            }
        }
    }
}

/// Where `jid` stands with each expected minion: from delivery tracking
/// while the job is recent, else from the job cache; a minion that has not
/// received the job is `NotConnected` when it has no live session.
async fn job_status(m: &Arc<Master>, jid: &Jid) -> Result<Vec<(MinionId, Delivery)>, String> {
    let tracked = lock(&m.owed).status(jid);
    let list = match tracked {
        Some(list) => list,
        None => {
            let jobs = m.jobs.clone();
            let key = jid.to_string();
            let found = tokio::task::spawn_blocking(move || jobs.lookup_jid(&key))
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| e.to_string())?;
            let Some(found) = found else {
                return Ok(Vec::new());
            };
            let mut list: Vec<(MinionId, Delivery)> = Vec::new();
            for r in found.returns {
                if let Ok(id) = MinionId::parse(&r.minion) {
                    list.push((id, Delivery::Returned));
                }
            }
            for id in found.missing {
                if let Ok(id) = MinionId::parse(&id) {
                    list.push((id, Delivery::NotReceived));
                }
            }
            list.sort_by(|a, b| a.0.cmp(&b.0));
            list
        }
    };
    let up: std::collections::BTreeSet<MinionId> =
        crate::presence::split(m).0.into_iter().collect();
    Ok(list
        .into_iter()
        .map(|(id, d)| {
            let d = match d {
                Delivery::NotReceived if !up.contains(&id) => Delivery::NotConnected,
                other => other,
            };
            (id, d)
        })
        .collect())
}
