//! The file system operations the file states share, each behaving as the
//! Salt helper it stands for: atomic replacement of a file (temp file in
//! the same directory, fsync, rename, the old owner and mode kept; Salt's
//! `salt.utils.files.copyfile`), minion-side backups, `makedirs` with
//! owner and mode on every directory made, removal, Salt's text/binary
//! heuristic, file hashes, and the diff of two files (`file.get_diff`).

use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use serde_json::Value;
use sha2::Digest;

use super::diff::unified_diff;
use super::perms::set_perms;

/// The process's umask, read from `/proc/self/status` (asking the kernel
/// with `umask(2)` would change it for every thread); 022 when unknown.
pub fn umask() -> u32 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Umask:"))
                .and_then(|v| u32::from_str_radix(v.trim(), 8).ok())
        })
        .unwrap_or(0o022)
}

/// Python's `os.path.expanduser`: `~` and `~user` at the start.
pub fn expanduser(path: &str) -> String {
    let Some(rest) = path.strip_prefix('~') else {
        return path.to_owned();
    };
    let (user, tail) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let home = if user.is_empty() {
        std::env::var("HOME").ok().or_else(|| {
            nix::unistd::User::from_uid(nix::unistd::Uid::effective())
                .ok()
                .flatten()
                .map(|u| u.dir.to_string_lossy().into_owned())
        })
    } else {
        nix::unistd::User::from_name(user)
            .ok()
            .flatten()
            .map(|u| u.dir.to_string_lossy().into_owned())
    };
    match home {
        Some(h) => {
            let h = if h.len() > 1 {
                h.trim_end_matches('/')
            } else {
                &h
            };
            format!("{h}{tail}")
        }
        None => path.to_owned(),
    }
}

/// Python's `os.path.dirname`.
pub fn dirname(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) => "/",
        Some(i) => {
            let head = &path[..i];
            let trimmed = head.trim_end_matches('/');
            if trimmed.is_empty() { "/" } else { trimmed }
        }
        None => "",
    }
}

/// Python's `os.path.normpath` for absolute and relative POSIX paths.
pub fn normpath(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let abs = path.starts_with('/');
    let double = path.starts_with("//") && !path.starts_with("///");
    let mut parts: Vec<&str> = Vec::new();
    for comp in path.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !abs {
                    parts.push("..");
                }
            }
            c => parts.push(c),
        }
    }
    let body = parts.join("/");
    let prefix = if double {
        "//"
    } else if abs {
        "/"
    } else {
        ""
    };
    let out = format!("{prefix}{body}");
    if out.is_empty() { ".".into() } else { out }
}

/// How to keep the old contents when a file is replaced (`backup:`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backup {
    None,
    /// A copy under `<cachedir>/file_backup/<dir>/<name>_<stamp>`.
    Minion(PathBuf),
}

/// Salt's `copyfile`: writes `data` to `dest` atomically. A file already
/// there keeps its owner and mode (a new one is 0600 until
/// `check_perms` sets its mode, as in Salt) and is backed up first when
/// asked.
pub fn replace_file(dest: &Path, data: &[u8], backup: &Backup) -> std::io::Result<()> {
    let dir = dest
        .parent()
        .filter(|d| d.is_dir())
        .ok_or_else(|| not_found(dest))?;
    let bname = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut tmp = tempfile::Builder::new().prefix(&bname).tempfile_in(dir)?;
    tmp.write_all(data)?;
    if let Backup::Minion(root) = backup
        && dest.exists()
    {
        backup_minion(dest, root)?;
    }
    if let Ok(md) = std::fs::metadata(dest) {
        let f = tmp.as_file();
        std::os::unix::fs::fchown(f, Some(md.uid()), Some(md.gid()))?;
        f.set_permissions(std::fs::Permissions::from_mode(md.mode() & 0o7777))?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(dest).map_err(|e| e.error)?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn not_found(p: &Path) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::NotFound,
        format!("[Errno 2] No such file or directory: {}", p.display()),
    )
}

