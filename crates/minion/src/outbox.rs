//! Returns waiting for the master's acknowledgement, kept on disk so that
//! neither a master restart nor a minion restart loses them.
//!
//! One directory per master link (`<cachedir>/outbox/<master>/`), one file
//! per return (`<jid>`, the MessagePack of the `JobReturn`), written with
//! temp file + fsync + rename before the return is first sent, removed when
//! the master acknowledges it (it acknowledges after its job cache has the
//! return). Bounded: past [`MAX_ENTRIES`] files or [`MAX_BYTES`] bytes new
//! returns stay in memory only and an error says so.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;

use salt_proto::messages::JobReturn;
use salt_types::Jid;

pub const MAX_ENTRIES: usize = 10_000;
pub const MAX_BYTES: u64 = 256 * 1024 * 1024;

pub struct Outbox {
    dir: Option<PathBuf>,
    pending: BTreeMap<Jid, JobReturn>,
    on_disk: BTreeMap<Jid, u64>,
    limit: usize,
}

impl Outbox {
    /// In memory only.
    pub fn memory() -> Self {
        Self {
            dir: None,
            pending: BTreeMap::new(),
            on_disk: BTreeMap::new(),
            limit: usize::MAX,
        }
    }

    /// Opens (creating) `dir` and loads what a previous run left there.
    /// Unreadable entries are logged and removed.
    pub fn open(dir: &Path, limit: usize) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let mut ob = Self {
            dir: Some(dir.to_path_buf()),
            pending: BTreeMap::new(),
            on_disk: BTreeMap::new(),
            limit,
        };
        for e in std::fs::read_dir(dir)?.flatten() {
            let path = e.path();
            let Some(jid) = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| Jid::parse(n).ok())
            else {
                continue;
            };
            let parsed = std::fs::read(&path).ok().and_then(|b| {
                salt_proto::codec::decode::<JobReturn>(&b, limit)
                    .ok()
                    .map(|r| (r, b.len()))
            });
            match parsed {
                Some((r, len)) if r.jid == jid => {
                    ob.on_disk.insert(jid, len as u64);
                    ob.pending.insert(jid, r);
                }
                _ => {
                    tracing::warn!(file = %path.display(), "unreadable queued return removed");
                    let _ = std::fs::remove_file(&path);
                }
            }
        }
        if !ob.pending.is_empty() {
            tracing::info!(
                count = ob.pending.len(),
                "returns from an earlier run queued for the master"
            );
        }
        Ok(ob)
    }

    /// Queues a return: on disk first (when there is room), then in memory.
    pub fn push(&mut self, r: JobReturn) {
        if let Some(dir) = &self.dir {
            let bytes: u64 = self.on_disk.values().sum();
            if self.on_disk.len() >= MAX_ENTRIES || bytes >= MAX_BYTES {
                tracing::error!(
                    jid = %r.jid,
                    queued = self.on_disk.len(),
                    bytes,
                    "the return outbox is full; this return is kept in memory only and is lost if the minion stops before the master has it"
                );
            } else {
                match salt_proto::codec::encode(&r) {
                    Ok(b) if b.len() <= self.limit => {
                        match salt_proto::keys::write_atomic(&dir.join(r.jid.as_str()), &b, 0o600) {
                            Ok(()) => {
                                self.on_disk.insert(r.jid, b.len() as u64);
                            }
                            Err(e) => {
                                tracing::error!(jid = %r.jid, error = %e, "cannot queue the return on disk")
                            }
                        }
                    }
                    Ok(b) => {
                        tracing::error!(jid = %r.jid, size = b.len(), "return larger than max_message_size; it cannot be delivered")
                    }
                    Err(e) => tracing::error!(jid = %r.jid, error = %e, "cannot encode the return"),
                }
            }
        }
        self.pending.insert(r.jid, r);
    }

    /// The master has the return: forget it. `false` when it was not
    /// queued (a repeated acknowledgement).
    pub fn ack(&mut self, jid: &Jid) -> bool {
        let was = self.pending.remove(jid).is_some();
        if self.on_disk.remove(jid).is_some()
            && let Some(dir) = &self.dir
        {
            let _ = std::fs::remove_file(dir.join(jid.as_str()));
        }
        was
    }

    pub fn pending(&self) -> impl Iterator<Item = &JobReturn> {
        self.pending.values()
    }

    pub fn len(&self) -> usize {
        self.pending.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }
}

/// Where a finished job puts its return: into the outbox first (on disk,
/// whatever the link to the master is doing), then to the link to send.
#[derive(Clone)]
pub struct ReturnSink {
    pub outbox: Arc<Mutex<Outbox>>,
    pub tx: mpsc::Sender<JobReturn>,
}

impl ReturnSink {
    pub async fn deliver(&self, r: JobReturn) {
        self.outbox
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(r.clone());
        if self.tx.send(r).await.is_err() {
            tracing::debug!("master link gone; the return stays in the outbox");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ret(n: u64) -> JobReturn {
        JobReturn {
            jid: Jid::parse(&format!("2026010100{n:010}")).unwrap(),
            fun: "test.ping".into(),
            fun_args: vec![],
            ret: serde_json::json!(true),
            retcode: 0,
            success: true,
        }
    }

    #[test]
    fn survives_a_restart_until_acknowledged() {
        let d = tempfile::tempdir().unwrap();
        let mut ob = Outbox::open(d.path(), 1 << 20).unwrap();
        ob.push(ret(1));
        ob.push(ret(2));
        ob.ack(&ret(1).jid);
        drop(ob);
        let ob = Outbox::open(d.path(), 1 << 20).unwrap();
        let left: Vec<_> = ob.pending().map(|r| r.jid).collect();
        assert_eq!(left, vec![ret(2).jid]);
    }

    #[test]
    fn garbage_files_are_dropped() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("20260101000000000009"), b"\xc1junk").unwrap();
        std::fs::write(d.path().join("not-a-jid"), b"x").unwrap();
        let ob = Outbox::open(d.path(), 1 << 20).unwrap();
        assert!(ob.is_empty());
        assert!(!d.path().join("20260101000000000009").exists());
    }
}
