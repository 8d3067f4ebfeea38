//! Master and minion configuration: Salt's key names and defaults, file:line
//! errors.
//!
//! `salt-rs-master -c DIR` reads `DIR/master` and then `DIR/master.d/*.conf`
//! in name order (Salt's `default_include`); the minion reads `DIR/minion`
//! and `DIR/minion.d/*.conf`. A missing main file means all defaults, and so
//! does an empty file or `~`.
//!
//! Values are accepted as Salt users write them (`"4505"` for a port, `yes`
//! for true, `master` as a string or a list). A key salt-rs does not know
//! is a warning, not an error, since real Salt configs carry many keys we
//! do not implement yet. A known key with a bad value is an error naming the
//! file, line and key; all such errors are reported together.
//!
//! Keys salt-rs adds to Salt's (all optional):
//!
//! | key | daemon | default | meaning |
//! |-----|--------|---------|---------|
//! | `heartbeat_interval` | both | 5 | seconds between minion heartbeats; 3 missed = down |
//! | `job_expiry` | master | 3600 | seconds a published job stays valid |
//! | `max_message_size` | both | 16777216 | largest accepted message, bytes |
//! | `publish_key_rotation_stagger_ms` | master | 5 | pause between per-minion key hand-outs |

#![forbid(unsafe_code)]

mod convert;
mod error;
mod master;
mod minion;
mod output;
mod schema;
mod shared;
mod source;

use std::path::{Path, PathBuf};

pub use convert::LOG_LEVELS;
pub use error::ConfigError;
pub use master::MasterConfig;
pub use minion::{MASTER_TYPES, MinionConfig};
pub use output::StateTabular;

/// The values of `pillar_source_merging_strategy`.
pub const MERGING_STRATEGIES: &[&str] =
    &["smart", "recurse", "aggregate", "overwrite", "list", "none"];

/// Where the daemons look when `-c` is not given.
pub const DEFAULT_CONFIG_DIR: &str = "/etc/salt-rs";

/// Default `max_message_size`: 16 MiB.
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 16 * 1024 * 1024;

/// A loaded config and what was ignored while loading it.
#[derive(Debug, Clone)]
pub struct Loaded<T> {
    pub config: T,
    /// One line per ignored key, e.g.
    /// `unknown key 'foo' in /etc/salt-rs/master:3 (ignored)`. The caller
    /// decides how to show them (the daemons log them as warnings).
    pub warnings: Vec<String>,
}

/// Reads `config_dir/master` and `config_dir/master.d/*.conf`.
pub fn load_master(config_dir: &Path) -> Result<Loaded<MasterConfig>, ConfigError> {
    schema::load(
        config_dir,
        "master",
        MasterConfig::defaults(config_dir),
        &master::keys(),
    )
}

/// Reads `config_dir/minion` and `config_dir/minion.d/*.conf`.
pub fn load_minion(config_dir: &Path) -> Result<Loaded<MinionConfig>, ConfigError> {
    schema::load(
        config_dir,
        "minion",
        MinionConfig::defaults(config_dir),
        &minion::keys(),
    )
}

/// `root_dir`: a path, made absolute against the working directory as Salt
/// does.
fn root_dir(v: &serde_json::Value) -> Result<PathBuf, String> {
    let p = convert::path(v)?;
    std::path::absolute(&p).map_err(|e| format!("cannot make '{}' absolute: {e}", p.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn root_dir_is_made_absolute() {
        assert_eq!(root_dir(&json!("/tmp/x")), Ok(PathBuf::from("/tmp/x")));
        let rel = root_dir(&json!("rel")).unwrap();
        assert!(
            rel.is_absolute() && rel.ends_with("rel"),
            "{}",
            rel.display()
        );
        assert!(root_dir(&json!(5)).is_err());
    }
}
