//! `archive.*`: list and unpack tar and zip archives with pure-Rust readers
//! (tar plain, gzip, bzip2 or xz, told apart by their magic bytes; zip
//! stored, deflated, bzip2 or lzma). `archive.extracted` is built on these.
//!
//! Unpacking never writes outside the destination: a member whose path
//! climbs out (`..`) makes the whole call fail before anything is written
//! for it, leading `/` are dropped (as GNU tar does), and the tar reader
//! refuses to write through symlinks that lead out. Salt 3007's Python
//! readers follow such paths.
//!
//! `archive.untar` is salt-rs's own: what `archive.extracted` runs for a tar
//! archive without `options` (Salt does that inside the state with Python's
//! `tarfile`).

use std::fs::File;
use std::io::{BufReader, Read, Seek};
use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path, PathBuf};

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::strerror;
use crate::registry::call_boxed;
use crate::{Ctx, ExecError, ExecFn, de};

/// `archive.list name [archive_format] [options] [strip_components] ...`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct List {
    #[serde(deserialize_with = "de::string_like")]
    name: String,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    archive_format: Option<String>,
    /// Salt's decompression command for tar formats Python cannot read;
    /// refused here (every format salt-rs reads needs none).
    #[serde(default)]
    options: Option<Value>,
    #[serde(default)]
    strip_components: Option<Value>,
    #[serde(default)]
    clean: bool,
    #[serde(default)]
    verbose: bool,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    saltenv: Option<String>,
    /// Accepted for Salt's signature (the hash is checked by the caller).
    #[serde(default)]
    #[allow(dead_code)]
    source_hash: Option<Value>,
    #[serde(default)]
    #[allow(dead_code)]
    use_etag: bool,
}

impl ExecFn for List {
    const POSITIONAL: &'static [&'static str] = &[
        "name",
        "archive_format",
        "options",
        "strip_components",
        "clean",
        "verbose",
        "saltenv",
        "source_hash",
    ];
    const REQUIRED: usize = 1;
    const DOC: &'static str = "List the members of a tar or zip archive (a local path or a salt:// URL), sorted; directories end in '/'. verbose=True returns {dirs, files, links, top_level_dirs, top_level_files, top_level_links}. strip_components drops leading path components; clean=True removes the cached copy afterwards.\n\nCLI Example:\n\n    salt '*' archive.list /path/to/myfile.tar.gz\n    salt '*' archive.list salt://foo.tar.gz verbose=True\n    salt '*' archive.list /path/to/myfile.tar.gz strip_components=1\n";
    type Output = Value;

    async fn call(self, cx: &Ctx) -> Result<Value, ExecError> {
        if self.options.as_ref().is_some_and(|o| !o.is_null()) {
            return Err(ExecError::invocation(
                "archive.list: the 'options' argument (a decompression command) is not supported by salt-rs; tar archives compressed with gzip, bzip2 or xz are read without one",
            ));
        }
        let saltenv = self.saltenv.as_deref().unwrap_or("base");
        let cached = cache(&self.name, saltenv, cx).await?;
        self.list(&cached).map_err(|e| with_location(e, &cached))
    }
}

impl List {
    fn list(self, cached: &Path) -> Result<Value, ExecError> {
        let strip = match &self.strip_components {
            None | Some(Value::Null) => None,
            Some(v) => match v
                .as_i64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            {
                Some(n) if n > 0 => Some(n as usize),
                _ => {
                    return Err(ExecError::Command(
                        "'strip_components' must be a positive integer".into(),
                    ));
                }
            },
        };
        let format = match &self.archive_format {
            Some(f) => f.to_lowercase(),
            None => guess_format(url_path(&self.name))
                .ok_or_else(|| {
                    ExecError::Command(
                        "Unable to guess archive format, please pass an 'archive_format' argument."
                            .into(),
                    )
                })?
                .to_owned(),
        };
        let mut members = match format.as_str() {
            "tar" => list_tar(&self.name, cached)?,
            "zip" => list_zip(&self.name, cached)?,
            other => {
                return Err(ExecError::Command(format!(
                    "Unsupported archive format '{other}'"
                )));
            }
        };
        if self.clean {
            let _ = std::fs::remove_file(cached);
        }
        if let Some(n) = strip {
            members.strip(n);
        }
        Ok(if self.verbose {
            members.verbose()
        } else {
            let mut all: Vec<String> = members
                .dirs
                .into_iter()
                .chain(members.files)
                .chain(members.links)
                .collect();
            all.sort();
            json!(all)
        })
    }
}

