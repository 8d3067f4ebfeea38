//! Deterministic hostile-input tests for every decoder of network input in
//! salt-proto: truncations, seeded random bytes, mutations of valid
//! encodings, bit flips of sealed envelopes, oversize inputs, lying length
//! prefixes and nesting bombs. The fuzz targets under `fuzz/` explore the
//! same decoders at random; these tests pin the properties in `cargo test`.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use salt_proto::codec::{self, CodecError};
use salt_proto::crypto::SymKey;
use salt_proto::local::{self, FrameError};
use salt_proto::messages::*;
use salt_proto::{DEFAULT_MAX_MESSAGE, Envelope, Kind, NodeKeys, OpenError, PublicKeys, Verified};
use salt_target::{Target, TargetType};
use salt_types::{Jid, MinionId};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_bytes::ByteBuf;
use serde_json::{Map, Value, json};

const LIMIT: usize = DEFAULT_MAX_MESSAGE;

/// Every decoder exercised here, by name, as "decode these bytes and say
/// whether it worked". A panic inside fails the test.
type Decoder = (&'static str, fn(&[u8]) -> bool);

fn decoders() -> Vec<Decoder> {
    fn ok<T: DeserializeOwned>(b: &[u8]) -> bool {
        codec::decode::<T>(b, LIMIT).is_ok()
    }
    vec![
        ("Envelope", |b| Envelope::decode(b, LIMIT).is_ok()),
        ("ClearRequest", ok::<ClearRequest>),
        ("ClearReply", ok::<ClearReply>),
        ("MinionRequest", ok::<MinionRequest>),
        ("MasterMessage", ok::<MasterMessage>),
        ("Publish", ok::<Publish>),
        ("ClientRequest", ok::<ClientRequest>),
        ("ClientReply", ok::<ClientReply>),
        ("local frame", |b| {
            matches!(read_frame_from::<ClientRequest>(b, LIMIT), Ok(Some(_)))
        }),
    ]
}

// ---- tests -----------------------------------------------------------------

#[test]
fn samples_roundtrip() {
    for (name, bytes, check) in samples() {
        assert!(check(&bytes), "{name}: a valid encoding does not decode");
    }
}

#[test]
fn every_truncation_fails_cleanly() {
    let mut checked = 0;
    for (name, bytes, _) in samples() {
        for cut in 0..bytes.len() {
            let prefix = &bytes[..cut];
            for (dname, decode) in decoders() {
                assert!(
                    !decode(prefix),
                    "{dname} accepted {name} cut to {cut} of {} bytes",
                    bytes.len()
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 1000, "only {checked} truncations checked");
    // The error is a decode error, not something else.
    let p = publish(vec![json!(1)]);
    let b = codec::encode(&p).unwrap();
    assert!(matches!(
        codec::decode::<Publish>(&b[..b.len() - 1], LIMIT),
        Err(CodecError::Decode(_))
    ));
}

#[test]
fn truncated_frames_end_cleanly() {
    let req = ClientRequest::Publish(publish_request());
    let body = codec::encode(&req).unwrap();
    let mut frame = (body.len() as u32).to_be_bytes().to_vec();
    frame.extend_from_slice(&body);
    assert_eq!(
        read_frame_from::<ClientRequest>(&frame, LIMIT).unwrap(),
        Some(req)
    );
    // Nothing at all, or part of the length: a clean end of stream.
    for cut in 0..4 {
        assert!(matches!(
            read_frame_from::<ClientRequest>(&frame[..cut], LIMIT),
            Ok(None)
        ));
    }
    // A length and part of the body: an I/O error, never a message.
    for cut in 4..frame.len() {
        assert!(matches!(
            read_frame_from::<ClientRequest>(&frame[..cut], LIMIT),
            Err(FrameError::Io(_))
        ));
    }
}

#[test]
fn ten_thousand_random_strings_never_panic() {
    let mut rng = Rng(0x5a17_2026);
    let mut accepted = Vec::new();
    for i in 0..10_000 {
        let len = rng.below(if i % 10 == 0 { 4096 } else { 256 });
        let bytes = rng.bytes(len);
        for (name, decode) in decoders() {
            if decode(&bytes) {
                accepted.push((name, bytes.first().copied()));
            }
        }
        let text = String::from_utf8_lossy(&bytes);
        assert!(PublicKeys::from_pem(&text, "fuzz").is_err());
        assert!(NodeKeys::from_private_pem(&text, "fuzz").is_err());
    }
    // Noise forms a message only by starting with a small integer that
    // rmp-serde takes as the index of a unit variant (`0x03` is
    // `ClientRequest::Ping`), the rest being ignored trailing bytes.
    // Nothing with fields, and never an envelope, comes out of noise.
    for (name, first) in &accepted {
        assert!(
            matches!(first, Some(0..=6)) && *name != "Envelope",
            "{name} decoded from noise starting with {first:?}"
        );
    }
}

#[test]
fn mutations_of_valid_encodings_never_panic() {
    let mut rng = Rng(0xdec0_de00);
    let samples = samples();
    for round in 0..4000 {
        let (_, base, _) = &samples[round % samples.len()];
        let mut b = base.clone();
        for _ in 0..=rng.below(4) {
            mutate(&mut rng, &mut b);
        }
        for (_, decode) in decoders() {
            decode(&b);
        }
    }
}

#[test]
fn decoded_values_reencode_to_the_same_value() {
    // Whatever decodes (here: mutated valid encodings) must survive
    // encode -> decode unchanged.
    fn check<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(b: &[u8]) -> bool {
        let Ok(v) = codec::decode::<T>(b, LIMIT) else {
            return false;
        };
        let again = codec::encode(&v).expect("a decoded value encodes");
        assert_eq!(codec::decode::<T>(&again, LIMIT).unwrap(), v);
        true
    }
    let mut rng = Rng(0xfeed_beef);
    let samples = samples();
    let mut decoded = 0;
    for round in 0..4000 {
        let (_, base, _) = &samples[round % samples.len()];
        let mut b = base.clone();
        mutate(&mut rng, &mut b);
        decoded += usize::from(check::<ClearRequest>(&b))
            + usize::from(check::<ClearReply>(&b))
            + usize::from(check::<MinionRequest>(&b))
            + usize::from(check::<MasterMessage>(&b))
            + usize::from(check::<Publish>(&b))
            + usize::from(check::<ClientRequest>(&b))
            + usize::from(check::<ClientReply>(&b))
            + usize::from(check::<Envelope>(&b));
    }
    assert!(
        decoded > 50,
        "only {decoded} mutants decoded: the check is idle"
    );
}

#[test]
fn every_bit_flip_of_a_sealed_envelope_fails_to_open() {
    let keys = fixed_keys();
    let key = SymKey([0x42; 32]);
    let msg = MinionRequest::Return(job_return());
    let env = Envelope::sealed(&keys, Kind::Session, "web-01", "master", 7, &key, &msg).unwrap();
    let bytes = env.encode();
    let open = |b: &[u8]| -> Result<Verified<MinionRequest>, OpenError> {
        Envelope::decode(b, LIMIT)?.open_sealed(
            Kind::Session,
            Some("master"),
            &keys.public(),
            &key,
            LIMIT,
        )
    };
    assert_eq!(open(&bytes).unwrap().into_inner(), msg);
    flip_every_bit(&bytes, |b| open(b).is_err());
}

#[test]
fn every_bit_flip_of_a_clear_envelope_fails_to_open() {
    let keys = fixed_keys();
    let msg = ClearRequest::Enroll(EnrollRequest {
        id: MinionId::parse("web-01").unwrap(),
        public_pem: keys.public().to_pem(),
        ephemeral: ByteBuf::from(vec![5u8; 32]),
    });
    let bytes = Envelope::clear(&keys, Kind::Enroll, "web-01", "master", &msg)
        .unwrap()
        .encode();
    let open = |b: &[u8]| -> Result<Verified<ClearRequest>, OpenError> {
        Envelope::decode(b, LIMIT)?.open_clear(Kind::Enroll, Some("master"), &keys.public(), LIMIT)
    };
    assert_eq!(open(&bytes).unwrap().into_inner(), msg);
    flip_every_bit(&bytes, |b| open(b).is_err());
}

#[test]
fn oversize_inputs_are_refused_before_decoding() {
    // Garbage that would be a decode error: the size check comes first.
    let big = vec![0xc1u8; LIMIT + 1];
    assert!(matches!(
        codec::decode::<Publish>(&big, LIMIT),
        Err(CodecError::TooLarge { len, limit }) if len == LIMIT + 1 && limit == LIMIT
    ));
    assert!(matches!(
        Envelope::decode(&big, LIMIT),
        Err(OpenError::Codec(CodecError::TooLarge { .. }))
    ));
    // A valid message one byte over a tight limit is refused too.
    let b = codec::encode(&ClientRequest::Publish(publish_request())).unwrap();
    assert!(codec::decode::<ClientRequest>(&b, b.len()).is_ok());
    assert!(matches!(
        codec::decode::<ClientRequest>(&b, b.len() - 1),
        Err(CodecError::TooLarge { .. })
    ));
    // The plaintext of a sealed body is held to the limit as well.
    let keys = fixed_keys();
    let key = SymKey([1; 32]);
    let env = Envelope::sealed(
        &keys,
        Kind::Publish,
        "master",
        "",
        3,
        &key,
        &publish(vec![json!("x".repeat(1000))]),
    )
    .unwrap();
    assert!(matches!(
        env.open_sealed::<Publish>(Kind::Publish, None, &keys.public(), &key, 500),
        Err(OpenError::Codec(CodecError::TooLarge { .. }))
    ));
    // A frame announcing more than the limit is refused from its length,
    // without waiting for (or allocating) the body.
    let mut frame = ((LIMIT + 1) as u32).to_be_bytes().to_vec();
    frame.extend_from_slice(&[0u8; 16]);
    assert!(matches!(
        read_frame_from::<ClientRequest>(&frame, LIMIT),
        Err(FrameError::Codec(CodecError::TooLarge { .. }))
    ));
    assert!(matches!(
        read_frame_from::<ClientRequest>(&u32::MAX.to_be_bytes(), LIMIT),
        Err(FrameError::Codec(CodecError::TooLarge { .. }))
    ));
}

#[test]
fn lying_length_prefixes_do_not_allocate_or_panic() {
    // Inside Publish.arg: containers and strings claiming 4 GiB of content
    // in a few bytes. Each must fail quickly (no 4 GiB allocation).
    for marker in [0xdd, 0xdf, 0xdb, 0xc6, 0xdc, 0xde, 0xda, 0xc5] {
        let mut inner = vec![marker];
        inner.extend_from_slice(if matches!(marker, 0xdd | 0xdf | 0xdb | 0xc6) {
            &[0xff, 0xff, 0xff, 0xff]
        } else {
            &[0xff, 0xff]
        });
        inner.extend_from_slice(&[0xc0; 8]);
        let b = publish_with_arg_bytes(&inner);
        assert!(
            codec::decode::<Publish>(&b, LIMIT).is_err(),
            "marker {marker:#x}"
        );
        assert!(codec::decode::<ClientRequest>(&b, LIMIT).is_err());
    }
}

#[test]
fn nesting_bombs_are_refused_without_overflowing_the_stack() {
    // Arrays (and maps) nested 100,000 deep in a Publish's arg: the codec's
    // depth limit must stop them; serde_json::Value recurses once per level
    // and rmp-serde's own limit of 1024 overflowed a 2 MiB stack.
    for opener in [0x91u8, 0x81] {
        let mut inner = Vec::new();
        for _ in 0..100_000 {
            inner.push(opener);
            if opener == 0x81 {
                inner.extend_from_slice(&[0xa1, b'k']);
            }
        }
        inner.push(0xc0);
        let b = publish_with_arg_bytes(&inner);
        assert!(matches!(
            codec::decode::<Publish>(&b, LIMIT),
            Err(CodecError::Decode(_))
        ));
        assert!(codec::decode::<MasterMessage>(&b, LIMIT).is_err());
        assert!(codec::decode::<ClientRequest>(&b, LIMIT).is_err());
    }
    // codec::MAX_DEPTH counts every level, the Publish map and its arg
    // array included: the deepest value that fits still decodes on an
    // ordinary test thread, one level more is refused.
    let nested = |depth: usize| {
        let inner: Vec<u8> = std::iter::repeat_n(0x91, depth).chain([0xc0]).collect();
        publish_with_arg_bytes(&inner)
    };
    let depth = codec::MAX_DEPTH - 3;
    assert!(matches!(
        codec::decode::<Publish>(&nested(depth + 1), LIMIT),
        Err(CodecError::Decode(_))
    ));
    let p = codec::decode::<Publish>(&nested(depth), LIMIT).expect("within the limit");
    let mut v = &p.arg[0];
    let mut levels = 0;
    while let Value::Array(a) = v {
        v = &a[0];
        levels += 1;
    }
    assert_eq!(levels, depth);
}

#[test]
fn garbage_pem_is_an_error() {
    let keys = fixed_keys();
    let pem = keys.public().to_pem();
    let private = keys.to_private_pem();
    assert_eq!(PublicKeys::from_pem(&pem, "t").unwrap(), keys.public());
    for cut in 0..pem.len() {
        // Cuts inside the END line's trailing dashes and newline leave the
        // armour intact only when nothing but whitespace is lost.
        let r = PublicKeys::from_pem(&pem[..cut], "t");
        if pem[cut..].trim().is_empty() {
            assert!(r.is_ok());
        } else {
            assert!(r.is_err(), "cut at {cut} accepted");
        }
    }
    for cut in 0..private.len() {
        if !private[cut..].trim().is_empty() {
            assert!(NodeKeys::from_private_pem(&private[..cut], "t").is_err());
        }
    }
    // A public file is not a private one and vice versa.
    assert!(NodeKeys::from_private_pem(&pem, "t").is_err());
    assert!(PublicKeys::from_pem(&private, "t").is_err());
    // Every single-character change of the body either fails or decodes to
    // different keys (base64 padding bits aside); none panics.
    let mut rng = Rng(77);
    for _ in 0..2000 {
        let mut b = pem.clone().into_bytes();
        let i = rng.below(b.len());
        b[i] = b"AZaz09+/=-\n !"[rng.below(13)];
        if let Ok(text) = String::from_utf8(b) {
            let _ = PublicKeys::from_pem(&text, "t");
            let _ = NodeKeys::from_private_pem(&text, "t");
        }
    }
}

/// Flips each bit of `bytes` in turn. Every flipped encoding must either
/// fail to decode or decode to a different envelope (which the signature
/// covers); one flip per byte (a different bit each time) is also opened
/// in full and must be refused. Opening all of them is too slow for a
/// debug-built ed25519.
fn flip_every_bit(bytes: &[u8], refused: impl Fn(&[u8]) -> bool) {
    let original = Envelope::decode(bytes, LIMIT).unwrap();
    for bit in 0..bytes.len() * 8 {
        let mut b = bytes.to_vec();
        b[bit / 8] ^= 1 << (bit % 8);
        if let Ok(e) = Envelope::decode(&b, LIMIT) {
            assert_ne!(
                e, original,
                "bit {bit} flipped decodes to the same envelope"
            );
        }
        if bit % 8 == (bit / 8) % 8 {
            assert!(refused(&b), "bit {bit} flipped still opens");
        }
    }
}

// ---- fixtures ----------------------------------------------------------------

/// A fixed key pair, so failures reproduce exactly.
fn fixed_keys() -> NodeKeys {
    NodeKeys::from_private_pem(
        "-----BEGIN SALT-RS PRIVATE KEY-----\n\
         AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8w\n\
         MTIzNDU2Nzg5Ojs8PT4/QA==\n\
         -----END SALT-RS PRIVATE KEY-----\n",
        "fixed",
    )
    .expect("the fixed key parses")
}

fn jid() -> Jid {
    Jid::parse("20260101120000123456").unwrap()
}

fn minion(s: &str) -> MinionId {
    MinionId::parse(s).unwrap()
}

fn compound() -> Target {
    Target::new(
        "G@os:Debian and ( web* or L@db1,db2 ) not E@^x",
        TargetType::Compound,
    )
}

fn publish(arg: Vec<Value>) -> Publish {
    let mut kwarg = Map::new();
    kwarg.insert("timeout".into(), json!(5));
    Publish {
        jid: jid(),
        target: compound(),
        fun: "test.arg".into(),
        arg,
        kwarg,
        user: "root".into(),
        expires_ms: 1_800_000_000_000,
    }
}

fn publish_request() -> PublishRequest {
    PublishRequest {
        target: Target::list(["a", "b"]),
        fun: "cmd.run".into(),
        arg: vec![json!("echo hi")],
        kwarg: Map::new(),
        user: "alice".into(),
    }
}

fn job_return() -> JobReturn {
    JobReturn {
        jid: jid(),
        fun: "test.ping".into(),
        fun_args: vec![json!({"a": [1, -2, 2.5, null, true, "s"]})],
        ret: json!({"x": {"y": "z"}}),
        retcode: 0,
        success: true,
    }
}

/// A named valid encoding and a check that bytes decode back to its value.
type Sample = (String, Vec<u8>, Box<dyn Fn(&[u8]) -> bool>);

/// One valid encoding of every variant of every message type, each with a
/// check that it decodes back to itself.
fn samples() -> Vec<Sample> {
    fn s<T>(name: &str, v: T) -> Sample
    where
        T: Serialize + DeserializeOwned + PartialEq + 'static,
    {
        let bytes = codec::encode(&v).unwrap();
        let check = move |b: &[u8]| codec::decode::<T>(b, LIMIT).ok().as_ref() == Some(&v);
        (name.to_owned(), bytes, Box::new(check))
    }
    let keys = fixed_keys();
    let grant = SessionGrant {
        session_id: 9,
        ephemeral: ByteBuf::from(vec![1; 32]),
        publish_key_id: 2,
        publish_key: ByteBuf::from(vec![2; 48]),
        publish_key_nonce: ByteBuf::from(vec![3; 24]),
    };
    let reply = |status| {
        ClearReply::Enroll(EnrollReply {
            request_nonce: ByteBuf::from(vec![4; 24]),
            master_public_pem: keys.public().to_pem(),
            status,
        })
    };
    let mut grains = Map::new();
    grains.insert("os".into(), json!("Debian"));
    grains.insert("ipv4".into(), json!(["127.0.0.1"]));
    let env = Envelope::sealed(
        &keys,
        Kind::Session,
        "web-01",
        "master",
        9,
        &SymKey([9; 32]),
        &MinionRequest::Heartbeat { seq: 3 },
    )
    .unwrap();
    let env_bytes = env.encode();
    let envelope_check = move |b: &[u8]| Envelope::decode(b, LIMIT).ok().as_ref() == Some(&env);
    vec![
        s(
            "ClearRequest::Enroll",
            ClearRequest::Enroll(EnrollRequest {
                id: minion("web-01"),
                public_pem: keys.public().to_pem(),
                ephemeral: ByteBuf::from(vec![5; 32]),
            }),
        ),
        s(
            "ClearReply::Enroll(Accepted)",
            reply(EnrollStatus::Accepted(grant)),
        ),
        s("ClearReply::Enroll(Pending)", reply(EnrollStatus::Pending)),
        s(
            "ClearReply::Enroll(Rejected)",
            reply(EnrollStatus::Rejected),
        ),
        s("ClearReply::Enroll(Denied)", reply(EnrollStatus::Denied)),
        s(
            "ClearReply::Reauth",
            ClearReply::Reauth {
                reason: "restarted".into(),
            },
        ),
        s("MinionRequest::Hello", MinionRequest::Hello { grains }),
        s(
            "MinionRequest::Heartbeat",
            MinionRequest::Heartbeat { seq: u64::MAX },
        ),
        s("MinionRequest::Return", MinionRequest::Return(job_return())),
        s("MinionRequest::GetPublishKey", MinionRequest::GetPublishKey),
        s(
            "MinionRequest::JobAck",
            MinionRequest::JobAck {
                jid: jid(),
                status: AckStatus::AlreadyRun,
            },
        ),
        s(
            "MinionRequest::Ask",
            MinionRequest::Ask {
                req: 7,
                query: Query::Pillar {
                    saltenv: None,
                    pillarenv: Some("prod".into()),
                    overrides: Map::new(),
                },
            },
        ),
        s(
            "MasterMessage::Answer",
            MasterMessage::Answer {
                req: 7,
                answer: Err("no".into()),
            },
        ),
        s(
            "MinionRequest::Event",
            MinionRequest::Event {
                tag: "app/deployed".into(),
                data: json!({"version": 3, "ok": true}),
            },
        ),
        s("MasterMessage::HelloAck", MasterMessage::HelloAck),
        s(
            "MasterMessage::HeartbeatAck",
            MasterMessage::HeartbeatAck {
                seq: 1,
                publish_key_id: 2,
            },
        ),
        s(
            "MasterMessage::ReturnAck",
            MasterMessage::ReturnAck { jid: jid() },
        ),
        s(
            "MasterMessage::PublishKey",
            MasterMessage::PublishKey {
                key_id: 4,
                key: ByteBuf::from(vec![8; 32]),
            },
        ),
        s(
            "MasterMessage::Job",
            MasterMessage::Job(Box::new(publish(vec![json!("a"), json!(1)]))),
        ),
        s("Publish", publish(vec![json!([[1], {"k": "v"}])])),
        s(
            "ClientRequest::Publish",
            ClientRequest::Publish(publish_request()),
        ),
        s(
            "ClientRequest::PreviewTarget",
            ClientRequest::PreviewTarget(compound()),
        ),
        s("ClientRequest::KeysChanged", ClientRequest::KeysChanged),
        s("ClientRequest::Ping", ClientRequest::Ping),
        s(
            "ClientReply::Published",
            ClientReply::Published {
                jid: jid(),
                minions: vec![minion("a"), minion("b")],
                down: vec![minion("b")],
            },
        ),
        s(
            "ClientRequest::Events",
            ClientRequest::Events {
                tagmatch: "salt/job/*".into(),
            },
        ),
        s(
            "ClientRequest::JobStatus",
            ClientRequest::JobStatus { jid: jid() },
        ),
        s(
            "ClientReply::Event",
            ClientReply::Event {
                tag: "salt/auth".into(),
                data: json!({"act": "accept", "id": "a"}),
            },
        ),
        s(
            "ClientReply::JobStatus",
            ClientReply::JobStatus(vec![
                (minion("a"), Delivery::Running),
                (minion("b"), Delivery::NotConnected),
            ]),
        ),
        s("ClientReply::NoMatch", ClientReply::NoMatch),
        s(
            "ClientReply::Return",
            ClientReply::Return(ReturnEvent {
                id: minion("a"),
                jid: jid(),
                fun: "test.ping".into(),
                ret: json!(true),
                retcode: 0,
                success: true,
            }),
        ),
        s(
            "ClientReply::Minions",
            ClientReply::Minions(vec![minion("x")]),
        ),
        s("ClientReply::Ok", ClientReply::Ok),
        s("ClientReply::Pong", ClientReply::Pong),
        s("ClientReply::Error", ClientReply::Error("no".into())),
        ("Envelope".to_owned(), env_bytes, Box::new(envelope_check)),
    ]
}

/// A valid Publish encoding whose `arg` is one element, given as raw
/// MessagePack bytes.
fn publish_with_arg_bytes(element: &[u8]) -> Vec<u8> {
    let b = codec::encode(&publish(vec![Value::Null])).unwrap();
    // `arg` (fixstr 3) followed by fixarray(1) holding nil.
    let needle = [0xa3, b'a', b'r', b'g', 0x91, 0xc0];
    let at = b
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("the arg field is encoded as expected");
    let mut out = b[..at + 5].to_vec();
    out.extend_from_slice(element);
    out.extend_from_slice(&b[at + needle.len()..]);
    out
}

/// Runs `local::read_frame` over a byte slice (always ready, so one poll
/// finishes it).
fn read_frame_from<T: DeserializeOwned>(
    bytes: &[u8],
    limit: usize,
) -> Result<Option<T>, FrameError> {
    let mut r = bytes;
    let mut fut = pin!(local::read_frame::<_, T>(&mut r, limit));
    match fut.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(r) => r,
        Poll::Pending => panic!("reading from a slice never waits"),
    }
}

/// SplitMix64: small, seeded, good enough to spread bytes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// One random edit: overwrite, flip, insert, delete or duplicate a span,
/// favouring MessagePack marker bytes so the decoder gets past byte one.
fn mutate(rng: &mut Rng, b: &mut Vec<u8>) {
    const INTERESTING: &[u8] = &[
        0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xc3, 0xc4, 0xca, 0xcb, 0xcc,
        0xcf, 0xd0, 0xd3, 0xd4, 0xd9, 0xdc, 0xdd, 0xde, 0xdf, 0xe0, 0xff,
    ];
    if b.is_empty() {
        b.push(INTERESTING[rng.below(INTERESTING.len())]);
        return;
    }
    let i = rng.below(b.len());
    match rng.below(6) {
        0 => b[i] = rng.next() as u8,
        1 => b[i] ^= 1 << rng.below(8),
        2 => b[i] = INTERESTING[rng.below(INTERESTING.len())],
        3 => b.insert(i, INTERESTING[rng.below(INTERESTING.len())]),
        4 => {
            let n = rng.below(8).min(b.len() - i);
            b.drain(i..i + n);
        }
        _ => {
            let n = rng.below(16).min(b.len() - i);
            let span: Vec<u8> = b[i..i + n].to_vec();
            b.splice(i..i, span);
        }
    }
}
