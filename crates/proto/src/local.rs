//! Framing for the local Unix socket between the master and its clients
//! (salt-rs, salt-rs-run, salt-rs-key): a 4-byte big-endian length, then
//! one MessagePack value. The length is checked before the body is read.

use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::codec::{self, CodecError};

#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Codec(#[from] CodecError),
}

/// Writes one frame.
pub async fn write_frame<W: AsyncWrite + Unpin, T: Serialize>(
    w: &mut W,
    msg: &T,
) -> Result<(), FrameError> {
    let body = codec::encode(msg)?;
    let len = u32::try_from(body.len()).map_err(|_| CodecError::TooLarge {
        len: body.len(),
        limit: u32::MAX as usize,
    })?;
    let mut buf = Vec::with_capacity(4 + body.len());
    buf.extend_from_slice(&len.to_be_bytes());
    buf.extend_from_slice(&body);
    w.write_all(&buf).await?;
    w.flush().await?;
    Ok(())
}

/// Reads one frame; `Ok(None)` on a clean end of stream.
pub async fn read_frame<R: AsyncRead + Unpin, T: DeserializeOwned>(
    r: &mut R,
    limit: usize,
) -> Result<Option<T>, FrameError> {
    let mut len = [0u8; 4];
    match r.read_exact(&mut len).await {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e.into()),
    }
    let len = u32::from_be_bytes(len) as usize;
    if len > limit {
        return Err(CodecError::TooLarge { len, limit }.into());
    }
    let mut body = vec![0u8; len];
    r.read_exact(&mut body).await?;
    Ok(Some(codec::decode(&body, limit)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn frames_roundtrip_and_oversize_is_refused_before_reading() {
        let (mut a, mut b) = tokio::io::duplex(1 << 16);
        write_frame(&mut a, &("x", 5u8)).await.unwrap();
        let got: Option<(String, u8)> = read_frame(&mut b, 1024).await.unwrap();
        assert_eq!(got, Some(("x".into(), 5)));
        a.write_all(&u32::MAX.to_be_bytes()).await.unwrap();
        let r: Result<Option<u8>, _> = read_frame(&mut b, 1024).await;
        assert!(matches!(
            r,
            Err(FrameError::Codec(CodecError::TooLarge { .. }))
        ));
        drop(a);
        let r: Option<u8> = read_frame(&mut b, 1024).await.unwrap();
        assert_eq!(r, None);
    }
}
