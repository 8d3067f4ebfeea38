//! Fuzzes `codec::decode` into every message enum (`ClearRequest`,
//! `ClearReply`, `MinionRequest`, `MasterMessage`, `Publish`,
//! `ClientRequest`, `ClientReply`). Asserts: no panic; whatever decodes
//! re-encodes to the same value; targets inside compile without panicking.

#![no_main]

use libfuzzer_sys::fuzz_target;
use salt_proto::messages::*;
use salt_rs_fuzz::{nodegroups, roundtrip};

fuzz_target!(|data: &[u8]| {
    let _ = roundtrip::<ClearRequest>(data);
    let _ = roundtrip::<ClearReply>(data);
    let _ = roundtrip::<MinionRequest>(data);
    if let Some(MasterMessage::Job(p)) = roundtrip::<MasterMessage>(data) {
        let _ = p.target.compile();
    }
    if let Some(p) = roundtrip::<Publish>(data) {
        let _ = p.target.compile();
    }
    match roundtrip::<ClientRequest>(data) {
        Some(ClientRequest::Publish(r)) => compile_expanded(&r.target),
        Some(ClientRequest::PreviewTarget(t)) => compile_expanded(&t),
        _ => {}
    }
    let _ = roundtrip::<ClientReply>(data);
});

/// What the master does with a target from a local client.
fn compile_expanded(t: &salt_target::Target) {
    if let Ok(t) = salt_target::expand_nodegroups(t, &nodegroups()) {
        let _ = t.compile();
    }
}
