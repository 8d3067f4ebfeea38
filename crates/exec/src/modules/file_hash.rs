//! The hash functions of `file.*` (`get_hash`, `check_hash`,
//! `get_source_sum`, `extract_hash`): what states with a `source_hash`
//! (`archive.extracted`, `file.managed`) use to name and check the
//! expected hash of a source. Kept apart from the rest of `file.*`, which
//! is about managing files; the messages are Salt's word for word.

use std::io::Read;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::registry::call_boxed;
use crate::{Ctx, ExecError, ExecFn, de};

/// Hash types by name with their hex lengths, in Salt's order.
pub const HASHES: &[(&str, usize)] = &[
    ("sha512", 128),
    ("sha384", 96),
    ("sha256", 64),
    ("sha224", 56),
    ("sha1", 40),
    ("md5", 32),
];

/// URL schemes a remote hash file may use (Salt's `VALID_PROTOS`).
const VALID_PROTOS: &[&str] = &["salt", "file", "http", "https", "ftp", "swift", "s3"];

/// The hex digest of a file (`file.get_hash`).
pub fn hash_file(path: &str, form: &str) -> Result<String, ExecError> {
    let mut f = std::fs::File::open(path).map_err(|e| io_error(path, &e))?;
    let mut h = Hasher::new(form)
        .ok_or_else(|| ExecError::Command(format!("Invalid hash type: {form}")))?;
    let mut buf = vec![0u8; 65536];
    loop {
        let n = f.read(&mut buf).map_err(|e| io_error(path, &e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.hex())
}

/// `file.get_hash path [form]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GetHash {
    #[serde(deserialize_with = "de::string_like")]
    path: String,
    #[serde(default = "sha256", deserialize_with = "de::string_like")]
    form: String,
    /// Accepted for Salt's signature; reads always use 64 KiB.
    #[serde(default)]
    #[allow(dead_code)]
    chunk_size: Option<Value>,
}

fn sha256() -> String {
    "sha256".into()
}

impl ExecFn for GetHash {
    const POSITIONAL: &'static [&'static str] = &["path", "form", "chunk_size"];
    const REQUIRED: usize = 1;
    const DOC: &'static str = "Return the hex digest of the file PATH; FORM is md5, sha1, sha224, sha256 (default), sha384 or sha512.\n\nCLI Example:\n\n    salt '*' file.get_hash /etc/shadow\n    salt '*' file.get_hash /etc/shadow md5\n";
    type Output = String;

    async fn call(self, _cx: &Ctx) -> Result<String, ExecError> {
        hash_file(&expand_user(&self.path), &self.form)
    }
}

/// `file.check_hash path file_hash`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckHash {
    #[serde(deserialize_with = "de::string_like")]
    path: String,
    file_hash: Value,
}

impl ExecFn for CheckHash {
    const POSITIONAL: &'static [&'static str] = &["path", "file_hash"];
    const REQUIRED: usize = 2;
    const DOC: &'static str = "Whether the file PATH has the hash FILE_HASH: `<type>=<hex>`, `<type>:<hex>`, or a bare hex digest whose length names the type.\n\nCLI Example:\n\n    salt '*' file.check_hash /etc/fstab sha256=e138491e9d5b97023cea823fe17bac22\n";
    type Output = bool;

    async fn call(self, _cx: &Ctx) -> Result<bool, ExecError> {
        let Value::String(file_hash) = &self.file_hash else {
            return Err(ExecError::invocation("hash must be a string"));
        };
        let (hash_type, value) = match file_hash.split_once([':', '=']) {
            Some((t, v)) => (t.to_owned(), v),
            None => match type_of_len(file_hash.len()) {
                Some(t) => (t.to_owned(), file_hash.as_str()),
                None => {
                    return Err(ExecError::invocation(format!(
                        "Hash {file_hash} (length: {}) could not be matched to a supported hash type. The supported hash types and lengths are: {}",
                        file_hash.len(),
                        types_by_length()
                    )));
                }
            },
        };
        Ok(hash_file(&expand_user(&self.path), &hash_type)? == value)
    }
}

/// `file.get_source_sum [file_name] [source] [source_hash] ...`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GetSourceSum {
    #[serde(default, deserialize_with = "de::opt_string_like")]
    file_name: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    source: Option<String>,
    #[serde(default)]
    source_hash: Value,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    source_hash_name: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    saltenv: Option<String>,
    /// Accepted for Salt's signature; remote hash files come through
    /// `cp.cache_file`.
    #[serde(default)]
    #[allow(dead_code)]
    verify_ssl: Option<Value>,
}

