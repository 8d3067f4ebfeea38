//! The requests a minion makes of the file server and the replies it gets:
//! plain serde types, ready to travel inside the minion's sealed session as
//! they are. Every field a minion sends is parsed on decode (`Saltenv`,
//! `SafeRelPath`, `GzipLevel`), unknown fields are refused, and sizes are
//! bounded: a read asks for at most [`MAX_CHUNK_LEN`] bytes, a listing
//! carries at most [`MAX_LIST_LEN`] names of [`MAX_LIST_BYTES`] in all.
//!
//! Replies are checked the same way on the minion: the names in a listing
//! are `SafeRelPath`s too, so a master (or anything speaking as one) cannot
//! make `cp.get_dir` write outside its destination.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_bytes::ByteBuf;

use salt_types::{SafeRelPath, Saltenv};

/// Largest chunk a read returns (uncompressed), and the default request:
/// Salt's master `file_buffer_size` (1 MiB).
pub const MAX_CHUNK_LEN: u32 = 1024 * 1024;

/// Most names one listing returns; a longer listing is an error
/// ([`FileErrorKind::TooLarge`]) rather than a reply over the message limit.
pub const MAX_LIST_LEN: usize = 100_000;

/// Most bytes of names one listing returns (the same reason): with
/// MessagePack's few bytes per string, a listing reply stays under 9 MiB,
/// below the default 16 MiB message limit.
pub const MAX_LIST_BYTES: usize = 8 * 1024 * 1024;

/// What a minion asks of the file server.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub enum FileRequest {
    /// The environments (`cp.envs`).
    Envs,
    /// Files, directories or empty directories of an environment
    /// (`cp.list_master`, `cp.list_master_dirs`, `cp.get_dir`).
    List(ListRequest),
    /// Hash of one file (`cp.hash_file`, and before every download).
    Hash(PathRequest),
    /// A chunk of one file.
    Read(ReadRequest),
}

/// What the file server answers; one variant per request kind, plus
/// [`FileReply::Error`] for any of them.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub enum FileReply {
    Envs(Vec<Saltenv>),
    /// Sorted relative names, at most [`MAX_LIST_LEN`].
    List(Vec<SafeRelPath>),
    /// `None`: no such file in that environment.
    Hash(Option<FileHash>),
    /// `None`: no such file in that environment.
    Chunk(Option<Chunk>),
    Error(FileError),
}

/// [`FileRequest::List`].
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ListRequest {
    pub saltenv: Saltenv,
    pub kind: ListKind,
    /// Keep only names starting with this string (Salt's `prefix`: a string
    /// prefix, so `keep` matches `keepalived/...`). `None`: everything.
    #[serde(default)]
    pub prefix: Option<SafeRelPath>,
}

/// Which names a listing returns.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListKind {
    /// Every file (`cp.list_master`).
    Files,
    /// Every directory below the roots (`cp.list_master_dirs`).
    Dirs,
    /// Directories with nothing in them (`cp.get_dir` recreates them).
    EmptyDirs,
}

/// [`FileRequest::Hash`].
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PathRequest {
    pub saltenv: Saltenv,
    pub path: SafeRelPath,
}

/// [`FileRequest::Read`]: `len` bytes from `offset`, compressed at `gzip`
/// when set (Salt's `gzip=N`: each chunk is its own gzip stream).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ReadRequest {
    pub saltenv: Saltenv,
    pub path: SafeRelPath,
    pub offset: u64,
    /// Clamped to `1..=MAX_CHUNK_LEN` by the server.
    pub len: u32,
    #[serde(default)]
    pub gzip: Option<GzipLevel>,
}

/// Salt's `hash_file` shape: `{"hsum": ..., "hash_type": "sha256"}`, plus
/// the size and permission bits the server saw.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FileHash {
    /// Lower-case hex digest.
    pub hsum: String,
    pub hash_type: HashType,
    pub size: u64,
    /// Permission bits (`st_mode & 0o7777`).
    pub mode: u32,
}

/// One chunk of a file.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Chunk {
    /// The bytes read from `offset`, gzip-compressed when `gzip` is set.
    pub data: ByteBuf,
    pub gzip: Option<GzipLevel>,
    pub offset: u64,
    /// Length of the uncompressed data.
    pub len: u32,
    /// The file's size when it was opened.
    pub size: u64,
    /// No bytes follow this chunk.
    pub done: bool,
}

/// A failed request, with a message meant for the user.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FileError {
    pub kind: FileErrorKind,
    pub message: String,
}

/// Why a request failed.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileErrorKind {
    /// The path resolves (through a symlink) outside its root.
    Refused,
    /// Reading the file system failed on the server.
    Io,
    /// The listing is longer than [`MAX_LIST_LEN`].
    TooLarge,
    /// The request cannot be served (bad argument, unsupported hash type).
    Invalid,
}

/// A gzip compression level, 1 (fastest) to 9 (smallest).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GzipLevel(u8);

impl GzipLevel {
    /// `1..=9`; anything else is refused (Salt's `gzip=0` means "off":
    /// callers map it to `None`).
    pub fn new(level: u8) -> Result<Self, String> {
        if (1..=9).contains(&level) {
            Ok(Self(level))
        } else {
            Err(format!(
                "gzip level {level} is out of range: use 1 (fastest) to 9 (smallest)"
            ))
        }
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl Serialize for GzipLevel {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.0)
    }
}

