//! Outputters byte-compatible with Salt: nested, json, yaml, txt, raw, quiet

#![forbid(unsafe_code)]