/// Salt's `backup_minion`: `<root>/<dir without the leading />/<name>_<stamp>`
/// with the stamp `Mon_Dec_01_16:55:01_123456_2025` (local time,
/// microseconds), owner and mode kept.
fn backup_minion(path: &Path, root: &Path) -> std::io::Result<()> {
    let md = std::fs::metadata(path)?;
    let parent = path
        .parent()
        .map(|p| p.to_string_lossy().trim_start_matches('/').to_owned())
        .unwrap_or_default();
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let now = time::OffsetDateTime::now_local().unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    let fmt = time::macros::format_description!(
        "[weekday repr:short]_[month repr:short]_[day]_[hour]:[minute]:[second]"
    );
    let stamp = now.format(&fmt).map_err(std::io::Error::other)?;
    let micros = now.microsecond();
    let dest = root
        .join(parent)
        .join(format!("{name}_{stamp}_{micros:06}_{}", now.year()));
    if let Some(d) = dest.parent() {
        std::fs::create_dir_all(d)?;
    }
    std::fs::copy(path, &dest)?;
    std::os::unix::fs::chown(&dest, Some(md.uid()), Some(md.gid()))?;
    std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(md.mode() & 0o7777))
}

/// Salt's `file.makedirs_perms`: makes `path` and its missing parents, each
/// with the owner and mode given (`mode` None: the umask decides).
pub fn makedirs_perms(
    path: &Path,
    user: &Value,
    group: &Value,
    mode: Option<&str>,
) -> std::io::Result<()> {
    if let Some(parent) = path.parent()
        && !parent.as_os_str().is_empty()
        && !parent.exists()
    {
        match makedirs_perms(parent, user, group, mode) {
            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => return Err(e),
            _ => {}
        }
    }
    std::fs::create_dir(path)?;
    set_perms(path, user, group, mode);
    Ok(())
}

/// Salt's `file.makedirs`: the missing parent directories of `path` (not
/// `path` itself), topmost first, each with owner and mode.
pub fn makedirs_parents(
    path: &str,
    user: &Value,
    group: &Value,
    mode: Option<&str>,
) -> Result<(), String> {
    let dir = normpath(dirname(path));
    let d = Path::new(&dir);
    if d.is_dir() {
        return Ok(());
    }
    if d.exists() {
        return Err(format!(
            "The path '{dir}' already exists and is not a directory"
        ));
    }
    makedirs_perms(d, user, group, mode).map_err(|e| e.to_string())
}

/// Salt's `file.remove`: files and symlinks unlinked, directories removed
/// with their contents.
pub fn remove(path: &Path) -> std::io::Result<()> {
    let md = std::fs::symlink_metadata(path)?;
    if md.is_dir() {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    }
}

/// Salt's `files.is_text` on the first 512 bytes: no NUL, and either UTF-8
/// or at most 30% bytes outside printable ASCII and `\n\r\t\f\b`.
pub fn is_text_bytes(data: &[u8]) -> bool {
    let block = &data[..data.len().min(512)];
    if block.contains(&0) {
        return false;
    }
    if block.is_empty() || std::str::from_utf8(block).is_ok() {
        return true;
    }
    let nontext = block
        .iter()
        .filter(|&&b| !((32..127).contains(&b) || b"\n\r\t\x0c\x08".contains(&b)))
        .count();
    nontext as f64 / block.len() as f64 <= 0.30
}

/// [`is_text_bytes`] of a file; an unreadable file counts as binary, as in
/// Salt.
pub fn is_text(path: &Path) -> bool {
    std::fs::read(path).is_ok_and(|d| is_text_bytes(&d))
}

/// Decodes lines as Salt does before diffing (UTF-8, else Latin-1).
pub fn decode_lossless(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => bytes.iter().map(|&b| b as char).collect(),
    }
}

