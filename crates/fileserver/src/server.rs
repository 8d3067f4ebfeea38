//! [`FileServer`]: `file_roots` served the way Salt's `roots` backend serves
//! them. Several directories per saltenv, the first that has a file wins;
//! listings are the sorted union of all of them; an environment missing
//! from `file_roots` falls back to `__env__` (with `__env__` in its paths
//! replaced by the requested name) when that is configured. All lookups go
//! through [`crate::resolve`], all walks through [`crate::list`].

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::PathBuf;
use std::sync::Mutex;

use flate2::Compression;
use flate2::write::GzEncoder;
use indexmap::IndexMap;
use serde_bytes::ByteBuf;

use salt_types::{SafeRelPath, Saltenv};

use crate::error::FsError;
use crate::hash::hash_reader;
use crate::list::{Listing, walk_root};
use crate::resolve::{Lookup, Opened, open_under};
use crate::wire::{
    Chunk, FileError, FileErrorKind, FileHash, FileReply, FileRequest, GzipLevel, HashType,
    ListKind, MAX_CHUNK_LEN, MAX_LIST_BYTES, MAX_LIST_LEN, ReadRequest,
};

/// Serves files from `file_roots`. Cheap to share (`Arc<FileServer>`); all
/// methods take `&self`. Blocking: call it from a blocking thread
/// (`tokio::task::spawn_blocking`) in async code.
#[derive(Debug)]
pub struct FileServer {
    roots: IndexMap<Saltenv, Vec<PathBuf>>,
    hash_type: HashType,
    /// Digests by real path, reused while size, mtime and inode stay the
    /// same (Salt keeps `hash:mtime` files for the same purpose).
    hashes: Mutex<HashMap<PathBuf, CachedHash>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct CachedHash {
    stamp: (u64, i64, i64, u64, u64),
    hash_type: HashType,
    hsum: String,
}

/// The saltenv whose roots stand in for unknown environments.
const ENV_PLACEHOLDER: &str = "__env__";

impl FileServer {
    /// A server over `file_roots` (saltenv -> directories, in order),
    /// hashing with sha256 (Salt's default `hash_type`).
    pub fn new(file_roots: IndexMap<Saltenv, Vec<PathBuf>>) -> Self {
        Self {
            roots: file_roots,
            hash_type: HashType::Sha256,
            hashes: Mutex::new(HashMap::new()),
        }
    }

    /// A server over `file_roots` as the config crate reads them (plain
    /// strings as keys); a key that is no valid saltenv is an error naming it.
    pub fn from_config(file_roots: &IndexMap<String, Vec<PathBuf>>) -> Result<Self, FsError> {
        let mut roots = IndexMap::with_capacity(file_roots.len());
        for (env, dirs) in file_roots {
            let env = Saltenv::parse(env).map_err(|e| FsError::Config(e.to_string()))?;
            roots.insert(env, dirs.clone());
        }
        Ok(Self::new(roots))
    }

    /// Uses `hash_type` (Salt's config key of that name) for digests.
    pub fn with_hash_type(mut self, hash_type: HashType) -> Self {
        self.hash_type = hash_type;
        self
    }

    pub fn hash_type(&self) -> HashType {
        self.hash_type
    }

    /// The configured environments, sorted (`cp.envs`).
    pub fn envs(&self) -> Vec<Saltenv> {
        let mut v: Vec<Saltenv> = self.roots.keys().cloned().collect();
        v.sort();
        v
    }

    /// The directories of `saltenv`, in order; `__env__`'s, with the name
    /// substituted, when `saltenv` is not configured; empty when neither is.
    pub fn roots(&self, saltenv: &Saltenv) -> Vec<PathBuf> {
        if let Some(dirs) = self.roots.get(saltenv) {
            return dirs.clone();
        }
        let placeholder = self
            .roots
            .iter()
            .find(|(k, _)| k.as_str() == ENV_PLACEHOLDER);
        match placeholder {
            Some((_, dirs)) => dirs
                .iter()
                .map(|d| {
                    PathBuf::from(
                        d.to_string_lossy()
                            .replace(ENV_PLACEHOLDER, saltenv.as_str()),
                    )
                })
                .collect(),
            None => Vec::new(),
        }
    }

