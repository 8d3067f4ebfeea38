//! [`FileClient`]: how a minion's execution modules reach the file server,
//! and the minion's file cache.
//!
//! The client speaks [`FileRequest`] / [`FileReply`] to one of two backends:
//! a [`FileServer`] in this process (masterless `salt-rs-call --local`,
//! Salt's `file_client: local`), or the master, through a channel of
//! [`FileCall`]s that the minion's master link serves (it sends each
//! request over its session and puts the master's reply in `reply`). The
//! code above the backend (downloads in chunks, gzip, hash checks, the
//! cache) is the same for both.
//!
//! The cache is Salt's: `<cachedir>/files/<saltenv>/<path>`, directories
//! 0700. A file is downloaded only when the cached copy's hash differs
//! from the server's (`cp.cache_file` semantics), into a temporary file
//! that replaces the old copy only once its hash checked out.

use std::fs;
use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use salt_types::{SafeRelPath, Saltenv};

use crate::download::{Download, TRIES, mismatch, same_content};
use crate::error::ClientError;
use crate::server::FileServer;
use crate::wire::{
    FileHash, FileReply, FileRequest, GzipLevel, ListKind, ListRequest, PathRequest,
};

/// One request for the master link to carry, and where its answer goes.
/// The link must answer every call: with the master's reply, or with a
/// [`FileReply::Error`] when the master does not answer in time. Dropping
/// `reply` fails the call as [`ClientError::Unavailable`].
#[derive(Debug)]
pub struct FileCall {
    pub request: FileRequest,
    pub reply: oneshot::Sender<FileReply>,
}

/// The file client of one minion. Cheap to clone.
#[derive(Clone, Debug)]
pub struct FileClient {
    backend: Backend,
    cachedir: PathBuf,
}

#[derive(Clone, Debug)]
enum Backend {
    Local(Arc<FileServer>),
    Remote(mpsc::Sender<FileCall>),
}

/// What [`FileClient::fetch`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// The server has no such file.
    Missing,
    /// The destination's directory does not exist (and `makedirs` was off).
    NoDestDir,
    /// The destination already had the server's content; nothing written.
    Unchanged(PathBuf),
    /// Downloaded and put in place.
    Written(PathBuf),
}

impl Fetched {
    /// The destination, when the file is there now.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Self::Unchanged(p) | Self::Written(p) => Some(p),
            Self::Missing | Self::NoDestDir => None,
        }
    }
}

impl FileClient {
    /// A client reading `server` directly, caching under `cachedir`.
    pub fn local(server: Arc<FileServer>, cachedir: impl Into<PathBuf>) -> Self {
        Self {
            backend: Backend::Local(server),
            cachedir: cachedir.into(),
        }
    }

    /// A client whose requests come out of the returned receiver, at most
    /// `queue` waiting at a time. The minion's master link serves it.
    pub fn remote(cachedir: impl Into<PathBuf>, queue: usize) -> (Self, mpsc::Receiver<FileCall>) {
        let (tx, rx) = mpsc::channel(queue.max(1));
        let client = Self {
            backend: Backend::Remote(tx),
            cachedir: cachedir.into(),
        };
        (client, rx)
    }

    /// The minion's cache directory (`cachedir`).
    pub fn cachedir(&self) -> &Path {
        &self.cachedir
    }

    /// Sends one request and waits for its reply.
    pub async fn request(&self, request: FileRequest) -> Result<FileReply, ClientError> {
        match &self.backend {
            Backend::Local(server) => {
                let server = Arc::clone(server);
                tokio::task::spawn_blocking(move || server.handle(&request))
                    .await
                    .map_err(|e| ClientError::Unavailable(format!("file server task failed: {e}")))
            }
            Backend::Remote(tx) => {
                let (reply, rx) = oneshot::channel();
                tx.send(FileCall { request, reply }).await.map_err(|_| {
                    ClientError::Unavailable("the link to the master is closed".into())
                })?;
                rx.await.map_err(|_| {
                    ClientError::Unavailable("the link to the master dropped the request".into())
                })
            }
        }
    }

    /// The environments (`cp.envs`).
    pub async fn envs(&self) -> Result<Vec<Saltenv>, ClientError> {
        match self.request(FileRequest::Envs).await? {
            FileReply::Envs(v) => Ok(v),
            other => Err(unexpected("Envs", other)),
        }
    }

    /// Sorted names of one kind under `prefix` (a string prefix).
    pub async fn list(
        &self,
        saltenv: &Saltenv,
        kind: ListKind,
        prefix: Option<&SafeRelPath>,
    ) -> Result<Vec<SafeRelPath>, ClientError> {
        let req = FileRequest::List(ListRequest {
            saltenv: saltenv.clone(),
            kind,
            prefix: prefix.cloned(),
        });
        match self.request(req).await? {
            FileReply::List(v) => Ok(v),
            other => Err(unexpected("List", other)),
        }
    }

