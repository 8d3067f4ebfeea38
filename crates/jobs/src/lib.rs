//! The master's job cache: every publish and every return is kept so that the
//! `jobs.*` runners can answer after the fact and no acknowledged return is
//! lost across a master restart.
//!
//! [`JobStore`] is the storage contract (SQLite now in [`SqliteJobStore`], a
//! PostgreSQL implementation for several masters later). Writes are queued and
//! answered with a [`WriteTicket`] so that callers on an async request loop
//! never block on disk; the ticket resolves once the write is committed.

mod filter;
mod sqlite;

use std::time::Duration;

use serde_json::Value;
use time::OffsetDateTime;

pub use filter::{JobFilter, time_bound};
pub use sqlite::SqliteJobStore;

/// Failures of the job cache.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// The database refused an operation.
    #[error("job cache database error: {0}")]
    Db(#[from] rusqlite::Error),
    /// A stored JSON column could not be decoded or a value encoded.
    #[error("job cache data error: {0}")]
    Json(#[from] serde_json::Error),
    /// A write failed inside the writer thread (its message).
    #[error("job cache write failed: {0}")]
    Write(String),
    /// The writer thread is gone (the store was shut down or it crashed).
    #[error("job cache writer is not running")]
    WriterGone,
    /// A search pattern is not a valid glob.
    #[error("invalid search pattern {pattern:?}: {reason}")]
    Pattern {
        /// The pattern as given.
        pattern: String,
        /// Why it was rejected.
        reason: String,
    },
    /// The cache directory or file could not be prepared.
    #[error("job cache file {path}: {source}")]
    Io {
        /// The path involved.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// A job as published by the master.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishRecord {
    /// Salt job id (`YYYYMMDDhhmmssffffff`).
    pub jid: String,
    /// Function name, e.g. `test.ping`.
    pub fun: String,
    /// Positional arguments as published (kwargs included the way Salt packs them).
    pub arg: Vec<Value>,
    /// Target expression: a string, or a list for `list` targeting.
    pub tgt: Value,
    /// Target type (`glob`, `list`, `compound`, ...).
    pub tgt_type: String,
    /// The user who published the job.
    pub user: String,
    /// When the job was published.
    pub start_time: OffsetDateTime,
    /// Minions expected to answer.
    pub minions: Vec<String>,
}

/// One minion's answer to a job.
#[derive(Debug, Clone, PartialEq)]
pub struct ReturnRecord {
    /// The job this answers.
    pub jid: String,
    /// The answering minion id.
    pub minion: String,
    /// Exit code reported by the minion.
    pub retcode: i64,
    /// Whether the function succeeded.
    pub success: bool,
    /// The function's return data.
    pub ret: Value,
    /// When the master received it.
    pub time: OffsetDateTime,
}

/// A stored return as read back (the job id is implied by the lookup).
#[derive(Debug, Clone, PartialEq)]
pub struct MinionReturn {
    /// The answering minion id.
    pub minion: String,
    /// Exit code reported by the minion.
    pub retcode: i64,
    /// Whether the function succeeded.
    pub success: bool,
    /// The function's return data.
    pub ret: Value,
    /// When the master received it.
    pub time: OffsetDateTime,
}

/// Everything the cache knows about one jid.
#[derive(Debug, Clone, PartialEq)]
pub struct JobLookup {
    /// The publish, when it was recorded (returns can exist without it,
    /// e.g. for jobs published before the cache existed).
    pub job: Option<PublishRecord>,
    /// Returns, ordered by minion id.
    pub returns: Vec<MinionReturn>,
    /// Expected minions that have not answered, in publish order.
    pub missing: Vec<String>,
}

/// Storage for publishes and returns. Writes are asynchronous (they return a
/// [`WriteTicket`]); reads are blocking and see every write whose ticket has
/// resolved.
pub trait JobStore: Send + Sync {
    /// Queues the record of a publish.
    fn record_publish(&self, job: PublishRecord) -> Result<WriteTicket, JobError>;
    /// Queues the record of a return. A second return of the same minion for
    /// the same jid is ignored (resends are idempotent).
    fn record_return(&self, ret: ReturnRecord) -> Result<WriteTicket, JobError>;
    /// Jobs matching `filter`, oldest first.
    fn list_jobs(&self, filter: &JobFilter) -> Result<Vec<PublishRecord>, JobError>;
    /// The publish, returns and missing minions of `jid`; `None` when the
    /// cache knows nothing of it.
    fn lookup_jid(&self, jid: &str) -> Result<Option<JobLookup>, JobError>;
    /// Jobs started at or after `since` with at least one expected minion
    /// that has not answered, oldest first.
    fn active_jobs(&self, since: OffsetDateTime) -> Result<Vec<PublishRecord>, JobError>;
    /// The most recent job matching `filter`.
    fn last_run(&self, filter: &JobFilter) -> Result<Option<PublishRecord>, JobError>;
    /// Deletes jobs started before `cutoff` with their returns (and orphan
    /// returns received before it); returns how many jobs were removed.
    fn purge_before(&self, cutoff: OffsetDateTime) -> Result<usize, JobError>;
    /// Blocks until every write queued so far is committed.
    fn flush(&self) -> Result<(), JobError>;
}

/// The cutoff for Salt's `keep_jobs` (hours): `None` when `keep_jobs` is 0,
/// which keeps jobs forever.
pub fn retention_cutoff(keep_jobs_hours: u64, now: OffsetDateTime) -> Option<OffsetDateTime> {
    if keep_jobs_hours == 0 {
        return None;
    }
    let keep = Duration::from_secs(keep_jobs_hours.saturating_mul(3600));
    let cutoff = time::Duration::try_from(keep)
        .ok()
        .and_then(|d| now.checked_sub(d));
    Some(cutoff.unwrap_or(OffsetDateTime::UNIX_EPOCH))
}

/// Salt's display of a jid's time, `2026, Nov 21 21:05:08.967619`; `None`
/// when `jid` is not 20 digits forming a valid date.
pub fn jid_to_time(jid: &str) -> Option<String> {
    salt_types::Jid::parse(jid).ok()?.start_time_text()
}

/// Resolves when a queued write is committed (or failed).
#[derive(Debug)]
pub struct WriteTicket {
    rx: tokio::sync::oneshot::Receiver<Result<(), String>>,
}

impl WriteTicket {
    pub(crate) fn new(rx: tokio::sync::oneshot::Receiver<Result<(), String>>) -> WriteTicket {
        WriteTicket { rx }
    }

    /// Waits (blocking the thread) for the commit. Do not call from async code.
    pub fn wait(self) -> Result<(), JobError> {
        match self.rx.blocking_recv() {
            Ok(r) => r.map_err(JobError::Write),
            Err(_) => Err(JobError::WriterGone),
        }
    }

    /// Waits asynchronously for the commit.
    pub async fn committed(self) -> Result<(), JobError> {
        match self.rx.await {
            Ok(r) => r.map_err(JobError::Write),
            Err(_) => Err(JobError::WriterGone),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jid_time_matches_salt_layout() {
        assert_eq!(
            jid_to_time("20261121210508967619").as_deref(),
            Some("2026, Nov 21 21:05:08.967619")
        );
        assert_eq!(
            jid_to_time("20260102030405000001").as_deref(),
            Some("2026, Jan 02 03:04:05.000001")
        );
        assert_eq!(jid_to_time("2026112121050896761"), None);
        assert_eq!(jid_to_time("2026132121050896761x"), None);
        assert_eq!(jid_to_time("20261321210508967619"), None);
    }

    #[test]
    fn keep_jobs_zero_keeps_forever() {
        let now = OffsetDateTime::from_unix_timestamp(1_000_000).unwrap();
        assert_eq!(retention_cutoff(0, now), None);
        assert_eq!(
            retention_cutoff(2, now),
            Some(OffsetDateTime::from_unix_timestamp(1_000_000 - 7200).unwrap())
        );
        assert_eq!(
            retention_cutoff(u64::MAX, now),
            Some(OffsetDateTime::UNIX_EPOCH)
        );
    }
}
