//! Every message salt-rs sends, as closed enums, one per trust level:
//!
//! | trust level | channel | request enum | reply enum |
//! |---|---|---|---|
//! | unauthenticated | ROUTER, `Kind::Enroll` | [`ClearRequest`] | [`ClearReply`] (`Kind::EnrollReply`) |
//! | enrolled minion | ROUTER/DEALER, `Kind::Session` | [`MinionRequest`] | [`MasterMessage`] |
//! | master to all | PUB/SUB, `Kind::Publish` | [`Publish`] | (returns come as `MinionRequest::Return`) |
//! | local client | Unix socket, length-prefixed | [`ClientRequest`] | [`ClientReply`] |
//!
//! An unknown variant fails to decode; structs deny unknown fields.

use salt_target::Target;
use salt_types::{Jid, MinionId};
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;
use serde_json::{Map, Value};

// ---- unauthenticated -------------------------------------------------------

/// The only thing an unauthenticated peer may ask.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub enum ClearRequest {
    Enroll(EnrollRequest),
}

/// A minion presenting its id and public keys; the envelope is signed with
/// the key inside (proof of possession).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EnrollRequest {
    pub id: MinionId,
    pub public_pem: String,
    /// The minion's ephemeral X25519 public key for this session.
    pub ephemeral: ByteBuf,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub enum ClearReply {
    Enroll(EnrollReply),
    /// The master has no session for this minion (it restarted, or the key
    /// was deleted): enrol again.
    Reauth {
        reason: String,
    },
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EnrollReply {
    /// Echo of the request envelope's nonce: binds this reply to it.
    pub request_nonce: ByteBuf,
    pub master_public_pem: String,
    pub status: EnrollStatus,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub enum EnrollStatus {
    Accepted(SessionGrant),
    Pending,
    Rejected,
    Denied,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SessionGrant {
    pub session_id: u64,
    /// The master's ephemeral X25519 public key.
    pub ephemeral: ByteBuf,
    pub publish_key_id: u64,
    /// The publish key sealed with the new session key (nonce below,
    /// associated data `b"salt-rs/publish-key"`).
    pub publish_key: ByteBuf,
    pub publish_key_nonce: ByteBuf,
}

/// Associated data of the sealed publish key in a [`SessionGrant`].
pub const PUBLISH_KEY_AAD: &[u8] = b"salt-rs/publish-key";

// ---- enrolled minion <-> master ---------------------------------------------

/// What an enrolled minion may ask of the master.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub enum MinionRequest {
    /// First message of a session, and again when grains change.
    Hello {
        grains: Map<String, Value>,
    },
    Heartbeat {
        seq: u64,
    },
    Return(JobReturn),
    /// The minion saw a publish under a key id it does not have.
    GetPublishKey,
    /// The minion received a job (by broadcast or directly) and says what
    /// it did with it; the master stops re-sending it to this minion.
    JobAck {
        jid: Jid,
        status: AckStatus,
    },
    /// An event for the master's bus (`event.send`). The master files it
    /// under `salt/minion/<sender id>/`, whatever tag the minion asked for.
    Event {
        tag: String,
        #[serde(default)]
        data: Value,
    },
    /// A question a running job has for the master; answered by
    /// `MasterMessage::Answer` with the same `req` (chosen by the minion,
    /// unique within its session).
    Ask {
        req: u64,
        query: Query,
    },
}

/// What a minion may ask its master while a job runs.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub enum Query {
    /// This minion's pillar, compiled now from the master's `pillar_roots`
    /// with the grains of its last hello (Salt's `_pillar`).
    Pillar {
        #[serde(default)]
        saltenv: Option<String>,
        #[serde(default)]
        pillarenv: Option<String>,
        /// `pillar='{...}'` of the command line, merged last.
        #[serde(default)]
        overrides: Map<String, Value>,
    },
    /// The file server (`salt://`): listings, hashes, chunks of files.
    /// Paths and saltenvs are parsed types, checked when decoded.
    File(salt_fileserver::FileRequest),
}

/// The master's answer to a [`Query`].
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub enum Answer {
    Pillar(Map<String, Value>),
    File(salt_fileserver::FileReply),
}

/// What a minion did with a job it received.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum AckStatus {
    /// Started now; a return follows.
    Accepted,
    /// Already run (or running) here: the jid log says so.
    AlreadyRun,
    /// The target does not match this minion: no return will come.
    NotTargeted,
    /// Arrived after its expiry: not run, no return will come.
    Expired,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct JobReturn {
    pub jid: Jid,
    pub fun: String,
    #[serde(default)]
    pub fun_args: Vec<Value>,
    pub ret: Value,
    pub retcode: i32,
    pub success: bool,
}

/// What the master sends to one minion over its session.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub enum MasterMessage {
    HelloAck,
    HeartbeatAck {
        seq: u64,
        publish_key_id: u64,
    },
    ReturnAck {
        jid: Jid,
    },
    PublishKey {
        key_id: u64,
        key: ByteBuf,
    },
    /// A job sent to this minion directly rather than by broadcast.
    Job(Box<Publish>),
    /// The answer to `MinionRequest::Ask { req, .. }`, or why there is none.
    Answer {
        req: u64,
        answer: Result<Answer, String>,
    },
}