impl ExecFn for GetSourceSum {
    const POSITIONAL: &'static [&'static str] = &[
        "file_name",
        "source",
        "source_hash",
        "source_hash_name",
        "saltenv",
    ];
    const DOC: &'static str = "Return {hash_type, hsum} for SOURCE_HASH: a hash, `<hash_type>=<hash>`, a local file of hashes or the URL of one (salt://, http(s)://, ...). In a file of hashes the line naming SOURCE_HASH_NAME, then FILE_NAME, then SOURCE wins, else the first hash found.\n\nCLI Example:\n\n    salt '*' file.get_source_sum /tmp/foo.tar.gz source=http://mydomain.tld/foo.tar.gz source_hash=499ae16dcae71eeb7c3a30c75ea7a1a6\n    salt '*' file.get_source_sum /tmp/foo.tar.gz source=http://mydomain.tld/foo.tar.gz source_hash=https://mydomain.tld/hashes.md5\n";
    type Output = Value;

    async fn call(self, cx: &Ctx) -> Result<Value, ExecError> {
        let Value::String(source_hash) = &self.source_hash else {
            return Err(invalid_format(&self.source_hash));
        };
        let invalid = || invalid_format(&self.source_hash);
        let hash_fn = if source_hash.starts_with('/') {
            Some(source_hash.clone())
        } else {
            match scheme(source_hash) {
                "" => None,
                p if VALID_PROTOS.contains(&p) => {
                    let saltenv = self.saltenv.clone().unwrap_or_else(|| "base".into());
                    let args = vec![json!(source_hash), json!(saltenv)];
                    let got = call_boxed("cp.cache_file", args, Map::new(), cx).await;
                    match got.map(|r| r.ret) {
                        Ok(Value::String(p)) if !p.is_empty() => Some(p),
                        _ => {
                            return Err(ExecError::Command(format!(
                                "Source hash file {source_hash} not found"
                            )));
                        }
                    }
                }
                _ => return Err(invalid()),
            }
        };
        if let Some(hash_fn) = hash_fn {
            let text = std::fs::read_to_string(&hash_fn).map_err(|e| io_error(&hash_fn, &e))?;
            let found = extract_hash(
                &text,
                "",
                self.file_name.as_deref().unwrap_or_default(),
                self.source.as_deref().unwrap_or_default(),
                self.source_hash_name.as_deref(),
            )
            .ok_or_else(invalid)?;
            return Ok(json!({"hsum": found.hsum.to_lowercase(), "hash_type": found.hash_type}));
        }
        let (hash_type, hsum) = match source_hash.split_once('=') {
            Some((t, h)) => (t.trim().to_owned(), h.trim().to_owned()),
            None => {
                if source_hash.is_empty() || !source_hash.chars().all(|c| c.is_ascii_hexdigit()) {
                    return Err(invalid());
                }
                let t = type_of_len(source_hash.len()).ok_or_else(invalid)?;
                (t.to_owned(), source_hash.clone())
            }
        };
        let Some(want) = len_of_type(&hash_type) else {
            let names: Vec<&str> = HASHES.iter().map(|(n, _)| *n).collect();
            return Err(ExecError::Command(format!(
                "Invalid hash type '{hash_type}'. Supported hash types are: {}. Either remove the hash type and simply use '{hsum}' as the source_hash, or change the hash type to a supported type.",
                names.join(", ")
            )));
        };
        match type_of_len(hsum.len()) {
            None => return Err(invalid()),
            Some(other) if hsum.len() != want => {
                return Err(ExecError::Command(format!(
                    "Invalid length ({}) for hash type '{hash_type}'. Either remove the hash type and simply use '{hsum}' as the source_hash, or change the hash type to '{other}'",
                    hsum.len()
                )));
            }
            Some(_) => {}
        }
        let mut ret = Map::new();
        ret.insert("hash_type".into(), json!(hash_type));
        ret.insert("hsum".into(), json!(hsum.to_lowercase()));
        Ok(Value::Object(ret))
    }
}

/// `file.extract_hash hash_fn [hash_type] [file_name] [source] [source_hash_name]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtractHash {
    #[serde(deserialize_with = "de::string_like")]
    hash_fn: String,
    #[serde(default = "sha256", deserialize_with = "de::string_like")]
    hash_type: String,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    file_name: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    source: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    source_hash_name: Option<String>,
}

