//! A directory tree as the `file.*` capture script lists it
//! (`scripts/capture-file-cases.sh`): one sorted line per entry,
//! `<path> <f|d|l> <mode> <user>:<group> <sha256 | link target | ->`, so
//! that what a state run left behind compares with what Salt's left.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use sha2::Digest;

/// The listing of `top`. File contents are hashed with `ours` replaced by
/// `salt_dir` (the case directory's name on each side). When not run as
/// root, files owned by this user are listed as `root:root` (Salt's
/// captures ran as root).
pub fn tree_listing(top: &Path, ours: &str, salt_dir: &str) -> String {
    let me = nix::unistd::Uid::effective();
    let mut out = Vec::new();
    let mut todo = vec![top.to_owned()];
    while let Some(dir) = todo.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            let Ok(md) = std::fs::symlink_metadata(&p) else {
                continue;
            };
            let (kind, detail) = if md.file_type().is_symlink() {
                let t = std::fs::read_link(&p).map(|t| t.to_string_lossy().into_owned());
                ("l", t.unwrap_or_default())
            } else if md.is_dir() {
                todo.push(p.clone());
                ("d", "-".to_owned())
            } else {
                let data = std::fs::read(&p).unwrap_or_default();
                let data = match String::from_utf8(data) {
                    Ok(t) => t.replace(ours, salt_dir).into_bytes(),
                    Err(e) => e.into_bytes(),
                };
                ("f", hex::encode(sha2::Sha256::digest(data)))
            };
            let user = nix::unistd::User::from_uid(md.uid().into()).ok().flatten();
            let group = nix::unistd::Group::from_gid(md.gid().into()).ok().flatten();
            let mut user = user.map_or(md.uid().to_string(), |u| u.name);
            let mut group = group.map_or(md.gid().to_string(), |g| g.name);
            if !me.is_root() && md.uid() == me.as_raw() {
                user = "root".into();
                group = "root".into();
            }
            let rel = p
                .strip_prefix(top)
                .map(|r| r.to_string_lossy().into_owned())
                .unwrap_or_default();
            let mode = md.mode() & 0o7777;
            out.push(format!("{rel} {kind} {mode:04o} {user}:{group} {detail}"));
        }
    }
    out.sort();
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_files_dirs_and_links_sorted() {
        let d = tempfile::tempdir().unwrap();
        let top = d.path();
        std::fs::create_dir(top.join("sub")).unwrap();
        std::fs::write(top.join("sub/f"), format!("in {}\n", top.display())).unwrap();
        std::os::unix::fs::symlink("sub/f", top.join("l")).unwrap();
        let got = tree_listing(top, &top.to_string_lossy(), "/salt");
        let lines: Vec<&str> = got.lines().collect();
        assert_eq!(lines.len(), 3, "{got}");
        assert!(
            lines[0].starts_with("l l ") && lines[0].ends_with(" sub/f"),
            "{got}"
        );
        assert!(
            lines[1].starts_with("sub d ") && lines[1].ends_with(" -"),
            "{got}"
        );
        let want = hex::encode(sha2::Sha256::digest(b"in /salt\n"));
        assert!(
            lines[2].starts_with("sub/f f ") && lines[2].ends_with(&want),
            "{got}"
        );
    }
}
