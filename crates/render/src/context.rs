//! What a template sees: [`Context`], and the SLS path variables Salt derives
//! from the SLS name and the template's path (`slspath`, `tpldir`, ...).

use serde_json::{Map, Value};

/// Everything a render needs besides the template text and the [`Host`].
///
/// [`Host`]: crate::Host
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The minion's grains (`grains`).
    pub grains: Value,
    /// The minion's pillar (`pillar`).
    pub pillar: Value,
    /// The minion's configuration (`opts`); `jinja_env`, `jinja_sls_env`,
    /// `jinja_trim_blocks` and `jinja_lstrip_blocks` set whitespace handling
    /// as in Salt.
    pub opts: Value,
    /// The salt environment (`saltenv`), also the one imports are read from.
    pub saltenv: String,
    /// The SLS name (`nested.deep`) for SLS and pillar files; `None` for
    /// `file.managed` templates, which get no SLS variables (as in Salt).
    pub sls: Option<String>,
    /// The template's path as Salt shows it (`tplpath`): for an SLS file, its
    /// copy in the minion's file cache (`/var/cache/salt/minion/files/base/nested/deep.sls`).
    /// Its tail after the saltenv root names the template for relative
    /// imports and error messages.
    pub tplpath: Option<String>,
    /// More variables: `file.managed`'s `defaults` merged with `context`,
    /// and its `name`, `source`, `user`, `group`, `mode`, `attrs`. These win
    /// over the standard ones, as in Salt.
    pub extra: Map<String, Value>,
}

/// The SLS path variables for an SLS name and template path, with Salt's
/// values: for `sls = "a.b"` read from `.../a/b.sls`, `slspath` is `a`; for
/// `.../a/b/init.sls` it is `a/b`. `tplpath`, `tplfile`, `tpldir` and
/// `tpldot` are only set when the path is known.
pub fn sls_context(tplpath: Option<&str>, sls: &str) -> Map<String, Value> {
    let mut out = Map::new();
    let mut slspath = sls.replace('.', "/");
    if let Some(path) = tplpath {
        let path_posix = path.replace('\\', "/");
        let by_file = format!("{slspath}.sls");
        let by_init = format!("{slspath}/init.sls");
        let template = if sls.is_empty() {
            path_posix.rsplit('/').next().unwrap_or("").to_owned()
        } else if path_posix.ends_with(&by_file) {
            tail(&path_posix, by_file.len())
        } else if path_posix.ends_with(&by_init) {
            tail(&path_posix, by_init.len())
        } else {
            path_posix.clone()
        };
        slspath = match template.rsplit_once('/') {
            Some((dir, _)) => dir.to_owned(),
            None => String::new(),
        };
        out.insert("tplpath".into(), Value::String(path.to_owned()));
        out.insert("tplfile".into(), Value::String(template));
        out.insert(
            "tpldir".into(),
            Value::String(if slspath.is_empty() {
                ".".into()
            } else {
                slspath.clone()
            }),
        );
        out.insert("tpldot".into(), Value::String(slspath.replace('/', ".")));
    }
    out.insert("slspath".into(), Value::String(slspath.clone()));
    out.insert(
        "slsdotpath".into(),
        Value::String(slspath.replace('/', ".")),
    );
    out.insert(
        "slscolonpath".into(),
        Value::String(slspath.replace('/', ":")),
    );
    out.insert("sls_path".into(), Value::String(slspath.replace('/', "_")));
    out
}

impl Context {
    /// The template's name relative to the saltenv root (`nested/deep.sls`),
    /// for relative imports and error messages; `None` when it has no path.
    pub fn template_name(&self) -> Option<String> {
        let path = self.tplpath.as_deref()?;
        match self.sls.as_deref() {
            Some(sls) if !sls.is_empty() => {
                let vars = sls_context(Some(path), sls);
                vars.get("tplfile")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            }
            _ => {
                // A file.managed template: the tail after `files/<saltenv>/`
                // of a cached path, else the path itself.
                let marker = format!("/files/{}/", self.saltenv);
                Some(match path.find(&marker) {
                    Some(i) => path[i + marker.len()..].to_owned(),
                    None => path.trim_start_matches('/').to_owned(),
                })
            }
        }
    }
}

/// The last `n` bytes of `s` (at a char boundary; the whole string if not).
fn tail(s: &str, n: usize) -> String {
    let start = s.len().saturating_sub(n);
    s.get(start..).unwrap_or(s).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get<'a>(m: &'a Map<String, Value>, k: &str) -> &'a str {
        m.get(k).and_then(Value::as_str).unwrap()
    }

    #[test]
    fn nested_file_and_init_file() {
        let m = sls_context(Some("/c/files/base/a/b/c.sls"), "a.b.c");
        assert_eq!(get(&m, "tplfile"), "a/b/c.sls");
        assert_eq!(get(&m, "tpldir"), "a/b");
        assert_eq!(get(&m, "tpldot"), "a.b");
        assert_eq!(get(&m, "slspath"), "a/b");
        assert_eq!(get(&m, "sls_path"), "a_b");
        assert_eq!(get(&m, "slscolonpath"), "a:b");
        let m = sls_context(Some("/c/files/base/a/b/init.sls"), "a.b");
        assert_eq!(get(&m, "tplfile"), "a/b/init.sls");
        assert_eq!(get(&m, "tpldir"), "a/b");
        assert_eq!(get(&m, "slsdotpath"), "a.b");
        let m = sls_context(Some("/c/files/base/top.sls"), "top");
        assert_eq!(get(&m, "tpldir"), ".");
        assert_eq!(get(&m, "tpldot"), "");
        assert_eq!(get(&m, "slspath"), "");
    }

    #[test]
    fn without_path_only_sls_variables() {
        let m = sls_context(None, "a.b");
        assert_eq!(get(&m, "slspath"), "a/b");
        assert!(!m.contains_key("tpldir"));
    }
}
