//! Salt environments (`base`, `dev`, ...): the key of `file_roots` and the
//! `saltenv=` of a request. A saltenv names a directory in the minion's file
//! cache (`<cachedir>/files/<saltenv>/...`) and may replace `__env__` in a
//! root path, so it is parsed like a file name.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Longest saltenv accepted.
pub const MAX_SALTENV_LEN: usize = 128;

/// A saltenv name that is safe as one path component.
///
/// Allowed: ASCII letters, digits, `_`, `-`, `.`, `+` and `@`; 1 to 128
/// bytes; not starting with `.` (so never `.` or `..`). That covers the
/// names Salt users give environments (`base`, `dev`, `__env__`,
/// `feature-x`, `v1.2`) and rules out `/`, `..`, NUL, `%` escapes and query
/// syntax (`?`, `&`, `=`).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Saltenv(String);

/// Why a string is not a valid saltenv.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SaltenvError {
    #[error("saltenv is empty")]
    Empty,
    #[error("saltenv is longer than {MAX_SALTENV_LEN} bytes")]
    TooLong,
    #[error("saltenv {0:?} must not start with '.'")]
    BadStart(String),
    #[error(
        "saltenv {env:?} contains {ch:?}; allowed are letters, digits, '_', '-', '.', '+' and '@'"
    )]
    BadChar { env: String, ch: char },
}

impl Saltenv {
    /// Parses and checks a saltenv name.
    pub fn parse(s: &str) -> Result<Self, SaltenvError> {
        if s.is_empty() {
            return Err(SaltenvError::Empty);
        }
        if s.len() > MAX_SALTENV_LEN {
            return Err(SaltenvError::TooLong);
        }
        if s.starts_with('.') {
            return Err(SaltenvError::BadStart(s.escape_debug().to_string()));
        }
        if let Some(ch) = s
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '+' | '@')))
        {
            return Err(SaltenvError::BadChar {
                env: s
                    .chars()
                    .take(MAX_SALTENV_LEN)
                    .collect::<String>()
                    .escape_debug()
                    .to_string(),
                ch,
            });
        }
        Ok(Self(s.to_owned()))
    }

    /// `base`, Salt's default environment.
    pub fn base() -> Self {
        Self("base".to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Saltenv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Saltenv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Saltenv({})", self.0)
    }
}

impl Serialize for Saltenv {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Saltenv {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Saltenv::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_environment_names() {
        for ok in [
            "base",
            "dev",
            "__env__",
            "feature-x",
            "v1.2",
            "a+b",
            "x@y",
            "Prod_2",
        ] {
            assert_eq!(Saltenv::parse(ok).unwrap().as_str(), ok);
        }
    }

    #[test]
    fn refuses_path_and_query_syntax() {
        for bad in [
            "", ".", "..", "../../", "a/b", "/etc", "a\\b", "a\0b", "%2e%2e", "a?b", "a&b", "a=b",
            " base", "base\n", ".hidden",
        ] {
            assert!(Saltenv::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(Saltenv::parse(&"a".repeat(MAX_SALTENV_LEN + 1)).is_err());
        assert_eq!(
            Saltenv::parse("../../").unwrap_err().to_string(),
            "saltenv \"../../\" must not start with '.'"
        );
    }

    #[test]
    fn deserialize_runs_the_parser() {
        let e: Result<Saltenv, _> = serde_json::from_str("\"../x\"");
        assert!(e.is_err());
        let ok: Saltenv = serde_json::from_str("\"dev\"").unwrap();
        assert_eq!(ok, Saltenv::parse("dev").unwrap());
    }
}
