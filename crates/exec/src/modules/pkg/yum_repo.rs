//! Yum/dnf repository definitions for `pkg.list_repos`, `get_repo`,
//! `mod_repo` and `del_repo` on the RedHat family, as Salt's `yumpkg`:
//! INI sections in `/etc/yum.repos.d/*.repo` (`basedir`), one section per
//! repository id, a new repository in `<basedir>/<id>.repo`. Booleans are
//! written as 1/0; `humanname` is the section's `name`.

use serde_json::{Map, Value, json};

use crate::ExecError;
use crate::error::py_str;
use crate::machine::Host;

const BASEDIR: &str = "/etc/yum.repos.d";

/// Arguments of `mod_repo` that are not repository options.
const NOT_OPTIONS: &[&str] = &["basedir", "saltenv", "refresh", "repo", "humanname", "file"];

/// One `.repo` file: (section, [(key, value)]) in file order.
type Sections = Vec<(String, Vec<(String, String)>)>;

pub(crate) fn parse_repo_file(text: &str) -> Sections {
    let mut out: Sections = Vec::new();
    for line in text.lines() {
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') || l.starts_with(';') {
            continue;
        }
        if let Some(sec) = l.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            out.push((sec.trim().to_owned(), Vec::new()));
        } else if let (Some((k, v)), Some(last)) = (l.split_once('='), out.last_mut()) {
            last.1.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    out
}

fn write_repo_file(sections: &Sections) -> String {
    let mut s = String::new();
    for (i, (name, opts)) in sections.iter().enumerate() {
        if i > 0 {
            s.push('\n');
        }
        s.push_str(&format!("[{name}]\n"));
        for (k, v) in opts {
            s.push_str(&format!("{k}={v}\n"));
        }
    }
    s
}

fn repo_files(host: &Host<'_>, basedir: &str) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(host.path(basedir))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str().map(String::from))
        .filter(|n| n.ends_with(".repo"))
        .map(|n| format!("{}/{n}", basedir.trim_end_matches('/')))
        .collect();
    files.sort();
    files
}

/// `pkg.list_repos`: {id: {option: value, ..., "file": path}}.
pub(crate) fn list_repos(host: &Host<'_>, basedir: Option<&str>) -> Map<String, Value> {
    let basedir = basedir.unwrap_or(BASEDIR);
    let mut out = Map::new();
    for f in repo_files(host, basedir) {
        for (sec, opts) in parse_repo_file(&host.read(&f).unwrap_or_default()) {
            let mut m = Map::new();
            for (k, v) in opts {
                m.insert(k, json!(v));
            }
            m.insert("file".into(), json!(f));
            out.insert(sec, Value::Object(m));
        }
    }
    out
}

pub(crate) fn get_repo(host: &Host<'_>, repo: &str, basedir: Option<&str>) -> Value {
    list_repos(host, basedir)
        .remove(repo)
        .unwrap_or_else(|| json!({}))
}

/// Value text as Salt writes it: booleans as 1/0.
fn option_text(v: &Value) -> String {
    match v {
        Value::Bool(true) => "1".into(),
        Value::Bool(false) => "0".into(),
        Value::Array(a) => a.iter().map(py_str).collect::<Vec<_>>().join(" "),
        other => py_str(other),
    }
}

