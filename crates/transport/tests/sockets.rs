//! Real sockets on 127.0.0.1 (port 0): fan-out, request/reply, restarts,
//! oversized and hostile input, slow and vanished peers. Every wait is
//! bounded by `tokio::time::timeout`; nothing asserts on timing.

use std::future::Future;
use std::time::Duration;

use bytes::Bytes;
use salt_transport::{Backoff, Dealer, Limits, Publisher, Router, Subscriber, TransportError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const WAIT: Duration = Duration::from_secs(20);

fn limits() -> Limits {
    Limits {
        max_message: 1024 * 1024,
        send_timeout: Duration::from_millis(500),
        queue: 64,
    }
}

fn fast() -> Backoff {
    Backoff {
        initial: Duration::from_millis(10),
        max: Duration::from_millis(100),
        randomize: false,
    }
}

async fn bounded<T>(what: &str, fut: impl Future<Output = T>) -> T {
    tokio::time::timeout(WAIT, fut)
        .await
        .unwrap_or_else(|_| panic!("timed out: {what}"))
}

fn port_of(endpoint: &str) -> u16 {
    endpoint.rsplit(':').next().unwrap().parse().unwrap()
}

async fn dealer(endpoint: &str) -> Dealer {
    bounded(
        "dealer connect",
        Dealer::connect(endpoint, limits(), fast()),
    )
    .await
    .unwrap()
}

/// Serves requests: replies `re:<payload>` to the sender.
fn echo(router: Router, mut rx: salt_transport::RouterRx) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        while let Some((peer, msg)) = rx.recv().await {
            let mut reply = b"re:".to_vec();
            reply.extend_from_slice(&msg);
            let _ = router.send(&peer, Bytes::from(reply)).await;
        }
    })
}

async fn request(dealer: &mut Dealer, msg: &'static [u8]) -> Bytes {
    dealer.send(Bytes::from_static(msg)).await.unwrap();
    bounded("reply", dealer.recv()).await.expect("reply")
}

/// Publishes `msg` repeatedly until `sub` receives something matching it
/// (subscribers connect in the background, so early messages are lost).
async fn publish_until_received(publisher: &Publisher, sub: &mut Subscriber, msg: &'static [u8]) {
    bounded("subscriber receives", async {
        loop {
            publisher.publish(Bytes::from_static(msg)).await.unwrap();
            if let Ok(Some(got)) = tokio::time::timeout(Duration::from_millis(50), sub.recv()).await
                && got == msg
            {
                return;
            }
        }
    })
    .await;
}

