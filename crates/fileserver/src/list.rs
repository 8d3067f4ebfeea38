//! Walking a root for `cp.list_master`, `cp.list_master_dirs` and the empty
//! directories `cp.get_dir` recreates.
//!
//! Salt walks each root with `os.walk` (following symlinked directories)
//! and returns the sorted union of relative names. So does this walk, with
//! the rules [`crate::resolve`] serves by: a symlink is listed (and a
//! symlinked directory walked) only when its target stays inside the root,
//! so the listing names exactly what can be fetched. Names that cannot be
//! a [`SafeRelPath`] (not UTF-8, `%`, `\`, control characters) cannot be
//! asked for, and are left out. Directory cycles through symlinks are
//! walked once.

use std::collections::{BTreeSet, HashSet};
use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use salt_types::SafeRelPath;

use crate::resolve::{real_inside, real_root};

/// Every name under one root, by kind.
#[derive(Debug, Default)]
pub(crate) struct Listing {
    pub files: BTreeSet<String>,
    pub dirs: BTreeSet<String>,
    pub empty_dirs: BTreeSet<String>,
}

/// Most entries one walk visits before it gives up (a runaway tree or a
/// symlink maze), far above any real state tree.
pub(crate) const MAX_WALK: usize = 1_000_000;

/// Deepest directory nesting walked.
const MAX_DEPTH: usize = 64;

/// Adds everything under `root` to `out`. A missing root adds nothing.
pub(crate) fn walk_root(root: &Path, out: &mut Listing) -> io::Result<()> {
    let Some(root_real) = real_root(root)? else {
        return Ok(());
    };
    if !root_real.is_dir() {
        return Ok(());
    }
    let mut seen = HashSet::new();
    let meta = fs::metadata(&root_real)?;
    seen.insert((meta.dev(), meta.ino()));
    let mut budget = MAX_WALK;
    walk_dir(&root_real, &root_real, "", 0, &mut seen, &mut budget, out)
}

fn walk_dir(
    root_real: &Path,
    dir: &Path,
    rel_dir: &str,
    depth: usize,
    seen: &mut HashSet<(u64, u64)>,
    budget: &mut usize,
    out: &mut Listing,
) -> io::Result<()> {
    if depth >= MAX_DEPTH {
        return Ok(());
    }
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            tracing::debug!(dir = %dir.display(), error = %e, "file server: cannot list directory");
            return Ok(());
        }
    };
    for entry in entries {
        let Ok(entry) = entry else { continue };
        *budget = budget.checked_sub(1).ok_or_else(|| {
            io::Error::other(format!(
                "more than {MAX_WALK} entries under {}",
                root_real.display()
            ))
        })?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let rel = if rel_dir.is_empty() {
            name.to_owned()
        } else {
            format!("{rel_dir}/{name}")
        };
        if SafeRelPath::parse(&rel).is_err() {
            tracing::debug!(name = %rel.escape_debug(), "file server: name cannot be served, not listed");
            continue;
        }
        let path = entry.path();
        let Ok(ft) = entry.file_type() else { continue };
        let (is_dir, target) = if ft.is_symlink() {
            let Some(real) = real_inside(&path, root_real) else {
                continue;
            };
            let Ok(meta) = fs::metadata(&real) else {
                continue;
            };
            (meta.is_dir(), real)
        } else {
            (ft.is_dir(), path.clone())
        };
        if is_dir {
            out.dirs.insert(rel.clone());
            if fs::read_dir(&target).is_ok_and(|mut d| d.next().is_none()) {
                out.empty_dirs.insert(rel.clone());
            }
            let Ok(meta) = fs::metadata(&target) else {
                continue;
            };
            if seen.insert((meta.dev(), meta.ino())) {
                walk_dir(root_real, &target, &rel, depth + 1, seen, budget, out)?;
                seen.remove(&(meta.dev(), meta.ino()));
            }
        } else {
            out.files.insert(rel);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn lists_files_dirs_and_empty_dirs_following_inner_links_only() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("root");
        fs::create_dir_all(root.join("k/empty")).unwrap();
        fs::write(root.join("k/a.conf"), "a").unwrap();
        fs::create_dir_all(t.path().join("outside")).unwrap();
        fs::write(t.path().join("outside/secret"), "s").unwrap();
        symlink("k", root.join("k_link")).unwrap();
        symlink("k/a.conf", root.join("file_link")).unwrap();
        symlink(t.path().join("outside"), root.join("out_dir")).unwrap();
        symlink(t.path().join("outside/secret"), root.join("out_file")).unwrap();
        symlink("nowhere", root.join("dangling")).unwrap();
        symlink(".", root.join("k/self")).unwrap();
        fs::write(root.join("k/100%.txt"), "x").unwrap();

        let mut l = Listing::default();
        walk_root(&root, &mut l).unwrap();
        let v = |s: &BTreeSet<String>| s.iter().cloned().collect::<Vec<_>>();
        assert_eq!(
            v(&l.files),
            ["file_link", "k/a.conf", "k_link/a.conf"],
            "outward links, dangling links and unservable names are not listed"
        );
        // `k/self` points at its own parent: listed, not walked again.
        assert_eq!(
            v(&l.dirs),
            [
                "k",
                "k/empty",
                "k/self",
                "k_link",
                "k_link/empty",
                "k_link/self"
            ]
        );
        assert_eq!(v(&l.empty_dirs), ["k/empty", "k_link/empty"]);
    }

    #[test]
    fn a_missing_root_lists_nothing() {
        let mut l = Listing::default();
        walk_root(Path::new("/nonexistent/salt-rs-root"), &mut l).unwrap();
        assert!(l.files.is_empty() && l.dirs.is_empty());
    }
}
