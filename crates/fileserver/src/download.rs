//! Downloading one file from the file server, chunk by chunk: offsets and
//! lengths checked against what was asked, gzip undone with a bound on the
//! output, the whole checked against the hash the server announced, and
//! retried (with a fresh hash) when the file changed meanwhile. What
//! arrives goes to a temporary file renamed into place only once it is
//! right.

use std::io::{Read, Write};
use std::path::Path;

use salt_types::{SafeRelPath, Saltenv};

use crate::atomic::AtomicFile;
use crate::client::{Fetched, FileClient, unexpected};
use crate::error::ClientError;
use crate::hash::{Hasher, hash_path};
use crate::wire::{FileHash, FileReply, FileRequest, GzipLevel, MAX_CHUNK_LEN, ReadRequest};

/// How many times a download is retried when its hash does not match
/// (the file changed on the server meanwhile), as Salt does.
pub(crate) const TRIES: u32 = 3;

impl FileClient {
    /// Downloads into a temporary file beside `dest`, retrying with a fresh
    /// hash when the file changed on the server, then renames it into place.
    pub(crate) async fn download_to(
        &self,
        saltenv: &Saltenv,
        path: &SafeRelPath,
        dest: &Path,
        expected: &mut FileHash,
        gzip: Option<GzipLevel>,
    ) -> Result<Fetched, ClientError> {
        let mut tmp = AtomicFile::create(dest).map_err(|e| ClientError::io(dest, e))?;
        for attempt in 0..TRIES {
            if attempt > 0 {
                tmp.truncate().map_err(|e| ClientError::io(dest, e))?;
                match self.hash(saltenv, path).await? {
                    Some(h) => *expected = h,
                    None => return Ok(Fetched::Missing),
                }
            }
            match self
                .download(saltenv, path, expected, gzip, &mut tmp)
                .await?
            {
                Download::Done => {
                    let p = tmp.commit().map_err(|e| ClientError::io(dest, e))?;
                    return Ok(Fetched::Written(p));
                }
                Download::Vanished => return Ok(Fetched::Missing),
                Download::Changed => tracing::warn!(
                    path = %path,
                    attempt = attempt + 1,
                    "file changed on the server during download; retrying"
                ),
            }
        }
        Err(mismatch(path, Some(expected)))
    }

    /// Reads the file chunk by chunk into `sink`, checking offsets, sizes
    /// and, at the end, the hash.
    pub(crate) async fn download(
        &self,
        saltenv: &Saltenv,
        path: &SafeRelPath,
        expected: &FileHash,
        gzip: Option<GzipLevel>,
        sink: &mut impl Write,
    ) -> Result<Download, ClientError> {
        let mut hasher = Hasher::new(expected.hash_type);
        let mut offset = 0u64;
        loop {
            let req = FileRequest::Read(ReadRequest {
                saltenv: saltenv.clone(),
                path: path.clone(),
                offset,
                len: MAX_CHUNK_LEN,
                gzip,
            });
            let chunk = match self.request(req).await? {
                FileReply::Chunk(Some(c)) => c,
                FileReply::Chunk(None) => return Ok(Download::Vanished),
                other => return Err(unexpected("Read", other)),
            };
            if chunk.offset != offset || chunk.len > MAX_CHUNK_LEN {
                return Err(ClientError::Protocol {
                    request: "Read",
                    detail: format!(
                        "asked for offset {offset}, got offset {} with {} bytes",
                        chunk.offset, chunk.len
                    ),
                });
            }
            let data = match chunk.gzip {
                Some(_) => gunzip(&chunk.data, chunk.len)?,
                None => chunk.data.into_vec(),
            };
            if data.len() != chunk.len as usize {
                return Err(ClientError::Protocol {
                    request: "Read",
                    detail: format!("chunk says {} bytes, holds {}", chunk.len, data.len()),
                });
            }
            hasher.update(&data);
            sink.write_all(&data)
                .map_err(|e| ClientError::io(format!("salt://{path}"), e))?;
            offset += data.len() as u64;
            if offset > expected.size || chunk.size != expected.size {
                return Ok(Download::Changed);
            }
            if chunk.done {
                break;
            }
            if data.is_empty() {
                return Err(ClientError::Protocol {
                    request: "Read",
                    detail: "an empty chunk that is not the last".into(),
                });
            }
        }
        Ok(if hasher.finish() == expected.hsum {
            Download::Done
        } else {
            Download::Changed
        })
    }
}

pub(crate) enum Download {
    Done,
    /// The server no longer has the file.
    Vanished,
    /// Size or hash differ from what the server announced.
    Changed,
}

/// Whether the local file at `path` hashes to `expected`.
pub(crate) fn same_content(path: &Path, expected: &FileHash) -> bool {
    hash_path(expected.hash_type, path).is_ok_and(|h| h == expected.hsum)
}

/// Decompresses one chunk, reading no more than `len` bytes of output (and
/// one more to notice a chunk that lies about its length).
fn gunzip(data: &[u8], len: u32) -> Result<Vec<u8>, ClientError> {
    let mut out = Vec::with_capacity(len as usize);
    flate2::read::GzDecoder::new(data)
        .take(u64::from(len) + 1)
        .read_to_end(&mut out)
        .map_err(|e| ClientError::Protocol {
            request: "Read",
            detail: format!("bad gzip data: {e}"),
        })?;
    Ok(out)
}

pub(crate) fn mismatch(path: &SafeRelPath, expected: Option<&FileHash>) -> ClientError {
    ClientError::HashMismatch {
        path: path.clone(),
        hash_type: expected.map_or("sha256", |h| h.hash_type.as_str()),
        tries: TRIES,
    }
}
