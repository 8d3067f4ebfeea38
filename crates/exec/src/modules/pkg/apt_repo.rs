//! APT repository definitions for `pkg.list_repos`, `get_repo`,
//! `expand_repo_def` and `mod_repo` on the Debian family, read and written
//! the way Salt does without python-apt: one-line entries in
//! `/etc/apt/sources.list` and `/etc/apt/sources.list.d/*.list`, options in
//! brackets (`arch=`, `signed-by=`, others kept as written), and every file
//! rewritten from its parsed entries when one changes.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use crate::ExecError;
use crate::machine::Host;

const SOURCES: &str = "/etc/apt/sources.list";
const SOURCES_D: &str = "/etc/apt/sources.list.d";

/// One option inside `[...]`: key, the text as written, its value.
#[derive(Debug, Clone, PartialEq)]
struct Opt {
    key: String,
    full: String,
    value: Vec<String>,
}

/// One line of a sources file.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    pub file: String,
    pub line: String,
    pub invalid: bool,
    pub disabled: bool,
    pub comment: String,
    pub kind: String,
    pub uri: String,
    pub dist: String,
    pub comps: Vec<String>,
    pub architectures: Vec<String>,
    pub signedby: String,
}

/// Salt's `_get_opts`: the options of the first `[...=...]` span.
fn get_opts(line: &str) -> Vec<Opt> {
    let (Some(start), Some(end)) = (line.find('['), line.rfind(']')) else {
        return Vec::new();
    };
    if end <= start || !line[start..end].contains('=') {
        return Vec::new();
    }
    let mut out: Vec<Opt> = Vec::new();
    let mut arches = Vec::new();
    for opt in line[start + 1..end].split_whitespace() {
        let (k, v) = opt.split_once('=').unwrap_or((opt, ""));
        let (key, value) = if opt.starts_with("arch") {
            arches.extend(v.split(',').map(String::from));
            ("arch".to_owned(), arches.clone())
        } else if opt.starts_with("signed-by") {
            ("signedby".to_owned(), vec![v.to_owned()])
        } else {
            (k.to_owned(), vec![v.to_owned()])
        };
        let o = Opt {
            key: key.clone(),
            full: opt.to_owned(),
            value,
        };
        match out.iter_mut().find(|x| x.key == key) {
            Some(slot) => *slot = o,
            None => out.push(o),
        }
    }
    out
}

/// Salt's `_invalid`: (disabled, invalid, comment, words).
fn invalid(line: &str) -> (bool, bool, String, Vec<String>) {
    let mut line = line.trim().to_owned();
    if line.is_empty() {
        return (false, true, String::new(), Vec::new());
    }
    let mut disabled = false;
    if let Some(rest) = line.strip_prefix('#') {
        disabled = true;
        line = rest.to_owned();
    }
    let mut comment = String::new();
    if let Some(i) = line.find('#').filter(|i| *i > 0) {
        comment = line[i + 1..].to_owned();
        line.truncate(i);
    }
    let words: Vec<String> = line.split_whitespace().map(String::from).collect();
    if words.len() < 3 || !["deb", "deb-src", "rpm", "rpm-src"].contains(&words[0].as_str()) {
        return (disabled, true, comment, words);
    }
    if words[1].starts_with('[') && !words[1..].iter().any(|w| w.ends_with(']')) {
        return (disabled, true, comment, words);
    }
    (disabled, false, comment, words)
}

