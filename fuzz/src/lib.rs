//! What the fuzz targets and the seed generator share: fixed keys (so a
//! crash reproduces from its input alone), valid sample messages, and the
//! round-trip checks the targets assert on whatever decodes.

use std::future::Future;
use std::pin::pin;
use std::sync::OnceLock;
use std::task::{Context, Poll, Waker};

use salt_proto::codec;
use salt_proto::crypto::SymKey;
use salt_proto::local::{self, FrameError};
use salt_proto::messages::*;
use salt_proto::{Envelope, Kind, NodeKeys, PublicKeys};
use salt_target::{Target, TargetType};
use salt_types::{Jid, MinionId};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_bytes::ByteBuf;
use serde_json::{Map, Value, json};

/// Size limit used by every target: small, so that a length prefix the
/// fuzzer picks cannot make each run allocate 16 MiB.
pub const LIMIT: usize = 1 << 20;

/// The minion id the sample envelopes come from.
pub const MINION: &str = "web-01";

/// The fixed keys and symmetric keys every target opens envelopes with.
pub struct Fixed {
    pub minion: NodeKeys,
    pub master: NodeKeys,
    pub minion_pub: PublicKeys,
    pub master_pub: PublicKeys,
    pub session: SymKey,
    pub publish: SymKey,
}

/// The fixed keys, parsed once per process.
pub fn fixed() -> &'static Fixed {
    static FIXED: OnceLock<Fixed> = OnceLock::new();
    FIXED.get_or_init(|| {
        let minion = NodeKeys::from_private_pem(MINION_PEM, "fixed minion key")
            .expect("the fixed minion key parses");
        let master = NodeKeys::from_private_pem(MASTER_PEM, "fixed master key")
            .expect("the fixed master key parses");
        Fixed {
            minion_pub: minion.public(),
            master_pub: master.public(),
            minion,
            master,
            session: SymKey([0x5e; 32]),
            publish: SymKey([0x9b; 32]),
        }
    })
}

/// Decodes `bytes` as `T`; when that works, encoding and decoding again
/// must give the same value.
pub fn roundtrip<T>(bytes: &[u8]) -> Option<T>
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let v = codec::decode::<T>(bytes, LIMIT).ok()?;
    check_reencodes(&v);
    Some(v)
}

/// Encoding `v` and decoding it again gives `v`.
pub fn check_reencodes<T>(v: &T)
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let again = codec::encode(v).expect("a decoded value encodes");
    let back = codec::decode::<T>(&again, usize::MAX).expect("a re-encoded value decodes");
    assert_eq!(&back, v, "decode(encode(x)) != x");
}

/// Runs `local::read_frame` on a byte slice, advancing it. A slice is
/// always ready, so a single poll finishes.
pub fn read_frame_now<T: DeserializeOwned>(
    r: &mut &[u8],
    limit: usize,
) -> Result<Option<T>, FrameError> {
    let mut fut = pin!(local::read_frame::<_, T>(r, limit));
    match fut.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(res) => res,
        Poll::Pending => panic!("reading from a slice never waits"),
    }
}

/// `local::write_frame` into a fresh buffer.
pub fn write_frame_now<T: Serialize>(msg: &T) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut fut = pin!(local::write_frame(&mut out, msg));
        match fut.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(res) => res.expect("writing a frame to memory works"),
            Poll::Pending => panic!("writing to a Vec never waits"),
        }
    }
    out
}

/// Valid encodings of every message type and variant, by name.
pub fn sample_messages() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut add = |name: &str, bytes: Vec<u8>| out.push((name.to_owned(), bytes));
    for (i, m) in clear_requests().iter().enumerate() {
        add(&format!("clear_request_{i}"), enc(m));
    }
    for (i, m) in clear_replies().iter().enumerate() {
        add(&format!("clear_reply_{i}"), enc(m));
    }
    for (i, m) in minion_requests().iter().enumerate() {
        add(&format!("minion_request_{i}"), enc(m));
    }
    for (i, m) in master_messages().iter().enumerate() {
        add(&format!("master_message_{i}"), enc(m));
    }
    add("publish", enc(&publish()));
    for (i, m) in client_requests().iter().enumerate() {
        add(&format!("client_request_{i}"), enc(m));
    }
    for (i, m) in client_replies().iter().enumerate() {
        add(&format!("client_reply_{i}"), enc(m));
    }
    out
}