/// `archive.is_encrypted name`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IsEncrypted {
    #[serde(deserialize_with = "de::string_like")]
    name: String,
    #[serde(default)]
    clean: bool,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    saltenv: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    source_hash: Option<Value>,
    #[serde(default)]
    #[allow(dead_code)]
    use_etag: bool,
}

impl ExecFn for IsEncrypted {
    const POSITIONAL: &'static [&'static str] = &["name", "clean", "saltenv", "source_hash"];
    const REQUIRED: usize = 1;
    const DOC: &'static str = "Whether the ZIP archive NAME (a local path or salt:// URL) has password-protected members.\n\nCLI Example:\n\n    salt '*' archive.is_encrypted /path/to/myfile.zip\n";
    type Output = bool;

    async fn call(self, cx: &Ctx) -> Result<bool, ExecError> {
        let saltenv = self.saltenv.as_deref().unwrap_or("base");
        let cached = cache(&self.name, saltenv, cx).await?;
        let located = |e| with_location(e, &cached);
        let mut zip = open_zip(&self.name, &cached).map_err(located)?;
        let mut encrypted = false;
        for i in 0..zip.len() {
            let entry = zip
                .by_index_raw(i)
                .map_err(|e| located(ExecError::Command(e.to_string())))?;
            encrypted |= entry.encrypted();
        }
        if self.clean {
            let _ = std::fs::remove_file(&cached);
        }
        Ok(encrypted)
    }
}

/// `archive.unzip zip_file dest [excludes] ...`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unzip {
    #[serde(deserialize_with = "de::string_like")]
    zip_file: String,
    #[serde(deserialize_with = "de::string_like")]
    dest: String,
    #[serde(default)]
    excludes: Option<Value>,
    /// Only used by Salt's `cmd_unzip`; ignored, as Salt's `unzip` does.
    #[serde(default)]
    #[allow(dead_code)]
    options: Option<Value>,
    #[serde(default)]
    template: Option<Value>,
    #[serde(default)]
    runas: Option<Value>,
    #[serde(default)]
    trim_output: Value,
    #[serde(default)]
    password: Option<Value>,
    #[serde(default = "yes")]
    extract_perms: bool,
}

fn yes() -> bool {
    true
}

impl ExecFn for Unzip {
    const POSITIONAL: &'static [&'static str] = &[
        "zip_file",
        "dest",
        "excludes",
        "options",
        "template",
        "runas",
        "trim_output",
        "password",
        "extract_perms",
    ];
    const REQUIRED: usize = 2;
    const DOC: &'static str = "Unpack the local ZIP archive ZIP_FILE into DEST (which must exist) and return the member names written; excludes (a list or comma-separated names) are skipped, extract_perms=True (default) applies the stored permissions, trim_output=True or N keeps the first 100 or N names.\n\nCLI Example:\n\n    salt '*' archive.unzip /tmp/zipfile.zip /home/strongbad/ excludes=file_1,file_2\n";
    type Output = Vec<String>;

    async fn call(self, _cx: &Ctx) -> Result<Vec<String>, ExecError> {
        for (arg, v) in [
            ("template", &self.template),
            ("runas", &self.runas),
            ("password", &self.password),
        ] {
            if v.as_ref().is_some_and(|v| !v.is_null()) {
                return Err(ExecError::invocation(format!(
                    "archive.unzip: the '{arg}' argument is not supported by salt-rs"
                )));
            }
        }
        let excludes: Vec<String> = match &self.excludes {
            None | Some(Value::Null) => vec![],
            Some(Value::Array(a)) => a.iter().filter_map(de::scalar_text).collect(),
            Some(v) => de::scalar_text(v)
                .unwrap_or_default()
                .split(',')
                .map(|s| s.trim().to_owned())
                .collect(),
        };
        let names = unzip(
            &self.zip_file,
            Path::new(&self.dest),
            &excludes,
            self.extract_perms,
        )
        .map_err(|e| ExecError::Command(format!("Exception encountered unpacking zipfile: {e}")))?;
        Ok(trim_files(names, &self.trim_output))
    }
}

/// `archive.untar tarfile dest`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Untar {
    #[serde(deserialize_with = "de::string_like")]
    tarfile: String,
    #[serde(deserialize_with = "de::string_like")]
    dest: String,
}