impl ExecFn for ExtractHash {
    const POSITIONAL: &'static [&'static str] = &[
        "hash_fn",
        "hash_type",
        "file_name",
        "source",
        "source_hash_name",
    ];
    const REQUIRED: usize = 1;
    const DOC: &'static str = "Find a hash of HASH_TYPE (sha256 by default; '' for any) in the local file HASH_FN: the one on the line naming SOURCE_HASH_NAME, else FILE_NAME, else SOURCE, else the first one. Returns {hsum, hash_type} or None.\n\nCLI Example:\n\n    salt '*' file.extract_hash /path/to/hash/file sha512 /etc/foo\n";
    type Output = Value;

    async fn call(self, _cx: &Ctx) -> Result<Value, ExecError> {
        let text =
            std::fs::read_to_string(&self.hash_fn).map_err(|e| io_error(&self.hash_fn, &e))?;
        let hash_type = if len_of_type(&self.hash_type).is_some() {
            self.hash_type.as_str()
        } else {
            ""
        };
        Ok(extract_hash(
            &text,
            hash_type,
            self.file_name.as_deref().unwrap_or_default(),
            self.source.as_deref().unwrap_or_default(),
            self.source_hash_name.as_deref(),
        )
        .map_or(
            Value::Null,
            |f| json!({"hsum": f.hsum, "hash_type": f.hash_type}),
        ))
    }
}

/// A hash found in a file of hashes.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundHash {
    pub hsum: String,
    pub hash_type: &'static str,
}

/// Salt's `extract_hash` over the text of a hash file.
pub fn extract_hash(
    text: &str,
    hash_type: &str,
    file_name: &str,
    source: &str,
    source_hash_name: Option<&str>,
) -> Option<FoundHash> {
    let (min, max) = match len_of_type(hash_type) {
        Some(n) => (n, n),
        None => (32, 128),
    };
    let file_base = basename(file_name);
    let source_base = basename(source.split_once("://").map_or(source, |(_, r)| r));
    let mut partial = None;
    let mut by_name = None;
    let mut by_file = None;
    let mut by_source = None;
    for line in text.lines() {
        let line = line.trim();
        let Some(found) = first_hash(line, min, max) else {
            continue;
        };
        if partial.is_none() {
            partial = Some(found.clone());
        }
        if let Some(name) = source_hash_name.filter(|n| !n.is_empty())
            && names(line, name, name, " \t\n\r\x0b\x0c")
        {
            by_name.get_or_insert(found.clone());
        }
        if !file_name.is_empty() && names(line, file_base, file_name, SEPARATORS) {
            by_file.get_or_insert(found.clone());
        }
        if !source.is_empty() && names(line, source_base, source, SEPARATORS) {
            by_source.get_or_insert(found.clone());
        }
    }
    by_name.or(by_file).or(by_source).or(partial)
}

/// What may stand before a file name on a hash line.
const SEPARATORS: &str = " \t\n\r\x0b\x0c\\/*";

/// Whether `line` ends with `base` after a separator, or starts with
/// `full` followed by whitespace.
fn names(line: &str, base: &str, full: &str, separators: &str) -> bool {
    if let Some(before) = line.strip_suffix(base) {
        return before
            .chars()
            .last()
            .is_some_and(|c| separators.contains(c));
    }
    line.strip_prefix(full)
        .and_then(|rest| rest.chars().next())
        .is_some_and(char::is_whitespace)
}

/// The first run of letters and digits that is a whole hex digest of a
/// length between `min` and `max`, when that length names a hash type.
fn first_hash(line: &str, min: usize, max: usize) -> Option<FoundHash> {
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_alphanumeric() {
            i += 1;
        }
        let run = &line[start..i];
        if (min..=max).contains(&run.len()) && run.bytes().all(|b| b.is_ascii_hexdigit()) {
            return type_of_len(run.len()).map(|t| FoundHash {
                hsum: run.to_owned(),
                hash_type: t,
            });
        }
    }
    None
}

fn basename(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or(p)
}

/// A URL's scheme as Python's `urlparse` finds it ("" for none).
fn scheme(s: &str) -> &str {
    match s.split_once(':') {
        Some((sch, _))
            if sch.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && sch
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
        {
            sch
        }
        _ => "",
    }
}

fn type_of_len(n: usize) -> Option<&'static str> {
    HASHES.iter().find(|(_, l)| *l == n).map(|(t, _)| *t)
}

fn len_of_type(t: &str) -> Option<usize> {
    HASHES.iter().find(|(n, _)| *n == t).map(|(_, l)| *l)
}