// ---- master -> all -----------------------------------------------------------

/// A job. Every minion decrypts it and decides from its own id and grains
/// whether it is targeted.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Publish {
    pub jid: Jid,
    pub target: Target,
    pub fun: String,
    #[serde(default)]
    pub arg: Vec<Value>,
    #[serde(default)]
    pub kwarg: Map<String, Value>,
    pub user: String,
    /// Milliseconds since the epoch after which minions drop the job.
    pub expires_ms: u64,
}

// ---- local clients (CLI, runners) over the Unix socket -------------------------

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub enum ClientRequest {
    /// Publish a job; the master replies `Published` then streams `Return`s
    /// for every job published on this connection until it closes.
    Publish(PublishRequest),
    /// Which accepted minions a target matches, without running anything.
    PreviewTarget(Target),
    /// Key files changed (sent by salt-rs-key): rescan now.
    KeysChanged,
    Ping,
    /// Run a master-side function (`salt-rs-run`), e.g. `jobs.lookup_jid`;
    /// answered with `RunnerResult` or `Error`.
    Runner {
        fun: String,
        #[serde(default)]
        arg: Vec<Value>,
        #[serde(default)]
        kwarg: Map<String, Value>,
    },
    /// Tail the event bus: the master replies `Ok`, then sends an `Event`
    /// for every event whose tag matches `tagmatch` (a glob, else a
    /// regular expression, as Salt's `state.event`) until the connection
    /// closes.
    Events {
        tagmatch: String,
    },
    /// Where a job stands with each minion it was published to.
    JobStatus {
        jid: Jid,
    },
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PublishRequest {
    pub target: Target,
    pub fun: String,
    #[serde(default)]
    pub arg: Vec<Value>,
    #[serde(default)]
    pub kwarg: Map<String, Value>,
    pub user: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub enum ClientReply {
    /// The job went out; `minions` are those expected to answer.
    Published {
        jid: Jid,
        minions: Vec<MinionId>,
        /// Expected minions the master knows to be disconnected now (by
        /// presence): the client need not wait for them.
        #[serde(default)]
        down: Vec<MinionId>,
    },
    /// Nothing matched: nothing was sent and no jid was assigned.
    NoMatch,
    Return(ReturnEvent),
    Minions(Vec<MinionId>),
    Ok,
    Pong,
    Error(String),
    /// A runner's return value.
    RunnerResult(Value),
    /// One event from the bus (after `ClientRequest::Events`).
    Event {
        tag: String,
        data: Value,
    },
    /// Answer to `ClientRequest::JobStatus`, one entry per expected minion.
    JobStatus(Vec<(MinionId, Delivery)>),
}

/// How far a job got with one minion, as the master knows it.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// The minion has no live session with this master.
    NotConnected,
    /// Connected, but it has not acknowledged the job.
    NotReceived,
    /// Acknowledged; no return yet.
    Running,
    /// Its return is in the job cache.
    Returned,
    /// It said the job is not for it, or arrived expired: no return.
    Declined,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ReturnEvent {
    pub id: MinionId,
    pub jid: Jid,
    pub fun: String,
    pub ret: Value,
    pub retcode: i32,
    pub success: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec;

    #[test]
    fn unknown_variants_fail_to_decode() {
        #[derive(Serialize)]
        enum Evil {
            RunAnything(String),
        }
        let b = codec::encode(&Evil::RunAnything("rm".into())).unwrap();
        assert!(codec::decode::<ClearRequest>(&b, 1 << 20).is_err());
        assert!(codec::decode::<MinionRequest>(&b, 1 << 20).is_err());
        assert!(codec::decode::<ClientRequest>(&b, 1 << 20).is_err());
    }

    #[test]
    fn minion_request_roundtrip_with_json_values() {
        let mut g = Map::new();
        g.insert("os".into(), Value::from("Debian"));
        g.insert("ipv4".into(), serde_json::json!(["127.0.0.1", "10.0.0.1"]));
        g.insert("n".into(), serde_json::json!({"a": [1, 2.5, null, true]}));
        let r = MinionRequest::Hello { grains: g };
        let b = codec::encode(&r).unwrap();
        assert_eq!(codec::decode::<MinionRequest>(&b, 1 << 20).unwrap(), r);
    }
}
