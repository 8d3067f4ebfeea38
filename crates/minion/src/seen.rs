//! The jids this minion has already run, kept on disk until they expire, so
//! that a job runs at most once even across minion restarts: a publish
//! captured before a restart and replayed after it (inside its expiry and
//! the replay window) finds its jid here and is dropped.
//!
//! File: `<cachedir>/seen_jids`, one `JID EXPIRES_MS` line per job, appended
//! and synced before the job starts; rewritten without expired entries when
//! it grows.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use salt_types::Jid;

/// Rewrite the file once it has this many more lines than live entries.
const COMPACT_SLACK: usize = 4096;

pub struct SeenJobs {
    inner: Mutex<Inner>,
}

struct Inner {
    live: HashMap<Jid, u64>,
    lines: usize,
    path: Option<PathBuf>,
    file: Option<File>,
}

impl Default for SeenJobs {
    /// In memory only (salt-rs-call, tests).
    fn default() -> Self {
        Self {
            inner: Mutex::new(Inner {
                live: HashMap::new(),
                lines: 0,
                path: None,
                file: None,
            }),
        }
    }
}

impl SeenJobs {
    /// Loads `<dir>/seen_jids`, dropping expired and malformed lines.
    pub fn open(dir: &Path, now_ms: u64) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join("seen_jids");
        let mut live = HashMap::new();
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                for line in text.lines() {
                    let mut it = line.split_whitespace();
                    let (Some(j), Some(e)) = (it.next(), it.next()) else {
                        continue;
                    };
                    if let (Ok(jid), Ok(exp)) = (Jid::parse(j), e.parse::<u64>())
                        && exp > now_ms
                    {
                        live.insert(jid, exp);
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let s = Self {
            inner: Mutex::new(Inner {
                live,
                lines: 0,
                path: Some(path),
                file: None,
            }),
        };
        s.lock().compact()?;
        Ok(s)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// True the first time `jid` is offered (and records it durably).
    pub fn first_time(&self, jid: Jid, expires_ms: u64, now_ms: u64) -> bool {
        let mut g = self.lock();
        if g.live.get(&jid).is_some_and(|exp| *exp > now_ms) {
            return false;
        }
        g.live.insert(jid, expires_ms);
        if let Err(e) = g.append(jid, expires_ms) {
            tracing::warn!(error = %e, "cannot record the jid on disk; at-most-once holds only until restart");
        }
        if g.lines > g.live.len() + COMPACT_SLACK {
            g.live.retain(|_, exp| *exp > now_ms);
            if let Err(e) = g.compact() {
                tracing::warn!(error = %e, "cannot compact the jid log");
            }
        }
        true
    }

    pub fn len(&self) -> usize {
        self.lock().live.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Inner {
    fn append(&mut self, jid: Jid, exp: u64) -> std::io::Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        if self.file.is_none() {
            self.file = Some(OpenOptions::new().create(true).append(true).open(path)?);
        }
        if let Some(f) = self.file.as_mut() {
            writeln!(f, "{jid} {exp}")?;
            f.sync_data()?;
        }
        self.lines += 1;
        Ok(())
    }

    /// Rewrites the file with the live entries only (temp + fsync + rename).
    fn compact(&mut self) -> std::io::Result<()> {
        let Some(path) = self.path.clone() else {
            return Ok(());
        };
        let tmp = path.with_extension("tmp");
        {
            let mut f = File::create(&tmp)?;
            for (j, e) in &self.live {
                writeln!(f, "{j} {e}")?;
            }
            f.sync_all()?;
        }
        std::fs::rename(&tmp, &path)?;
        self.file = None;
        self.lines = self.live.len();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jid(n: u64) -> Jid {
        Jid::parse(&format!("2026010100{:010}", n)).unwrap()
    }

    #[test]
    fn survives_a_restart_until_expiry() {
        let d = tempfile::tempdir().unwrap();
        let s = SeenJobs::open(d.path(), 1000).unwrap();
        assert!(s.first_time(jid(1), 5000, 1000));
        assert!(!s.first_time(jid(1), 5000, 1001));
        assert!(s.first_time(jid(2), 1500, 1000));
        drop(s);
        let s = SeenJobs::open(d.path(), 2000).unwrap();
        assert!(
            !s.first_time(jid(1), 5000, 2000),
            "forgotten across a restart"
        );
        // jid 2 expired at 1500: gone from the log, may be offered again.
        assert_eq!(s.len(), 1);
        assert!(s.first_time(jid(2), 9000, 2000));
    }

    #[test]
    fn garbage_lines_are_skipped_and_the_log_compacts() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(
            d.path().join("seen_jids"),
            "junk\n123 x\n20260101000000000001 99999\n",
        )
        .unwrap();
        let s = SeenJobs::open(d.path(), 0).unwrap();
        assert_eq!(s.len(), 1);
        let text = std::fs::read_to_string(d.path().join("seen_jids")).unwrap();
        assert_eq!(text.lines().count(), 1);
        for n in 0..(COMPACT_SLACK as u64 + 10) {
            s.first_time(jid(100 + n), 10, 5);
        }
        let lines = std::fs::read_to_string(d.path().join("seen_jids"))
            .unwrap()
            .lines()
            .count();
        assert!(
            lines <= COMPACT_SLACK + 20,
            "log not compacted: {lines} lines"
        );
    }
}
