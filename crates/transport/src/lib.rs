//! ZeroMQ sockets behind salt-rs's own interface: PUB/ROUTER on the master,
//! SUB/DEALER on minions, reconnect and back-off.
//!
//! This crate moves opaque byte messages; it knows nothing about jobs, keys
//! or message formats. Every message is exactly one ZeroMQ frame; multi-frame
//! messages and messages larger than [`Limits::max_message`] are dropped on
//! receipt (counted in [`TransportStats`], logged with `tracing::debug`).
//!
//! # How the gaps of `zeromq` 0.7 are covered
//!
//! * **Oversized frames abort the process.** The zeromq 0.7 decoder reserves
//!   the full length announced in a frame header before a byte of the body
//!   arrives and has no size limit: a 73-byte TCP message (greeting plus a
//!   long-frame header announcing 2^60 bytes) makes the allocator fail and
//!   the whole process abort. So no zeromq socket in this crate ever reads
//!   from an untrusted TCP stream directly. Every connection passes through
//!   a *frame guard* (`guard.rs`): a relay that parses ZMTP framing on the
//!   fly, refuses a bad greeting, bad flags and oversized commands by closing
//!   the connection, and discards oversized data messages *without
//!   buffering them*, so the next normal message still arrives. On the master
//!   the public port is a Tokio listener owned by the guard, and the zeromq
//!   socket listens on zeromq's `ipc` transport, a Unix socket in a fresh
//!   0700 directory (`$TMPDIR/salt-transport-<pid>-<random>/`, one per
//!   socket, removed on close; `private_dir.rs`). So no TCP port leads to a
//!   zeromq socket, and a *local* user of the master host cannot reach it
//!   either: only the master's user (and root) can enter the directory.
//!   On a minion the zeromq socket connects to a guard listening on
//!   `127.0.0.1`, which dials the master. That loopback port is no crash
//!   risk: the minion's zeromq socket never listens, so its decoder only
//!   reads what the guard forwards from the master, filtered. A local user
//!   who connects to the guard's port talks to the guard, which relays those
//!   bytes to the master (filtered there by the master's guard); at worst
//!   it holds the guard's one relay slot, delaying that minion's connection
//!   (a local denial of service, no impersonation: sessions are
//!   authenticated by the layers above).
//! * **No handshake timeout** in zeromq: the guard closes a connection that
//!   has not completed the greeting and its first command within 10 s.
//! * **Fixed 100,000-message queues per peer** and no send timeout: every send
//!   here is bounded by [`Limits::send_timeout`], and a peer that takes no
//!   bytes for that long is disconnected by the guard, which frees its
//!   queue. One slow or vanished peer never blocks sends to others.
//! * **A send waiting on a full peer queue can freeze the executor**: zeromq
//!   holds a map lock across that wait, and a disconnect takes the same lock
//!   with a blocking call from zeromq's own tasks. Reproduced here with two
//!   worker threads: the whole runtime hung. So zeromq runs on its own
//!   runtime (`zmq_runtime`), the guard drains zeromq at once so its queues
//!   stay short, and the ROUTER sends to one peer one at a time.
//! * **DEALER never reconnects** once its peer is gone: [`Dealer::recv`]
//!   returns `None` and [`Dealer::send`] fails with
//!   [`TransportError::Disconnected`] as soon as the connection drops;
//!   [`Dealer::reconnect`] builds a new socket with [`Backoff`].
//! * **SUB reconnects by itself** (verified by the tests, including a publisher
//!   restarted on the same port); the guard's re-dial uses [`Backoff`].
//! * **ROUTER identities can be taken over** by a peer announcing the same
//!   identity: [`PeerId`] is a reply address only, never an identity.
//! * **No CURVE, no linger**: encryption and acknowledgements are the job of
//!   the layers above.
//!
//! # Connecting before the master is up
//!
//! [`Subscriber::connect`] is lazy: it returns at once and connects in the
//! background, retrying with the back-off. [`Dealer::connect`] and
//! [`Dealer::reconnect`] wait, retrying with the back-off, until the master
//! completes a handshake; wrap them in `tokio::time::timeout` or `select!`
//! with a shutdown signal to bound the wait. They fail early only on an
//! invalid endpoint.

#![forbid(unsafe_code)]

mod dealer;
mod endpoint;
mod guard;
mod private_dir;
mod publisher;
mod router;
mod subscriber;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;

