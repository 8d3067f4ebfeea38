//! Identifiers that cross trust boundaries, parsed once at the edge.
//!
//! Everything that arrives from the network or the command line and names a
//! minion, a job or a file is turned into one of these types before any other
//! code sees it. Their constructors are the only place the rules live, so a
//! value of the type is proof that the rules held.

#![forbid(unsafe_code)]

mod jid;
mod minion_id;
mod safe_path;
mod salt_url;
mod saltenv;

pub use jid::{Jid, JidError};
pub use minion_id::{MinionId, MinionIdError};
pub use safe_path::{SafePathError, SafeRelPath};
pub use salt_url::{SaltUrl, SaltUrlError};
pub use saltenv::{MAX_SALTENV_LEN, Saltenv, SaltenvError};

/// The version reported by `test.version` and the `saltrs_version` grain.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The Salt release whose behaviour salt-rs follows, reported by the
/// `saltversion` and `saltversioninfo` grains: formulas branch on them
/// (`grains['saltversioninfo'] >= [2018, 3, 1]`) to pick the state
/// arguments that release accepts.
pub const SALT_VERSION: &str = "3007.8";

/// [`SALT_VERSION`] as the numbers of Salt's `saltversioninfo` grain.
pub const SALT_VERSION_INFO: [u32; 2] = [3007, 8];