impl<'de> Deserialize<'de> for GzipLevel {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        GzipLevel::new(u8::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// The digest behind `hsum` (Salt's `hash_type`).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[serde(rename_all = "lowercase")]
pub enum HashType {
    Md5,
    Sha1,
    Sha224,
    #[default]
    Sha256,
    Sha384,
    Sha512,
}

impl HashType {
    /// Parses Salt's names (`sha256`, case-insensitive).
    pub fn parse(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "md5" => Ok(Self::Md5),
            "sha1" => Ok(Self::Sha1),
            "sha224" => Ok(Self::Sha224),
            "sha256" => Ok(Self::Sha256),
            "sha384" => Ok(Self::Sha384),
            "sha512" => Ok(Self::Sha512),
            other => Err(format!(
                "hash_type {other:?} is not supported: use md5, sha1, sha224, sha256, sha384 or sha512"
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Md5 => "md5",
            Self::Sha1 => "sha1",
            Self::Sha224 => "sha224",
            Self::Sha256 => "sha256",
            Self::Sha384 => "sha384",
            Self::Sha512 => "sha512",
        }
    }
}

impl std::fmt::Display for HashType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(s: &str) -> Saltenv {
        Saltenv::parse(s).unwrap()
    }

    fn roundtrip<T: Serialize + for<'de> Deserialize<'de> + PartialEq + std::fmt::Debug>(v: &T) {
        let bytes = rmp_serde::to_vec_named(v).unwrap();
        let back: T = rmp_serde::from_slice(&bytes).unwrap();
        assert_eq!(&back, v);
    }

    #[test]
    fn requests_and_replies_roundtrip_through_messagepack() {
        let path = SafeRelPath::parse("k8s/kubelet.conf").unwrap();
        roundtrip(&FileRequest::Envs);
        roundtrip(&FileRequest::List(ListRequest {
            saltenv: env("base"),
            kind: ListKind::EmptyDirs,
            prefix: Some(SafeRelPath::parse("k8s").unwrap()),
        }));
        roundtrip(&FileRequest::Hash(PathRequest {
            saltenv: env("dev"),
            path: path.clone(),
        }));
        roundtrip(&FileRequest::Read(ReadRequest {
            saltenv: env("base"),
            path: path.clone(),
            offset: 7,
            len: MAX_CHUNK_LEN,
            gzip: Some(GzipLevel::new(9).unwrap()),
        }));
        roundtrip(&FileReply::List(vec![path.clone()]));
        roundtrip(&FileReply::Hash(Some(FileHash {
            hsum: "ab".into(),
            hash_type: HashType::Sha256,
            size: 2,
            mode: 0o644,
        })));
        roundtrip(&FileReply::Chunk(Some(Chunk {
            data: ByteBuf::from(vec![0, 1, 2]),
            gzip: None,
            offset: 0,
            len: 3,
            size: 3,
            done: true,
        })));
        roundtrip(&FileReply::Error(FileError {
            kind: FileErrorKind::Refused,
            message: "no".into(),
        }));
    }

    #[test]
    fn unsafe_fields_fail_to_decode() {
        // A hand-built request with a traversal path, a bad saltenv, an
        // unknown field and an out-of-range gzip level: each is refused by
        // the decoder itself.
        let bad = [
            serde_json::json!({"Hash": {"saltenv": "base", "path": "../etc/passwd"}}),
            serde_json::json!({"Hash": {"saltenv": "base", "path": "/etc/passwd"}}),
            serde_json::json!({"Hash": {"saltenv": "base", "path": "%2e%2e/x"}}),
            serde_json::json!({"Hash": {"saltenv": "../../", "path": "x"}}),
            serde_json::json!({"Hash": {"saltenv": "base", "path": "x", "root": "/"}}),
            serde_json::json!({"Read": {"saltenv": "base", "path": "x", "offset": 0, "len": 1, "gzip": 10}}),
            serde_json::json!({"Read": {"saltenv": "base", "path": "x", "offset": -1, "len": 1}}),
            serde_json::json!({"Delete": {"saltenv": "base", "path": "x"}}),
        ];
        for v in bad {
            let bytes = rmp_serde::to_vec_named(&v).unwrap();
            assert!(
                rmp_serde::from_slice::<FileRequest>(&bytes).is_err(),
                "decoded {v}"
            );
        }
        // A listing reply naming a path outside the destination is refused
        // on the minion too.
        let v = serde_json::json!({"List": ["ok", "../../etc/cron.d/x"]});
        let bytes = rmp_serde::to_vec_named(&v).unwrap();
        assert!(rmp_serde::from_slice::<FileReply>(&bytes).is_err());
    }

    #[test]
    fn hash_type_names_are_salts() {
        assert_eq!(HashType::parse("SHA256").unwrap(), HashType::Sha256);
        assert_eq!(HashType::default().as_str(), "sha256");
        assert!(HashType::parse("crc32").unwrap_err().contains("crc32"));
        assert_eq!(serde_json::to_value(HashType::Md5).unwrap(), "md5");
    }
}
