//! Walking directory trees and cleaning them, for `file.directory` and
//! `file.recurse`: `os.walk` (top-down, symlinked directories listed but not
//! entered; entries sorted by name where Salt takes the file system's
//! order), `max_depth`, Salt's include/exclude patterns (globs, or regular
//! expressions after `E@`), and `clean` with the files other file states
//! manage kept.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use super::fsops::{dirname, normpath, remove};
use super::pyre::PyRegex;
use crate::LowChunk;
use crate::pyrepr::py_str;
use salt_target::fnmatchcase as fnmatch;

/// One directory of a walk: its path, subdirectory names, file names.
#[derive(Debug, Clone)]
pub struct WalkDir {
    pub root: String,
    pub dirs: Vec<String>,
    pub files: Vec<String>,
}

/// `os.walk(top)` limited like Salt's `_depth_limited_walk`: directories
/// deeper than `max_depth` below `top` are not reported.
pub fn walk(top: &str, max_depth: Option<usize>) -> Vec<WalkDir> {
    let mut out = Vec::new();
    let top_depth = top.trim_end_matches('/').matches('/').count();
    walk_into(top, top_depth, max_depth, &mut out);
    out
}

fn walk_into(root: &str, top_depth: usize, max_depth: Option<usize>, out: &mut Vec<WalkDir>) {
    let Ok(rd) = std::fs::read_dir(root) else {
        return;
    };
    let mut entries: Vec<(String, bool, bool)> = rd
        .filter_map(Result::ok)
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let is_link = e.file_type().is_ok_and(|t| t.is_symlink());
            let is_dir = e.path().is_dir();
            (name, is_dir, is_link)
        })
        .collect();
    entries.sort();
    let dirs: Vec<String> = entries
        .iter()
        .filter(|e| e.1)
        .map(|e| e.0.clone())
        .collect();
    let files: Vec<String> = entries
        .iter()
        .filter(|e| !e.1)
        .map(|e| e.0.clone())
        .collect();
    let rel = root
        .trim_end_matches('/')
        .matches('/')
        .count()
        .saturating_sub(top_depth);
    let report = max_depth.is_none_or(|m| rel < m);
    let descend: Vec<String> = entries
        .iter()
        .filter(|e| e.1 && !e.2)
        .map(|e| join(root, &e.0))
        .collect();
    if report {
        out.push(WalkDir {
            root: root.to_owned(),
            dirs,
            files,
        });
    }
    for d in descend {
        walk_into(&d, top_depth, max_depth, out);
    }
}

/// `os.path.join(root, name)` for a plain name.
pub fn join(root: &str, name: &str) -> String {
    if root.ends_with('/') {
        format!("{root}{name}")
    } else {
        format!("{root}/{name}")
    }
}

/// Salt's `check_include_exclude`: whether `path` passes `include_pat` and
/// escapes `exclude_pat` (each a pattern or a list; `E@` starts a regular
/// expression, anything else is a glob).
pub fn include_exclude(path: &str, include: &Value, exclude: &Value) -> bool {
    let check = |pat: &str| match pat.strip_prefix("E@") {
        Some(re) => PyRegex::new(re, 0).is_ok_and(|r| r.is_match(path)),
        None => fnmatch(path, pat),
    };
    let any = |pats: &Value| match pats {
        Value::Array(items) => items.iter().any(|p| check(&py_str(p))),
        p => check(&py_str(p)),
    };
    let inc = crate::value::truthy(include);
    let exc = crate::value::truthy(exclude);
    match (inc, exc) {
        (false, false) => true,
        (true, false) => any(include),
        (false, true) => !any(exclude),
        (true, true) => any(include) && !any(exclude),
    }
}