impl Entry {
    pub fn parse(line: &str, file: &str) -> Entry {
        let mut e = Entry {
            file: file.to_owned(),
            line: line.to_owned(),
            invalid: false,
            disabled: false,
            comment: String::new(),
            kind: String::new(),
            uri: String::new(),
            dist: String::new(),
            comps: Vec::new(),
            architectures: Vec::new(),
            signedby: String::new(),
        };
        let (disabled, bad, comment, mut words) = invalid(line);
        e.disabled = disabled;
        e.invalid = bad;
        e.comment = comment;
        if bad {
            return e;
        }
        if words[1].starts_with('[') {
            words = words
                .into_iter()
                .map(|w| w.trim_matches(['[', ']']).to_owned())
                .filter(|w| !w.is_empty())
                .collect();
            for o in get_opts(line) {
                if o.key == "arch" {
                    e.architectures.extend(o.value.iter().cloned());
                } else if o.key == "signedby" {
                    e.signedby = o.value.first().cloned().unwrap_or_default();
                }
                if let Some(i) = words.iter().position(|w| *w == o.full) {
                    words.remove(i);
                }
            }
        }
        if words.len() < 3 {
            e.invalid = true;
            return e;
        }
        e.kind = words[0].clone();
        e.uri = words[1].clone();
        e.dist = words[2].clone();
        e.comps = words[3..].to_vec();
        e
    }

    /// The line as Salt writes it back.
    pub fn repo_line(&self) -> String {
        if self.invalid {
            return self.line.clone();
        }
        let mut parts: Vec<String> = Vec::new();
        if self.disabled {
            parts.push("#".into());
        }
        parts.push(self.kind.clone());
        let mut opts = get_opts(&self.line);
        let mut set = |key: &str, full: String| match opts.iter_mut().find(|o| o.key == key) {
            Some(o) => o.full = full,
            None => opts.push(Opt {
                key: key.into(),
                full,
                value: vec![],
            }),
        };
        if !self.architectures.is_empty() {
            set("arch", format!("arch={}", self.architectures.join(",")));
        }
        if !self.signedby.is_empty() {
            set("signedby", format!("signed-by={}", self.signedby));
        }
        let ordered: Vec<String> = opts
            .into_iter()
            .map(|o| o.full)
            .filter(|f| !f.is_empty())
            .collect();
        if !ordered.is_empty() {
            parts.push(format!("[{}]", ordered.join(" ")));
        }
        parts.push(self.uri.clone());
        parts.push(self.dist.clone());
        parts.push(self.comps.join(" "));
        if !self.comment.is_empty() {
            parts.push(format!("#{}", self.comment));
        }
        format!("{}\n", parts.join(" "))
    }

    /// Salt's repo dict (key order as Salt's).
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("file".into(), json!(self.file));
        m.insert("comps".into(), json!(self.comps));
        m.insert("disabled".into(), json!(self.disabled));
        m.insert("dist".into(), json!(self.dist));
        m.insert("type".into(), json!(self.kind));
        m.insert("uri".into(), json!(self.uri));
        m.insert("line".into(), json!(self.line.trim()));
        m.insert("architectures".into(), json!(self.architectures));
        m.insert("signedby".into(), json!(self.signedby));
        Value::Object(m)
    }

    /// Salt's `_skip_source`: invalid lines are skipped unless they are
    /// deb lines with options.
    fn skipped(&self) -> bool {
        if !self.invalid {
            return false;
        }
        let words: Vec<&str> = self.line.split_whitespace().collect();
        !(["deb", "deb-src", "rpm", "rpm-src"].contains(&self.kind.as_str())
            && !self.uri.is_empty()
            && words.get(1).is_some_and(|w| w.starts_with('[')))
    }
}

/// Every entry of the sources files, in Salt's file order.
pub(crate) fn load(host: &Host<'_>) -> Vec<Entry> {
    let mut out = Vec::new();
    let mut read = |abs: &str| {
        if let Some(text) = host.read(abs) {
            for line in text.split_inclusive('\n') {
                out.push(Entry::parse(line, abs));
            }
        }
    };
    read(SOURCES);
    let mut files: Vec<PathBuf> = Vec::new();
    collect_lists(&host.path(SOURCES_D), &mut files);
    files.sort();
    let root = host.root.clone();
    for f in files {
        let abs = format!("/{}", f.strip_prefix(&root).unwrap_or(&f).display());
        read(&abs);
    }
    out
}

