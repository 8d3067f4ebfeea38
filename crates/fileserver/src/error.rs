//! Errors of the file server and of the minion's file client.

use std::io;
use std::path::PathBuf;

use salt_types::{SafeRelPath, Saltenv};

use crate::wire::{FileError, FileErrorKind, MAX_LIST_BYTES, MAX_LIST_LEN};

/// Why the file server could not answer.
#[derive(Debug, thiserror::Error)]
pub enum FsError {
    /// The path resolves outside every root that has it.
    #[error(
        "salt://{path}?saltenv={saltenv} resolves outside its file root (through a symlink): refused"
    )]
    Refused { saltenv: Saltenv, path: SafeRelPath },
    #[error("{}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(
        "listing saltenv '{saltenv}' gives more than {MAX_LIST_LEN} names or {MAX_LIST_BYTES} bytes of names"
    )]
    TooLarge { saltenv: Saltenv },
    /// A `file_roots` key that is not a valid saltenv.
    #[error("file_roots: {0}")]
    Config(String),
}

impl FsError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }

    /// The error as it goes back to the minion. I/O errors name only the
    /// requested path, not the server's directories.
    pub fn to_wire(&self, saltenv: &Saltenv, path: Option<&SafeRelPath>) -> FileError {
        let (kind, message) = match self {
            Self::Refused { .. } => (FileErrorKind::Refused, self.to_string()),
            Self::TooLarge { .. } => (FileErrorKind::TooLarge, self.to_string()),
            Self::Config(_) => (FileErrorKind::Invalid, self.to_string()),
            Self::Io { source, .. } => {
                let what = match path {
                    Some(p) => format!("salt://{p}?saltenv={saltenv}"),
                    None => format!("saltenv '{saltenv}'"),
                };
                (FileErrorKind::Io, format!("{what}: {source}"))
            }
        };
        FileError { kind, message }
    }
}

/// Why a minion-side file operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered with an error.
    #[error("file server: {}", .0.message)]
    Server(FileError),
    /// The server's answer does not fit the request.
    #[error("file server: unexpected reply to {request}: {detail}")]
    Protocol {
        request: &'static str,
        detail: String,
    },
    /// The request could not reach the server (no master link, shutdown).
    #[error("file server unavailable: {0}")]
    Unavailable(String),
    /// The downloaded file kept changing, or arrived damaged.
    #[error(
        "salt://{path}: downloaded data does not match the server's {hash_type} hash after {tries} tries"
    )]
    HashMismatch {
        path: SafeRelPath,
        hash_type: &'static str,
        tries: u32,
    },
    /// Writing on the minion failed.
    #[error("{}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl ClientError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}