/// Valid, correctly signed and sealed envelopes of every kind, encoded.
pub fn sample_envelopes() -> Vec<(String, Vec<u8>)> {
    let f = fixed();
    let mut out = Vec::new();
    for (i, m) in clear_requests().iter().enumerate() {
        let e = Envelope::clear(&f.minion, Kind::Enroll, MINION, "master", m).unwrap();
        out.push((format!("enroll_{i}"), e.encode()));
    }
    for (i, m) in clear_replies().iter().enumerate() {
        let e = Envelope::clear(&f.master, Kind::EnrollReply, "master", MINION, m).unwrap();
        out.push((format!("enroll_reply_{i}"), e.encode()));
    }
    for (i, m) in minion_requests().iter().enumerate() {
        let e =
            Envelope::sealed(&f.minion, Kind::Session, MINION, "master", 1, &f.session, m).unwrap();
        out.push((format!("session_up_{i}"), e.encode()));
    }
    for (i, m) in master_messages().iter().enumerate() {
        let e =
            Envelope::sealed(&f.master, Kind::Session, "master", MINION, 1, &f.session, m).unwrap();
        out.push((format!("session_down_{i}"), e.encode()));
    }
    let e = Envelope::sealed(
        &f.master,
        Kind::Publish,
        "master",
        "",
        2,
        &f.publish,
        &publish(),
    )
    .unwrap();
    out.push(("publish".to_owned(), e.encode()));
    out
}

/// Length-prefixed local-socket frames: one per request and reply, and a
/// stream of several.
pub fn sample_frames() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stream = Vec::new();
    for (i, m) in client_requests().iter().enumerate() {
        let f = write_frame_now(m);
        stream.extend_from_slice(&f);
        out.push((format!("request_{i}"), f));
    }
    for (i, m) in client_replies().iter().enumerate() {
        out.push((format!("reply_{i}"), write_frame_now(m)));
    }
    out.push(("request_stream".to_owned(), stream));
    out
}

/// Target strings, each prefixed with the byte that selects its type in
/// the `targeting` target (an index into `TargetType::ALL`).
pub fn sample_targets() -> Vec<(String, Vec<u8>)> {
    let items: &[(TargetType, &str)] = &[
        (TargetType::Glob, "web*[0-9]?.example.com"),
        (TargetType::List, "web1,web2,db1"),
        (TargetType::Grain, "os:Debian"),
        (TargetType::GrainPcre, "os:(Deb|Ubu).*"),
        (TargetType::Pcre, "^web-\\d+$"),
        (TargetType::Ipcidr, "10.0.0.0/8"),
        (
            TargetType::Compound,
            "G@os:Debian and ( web* or L@db1,db2 ) not E@^x or S@192.168.0.0/16",
        ),
        (
            TargetType::Compound,
            "G|@os|Debian or P@os:Deb.* and I@role:web",
        ),
        (TargetType::Compound, "N@web or J@env:pro.*"),
        (TargetType::Nodegroup, "web"),
        (TargetType::Pillar, "role:web"),
        (TargetType::PillarPcre, "role:w.*"),
        (TargetType::PillarExact, "role:web"),
    ];
    items
        .iter()
        .enumerate()
        .map(|(i, (tt, s))| {
            let idx = TargetType::ALL
                .iter()
                .position(|t| t == tt)
                .expect("every type is in ALL") as u8;
            let mut b = vec![idx];
            b.extend_from_slice(s.as_bytes());
            (format!("{}_{i}", tt.as_str()), b)
        })
        .collect()
}

/// Identifier strings, valid and not.
pub fn sample_types() -> Vec<(String, Vec<u8>)> {
    [
        "web-01.example.com",
        "a_b@c",
        "20260101120000123456",
        "srv/salt/top.sls",
        "files/",
        "../etc/passwd",
        "-rf",
    ]
    .iter()
    .enumerate()
    .map(|(i, s)| (format!("id_{i}"), s.as_bytes().to_vec()))
    .collect()
}

/// The fixed keys' files, and a few broken ones.
pub fn sample_keys() -> Vec<(String, Vec<u8>)> {
    let f = fixed();
    vec![
        ("public".to_owned(), f.minion_pub.to_pem().into_bytes()),
        (
            "master_public".to_owned(),
            f.master_pub.to_pem().into_bytes(),
        ),
        ("private".to_owned(), MINION_PEM.as_bytes().to_vec()),
        (
            "short".to_owned(),
            b"-----BEGIN SALT-RS PUBLIC KEY-----\nAAAA\n-----END SALT-RS PUBLIC KEY-----\n"
                .to_vec(),
        ),
    ]
}

/// Grains and pillar that targets are matched against.
pub fn facts_grains() -> Value {
    json!({
        "os": "Debian",
        "os_family": "Debian",
        "ipv4": ["127.0.0.1", "10.0.0.5"],
        "ipv6": ["::1"],
        "roles": ["web", "db"],
        "nested": {"a": {"b": [1, "c", null, true]}},
    })
}

