//! The frame guard: a relay in front of every zeromq socket, because the
//! zeromq 0.7 decoder allocates whatever length a frame header announces (one
//! crafted header aborts the process) and has no handshake timeout. On the
//! master it accepts TCP peers and dials the zeromq socket's Unix socket in a
//! private directory; on a minion it accepts the local zeromq socket on
//! loopback TCP and dials the master.
//!
//! The guard parses ZMTP 3 framing of the untrusted direction as it streams:
//! it checks the greeting signature and frame flags, closes the connection on
//! an oversized command, and discards an oversized data message without
//! buffering it. When frames of the message were already forwarded (a
//! multi-frame message that grows too big), it ends the message with an empty
//! frame; the socket layer then drops it as multi-frame. The trusted direction
//! is drained from zeromq at once into a bounded backlog; a peer whose backlog
//! exceeds the budget, or that takes no bytes for `send_timeout`, is
//! disconnected. So zeromq's own 100,000-message peer queue never fills.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UnixStream};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::endpoint::TcpTarget;
use crate::{Backoff, Counters};

/// Greeting plus first command (READY) must arrive within this time.
pub(crate) const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest accepted ZMTP command frame (READY with a 255-byte identity fits).
pub(crate) const MAX_COMMAND: u64 = 8 * 1024;
/// Bound for one TCP connect of the guard.
const DIAL_TIMEOUT: Duration = Duration::from_secs(10);
/// Read buffer per direction and connection. Every minion holds two
/// connections through a guard on the master, so this is paid per minion:
/// 64 KiB measured ~300 KiB of master RSS per minion with 1,000 minions.
/// Larger messages simply take several reads.
const BUF_SIZE: usize = 8 * 1024;
/// Smallest outbound backlog per peer before a slow peer is disconnected
/// (the budget is twice `max_message`, at least this).
const MIN_BACKLOG: usize = 4 * 1024 * 1024;

/// What the relay needs to know.
#[derive(Clone, Debug)]
pub(crate) struct RelayConfig {
    pub(crate) max_message: usize,
    pub(crate) send_timeout: Duration,
    pub(crate) counters: Arc<Counters>,
    /// For logs: which socket this guard serves.
    pub(crate) what: &'static str,
}

/// A running guard; dropping it stops the listener and every relay.
#[derive(Debug)]
pub(crate) struct Guard {
    local: SocketAddr,
    token: CancellationToken,
    task: Option<JoinHandle<()>>,
}

impl Guard {
    /// Address of the guard's own listener.
    pub(crate) fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Stops accepting and waits until the listening socket is closed.
    pub(crate) async fn close(mut self) {
        self.token.cancel();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.token.cancel();
    }
}

/// Master side: accepts untrusted peers on `listener` and relays each to the
/// zeromq socket listening on the Unix socket `inner` (in a 0700 directory).
pub(crate) fn serve(
    listener: TcpListener,
    inner: PathBuf,
    cfg: RelayConfig,
) -> std::io::Result<Guard> {
    let local = listener.local_addr()?;
    let token = CancellationToken::new();
    let accept_token = token.clone();
    let task = tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                _ = accept_token.cancelled() => break,
                accepted = listener.accept() => accepted,
            };
            let (peer, addr) = match accepted {
                Ok(conn) => conn,
                Err(error) => {
                    // Out of descriptors and similar: do not spin.
                    tracing::debug!(what = cfg.what, %error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let _ = peer.set_nodelay(true);
            let cfg = cfg.clone();
            let token = accept_token.clone();
            let inner = inner.clone();
            tokio::spawn(async move {
                let inner =
                    match tokio::time::timeout(DIAL_TIMEOUT, UnixStream::connect(&inner)).await {
                        Ok(Ok(inner)) => inner,
                        Ok(Err(error)) => {
                            tracing::debug!(what = cfg.what, %error, "cannot reach inner socket");
                            return;
                        }
                        Err(_) => return,
                    };
                tracing::trace!(what = cfg.what, %addr, "relaying peer");
                tokio::select! {
                    _ = token.cancelled() => {}
                    _ = relay(peer, inner, &cfg) => {}
                }
            });
        }
        drop(listener);
    });
    Ok(Guard {
        local,
        token,
        task: Some(task),
    })
}