/// `file.get_diff(old, new, show_filenames=False)` on file contents: empty
/// when the lines are equal, Salt's words when either side is binary, else
/// difflib's unified diff.
pub fn diff_bytes(old: &[u8], new: &[u8]) -> String {
    if old == new {
        return String::new();
    }
    match (is_text_bytes(old), is_text_bytes(new)) {
        (false, false) => return "Replace binary file".into(),
        (false, true) => return "Replace binary file with text file".into(),
        (true, false) => return "Replace text file with binary file".into(),
        (true, true) => {}
    }
    let old_lines: Vec<String> = split_bytes(old).into_iter().map(decode_lossless).collect();
    let new_lines: Vec<String> = split_bytes(new).into_iter().map(decode_lossless).collect();
    let a: Vec<&str> = old_lines.iter().map(String::as_str).collect();
    let b: Vec<&str> = new_lines.iter().map(String::as_str).collect();
    unified_diff(&a, &b, "", "")
}

/// Bytes split after each `\n` (binary `readlines()`).
fn split_bytes(data: &[u8]) -> Vec<&[u8]> {
    data.split_inclusive(|&b| b == b'\n').collect()
}

/// Hash names Salt accepts with the length of their hex digest, in Salt's
/// order (strongest first).
pub const HASH_TYPES: &[(&str, usize)] = &[
    ("sha512", 128),
    ("sha384", 96),
    ("sha256", 64),
    ("sha224", 56),
    ("sha1", 40),
    ("md5", 32),
];

/// The hex digest of `data` with a hash Salt names; `None` for others.
pub fn hash_bytes(data: &[u8], form: &str) -> Option<String> {
    Some(match form {
        "md5" => hex::encode(md5::Md5::digest(data)),
        "sha1" => hex::encode(sha1::Sha1::digest(data)),
        "sha224" => hex::encode(sha2::Sha224::digest(data)),
        "sha256" => hex::encode(sha2::Sha256::digest(data)),
        "sha384" => hex::encode(sha2::Sha384::digest(data)),
        "sha512" => hex::encode(sha2::Sha512::digest(data)),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_like_python() {
        assert_eq!(dirname("/a/b/c"), "/a/b");
        assert_eq!(dirname("/a"), "/");
        assert_eq!(dirname("a"), "");
        assert_eq!(normpath("/a//b/../c/./"), "/a/c");
        assert_eq!(normpath("//a"), "//a");
        assert_eq!(normpath("/.."), "/");
        assert_eq!(expanduser("/x/~"), "/x/~");
        assert!(!expanduser("~root/x").starts_with('~'));
    }

    #[test]
    fn text_or_binary_and_diffs() {
        assert!(is_text_bytes(b"hello\n") && is_text_bytes(b""));
        assert!(!is_text_bytes(b"a\0b"));
        assert!(!is_text_bytes(&[0xff, 0xfe, 0x80, 0x81]));
        assert_eq!(diff_bytes(b"a\0", b"b\0"), "Replace binary file");
        assert_eq!(
            diff_bytes(b"a\0", b"b"),
            "Replace binary file with text file"
        );
        assert_eq!(
            diff_bytes(b"a\n", b"b\n"),
            "--- \n+++ \n@@ -1 +1 @@\n-a\n+b\n"
        );
        assert_eq!(diff_bytes(b"same", b"same"), "");
    }

    #[test]
    fn atomic_replace_keeps_mode_and_backs_up() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("f");
        std::fs::write(&f, "old").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o640)).unwrap();
        let bk = dir.path().join("bk");
        replace_file(&f, b"new", &Backup::Minion(bk.clone())).unwrap();
        assert_eq!(std::fs::read_to_string(&f).unwrap(), "new");
        assert_eq!(std::fs::metadata(&f).unwrap().mode() & 0o777, 0o640);
        let mut found = Vec::new();
        for e in walk(&bk) {
            found.push(std::fs::read_to_string(e).unwrap());
        }
        assert_eq!(found, ["old"]);
        let g = dir.path().join("g");
        replace_file(&g, b"x", &Backup::None).unwrap();
        assert_eq!(std::fs::metadata(&g).unwrap().mode() & 0o777, 0o600);
        assert!(replace_file(&dir.path().join("no/such"), b"x", &Backup::None).is_err());
        assert_eq!(
            hash_bytes(b"", "md5").unwrap(),
            "d41d8cd98f00b204e9800998ecf8427e"
        );
    }

    fn walk(p: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(p).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
        out
    }
}
