//! Opening a minion-supplied path under one root without ever reading a byte
//! outside it. This is the file server's security boundary.
//!
//! The path is already a [`SafeRelPath`] (no `..`, no absolute path, no NUL,
//! no `%` escape), so joining it under the root stays inside lexically; what
//! is left are symlinks. The rules:
//!
//! 1. The root and the joined path are canonicalised (every symlink
//!    resolved). If the real path is not under the real root, the file is
//!    refused. Symlinks *inside* the root that stay inside it are followed,
//!    as Salt does; symlinks that lead out are refused, which is what Salt
//!    does only with `fileserver_followsymlinks: False` (see
//!    docs/differences.md).
//! 2. The real path is opened with `O_NOFOLLOW` (a last component swapped
//!    for a symlink after step 1 fails to open) and `O_NONBLOCK` (a FIFO
//!    planted in the tree cannot hang the server), then `fstat` must say
//!    regular file.
//! 3. The opened descriptor's path (`/proc/self/fd/N`) must still be under
//!    the real root, which catches a directory swapped for a symlink between
//!    steps 1 and 2. Where `/proc` is not mounted this check is skipped;
//!    steps 1 and 2 still hold.

use std::fs::{self, File, Metadata, OpenOptions};
use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

use salt_types::SafeRelPath;

/// A regular file found under a root and opened.
#[derive(Debug)]
pub(crate) struct Opened {
    pub file: File,
    pub real: PathBuf,
    pub meta: Metadata,
}

/// What looking a path up under one root gave.
#[derive(Debug)]
pub(crate) enum Lookup {
    Found(Box<Opened>),
    /// Nothing there, or not a regular file.
    Missing,
    /// It resolves outside the root.
    Refused,
}

/// The canonical form of a root, `None` if it does not exist.
pub(crate) fn real_root(root: &Path) -> io::Result<Option<PathBuf>> {
    match fs::canonicalize(root) {
        Ok(p) => Ok(Some(p)),
        Err(e) if missing(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Finds and opens `rel` under `root` following the rules in the module docs.
pub(crate) fn open_under(root: &Path, rel: &SafeRelPath) -> io::Result<Lookup> {
    let Some(root_real) = real_root(root)? else {
        return Ok(Lookup::Missing);
    };
    let candidate = rel.resolve(&root_real);
    let real = match fs::canonicalize(&candidate) {
        Ok(p) => p,
        Err(e) if missing(&e) => return Ok(Lookup::Missing),
        Err(e) if is_loop(&e) => return Ok(Lookup::Refused),
        Err(e) => return Err(e),
    };
    if !real.starts_with(&root_real) {
        tracing::warn!(
            root = %root_real.display(),
            path = %rel,
            "file server: refused a path that resolves outside its root"
        );
        return Ok(Lookup::Refused);
    }
    let file = match OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(&real)
    {
        Ok(f) => f,
        Err(e) if missing(&e) => return Ok(Lookup::Missing),
        Err(e) if is_loop(&e) => return Ok(Lookup::Refused),
        Err(e) => return Err(e),
    };
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Ok(Lookup::Missing);
    }
    if !fd_is_under(&file, &root_real) {
        tracing::warn!(
            root = %root_real.display(),
            path = %rel,
            "file server: refused a file that moved outside its root while being opened"
        );
        return Ok(Lookup::Refused);
    }
    Ok(Lookup::Found(Box::new(Opened { file, real, meta })))
}

/// Where `entry` (a path inside `root_real`, possibly a symlink) really
/// leads, if it stays under `root_real`. `None` for dangling links, links
/// out of the root and unreadable entries.
pub(crate) fn real_inside(entry: &Path, root_real: &Path) -> Option<PathBuf> {
    let real = fs::canonicalize(entry).ok()?;
    real.starts_with(root_real).then_some(real)
}

/// Whether the open descriptor's path is under `root_real`; true when the
/// kernel does not tell (no `/proc`).
fn fd_is_under(file: &File, root_real: &Path) -> bool {
    let link = PathBuf::from(format!("/proc/self/fd/{}", file.as_raw_fd()));
    match fs::read_link(&link) {
        Ok(p) => p.starts_with(root_real),
        Err(_) => true,
    }
}

fn missing(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
    ) || e.raw_os_error() == Some(libc::ENAMETOOLONG)
}

fn is_loop(e: &io::Error) -> bool {
    e.raw_os_error() == Some(libc::ELOOP)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn rel(s: &str) -> SafeRelPath {
        SafeRelPath::parse(s).unwrap()
    }

    #[test]
    fn follows_links_inside_and_refuses_links_out() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("root");
        fs::create_dir_all(root.join("d")).unwrap();
        fs::write(root.join("d/f"), "in").unwrap();
        fs::write(t.path().join("secret"), "out").unwrap();
        symlink("d/f", root.join("in_link")).unwrap();
        symlink(t.path().join("secret"), root.join("out_link")).unwrap();
        symlink(t.path(), root.join("out_dir")).unwrap();
        symlink("d", root.join("in_dir")).unwrap();
        symlink("loop", root.join("loop")).unwrap();

        assert!(matches!(
            open_under(&root, &rel("in_link")).unwrap(),
            Lookup::Found(_)
        ));
        assert!(matches!(
            open_under(&root, &rel("in_dir/f")).unwrap(),
            Lookup::Found(_)
        ));
        assert!(matches!(
            open_under(&root, &rel("out_link")).unwrap(),
            Lookup::Refused
        ));
        assert!(matches!(
            open_under(&root, &rel("out_dir/secret")).unwrap(),
            Lookup::Refused
        ));
        assert!(matches!(
            open_under(&root, &rel("loop")).unwrap(),
            Lookup::Refused
        ));
        assert!(matches!(
            open_under(&root, &rel("d")).unwrap(),
            Lookup::Missing
        ));
        assert!(matches!(
            open_under(&root, &rel("d/f/x")).unwrap(),
            Lookup::Missing
        ));
        assert!(matches!(
            open_under(&root, &rel("nope")).unwrap(),
            Lookup::Missing
        ));
        assert!(matches!(
            open_under(&t.path().join("no-root"), &rel("d/f")).unwrap(),
            Lookup::Missing
        ));
    }

    #[test]
    fn a_fifo_is_not_served_and_does_not_block() {
        let t = tempfile::tempdir().unwrap();
        let fifo = t.path().join("fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        assert!(matches!(
            open_under(t.path(), &rel("fifo")).unwrap(),
            Lookup::Missing
        ));
    }
}
