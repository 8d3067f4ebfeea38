//! The local client: a connection to the master's Unix socket.

use std::path::{Path, PathBuf};

use salt_proto::local::{read_frame, write_frame};
use salt_proto::messages::{ClientReply, ClientRequest};
use tokio::net::UnixStream;

pub struct Client {
    stream: UnixStream,
    limit: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error(
        "cannot reach the salt-rs master at {path}: {source}. Is salt-rs-master running (with the same -c directory)?"
    )]
    Connect {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("lost the connection to the master: {0}")]
    Frame(#[from] salt_proto::local::FrameError),
    #[error("the master closed the connection")]
    Closed,
}

impl Client {
    pub async fn connect(sock: &Path, limit: usize) -> Result<Self, ClientError> {
        let stream = UnixStream::connect(sock)
            .await
            .map_err(|source| ClientError::Connect {
                path: sock.to_path_buf(),
                source,
            })?;
        Ok(Self { stream, limit })
    }

    pub async fn send(&mut self, req: &ClientRequest) -> Result<(), ClientError> {
        write_frame(&mut self.stream, req).await?;
        Ok(())
    }

    pub async fn recv(&mut self) -> Result<ClientReply, ClientError> {
        read_frame(&mut self.stream, self.limit)
            .await?
            .ok_or(ClientError::Closed)
    }

    pub async fn request(&mut self, req: &ClientRequest) -> Result<ClientReply, ClientError> {
        self.send(req).await?;
        self.recv().await
    }
}
