//! `pillar_roots`: the directories of each pillar environment, searched in
//! order (the first one holding a file wins), and the SLS names they hold.
//!
//! Paths asked for here can come from templates, and templates see the
//! minion's grains (which the minion chooses), so every path is parsed as a
//! [`SafeRelPath`] first: no `..`, no absolute path, no NUL, no `%`
//! escape. A path that does not parse is a file that does not exist.
//! Symlinks inside the roots are followed, as Salt follows them
//! (`fileserver_followsymlinks`): the roots belong to the master's admin.

use std::collections::{BTreeSet, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use salt_types::SafeRelPath;

/// The pillar environments and their directories, with `__env__` already
/// resolved ([`Roots::new`]).
#[derive(Debug, Clone, Default)]
pub struct Roots {
    envs: IndexMap<String, Vec<PathBuf>>,
}

impl Roots {
    /// `pillar_roots` for one compilation. An `__env__` entry stands for
    /// the environment asked for (`env`: pillarenv, else saltenv, else
    /// `base`) when `pillar_roots` does not name that one, with `__env__`
    /// in its paths replaced by the name; otherwise it is dropped. As in
    /// Salt, the resolved environment moves to the end of the order.
    pub fn new(pillar_roots: &IndexMap<String, Vec<PathBuf>>, env: &str) -> Roots {
        let mut envs = pillar_roots.clone();
        if let Some(dirs) = envs.shift_remove("__env__")
            && !envs.contains_key(env)
        {
            let dirs = dirs
                .iter()
                .map(|d| PathBuf::from(d.to_string_lossy().replace("__env__", env)))
                .collect();
            envs.insert(env.to_owned(), dirs);
        }
        Roots { envs }
    }

    /// The environment names, in `pillar_roots` order.
    pub fn env_names(&self) -> impl Iterator<Item = &str> {
        self.envs.keys().map(String::as_str)
    }

    /// Whether `env` is configured with at least one directory.
    pub fn has_dirs(&self, env: &str) -> bool {
        self.envs.get(env).is_some_and(|d| !d.is_empty())
    }

    /// The file `rel` of `env`: the first root holding it as a regular
    /// file (after symlinks). `None` when no root has it, the environment
    /// is unknown or the path is not a safe relative path.
    pub fn find(&self, env: &str, rel: &str) -> Option<PathBuf> {
        let rel = SafeRelPath::parse(rel).ok()?;
        self.envs
            .get(env)?
            .iter()
            .map(|root| rel.resolve(root))
            .find(|p| p.is_file())
    }

    /// The file `rel` of `env` and its text; `Ok(None)` when there is none.
    pub fn read(&self, env: &str, rel: &str) -> Result<Option<(PathBuf, String)>, String> {
        let Some(path) = self.find(env, rel) else {
            return Ok(None);
        };
        match fs::read(&path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => Ok(Some((path, text))),
                Err(_) => Err(format!("{}: the file is not UTF-8 text", path.display())),
            },
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }

    /// The SLS file of `sls` in `env`: `a/b.sls`, else `a/b/init.sls`
    /// (each searched through every root, Salt's `get_state`). Returns the
    /// path relative to the root as `salt://` shows it, and the file.
    pub fn find_sls(&self, env: &str, sls: &str) -> Option<(String, PathBuf)> {
        let base = sls.replace('.', "/");
        [format!("{base}.sls"), format!("{base}/init.sls")]
            .into_iter()
            .find_map(|rel| self.find(env, &rel).map(|p| (rel, p)))
    }

    /// Every SLS name of `env`, sorted (Salt's `list_states`): each `.sls`
    /// file under each root, `a/b.sls` as `a.b`, `a/init.sls` as `a`.
    /// Unreadable directories are skipped; symlinked directories are
    /// followed once each.
    pub fn list_states(&self, env: &str) -> Vec<String> {
        let mut names = BTreeSet::new();
        for root in self.envs.get(env).into_iter().flatten() {
            let mut seen = HashSet::new();
            walk(root, "", &mut seen, &mut names);
        }
        names.into_iter().collect()
    }
}

/// Collects the SLS names under `dir`, whose path relative to the root is
/// `prefix`.
fn walk(dir: &Path, prefix: &str, seen: &mut HashSet<PathBuf>, names: &mut BTreeSet<String>) {
    // A symlink loop would recurse forever; visit each real directory once.
    let Ok(real) = fs::canonicalize(dir) else {
        return;
    };
    if !seen.insert(real) {
        return;
    }
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        let rel = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}/{name}")
        };
        let path = entry.path();
        // `metadata` follows symlinks, as Salt's file list does.
        let Ok(meta) = fs::metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            walk(&path, &rel, seen, names);
        } else if meta.is_file()
            && let Some(stem) = rel.strip_suffix(".sls")
        {
            let stem = stem.strip_suffix("/init").unwrap_or(stem);
            names.insert(stem.replace('/', "."));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for f in files {
            let p = dir.path().join(f);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, format!("# {f}\n")).unwrap();
        }
        dir
    }

    #[test]
    fn first_root_wins_and_init_files() {
        let a = tree(&["top.sls", "x.sls", "d/init.sls", "init.sls"]);
        let b = tree(&["x.sls", "y.sls", "d/e.sls", "notes.txt"]);
        let roots = Roots::new(
            &IndexMap::from([(
                "base".to_owned(),
                vec![a.path().to_owned(), b.path().to_owned()],
            )]),
            "base",
        );
        assert_eq!(
            roots.list_states("base"),
            ["d", "d.e", "init", "top", "x", "y"]
        );
        assert!(roots.find("base", "x.sls").unwrap().starts_with(a.path()));
        assert!(roots.find("base", "y.sls").unwrap().starts_with(b.path()));
        assert_eq!(roots.find_sls("base", "d").unwrap().0, "d/init.sls");
        assert_eq!(roots.find_sls("base", "d.e").unwrap().0, "d/e.sls");
        assert!(roots.find_sls("base", "nope").is_none());
        assert!(roots.find("dev", "x.sls").is_none());
        assert!(roots.list_states("dev").is_empty());
    }

    #[test]
    fn unsafe_paths_are_never_found() {
        let a = tree(&["sub/x.sls"]);
        let roots = Roots::new(
            &IndexMap::from([("base".to_owned(), vec![a.path().join("sub")])]),
            "base",
        );
        for p in [
            "../sub/x.sls",
            "a/../../x.sls",
            "x.sls\0",
            "%2e%2e/x.sls",
            "",
            "/x.sls",
        ] {
            assert!(roots.find("base", p).is_none(), "{p:?}");
        }
        assert!(roots.find("base", "x.sls").is_some());
        assert!(roots.find_sls("base", "..x").is_none());
    }

    #[test]
    fn env_placeholder() {
        let roots = IndexMap::from([
            ("base".to_owned(), vec![PathBuf::from("/p/base")]),
            ("__env__".to_owned(), vec![PathBuf::from("/p/__env__")]),
        ]);
        let r = Roots::new(&roots, "dev");
        assert_eq!(r.env_names().collect::<Vec<_>>(), ["base", "dev"]);
        assert_eq!(r.envs["dev"], [PathBuf::from("/p/dev")]);
        let r = Roots::new(&roots, "base");
        assert_eq!(r.env_names().collect::<Vec<_>>(), ["base"]);
    }
}
