//! YAML as Salt 3007 reads and writes it.
//!
//! Loading: SLS files and pillar, after Jinja, go through [`load`], which
//! gives the data Salt's `SaltYamlSafeLoader` (PyYAML's SafeLoader, YAML 1.1
//! scalars, the SLS renderer's ordered dicts) would, as JSON:
//!
//! - `yes`/`No`/`ON`/`false` are bools (`y`/`n` are strings); `~`, `null` and
//!   nothing are null; `0x1F`, `0b101`, `1_000`, `1:30` (base 60) are ints;
//!   `0644` is 644 (Salt drops leading zeros instead of reading octal);
//!   floats need a dot (`1e3` stays a string, `1.0e+3` is 1000.0);
//!   timestamps (`2026-01-01`) stay strings, as in Salt; quoted scalars are
//!   always strings; `!!str`, `!!int`, `!!float`, `!!bool`, `!!null`,
//!   `!!binary`, `!!seq`, `!!map`, `!!omap`, `!!set`, `!!pairs`,
//!   `!!timestamp` as PyYAML builds them; other tags are errors.
//! - Anchors, aliases and `<<` merge keys, merged Salt's way.
//! - A key given twice in one mapping is an error (`found conflicting ID
//!   'x'`), at the second key. Non-string keys become the text Salt's JSON
//!   output prints (`1`, `true`, `null`, `1.5`).
//! - Map order is source order (state order comes from it).
//!
//! What JSON cannot hold (infinities, NaN, huge ints, bytes, sets) is listed
//! in `construct` and docs/differences.md.
//!
//! Errors carry a 1-based line and column, a message and the offending source
//! line; no input panics. Aliases are copied, within [`Limits`].
//!
//! Dumping: [`dump()`] is `salt.utils.yaml.safe_dump` (libyaml's emitter), used
//! by `--out yaml` and the Jinja `yaml` filter ([`format_yaml`]);
//! [`yaml_dquote`], [`yaml_squote`] and [`yaml_encode`] are Salt's filters of
//! those names.
//!
//! The parser is `granit-parser` (the saphyr-parser fork serde-saphyr is
//! built on); this crate only consumes its events.

#![forbid(unsafe_code)]

mod analyze;
mod compose;
mod construct;
mod dump;
mod error;
mod printable_table;
mod pyfloat;
pub mod pyrepr;
mod quote;
mod resolve;

pub use dump::{DumpOptions, DumpStyle, dump, dump_with, format_yaml};
pub use error::Error;
pub use pyfloat::float_repr;
pub use quote::{EncodeError, yaml_dquote, yaml_encode, yaml_squote};

use serde_json::Value;

use compose::Composer;
use error::error_at;

/// Budgets against hostile documents. PyYAML shares aliased nodes; JSON data
/// cannot, so every alias is a copy, and a few lines of nested aliases
/// ("billion laughs") would otherwise expand to gigabytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most bytes (estimated: 32 per node plus scalar text) that aliases
    /// may copy in one document.
    pub max_alias_bytes: usize,
    /// Deepest nesting of the loaded data, aliases included.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_alias_bytes: 16 << 20,
            max_depth: 512,
        }
    }
}

/// Loads one YAML document as Salt's YAML renderer does. An empty or
/// comments-only text is `null`; a second document is an error ("expected a
/// single document in the stream").
pub fn load(text: &str) -> Result<Value, Error> {
    load_with(text, &Limits::default())
}

/// [`load`] with other [`Limits`].
pub fn load_with(text: &str, limits: &Limits) -> Result<Value, Error> {
    let mut composer = Composer::new(text);
    let Some((mut doc, _)) = composer.next_document()? else {
        return Ok(Value::Null);
    };
    if let Some((_, start)) = composer.next_document()? {
        return Err(error_at(
            text,
            start,
            "expected a single document in the stream, but found another document",
        ));
    }
    construct::construct(&mut doc, text, limits)
}

/// Loads every document of a stream (`yaml.load_all`); an empty stream has
/// none.
pub fn load_all(text: &str) -> Result<Vec<Value>, Error> {
    let limits = Limits::default();
    let mut composer = Composer::new(text);
    let mut docs = Vec::new();
    while let Some((mut doc, _)) = composer.next_document()? {
        docs.push(construct::construct(&mut doc, text, &limits)?);
    }
    Ok(docs)
}