    /// The server's hash of a file, `None` if it has no such file.
    pub async fn hash(
        &self,
        saltenv: &Saltenv,
        path: &SafeRelPath,
    ) -> Result<Option<FileHash>, ClientError> {
        let req = FileRequest::Hash(PathRequest {
            saltenv: saltenv.clone(),
            path: path.clone(),
        });
        match self.request(req).await? {
            FileReply::Hash(h) => Ok(h),
            other => Err(unexpected("Hash", other)),
        }
    }

    /// A whole file in memory (templates, `import_yaml`), `None` if the
    /// server has no such file. Files over `limit` bytes are an error.
    pub async fn read_all(
        &self,
        saltenv: &Saltenv,
        path: &SafeRelPath,
        limit: u64,
    ) -> Result<Option<Vec<u8>>, ClientError> {
        for _ in 0..TRIES {
            let Some(expected) = self.hash(saltenv, path).await? else {
                return Ok(None);
            };
            if expected.size > limit {
                return Err(ClientError::io(
                    format!("salt://{path}"),
                    io::Error::other(format!("file is larger than {limit} bytes")),
                ));
            }
            let mut buf = Vec::with_capacity(usize::try_from(expected.size).unwrap_or(0));
            match self
                .download(saltenv, path, &expected, None, &mut buf)
                .await?
            {
                Download::Done => return Ok(Some(buf)),
                Download::Vanished => return Ok(None),
                Download::Changed => continue,
            }
        }
        Err(mismatch(path, None))
    }

    /// Copies a file to `dest` (Salt's `fileclient.get_file` with a
    /// destination): nothing is written when `dest` already holds the
    /// server's content; otherwise the download goes to a temporary file
    /// beside `dest` and replaces it once its hash checked out.
    pub async fn fetch(
        &self,
        saltenv: &Saltenv,
        path: &SafeRelPath,
        dest: &Path,
        makedirs: bool,
        gzip: Option<GzipLevel>,
    ) -> Result<Fetched, ClientError> {
        let Some(mut expected) = self.hash(saltenv, path).await? else {
            return Ok(Fetched::Missing);
        };
        if dest.is_file() && same_content(dest, &expected) {
            return Ok(Fetched::Unchanged(dest.to_path_buf()));
        }
        if let Some(dir) = dest.parent().filter(|p| !p.as_os_str().is_empty())
            && !dir.is_dir()
        {
            if !makedirs {
                return Ok(Fetched::NoDestDir);
            }
            fs::create_dir_all(dir).map_err(|e| ClientError::io(dir, e))?;
        }
        // A destination that is a symlink keeps being one: the new content
        // replaces its target, as Salt's write through the link does.
        let target = match fs::symlink_metadata(dest) {
            Ok(m) if m.file_type().is_symlink() => {
                fs::canonicalize(dest).unwrap_or_else(|_| dest.to_path_buf())
            }
            _ => dest.to_path_buf(),
        };
        match self
            .download_to(saltenv, path, &target, &mut expected, gzip)
            .await?
        {
            Fetched::Written(_) => Ok(Fetched::Written(dest.to_path_buf())),
            other => Ok(other),
        }
    }

    /// Where the cache keeps `path` of `saltenv`:
    /// `<cachedir>/files/<saltenv>/<path>`.
    pub fn cache_path(&self, saltenv: &Saltenv, path: &SafeRelPath) -> PathBuf {
        path.resolve(&self.cachedir.join("files").join(saltenv.as_str()))
    }

    /// The cached copy of `path`, if there is one (`cp.is_cached`).
    pub fn cached(&self, saltenv: &Saltenv, path: &SafeRelPath) -> Option<PathBuf> {
        let p = self.cache_path(saltenv, path);
        p.exists().then_some(p)
    }

    /// Salt's `cp.cache_file`: brings the cache's copy of `path` up to date
    /// (downloading only when its hash differs from the server's) and
    /// returns where it is; `None` when the server has no such file.
    pub async fn cache_file(
        &self,
        saltenv: &Saltenv,
        path: &SafeRelPath,
        gzip: Option<GzipLevel>,
    ) -> Result<Option<PathBuf>, ClientError> {
        let Some(mut expected) = self.hash(saltenv, path).await? else {
            return Ok(None);
        };
        let dest = self.cache_path(saltenv, path);
        if dest.is_file() && same_content(&dest, &expected) {
            return Ok(Some(dest));
        }
        let files_root = self.cachedir.join("files").join(saltenv.as_str());
        if let Some(dir) = dest.parent() {
            make_cache_dirs(&files_root, dir)?;
        }
        if dest.is_dir() {
            // A directory was cached under this name before; Salt replaces it too.
            fs::remove_dir_all(&dest).map_err(|e| ClientError::io(&dest, e))?;
        }
        Ok(self
            .download_to(saltenv, path, &dest, &mut expected, gzip)
            .await?
            .path()
            .map(Path::to_path_buf))
    }
}