fn collect_lists(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect_lists(&p, out);
        } else if p.extension().is_some_and(|x| x == "list") {
            out.push(p);
        }
    }
}

/// Writes every file from its entries (Salt's `SourcesList.save`).
pub(crate) fn save(host: &Host<'_>, entries: &[Entry]) -> Result<(), ExecError> {
    let mut files: Vec<(String, String)> = Vec::new();
    for e in entries {
        match files.iter_mut().find(|(f, _)| *f == e.file) {
            Some((_, text)) => text.push_str(&e.repo_line()),
            None => files.push((e.file.clone(), e.repo_line())),
        }
    }
    for (f, text) in files {
        let p = host.path(&f);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d)
                .map_err(|e| ExecError::Command(format!("{}: {e}", d.display())))?;
        }
        let tmp = p.with_extension("salt-rs.tmp");
        std::fs::write(&tmp, text)
            .and_then(|()| std::fs::rename(&tmp, &p))
            .map_err(|e| ExecError::Command(format!("{}: {e}", p.display())))?;
    }
    Ok(())
}

/// `pkg.list_repos`: {uri: [repo dicts]}.
pub(crate) fn list_repos(host: &Host<'_>) -> Map<String, Value> {
    let mut out: Map<String, Value> = Map::new();
    for e in load(host).iter().filter(|e| !e.skipped()) {
        if let Value::Array(a) = out.entry(e.uri.clone()).or_insert_with(|| json!([])) {
            a.push(e.to_value());
        }
    }
    out
}

/// `pkg.get_repo`: the configured entry matching `repo` (type, uri, dist,
/// and one of its components), or {}.
pub(crate) fn get_repo(host: &Host<'_>, repo: &str) -> Result<Value, ExecError> {
    let want = Entry::parse(repo, SOURCES);
    for e in load(host).iter().filter(|e| !e.skipped()) {
        if e.kind == want.kind
            && e.uri.trim_end_matches('/') == want.uri.trim_end_matches('/')
            && e.dist == want.dist
            && (want.comps.is_empty() || want.comps.iter().any(|c| e.comps.contains(c)))
        {
            return Ok(e.to_value());
        }
    }
    Ok(json!({}))
}

/// Salt's `_expand_repo_def`: the entry `repo` (with `file`, `comps`,
/// `architectures`, `disabled` overrides) as it would be written.
pub(crate) fn expand_repo_def(repo: &str, kwargs: &Map<String, Value>) -> Value {
    let mut e = Entry::parse(repo, SOURCES);
    let list = |v: &Value| -> Vec<String> {
        crate::error::py_str(v)
            .split(',')
            .map(|s| s.trim().to_owned())
            .collect()
    };
    if let Some(v) = kwargs.get("architectures") {
        e.architectures = list(v);
    }
    if let Some(v) = kwargs.get("comps") {
        e.comps = list(v);
    }
    if let Some(Value::String(f)) = kwargs.get("file") {
        e.file = f.clone();
    }
    if let Some(Value::String(u)) = kwargs.get("uri") {
        e.uri = u.clone();
    }
    if let Some(Value::String(d)) = kwargs.get("dist") {
        e.dist = d.clone();
    }
    if let Some(d) = kwargs.get("disabled") {
        e.disabled = crate::registry::truthy(d);
    }
    // Only arch= and signed-by= survive into the expanded line, as in Salt.
    let signedby = get_opts(repo)
        .into_iter()
        .find(|o| o.key == "signedby")
        .and_then(|o| o.value.first().cloned())
        .unwrap_or_default();
    let mut opts = Vec::new();
    if !e.architectures.is_empty() {
        opts.push(format!("arch={}", e.architectures.join(",")));
    }
    if !signedby.is_empty() {
        opts.push(format!("signed-by={signedby}"));
    }
    let opts_line = if opts.is_empty() {
        String::new()
    } else {
        format!("[{}]", opts.join(" "))
    };
    let line: Vec<String> = [
        e.kind.clone(),
        opts_line,
        e.uri.clone(),
        e.dist.clone(),
        e.comps.join(" "),
    ]
    .into_iter()
    .filter(|s| !s.trim().is_empty())
    .collect();
    let mut out = Entry::parse(&line.join(" "), SOURCES);
    out.disabled = e.disabled;
    if e.disabled {
        out.line = out.repo_line();
    }
    let mut v = out.to_value();
    if let Value::Object(m) = &mut v {
        m.insert("file".into(), json!(SOURCES));
        m.insert("signedby".into(), json!(signedby));
    }
    v
}