/// Salt's `yumpkg.mod_repo`: creates or updates section `repo`; returns
/// {file: {repo: {options}}}.
pub(crate) fn mod_repo(
    host: &Host<'_>,
    repo: &str,
    kwargs: &Map<String, Value>,
) -> Result<Value, ExecError> {
    let basedir = kwargs
        .get("basedir")
        .map(py_str)
        .unwrap_or_else(|| BASEDIR.into());
    let existing = list_repos(host, Some(&basedir));
    let cur = existing.get(repo).and_then(Value::as_object).cloned();
    let url_given = ["baseurl", "mirrorlist", "metalink"]
        .iter()
        .any(|k| kwargs.get(*k).is_some_and(crate::registry::truthy));
    if cur.is_none() && !url_given {
        return Err(ExecError::invocation(
            "The repo does not exist and needs to be created, but none of the following basic options was given: baseurl, metalink, mirrorlist",
        ));
    }
    let file = match &cur {
        Some(c) => c.get("file").map(py_str).unwrap_or_default(),
        None => format!("{}/{repo}.repo", basedir.trim_end_matches('/')),
    };
    let mut sections = parse_repo_file(&host.read(&file).unwrap_or_default());
    let idx = match sections.iter().position(|(s, _)| s == repo) {
        Some(i) => i,
        None => {
            sections.push((repo.to_owned(), Vec::new()));
            sections.len() - 1
        }
    };
    let opts = &mut sections[idx].1;
    fn set(opts: &mut Vec<(String, String)>, k: &str, v: String) {
        match opts.iter_mut().find(|(x, _)| x == k) {
            Some(slot) => slot.1 = v,
            None => opts.push((k.to_owned(), v)),
        }
    }
    if let Some(h) = kwargs.get("humanname") {
        set(opts, "name", py_str(h));
    }
    for (k, v) in kwargs {
        if NOT_OPTIONS.contains(&k.as_str()) || k.starts_with("__") {
            continue;
        }
        if v.is_null() {
            opts.retain(|(x, _)| x != k);
            continue;
        }
        set(opts, k, option_text(v));
    }
    let text = write_repo_file(&sections);
    let path = host.path(&file);
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d)
            .map_err(|e| ExecError::Command(format!("{}: {e}", d.display())))?;
    }
    std::fs::write(&path, text)
        .map_err(|e| ExecError::Command(format!("Failed to write {file}: {e}")))?;
    let mut inner = Map::new();
    for (k, v) in &sections[idx].1 {
        inner.insert(k.clone(), json!(v));
    }
    Ok(json!({ file: { repo: inner } }))
}

/// `pkg.del_repo`: removes section `repo` (and the file when it was the
/// last one there).
pub(crate) fn del_repo(
    host: &Host<'_>,
    repo: &str,
    basedir: Option<&str>,
) -> Result<String, ExecError> {
    let repos = list_repos(host, basedir);
    let Some(file) = repos.get(repo).and_then(|r| r.get("file")).map(py_str) else {
        return Ok(format!(
            "Error: the {repo} repo does not exist in {}",
            basedir.unwrap_or(BASEDIR)
        ));
    };
    let mut sections = parse_repo_file(&host.read(&file).unwrap_or_default());
    sections.retain(|(s, _)| s != repo);
    let path = host.path(&file);
    if sections.is_empty() {
        std::fs::remove_file(&path).map_err(|e| ExecError::Command(format!("{file}: {e}")))?;
        return Ok(format!(
            "File {file} containing repo {repo} has been removed"
        ));
    }
    std::fs::write(&path, write_repo_file(&sections))
        .map_err(|e| ExecError::Command(format!("{file}: {e}")))?;
    Ok(format!("Repo {repo} has been removed from {file}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machine::script::{Script, host};

    #[test]
    fn create_update_and_delete_a_repo() {
        let dir = tempfile::tempdir().unwrap();
        let grains = Map::new();
        let s = Script::default();
        let h = host(&s, dir.path(), &grains);
        let kw = json!({"humanname": "EPEL 9", "baseurl": "https://x/epel/9/$basearch", "gpgcheck": true, "enabled": true});
        let r = mod_repo(&h, "epel", kw.as_object().unwrap()).unwrap();
        assert_eq!(r["/etc/yum.repos.d/epel.repo"]["epel"]["gpgcheck"], "1");
        let text = std::fs::read_to_string(dir.path().join("etc/yum.repos.d/epel.repo")).unwrap();
        assert_eq!(
            text,
            "[epel]\nname=EPEL 9\nbaseurl=https://x/epel/9/$basearch\ngpgcheck=1\nenabled=1\n"
        );
        let kw = json!({"enabled": false});
        mod_repo(&h, "epel", kw.as_object().unwrap()).unwrap();
        assert_eq!(get_repo(&h, "epel", None)["enabled"], "0");
        let e = mod_repo(&h, "nope", &Map::new()).unwrap_err();
        assert!(
            e.to_string()
                .contains("none of the following basic options"),
            "{e}"
        );
        assert_eq!(
            del_repo(&h, "epel", None).unwrap(),
            "File /etc/yum.repos.d/epel.repo containing repo epel has been removed"
        );
    }
}