/// Creates `dir` (under `files_root`) with mode 0700 like Salt's cache, first
/// removing any plain file that sits where a directory must go.
fn make_cache_dirs(files_root: &Path, dir: &Path) -> Result<(), ClientError> {
    let mut b = fs::DirBuilder::new();
    b.recursive(true).mode(0o700);
    if b.create(dir).is_ok() {
        return Ok(());
    }
    let mut at = files_root.to_path_buf();
    if let Ok(rest) = dir.strip_prefix(files_root) {
        for comp in rest.components() {
            at.push(comp);
            if fs::symlink_metadata(&at).is_ok_and(|m| !m.is_dir()) {
                fs::remove_file(&at).map_err(|e| ClientError::io(&at, e))?;
            }
        }
    }
    b.create(dir).map_err(|e| ClientError::io(dir, e))
}

pub(crate) fn unexpected(request: &'static str, reply: FileReply) -> ClientError {
    match reply {
        FileReply::Error(e) => ClientError::Server(e),
        other => ClientError::Protocol {
            request,
            detail: format!("{other:?}").chars().take(200).collect(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::MAX_CHUNK_LEN;
    use indexmap::IndexMap;
    use std::os::unix::fs::PermissionsExt;

    fn env(s: &str) -> Saltenv {
        Saltenv::parse(s).unwrap()
    }
    fn rel(s: &str) -> SafeRelPath {
        SafeRelPath::parse(s).unwrap()
    }

    fn setup() -> (tempfile::TempDir, FileClient) {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("root");
        fs::create_dir_all(root.join("k")).unwrap();
        fs::write(root.join("k/a.conf"), "a = 1\n").unwrap();
        fs::write(root.join("empty"), "").unwrap();
        let big: Vec<u8> = (0..(MAX_CHUNK_LEN as usize * 2 + 17))
            .map(|i| (i % 7) as u8)
            .collect();
        fs::write(root.join("big"), big).unwrap();
        let server = FileServer::new(IndexMap::from([(env("base"), vec![root])]));
        let client = FileClient::local(Arc::new(server), t.path().join("cache"));
        (t, client)
    }

    #[tokio::test]
    async fn cache_file_downloads_once_then_reuses_the_copy() {
        let (t, c) = setup();
        let base = env("base");
        let p = c
            .cache_file(&base, &rel("k/a.conf"), None)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(p, t.path().join("cache/files/base/k/a.conf"));
        assert_eq!(fs::read_to_string(&p).unwrap(), "a = 1\n");
        let mode = fs::metadata(p.parent().unwrap())
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o700, "cache directories are private");
        // Same content: the cached copy is not rewritten (its inode stays).
        let ino = std::os::unix::fs::MetadataExt::ino(&fs::metadata(&p).unwrap());
        c.cache_file(&base, &rel("k/a.conf"), None).await.unwrap();
        assert_eq!(
            std::os::unix::fs::MetadataExt::ino(&fs::metadata(&p).unwrap()),
            ino
        );
        // Changed on the server: downloaded again.
        fs::write(t.path().join("root/k/a.conf"), "a = 2\n").unwrap();
        c.cache_file(&base, &rel("k/a.conf"), Some(GzipLevel::new(9).unwrap()))
            .await
            .unwrap();
        assert_eq!(fs::read_to_string(&p).unwrap(), "a = 2\n");
        assert_eq!(c.cached(&base, &rel("k/a.conf")), Some(p));
        assert!(
            c.cache_file(&base, &rel("nope"), None)
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(c.cached(&base, &rel("nope")), None);
    }

    #[tokio::test]
    async fn fetch_handles_large_empty_and_missing_files() {
        let (t, c) = setup();
        let base = env("base");
        let out = t.path().join("out");
        let r = c
            .fetch(
                &base,
                &rel("big"),
                &out.join("big"),
                false,
                Some(GzipLevel::new(1).unwrap()),
            )
            .await
            .unwrap();
        assert_eq!(r, Fetched::NoDestDir);
        let r = c
            .fetch(&base, &rel("big"), &out.join("big"), true, None)
            .await
            .unwrap();
        assert_eq!(r, Fetched::Written(out.join("big")));
        assert_eq!(
            fs::read(out.join("big")).unwrap(),
            fs::read(t.path().join("root/big")).unwrap()
        );
        let r = c
            .fetch(&base, &rel("big"), &out.join("big"), true, None)
            .await
            .unwrap();
        assert_eq!(r, Fetched::Unchanged(out.join("big")));
        let r = c
            .fetch(
                &base,
                &rel("empty"),
                &out.join("e"),
                true,
                Some(GzipLevel::new(9).unwrap()),
            )
            .await
            .unwrap();
        assert_eq!(r, Fetched::Written(out.join("e")));
        assert_eq!(fs::read(out.join("e")).unwrap(), b"");
        assert_eq!(
            c.fetch(&base, &rel("nope"), &out.join("n"), true, None)
                .await
                .unwrap(),
            Fetched::Missing
        );
        assert_eq!(
            c.read_all(&base, &rel("k/a.conf"), 100)
                .await
                .unwrap()
                .unwrap(),
            b"a = 1\n"
        );
        assert!(
            c.read_all(&base, &rel("big"), 100).await.is_err(),
            "over the limit"
        );
    }

    #[tokio::test]
    async fn a_symlinked_destination_stays_a_link_to_the_new_content() {
        let (t, c) = setup();
        let out = t.path().join("out");
        fs::create_dir_all(&out).unwrap();
        fs::write(out.join("real.conf"), "old\n").unwrap();
        std::os::unix::fs::symlink("real.conf", out.join("link.conf")).unwrap();
        let r = c
            .fetch(
                &env("base"),
                &rel("k/a.conf"),
                &out.join("link.conf"),
                false,
                None,
            )
            .await
            .unwrap();
        assert_eq!(r, Fetched::Written(out.join("link.conf")));
        let meta = fs::symlink_metadata(out.join("link.conf")).unwrap();
        assert!(meta.file_type().is_symlink());
        assert_eq!(
            fs::read_to_string(out.join("real.conf")).unwrap(),
            "a = 1\n"
        );
    }

    #[tokio::test]
    async fn remote_backend_carries_requests_through_the_channel() {
        let (t, local) = setup();
        let Backend::Local(server) = local.backend.clone() else {
            unreachable!()
        };
        let (c, mut rx) = FileClient::remote(t.path().join("cache2"), 4);
        // The "master link": every request and reply crosses as MessagePack
        // (what the session carries), answered by the same server.
        let link = tokio::spawn(async move {
            while let Some(call) = rx.recv().await {
                let bytes = rmp_serde::to_vec_named(&call.request).unwrap();
                let req: FileRequest = rmp_serde::from_slice(&bytes).unwrap();
                let reply = rmp_serde::to_vec_named(&server.handle(&req)).unwrap();
                let _ = call.reply.send(rmp_serde::from_slice(&reply).unwrap());
            }
        });
        let p = c
            .cache_file(&env("base"), &rel("big"), Some(GzipLevel::new(6).unwrap()))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            fs::read(p).unwrap(),
            fs::read(t.path().join("root/big")).unwrap()
        );
        assert_eq!(c.envs().await.unwrap(), [env("base")]);
        drop(c);
        link.await.unwrap();

        // A link that drops requests fails the call instead of hanging.
        let (c, mut rx) = FileClient::remote(t.path().join("cache3"), 1);
        tokio::spawn(async move {
            while let Some(call) = rx.recv().await {
                drop(call)
            }
        });
        let e = c.hash(&env("base"), &rel("big")).await.unwrap_err();
        assert!(matches!(e, ClientError::Unavailable(_)), "{e}");
    }

    #[tokio::test]
    async fn a_lying_server_cannot_make_the_client_write_bad_data() {
        let (t, local) = setup();
        let Backend::Local(server) = local.backend.clone() else {
            unreachable!()
        };
        let (c, mut rx) = FileClient::remote(t.path().join("cache4"), 4);
        // Serves chunks of another file than the one hashed.
        tokio::spawn(async move {
            while let Some(call) = rx.recv().await {
                let req = match call.request {
                    FileRequest::Read(mut r) => {
                        r.path = rel("empty");
                        FileRequest::Read(r)
                    }
                    other => other,
                };
                let _ = call.reply.send(server.handle(&req));
            }
        });
        let dest = t.path().join("out/x");
        let e = c
            .fetch(&env("base"), &rel("k/a.conf"), &dest, true, None)
            .await
            .unwrap_err();
        assert!(matches!(e, ClientError::HashMismatch { .. }), "{e}");
        assert!(!dest.exists(), "nothing is put in place");
        let left: Vec<_> = fs::read_dir(t.path().join("out")).unwrap().collect();
        assert!(left.is_empty(), "no temporary file is left behind");
    }

    #[tokio::test]
    async fn a_file_where_a_cache_directory_goes_is_replaced() {
        let (t, c) = setup();
        fs::create_dir_all(t.path().join("cache/files/base")).unwrap();
        fs::write(t.path().join("cache/files/base/k"), "stale file").unwrap();
        let p = c
            .cache_file(&env("base"), &rel("k/a.conf"), None)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(fs::read_to_string(p).unwrap(), "a = 1\n");
    }
}
