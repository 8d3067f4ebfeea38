//! Minion ids: the name a minion enrolls under and the file name of its key.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Longest id accepted (a DNS name is at most 253 characters).
pub const MAX_ID_LEN: usize = 253;

/// A minion id that is safe to use as a file name and in log lines.
///
/// Allowed: ASCII letters, digits, `.`, `-`, `_` and `@`; 1 to 253 bytes;
/// not starting with `.` or `-`. That covers host names and FQDNs (what
/// Salt ids are in practice) and rules out path separators, `..`, NUL,
/// control characters and shell metacharacters.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MinionId(String);

/// Why a string is not a valid minion id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MinionIdError {
    #[error("minion id is empty")]
    Empty,
    #[error("minion id is longer than {MAX_ID_LEN} bytes")]
    TooLong,
    #[error("minion id {0:?} must not start with '.' or '-'")]
    BadStart(String),
    #[error("minion id {id:?} contains {ch:?}; allowed are letters, digits, '.', '-', '_' and '@'")]
    BadChar { id: String, ch: char },
}

impl MinionId {
    /// Parses and checks an id.
    pub fn parse(s: &str) -> Result<Self, MinionIdError> {
        if s.is_empty() {
            return Err(MinionIdError::Empty);
        }
        if s.len() > MAX_ID_LEN {
            return Err(MinionIdError::TooLong);
        }
        if s.starts_with('.') || s.starts_with('-') {
            return Err(MinionIdError::BadStart(s.to_owned()));
        }
        if let Some(ch) = s
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@')))
        {
            return Err(MinionIdError::BadChar {
                id: s.escape_debug().to_string(),
                ch,
            });
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for MinionId {
    type Err = MinionIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for MinionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for MinionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MinionId({})", self.0)
    }
}

impl AsRef<str> for MinionId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Serialize for MinionId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for MinionId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        MinionId::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_hostnames_and_fqdns() {
        for ok in ["minion1", "web-01.example.com", "a_b@c", "k8s-master-1"] {
            assert_eq!(MinionId::parse(ok).unwrap().as_str(), ok);
        }
    }

    #[test]
    fn refuses_path_tricks_and_controls() {
        for bad in [
            "", "..", "../etc", "a/b", "a\\b", ".hidden", "-rf", "a\0b", "a b", "a\nb", "ä",
        ] {
            assert!(MinionId::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(MinionId::parse(&"a".repeat(254)).is_err());
        assert!(MinionId::parse(&"a".repeat(253)).is_ok());
    }

    #[test]
    fn deserialize_checks() {
        assert!(serde_json::from_str::<MinionId>("\"../x\"").is_err());
        assert!(serde_json::from_str::<MinionId>("\"m1\"").is_ok());
    }
}
