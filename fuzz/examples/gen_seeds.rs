//! Writes the seed corpora of every fuzz target, from valid encodings of
//! every message, envelope, frame, key file, identifier and target:
//! `cargo run --manifest-path fuzz/Cargo.toml --example gen_seeds -- fuzz/corpus_seed`.
//! Envelopes carry a random nonce and the current time, so regenerating
//! changes their bytes, not their shape.

use std::fs;
use std::path::Path;

fn main() -> std::io::Result<()> {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "fuzz/corpus_seed".into());
    let out = Path::new(&out);
    let sets = [
        ("envelope", salt_rs_fuzz::sample_envelopes()),
        ("messages", salt_rs_fuzz::sample_messages()),
        ("local_frame", salt_rs_fuzz::sample_frames()),
        ("keys", salt_rs_fuzz::sample_keys()),
        ("types", salt_rs_fuzz::sample_types()),
        ("targeting", salt_rs_fuzz::sample_targets()),
        ("yaml", salt_rs_fuzz::sample_yaml()),
    ];
    for (target, seeds) in sets {
        let dir = out.join(target);
        fs::create_dir_all(&dir)?;
        for (name, bytes) in &seeds {
            fs::write(dir.join(name), bytes)?;
        }
        println!("{target}: {} seeds", seeds.len());
    }
    Ok(())
}
