//! Fuzzes `Envelope::decode` and, on what decodes, every way of opening an
//! envelope (`open_sealed`, `open_clear`, `peek_clear`) with fixed keys.
//! Asserts: no panic; a decoded envelope re-encodes to itself; an opened
//! body re-encodes to itself and carries the envelope's sender.

#![no_main]

use libfuzzer_sys::fuzz_target;
use salt_proto::messages::{ClearReply, ClearRequest, MasterMessage, MinionRequest, Publish};
use salt_proto::{Envelope, Kind, PublicKeys, Verified};
use salt_rs_fuzz::{LIMIT, MINION, check_reencodes, fixed};

fuzz_target!(|data: &[u8]| {
    let Ok(env) = Envelope::decode(data, LIMIT) else {
        return;
    };
    let again = Envelope::decode(&env.encode(), usize::MAX).expect("a decoded envelope re-decodes");
    assert_eq!(again, env);
    let f = fixed();
    match env.kind {
        Kind::Session => {
            opened(
                &env,
                env.open_sealed::<MinionRequest>(
                    Kind::Session,
                    Some("master"),
                    &f.minion_pub,
                    &f.session,
                    LIMIT,
                ),
            );
            opened(
                &env,
                env.open_sealed::<MasterMessage>(
                    Kind::Session,
                    Some(MINION),
                    &f.master_pub,
                    &f.session,
                    LIMIT,
                ),
            );
        }
        Kind::Publish => {
            opened(
                &env,
                env.open_sealed::<Publish>(Kind::Publish, None, &f.master_pub, &f.publish, LIMIT),
            );
        }
        Kind::Enroll => {
            // The master's first-contact path: peek at the key inside,
            // then verify the envelope with it.
            if let Ok(ClearRequest::Enroll(req)) =
                env.peek_clear::<ClearRequest>(Kind::Enroll, LIMIT)
                && let Ok(key) = PublicKeys::from_pem(&req.public_pem, "enroll")
            {
                opened(
                    &env,
                    env.open_clear::<ClearRequest>(Kind::Enroll, Some("master"), &key, LIMIT),
                );
            }
            opened(
                &env,
                env.open_clear::<ClearRequest>(Kind::Enroll, None, &f.minion_pub, LIMIT),
            );
        }
        Kind::EnrollReply => {
            let _ = env.peek_clear::<ClearReply>(Kind::EnrollReply, LIMIT);
            opened(
                &env,
                env.open_clear::<ClearReply>(Kind::EnrollReply, Some(MINION), &f.master_pub, LIMIT),
            );
        }
    }
});

fn opened<T>(env: &Envelope, r: Result<Verified<T>, salt_proto::OpenError>)
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    if let Ok(v) = r {
        assert_eq!(v.sender(), env.sender);
        assert_eq!(v.ts(), env.ts);
        check_reencodes(&*v);
    }
}
