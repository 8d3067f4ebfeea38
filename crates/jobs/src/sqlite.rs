//! The SQLite job cache: one file in WAL mode, a single writer thread that
//! commits whatever is queued in one transaction (so a burst of returns costs
//! one sync, not one per return), and a separate read connection so lookups
//! never wait behind writes.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Mutex, PoisonError};
use std::thread::JoinHandle;

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde_json::Value;
use time::OffsetDateTime;

use crate::filter::CompiledFilter;
use crate::{
    JobError, JobFilter, JobLookup, JobStore, MinionReturn, PublishRecord, ReturnRecord,
    WriteTicket,
};

/// Most operations committed in one transaction.
const MAX_BATCH: usize = 1024;

/// A [`JobStore`] in one SQLite file.
#[derive(Debug)]
pub struct SqliteJobStore {
    path: PathBuf,
    tx: Mutex<Option<Sender<Op>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
    reader: Mutex<Connection>,
}

impl SqliteJobStore {
    /// Opens (creating if needed) the cache at `path` and starts its writer
    /// thread. The parent directory is created when missing.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteJobStore, JobError> {
        let path = path.as_ref().to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| JobError::Io {
                path: dir.display().to_string(),
                source,
            })?;
        }
        let mut conn = Connection::open(&path)?;
        configure(&conn)?;
        create_schema(&mut conn)?;
        let reader = Connection::open(&path)?;
        configure(&reader)?;
        let (tx, rx) = mpsc::channel();
        let writer = std::thread::Builder::new()
            .name("salt-jobs-writer".into())
            .spawn(move || writer_loop(conn, rx))
            .map_err(|source| JobError::Io {
                path: path.display().to_string(),
                source,
            })?;
        Ok(SqliteJobStore {
            path,
            tx: Mutex::new(Some(tx)),
            writer: Mutex::new(Some(writer)),
            reader: Mutex::new(reader),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Commits everything queued and stops the writer thread. Later writes
    /// fail with [`JobError::WriterGone`]. Also done on drop.
    pub fn close(&self) {
        let tx = self
            .tx
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        drop(tx);
        let handle = self
            .writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(handle) = handle
            && handle.join().is_err()
        {
            tracing::error!("job cache writer thread panicked");
        }
    }

    fn send(
        &self,
        make: impl FnOnce(Reply) -> Op,
    ) -> Result<tokio::sync::oneshot::Receiver<Result<(), String>>, JobError> {
        let (reply, rx) = tokio::sync::oneshot::channel();
        let guard = self.tx.lock().unwrap_or_else(PoisonError::into_inner);
        let tx = guard.as_ref().ok_or(JobError::WriterGone)?;
        tx.send(make(Reply::Done(reply)))
            .map_err(|_| JobError::WriterGone)?;
        Ok(rx)
    }

    fn with_reader<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, JobError>,
    ) -> Result<T, JobError> {
        let conn = self.reader.lock().unwrap_or_else(PoisonError::into_inner);
        f(&conn)
    }

    fn select_jobs(
        &self,
        sql_tail: &str,
        lo: i64,
        hi: i64,
    ) -> Result<Vec<PublishRecord>, JobError> {
        self.with_reader(|conn| {
            let sql = format!(
                "SELECT jid, fun, arg, tgt, tgt_type, user, start_us, minions FROM jobs \
                 WHERE start_us >= ?1 AND start_us <= ?2 {sql_tail}"
            );
            let mut stmt = conn.prepare_cached(&sql)?;
            let rows = stmt.query_map(params![lo, hi], raw_job)?;
            let mut out = Vec::new();
            for row in rows {
                out.push(row?.decode()?);
            }
            Ok(out)
        })
    }

    fn filtered(&self, filter: &JobFilter, order: &str) -> Result<Vec<PublishRecord>, JobError> {
        let compiled: CompiledFilter = filter.compile()?;
        let lo = compiled.start_time.map_or(i64::MIN, to_micros);
        let hi = compiled.end_time.map_or(i64::MAX, to_micros);
        let jobs = self.select_jobs(&format!("ORDER BY start_us {order}, jid {order}"), lo, hi)?;
        Ok(jobs.into_iter().filter(|j| compiled.matches(j)).collect())
    }
}

impl Drop for SqliteJobStore {
    fn drop(&mut self) {
        self.close();
    }
}

impl JobStore for SqliteJobStore {
    fn record_publish(&self, job: PublishRecord) -> Result<WriteTicket, JobError> {
        Ok(WriteTicket::new(self.send(|r| Op::Publish(job, r))?))
    }