impl ExecFn for Untar {
    const POSITIONAL: &'static [&'static str] = &["tarfile", "dest"];
    const REQUIRED: usize = 2;
    const DOC: &'static str = "salt-rs: unpack the local tar archive TARFILE (plain, gzip, bzip2 or xz) into DEST and return the member names in archive order, as Python's tarfile.getnames() gives them. Members that would land outside DEST make the call fail.\n\nCLI Example:\n\n    salt '*' archive.untar /tmp/pkg.tar.gz /opt/pkg\n";
    type Output = Vec<String>;

    async fn call(self, _cx: &Ctx) -> Result<Vec<String>, ExecError> {
        untar(Path::new(&self.tarfile), Path::new(&self.dest))
    }
}

/// Salt's `guess_archive_type`: `tar`, `zip` or `rar` from the file name.
pub fn guess_format(name: &str) -> Option<&'static str> {
    let name = name.to_lowercase();
    const TARS: &[&str] = &[
        "tar", "tar.gz", "tgz", "tar.bz2", "tbz2", "tbz", "tar.xz", "txz", "tar.lzma", "tlz",
    ];
    if TARS.iter().any(|e| name.ends_with(&format!(".{e}"))) {
        return Some("tar");
    }
    ["zip", "rar"]
        .into_iter()
        .find(|e| name.ends_with(&format!(".{e}")))
}

/// The members of an archive, by kind.
#[derive(Debug, Default)]
struct Members {
    dirs: Vec<String>,
    files: Vec<String>,
    links: Vec<String>,
}

impl Members {
    fn strip(&mut self, n: usize) {
        for list in [&mut self.dirs, &mut self.files, &mut self.links] {
            *list = list
                .iter()
                .filter_map(|p| p.splitn(n + 1, '/').nth(n).map(str::to_owned))
                .filter(|p| !p.is_empty())
                .collect();
            list.sort();
        }
    }

    fn verbose(mut self) -> Value {
        self.dirs.sort();
        self.files.sort();
        self.links.sort();
        let mut top_dirs: Vec<String> = self
            .dirs
            .iter()
            .filter(|d| d.matches('/').count() == 1)
            .cloned()
            .collect();
        let prefix = common_prefix(&self.dirs);
        if let Some((first, _)) = prefix.split_once('/') {
            let p = format!("{first}/");
            if !top_dirs.contains(&p) {
                top_dirs.push(p);
            }
        }
        let top = |l: &[String]| -> Vec<String> {
            l.iter().filter(|x| !x.contains('/')).cloned().collect()
        };
        let mut m = Map::new();
        m.insert("dirs".into(), json!(self.dirs));
        m.insert("files".into(), json!(self.files));
        m.insert("links".into(), json!(self.links));
        m.insert("top_level_dirs".into(), json!(top_dirs));
        m.insert("top_level_files".into(), json!(top(&self.files)));
        m.insert("top_level_links".into(), json!(top(&self.links)));
        Value::Object(m)
    }
}

/// Python's `os.path.commonprefix`: the longest common string prefix.
fn common_prefix(items: &[String]) -> String {
    let Some(first) = items.first() else {
        return String::new();
    };
    let mut len = first.len();
    for s in &items[1..] {
        len = first
            .char_indices()
            .zip(s.chars())
            .take_while(|((_, a), b)| a == b)
            .last()
            .map_or(0, |((i, a), _)| i + a.len_utf8())
            .min(len);
    }
    first[..len].to_owned()
}

/// Salt's `CommandExecutionError` with `info={"archive location": ...}`:
/// the message, then the info as the nested outputter prints it.
fn with_location(e: ExecError, cached: &Path) -> ExecError {
    match e {
        ExecError::Command(mut msg) => {
            if !msg.ends_with(['.', '?', '!']) {
                msg.push('.');
            }
            ExecError::Command(format!(
                "{msg} Additional info follows:\n\narchive location:\n    {}",
                cached.display()
            ))
        }
        other => other,
    }
}

/// A local path for `name`: itself, or a copy fetched by `cp.cache_file`.
async fn cache(name: &str, saltenv: &str, cx: &Ctx) -> Result<PathBuf, ExecError> {
    if let Some(p) = name.strip_prefix("file://") {
        return Ok(PathBuf::from(p));
    }
    if name.starts_with('/') {
        return Ok(PathBuf::from(name));
    }
    let args = vec![json!(name), json!(saltenv)];
    match call_boxed("cp.cache_file", args, Map::new(), cx).await {
        Ok(r) => match r.ret {
            Value::String(p) if !p.is_empty() => Ok(PathBuf::from(p)),
            _ => Err(ExecError::Command(format!("Failed to cache {name}"))),
        },
        Err(_) => Err(ExecError::Command(format!("Failed to cache {name}"))),
    }
}

