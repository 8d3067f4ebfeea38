//! The master's PUB socket (port 4505): one task owns the zeromq socket and
//! is fed through a bounded channel; the public port belongs to the guard.

use std::sync::Arc;

use bytes::Bytes;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use zeromq::{PubSocket, Socket, SocketSend, ZmqMessage};

use crate::endpoint::TcpTarget;
use crate::guard::{self, Guard, RelayConfig};
use crate::private_dir::PrivateDir;
use crate::{Counters, Limits, TransportError, TransportStats, check_size, on_zmq, zmq_runtime};

/// Publishes messages to every connected [`crate::Subscriber`]. Cheap to
/// clone; the socket closes when the last clone is dropped.
#[derive(Clone, Debug)]
pub struct Publisher {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    tx: mpsc::Sender<Bytes>,
    endpoint: String,
    /// The zeromq socket's own `ipc://` endpoint, reachable only by the guard.
    inner_endpoint: String,
    limits: Limits,
    counters: Arc<Counters>,
    guard: tokio::sync::Mutex<Option<Guard>>,
    /// Tells the socket task to unbind and remove its private directory.
    unbind: CancellationToken,
    /// Fires once the private directory is gone.
    unbound: tokio::sync::Mutex<Option<oneshot::Receiver<()>>>,
}

impl Publisher {
    /// Listens on `endpoint` (`tcp://0.0.0.0:4505`; port 0 picks a free one).
    pub async fn bind(endpoint: &str, limits: Limits) -> Result<Self, TransportError> {
        let Guarded {
            mut socket,
            public,
            dir,
            inner_endpoint,
            counters,
            guard,
        } = bind_guarded(endpoint, &limits, "publisher", PubSocket::new).await?;

        let (tx, mut rx) = mpsc::channel::<Bytes>(limits.queue.max(1));
        let unbind = CancellationToken::new();
        let unbind_rx = unbind.clone();
        let (unbound_tx, unbound_rx) = oneshot::channel();
        zmq_runtime().spawn(async move {
            let mut dir = Some(dir);
            let mut unbound_tx = Some(unbound_tx);
            loop {
                tokio::select! {
                    _ = unbind_rx.cancelled(), if dir.is_some() => {
                        // zeromq deletes its socket file, then the directory goes.
                        socket.unbind_all().await;
                        if let Some(dir) = dir.take() {
                            dir.remove().await;
                        }
                        if let Some(done) = unbound_tx.take() {
                            let _ = done.send(());
                        }
                    }
                    msg = rx.recv() => {
                        let Some(msg) = msg else { break };
                        // PUB never blocks: zeromq drops messages for a full subscriber queue.
                        if let Err(error) = socket.send(ZmqMessage::from(msg)).await {
                            tracing::debug!(%error, "publish failed");
                        }
                    }
                }
            }
            socket.unbind_all().await;
            if let Some(dir) = dir.take() {
                dir.remove().await;
            }
        });
        Ok(Self {
            inner: Arc::new(Inner {
                tx,
                endpoint: format!("tcp://{public}"),
                inner_endpoint,
                limits,
                counters,
                guard: tokio::sync::Mutex::new(Some(guard)),
                unbind,
                unbound: tokio::sync::Mutex::new(Some(unbound_rx)),
            }),
        })
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

    /// Queues `msg` for every subscriber. Waits at most `send_timeout` for
    /// room in the queue.
    pub async fn publish(&self, msg: Bytes) -> Result<(), TransportError> {
        check_size(&msg, &self.inner.limits)?;
        let timeout = self.inner.limits.send_timeout;
        match tokio::time::timeout(timeout, self.inner.tx.send(msg)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(TransportError::Closed),
            Err(_) => Err(TransportError::Timeout(timeout)),
        }
    }

    /// Counters of dropped input (subscription messages from peers).
    pub fn stats(&self) -> TransportStats {
        self.inner.counters.snapshot()
    }

    /// Stops listening and waits until the public port is released and the
    /// private socket directory is removed. Other clones stay valid but
    /// nobody can connect any more.
    pub async fn close(&self) {
        tracing::debug!(
            endpoint = %self.inner.endpoint,
            inner = %self.inner.inner_endpoint,
            "closing publisher"
        );
        if let Some(guard) = self.inner.guard.lock().await.take() {
            guard.close().await;
        }
        self.inner.unbind.cancel();
        if let Some(unbound) = self.inner.unbound.lock().await.take() {
            let _ = unbound.await;
        }
    }
}

/// Binds a zeromq socket on `endpoint`, an `ipc://` path in a private
/// directory (never a TCP port: see the crate doc).
/// A zeromq socket listening on its private ipc endpoint, with the guard
/// owning the public TCP port in front of it.
pub(crate) struct Guarded<S> {
    pub socket: S,
    pub public: std::net::SocketAddr,
    pub dir: PrivateDir,
    pub inner_endpoint: String,
    pub counters: std::sync::Arc<Counters>,
    pub guard: Guard,
}

/// Binds the public TCP `endpoint` for the guard and a new zeromq socket
/// on `ipc://<private dir>/<what>.sock` behind it (the master side of both
/// the publisher and the router).
pub(crate) async fn bind_guarded<S: Socket + Send + 'static>(
    endpoint: &str,
    limits: &Limits,
    what: &'static str,
    new_socket: fn() -> S,
) -> Result<Guarded<S>, TransportError> {
    let target = TcpTarget::parse(endpoint)?;
    let listener =
        TcpListener::bind(target.addr())
            .await
            .map_err(|source| TransportError::Bind {
                endpoint: endpoint.to_owned(),
                source,
            })?;
    let public = listener.local_addr()?;
    let dir = PrivateDir::create()?;
    let (inner_path, inner_endpoint) = dir.socket(&format!("{what}.sock"))?;
    let bind_endpoint = inner_endpoint.clone();
    let socket = on_zmq(async move {
        let mut socket = new_socket();
        bind_inner(&mut socket, &bind_endpoint).await?;
        Ok(socket)
    })
    .await?;
    let counters = Counters::new();
    let guard = guard::serve(
        listener,
        inner_path,
        RelayConfig {
            max_message: limits.max_message,
            send_timeout: limits.send_timeout,
            counters: counters.clone(),
            what,
        },
    )?;
    Ok(Guarded {
        socket,
        public,
        dir,
        inner_endpoint,
        counters,
        guard,
    })
}