    fn record_return(&self, ret: ReturnRecord) -> Result<WriteTicket, JobError> {
        Ok(WriteTicket::new(self.send(|r| Op::Return(ret, r))?))
    }

    fn list_jobs(&self, filter: &JobFilter) -> Result<Vec<PublishRecord>, JobError> {
        self.filtered(filter, "ASC")
    }

    fn lookup_jid(&self, jid: &str) -> Result<Option<JobLookup>, JobError> {
        self.with_reader(|conn| {
            let job = conn
                .prepare_cached(
                    "SELECT jid, fun, arg, tgt, tgt_type, user, start_us, minions FROM jobs WHERE jid = ?1",
                )?
                .query_row(params![jid], raw_job)
                .optional()?
                .map(RawJob::decode)
                .transpose()?;
            let mut stmt = conn.prepare_cached(
                "SELECT minion, retcode, success, ret, time_us FROM returns WHERE jid = ?1 ORDER BY minion",
            )?;
            let rows = stmt.query_map(params![jid], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, i64>(1)?,
                    row.get::<_, bool>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, i64>(4)?,
                ))
            })?;
            let mut returns = Vec::new();
            for row in rows {
                let (minion, retcode, success, ret, time_us) = row?;
                returns.push(MinionReturn {
                    minion,
                    retcode,
                    success,
                    ret: serde_json::from_str(&ret)?,
                    time: from_micros(time_us),
                });
            }
            if job.is_none() && returns.is_empty() {
                return Ok(None);
            }
            let missing = job
                .as_ref()
                .map(|j| {
                    j.minions
                        .iter()
                        .filter(|m| !returns.iter().any(|r| &r.minion == *m))
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            Ok(Some(JobLookup { job, returns, missing }))
        })
    }

    fn active_jobs(&self, since: OffsetDateTime) -> Result<Vec<PublishRecord>, JobError> {
        let jobs =
            self.select_jobs("ORDER BY start_us ASC, jid ASC", to_micros(since), i64::MAX)?;
        self.with_reader(|conn| {
            let mut stmt = conn.prepare_cached("SELECT minion FROM returns WHERE jid = ?1")?;
            let mut out = Vec::new();
            for job in jobs {
                let answered = stmt
                    .query_map(params![job.jid], |row| row.get::<_, String>(0))?
                    .collect::<Result<Vec<_>, _>>()?;
                if job.minions.iter().any(|m| !answered.contains(m)) {
                    out.push(job);
                }
            }
            Ok(out)
        })
    }

    fn last_run(&self, filter: &JobFilter) -> Result<Option<PublishRecord>, JobError> {
        Ok(self.filtered(filter, "DESC")?.into_iter().next())
    }

    fn purge_before(&self, cutoff: OffsetDateTime) -> Result<usize, JobError> {
        let (reply, rx) = mpsc::channel();
        {
            let guard = self.tx.lock().unwrap_or_else(PoisonError::into_inner);
            let tx = guard.as_ref().ok_or(JobError::WriterGone)?;
            tx.send(Op::Purge(to_micros(cutoff), reply))
                .map_err(|_| JobError::WriterGone)?;
        }
        rx.recv()
            .map_err(|_| JobError::WriterGone)?
            .map_err(JobError::Write)
    }

    fn flush(&self) -> Result<(), JobError> {
        let rx = self.send(Op::Flush)?;
        WriteTicket::new(rx).wait()
    }
}

/// Work for the writer thread.
enum Op {
    Publish(PublishRecord, Reply),
    Return(ReturnRecord, Reply),
    Purge(i64, mpsc::Sender<Result<usize, String>>),
    Flush(Reply),
}

/// How the writer reports a commit.
enum Reply {
    Done(tokio::sync::oneshot::Sender<Result<(), String>>),
}

impl Reply {
    fn send(self, result: Result<(), String>) {
        match self {
            // The caller may have stopped waiting; that is fine.
            Reply::Done(tx) => {
                let _ = tx.send(result);
            }
        }
    }
}

fn configure(conn: &Connection) -> Result<(), JobError> {
    let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!(mode, "job cache could not switch to WAL");
    }
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(())
}