/// The path part of a URL (`salt://a/b.tgz` -> `a/b.tgz`).
fn url_path(name: &str) -> &str {
    name.split_once("://").map_or(name, |(_, rest)| rest)
}

/// Opens a tar archive, decompressing by its magic bytes.
fn open_tar(path: &Path) -> std::io::Result<tar::Archive<Box<dyn Read>>> {
    let mut f = File::open(path)?;
    let mut magic = [0u8; 6];
    let n = read_up_to(&mut f, &mut magic)?;
    f.rewind()?;
    if n == 0 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "empty file",
        ));
    }
    let f = BufReader::new(f);
    let reader: Box<dyn Read> = match &magic[..n] {
        [0x1f, 0x8b, ..] => Box::new(flate2::read::MultiGzDecoder::new(f)),
        [b'B', b'Z', b'h', ..] => Box::new(bzip2::read::MultiBzDecoder::new(f)),
        [0xfd, b'7', b'z', b'X', b'Z', 0x00] => Box::new(lzma_rust2::XzReader::new(f, true)),
        _ => Box::new(f),
    };
    Ok(tar::Archive::new(reader))
}

fn read_up_to(f: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// A member's name as Python's `tarfile` gives it (directories without
/// their trailing `/`).
fn member_name<R: Read>(entry: &tar::Entry<'_, R>) -> String {
    let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
    if entry.header().entry_type().is_dir() {
        let t = raw.trim_end_matches('/');
        if t.is_empty() { raw } else { t.to_owned() }
    } else {
        raw
    }
}

fn list_tar(name: &str, cached: &Path) -> Result<Members, ExecError> {
    let unreadable = || {
        ExecError::Command(format!(
            "Unable to list contents of {name}. If this is an XZ-compressed tar archive, install XZ Utils to enable listing its contents. If it is compressed using something other than XZ, it may be necessary to specify CLI options to decompress the archive. See the documentation for details."
        ))
    };
    if !cached.is_file() {
        return Err(ExecError::Command(format!(
            "Failed to list contents of {name}: [Errno 2] No such file or directory: '{}'",
            cached.display()
        )));
    }
    let mut archive = open_tar(cached).map_err(|_| unreadable())?;
    let mut m = Members::default();
    for entry in archive.entries().map_err(|_| unreadable())? {
        let entry = entry.map_err(|_| unreadable())?;
        let ty = entry.header().entry_type();
        let n = member_name(&entry);
        if ty.is_symlink() {
            m.links.push(n);
        } else if ty.is_dir() {
            m.dirs.push(format!("{n}/"));
        } else if !ty.is_pax_global_extensions() {
            m.files.push(n);
        }
    }
    Ok(m)
}

fn open_zip(name: &str, cached: &Path) -> Result<zip::ZipArchive<BufReader<File>>, ExecError> {
    let f = File::open(cached).map_err(|e| {
        ExecError::Command(format!(
            "Failed to list contents of {name}: [Errno {}] {}: '{}'",
            e.raw_os_error().unwrap_or(0),
            strerror(&e),
            cached.display()
        ))
    })?;
    zip::ZipArchive::new(BufReader::new(f))
        .map_err(|_| ExecError::Command(format!("{name} is not a ZIP file")))
}

fn list_zip(name: &str, cached: &Path) -> Result<Members, ExecError> {
    let mut zip = open_zip(name, cached)?;
    let mut dirs: Vec<String> = Vec::new();
    let mut files = Vec::new();
    let mut links = Vec::new();
    let add_dir = |dirs: &mut Vec<String>, d: String| {
        if !dirs.contains(&d) {
            dirs.push(d);
        }
    };
    for i in 0..zip.len() {
        let entry = zip
            .by_index_raw(i)
            .map_err(|_| ExecError::Command(format!("{name} is not a ZIP file")))?;
        let path = entry
            .name()
            .map_err(|_| ExecError::Command(format!("{name} is not a ZIP file")))?
            .into_owned();
        let mode = entry.external_attributes() >> 16;
        match mode & 0o170000 {
            0o120000 => links.push(path),
            0o040000 => add_dir(&mut dirs, path),
            _ => files.push(path),
        }
    }
    for path in files.clone() {
        if let Some(i) = path.rfind('/') {
            let dir = path[..=i].to_owned();
            files.retain(|f| *f != dir);
            add_dir(&mut dirs, dir);
        }
    }
    Ok(Members { dirs, files, links })
}

/// Salt's `_trim_files`.
fn trim_files(mut files: Vec<String>, trim_output: &Value) -> Vec<String> {
    let count = match trim_output {
        Value::Bool(false) | Value::Null => return files,
        Value::Bool(true) => 100,
        v => v
            .as_u64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            .map_or(100, |n| n as usize),
    };
    if files.len() > count {
        files.truncate(count);
        files.push(format!("List trimmed after {count} files."));
    }
    files
}

/// Whether a member path climbs out of the destination.
fn escapes(path: &Path) -> bool {
    let mut depth: i64 = 0;
    for c in path.components() {
        match c {
            Component::ParentDir => depth -= 1,
            Component::Normal(_) => depth += 1,
            _ => {}
        }
        if depth < 0 {
            return true;
        }
    }
    false
}

fn untar(tarfile: &Path, dest: &Path) -> Result<Vec<String>, ExecError> {
    let fail = |e: std::io::Error| {
        ExecError::Command(format!(
            "Failed to extract {}: {}",
            tarfile.display(),
            error_chain(&e)
        ))
    };
    // First pass: names, and a refusal before writing anything.
    let mut names = Vec::new();
    {
        let mut archive = open_tar(tarfile).map_err(fail)?;
        for entry in archive.entries().map_err(fail)? {
            let entry = entry.map_err(fail)?;
            if entry.header().entry_type().is_pax_global_extensions() {
                continue;
            }
            let n = member_name(&entry);
            if entry.path_bytes().split(|b| *b == b'/').any(|c| c == b"..") {
                return Err(ExecError::Command(format!(
                    "Refusing to extract {}: member '{n}' would be written outside {}",
                    tarfile.display(),
                    dest.display()
                )));
            }
            names.push(n);
        }
    }
    let mut archive = open_tar(tarfile).map_err(fail)?;
    archive.set_preserve_mtime(true);
    archive.set_preserve_ownerships(nix::unistd::geteuid().is_root());
    archive.set_overwrite(true);
    archive.unpack(dest).map_err(fail)?;
    Ok(names)
}

fn unzip(
    zip_file: &str,
    dest: &Path,
    excludes: &[String],
    extract_perms: bool,
) -> Result<Vec<String>, String> {
    let f = File::open(zip_file).map_err(|e| {
        format!(
            "[Errno {}] {}: '{zip_file}'",
            e.raw_os_error().unwrap_or(0),
            strerror(&e)
        )
    })?;
    let mut zip = zip::ZipArchive::new(BufReader::new(f)).map_err(|e| e.to_string())?;
    let umask = current_umask();
    let mut written = Vec::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| e.to_string())?;
        let name = entry.name().map_err(|e| e.to_string())?.into_owned();
        if excludes.contains(&name) {
            continue;
        }
        let Some(rel) = entry.enclosed_name().filter(|p| !escapes(p)) else {
            return Err(format!(
                "member '{name}' would be written outside {}",
                dest.display()
            ));
        };
        let target = dest.join(&rel);
        let mode = entry.external_attributes() >> 16;
        if mode & 0o170000 == 0o120000 {
            let mut link = String::new();
            entry.read_to_string(&mut link).map_err(|e| e.to_string())?;
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
            }
            if target.symlink_metadata().is_ok() {
                std::fs::remove_file(&target).map_err(|e| e.to_string())?;
            }
            std::os::unix::fs::symlink(&link, &target).map_err(|e| e.to_string())?;
            written.push(name);
            continue;
        }
        if name.ends_with('/') {
            std::fs::create_dir_all(&target).map_err(|e| e.to_string())?;
        } else {
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
            }
            let mut out = File::create(&target).map_err(|e| e.to_string())?;
            std::io::copy(&mut entry, &mut out).map_err(|e| e.to_string())?;
        }
        if extract_perms {
            let perm = match mode & 0o7777 {
                0 if name.ends_with('/') => 0o777 & !umask,
                0 => 0o666 & !umask,
                p => p,
            };
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(perm))
                .map_err(|e| e.to_string())?;
        }
        written.push(name);
    }
    Ok(written)
}

/// An error with its causes (tar's errors wrap the OS error).
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cur = c.source();
    }
    text
}

/// The process umask (read by setting and restoring it, as Salt does).
fn current_umask() -> u32 {
    use nix::sys::stat::{Mode, umask};
    let old = umask(Mode::from_bits_truncate(0o022));
    umask(old);
    old.bits()
}

#[cfg(test)]
#[path = "archive_tests.rs"]
mod tests;