/// See [`facts_grains`].
pub fn facts_pillar() -> Value {
    json!({"role": "web", "env": "prod", "list": ["x", {"y": "z"}]})
}

/// Nodegroups for expansion, a cycle and a list definition included.
pub fn nodegroups() -> indexmap::IndexMap<String, Value> {
    let mut g = indexmap::IndexMap::new();
    g.insert("web".to_owned(), json!("G@roles:web or web*"));
    g.insert("both".to_owned(), json!(["N@web", "and", "L@db1,web1"]));
    g.insert("loop1".to_owned(), json!("N@loop2"));
    g.insert("loop2".to_owned(), json!("N@loop1 or x"));
    g
}

// ---- fixtures ------------------------------------------------------------------

const MINION_PEM: &str = "-----BEGIN SALT-RS PRIVATE KEY-----
AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8w
MTIzNDU2Nzg5Ojs8PT4/QA==
-----END SALT-RS PRIVATE KEY-----
";

const MASTER_PEM: &str = "-----BEGIN SALT-RS PRIVATE KEY-----
QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVpbXF1eX2BhYmNkZWZnaGlqa2xtbm9w
cXJzdHV2d3h5ent8fX5/gA==
-----END SALT-RS PRIVATE KEY-----
";

fn enc<T: Serialize>(v: &T) -> Vec<u8> {
    codec::encode(v).expect("samples encode")
}

fn jid() -> Jid {
    Jid::parse("20260101120000123456").expect("valid jid")
}

fn id(s: &str) -> MinionId {
    MinionId::parse(s).expect("valid id")
}

fn compound() -> Target {
    Target::new(
        "G@os:Debian and ( web* or L@db1,db2 ) not E@^x",
        TargetType::Compound,
    )
}

fn publish() -> Publish {
    let mut kwarg = Map::new();
    kwarg.insert("timeout".into(), json!(5));
    Publish {
        jid: jid(),
        target: compound(),
        fun: "test.arg".into(),
        arg: vec![json!("a"), json!([1, {"k": [null, 2.5, -3]}])],
        kwarg,
        user: "root".into(),
        expires_ms: 1_800_000_000_000,
    }
}

fn clear_requests() -> Vec<ClearRequest> {
    vec![ClearRequest::Enroll(EnrollRequest {
        id: id(MINION),
        public_pem: fixed().minion_pub.to_pem(),
        ephemeral: ByteBuf::from(vec![5; 32]),
    })]
}

fn clear_replies() -> Vec<ClearReply> {
    let reply = |status| {
        ClearReply::Enroll(EnrollReply {
            request_nonce: ByteBuf::from(vec![4; 24]),
            master_public_pem: fixed().master_pub.to_pem(),
            status,
        })
    };
    vec![
        reply(EnrollStatus::Accepted(SessionGrant {
            session_id: 1,
            ephemeral: ByteBuf::from(vec![1; 32]),
            publish_key_id: 2,
            publish_key: ByteBuf::from(vec![2; 48]),
            publish_key_nonce: ByteBuf::from(vec![3; 24]),
        })),
        reply(EnrollStatus::Pending),
        reply(EnrollStatus::Rejected),
        reply(EnrollStatus::Denied),
        ClearReply::Reauth {
            reason: "restarted".into(),
        },
    ]
}

fn minion_requests() -> Vec<MinionRequest> {
    let Value::Object(grains) = facts_grains() else {
        unreachable!("facts_grains is an object")
    };
    vec![
        MinionRequest::Hello { grains },
        MinionRequest::Heartbeat { seq: 7 },
        MinionRequest::Return(JobReturn {
            jid: jid(),
            fun: "test.ping".into(),
            fun_args: vec![json!({"a": 1})],
            ret: json!({"x": {"y": [true, 1.5]}}),
            retcode: 0,
            success: true,
        }),
        MinionRequest::GetPublishKey,
        MinionRequest::JobAck {
            jid: jid(),
            status: AckStatus::AlreadyRun,
        },
        MinionRequest::Event {
            tag: "myco/deploy/done".into(),
            data: json!({"version": 3}),
        },
        MinionRequest::Ask {
            req: 1,
            query: Query::Pillar {
                saltenv: Some("base".into()),
                pillarenv: None,
                overrides: json!({"k": "v"}).as_object().cloned().unwrap_or_default(),
            },
        },
        MinionRequest::Ask {
            req: 2,
            query: Query::File(salt_fileserver::FileRequest::Envs),
        },
    ]
}

