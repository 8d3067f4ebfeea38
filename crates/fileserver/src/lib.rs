//! Salt's file server (`salt://`) and the minion's side of it.
//!
//! * [`FileServer`] serves `file_roots`: several directories per saltenv,
//!   the first that has a file wins; listings (`cp.list_master`,
//!   `cp.list_master_dirs`, empty directories) are the sorted union of all
//!   roots; hashes in Salt's `hash_file` shape; reads in chunks of at most
//!   [`wire::MAX_CHUNK_LEN`], each gzip-compressed on request (Salt's
//!   `gzip=N`). It takes only [`SafeRelPath`]s and [`Saltenv`]s, parsed
//!   before it sees them, and resolves every path under its root with the
//!   symlink rules in `resolve.rs`: nothing outside `file_roots` is ever
//!   opened.
//! * [`wire`] holds the requests and replies ([`FileRequest`],
//!   [`FileReply`]) as serde types that travel on the master link as they
//!   are; [`FileServer::handle`] answers them.
//! * [`FileClient`] is what execution modules use: the same requests, sent
//!   to a `FileServer` in-process (masterless) or through a channel the
//!   minion's master link serves ([`FileCall`]); chunked downloads with hash
//!   checks, and the minion cache under `<cachedir>/files/<saltenv>/`.
//!
//! No network I/O happens here; the server's calls block on the file
//! system (run them in a blocking thread), the client's are async.
//!
//! ```
//! use std::sync::Arc;
//! use indexmap::IndexMap;
//! use salt_fileserver::{FileServer, wire::ListKind};
//! use salt_types::{SaltUrl, Saltenv};
//!
//! let dir = std::env::temp_dir().join(format!("salt-fs-doc-{}", std::process::id()));
//! std::fs::create_dir_all(dir.join("k8s")).unwrap();
//! std::fs::write(dir.join("k8s/kubelet.conf"), "x\n").unwrap();
//! let server = FileServer::new(IndexMap::from([(Saltenv::base(), vec![dir.clone()])]));
//!
//! let url = SaltUrl::parse("salt://k8s/kubelet.conf").unwrap();
//! let env = url.saltenv_or(&Saltenv::base()).clone();
//! let hash = server.hash(&env, &url.path).unwrap().unwrap();
//! assert_eq!(hash.hash_type.as_str(), "sha256");
//! let files = server.list(&env, ListKind::Files, None).unwrap();
//! assert_eq!(files[0].as_str(), "k8s/kubelet.conf");
//! assert!(SaltUrl::parse("salt://../etc/passwd").is_err());
//! std::fs::remove_dir_all(dir).unwrap();
//! ```

#![forbid(unsafe_code)]

mod atomic;
mod client;
mod download;
mod error;
mod hash;
mod list;
mod resolve;
mod server;
pub mod wire;

pub use atomic::AtomicFile;
pub use client::{Fetched, FileCall, FileClient};
pub use error::{ClientError, FsError};
pub use hash::{Hasher, hash_path};
pub use server::{FileServer, invalid_request, unavailable};
pub use wire::{FileReply, FileRequest};

pub use salt_types::{SafeRelPath, SaltUrl, Saltenv};
