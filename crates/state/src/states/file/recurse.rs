//! `file.recurse`: copies a directory tree from the file server
//! (`salt://dir`) under `name`, one `file.managed` per file and one
//! `file.directory` per directory (both with Salt's own arguments), and
//! with `clean` removes what the source does not have. Changes and
//! comments are collected per path, as Salt does.

use std::collections::BTreeSet;
use std::path::Path;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::directory::Directory;
use super::fsops::{dirname, expanduser, makedirs_perms, normpath, remove};
use super::managed::{Managed, str_list};
use super::perms::{check_user, normalize_mode};
use super::source::{list_master, parse_salt_url, source_list};
use super::tree::{clean_dir, include_exclude, join, keep_files, relpath};
use super::{Order, Ret, yes};
use crate::LowChunk;
use crate::module::{RunCtx, StateError, StateFn, StateReturn};
use crate::pyrepr::py_str;
use crate::value::truthy;

/// `file.recurse`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recurse {
    name: String,
    source: Value,
    #[serde(default = "yes")]
    keep_source: Value,
    #[serde(default)]
    clean: Value,
    #[serde(default)]
    require: Value,
    #[serde(default)]
    user: Value,
    #[serde(default)]
    group: Value,
    #[serde(default)]
    dir_mode: Value,
    #[serde(default)]
    file_mode: Value,
    #[serde(default)]
    sym_mode: Value,
    #[serde(default)]
    template: Value,
    #[serde(default)]
    context: Value,
    #[serde(default = "yes")]
    replace: Value,
    #[serde(default)]
    defaults: Value,
    #[serde(default)]
    include_empty: Value,
    #[serde(default)]
    backup: Value,
    #[serde(default)]
    include_pat: Value,
    #[serde(default)]
    exclude_pat: Value,
    #[serde(default)]
    maxdepth: Value,
    #[serde(default)]
    keep_symlinks: Value,
    #[serde(default)]
    force_symlinks: Value,
    #[serde(default)]
    win_owner: Value,
    #[serde(default)]
    win_perms: Value,
    #[serde(default)]
    win_deny_perms: Value,
    #[serde(default)]
    win_inheritance: Value,
    #[serde(default)]
    kwargs: Map<String, Value>,
}

plan_or_apply!(Recurse {
    const REQUIRED: &'static [&'static str] = &["name", "source"];
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Copies a directory from the file server (`source: salt://dir`, or a list, the first found wins) into `name`: each file as `file.managed` would (`template`, `context`, `defaults`, `user`, `group`, `file_mode`, `backup`, `replace`), each directory as `file.directory` would (`dir_mode`). `include_pat`/`exclude_pat` (globs, or `E@regex`) select files by their relative path, `maxdepth` limits the depth, `include_empty` also makes empty directories, `clean: True` removes what the source does not have (and no `require`d file state manages).\n\n    /srv/app/conf:\n      file.recurse:\n        - source: salt://app/conf\n        - template: jinja\n        - file_mode: 640\n        - clean: True\n";
});

/// What a recurse manages: files (destination, source URL), directories,
/// and the paths `clean` keeps.
struct Plan {
    files: Vec<(String, String)>,
    dirs: BTreeSet<String>,
    keep: BTreeSet<String>,
}