/// Salt's `aptpkg.mod_repo` without PPAs: add or update the entry, save,
/// refresh unless `refresh: False`.
pub(crate) async fn mod_repo(
    host: &Host<'_>,
    repo: &str,
    kwargs: &Map<String, Value>,
    aptkey: bool,
) -> Result<Value, ExecError> {
    let truthy = crate::registry::truthy;
    let refresh = kwargs
        .get("refresh_db")
        .or_else(|| kwargs.get("refresh"))
        .is_none_or(truthy);
    let aptkey = aptkey && host.runner.which("apt-key").is_some();
    if repo.starts_with("ppa:") {
        return Err(ExecError::Command(format!(
            "cannot parse \"ppa:\" style repo definitions: {repo}"
        )));
    }
    let mut entries = load(host);
    let want = Entry::parse(repo, SOURCES);
    if want.invalid {
        return Err(ExecError::invocation(format!(
            "Name {repo} is not valid. This must be the complete repo entry as seen in the sources file"
        )));
    }
    let mut comps: Vec<String> = want.comps.iter().map(|c| c.trim().to_owned()).collect();
    if !aptkey && want.signedby.is_empty() {
        return Err(ExecError::invocation(
            "missing 'signedby' option when apt-key is missing",
        ));
    }
    if kwargs.contains_key("keyid") {
        let ok =
            kwargs.get("keyid").is_some_and(truthy) && kwargs.get("keyserver").is_some_and(truthy);
        if !ok {
            return Err(ExecError::Command(
                "both keyserver and keyid options required.".into(),
            ));
        }
        return Err(ExecError::Command("salt-rs: fetching repository keys from a keyserver is not supported yet (use key_text or signed-by)".into()));
    } else if kwargs.contains_key("key_url") {
        return Err(ExecError::Command(
            "salt-rs: key_url is not supported yet (use key_text or signed-by)".into(),
        ));
    } else if let Some(text) = kwargs.get("key_text") {
        let _ = text;
        return Err(ExecError::Command(
            "salt-rs: key_text is not supported yet (use signed-by)".into(),
        ));
    }
    if let Some(c) = kwargs.get("comps") {
        let extra: Vec<String> = crate::error::py_str(c)
            .split(',')
            .map(|s| s.trim().to_owned())
            .collect();
        for x in extra {
            if !comps.contains(&x) {
                comps.push(x);
            }
        }
    }
    let architectures = match kwargs.get("architectures") {
        Some(a) => crate::error::py_str(a)
            .split(',')
            .map(String::from)
            .collect(),
        None => want.architectures.clone(),
    };
    let disabled = match (kwargs.get("disabled"), kwargs.get("enabled")) {
        (Some(d), _) => Some(truthy(d)),
        (None, Some(e)) => Some(!truthy(e)),
        _ => None,
    };
    let mut found = None;
    for (i, e) in entries.iter().enumerate() {
        if e.invalid {
            continue;
        }
        let same = e.kind == want.kind
            && e.uri.trim_end_matches('/') == want.uri.trim_end_matches('/')
            && e.dist == want.dist;
        if same
            && (comps.iter().any(|c| e.comps.contains(c))
                || e.comps.is_empty()
                || architectures != e.architectures)
        {
            found = Some(i);
            break;
        }
    }
    let i = match found {
        Some(i) => i,
        None => {
            entries.push(Entry::parse(repo, SOURCES));
            entries.len() - 1
        }
    };
    let e = &mut entries[i];
    e.line = if repo.ends_with('\n') {
        repo.to_owned()
    } else {
        format!("{repo}\n")
    };
    e.comps = comps;
    e.architectures = architectures;
    e.signedby = want.signedby.clone();
    if let Some(Value::String(f)) = kwargs.get("file") {
        e.file = f.clone();
    }
    if let Some(d) = disabled {
        e.disabled = d;
    }
    if let Some(Value::String(d)) = kwargs.get("dist") {
        e.dist = d.clone();
    }
    let result = e.clone();
    save(host, &entries)?;
    if refresh {
        super::apt::refresh_db(host).await?;
    }
    let mut m = Map::new();
    m.insert(
        repo.to_owned(),
        json!({
            "architectures": result.architectures,
            "comps": result.comps,
            "disabled": result.disabled,
            "file": result.file,
            "type": result.kind,
            "uri": result.uri,
            "line": result.line,
            "signedby": result.signedby,
        }),
    );
    Ok(Value::Object(m))
}

