//! The master's ROUTER socket (port 4506): requests in through [`RouterRx`],
//! replies out through cloneable [`Router`] handles.
//!
//! Sends go straight to zeromq's per-peer queues through cloned send halves
//! (each bounded by `send_timeout`) rather than through one owning task: a
//! single task would serialize the sends, so one peer with a full queue would
//! stall the replies to everyone else.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use zeromq::{RouterSendHalf, RouterSocket, Socket, SocketRecv, SocketSend, ZmqError, ZmqMessage};

use crate::guard::Guard;
use crate::private_dir::PrivateDir;
use crate::publisher::{Guarded, bind_guarded};
use crate::{
    Counters, Limits, PeerId, TransportError, TransportStats, accept_payload, check_size,
    zmq_runtime,
};

/// Sends replies to peers of the ROUTER. Cheap to clone; the socket closes
/// when every clone and the [`RouterRx`] are dropped.
#[derive(Clone)]
pub struct Router {
    inner: Arc<Inner>,
}

struct Inner {
    /// Taken on close: zeromq stops listening once both halves are gone.
    send: std::sync::Mutex<Option<RouterSendHalf>>,
    endpoint: String,
    /// The zeromq socket's own `ipc://` endpoint, reachable only by the guard.
    inner_endpoint: String,
    /// Holds the zeromq socket file; removed on close (or, on drop, in the
    /// background once zeromq has deleted the file).
    dir: tokio::sync::Mutex<Option<PrivateDir>>,
    limits: Limits,
    counters: Arc<Counters>,
    guard: tokio::sync::Mutex<Option<Guard>>,
    token: CancellationToken,
    /// One send at a time per peer, so that at most one send can wait on a
    /// peer's zeromq queue (see `zmq_runtime`).
    peer_locks: std::sync::Mutex<HashMap<PeerId, Arc<tokio::sync::Mutex<()>>>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.token.cancel();
    }
}

impl std::fmt::Debug for Router {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Router")
            .field("endpoint", &self.inner.endpoint)
            .finish_non_exhaustive()
    }
}

/// Requests received by the ROUTER: `(reply address, payload)`.
#[derive(Debug)]
pub struct RouterRx {
    rx: mpsc::Receiver<(PeerId, Bytes)>,
    counters: Arc<Counters>,
}

impl Router {
    /// Listens on `endpoint` (`tcp://0.0.0.0:4506`; port 0 picks a free one).
    pub async fn bind(endpoint: &str, limits: Limits) -> Result<(Self, RouterRx), TransportError> {
        let Guarded {
            socket,
            public,
            dir,
            inner_endpoint,
            counters,
            guard,
        } = bind_guarded(endpoint, &limits, "router", RouterSocket::new).await?;
        let (send, mut recv) = socket.split();
        let token = CancellationToken::new();
        let (tx, rx) = mpsc::channel(limits.queue.max(1));

        let task_token = token.clone();
        let task_counters = counters.clone();
        let max = limits.max_message;
        zmq_runtime().spawn(async move {
            loop {
                let msg = tokio::select! {
                    _ = task_token.cancelled() => break,
                    msg = recv.recv() => msg,
                };
                let mut frames = match msg {
                    Ok(msg) => msg.into_vec(),
                    Err(error) => {
                        tracing::debug!(%error, "router receive ended");
                        break;
                    }
                };
                if frames.is_empty() {
                    continue;
                }
                let peer = PeerId(frames.remove(0));
                let Some(payload) = accept_payload(frames, max, &task_counters, "router") else {
                    continue;
                };
                tokio::select! {
                    _ = task_token.cancelled() => break,
                    sent = tx.send((peer, payload)) => if sent.is_err() { break },
                }
            }
        });

        let router = Self {
            inner: Arc::new(Inner {
                send: std::sync::Mutex::new(Some(send)),
                endpoint: format!("tcp://{public}"),
                inner_endpoint,
                dir: tokio::sync::Mutex::new(Some(dir)),
                limits,
                counters: counters.clone(),
                guard: tokio::sync::Mutex::new(Some(guard)),
                token,
                peer_locks: std::sync::Mutex::new(HashMap::new()),
            }),
        };
        Ok((router, RouterRx { rx, counters }))
    }