/// `os.path.relpath(path, start)` for absolute paths.
pub fn relpath(path: &str, start: &str) -> String {
    let p: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let s: Vec<&str> = start.split('/').filter(|s| !s.is_empty()).collect();
    let common = p.iter().zip(&s).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<&str> = vec![".."; s.len() - common];
    parts.extend(&p[common..]);
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

/// Salt's `_gen_keep_files`: the paths that `require`d file states manage
/// (by ID or name): a file itself, everything under a directory inside
/// `name`, or what a `file.recurse` there manages (`recursed` lists those).
pub fn keep_files(
    name: &str,
    require: &Value,
    lowstate: &[LowChunk],
    walked: Option<&[WalkDir]>,
    recursed: &dyn Fn(&LowChunk) -> Vec<String>,
) -> BTreeSet<String> {
    let mut keep = BTreeSet::new();
    let Value::Array(reqs) = require else {
        return keep;
    };
    for req in reqs {
        let Some(target) = req.get("file") else {
            continue;
        };
        for low in lowstate {
            let matches = *low.name() == *target || low.get("__id__") == Some(target);
            if !matches {
                continue;
            }
            let fname = low.name_str();
            if Path::new(&fname).is_dir() {
                if !relpath(&fname, name).starts_with("..") {
                    if low.fun() == "recurse" {
                        keep.extend(recursed(low));
                    } else {
                        let tree = match walked {
                            Some(w) => w.to_vec(),
                            None => walk(&fname, None),
                        };
                        add_tree(&fname, &tree, &mut keep);
                    }
                }
            } else {
                keep.insert(fname);
            }
        }
    }
    keep
}

/// A directory and everything the walk saw below it.
fn add_tree(dir: &str, tree: &[WalkDir], keep: &mut BTreeSet<String>) {
    keep.insert(dir.to_owned());
    for w in tree {
        if w.root == dir
            || w.root
                .starts_with(&format!("{}/", dir.trim_end_matches('/')))
        {
            keep.insert(w.root.clone());
            for n in w.dirs.iter().chain(&w.files) {
                keep.insert(join(&w.root, n));
            }
        }
    }
}

/// Salt's `_clean_dir`: removes (unless `test`) everything under `root` that
/// is neither kept nor an ancestor of something kept, nor excluded by
/// `exclude_pat`; returns what was (or would be) removed, sorted.
pub fn clean_dir(
    root: &str,
    keep: &BTreeSet<String>,
    exclude_pat: &Value,
    test: bool,
) -> Vec<String> {
    let mut real_keep: BTreeSet<String> = BTreeSet::new();
    real_keep.insert(root.to_owned());
    for k in keep {
        if !k.starts_with('/') {
            continue;
        }
        let mut p = normpath(k);
        real_keep.insert(p.clone());
        loop {
            p = normpath(dirname(&p));
            real_keep.insert(p.clone());
            if p == "/" {
                break;
            }
        }
    }
    let mut removed = BTreeSet::new();
    clean_into(root, root, &real_keep, exclude_pat, test, &mut removed);
    removed.into_iter().collect()
}

fn clean_into(
    root: &str,
    dir: &str,
    keep: &BTreeSet<String>,
    exclude: &Value,
    test: bool,
    removed: &mut BTreeSet<String>,
) {
    let Some(w) = walk(dir, Some(1)).into_iter().next() else {
        return;
    };
    for n in w.dirs.iter().chain(&w.files) {
        let p = join(dir, n);
        if keep.contains(&p) || !include_exclude(&relpath(&p, root), &Value::Null, exclude) {
            continue;
        }
        removed.insert(p.clone());
        if !test {
            let _ = remove(Path::new(&p));
        }
    }
    for d in &w.dirs {
        let p = join(dir, d);
        let is_link = std::fs::symlink_metadata(&p).is_ok_and(|m| m.file_type().is_symlink());
        if Path::new(&p).is_dir() && !is_link {
            clean_into(root, &p, keep, exclude, test, removed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn relpaths_and_patterns() {
        assert_eq!(relpath("/a/b/c", "/a"), "b/c");
        assert_eq!(relpath("/a", "/a/b"), "..");
        assert_eq!(relpath("/a", "/a"), ".");
        assert!(include_exclude("x.txt", &Value::Null, &Value::Null));
        assert!(!include_exclude("x.txt", &Value::Null, &json!("*.txt")));
        assert!(include_exclude("x.txt", &json!("E@^x"), &json!(["*.log"])));
        assert!(!include_exclude(
            "y.txt",
            &json!(["E@^x", "z*"]),
            &Value::Null
        ));
    }

    #[test]
    fn walks_and_cleans() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().to_string_lossy().into_owned();
        std::fs::create_dir_all(format!("{root}/a/b")).unwrap();
        std::fs::write(format!("{root}/a/b/f"), "").unwrap();
        std::fs::write(format!("{root}/a/g"), "").unwrap();
        std::fs::write(format!("{root}/keep.me"), "").unwrap();
        let w = walk(&root, None);
        assert_eq!(w.len(), 3);
        assert_eq!(walk(&root, Some(1)).len(), 1);
        let keep: BTreeSet<String> = [format!("{root}/a/b/f")].into();
        let removed = clean_dir(&root, &keep, &json!("*.me"), true);
        assert_eq!(removed, [format!("{root}/a/g")]);
        assert!(Path::new(&format!("{root}/a/g")).exists());
        clean_dir(&root, &keep, &Value::Null, false);
        assert!(!Path::new(&format!("{root}/a/g")).exists());
        assert!(Path::new(&format!("{root}/a/b/f")).exists());
    }
}