impl Recurse {
    fn run(self, cx: &RunCtx<'_>, test: bool) -> Result<StateReturn, StateError> {
        let name = expanduser(&self.name);
        let user = if truthy(&self.user) {
            self.user.clone()
        } else {
            self.kwargs
                .get("owner")
                .cloned()
                .unwrap_or(self.user.clone())
        };
        let mut ret = Ret::new(Order::Standard, &name);
        let _ = (
            &self.keep_source,
            &self.win_owner,
            &self.win_perms,
            &self.win_deny_perms,
            &self.win_inheritance,
            &self.sym_mode,
            &self.force_symlinks,
        );
        if self.kwargs.contains_key("mode") {
            return Ok(ret.error(
                "'mode' is not allowed in 'file.recurse'. Please use 'file_mode' and 'dir_mode'.",
            ));
        }
        if truthy(&self.keep_symlinks) {
            return Ok(
                ret.error("The 'keep_symlinks' option of file.recurse is not supported by salt-rs")
            );
        }
        if self
            .file_mode
            .as_str()
            .is_some_and(|m| m.eq_ignore_ascii_case("keep"))
        {
            return Ok(ret.error(
                "The 'file_mode: keep' option of file.recurse is not supported by salt-rs",
            ));
        }
        let dir_mode = normalize_mode(&self.dir_mode);
        let file_mode = normalize_mode(&self.file_mode);
        let u_check = check_user(&user, &self.group, test);
        if !u_check.is_empty() {
            return Ok(ret.error(u_check));
        }
        if !name.starts_with('/') {
            return Ok(ret.error(format!("Specified file {name} is not an absolute path")));
        }
        let sources: Vec<Value> = str_list(&self.source)
            .into_iter()
            .map(|s| Value::String(s.trim_end_matches('/').to_owned()))
            .collect();
        for s in &sources {
            let s = py_str(s);
            if !s.starts_with("salt://") {
                return Ok(ret.error(format!("Invalid source '{s}' (must be a salt:// URI)")));
            }
        }
        let source = match source_list(cx, &Value::Array(sources), &Value::String(String::new())) {
            Ok((s, _)) => py_str(&s),
            Err(e) => {
                ret.set_result(Some(false));
                ret.set_comment(format!("Recurse failed: {e}"));
                return Ok(ret.done());
            }
        };
        let (srcpath, senv) = parse_salt_url(&source);
        let senv = senv.unwrap_or_else(|| cx.saltenv.to_owned());
        let master_dirs = list_master(cx, "cp.list_master_dirs", &senv, &format!("{srcpath}/"))?;
        if !master_dirs.contains(&srcpath) {
            ret.set_result(Some(false));
            ret.set_comment(format!(
                "The directory '{srcpath}' does not exist on the salt fileserver in saltenv '{senv}'"
            ));
            return Ok(ret.done());
        }
        let path = Path::new(&name);
        if !path.is_dir() {
            if path.exists() {
                return Ok(ret.error(format!("The path {name} exists and is not a directory")));
            }
            if !test {
                let _ = makedirs_perms(path, &user, &self.group, dir_mode.as_deref());
            }
        }
        let plan = self.plan_tree(cx, &name, &srcpath, &senv)?;
        let mut comments: Vec<(String, Vec<String>)> = Vec::new();
        let clean = truthy(&self.clean);
        for dir in &plan.dirs {
            if dir.rsplit('/').next() == Some("..") {
                continue;
            }
            let p = Path::new(dir);
            if clean && p.exists() && !p.is_dir() {
                let would = format!("Replacing {dir} with a directory");
                let r = replace_in_way(&name, p, test, &would, "Replaced file with a directory");
                merge(&mut ret, &mut comments, dir, r);
                if test {
                    continue;
                }
            }
            let mut d = Directory::called(dir);
            d.user = user.clone();
            d.group = self.group.clone();
            d.recurse = Value::Array(Vec::new());
            d.dir_mode = dir_mode.clone().map_or(Value::Null, Value::String);
            d.makedirs = Value::Bool(true);
            let r = d.run(cx, test)?;
            merge(&mut ret, &mut comments, dir, r.into_map());
        }
        for (dest, src) in &plan.files {
            let p = Path::new(dest);
            if clean && p.is_dir() && truthy(&self.replace) {
                let would = format!("Replacing directory {dest} with a file");
                let r =
                    replace_in_way(&name, p, test, &would, "Replaced directory with a new file");
                merge(&mut ret, &mut comments, dest, r);
                if test {
                    continue;
                }
            }
            let mut m = Managed::called(dest);
            m.source = Value::String(src.clone());
            m.user = user.clone();
            m.group = self.group.clone();
            m.mode = file_mode.clone().map_or(Value::Null, Value::String);
            m.template = self.template.clone();
            m.makedirs = Value::Bool(true);
            m.replace = self.replace.clone();
            m.context = self.context.clone();
            m.defaults = self.defaults.clone();
            m.backup = self.backup.clone();
            m.kwargs = self
                .kwargs
                .iter()
                .filter(|(k, _)| k.as_str() != "makedirs")
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let r = m.run(cx, test)?;
            merge(&mut ret, &mut comments, dest, r.into_map());
        }
        if clean {
            let mut keep = plan.keep.clone();
            keep.extend(keep_files(
                &name,
                &self.require,
                cx.lowstate,
                None,
                &|low| recursed_files(cx, low),
            ));
            let removed = clean_dir(&name, &keep, &self.exclude_pat, test);
            if !removed.is_empty() {
                if test {
                    if ret.result_is_true() {
                        ret.set_result(None);
                    }
                    add_comment(&mut comments, "removed", removed);
                } else {
                    ret.change("removed", Value::from(removed));
                }
            }
        }
        let text: Vec<String> = comments
            .iter()
            .map(|(k, v)| format!("\n#### {k} ####\n{}", v.join("\n")))
            .collect();
        let mut comment = text.join("\n").trim().to_owned();
        if comment.is_empty() {
            comment = format!("Recursively updated {name}");
        }
        if !ret.has_changes() && ret.result_is_true() {
            comment = format!("The directory {name} is in the correct state");
        }
        ret.set_comment(comment);
        Ok(ret.done())
    }

    /// Salt's `_gen_recurse_managed_files` (without symlinks).
    fn plan_tree(
        &self,
        cx: &RunCtx<'_>,
        name: &str,
        srcpath: &str,
        senv: &str,
    ) -> Result<Plan, StateError> {
        plan_tree(
            cx,
            name,
            srcpath,
            senv,
            &self.include_pat,
            &self.exclude_pat,
            self.maxdepth.as_u64().map(|n| n as usize),
            truthy(&self.include_empty),
        )
    }
}