async fn rebind_router(endpoint: &str) -> (Router, salt_transport::RouterRx) {
    bounded("rebind router", async {
        loop {
            match Router::bind(endpoint, limits()).await {
                Ok(bound) => return bound,
                Err(TransportError::Bind { source, .. })
                    if source.kind() == std::io::ErrorKind::AddrInUse =>
                {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                Err(other) => panic!("rebind failed: {other}"),
            }
        }
    })
    .await
}

async fn rebind_publisher(endpoint: &str) -> Publisher {
    bounded("rebind publisher", async {
        loop {
            match Publisher::bind(endpoint, limits()).await {
                Ok(bound) => return bound,
                Err(TransportError::Bind { source, .. })
                    if source.kind() == std::io::ErrorKind::AddrInUse =>
                {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                Err(other) => panic!("rebind failed: {other}"),
            }
        }
    })
    .await
}

fn greeting() -> Vec<u8> {
    let mut g = vec![0u8; 64];
    g[0] = 0xff;
    g[9] = 0x7f;
    g[10] = 3;
    g[12..16].copy_from_slice(b"NULL");
    g
}

/// A hand-made ZMTP peer of `kind` (DEALER, SUB): greeting and READY, then
/// whatever the test sends.
async fn raw_peer(port: u16, kind: &[u8]) -> TcpStream {
    let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    s.write_all(&greeting()).await.unwrap();
    let mut theirs = [0u8; 64];
    s.read_exact(&mut theirs).await.unwrap();
    let mut body = vec![5];
    body.extend_from_slice(b"READY");
    body.push(11);
    body.extend_from_slice(b"Socket-Type");
    body.extend_from_slice(&(kind.len() as u32).to_be_bytes());
    body.extend_from_slice(kind);
    let mut ready = vec![0x04, body.len() as u8];
    ready.extend(body);
    s.write_all(&ready).await.unwrap();
    let mut head = [0u8; 2];
    s.read_exact(&mut head).await.unwrap();
    assert_eq!(head[0], 0x04, "expected the router's READY command");
    let mut rest = vec![0u8; head[1] as usize];
    s.read_exact(&mut rest).await.unwrap();
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pub_sub_fans_out_to_every_subscriber() {
    let publisher = Publisher::bind("tcp://127.0.0.1:0", limits())
        .await
        .unwrap();
    let ep = publisher.local_endpoint();
    let mut subs = Vec::new();
    for _ in 0..3 {
        subs.push(
            Subscriber::connect_with_backoff(&ep, limits(), fast())
                .await
                .unwrap(),
        );
    }
    for sub in &mut subs {
        publish_until_received(&publisher, sub, b"warmup").await;
    }
    publisher
        .publish(Bytes::from_static(b"to-all"))
        .await
        .unwrap();
    for sub in &mut subs {
        bounded("fan-out", async {
            loop {
                let got = sub.recv().await.expect("message");
                if got.as_ref() == b"to-all" {
                    break;
                }
                assert_eq!(got.as_ref(), b"warmup");
            }
        })
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn router_replies_reach_the_right_dealer() {
    let (router, rx) = Router::bind("tcp://127.0.0.1:0", limits()).await.unwrap();
    let ep = router.local_endpoint();
    let _server = echo(router, rx);
    let mut a = dealer(&ep).await;
    let mut b = dealer(&ep).await;
    a.send(Bytes::from_static(b"from-a")).await.unwrap();
    b.send(Bytes::from_static(b"from-b")).await.unwrap();
    assert_eq!(bounded("a", a.recv()).await.unwrap().as_ref(), b"re:from-a");
    assert_eq!(bounded("b", b.recv()).await.unwrap().as_ref(), b"re:from-b");
    assert_eq!(request(&mut b, b"again").await.as_ref(), b"re:again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sockets_connect_before_the_master_is_up() {
    // Reserve free ports, then free them: nothing listens there yet.
    let free = || {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("tcp://127.0.0.1:{}", l.local_addr().unwrap().port())
    };
    let (router_ep, pub_ep) = (free(), free());
    let connecting = tokio::spawn({
        let ep = router_ep.clone();
        async move { Dealer::connect(&ep, limits(), fast()).await }
    });
    let mut sub = Subscriber::connect_with_backoff(&pub_ep, limits(), fast())
        .await
        .unwrap();
    // Let both retry against the closed ports for a moment.
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!connecting.is_finished());

    let (router, rx) = rebind_router(&router_ep).await;
    let _server = echo(router, rx);
    let publisher = rebind_publisher(&pub_ep).await;
    let mut d = bounded("late connect", connecting).await.unwrap().unwrap();
    assert_eq!(request(&mut d, b"hi").await.as_ref(), b"re:hi");
    publish_until_received(&publisher, &mut sub, b"late").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarted_master_is_reached_again() {
    let (router, rx) = Router::bind("tcp://127.0.0.1:0", limits()).await.unwrap();
    let router_ep = router.local_endpoint();
    let server = echo(router, rx);
    let publisher = Publisher::bind("tcp://127.0.0.1:0", limits())
        .await
        .unwrap();
    let pub_ep = publisher.local_endpoint();

    let mut d = dealer(&router_ep).await;
    assert_eq!(request(&mut d, b"one").await.as_ref(), b"re:one");
    let mut sub = Subscriber::connect_with_backoff(&pub_ep, limits(), fast())
        .await
        .unwrap();
    publish_until_received(&publisher, &mut sub, b"before").await;

    // "Restart" the master: drop both sockets, bind new ones on the same ports.
    server.abort();
    let _ = server.await;
    drop(publisher);

    // The dealer notices the loss by itself.
    assert_eq!(bounded("dealer sees disconnect", d.recv()).await, None);
    assert!(!d.is_connected());
    assert!(matches!(
        d.send(Bytes::from_static(b"lost")).await,
        Err(TransportError::Disconnected)
    ));

    let (router, rx) = rebind_router(&router_ep).await;
    assert_eq!(port_of(&router.local_endpoint()), port_of(&router_ep));
    let _server = echo(router, rx);
    let publisher = rebind_publisher(&pub_ep).await;

    bounded("reconnect", d.reconnect()).await.unwrap();
    assert!(d.is_connected());
    assert_eq!(request(&mut d, b"two").await.as_ref(), b"re:two");

    // The subscriber reconnects without help.
    publish_until_received(&publisher, &mut sub, b"after").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_messages_are_dropped_and_the_next_arrives() {
    let small = Limits {
        max_message: 1024,
        ..limits()
    };
    let (router, mut rx) = Router::bind("tcp://127.0.0.1:0", small.clone())
        .await
        .unwrap();
    let d = dealer(&router.local_endpoint()).await;
    d.send(Bytes::from(vec![7u8; 100 * 1024])).await.unwrap();
    d.send(Bytes::from(vec![8u8; 1025])).await.unwrap();
    d.send(Bytes::from_static(b"small")).await.unwrap();
    let (peer, got) = bounded("router recv", rx.recv()).await.unwrap();
    assert_eq!(got.as_ref(), b"small");
    assert_eq!(rx.stats().oversize_dropped, 2);
    // Sending above the limit is refused locally.
    assert!(matches!(
        router.send(&peer, Bytes::from(vec![0u8; 1025])).await,
        Err(TransportError::TooLarge { .. })
    ));

    // Same on the subscriber side.
    let publisher = Publisher::bind("tcp://127.0.0.1:0", limits())
        .await
        .unwrap();
    let mut sub = Subscriber::connect_with_backoff(&publisher.local_endpoint(), small, fast())
        .await
        .unwrap();
    publish_until_received(&publisher, &mut sub, b"ready").await;
    publisher
        .publish(Bytes::from(vec![1u8; 64 * 1024]))
        .await
        .unwrap();
    publisher
        .publish(Bytes::from_static(b"next"))
        .await
        .unwrap();
    bounded("sub skips big message", async {
        loop {
            let got = sub.recv().await.unwrap();
            assert!(got.len() <= 1024, "an oversized message got through");
            if got.as_ref() == b"next" {
                break;
            }
        }
    })
    .await;
    assert_eq!(sub.stats().oversize_dropped, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crafted_frame_length_does_not_abort_the_master() {
    // Without the guard, zeromq 0.7 tries to allocate 2^60 bytes here and
    // the process aborts.
    let (router, rx) = Router::bind("tcp://127.0.0.1:0", limits()).await.unwrap();
    let ep = router.local_endpoint();
    let stats_router = router.clone();
    let _server = echo(router, rx);
    let publisher = Publisher::bind("tcp://127.0.0.1:0", limits())
        .await
        .unwrap();
    for (port, kind) in [
        (port_of(&ep), &b"DEALER"[..]),
        (port_of(&publisher.local_endpoint()), &b"SUB"[..]),
    ] {
        let mut s = raw_peer(port, kind).await;
        let mut header = vec![0x02];
        header.extend_from_slice(&(1u64 << 60).to_be_bytes());
        s.write_all(&header).await.unwrap();
        s.write_all(&[0u8; 4096]).await.unwrap();
        // A huge command frame closes the connection.
        let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        s.write_all(&greeting()).await.unwrap();
        let mut cmd = vec![0x06];
        cmd.extend_from_slice(&(1u64 << 60).to_be_bytes());
        s.write_all(&cmd).await.unwrap();
        let mut sink = Vec::new();
        bounded("closed", s.read_to_end(&mut sink)).await.ok();
    }
    let mut d = dealer(&ep).await;
    assert_eq!(request(&mut d, b"alive").await.as_ref(), b"re:alive");
    let stats = stats_router.stats();
    assert!(
        stats.oversize_dropped >= 1 && stats.bad_streams >= 1,
        "{stats:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_on_the_router_port_does_not_kill_it() {
    let (router, rx) = Router::bind("tcp://127.0.0.1:0", limits()).await.unwrap();
    let ep = router.local_endpoint();
    let port = port_of(&ep);
    let _server = echo(router, rx);
    for round in 0..20 {
        let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        if round % 2 == 1 {
            // A valid greeting first, then noise.
            s.write_all(&greeting()).await.unwrap();
        }
        let noise: Vec<u8> = (0..fastrand::usize(1..4096))
            .map(|_| fastrand::u8(..))
            .collect();
        let _ = s.write_all(&noise).await;
        drop(s);
    }
    // A peer that connects and says nothing must not disturb others either.
    let _silent = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let mut d = dealer(&ep).await;
    assert_eq!(
        request(&mut d, b"still here").await.as_ref(),
        b"re:still here"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vanished_or_stalled_peers_do_not_block_others() {
    let (router, mut rx) = Router::bind("tcp://127.0.0.1:0", limits()).await.unwrap();
    let ep = router.local_endpoint();

    // A dealer that goes away after its request.
    let gone = dealer(&ep).await;
    gone.send(Bytes::from_static(b"bye")).await.unwrap();
    let (gone_peer, _) = bounded("gone request", rx.recv()).await.unwrap();
    drop(gone);

    // A peer that never reads what it is sent.
    let mut stalled = raw_peer(port_of(&ep), b"DEALER").await;
    stalled.write_all(&[0x00, 5]).await.unwrap();
    stalled.write_all(b"stall").await.unwrap();
    let (stalled_peer, msg) = bounded("stalled request", rx.recv()).await.unwrap();
    assert_eq!(msg.as_ref(), b"stall");

    // A healthy dealer.
    let mut healthy = dealer(&ep).await;
    healthy.send(Bytes::from_static(b"hi")).await.unwrap();
    let (healthy_peer, _) = bounded("healthy request", rx.recv()).await.unwrap();

    // Flood the stalled peer until it is cut off.
    let flood_router = router.clone();
    let flood = tokio::spawn(async move {
        let chunk = Bytes::from(vec![0u8; 64 * 1024]);
        loop {
            if let Err(error) = flood_router.send(&stalled_peer, chunk.clone()).await {
                return error;
            }
        }
    });

    // Meanwhile the vanished peer fails and the healthy one is served.
    bounded("vanished peer fails", async {
        loop {
            match router.send(&gone_peer, Bytes::from_static(b"x")).await {
                Err(TransportError::PeerGone) => break,
                Ok(()) => tokio::time::sleep(Duration::from_millis(10)).await,
                Err(other) => panic!("unexpected error {other}"),
            }
        }
    })
    .await;
    for i in 0..20u8 {
        router
            .send(&healthy_peer, Bytes::from(vec![i]))
            .await
            .unwrap();
        assert_eq!(
            bounded("healthy reply", healthy.recv())
                .await
                .unwrap()
                .as_ref(),
            [i]
        );
    }
    let error = bounded("stalled peer is cut off", flood).await.unwrap();
    assert!(
        matches!(error, TransportError::PeerGone | TransportError::Timeout(_)),
        "{error}"
    );
    // And the healthy peer is still served afterwards.
    router
        .send(&healthy_peer, Bytes::from_static(b"after"))
        .await
        .unwrap();
    assert_eq!(
        bounded("after flood", healthy.recv())
            .await
            .unwrap()
            .as_ref(),
        b"after"
    );
    drop(stalled);
}
