//! Relative paths received from the network (`salt://` file paths).

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A relative path made only of normal components: no `..`, `.`, empty
/// component, absolute prefix, backslash, NUL, control character or `%`
/// escape. `resolve` joins it under a root; symlinks are checked by the
/// caller that opens the file (see the fileserver).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SafeRelPath(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsafe path {path:?}: {why}")]
pub struct SafePathError {
    pub path: String,
    pub why: &'static str,
}

impl SafeRelPath {
    pub fn parse(s: &str) -> Result<Self, SafePathError> {
        let err = |why| SafePathError {
            path: s.chars().take(200).collect(),
            why,
        };
        if s.is_empty() {
            return Err(err("empty path"));
        }
        if s.len() > 4096 {
            return Err(err("longer than 4096 bytes"));
        }
        if s.starts_with('/') {
            return Err(err("absolute paths are not allowed"));
        }
        if s.chars().any(|c| c.is_control()) {
            return Err(err("control characters are not allowed"));
        }
        if s.contains('\\') {
            return Err(err("backslashes are not allowed"));
        }
        if s.contains('%') {
            return Err(err("URL escapes are not allowed"));
        }
        let trimmed = s.strip_suffix('/').unwrap_or(s);
        for comp in trimmed.split('/') {
            match comp {
                "" => return Err(err("empty path component")),
                "." | ".." => return Err(err("'.' and '..' components are not allowed")),
                _ => {}
            }
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `root` joined with this path; never leaves `root` lexically.
    pub fn resolve(&self, root: &Path) -> PathBuf {
        root.join(&self.0)
    }
}

impl fmt::Display for SafeRelPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for SafeRelPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SafeRelPath({})", self.0)
    }
}

impl Serialize for SafeRelPath {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SafeRelPath {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        SafeRelPath::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_escapes() {
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../x",
            "a/./b",
            "a//b",
            "a\0b",
            "%2e%2e/x",
            "a\\..\\b",
        ] {
            assert!(SafeRelPath::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn keeps_normal_paths() {
        let p = SafeRelPath::parse("keepalived/keepalived.conf").unwrap();
        assert_eq!(
            p.resolve(Path::new("/srv/salt")),
            PathBuf::from("/srv/salt/keepalived/keepalived.conf")
        );
        assert_eq!(SafeRelPath::parse("rpm/").unwrap().as_str(), "rpm");
    }
}
