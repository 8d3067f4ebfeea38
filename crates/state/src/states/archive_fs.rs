//! The filesystem side of `archive.extracted`: which archive members are
//! missing or of the wrong type under the destination, removing paths for
//! `clean`/`force`, creating the destination, and enforcing `user`/`group`
//! ownership. A state that unpacks archives must look at and change the
//! destination itself; these are the only places it does.

use std::io::ErrorKind;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// What the destination holds compared with the archive's members.
#[derive(Debug, Default)]
pub struct Survey {
    /// Members present with another type (relative paths, as listed).
    pub incorrect_type: Vec<String>,
    /// A member is missing.
    pub missing: bool,
}

/// The kind of a member, as `archive.list` sorted them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    Dir,
    File,
    Link,
}

/// Checks every member under `dest` (which ends with `/`). `Err` is an
/// unexpected error's text (Python's `str(OSError)`).
pub fn survey(dest: &str, members: &[(Kind, String)]) -> Result<Survey, String> {
    let mut s = Survey::default();
    for (kind, path) in members {
        let full = format!("{dest}{path}");
        let full = full.trim_end_matches('/');
        match std::fs::symlink_metadata(full) {
            Ok(m) => {
                let ft = m.file_type();
                let ok = match kind {
                    Kind::Dir => ft.is_dir(),
                    Kind::File => !ft.is_symlink() && !ft.is_dir(),
                    Kind::Link => ft.is_symlink(),
                };
                if !ok {
                    s.incorrect_type.push(path.clone());
                }
            }
            Err(e) if e.kind() == ErrorKind::NotFound => s.missing = true,
            Err(e) if e.raw_os_error() == Some(20) => {}
            Err(e) => return Err(os_error(&e, full)),
        }
    }
    Ok(s)
}

/// Salt's `rm_rf`: a directory tree, or a file or link. A missing path is
/// not an error.
pub fn rm_rf(path: &str) -> Result<(), String> {
    let p = Path::new(path);
    let r = match std::fs::symlink_metadata(p) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(p),
        Ok(_) => std::fs::remove_file(p),
        Err(e) => Err(e),
    };
    match r {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        Err(e) => Err(os_error(&e, path)),
    }
}

/// Whether `path` is a directory (following links, as `os.path.isdir`).
pub fn is_dir(path: &str) -> bool {
    Path::new(path).is_dir()
}

/// Whether `path` is a regular file (following links).
pub fn is_file(path: &str) -> bool {
    Path::new(path).is_file()
}

/// Whether `path` exists (following links).
pub fn exists(path: &str) -> bool {
    Path::new(path).exists()
}

/// Creates the destination and its parents, owned by `uid` when given.
pub fn make_dest(path: &str, uid: Option<u32>) -> Result<(), String> {
    std::fs::create_dir_all(path).map_err(|e| os_error(&e, path))?;
    if let Some(uid) = uid {
        std::os::unix::fs::lchown(path, Some(uid), None).map_err(|e| os_error(&e, path))?;
    }
    Ok(())
}

/// Removes the destination when it was created for an extraction that
/// failed and it is still empty.
pub fn cleanup_dest(path: &str) {
    let _ = std::fs::remove_dir(path);
}

/// Outcome of enforcing ownership on one tree or path.
#[derive(Debug, Default, PartialEq)]
pub struct Owned {
    pub changed: bool,
    pub failed: bool,
}

/// Ownership of `root` and everything under it (Salt: `file.directory`
/// with `recurse: [user, group]`). In test mode only reports.
pub fn own_tree(root: &str, uid: Option<u32>, gid: Option<u32>, test: bool) -> Owned {
    let mut out = Owned::default();
    let mut stack = vec![std::path::PathBuf::from(root)];
    while let Some(p) = stack.pop() {
        let Ok(m) = std::fs::symlink_metadata(&p) else {
            out.failed = true;
            continue;
        };
        if m.is_dir() {
            match std::fs::read_dir(&p) {
                Ok(rd) => stack.extend(rd.filter_map(|e| e.ok().map(|e| e.path()))),
                Err(_) => out.failed = true,
            }
        }
        if differs(&m, uid, gid) {
            out.changed = true;
            if test {
                // file.directory returns None for pending changes, which
                // Salt's archive.extracted counts as a failure.
                out.failed = true;
            } else if std::os::unix::fs::lchown(&p, uid, gid).is_err() {
                out.failed = true;
            }
        }
    }
    out
}

/// What `lstat` says of one path: `None` when it cannot be read (and
/// whether that is because it is missing).
pub fn lstat(path: &str) -> Result<std::fs::Metadata, bool> {
    std::fs::symlink_metadata(path).map_err(|e| e.kind() == ErrorKind::NotFound)
}

/// Whether the owner differs from the one asked.
pub fn differs(m: &std::fs::Metadata, uid: Option<u32>, gid: Option<u32>) -> bool {
    uid.is_some_and(|u| u != m.uid()) || gid.is_some_and(|g| g != m.gid())
}

/// `os.lchown`.
pub fn lchown(path: &str, uid: Option<u32>, gid: Option<u32>) -> bool {
    std::os::unix::fs::lchown(path, uid, gid).is_ok()
}

/// Removes a cached source (`keep_source: False`).
pub fn remove_cached(path: &str) -> Result<(), String> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        Err(e) => Err(os_error(&e, path)),
    }
}

/// Python's `str(OSError)`: `[Errno 13] Permission denied: '/x'`.
fn os_error(e: &std::io::Error, path: &str) -> String {
    let text = e.to_string();
    let text = text
        .rfind(" (os error ")
        .map_or(text.as_str(), |i| &text[..i]);
    format!("[Errno {}] {text}: '{path}'", e.raw_os_error().unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn survey_finds_missing_and_mistyped_members() {
        let d = tempfile_dir();
        let dest = format!("{}/", d.display());
        std::fs::create_dir(d.join("top")).unwrap();
        std::fs::write(d.join("top/sub"), "not a dir").unwrap();
        std::os::unix::fs::symlink("x", d.join("top/l")).unwrap();
        let members = vec![
            (Kind::Dir, "top/".to_owned()),
            (Kind::Dir, "top/sub/".to_owned()),
            (Kind::File, "top/a.txt".to_owned()),
            (Kind::Link, "top/l".to_owned()),
            (Kind::File, "top/sub/b.txt".to_owned()),
        ];
        let s = survey(&dest, &members).unwrap();
        assert_eq!(s.incorrect_type, ["top/sub/"]);
        assert!(s.missing);
        rm_rf(&format!("{dest}top")).unwrap();
        assert!(!exists(&format!("{dest}top")));
        rm_rf(&format!("{dest}top")).unwrap();
        let _ = std::fs::remove_dir_all(&d);
    }

    fn tempfile_dir() -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!(
            "salt-state-archive-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }
}
