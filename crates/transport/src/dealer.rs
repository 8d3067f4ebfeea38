//! The minion's DEALER socket for requests and returns to the master.
//!
//! zeromq 0.7's DEALER never reconnects once its peer is gone, so this
//! wrapper watches the socket's monitor: on a disconnect, `recv` returns
//! `None` and `send` fails with `Disconnected`, and the caller decides when to
//! `reconnect()` (which builds a fresh socket with the back-off).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use bytes::Bytes;
use futures_util::StreamExt;
use tokio::sync::{Mutex, mpsc};
use tokio::task::JoinHandle;
use zeromq::{
    DealerSendHalf, DealerSocket, Socket, SocketEvent, SocketOptions, SocketRecv, SocketSend,
    ZmqError, ZmqMessage,
};

use crate::endpoint::TcpTarget;
use crate::guard::{self, Guard, RelayConfig};
use crate::{
    Backoff, Counters, Limits, TransportError, TransportStats, accept_payload, check_size, on_zmq,
    zmq_runtime,
};

/// A connection to the master's ROUTER.
#[derive(Debug)]
pub struct Dealer {
    target: TcpTarget,
    limits: Limits,
    backoff: Backoff,
    counters: Arc<Counters>,
    conn: Option<Conn>,
}

struct Conn {
    send: Mutex<DealerSendHalf>,
    rx: mpsc::Receiver<Bytes>,
    connected: Arc<AtomicBool>,
    task: JoinHandle<()>,
    _guard: Guard,
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conn")
            .field("connected", &self.connected.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Dealer {
    /// Connects to the master's ROUTER at `endpoint`, retrying with `backoff`
    /// until the master completes a handshake (bound the wait with
    /// `tokio::time::timeout` if needed). Fails early only on a bad endpoint.
    pub async fn connect(
        endpoint: &str,
        limits: Limits,
        backoff: Backoff,
    ) -> Result<Self, TransportError> {
        let mut dealer = Self {
            target: TcpTarget::parse(endpoint)?,
            limits,
            backoff,
            counters: Counters::new(),
            conn: None,
        };
        dealer.open(false).await?;
        Ok(dealer)
    }

    /// Sends one message, waiting at most `send_timeout`. Fails with
    /// [`TransportError::Disconnected`] once the connection is lost.
    pub async fn send(&self, msg: Bytes) -> Result<(), TransportError> {
        check_size(&msg, &self.limits)?;
        let conn = self.conn.as_ref().ok_or(TransportError::Disconnected)?;
        if !conn.connected.load(Ordering::Acquire) {
            return Err(TransportError::Disconnected);
        }
        let timeout = self.limits.send_timeout;
        let sent = tokio::time::timeout(timeout, async {
            conn.send.lock().await.send(ZmqMessage::from(msg)).await
        })
        .await;
        match sent {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => {
                tracing::debug!(%error, "dealer send failed");
                conn.connected.store(false, Ordering::Release);
                Err(TransportError::Disconnected)
            }
            Err(_) => Err(TransportError::Timeout(timeout)),
        }
    }

    /// The next one-frame message from the master; `None` once the
    /// connection is lost (then call [`Dealer::reconnect`]).
    pub async fn recv(&mut self) -> Option<Bytes> {
        self.conn.as_mut()?.rx.recv().await
    }

    /// True until the connection to the master is known to be lost.
    pub fn is_connected(&self) -> bool {
        self.conn
            .as_ref()
            .is_some_and(|c| c.connected.load(Ordering::Acquire))
    }

    /// Drops the socket and opens a new one: waits `backoff.delay(0)` (Salt's
    /// `recon_default`, spread by `recon_randomize`), then retries with the
    /// doubling delay until the master answers. Messages not yet delivered
    /// on the old socket are lost; the layers above re-send unacked ones.
    pub async fn reconnect(&mut self) -> Result<(), TransportError> {
        self.conn = None;
        self.open(true).await
    }

    /// Counters of dropped input, over all connections of this dealer.
    pub fn stats(&self) -> TransportStats {
        self.counters.snapshot()
    }

    async fn open(&mut self, delay_first: bool) -> Result<(), TransportError> {
        let mut attempt = 0u32;
        if delay_first {
            tokio::time::sleep(self.backoff.delay(0)).await;
            attempt = 1;
        }
        loop {
            match self.try_open().await {
                Ok(conn) => {
                    self.conn = Some(conn);
                    return Ok(());
                }
                Err(TransportError::Socket(error)) => {
                    tracing::debug!(%error, attempt, "dealer connect failed; retrying");
                }
                Err(other) => return Err(other),
            }
            tokio::time::sleep(self.backoff.delay(attempt)).await;
            attempt = attempt.saturating_add(1);
        }
    }

    async fn try_open(&self) -> Result<Conn, TransportError> {
        let guard = guard::dial(
            self.target.clone(),
            self.backoff.clone(),
            false,
            RelayConfig {
                max_message: self.limits.max_message,
                send_timeout: self.limits.send_timeout,
                counters: self.counters.clone(),
                what: "dealer",
            },
        )
        .await?;
        let local = format!("tcp://{}", guard.local_addr());
        let (socket, mut monitor) = on_zmq(async move {
            let mut options = SocketOptions::default();
            // The guard holds the handshake until the master answers.
            options.no_connect_timeout();
            let mut socket = DealerSocket::with_options(options);
            let monitor = socket.monitor();
            socket
                .connect(&local)
                .await
                .map_err(|e| TransportError::Socket(e.to_string()))?;
            Ok((socket, monitor))
        })
        .await?;
        let (send, mut recv) = socket.split();
        let connected = Arc::new(AtomicBool::new(true));
        let (tx, rx) = mpsc::channel(self.limits.queue.max(1));
        let task_connected = connected.clone();
        let counters = self.counters.clone();
        let max = self.limits.max_message;
        let task = zmq_runtime().spawn(async move {
            loop {
                tokio::select! {
                    msg = recv.recv() => match msg {
                        Ok(msg) => {
                            if let Some(payload) = accept_payload(msg.into_vec(), max, &counters, "dealer")
                                && tx.send(payload).await.is_err()
                            {
                                break;
                            }
                        }
                        Err(ZmqError::NoMessage) => break,
                        Err(error) => {
                            tracing::debug!(%error, "dealer receive error");
                            break;
                        }
                    },
                    event = monitor.next() => match event {
                        Some(SocketEvent::Disconnected(_)) | None => break,
                        Some(_) => {}
                    },
                }
            }
            task_connected.store(false, Ordering::Release);
            tracing::debug!("dealer lost its connection to the master");
        });
        Ok(Conn {
            send: Mutex::new(send),
            rx,
            connected,
            task,
            _guard: guard,
        })
    }
}