pub(crate) async fn bind_inner<S: Socket>(
    socket: &mut S,
    endpoint: &str,
) -> Result<(), TransportError> {
    let bound = socket
        .bind(endpoint)
        .await
        .map_err(|e| TransportError::Socket(e.to_string()))?;
    match bound {
        zeromq::Endpoint::Ipc(_) => Ok(()),
        other => Err(TransportError::Socket(format!(
            "zeromq bound {other} instead of an ipc endpoint"
        ))),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[tokio::test]
    async fn refuses_oversized_publish_and_bad_endpoint() {
        let limits = Limits {
            max_message: 4,
            ..Limits::default()
        };
        let publisher = Publisher::bind("tcp://127.0.0.1:0", limits.clone())
            .await
            .unwrap();
        assert!(publisher.local_endpoint().starts_with("tcp://127.0.0.1:"));
        assert!(!publisher.local_endpoint().ends_with(":0"));
        assert!(matches!(
            publisher.publish(Bytes::from_static(b"12345")).await,
            Err(TransportError::TooLarge { size: 5, max: 4 })
        ));
        publisher
            .publish(Bytes::from_static(b"1234"))
            .await
            .unwrap();
        assert!(matches!(
            Publisher::bind("udp://1.2.3.4:5", limits).await,
            Err(TransportError::InvalidEndpoint { .. })
        ));
    }

    /// The socket file of an `ipc://` endpoint and its directory.
    pub(crate) fn ipc_paths(endpoint: &str) -> (std::path::PathBuf, std::path::PathBuf) {
        use std::os::unix::fs::{FileTypeExt, MetadataExt};
        let path = std::path::PathBuf::from(
            endpoint
                .strip_prefix("ipc://")
                .unwrap_or_else(|| panic!("inner endpoint is not ipc: {endpoint}")),
        );
        let dir = path.parent().unwrap().to_owned();
        let meta = std::fs::symlink_metadata(&dir).unwrap();
        assert!(meta.is_dir());
        assert_eq!(meta.mode() & 0o7777, 0o700, "{}", dir.display());
        assert!(std::fs::metadata(&path).unwrap().file_type().is_socket());
        (path, dir)
    }

    #[tokio::test]
    async fn zeromq_listens_on_ipc_in_a_private_dir_removed_on_close() {
        let publisher = Publisher::bind("tcp://127.0.0.1:0", Limits::default())
            .await
            .unwrap();
        let (_, dir) = ipc_paths(publisher.inner_endpoint());
        publisher.close().await;
        assert!(!dir.exists(), "{} left behind", dir.display());
        // Publishing after close is still accepted (and goes nowhere).
        publisher.publish(Bytes::from_static(b"x")).await.unwrap();

        let publisher = Publisher::bind("tcp://127.0.0.1:0", Limits::default())
            .await
            .unwrap();
        let (_, dir) = ipc_paths(publisher.inner_endpoint());
        drop(publisher);
        for _ in 0..300 {
            if !dir.exists() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert!(!dir.exists(), "{} left behind after drop", dir.display());
    }
}
