//! Why a configuration could not be loaded, with the file and line to fix.
//!
//! Every problem names where it is, so an operator can go straight to the
//! line. Loading collects all problems it can find before failing; they come
//! back together as [`ConfigError::Multiple`].

use std::fmt;
use std::path::PathBuf;

use salt_types::MinionIdError;

/// A configuration that could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A file or directory exists but could not be read (or the minion id
    /// cache could not be read).
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid YAML, or its top level is not a mapping.
    #[error("{}:{line}:{column}: {message}", file.display())]
    Syntax {
        file: PathBuf,
        line: u64,
        column: u64,
        message: String,
    },
    /// A known key has a value of the wrong type or out of range.
    /// `line` is the line of the key.
    #[error("{}:{line}: {key}: {message}", file.display())]
    Value {
        file: PathBuf,
        line: u64,
        key: String,
        message: String,
    },
    /// A minion id from the id cache file or from the host name is not a
    /// valid id. (An invalid `id` key in the config file is a
    /// [`ConfigError::Value`].)
    #[error("invalid minion id from {origin}: {error}")]
    InvalidId {
        /// Where the id came from: the cache file's path or "the host's FQDN".
        origin: String,
        #[source]
        error: MinionIdError,
    },
    /// Several of the above, in file and line order. Displayed one per line.
    #[error("{}", DisplayLines(.0))]
    Multiple(Vec<ConfigError>),
}

impl ConfigError {
    /// The individual problems: the inner list for [`ConfigError::Multiple`],
    /// else just this one.
    pub fn problems(&self) -> Vec<&ConfigError> {
        match self {
            ConfigError::Multiple(all) => all.iter().flat_map(|e| e.problems()).collect(),
            one => vec![one],
        }
    }

    /// One error for a non-empty list: the error itself when there is one,
    /// [`ConfigError::Multiple`] otherwise. `None` for an empty list.
    pub(crate) fn from_list(mut errors: Vec<ConfigError>) -> Option<ConfigError> {
        match errors.len() {
            0 => None,
            1 => errors.pop(),
            _ => Some(ConfigError::Multiple(errors)),
        }
    }
}

/// Writes errors one per line.
struct DisplayLines<'a>(&'a [ConfigError]);

impl fmt::Display for DisplayLines<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_error_format() {
        let e = ConfigError::Value {
            file: PathBuf::from("/etc/salt-rs/master"),
            line: 4,
            key: "publish_port".into(),
            message: "expected an integer, found 'abc'".into(),
        };
        assert_eq!(
            e.to_string(),
            "/etc/salt-rs/master:4: publish_port: expected an integer, found 'abc'"
        );
    }

    #[test]
    fn multiple_is_one_per_line_and_flattens() {
        let one = |line| ConfigError::Syntax {
            file: PathBuf::from("/x/minion"),
            line,
            column: 2,
            message: "bad".into(),
        };
        let e = ConfigError::from_list(vec![one(1), one(7)]).unwrap();
        assert_eq!(e.to_string(), "/x/minion:1:2: bad\n/x/minion:7:2: bad");
        assert_eq!(e.problems().len(), 2);
        assert!(ConfigError::from_list(vec![]).is_none());
        assert!(matches!(
            ConfigError::from_list(vec![one(3)]),
            Some(ConfigError::Syntax { line: 3, .. })
        ));
    }
}