pub use dealer::Dealer;
pub use publisher::Publisher;
pub use router::{Router, RouterRx};
pub use subscriber::Subscriber;

/// Size and time bounds applied to one socket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted message in bytes; bigger ones are dropped on receipt
    /// and refused on send.
    pub max_message: usize,
    /// Upper bound for one send, and for a peer taking no bytes before the
    /// guard disconnects it.
    pub send_timeout: Duration,
    /// Capacity of the internal channels between handles and socket tasks.
    pub queue: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_message: 16 * 1024 * 1024,
            send_timeout: Duration::from_secs(10),
            queue: 1024,
        }
    }
}

/// An opaque peer handle from the ROUTER. It only routes a reply back to the
/// connection a request came from; it is never an identity (a peer can
/// announce any routing id, including another peer's).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PeerId(Bytes);

impl PeerId {
    /// The raw routing id, for logs.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// Reconnect back-off with Salt's `recon_default`, `recon_max` and
/// `recon_randomize` semantics.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// First delay (`recon_default`, Salt default 1000 ms).
    pub initial: Duration,
    /// Cap of the doubling delay (`recon_max`, Salt default 10000 ms).
    pub max: Duration,
    /// Spread reconnects of a fleet over a window (`recon_randomize`).
    pub randomize: bool,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            initial: Duration::from_millis(1000),
            max: Duration::from_millis(10_000),
            randomize: true,
        }
    }
}

impl Backoff {
    /// Delay before retry number `attempt` (0-based): `initial * 2^attempt`,
    /// capped at `max`. With `randomize`, a uniformly random extra in
    /// `[0, max]` is added, so the first delay lies between `recon_default`
    /// and `recon_default + recon_max` as in Salt, and later ones never
    /// exceed `2 * max`: a restarted master sees its minions spread over a
    /// window instead of all at once.
    pub fn delay(&self, attempt: u32) -> Duration {
        let factor = 2u32.checked_pow(attempt.min(31)).unwrap_or(u32::MAX);
        let base = self
            .initial
            .checked_mul(factor)
            .unwrap_or(Duration::MAX)
            .min(self.max.max(self.initial));
        if self.randomize {
            base.saturating_add(self.max.mul_f64(fastrand::f64()))
        } else {
            base
        }
    }
}

/// Errors of this crate.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// The endpoint is not `tcp://host:port`.
    #[error("invalid endpoint '{endpoint}': {reason} (expected tcp://HOST:PORT)")]
    InvalidEndpoint {
        /// The endpoint as given.
        endpoint: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Binding the listening port failed.
    #[error("cannot listen on {endpoint}: {source}")]
    Bind {
        /// The endpoint as given.
        endpoint: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// An I/O error on a local resource.
    #[error("transport I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The underlying zeromq socket refused an operation.
    #[error("zeromq socket error: {0}")]
    Socket(String),
    /// A message bigger than [`Limits::max_message`] was not sent.
    #[error("message of {size} bytes exceeds the limit of {max} bytes")]
    TooLarge {
        /// Size of the refused message.
        size: usize,
        /// The configured limit.
        max: usize,
    },
    /// A send did not complete within [`Limits::send_timeout`].
    #[error("send timed out after {0:?}")]
    Timeout(Duration),
    /// The socket task has stopped (the socket was closed).
    #[error("socket is closed")]
    Closed,
    /// The ROUTER has no connection for this peer (it went away).
    #[error("peer is not connected")]
    PeerGone,
    /// The DEALER lost its connection to the master; call `reconnect()`.
    #[error("not connected to the master; reconnect")]
    Disconnected,
}

/// Counters of dropped input, for logs and metrics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TransportStats {
    /// Messages dropped because they exceeded [`Limits::max_message`].
    pub oversize_dropped: u64,
    /// Messages dropped because they had more than one payload frame.
    pub multipart_dropped: u64,
    /// Connections closed for breaking ZMTP framing (bad greeting, bad flags,
    /// oversized command, handshake timeout).
    pub bad_streams: u64,
}

/// Shared counters behind [`TransportStats`].
#[derive(Debug, Default)]
pub(crate) struct Counters {
    oversize: AtomicU64,
    multipart: AtomicU64,
    bad_streams: AtomicU64,
}

