//! A running job's line to the master that sent it: [`MasterClient::ask`]
//! puts a [`Query`] on the minion's session and waits (bounded) for the
//! master's [`Answer`]. The minion's master link serves the other end
//! ([`Asked`]); `salt-rs-call --local` has no master, so its `Ctx` has none.

use std::time::Duration;

use salt_proto::messages::{Answer, Query};
use tokio::sync::{mpsc, oneshot};

/// One question on its way to the link, with where the answer goes.
#[derive(Debug)]
pub struct Asked {
    pub query: Query,
    pub reply: oneshot::Sender<Result<Answer, String>>,
}

/// Cheap to clone; every clone talks to the same link.
#[derive(Debug, Clone)]
pub struct MasterClient {
    tx: mpsc::Sender<Asked>,
}

impl MasterClient {
    /// A client and the receiver its link reads.
    pub fn channel(capacity: usize) -> (Self, mpsc::Receiver<Asked>) {
        let (tx, rx) = mpsc::channel(capacity);
        (Self { tx }, rx)
    }

    /// Asks and waits at most `timeout` for the answer; the error says
    /// what went wrong in words for the job's return.
    pub async fn ask(&self, query: Query, timeout: Duration) -> Result<Answer, String> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Asked { query, reply })
            .await
            .map_err(|_| "the link to the master is gone".to_owned())?;
        match tokio::time::timeout(timeout, answer).await {
            Ok(Ok(a)) => a,
            Ok(Err(_)) => Err("the link to the master dropped the question".into()),
            Err(_) => Err(format!(
                "the master did not answer within {} s",
                timeout.as_secs()
            )),
        }
    }
}

/// How long a minion waits for its pillar.
pub const PILLAR_TIMEOUT: Duration = Duration::from_secs(60);

/// A fresh pillar comes from the master that sent the job.
impl crate::PillarSource for MasterClient {
    fn fresh(&self, req: crate::FreshPillar) -> crate::FreshFuture<'_> {
        Box::pin(async move {
            let q = Query::Pillar {
                saltenv: req.saltenv,
                pillarenv: req.pillarenv,
                overrides: req.overrides.unwrap_or_default(),
            };
            match self.ask(q, PILLAR_TIMEOUT).await? {
                Answer::Pillar(p) => Ok(p),
                Answer::File(_) => Err("the master answered a pillar question with a file".into()),
            }
        })
    }
}

/// How long one file-server request may take (a chunk is at most 1 MiB).
pub const FILE_TIMEOUT: Duration = Duration::from_secs(60);

/// Serves a minion's remote file client: every request of `calls` is asked
/// of the master through `master`, and every call gets a reply (an error
/// reply when the master cannot be reached), so none hangs.
pub async fn serve_files(
    master: MasterClient,
    mut calls: mpsc::Receiver<salt_fileserver::FileCall>,
) {
    while let Some(call) = calls.recv().await {
        let master = master.clone();
        tokio::spawn(async move {
            let reply = match master.ask(Query::File(call.request), FILE_TIMEOUT).await {
                Ok(Answer::File(r)) => r,
                Ok(Answer::Pillar(_)) => salt_fileserver::invalid_request(
                    "the master answered a file request with pillar",
                ),
                Err(e) => salt_fileserver::unavailable(e),
            };
            let _ = call.reply.send(reply);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Map;

    #[tokio::test]
    async fn answers_come_back_and_silence_times_out() {
        let (c, mut rx) = MasterClient::channel(4);
        let server = tokio::spawn(async move {
            let first = rx.recv().await.unwrap();
            let _ = first.reply.send(Ok(Answer::Pillar(Map::new())));
            let second = rx.recv().await.unwrap();
            drop(second.reply);
            let _third = rx.recv().await.unwrap();
            tokio::time::sleep(Duration::from_secs(5)).await;
        });
        let q = || Query::Pillar {
            saltenv: None,
            pillarenv: None,
            overrides: Map::new(),
        };
        let t = Duration::from_millis(200);
        assert_eq!(c.ask(q(), t).await, Ok(Answer::Pillar(Map::new())));
        assert!(c.ask(q(), t).await.unwrap_err().contains("dropped"));
        assert!(c.ask(q(), t).await.unwrap_err().contains("did not answer"));
        server.abort();
    }
}