fn master_messages() -> Vec<MasterMessage> {
    vec![
        MasterMessage::HelloAck,
        MasterMessage::HeartbeatAck {
            seq: 7,
            publish_key_id: 2,
        },
        MasterMessage::ReturnAck { jid: jid() },
        MasterMessage::PublishKey {
            key_id: 2,
            key: ByteBuf::from(vec![8; 32]),
        },
        MasterMessage::Job(Box::new(publish())),
        MasterMessage::Answer {
            req: 1,
            answer: Ok(Answer::Pillar(
                json!({"role": "web"}).as_object().cloned().unwrap_or_default(),
            )),
        },
        MasterMessage::Answer {
            req: 2,
            answer: Err("no such saltenv".into()),
        },
    ]
}

fn client_requests() -> Vec<ClientRequest> {
    vec![
        ClientRequest::Publish(PublishRequest {
            target: Target::list(["web1", "db1"]),
            fun: "cmd.run".into(),
            arg: vec![json!("echo hi")],
            kwarg: Map::new(),
            user: "alice".into(),
        }),
        ClientRequest::PreviewTarget(compound()),
        ClientRequest::KeysChanged,
        ClientRequest::Ping,
        ClientRequest::Runner {
            fun: "jobs.lookup_jid".into(),
            arg: vec![json!("20261121210508967619")],
            kwarg: Map::new(),
        },
        ClientRequest::Events {
            tagmatch: "salt/job/*".into(),
        },
        ClientRequest::JobStatus { jid: jid() },
    ]
}

fn client_replies() -> Vec<ClientReply> {
    vec![
        ClientReply::Published {
            jid: jid(),
            minions: vec![id("web1"), id("db1")],
            down: vec![id("db1")],
        },
        ClientReply::Event {
            tag: "salt/auth".into(),
            data: json!({"act": "accept", "id": "web1"}),
        },
        ClientReply::JobStatus(vec![
            (id("web1"), Delivery::Running),
            (id("db1"), Delivery::NotConnected),
        ]),
        ClientReply::NoMatch,
        ClientReply::Return(ReturnEvent {
            id: id("web1"),
            jid: jid(),
            fun: "test.ping".into(),
            ret: json!(true),
            retcode: 0,
            success: true,
        }),
        ClientReply::Minions(vec![id("web1")]),
        ClientReply::Ok,
        ClientReply::Pong,
        ClientReply::Error("no".into()),
    ]
}

/// SLS and pillar documents for the `yaml` target: states, requisites,
/// anchors and merges, block scalars, tags, flow style, odd scalars.
pub fn sample_yaml() -> Vec<(String, Vec<u8>)> {
    let docs: &[&str] = &[
        "nginx:\n  pkg.installed:\n    - version: 1.24.0\n  service.running:\n    - enable: True\n    - require:\n      - pkg: nginx\n\n/etc/nginx/nginx.conf:\n  file.managed:\n    - source: salt://nginx/files/nginx.conf\n    - mode: 0644\n    - template: jinja\n",
        "include:\n  - base.users\n  - .common\nextend:\n  ssh:\n    service.running:\n      - watch:\n        - file: /etc/ssh/sshd_config\n",
        "base: &base\n  user: root\n  mode: '0644'\nf1:\n  <<: *base\n  mode: '0600'\nf2: {<<: [*base], group: wheel}\nlist: [*base, *base]\n",
        "cmd:\n  cmd.run:\n    - name: |\n        set -e\n        echo \"yes: it's\" # not a comment\n    - unless: >-\n        test -f\n        /tmp/done\n",
        "- !!str 123\n- !!int \"0644\"\n- !!float 1\n- !!binary aGVsbG8=\n- !!set {a, b}\n- !!pairs [x: 1, x: 2]\n- !!omap {a: 1}\n- ! 12\n",
        "%YAML 1.1\n%TAG !e! tag:yaml.org,2002:\n---\na: !e!str 12\n? [complex]\n: key\n...\n",
        "- yes\n- No\n- ~\n- 0x1F\n- 1_000\n- 1:30\n- 1.0e+3\n- 1e3\n- .inf\n- -.5\n- 2026-01-01\n- \"\\u00e9\\t\\x41\"\n- 'it''s'\n- 123456789012345678901234567890\n",
        "1: int\n2.5: float\nyes: bool\n~: null\n\"a: b\": quoted\n=: value\n",
        "--- 1\n--- [2]\n--- {a: 3}\n",
    ];
    docs.iter()
        .enumerate()
        .map(|(i, d)| (format!("doc_{i}"), d.as_bytes().to_vec()))
        .collect()
}
