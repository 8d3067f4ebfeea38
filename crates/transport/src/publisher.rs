//! The master's PUB socket (port 4505): one task owns the zeromq socket and
//! is fed through a bounded channel; the public port belongs to the guard.

use std::sync::Arc;

use bytes::Bytes;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use zeromq::{PubSocket, Socket, SocketSend, ZmqMessage};

use crate::endpoint::TcpTarget;
use crate::guard::{self, Guard, RelayConfig};
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
    limits: Limits,
    counters: Arc<Counters>,
    guard: tokio::sync::Mutex<Option<Guard>>,
}

impl Publisher {
    /// Listens on `endpoint` (`tcp://0.0.0.0:4505`; port 0 picks a free one).
    pub async fn bind(endpoint: &str, limits: Limits) -> Result<Self, TransportError> {
        let target = TcpTarget::parse(endpoint)?;
        let listener =
            TcpListener::bind(target.addr())
                .await
                .map_err(|source| TransportError::Bind {
                    endpoint: endpoint.to_owned(),
                    source,
                })?;
        let public = listener.local_addr()?;

        let (socket, inner_addr) = on_zmq(async {
            let mut socket = PubSocket::new();
            let addr = bind_loopback(&mut socket).await?;
            Ok((socket, addr))
        })
        .await?;
        let mut socket = socket;
        let counters = Counters::new();
        let guard = guard::serve(
            listener,
            inner_addr,
            RelayConfig {
                max_message: limits.max_message,
                send_timeout: limits.send_timeout,
                counters: counters.clone(),
                what: "publisher",
            },
        )?;

        let (tx, mut rx) = mpsc::channel::<Bytes>(limits.queue.max(1));
        zmq_runtime().spawn(async move {
            while let Some(msg) = rx.recv().await {
                // PUB never blocks: zeromq drops messages for a full subscriber queue.
                if let Err(error) = socket.send(ZmqMessage::from(msg)).await {
                    tracing::debug!(%error, "publish failed");
                }
            }
        });
        Ok(Self {
            inner: Arc::new(Inner {
                tx,
                endpoint: format!("tcp://{public}"),
                limits,
                counters,
                guard: tokio::sync::Mutex::new(Some(guard)),
            }),
        })
    }

    /// The bound endpoint, with the real port.
    pub fn local_endpoint(&self) -> String {
        self.inner.endpoint.clone()
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

    /// Stops listening and waits until the public port is released. Other
    /// clones stay valid but nobody can connect any more.
    pub async fn close(&self) {
        if let Some(guard) = self.inner.guard.lock().await.take() {
            guard.close().await;
        }
    }
}

/// Binds a zeromq socket on an ephemeral loopback port, returning its address.
pub(crate) async fn bind_loopback<S: Socket>(
    socket: &mut S,
) -> Result<std::net::SocketAddr, TransportError> {
    let bound = socket
        .bind("tcp://127.0.0.1:0")
        .await
        .map_err(|e| TransportError::Socket(e.to_string()))?;
    match bound {
        zeromq::Endpoint::Tcp(_, port) => Ok(std::net::SocketAddr::from(([127, 0, 0, 1], port))),
        _ => Err(TransportError::Socket(
            "zeromq bound a non-tcp endpoint".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
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
}