fn create_schema(conn: &mut Connection) -> Result<(), JobError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS jobs (
             jid      TEXT PRIMARY KEY,
             fun      TEXT NOT NULL,
             arg      TEXT NOT NULL,
             tgt      TEXT NOT NULL,
             tgt_type TEXT NOT NULL,
             user     TEXT NOT NULL,
             start_us INTEGER NOT NULL,
             minions  TEXT NOT NULL
         );
         CREATE INDEX IF NOT EXISTS jobs_start ON jobs(start_us);
         CREATE TABLE IF NOT EXISTS returns (
             jid      TEXT NOT NULL,
             minion   TEXT NOT NULL,
             retcode  INTEGER NOT NULL,
             success  INTEGER NOT NULL,
             ret      TEXT NOT NULL,
             time_us  INTEGER NOT NULL,
             PRIMARY KEY (jid, minion)
         );
         CREATE INDEX IF NOT EXISTS returns_time ON returns(time_us);",
    )?;
    Ok(())
}

/// Takes one operation, then everything else already queued (up to
/// [`MAX_BATCH`]), commits them in one transaction and answers each.
fn writer_loop(mut conn: Connection, rx: Receiver<Op>) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(op) => batch.push(op),
                Err(_) => break,
            }
        }
        commit_batch(&mut conn, batch);
    }
}

fn commit_batch(conn: &mut Connection, batch: Vec<Op>) {
    let mut purged = Vec::with_capacity(batch.len());
    let result = (|| -> Result<(), JobError> {
        let tx = conn.transaction()?;
        for op in &batch {
            purged.push(apply(&tx, op)?);
        }
        tx.commit()?;
        Ok(())
    })();
    let result = result.map_err(|e| {
        tracing::error!(error = %e, ops = batch.len(), "job cache batch failed");
        e.to_string()
    });
    for (i, op) in batch.into_iter().enumerate() {
        match op {
            Op::Publish(_, reply) | Op::Return(_, reply) | Op::Flush(reply) => {
                reply.send(result.clone())
            }
            Op::Purge(_, reply) => {
                let count = purged.get(i).copied().unwrap_or(0);
                let _ = reply.send(result.clone().map(|()| count));
            }
        }
    }
}

/// Applies one operation; returns the number of purged jobs (0 for others).
fn apply(tx: &Transaction<'_>, op: &Op) -> Result<usize, JobError> {
    match op {
        Op::Publish(job, _) => {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO jobs (jid, fun, arg, tgt, tgt_type, user, start_us, minions)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                job.jid,
                job.fun,
                serde_json::to_string(&job.arg)?,
                serde_json::to_string(&job.tgt)?,
                job.tgt_type,
                job.user,
                to_micros(job.start_time),
                serde_json::to_string(&job.minions)?,
            ])?;
            Ok(0)
        }
        Op::Return(ret, _) => {
            tx.prepare_cached(
                "INSERT INTO returns (jid, minion, retcode, success, ret, time_us)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (jid, minion) DO NOTHING",
            )?
            .execute(params![
                ret.jid,
                ret.minion,
                ret.retcode,
                ret.success,
                serde_json::to_string(&ret.ret)?,
                to_micros(ret.time),
            ])?;
            Ok(0)
        }
        Op::Purge(cutoff, _) => {
            tx.execute(
                "DELETE FROM returns WHERE jid IN (SELECT jid FROM jobs WHERE start_us < ?1)
                    OR (time_us < ?1 AND jid NOT IN (SELECT jid FROM jobs))",
                params![cutoff],
            )?;
            Ok(tx.execute("DELETE FROM jobs WHERE start_us < ?1", params![cutoff])?)
        }
        Op::Flush(_) => Ok(0),
    }
}

/// A jobs row before its JSON columns are decoded.
struct RawJob {
    jid: String,
    fun: String,
    arg: String,
    tgt: String,
    tgt_type: String,
    user: String,
    start_us: i64,
    minions: String,
}

impl RawJob {
    fn decode(self) -> Result<PublishRecord, JobError> {
        Ok(PublishRecord {
            jid: self.jid,
            fun: self.fun,
            arg: serde_json::from_str::<Vec<Value>>(&self.arg)?,
            tgt: serde_json::from_str(&self.tgt)?,
            tgt_type: self.tgt_type,
            user: self.user,
            start_time: from_micros(self.start_us),
            minions: serde_json::from_str(&self.minions)?,
        })
    }
}

fn raw_job(row: &rusqlite::Row<'_>) -> rusqlite::Result<RawJob> {
    Ok(RawJob {
        jid: row.get(0)?,
        fun: row.get(1)?,
        arg: row.get(2)?,
        tgt: row.get(3)?,
        tgt_type: row.get(4)?,
        user: row.get(5)?,
        start_us: row.get(6)?,
        minions: row.get(7)?,
    })
}

