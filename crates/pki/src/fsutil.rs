//! File operations that leave no half-written key behind: a crash or a
//! concurrent reader sees either the old file or the new one, never a torn
//! one.

use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Creates `dir` and its missing parents with mode 0700.
pub(crate) fn create_private_dir(dir: &Path) -> io::Result<()> {
    DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

/// Writes `contents` to `dir/name` through a hidden temp file in the same
/// directory (fsync, rename, fsync of the directory). The file gets `mode`.
pub(crate) fn write_atomic(dir: &Path, name: &str, contents: &[u8], mode: u32) -> io::Result<()> {
    let tmp = dir.join(format!(
        ".{name}.tmp.{}.{:016x}",
        std::process::id(),
        fastrand::u64(..)
    ));
    let result = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)?;
        // The umask may have narrowed the mode; set it exactly.
        f.set_permissions(fs::Permissions::from_mode(mode))?;
        f.write_all(contents)?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, dir.join(name))?;
        sync_dir(dir)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Moves `from` to `to` (replacing `to`); `Ok(false)` when `from` is gone.
pub(crate) fn rename_file(from: &Path, to: &Path) -> io::Result<bool> {
    match fs::rename(from, to) {
        Ok(()) => {
            for dir in [from.parent(), to.parent()].into_iter().flatten() {
                sync_dir(dir)?;
            }
            Ok(true)
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// Removes `path`; `Ok(false)` when it did not exist.
pub(crate) fn remove_file(path: &Path) -> io::Result<bool> {
    match fs::remove_file(path) {
        Ok(()) => {
            if let Some(dir) = path.parent() {
                sync_dir(dir)?;
            }
            Ok(true)
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// Reads a text file; `Ok(None)` when it does not exist.
pub(crate) fn read_optional(path: &Path) -> io::Result<Option<String>> {
    match fs::read_to_string(path) {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_sets_mode_and_leaves_no_temp_file() {
        let d = tempfile::tempdir().unwrap();
        write_atomic(d.path(), "k", b"one", 0o644).unwrap();
        write_atomic(d.path(), "k", b"two", 0o600).unwrap();
        assert_eq!(fs::read_to_string(d.path().join("k")).unwrap(), "two");
        let mode = fs::metadata(d.path().join("k"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let names: Vec<_> = fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("k")]);
    }

    #[test]
    fn missing_files_are_not_errors() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("nope");
        assert!(!remove_file(&p).unwrap());
        assert!(!rename_file(&p, &d.path().join("x")).unwrap());
        assert_eq!(read_optional(&p).unwrap(), None);
    }

    #[test]
    fn private_dirs_are_0700() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("a/b");
        create_private_dir(&p).unwrap();
        let mode = fs::metadata(&p).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
    }
}