/// `md5 (32), sha1 (40), ...`: the types by length, as Salt lists them.
fn types_by_length() -> String {
    let mut v: Vec<&(&str, usize)> = HASHES.iter().collect();
    v.sort_by_key(|(_, l)| *l);
    v.iter()
        .map(|(t, l)| format!("{t} ({l})"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn invalid_format(source_hash: &Value) -> ExecError {
    let shown = match source_hash {
        Value::String(s) => s.clone(),
        Value::Null => "None".into(),
        other => other.to_string(),
    };
    ExecError::Command(format!(
        "Source hash {shown} format is invalid. The supported formats are: 1) a hash, 2) an expression in the format <hash_type>=<hash>, or 3) either a path to a local file containing hashes, or a URI of a remote hash file. Supported protocols for remote hash files are: {}. The hash may also not be of a valid length, the following are supported hash types and lengths: {}.",
        VALID_PROTOS.join(", "),
        types_by_length()
    ))
}

fn io_error(path: &str, e: &std::io::Error) -> ExecError {
    let errno = e.raw_os_error().unwrap_or(0);
    let what = crate::modules::strerror(e);
    ExecError::Command(format!("[Errno {errno}] {what}: '{path}'"))
}

/// `~` and `~user` at the start, as `os.path.expanduser`.
fn expand_user(p: &str) -> String {
    let Some(rest) = p.strip_prefix('~') else {
        return p.to_owned();
    };
    let (user, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let home = if user.is_empty() {
        std::env::var("HOME").ok()
    } else {
        nix::unistd::User::from_name(user)
            .ok()
            .flatten()
            .map(|u| u.dir.to_string_lossy().into_owned())
    };
    match home {
        Some(h) => format!("{h}{tail}"),
        None => p.to_owned(),
    }
}

/// One of the supported digests.
enum Hasher {
    Md5(md5::Md5),
    Sha1(sha1::Sha1),
    Sha224(sha2::Sha224),
    Sha256(sha2::Sha256),
    Sha384(sha2::Sha384),
    Sha512(sha2::Sha512),
}

impl Hasher {
    fn new(form: &str) -> Option<Self> {
        use sha2::Digest;
        Some(match form {
            "md5" => Self::Md5(md5::Md5::new()),
            "sha1" => Self::Sha1(sha1::Sha1::new()),
            "sha224" => Self::Sha224(sha2::Sha224::new()),
            "sha256" => Self::Sha256(sha2::Sha256::new()),
            "sha384" => Self::Sha384(sha2::Sha384::new()),
            "sha512" => Self::Sha512(sha2::Sha512::new()),
            _ => return None,
        })
    }

    fn update(&mut self, data: &[u8]) {
        use sha2::Digest;
        match self {
            Self::Md5(h) => h.update(data),
            Self::Sha1(h) => h.update(data),
            Self::Sha224(h) => h.update(data),
            Self::Sha256(h) => h.update(data),
            Self::Sha384(h) => h.update(data),
            Self::Sha512(h) => h.update(data),
        }
    }

    fn hex(self) -> String {
        use sha2::Digest;
        let bytes: Vec<u8> = match self {
            Self::Md5(h) => h.finalize().to_vec(),
            Self::Sha1(h) => h.finalize().to_vec(),
            Self::Sha224(h) => h.finalize().to_vec(),
            Self::Sha256(h) => h.finalize().to_vec(),
            Self::Sha384(h) => h.finalize().to_vec(),
            Self::Sha512(h) => h.finalize().to_vec(),
        };
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::{run_in, test_ctx};

    const ABC_SHA256: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    const ABC_MD5: &str = "900150983cd24fb0d6963f7d28e17f72";

    fn file_with(body: &str) -> (tempfile::TempDir, String) {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("f.txt");
        std::fs::write(&p, body).unwrap();
        let s = p.to_string_lossy().into_owned();
        (d, s)
    }

    #[tokio::test]
    async fn get_and_check_hash() {
        let (_d, p) = file_with("abc");
        let cx = test_ctx();
        let r = run_in(&cx, "file.get_hash", json!([p]), json!({})).await;
        assert_eq!(r.ret, json!(ABC_SHA256));
        let r = run_in(&cx, "file.get_hash", json!([p, "md5"]), json!({})).await;
        assert_eq!(r.ret, json!(ABC_MD5));
        let r = run_in(&cx, "file.get_hash", json!([p, "crc"]), json!({})).await;
        assert_eq!(r.ret, json!("ERROR: Invalid hash type: crc"));
        for h in [
            format!("sha256={ABC_SHA256}"),
            format!("md5:{ABC_MD5}"),
            ABC_MD5.to_owned(),
        ] {
            let r = run_in(&cx, "file.check_hash", json!([p, h]), json!({})).await;
            assert_eq!(r.ret, json!(true), "{h}");
        }
        let r = run_in(&cx, "file.check_hash", json!([p, "abc"]), json!({})).await;
        assert!(
            r.ret
                .as_str()
                .unwrap()
                .contains("could not be matched to a supported hash type. The supported hash types and lengths are: md5 (32), sha1 (40), sha224 (56)"),
            "{}",
            r.ret
        );
        let r = run_in(&cx, "file.get_hash", json!(["/no/such"]), json!({})).await;
        assert_eq!(
            r.ret,
            json!("ERROR: [Errno 2] No such file or directory: '/no/such'")
        );
    }

    #[tokio::test]
    async fn source_sums_from_strings() {
        let cx = test_ctx();
        let sum = |h: Value| {
            let cx = cx.clone();
            async move {
                run_in(
                    &cx,
                    "file.get_source_sum",
                    json!([]),
                    json!({"source_hash": h}),
                )
                .await
                .ret
            }
        };
        assert_eq!(
            sum(json!(format!("sha256 = {}", ABC_SHA256.to_uppercase()))).await,
            json!({"hash_type": "sha256", "hsum": ABC_SHA256})
        );
        assert_eq!(
            sum(json!(ABC_MD5)).await,
            json!({"hash_type": "md5", "hsum": ABC_MD5})
        );
        assert_eq!(
            sum(json!(format!("sha1={ABC_MD5}"))).await,
            json!(format!(
                "ERROR: Invalid length (32) for hash type 'sha1'. Either remove the hash type and simply use '{ABC_MD5}' as the source_hash, or change the hash type to 'md5'"
            ))
        );
        assert!(
            sum(json!(format!("crc={ABC_MD5}")))
                .await
                .as_str()
                .unwrap()
                .starts_with("ERROR: Invalid hash type 'crc'. Supported hash types are: sha512, sha384, sha256, sha224, sha1, md5.")
        );
        for bad in [json!("xyz"), json!(format!("md5:{ABC_MD5}")), json!(null)] {
            let r = sum(bad.clone()).await;
            assert!(
                r.as_str().unwrap().contains("format is invalid"),
                "{bad}: {r}"
            );
        }
        let r = sum(json!("salt://no/such.sha256")).await;
        assert_eq!(
            r,
            json!("ERROR: Source hash file salt://no/such.sha256 not found")
        );
    }

    #[tokio::test]
    async fn source_sums_from_hash_files() {
        let body = format!(
            "{ABC_MD5}  other.tar.gz\n{ABC_SHA256} *pkg.tar.gz\nno hash here\n{} named\n",
            "e".repeat(128)
        );
        let (_d, p) = file_with(&body);
        let cx = test_ctx();
        let get = |kw: Value| {
            let cx = cx.clone();
            let mut kw = kw;
            kw["source_hash"] = json!(p.clone());
            async move { run_in(&cx, "file.get_source_sum", json!([]), kw).await.ret }
        };
        assert_eq!(
            get(json!({"source": "salt://x/pkg.tar.gz"})).await,
            json!({"hsum": ABC_SHA256, "hash_type": "sha256"})
        );
        assert_eq!(
            get(json!({"file_name": "/tmp/other.tar.gz"})).await,
            json!({"hsum": ABC_MD5, "hash_type": "md5"})
        );
        assert_eq!(
            get(json!({"source_hash_name": "named", "source": "pkg.tar.gz"})).await["hash_type"],
            json!("sha512")
        );
        assert_eq!(get(json!({})).await["hash_type"], json!("md5"));
        let r = run_in(&cx, "file.extract_hash", json!([p, "sha256"]), json!({})).await;
        assert_eq!(r.ret, json!({"hsum": ABC_SHA256, "hash_type": "sha256"}));
    }

    #[test]
    fn hashes_are_whole_runs() {
        assert_eq!(first_hash(&format!("x{ABC_MD5}"), 32, 128), None);
        assert_eq!(first_hash(&format!("{ABC_MD5}0"), 32, 128), None);
        assert_eq!(
            first_hash(&format!("MD5 ({ABC_MD5})"), 32, 128).map(|f| f.hash_type),
            Some("md5")
        );
        assert_eq!(first_hash(&"a".repeat(33), 32, 128), None);
        assert_eq!(scheme("sha256=abc"), "");
        assert_eq!(scheme("md5:abc"), "md5");
        assert_eq!(scheme("salt://x"), "salt");
    }
}