fn to_micros(t: OffsetDateTime) -> i64 {
    let us = t.unix_timestamp_nanos() / 1000;
    i64::try_from(us).unwrap_or(if us < 0 { i64::MIN } else { i64::MAX })
}

fn from_micros(us: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(secs: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(secs).unwrap()
    }

    fn publish(jid: &str, fun: &str, tgt: Value, secs: i64, minions: &[&str]) -> PublishRecord {
        PublishRecord {
            jid: jid.into(),
            fun: fun.into(),
            arg: vec![json!("a"), json!({"__kwarg__": true, "k": 1})],
            tgt,
            tgt_type: "glob".into(),
            user: "root".into(),
            start_time: at(secs),
            minions: minions.iter().map(|m| m.to_string()).collect(),
        }
    }

    fn ret(jid: &str, minion: &str, data: Value, secs: i64) -> ReturnRecord {
        ReturnRecord {
            jid: jid.into(),
            minion: minion.into(),
            retcode: 0,
            success: true,
            ret: data,
            time: at(secs),
        }
    }

    #[test]
    fn batched_returns_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache/jobs.sqlite");
        {
            let store = SqliteJobStore::open(&path).unwrap();
            store
                .record_publish(publish(
                    "20260101000000000001",
                    "test.ping",
                    json!("*"),
                    100,
                    &["m0", "m1"],
                ))
                .unwrap()
                .wait()
                .unwrap();
            // Queue many returns without waiting so the writer batches them.
            let tickets: Vec<_> = (0..500)
                .map(|i| {
                    store
                        .record_return(ret(
                            "20260101000000000001",
                            &format!("m{i}"),
                            json!({"n": i}),
                            101,
                        ))
                        .unwrap()
                })
                .collect();
            for t in tickets {
                t.wait().unwrap();
            }
        }
        let store = SqliteJobStore::open(&path).unwrap();
        let found = store.lookup_jid("20260101000000000001").unwrap().unwrap();
        assert_eq!(found.returns.len(), 500);
        assert!(found.missing.is_empty());
        let m7 = found.returns.iter().find(|r| r.minion == "m7").unwrap();
        assert_eq!(m7.ret, json!({"n": 7}));
        assert_eq!(m7.time, at(101));
        let job = found.job.unwrap();
        assert_eq!(
            job.arg,
            vec![json!("a"), json!({"__kwarg__": true, "k": 1})]
        );
        assert_eq!(job.start_time, at(100));
    }

    #[test]
    fn writes_queued_before_drop_are_committed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jobs.sqlite");
        {
            let store = SqliteJobStore::open(&path).unwrap();
            for i in 0..50 {
                drop(store.record_return(ret(
                    "20260101000000000009",
                    &format!("m{i}"),
                    json!(true),
                    5,
                )));
            }
        }
        let store = SqliteJobStore::open(&path).unwrap();
        let found = store.lookup_jid("20260101000000000009").unwrap().unwrap();
        assert_eq!(found.returns.len(), 50);
        assert_eq!(found.job, None);
    }

    #[test]
    fn lookup_reports_missing_minions_and_ignores_resends() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteJobStore::open(dir.path().join("jobs.sqlite")).unwrap();
        let jid = "20260101000000000002";
        drop(store.record_publish(publish(
            jid,
            "test.ping",
            json!("*"),
            10,
            &["m3", "m1", "m2"],
        )));
        drop(store.record_return(ret(jid, "m2", json!(true), 11)));
        drop(store.record_return(ret(jid, "m2", json!("resent"), 12)));
        store.flush().unwrap();
        let found = store.lookup_jid(jid).unwrap().unwrap();
        assert_eq!(found.returns.len(), 1);
        assert_eq!(found.returns[0].ret, json!(true));
        assert_eq!(found.missing, vec!["m3".to_string(), "m1".to_string()]);
        assert_eq!(store.lookup_jid("20990101000000000000").unwrap(), None);
    }

    #[test]
    fn list_jobs_filters_and_last_run() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteJobStore::open(dir.path().join("jobs.sqlite")).unwrap();
        drop(store.record_publish(publish(
            "20260101000000000003",
            "test.ping",
            json!("*"),
            30,
            &[],
        )));
        drop(store.record_publish(publish(
            "20260101000000000001",
            "cmd.run",
            json!(["web1", "db1"]),
            10,
            &[],
        )));
        drop(store.record_publish(publish(
            "20260101000000000002",
            "test.echo",
            json!("web*"),
            20,
            &[],
        )));
        store.flush().unwrap();

        let jids = |f: &JobFilter| -> Vec<String> {
            store
                .list_jobs(f)
                .unwrap()
                .into_iter()
                .map(|j| j.jid)
                .collect()
        };
        assert_eq!(
            jids(&JobFilter::default()),
            [
                "20260101000000000001",
                "20260101000000000002",
                "20260101000000000003"
            ]
        );
        let by_fun = JobFilter {
            search_function: Some("test.*".into()),
            ..JobFilter::default()
        };
        assert_eq!(
            jids(&by_fun),
            ["20260101000000000002", "20260101000000000003"]
        );
        let by_tgt = JobFilter {
            search_target: Some("db1".into()),
            ..JobFilter::default()
        };
        assert_eq!(jids(&by_tgt), ["20260101000000000001"]);
        let window = JobFilter {
            start_time: Some(at(15)),
            end_time: Some(at(25)),
            ..JobFilter::default()
        };
        assert_eq!(jids(&window), ["20260101000000000002"]);

        assert_eq!(
            store.last_run(&JobFilter::default()).unwrap().unwrap().jid,
            "20260101000000000003"
        );
        assert_eq!(store.last_run(&by_tgt).unwrap().unwrap().fun, "cmd.run");
        let none = JobFilter {
            search_function: Some("state.*".into()),
            ..JobFilter::default()
        };
        assert_eq!(store.last_run(&none).unwrap(), None);
    }

    #[test]
    fn active_jobs_are_those_with_unanswered_minions() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteJobStore::open(dir.path().join("jobs.sqlite")).unwrap();
        drop(store.record_publish(publish(
            "20260101000000000001",
            "f",
            json!("*"),
            10,
            &["a", "b"],
        )));
        drop(store.record_publish(publish("20260101000000000002", "f", json!("*"), 20, &["a"])));
        drop(store.record_publish(publish("20260101000000000003", "f", json!("*"), 5, &["a"])));
        drop(store.record_return(ret("20260101000000000001", "a", json!(1), 11)));
        drop(store.record_return(ret("20260101000000000002", "a", json!(1), 21)));
        store.flush().unwrap();
        let active: Vec<_> = store
            .active_jobs(at(8))
            .unwrap()
            .into_iter()
            .map(|j| j.jid)
            .collect();
        assert_eq!(active, ["20260101000000000001"]);
    }

    #[test]
    fn retention_purges_old_jobs_and_their_returns() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jobs.sqlite");
        let store = SqliteJobStore::open(&path).unwrap();
        let old = "20260101000000000001";
        let new = "20260101000000000002";
        drop(store.record_publish(publish(old, "f", json!("*"), 0, &["a"])));
        drop(store.record_return(ret(old, "a", json!(1), 1)));
        drop(store.record_return(ret("20260101000000000000", "orphan", json!(1), 1)));
        drop(store.record_publish(publish(new, "f", json!("*"), 10 * 3600, &["a"])));
        drop(store.record_return(ret(new, "a", json!(2), 10 * 3600)));
        store.flush().unwrap();

        let cutoff = crate::retention_cutoff(5, at(12 * 3600)).unwrap();
        assert_eq!(store.purge_before(cutoff).unwrap(), 1);
        assert_eq!(store.lookup_jid(old).unwrap(), None);
        assert_eq!(store.lookup_jid("20260101000000000000").unwrap(), None);
        assert_eq!(store.lookup_jid(new).unwrap().unwrap().returns.len(), 1);
        assert_eq!(store.purge_before(cutoff).unwrap(), 0);
        drop(store);
        let store = SqliteJobStore::open(&path).unwrap();
        assert_eq!(store.list_jobs(&JobFilter::default()).unwrap().len(), 1);
    }

    #[test]
    fn database_uses_wal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jobs.sqlite");
        let _store = SqliteJobStore::open(&path).unwrap();
        let conn = Connection::open(&path).unwrap();
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn closed_store_refuses_writes() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteJobStore::open(dir.path().join("jobs.sqlite")).unwrap();
        store.close();
        assert!(matches!(
            store.record_return(ret("20260101000000000000", "a", json!(1), 1)),
            Err(JobError::WriterGone)
        ));
    }
}