impl Counters {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    pub(crate) fn oversize(&self) {
        self.oversize.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn multipart(&self) {
        self.multipart.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn bad_stream(&self) {
        self.bad_streams.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> TransportStats {
        TransportStats {
            oversize_dropped: self.oversize.load(Ordering::Relaxed),
            multipart_dropped: self.multipart.load(Ordering::Relaxed),
            bad_streams: self.bad_streams.load(Ordering::Relaxed),
        }
    }
}

/// Checks a received zeromq message (payload frames only): one frame within
/// the size limit, else counts and drops it.
pub(crate) fn accept_payload(
    frames: Vec<Bytes>,
    max: usize,
    counters: &Counters,
    what: &str,
) -> Option<Bytes> {
    let mut frames = frames.into_iter();
    match (frames.next(), frames.next()) {
        (Some(payload), None) if payload.len() <= max => Some(payload),
        (Some(payload), None) => {
            counters.oversize();
            tracing::debug!(
                size = payload.len(),
                max,
                "{what}: dropped oversized message"
            );
            None
        }
        _ => {
            counters.multipart();
            tracing::debug!("{what}: dropped message without exactly one payload frame");
            None
        }
    }
}

/// The runtime that runs every zeromq socket and its internal tasks.
///
/// zeromq 0.7 can block an executor thread: a send waiting on a full peer
/// queue holds a map lock, and a disconnect then takes that lock with a
/// blocking call from zeromq's writer and reader tasks. If those tasks shared
/// the caller's runtime they could block all of its threads, and the waiting
/// send (whose timeout would release the lock) would never be polled again.
/// On their own runtime they block only zeromq's threads until the caller's
/// timeout drops the send.
pub(crate) fn zmq_runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("salt-zmq")
            .enable_all()
            .build()
            .unwrap_or_else(|error| panic!("cannot start the zeromq runtime: {error}"))
    })
}

/// Runs `fut` on the zeromq runtime and waits for its result.
pub(crate) async fn on_zmq<T: Send + 'static>(
    fut: impl std::future::Future<Output = Result<T, TransportError>> + Send + 'static,
) -> Result<T, TransportError> {
    zmq_runtime()
        .spawn(fut)
        .await
        .map_err(|e| TransportError::Socket(e.to_string()))?
}

/// Refuses to send a message over the limit.
pub(crate) fn check_size(msg: &Bytes, limits: &Limits) -> Result<(), TransportError> {
    if msg.len() > limits.max_message {
        return Err(TransportError::TooLarge {
            size: msg.len(),
            max: limits.max_message,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backoff(randomize: bool) -> Backoff {
        Backoff {
            initial: Duration::from_millis(100),
            max: Duration::from_millis(1000),
            randomize,
        }
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let b = backoff(false);
        let got: Vec<u128> = (0..6).map(|a| b.delay(a).as_millis()).collect();
        assert_eq!(got, vec![100, 200, 400, 800, 1000, 1000]);
        assert_eq!(b.delay(u32::MAX), Duration::from_millis(1000));
    }

    #[test]
    fn backoff_randomize_spreads_within_salt_window() {
        let b = backoff(true);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..200 {
            let first = b.delay(0);
            assert!(first >= Duration::from_millis(100));
            assert!(first <= Duration::from_millis(1100));
            seen.insert(first.as_millis());
            let late = b.delay(20);
            assert!(late >= Duration::from_millis(1000));
            assert!(late <= Duration::from_millis(2000));
        }
        assert!(seen.len() > 10, "randomized delays should vary: {seen:?}");
    }

    #[test]
    fn backoff_with_max_below_initial_uses_initial() {
        let b = Backoff {
            initial: Duration::from_secs(2),
            max: Duration::from_secs(1),
            randomize: false,
        };
        assert_eq!(b.delay(0), Duration::from_secs(2));
        assert_eq!(b.delay(5), Duration::from_secs(2));
    }

    #[test]
    fn payload_checks_count_drops() {
        let c = Counters::default();
        let ok = accept_payload(vec![Bytes::from_static(b"abc")], 3, &c, "t");
        assert_eq!(ok, Some(Bytes::from_static(b"abc")));
        assert!(accept_payload(vec![Bytes::from_static(b"abcd")], 3, &c, "t").is_none());
        assert!(accept_payload(vec![Bytes::new(), Bytes::new()], 3, &c, "t").is_none());
        assert!(accept_payload(vec![], 3, &c, "t").is_none());
        let s = c.snapshot();
        assert_eq!((s.oversize_dropped, s.multipart_dropped), (1, 2));
    }
}
