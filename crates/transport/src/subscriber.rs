//! The minion's SUB socket: subscribes to everything the master publishes.
//! It connects lazily through the guard, and zeromq's SUB reconnects on its
//! own after the master restarts.

use bytes::Bytes;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use zeromq::{Socket, SocketOptions, SocketRecv, SubSocket, ZmqError};

use crate::endpoint::TcpTarget;
use crate::guard::{self, Guard, RelayConfig};
use crate::{
    Backoff, Counters, Limits, TransportError, TransportStats, accept_payload, zmq_runtime,
};

/// Receives every message the master publishes.
#[derive(Debug)]
pub struct Subscriber {
    rx: mpsc::Receiver<Bytes>,
    counters: std::sync::Arc<Counters>,
    task: JoinHandle<()>,
    _guard: Guard,
}

impl Drop for Subscriber {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Subscriber {
    /// Starts subscribing to `endpoint` with Salt's default back-off.
    /// Returns at once; see [`Subscriber::connect_with_backoff`].
    pub async fn connect(endpoint: &str, limits: Limits) -> Result<Self, TransportError> {
        Self::connect_with_backoff(endpoint, limits, Backoff::default()).await
    }

    /// Starts subscribing to `endpoint`. Returns at once (only an invalid
    /// endpoint fails): the connection is made in the background, retried
    /// with `backoff` while the master is down, and re-made after it restarts.
    pub async fn connect_with_backoff(
        endpoint: &str,
        limits: Limits,
        backoff: Backoff,
    ) -> Result<Self, TransportError> {
        let target = TcpTarget::parse(endpoint)?;
        let counters = Counters::new();
        let guard = guard::dial(
            target,
            backoff.clone(),
            false,
            RelayConfig {
                max_message: limits.max_message,
                send_timeout: limits.send_timeout,
                counters: counters.clone(),
                what: "subscriber",
            },
        )
        .await?;
        let local = format!("tcp://{}", guard.local_addr());
        let (tx, rx) = mpsc::channel(limits.queue.max(1));
        let task_counters = counters.clone();
        let task = zmq_runtime().spawn(async move {
            let mut options = SocketOptions::default();
            // The guard holds the handshake until the master answers.
            options.no_connect_timeout();
            let mut socket = SubSocket::with_options(options);
            if let Err(error) = socket.subscribe("").await {
                tracing::debug!(%error, "subscribe failed");
            }
            let mut attempt = 0u32;
            while let Err(error) = socket.connect(&local).await {
                tracing::debug!(%error, attempt, "subscriber connect failed; retrying");
                tokio::time::sleep(backoff.delay(attempt)).await;
                attempt = attempt.saturating_add(1);
            }
            loop {
                match socket.recv().await {
                    Ok(msg) => {
                        let Some(payload) = accept_payload(
                            msg.into_vec(),
                            limits.max_message,
                            &task_counters,
                            "subscriber",
                        ) else {
                            continue;
                        };
                        if tx.send(payload).await.is_err() {
                            break;
                        }
                    }
                    Err(ZmqError::NoMessage) => break,
                    // A broken connection; zeromq's reconnect task takes over.
                    Err(error) => tracing::debug!(%error, "subscriber receive error"),
                }
            }
        });
        Ok(Self {
            rx,
            counters,
            task,
            _guard: guard,
        })
    }

    /// The next published message. `None` only if the socket has stopped.
    pub async fn recv(&mut self) -> Option<Bytes> {
        self.rx.recv().await
    }

    /// Counters of dropped input.
    pub fn stats(&self) -> TransportStats {
        self.counters.snapshot()
    }
}
