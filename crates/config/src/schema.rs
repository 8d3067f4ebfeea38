//! The one table per daemon that says which keys exist and how each is set,
//! and the loader that drives it.
//!
//! Each daemon lists its keys once as `(name, setter)`. The loader uses that
//! list to tell known keys from unknown ones (a warning), to check every
//! occurrence of a key in every file (so an error names the exact file and
//! line, and all errors are reported together), and finally to apply the
//! merged values onto the defaults.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::Loaded;
use crate::error::ConfigError;
use crate::source::{self, Origin};

/// Sets one key on a config; the error is the message after `<key>: `.
pub(crate) type Setter<C> = fn(&mut C, &Value) -> Result<(), String>;

/// One known key.
pub(crate) struct Key<C> {
    pub name: &'static str,
    pub set: Setter<C>,
}

/// One [`Key`] whose setter converts the value with `$conv` and stores it in
/// `$field`.
macro_rules! key {
    ($name:literal, $field:ident, $conv:expr) => {
        $crate::schema::Key {
            name: $name,
            set: |c, v| {
                c.$field = $conv(v)?;
                Ok(())
            },
        }
    };
}
pub(crate) use key;

/// Keys Salt uses to pull in more files; salt-rs always reads `<name>.d/*.conf`
/// and ignores these for now.
const INCLUDE_KEYS: &[&str] = &["include", "default_include"];

/// Joins `path` under `root` as Salt's `prepend_root_dir` does: a path that
/// already lies under `root` is kept, any other (absolute or relative) is
/// placed beneath it. With root `/` absolute paths are unchanged.
pub(crate) fn rooted(root: &Path, path: &Path) -> PathBuf {
    if root != Path::new("/") && path.starts_with(root) {
        return path.to_path_buf();
    }
    let relative = path.strip_prefix("/").unwrap_or(path);
    root.join(relative)
}

/// Reads `config_dir/<name>` and `config_dir/<name>.d/*.conf` and applies
/// them to `defaults` through `keys`.
pub(crate) fn load<C: Clone>(
    config_dir: &Path,
    name: &str,
    defaults: C,
    keys: &[Key<C>],
) -> Result<Loaded<C>, ConfigError> {
    let sources = source::read_sources(config_dir, name)?;
    let find = |k: &str| keys.iter().find(|key| key.name == k);

    let mut warnings = Vec::new();
    let mut errors = Vec::new();
    for file in sources.files() {
        for entry in &file.entries {
            if INCLUDE_KEYS.contains(&entry.key.as_str()) {
                warnings.push(format!(
                    "key '{}' in {}:{} is not supported yet (ignored); {name}.d/*.conf is always read",
                    entry.key,
                    file.path.display(),
                    entry.line
                ));
                continue;
            }
            let Some(key) = find(&entry.key) else {
                warnings.push(format!(
                    "unknown key '{}' in {}:{} (ignored)",
                    entry.key,
                    file.path.display(),
                    entry.line
                ));
                continue;
            };
            if entry.value.is_null() {
                continue;
            }
            let mut scratch = defaults.clone();
            if let Err(message) = (key.set)(&mut scratch, &entry.value) {
                errors.push(ConfigError::Value {
                    file: file.path.clone(),
                    line: entry.line,
                    key: entry.key.clone(),
                    message,
                });
            }
        }
    }
    if let Some(e) = ConfigError::from_list(std::mem::take(&mut errors)) {
        return Err(e);
    }

    // Every occurrence was valid on its own; merged values are built from
    // valid pieces, but check again rather than assume.
    let mut config = defaults;
    for (name, (value, Origin { file, line })) in source::merge(&sources) {
        let Some(key) = find(&name) else { continue };
        if value.is_null() {
            continue;
        }
        if let Err(message) = (key.set)(&mut config, &value) {
            errors.push(ConfigError::Value {
                file,
                line,
                key: name,
                message,
            });
        }
    }
    match ConfigError::from_list(errors) {
        Some(e) => Err(e),
        None => Ok(Loaded { config, warnings }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rooted_matches_salt() {
        let r = |root: &str, p: &str| rooted(Path::new(root), Path::new(p));
        assert_eq!(
            r("/", "/etc/salt-rs/pki"),
            PathBuf::from("/etc/salt-rs/pki")
        );
        assert_eq!(
            r("/tmp/x", "/etc/salt-rs/pki"),
            PathBuf::from("/tmp/x/etc/salt-rs/pki")
        );
        assert_eq!(
            r("/tmp/x", "/tmp/x/var/log/m"),
            PathBuf::from("/tmp/x/var/log/m")
        );
        assert_eq!(r("/tmp/x", "rel/log"), PathBuf::from("/tmp/x/rel/log"));
        // "/tmp/xy" is not under "/tmp/x": component-wise comparison.
        assert_eq!(r("/tmp/x", "/tmp/xy/a"), PathBuf::from("/tmp/x/tmp/xy/a"));
    }
}