    /// Sorted names of one kind in `saltenv`, across all its roots, keeping
    /// those that start with `prefix` (a string prefix, as in Salt).
    pub fn list(
        &self,
        saltenv: &Saltenv,
        kind: ListKind,
        prefix: Option<&SafeRelPath>,
    ) -> Result<Vec<SafeRelPath>, FsError> {
        let mut all = Listing::default();
        for root in self.roots(saltenv) {
            walk_root(&root, &mut all).map_err(|e| FsError::io(&root, e))?;
        }
        let names = match kind {
            ListKind::Files => all.files,
            ListKind::Dirs => all.dirs,
            ListKind::EmptyDirs => all.empty_dirs,
        };
        let prefix = prefix.map(SafeRelPath::as_str).unwrap_or("");
        let out: Vec<SafeRelPath> = names
            .into_iter()
            .filter(|n| n.starts_with(prefix))
            .filter_map(|n| SafeRelPath::parse(&n).ok())
            .collect();
        let bytes: usize = out.iter().map(|n| n.as_str().len()).sum();
        if out.len() > MAX_LIST_LEN || bytes > MAX_LIST_BYTES {
            return Err(FsError::TooLarge {
                saltenv: saltenv.clone(),
            });
        }
        Ok(out)
    }

    /// The file `path` of `saltenv` would be served from (its real path),
    /// `None` if no root has it.
    pub fn find(&self, saltenv: &Saltenv, path: &SafeRelPath) -> Result<Option<PathBuf>, FsError> {
        Ok(self.open(saltenv, path)?.map(|o| o.real))
    }

    /// Salt's `hash_file`: the digest of the file, `None` if no root has it.
    pub fn hash(&self, saltenv: &Saltenv, path: &SafeRelPath) -> Result<Option<FileHash>, FsError> {
        let Some(opened) = self.open(saltenv, path)? else {
            return Ok(None);
        };
        let m = &opened.meta;
        let stamp = (m.len(), m.mtime(), m.mtime_nsec(), m.ino(), m.dev());
        let cached = self
            .hashes
            .lock()
            .ok()
            .and_then(|h| h.get(&opened.real).cloned())
            .filter(|c| c.stamp == stamp && c.hash_type == self.hash_type);
        let hsum = match cached {
            Some(c) => c.hsum,
            None => {
                let hsum = hash_reader(self.hash_type, &opened.file)
                    .map_err(|e| FsError::io(&opened.real, e))?;
                if let Ok(mut h) = self.hashes.lock() {
                    h.insert(
                        opened.real.clone(),
                        CachedHash {
                            stamp,
                            hash_type: self.hash_type,
                            hsum: hsum.clone(),
                        },
                    );
                }
                hsum
            }
        };
        Ok(Some(FileHash {
            hsum,
            hash_type: self.hash_type,
            size: m.len(),
            mode: m.permissions().mode() & 0o7777,
        }))
    }

    /// Up to `len` bytes (at most [`MAX_CHUNK_LEN`]) of the file from
    /// `offset`, gzip-compressed at `gzip` when set; `None` if no root has
    /// the file.
    pub fn read(
        &self,
        saltenv: &Saltenv,
        path: &SafeRelPath,
        offset: u64,
        len: u32,
        gzip: Option<GzipLevel>,
    ) -> Result<Option<Chunk>, FsError> {
        let Some(mut opened) = self.open(saltenv, path)? else {
            return Ok(None);
        };
        let size = opened.meta.len();
        let want = len.clamp(1, MAX_CHUNK_LEN) as usize;
        let mut data = Vec::with_capacity(want.min(usize::try_from(size).unwrap_or(want)));
        if offset < size {
            opened
                .file
                .seek(SeekFrom::Start(offset))
                .map_err(|e| FsError::io(&opened.real, e))?;
            (&opened.file)
                .take(want as u64)
                .read_to_end(&mut data)
                .map_err(|e| FsError::io(&opened.real, e))?;
        }
        let raw_len = data.len() as u32;
        let done = data.len() < want || offset + data.len() as u64 >= size;
        let (data, gzip) = match gzip {
            Some(level) if !data.is_empty() => (
                compress(&data, level).map_err(|e| FsError::io(&opened.real, e))?,
                Some(level),
            ),
            _ => (data, None),
        };
        Ok(Some(Chunk {
            data: ByteBuf::from(data),
            gzip,
            offset,
            len: raw_len,
            size,
            done,
        }))
    }