#[allow(clippy::too_many_arguments)]
fn plan_tree(
    cx: &RunCtx<'_>,
    name: &str,
    srcpath: &str,
    senv: &str,
    include_pat: &Value,
    exclude_pat: &Value,
    maxdepth: Option<usize>,
    include_empty: bool,
) -> Result<Plan, StateError> {
    let prefix = if srcpath.ends_with('/') {
        srcpath.to_owned()
    } else {
        format!("{srcpath}/")
    };
    let full = |rel: &str| join(name, &normpath(rel));
    let mut plan = Plan {
        files: Vec::new(),
        dirs: BTreeSet::new(),
        keep: BTreeSet::new(),
    };
    let mut files = Vec::new();
    for f in list_master(cx, "cp.list_master", senv, &prefix)? {
        if f.trim().is_empty() {
            continue;
        }
        let rel = relpath(&f, &prefix);
        if !valid_relpath(&rel, maxdepth) || !include_exclude(&rel, include_pat, exclude_pat) {
            continue;
        }
        let dest = full(&rel);
        plan.keep.insert(dest.clone());
        plan.dirs.insert(dirname(&dest).to_owned());
        files.push((dest, format!("salt://{f}?saltenv={senv}")));
    }
    files.sort();
    plan.files = files;
    if include_empty {
        for d in list_master(cx, "cp.list_master_dirs", senv, &prefix)? {
            let rel = relpath(&d, &prefix);
            if !valid_relpath(&rel, maxdepth) || !include_exclude(&rel, include_pat, exclude_pat) {
                continue;
            }
            let dest = full(&rel);
            plan.dirs.insert(dest.clone());
            plan.keep.insert(dest);
        }
    }
    Ok(plan)
}

/// What another `file.recurse` (required by a `clean`) manages.
fn recursed_files(cx: &RunCtx<'_>, low: &LowChunk) -> Vec<String> {
    let Some(src) = low.get("source").map(|s| {
        py_str(
            &str_list(s)
                .first()
                .cloned()
                .map(Value::String)
                .unwrap_or_default(),
        )
    }) else {
        return Vec::new();
    };
    let (srcpath, senv) = parse_salt_url(src.trim_end_matches('/'));
    let senv = senv.unwrap_or_else(|| cx.saltenv.to_owned());
    let get = |k: &str| low.get(k).cloned().unwrap_or(Value::Null);
    let maxdepth = get("maxdepth").as_u64().map(|n| n as usize);
    plan_tree(
        cx,
        &low.name_str(),
        &srcpath,
        &senv,
        &get("include_pat"),
        &get("exclude_pat"),
        maxdepth,
        truthy(&get("include_empty")),
    )
    .map(|p| p.keep.into_iter().collect())
    .unwrap_or_default()
}

/// Salt's `_is_valid_relpath`: no `..` component, not deeper than asked.
fn valid_relpath(rel: &str, maxdepth: Option<usize>) -> bool {
    if format!("/{rel}/").contains("/../") {
        return false;
    }
    maxdepth.is_none_or(|m| rel.trim_matches('/').matches('/').count() <= m)
}

/// `clean` meeting a file where a directory goes (or the reverse): what
/// test mode reports (`would`), or the thing removed and `done` as diff.
fn replace_in_way(name: &str, p: &Path, test: bool, would: &str, done: &str) -> Map<String, Value> {
    if test {
        return sub_ret(name, None, would, Map::new());
    }
    let _ = remove(p);
    let mut ch = Map::new();
    ch.insert("diff".into(), Value::String(done.into()));
    sub_ret(name, Some(true), "", ch)
}

fn sub_ret(
    name: &str,
    result: Option<bool>,
    comment: &str,
    changes: Map<String, Value>,
) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("name".into(), Value::String(name.to_owned()));
    m.insert("changes".into(), Value::Object(changes));
    m.insert("result".into(), result.map_or(Value::Null, Value::Bool));
    m.insert("comment".into(), Value::String(comment.to_owned()));
    m
}

/// Salt's `merge_ret`: a failure wins, other results replace a success;
/// comments of results that are not True are kept by path; changes by path.
fn merge(
    ret: &mut Ret,
    comments: &mut Vec<(String, Vec<String>)>,
    path: &str,
    sub: Map<String, Value>,
) {
    let result = sub.get("result").cloned().unwrap_or(Value::Null);
    if result == Value::Bool(false) || ret.result_is_true() {
        ret.map().insert("result".into(), result.clone());
    }
    let comment = sub.get("comment").cloned().unwrap_or(Value::Null);
    if result != Value::Bool(true) && truthy(&comment) {
        add_comment(comments, path, str_list(&comment));
    }
    if let Some(c) = sub.get("changes").filter(|c| truthy(c)) {
        ret.change(path, c.clone());
    }
}

fn add_comment(comments: &mut Vec<(String, Vec<String>)>, path: &str, lines: Vec<String>) {
    match comments.iter_mut().find(|(k, _)| k == path) {
        Some((_, v)) => v.extend(lines),
        None => comments.push((path.to_owned(), lines)),
    }
}