    /// The bound endpoint, with the real port.
    pub fn local_endpoint(&self) -> String {
        self.inner.endpoint.clone()
    }

    /// The zeromq socket's own endpoint behind the guard.
    #[cfg(test)]
    pub(crate) fn inner_endpoint(&self) -> &str {
        &self.inner.inner_endpoint
    }

    /// Sends `msg` to the connection `to` came from, waiting at most
    /// `send_timeout`. A peer that is gone gives [`TransportError::PeerGone`].
    pub async fn send(&self, to: &PeerId, msg: Bytes) -> Result<(), TransportError> {
        check_size(&msg, &self.inner.limits)?;
        if to.0.is_empty() {
            return Err(TransportError::PeerGone);
        }
        let message = ZmqMessage::try_from(vec![to.0.clone(), msg])
            .map_err(|e| TransportError::Socket(e.to_string()))?;
        let Some(mut send) = self
            .inner
            .send
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
        else {
            return Err(TransportError::PeerGone);
        };
        let timeout = self.inner.limits.send_timeout;
        let lock = self.peer_lock(to, true);
        let sent = tokio::time::timeout(timeout, async {
            let _serialized = lock.lock().await;
            send.send(message).await
        })
        .await;
        drop(lock);
        self.peer_lock(to, false);
        match sent {
            Ok(Ok(())) => Ok(()),
            Ok(Err(ZmqError::Socket(reason))) => Err(TransportError::Socket(reason.to_owned())),
            Ok(Err(error)) => {
                tracing::debug!(%error, "router send failed");
                Err(TransportError::PeerGone)
            }
            Err(_) => Err(TransportError::Timeout(timeout)),
        }
    }

    /// Counters of dropped input.
    pub fn stats(&self) -> TransportStats {
        self.inner.counters.snapshot()
    }

    /// Gets (or, after a send, releases if unused) the send lock of a peer.
    fn peer_lock(&self, peer: &PeerId, get: bool) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self
            .inner
            .peer_locks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if get {
            return locks.entry(peer.clone()).or_default().clone();
        }
        if locks.get(peer).is_some_and(|l| Arc::strong_count(l) == 1) {
            locks.remove(peer);
        }
        Arc::default()
    }

    /// Stops listening and waits until the public port is released and the
    /// private socket directory is removed; every peer is disconnected.
    /// Other clones then fail with `PeerGone`.
    pub async fn close(&self) {
        tracing::debug!(
            endpoint = %self.inner.endpoint,
            inner = %self.inner.inner_endpoint,
            "closing router"
        );
        self.inner.token.cancel();
        if let Some(guard) = self.inner.guard.lock().await.take() {
            guard.close().await;
        }
        drop(
            self.inner
                .send
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take(),
        );
        if let Some(dir) = self.inner.dir.lock().await.take() {
            dir.remove().await;
        }
    }
}

impl RouterRx {
    /// The next one-frame request. `None` once the socket is closed.
    pub async fn recv(&mut self) -> Option<(PeerId, Bytes)> {
        self.rx.recv().await
    }

    /// Counters of dropped input (same as [`Router::stats`]).
    pub fn stats(&self) -> TransportStats {
        self.counters.snapshot()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::publisher::tests::ipc_paths;

    async fn wait_gone(path: &std::path::Path) {
        for _ in 0..300 {
            if !path.exists() {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("{} left behind", path.display());
    }

    #[tokio::test]
    async fn zeromq_listens_on_ipc_in_a_private_dir_removed_on_close() {
        let (router, rx) = Router::bind("tcp://127.0.0.1:0", Limits::default())
            .await
            .unwrap();
        let (_, dir) = ipc_paths(router.inner_endpoint());
        router.close().await;
        assert!(!dir.exists(), "{} left behind", dir.display());
        assert!(matches!(
            router
                .send(&PeerId(Bytes::from_static(b"p")), Bytes::from_static(b"x"))
                .await,
            Err(TransportError::PeerGone)
        ));
        drop(rx);

        let (router, rx) = Router::bind("tcp://127.0.0.1:0", Limits::default())
            .await
            .unwrap();
        let (sock, dir) = ipc_paths(router.inner_endpoint());
        drop(router);
        drop(rx);
        // zeromq deletes its socket file itself; then the directory goes.
        wait_gone(&sock).await;
        wait_gone(&dir).await;
    }
}