    /// Answers one request; what the master runs for each `FileRequest` a
    /// minion sends (in a blocking thread).
    pub fn handle(&self, req: &FileRequest) -> FileReply {
        match req {
            FileRequest::Envs => FileReply::Envs(self.envs()),
            FileRequest::List(l) => match self.list(&l.saltenv, l.kind, l.prefix.as_ref()) {
                Ok(v) => FileReply::List(v),
                Err(e) => FileReply::Error(e.to_wire(&l.saltenv, None)),
            },
            FileRequest::Hash(p) => match self.hash(&p.saltenv, &p.path) {
                Ok(h) => FileReply::Hash(h),
                Err(e) => FileReply::Error(e.to_wire(&p.saltenv, Some(&p.path))),
            },
            FileRequest::Read(ReadRequest {
                saltenv,
                path,
                offset,
                len,
                gzip,
            }) => match self.read(saltenv, path, *offset, *len, *gzip) {
                Ok(c) => FileReply::Chunk(c),
                Err(e) => FileReply::Error(e.to_wire(saltenv, Some(path))),
            },
        }
    }

    /// The first root's copy of `path`, opened. Roots where it resolves
    /// outside the root are skipped (as Salt skips them); if that was the
    /// only reason nothing was found, the answer is [`FsError::Refused`].
    fn open(&self, saltenv: &Saltenv, path: &SafeRelPath) -> Result<Option<Opened>, FsError> {
        let mut refused = false;
        for root in self.roots(saltenv) {
            match open_under(&root, path).map_err(|e| FsError::io(path.resolve(&root), e))? {
                Lookup::Found(o) => return Ok(Some(*o)),
                Lookup::Missing => {}
                Lookup::Refused => refused = true,
            }
        }
        if refused {
            return Err(FsError::Refused {
                saltenv: saltenv.clone(),
                path: path.clone(),
            });
        }
        Ok(None)
    }
}

/// One gzip stream holding `data` (Salt's `gzip_util.compress`).
fn compress(data: &[u8], level: GzipLevel) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    let mut enc = GzEncoder::new(
        Vec::with_capacity(data.len() / 2 + 64),
        Compression::new(u32::from(level.get())),
    );
    enc.write_all(data)?;
    enc.finish()
}

/// A reply for a request that failed before reaching the server.
pub fn invalid_request(message: impl Into<String>) -> FileReply {
    FileReply::Error(FileError {
        kind: FileErrorKind::Invalid,
        message: message.into(),
    })
}

