//! Fuzzes `local::read_frame` (the master's Unix socket) as a stream of
//! `ClientRequest` frames, and the client's side as `ClientReply` frames.
//! Asserts: no panic; every frame read re-frames and reads back equal.

#![no_main]

use libfuzzer_sys::fuzz_target;
use salt_proto::messages::{ClientReply, ClientRequest};
use salt_rs_fuzz::{LIMIT, read_frame_now, write_frame_now};
use serde::Serialize;
use serde::de::DeserializeOwned;

fuzz_target!(|data: &[u8]| {
    frames::<ClientRequest>(data);
    frames::<ClientReply>(data);
});

fn frames<T>(data: &[u8])
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let mut r = data;
    for _ in 0..16 {
        match read_frame_now::<T>(&mut r, LIMIT) {
            Ok(Some(msg)) => {
                let framed = write_frame_now(&msg);
                let back = read_frame_now::<T>(&mut framed.as_slice(), LIMIT)
                    .expect("a re-framed message reads back")
                    .expect("and is not an end of stream");
                assert_eq!(back, msg);
            }
            Ok(None) | Err(_) => break,
        }
    }
}
