//! `salt://path` and `salt://path?saltenv=env` URLs, parsed into a safe
//! relative path and an optional saltenv before anything looks a file up.

use std::fmt;

use crate::{SafePathError, SafeRelPath, Saltenv, SaltenvError};

/// A parsed `salt://` URL.
///
/// The path is a [`SafeRelPath`] (no `..`, no absolute path, no NUL, no `%`
/// escape, no backslash), the saltenv a [`Saltenv`]. The only query Salt
/// gives meaning to is `?saltenv=NAME`; anything else after a `?` is
/// refused, so that nothing the file server would ignore can smuggle a
/// different path or environment through.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SaltUrl {
    pub path: SafeRelPath,
    pub saltenv: Option<Saltenv>,
}

/// Why a string is not a usable `salt://` URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SaltUrlError {
    #[error("{0:?} is not a salt:// URL")]
    NotSaltUrl(String),
    #[error("{url:?}: {source}")]
    Path {
        url: String,
        #[source]
        source: SafePathError,
    },
    #[error("{url:?}: {source}")]
    Saltenv {
        url: String,
        #[source]
        source: SaltenvError,
    },
    #[error("{url:?}: the query {query:?} is not supported; the only query is ?saltenv=NAME")]
    Query { url: String, query: String },
}

const SCHEME: &str = "salt://";

impl SaltUrl {
    /// Parses `salt://path[?saltenv=env]`. A trailing `/` on the path is
    /// dropped (`salt://dir/` names the directory `dir`).
    pub fn parse(s: &str) -> Result<Self, SaltUrlError> {
        let short = || s.chars().take(200).collect::<String>();
        let rest = s
            .strip_prefix(SCHEME)
            .ok_or_else(|| SaltUrlError::NotSaltUrl(short()))?;
        let (path, query) = match rest.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (rest, None),
        };
        let saltenv = match query {
            None => None,
            Some(q) => match q.strip_prefix("saltenv=") {
                Some(env) => Some(Saltenv::parse(env).map_err(|source| SaltUrlError::Saltenv {
                    url: short(),
                    source,
                })?),
                None => {
                    return Err(SaltUrlError::Query {
                        url: short(),
                        query: q.chars().take(100).collect(),
                    });
                }
            },
        };
        let path = SafeRelPath::parse(path).map_err(|source| SaltUrlError::Path {
            url: short(),
            source,
        })?;
        Ok(Self { path, saltenv })
    }

    /// Whether `s` uses the `salt://` scheme (parsing may still fail).
    pub fn is_salt_url(s: &str) -> bool {
        s.starts_with(SCHEME)
    }

    /// The saltenv of the URL, else `default`.
    pub fn saltenv_or<'a>(&'a self, default: &'a Saltenv) -> &'a Saltenv {
        self.saltenv.as_ref().unwrap_or(default)
    }
}

impl fmt::Display for SaltUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{SCHEME}{}", self.path)?;
        if let Some(env) = &self.saltenv {
            write!(f, "?saltenv={env}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for SaltUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SaltUrl({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_path_and_saltenv() {
        let u = SaltUrl::parse("salt://keepalived/keepalived.conf").unwrap();
        assert_eq!(u.path.as_str(), "keepalived/keepalived.conf");
        assert_eq!(u.saltenv, None);
        let u = SaltUrl::parse("salt://foo/bar.conf?saltenv=config").unwrap();
        assert_eq!(u.path.as_str(), "foo/bar.conf");
        assert_eq!(u.saltenv, Some(Saltenv::parse("config").unwrap()));
        assert_eq!(u.to_string(), "salt://foo/bar.conf?saltenv=config");
        assert_eq!(SaltUrl::parse("salt://dir/").unwrap().path.as_str(), "dir");
    }

    /// The traversal corpus of Salt's CVE history: each form is refused
    /// before any file system access.
    #[test]
    fn refuses_traversal_forms() {
        for bad in [
            "salt://../x",
            "salt://a/../../x",
            "salt:///etc/passwd",
            "salt://%2e%2e/etc/passwd",
            "salt://a%2f..%2f..%2fetc",
            "salt://..%2fetc",
            "salt://top.txt?saltenv=../../",
            "salt://top.txt?saltenv=..",
            "salt://top.txt?saltenv=a/b",
            "salt://top.txt?saltenv=%2e%2e",
            "salt://a\0b",
            "salt://a\\..\\b",
            "salt://",
            "salt://./x",
            "salt://a//b",
            "salt://x?env=dev",
            "salt://x?saltenv=dev&path=../y",
            "/etc/passwd",
            "file:///etc/passwd",
            "salt:/x",
        ] {
            assert!(SaltUrl::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn errors_name_the_url_and_the_reason() {
        let e = SaltUrl::parse("salt://../x").unwrap_err().to_string();
        assert!(e.contains("salt://../x") && e.contains("'..'"), "{e}");
        let e = SaltUrl::parse("salt://x?saltenv=../../")
            .unwrap_err()
            .to_string();
        assert!(e.contains("saltenv"), "{e}");
        let e = SaltUrl::parse("salt://x?env=dev").unwrap_err().to_string();
        assert!(e.contains("?saltenv=NAME"), "{e}");
        let e = SaltUrl::parse("/etc/x").unwrap_err().to_string();
        assert_eq!(e, "\"/etc/x\" is not a salt:// URL");
    }
}