/// A reply for a request that never reached the server (the master could
/// not be asked): an I/O error naming why.
pub fn unavailable(why: impl std::fmt::Display) -> FileReply {
    FileReply::Error(FileError {
        kind: FileErrorKind::Io,
        message: format!("the file server cannot be reached: {why}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn env(s: &str) -> Saltenv {
        Saltenv::parse(s).unwrap()
    }
    fn rel(s: &str) -> SafeRelPath {
        SafeRelPath::parse(s).unwrap()
    }

    fn two_roots() -> (tempfile::TempDir, FileServer) {
        let t = tempfile::tempdir().unwrap();
        let a = t.path().join("a");
        let b = t.path().join("b");
        fs::create_dir_all(a.join("k/empty")).unwrap();
        fs::create_dir_all(b.join("k")).unwrap();
        fs::write(a.join("top.txt"), "top from a\n").unwrap();
        fs::write(b.join("top.txt"), "top from b\n").unwrap();
        fs::write(b.join("only_b.txt"), "only b\n").unwrap();
        fs::write(a.join("k/init.sls"), "x: {}\n").unwrap();
        fs::write(b.join("k/extra.conf"), "extra\n").unwrap();
        fs::create_dir_all(a.join("k2")).unwrap();
        fs::write(a.join("k2/x"), "x\n").unwrap();
        let roots = IndexMap::from([(env("base"), vec![a, b])]);
        (t, FileServer::new(roots))
    }

    fn names(v: Vec<SafeRelPath>) -> Vec<String> {
        v.into_iter().map(|p| p.as_str().to_owned()).collect()
    }

    #[test]
    fn first_root_wins_and_listings_are_the_sorted_union() {
        let (_t, fs_) = two_roots();
        let base = env("base");
        let c = fs_
            .read(&base, &rel("top.txt"), 0, 100, None)
            .unwrap()
            .unwrap();
        assert_eq!(&c.data[..], b"top from a\n");
        let c = fs_
            .read(&base, &rel("only_b.txt"), 0, 100, None)
            .unwrap()
            .unwrap();
        assert_eq!(&c.data[..], b"only b\n");
        assert_eq!(
            names(fs_.list(&base, ListKind::Files, None).unwrap()),
            [
                "k/extra.conf",
                "k/init.sls",
                "k2/x",
                "only_b.txt",
                "top.txt"
            ]
        );
        assert_eq!(
            names(fs_.list(&base, ListKind::Files, Some(&rel("k"))).unwrap()),
            ["k/extra.conf", "k/init.sls", "k2/x"],
            "prefix is a string prefix, as in Salt"
        );
        assert_eq!(
            names(fs_.list(&base, ListKind::Dirs, None).unwrap()),
            ["k", "k/empty", "k2"]
        );
        assert_eq!(
            names(fs_.list(&base, ListKind::EmptyDirs, None).unwrap()),
            ["k/empty"]
        );
        assert!(
            fs_.list(&env("nope"), ListKind::Files, None)
                .unwrap()
                .is_empty()
        );
        assert_eq!(fs_.envs(), [base]);
    }

    #[test]
    fn hash_is_salts_shape_and_cached_until_the_file_changes() {
        let (t, fs_) = two_roots();
        let base = env("base");
        let h = fs_.hash(&base, &rel("top.txt")).unwrap().unwrap();
        assert_eq!(
            h.hsum,
            "053d4860d28f12857117cf9298170f95a7390f0aeb10911e5d3f3cc5a23e1b1c"
        );
        assert_eq!((h.hash_type, h.size), (HashType::Sha256, 11));
        fs::write(t.path().join("a/top.txt"), "changed, longer\n").unwrap();
        let h2 = fs_.hash(&base, &rel("top.txt")).unwrap().unwrap();
        assert_ne!(h2.hsum, h.hsum);
        assert!(fs_.hash(&base, &rel("nope")).unwrap().is_none());
        assert!(
            fs_.hash(&base, &rel("k")).unwrap().is_none(),
            "a directory has no hash"
        );
        let md5 = FileServer::new(fs_.roots.clone()).with_hash_type(HashType::Md5);
        assert_eq!(
            md5.hash(&base, &rel("only_b.txt"))
                .unwrap()
                .unwrap()
                .hash_type,
            HashType::Md5
        );
    }

    #[test]
    fn reads_in_chunks_and_gzips_each_chunk() {
        let t = tempfile::tempdir().unwrap();
        let body: Vec<u8> = (0..2_500_000u32).map(|i| (i % 251) as u8).collect();
        fs::write(t.path().join("big"), &body).unwrap();
        let fs_ = FileServer::new(IndexMap::from([(
            env("base"),
            vec![t.path().to_path_buf()],
        )]));
        let base = env("base");
        let mut got = Vec::new();
        let mut offset = 0;
        let mut chunks = 0;
        loop {
            let c = fs_
                .read(
                    &base,
                    &rel("big"),
                    offset,
                    u32::MAX,
                    Some(GzipLevel::new(9).unwrap()),
                )
                .unwrap()
                .unwrap();
            assert!(c.len <= MAX_CHUNK_LEN, "a chunk never exceeds the limit");
            let mut d = flate2::read::GzDecoder::new(&c.data[..]);
            let before = got.len();
            d.read_to_end(&mut got).unwrap();
            assert_eq!(got.len() - before, c.len as usize);
            assert_eq!(c.offset, offset);
            offset += u64::from(c.len);
            chunks += 1;
            if c.done {
                break;
            }
        }
        assert_eq!(chunks, 3);
        assert_eq!(got, body);
        let past = fs_
            .read(&base, &rel("big"), offset, 10, None)
            .unwrap()
            .unwrap();
        assert!(past.done && past.data.is_empty());
    }

    #[test]
    fn env_placeholder_stands_in_for_unknown_environments() {
        let t = tempfile::tempdir().unwrap();
        fs::create_dir_all(t.path().join("envs/feature-x")).unwrap();
        fs::write(t.path().join("envs/feature-x/f"), "fx").unwrap();
        let fs_ = FileServer::new(IndexMap::from([(
            env("__env__"),
            vec![t.path().join("envs/__env__")],
        )]));
        let c = fs_
            .read(&env("feature-x"), &rel("f"), 0, 10, None)
            .unwrap()
            .unwrap();
        assert_eq!(&c.data[..], b"fx");
        assert!(fs_.hash(&env("other"), &rel("f")).unwrap().is_none());
    }

    #[test]
    fn config_keys_must_be_saltenvs() {
        let bad = IndexMap::from([("../x".to_owned(), vec![PathBuf::from("/srv/salt")])]);
        let e = FileServer::from_config(&bad).unwrap_err().to_string();
        assert!(e.starts_with("file_roots: saltenv \"../x\""), "{e}");
    }
}