/// `pkg.del_repo`: removes every entry matching `repo`.
pub(crate) fn del_repo(host: &Host<'_>, repo: &str) -> Result<String, ExecError> {
    let want = Entry::parse(repo, SOURCES);
    let entries = load(host);
    let before = entries.len();
    let kept: Vec<Entry> = entries
        .into_iter()
        .filter(|e| {
            e.invalid
                || !(e.kind == want.kind
                    && e.uri.trim_end_matches('/') == want.uri.trim_end_matches('/')
                    && e.dist == want.dist)
        })
        .collect();
    if kept.len() == before {
        return Err(ExecError::Command(format!(
            "Repo {repo} doesn't exist in the sources.list(s)"
        )));
    }
    save(host, &kept)?;
    Ok(format!(
        "Repo '{repo}' has been removed from the sources.list(s)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_write_back() {
        let e = Entry::parse(
            "deb [arch=amd64 signed-by=/k.gpg trusted=yes] http://x/debian bookworm main contrib # c\n",
            "/f",
        );
        assert_eq!(
            (e.kind.as_str(), e.uri.as_str(), e.dist.as_str()),
            ("deb", "http://x/debian", "bookworm")
        );
        assert_eq!(e.comps, ["main", "contrib"]);
        assert_eq!(e.architectures, ["amd64"]);
        assert_eq!(e.signedby, "/k.gpg");
        assert_eq!(
            e.repo_line(),
            "deb [arch=amd64 signed-by=/k.gpg trusted=yes] http://x/debian bookworm main contrib # c\n"
        );
        let flat = Entry::parse("deb [trusted=yes] file:/srv/lab-repo ./\n", "/f");
        assert_eq!(
            flat.repo_line(),
            "deb [trusted=yes] file:/srv/lab-repo ./ \n"
        );
        assert!(Entry::parse("# a comment\n", "/f").invalid);
    }

    #[test]
    fn expanded_lines_keep_only_arch_and_signed_by() {
        let v = expand_repo_def("deb [trusted=yes] file:/srv/lab-repo ./", &Map::new());
        assert_eq!(v["line"], "deb file:/srv/lab-repo ./");
        let v = expand_repo_def(
            "deb [arch=amd64 signed-by=/k.gpg] http://x/d bookworm main",
            &Map::new(),
        );
        assert_eq!(
            v["line"],
            "deb [arch=amd64 signed-by=/k.gpg] http://x/d bookworm main"
        );
        assert_eq!(v["signedby"], "/k.gpg");
    }
}