/// Minion side: listens on a fresh loopback port for the local zeromq socket
/// and relays each of its connections to `upstream`, dialling with `backoff`
/// until it answers. With `delay_first`, even the first dial waits
/// `backoff.delay(0)`; later connections (zeromq reconnecting) always do.
pub(crate) async fn dial(
    upstream: TcpTarget,
    backoff: Backoff,
    delay_first: bool,
    cfg: RelayConfig,
) -> std::io::Result<Guard> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let local = listener.local_addr()?;
    let token = CancellationToken::new();
    let run_token = token.clone();
    let task = tokio::spawn(async move {
        let mut delay_next = delay_first;
        loop {
            let local_conn = tokio::select! {
                _ = run_token.cancelled() => break,
                accepted = listener.accept() => match accepted {
                    Ok((conn, _)) => {
                        let _ = conn.set_nodelay(true);
                        conn
                    }
                    Err(error) => {
                        tracing::debug!(what = cfg.what, %error, "local accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
            };
            let upstream_conn = tokio::select! {
                _ = run_token.cancelled() => break,
                conn = dial_with_backoff(&upstream, &backoff, delay_next, cfg.what) => conn,
            };
            delay_next = true;
            tokio::select! {
                _ = run_token.cancelled() => break,
                _ = relay(upstream_conn, local_conn, &cfg) => {
                    tracing::debug!(what = cfg.what, host = %upstream.host, port = upstream.port, "connection to master ended");
                }
            }
        }
    });
    Ok(Guard {
        local,
        token,
        task: Some(task),
    })
}

async fn dial_with_backoff(
    upstream: &TcpTarget,
    backoff: &Backoff,
    delay_first: bool,
    what: &str,
) -> TcpStream {
    let mut attempt = 0u32;
    if delay_first {
        tokio::time::sleep(backoff.delay(0)).await;
        attempt = 1;
    }
    loop {
        match tokio::time::timeout(DIAL_TIMEOUT, TcpStream::connect(upstream.addr())).await {
            Ok(Ok(conn)) => {
                let _ = conn.set_nodelay(true);
                return conn;
            }
            Ok(Err(error)) => {
                tracing::debug!(what, host = %upstream.host, port = upstream.port, %error, attempt, "connect failed");
            }
            Err(_) => {
                tracing::debug!(what, host = %upstream.host, port = upstream.port, attempt, "connect timed out");
            }
        }
        tokio::time::sleep(backoff.delay(attempt)).await;
        attempt = attempt.saturating_add(1);
    }
}

/// Relays until either side closes: `untrusted -> trusted` through the frame
/// filter, `trusted -> untrusted` copied with a stall timeout.
pub(crate) async fn relay<U, T>(untrusted: U, trusted: T, cfg: &RelayConfig)
where
    U: AsyncRead + AsyncWrite,
    T: AsyncRead + AsyncWrite,
{
    let (mut untrusted_rd, mut untrusted_wr) = tokio::io::split(untrusted);
    let (mut trusted_rd, mut trusted_wr) = tokio::io::split(trusted);

    let inbound = async {
        let mut filter = FrameFilter::new(cfg.max_message, cfg.counters.clone(), cfg.what);
        let mut buf = vec![0u8; BUF_SIZE];
        let mut out = Vec::with_capacity(BUF_SIZE + 16);
        let deadline = tokio::time::Instant::now() + HANDSHAKE_TIMEOUT;
        loop {
            let read = if filter.handshake_done() {
                untrusted_rd.read(&mut buf).await
            } else {
                match tokio::time::timeout_at(deadline, untrusted_rd.read(&mut buf)).await {
                    Ok(read) => read,
                    Err(_) => {
                        cfg.counters.bad_stream();
                        tracing::debug!(what = cfg.what, "handshake timed out");
                        return;
                    }
                }
            };
            let n = match read {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            out.clear();
            if let Err(error) = filter.feed(&buf[..n], &mut out) {
                cfg.counters.bad_stream();
                tracing::debug!(what = cfg.what, %error, "closing connection");
                return;
            }
            if !out.is_empty() && trusted_wr.write_all(&out).await.is_err() {
                return;
            }
        }
    };
    // Always drain zeromq at once into a bounded backlog: zeromq's own peer
    // queue must never fill, because a zeromq 0.7 send waiting on a full
    // queue holds a map lock that a concurrent disconnect then blocks on.
    let outbound = async {
        let budget = cfg.max_message.saturating_mul(2).max(MIN_BACKLOG);
        let mut pending: VecDeque<Bytes> = VecDeque::new();
        let mut pending_bytes = 0usize;
        let mut buf = BytesMut::with_capacity(BUF_SIZE);
        let mut last_progress = tokio::time::Instant::now();
        loop {
            let front = pending.front().cloned();
            let stall_at = last_progress + cfg.send_timeout;
            tokio::select! {
                read = trusted_rd.read_buf(&mut buf) => {
                    match read {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {}
                    }
                    if pending.is_empty() {
                        last_progress = tokio::time::Instant::now();
                    }
                    let chunk = buf.split().freeze();
                    pending_bytes += chunk.len();
                    pending.push_back(chunk);
                    if pending_bytes > budget {
                        tracing::debug!(what = cfg.what, pending_bytes, "peer too slow; disconnecting it");
                        return;
                    }
                    buf.reserve(BUF_SIZE);
                }
                written = untrusted_wr.write(front.as_deref().unwrap_or(&[])), if front.is_some() => {
                    let n = match written {
                        Ok(0) | Err(_) => return,
                        Ok(n) => n,
                    };
                    pending_bytes -= n;
                    last_progress = tokio::time::Instant::now();
                    if let Some(head) = pending.front_mut() {
                        if n >= head.len() {
                            pending.pop_front();
                        } else {
                            head.advance(n);
                        }
                    }
                }
                _ = tokio::time::sleep_until(stall_at), if front.is_some() => {
                    tracing::debug!(what = cfg.what, "peer stopped reading; disconnecting it");
                    return;
                }
            }
        }
    };
    tokio::select! {
        _ = inbound => {}
        _ = outbound => {}
    }
}

/// Why the filter closed a connection.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum FilterError {
    #[error("not a ZMTP 3 greeting")]
    BadGreeting,
    #[error("reserved frame flag bits set")]
    BadFlags,
    #[error("command frame of {0} bytes is too large")]
    CommandTooLarge(u64),
    #[error("command frame inside a multi-frame message")]
    CommandInMessage,
}

#[derive(Debug)]
enum State {
    Signature {
        buf: [u8; 10],
        got: usize,
    },
    GreetingRest {
        left: usize,
    },
    Header,
    Length {
        flags: u8,
        buf: [u8; 8],
        need: usize,
        got: usize,
    },
    Body {
        left: u64,
        forward: bool,
        command: bool,
        more: bool,
    },
}

const FLAG_MORE: u8 = 0b001;
const FLAG_LONG: u8 = 0b010;
const FLAG_COMMAND: u8 = 0b100;

/// Streaming ZMTP 3 framing checker for one direction of one connection.
#[derive(Debug)]
pub(crate) struct FrameFilter {
    state: State,
    max_message: u64,
    /// Payload bytes of the current, partly forwarded message.
    msg_len: u64,
    /// Frames with MORE were forwarded and the message is not finished.
    msg_open: bool,
    /// The current message is oversized; skip its remaining frames.
    discarding: bool,
    handshake_done: bool,
    counters: Arc<Counters>,
    what: &'static str,
}

impl FrameFilter {
    pub(crate) fn new(max_message: usize, counters: Arc<Counters>, what: &'static str) -> Self {
        Self {
            state: State::Signature {
                buf: [0; 10],
                got: 0,
            },
            max_message: u64::try_from(max_message).unwrap_or(u64::MAX),
            msg_len: 0,
            msg_open: false,
            discarding: false,
            handshake_done: false,
            counters,
            what,
        }
    }

    /// True once the greeting and the first command have passed.
    pub(crate) fn handshake_done(&self) -> bool {
        self.handshake_done
    }

    /// Consumes `input`, appending what may be forwarded to `out`.
    pub(crate) fn feed(&mut self, mut input: &[u8], out: &mut Vec<u8>) -> Result<(), FilterError> {
        while !input.is_empty() {
            match &mut self.state {
                State::Signature { buf, got } => {
                    let n = (buf.len() - *got).min(input.len());
                    buf[*got..*got + n].copy_from_slice(&input[..n]);
                    *got += n;
                    input = &input[n..];
                    if *got == buf.len() {
                        if buf[0] != 0xff || buf[9] != 0x7f {
                            return Err(FilterError::BadGreeting);
                        }
                        out.extend_from_slice(buf);
                        self.state = State::GreetingRest { left: 64 - 10 };
                    }
                }
                State::GreetingRest { left } => {
                    let n = (*left).min(input.len());
                    out.extend_from_slice(&input[..n]);
                    input = &input[n..];
                    *left -= n;
                    if *left == 0 {
                        self.state = State::Header;
                    }
                }
                State::Header => {
                    let flags = input[0];
                    input = &input[1..];
                    if flags & !(FLAG_MORE | FLAG_LONG | FLAG_COMMAND) != 0
                        || (flags & FLAG_COMMAND != 0 && flags & FLAG_MORE != 0)
                    {
                        return Err(FilterError::BadFlags);
                    }
                    let need = if flags & FLAG_LONG != 0 { 8 } else { 1 };
                    self.state = State::Length {
                        flags,
                        buf: [0; 8],
                        need,
                        got: 0,
                    };
                }
                State::Length {
                    flags,
                    buf,
                    need,
                    got,
                } => {
                    let n = (*need - *got).min(input.len());
                    buf[*got..*got + n].copy_from_slice(&input[..n]);
                    *got += n;
                    input = &input[n..];
                    if *got == *need {
                        let flags = *flags;
                        let len = if *need == 8 {
                            u64::from_be_bytes(*buf)
                        } else {
                            u64::from(buf[0])
                        };
                        self.start_frame(flags, len, out)?;
                    }
                }
                State::Body {
                    left,
                    forward,
                    command,
                    more,
                } => {
                    let n = usize::try_from(*left)
                        .unwrap_or(usize::MAX)
                        .min(input.len());
                    if *forward {
                        out.extend_from_slice(&input[..n]);
                    }
                    input = &input[n..];
                    *left -= n as u64;
                    if *left == 0 {
                        let (command, more) = (*command, *more);
                        self.end_frame(command, more);
                    }
                }
            }
        }
        Ok(())
    }

    fn start_frame(&mut self, flags: u8, len: u64, out: &mut Vec<u8>) -> Result<(), FilterError> {
        let command = flags & FLAG_COMMAND != 0;
        let more = flags & FLAG_MORE != 0;
        let forward = if command {
            if len > MAX_COMMAND {
                return Err(FilterError::CommandTooLarge(len));
            }
            if self.msg_open || self.discarding {
                return Err(FilterError::CommandInMessage);
            }
            true
        } else if self.discarding {
            false
        } else if self.msg_len.saturating_add(len) > self.max_message {
            self.counters.oversize();
            tracing::debug!(what = self.what, size = len, "dropping oversized message");
            if self.msg_open {
                // End the partly forwarded message; it is then dropped as multi-frame.
                out.extend_from_slice(&[0, 0]);
            }
            self.msg_open = false;
            self.msg_len = 0;
            self.discarding = true;
            false
        } else {
            self.msg_len += len;
            true
        };
        if forward {
            out.push(flags);
            if flags & FLAG_LONG != 0 {
                out.extend_from_slice(&len.to_be_bytes());
            } else {
                // Short frames carry a one-byte length, so `len` fits.
                out.push(u8::try_from(len).unwrap_or(u8::MAX));
            }
        }
        self.state = State::Body {
            left: len,
            forward,
            command,
            more,
        };
        if len == 0 {
            self.end_frame(command, more);
        }
        Ok(())
    }

    fn end_frame(&mut self, command: bool, more: bool) {
        self.state = State::Header;
        if command {
            self.handshake_done = true;
        } else if self.discarding {
            self.discarding = more;
        } else if more {
            self.msg_open = true;
        } else {
            self.msg_open = false;
            self.msg_len = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn greeting() -> Vec<u8> {
        let mut g = vec![0u8; 64];
        g[0] = 0xff;
        g[9] = 0x7f;
        g[10] = 3;
        g[12..16].copy_from_slice(b"NULL");
        g
    }

    fn frame(flags: u8, body: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        if body.len() > 255 {
            v.push(flags | FLAG_LONG);
            v.extend_from_slice(&(body.len() as u64).to_be_bytes());
        } else {
            v.push(flags);
            v.push(body.len() as u8);
        }
        v.extend_from_slice(body);
        v
    }

    fn ready() -> Vec<u8> {
        let mut body = vec![5];
        body.extend_from_slice(b"READY");
        frame(FLAG_COMMAND, &body)
    }

    fn filter(max: usize) -> (FrameFilter, Arc<Counters>) {
        let c = Counters::new();
        (FrameFilter::new(max, c.clone(), "test"), c)
    }

    /// Feeds `input` in chunks of `chunk` bytes and returns the output.
    fn run(f: &mut FrameFilter, input: &[u8], chunk: usize) -> Result<Vec<u8>, FilterError> {
        let mut out = Vec::new();
        for piece in input.chunks(chunk) {
            f.feed(piece, &mut out)?;
        }
        Ok(out)
    }

    #[test]
    fn passes_valid_stream_unchanged_in_any_chunking() {
        let mut input = greeting();
        input.extend(ready());
        input.extend(frame(0, b"hello"));
        input.extend(frame(FLAG_MORE, b"a"));
        input.extend(frame(0, &[7u8; 300]));
        input.extend(frame(0, b""));
        for chunk in [1, 2, 7, 64, 1000] {
            let (mut f, c) = filter(1000);
            assert_eq!(run(&mut f, &input, chunk).unwrap(), input, "chunk {chunk}");
            assert!(f.handshake_done());
            assert_eq!(c.snapshot(), Default::default());
        }
    }

    #[test]
    fn huge_announced_length_is_dropped_not_forwarded() {
        let (mut f, c) = filter(1000);
        let mut input = greeting();
        input.extend(ready());
        let prefix_len = input.len();
        input.push(FLAG_LONG);
        input.extend_from_slice(&(1u64 << 60).to_be_bytes());
        input.extend_from_slice(&[1u8; 500]);
        let out = run(&mut f, &input, 100).unwrap();
        assert_eq!(out, input[..prefix_len]);
        assert_eq!(c.snapshot().oversize_dropped, 1);
    }

    #[test]
    fn oversized_message_skipped_and_next_one_passes() {
        let (mut f, c) = filter(100);
        let mut head = greeting();
        head.extend(ready());
        let mut input = head.clone();
        input.extend(frame(0, &[9u8; 101]));
        input.extend(frame(0, b"next"));
        let mut expected = head;
        expected.extend(frame(0, b"next"));
        assert_eq!(run(&mut f, &input, 13).unwrap(), expected);
        assert_eq!(c.snapshot().oversize_dropped, 1);
    }

    #[test]
    fn multiframe_message_growing_too_big_is_terminated_and_rest_skipped() {
        let (mut f, c) = filter(10);
        let mut head = greeting();
        head.extend(ready());
        let mut input = head.clone();
        input.extend(frame(FLAG_MORE, b"12345678"));
        input.extend(frame(FLAG_MORE, b"12345"));
        input.extend(frame(0, b"tail"));
        input.extend(frame(0, b"ok"));
        let mut expected = head;
        expected.extend(frame(FLAG_MORE, b"12345678"));
        expected.extend([0, 0]);
        expected.extend(frame(0, b"ok"));
        assert_eq!(run(&mut f, &input, 3).unwrap(), expected);
        assert_eq!(c.snapshot().oversize_dropped, 1);
    }

    #[test]
    fn rejects_garbage_greeting() {
        let (mut f, _) = filter(100);
        let mut out = Vec::new();
        assert_eq!(
            f.feed(b"GET / HTTP/1.1\r\n", &mut out),
            Err(FilterError::BadGreeting)
        );
        assert!(out.is_empty());
    }

    #[test]
    fn rejects_bad_flags_big_commands_and_commands_mid_message() {
        let (mut f, _) = filter(100);
        let mut input = greeting();
        input.push(0x80);
        assert_eq!(run(&mut f, &input, 64), Err(FilterError::BadFlags));

        let (mut f, _) = filter(100);
        let mut input = greeting();
        input.push(FLAG_COMMAND | FLAG_LONG);
        input.extend_from_slice(&(MAX_COMMAND + 1).to_be_bytes());
        assert_eq!(
            run(&mut f, &input, 64),
            Err(FilterError::CommandTooLarge(MAX_COMMAND + 1))
        );

        let (mut f, _) = filter(100);
        let mut input = greeting();
        input.extend(frame(FLAG_MORE, b"x"));
        input.extend(ready());
        assert_eq!(run(&mut f, &input, 64), Err(FilterError::CommandInMessage));
    }

    #[test]
    fn random_bytes_never_panic() {
        for _ in 0..500 {
            let (mut f, _) = filter(1000);
            let mut input = greeting();
            let n = fastrand::usize(0..400);
            input.extend((0..n).map(|_| fastrand::u8(..)));
            let mut out = Vec::new();
            let _ = f.feed(&input, &mut out);
            assert!(out.len() <= input.len() + 2);
        }
    }
}
