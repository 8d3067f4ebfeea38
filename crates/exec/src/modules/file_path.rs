//! `file.dirname`, `file.basename`, `file.join`, `file.file_exists` and
//! `file.directory_exists`: the path helpers formulas call from Jinja
//! (`salt['file.dirname'](home)` for a parent directory to create,
//! `salt['file.file_exists'](path)` to choose a state). The first three are
//! Python's `posixpath` functions on text and touch nothing; the last two
//! look at the minion's file system after `~` expansion, as Salt does.

use serde::Deserialize;

use crate::{Ctx, ExecError, ExecFn};

/// `file.dirname path`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dirname {
    path: String,
}

impl ExecFn for Dirname {
    const POSITIONAL: &'static [&'static str] = &["path"];
    const REQUIRED: usize = 1;
    const DOC: &'static str = "Return the directory component of PATH (Python's os.path.dirname).\n\nCLI Example:\n\n    salt '*' file.dirname 'C:\\\\path\\\\to\\\\file'\n";
    type Output = String;

    async fn call(self, _cx: &Ctx) -> Result<String, ExecError> {
        Ok(dirname(&self.path).to_owned())
    }
}

/// `file.basename path`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Basename {
    path: String,
}

impl ExecFn for Basename {
    const POSITIONAL: &'static [&'static str] = &["path"];
    const REQUIRED: usize = 1;
    const DOC: &'static str = "Return the final component of PATH (Python's os.path.basename).\n\nCLI Example:\n\n    salt '*' file.basename 'C:\\\\test\\\\file.txt'\n";
    type Output = String;

    async fn call(self, _cx: &Ctx) -> Result<String, ExecError> {
        Ok(basename(&self.path).to_owned())
    }
}

/// `file.join *parts`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Join {
    args: Vec<String>,
}

impl ExecFn for Join {
    const POSITIONAL: &'static [&'static str] = &[];
    const VARARGS: bool = true;
    const DOC: &'static str = "Join the path components (Python's os.path.join: an absolute component starts over).\n\nCLI Example:\n\n    salt '*' file.join '/' 'usr' 'local' 'bin'\n";
    type Output = String;

    async fn call(self, _cx: &Ctx) -> Result<String, ExecError> {
        Ok(join(&self.args))
    }
}

/// `file.file_exists path`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileExists {
    path: String,
}

impl ExecFn for FileExists {
    const POSITIONAL: &'static [&'static str] = &["path"];
    const REQUIRED: usize = 1;
    const DOC: &'static str = "Return True when PATH (with ~ expanded) is a regular file, following symlinks.\n\nCLI Example:\n\n    salt '*' file.file_exists /etc/passwd\n";
    type Output = bool;

    async fn call(self, _cx: &Ctx) -> Result<bool, ExecError> {
        Ok(std::path::Path::new(&expanduser(&self.path)).is_file())
    }
}

/// `file.directory_exists path`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectoryExists {
    path: String,
}

impl ExecFn for DirectoryExists {
    const POSITIONAL: &'static [&'static str] = &["path"];
    const REQUIRED: usize = 1;
    const DOC: &'static str = "Return True when PATH (with ~ expanded) is a directory, following symlinks.\n\nCLI Example:\n\n    salt '*' file.directory_exists /etc\n";
    type Output = bool;

    async fn call(self, _cx: &Ctx) -> Result<bool, ExecError> {
        Ok(std::path::Path::new(&expanduser(&self.path)).is_dir())
    }
}

/// `posixpath.dirname`: everything up to the last `/`, without trailing
/// slashes unless it is all slashes.
fn dirname(p: &str) -> &str {
    let head = &p[..p.rfind('/').map_or(0, |i| i + 1)];
    if !head.is_empty() && head.bytes().any(|b| b != b'/') {
        head.trim_end_matches('/')
    } else {
        head
    }
}

/// `posixpath.basename`: everything after the last `/`.
fn basename(p: &str) -> &str {
    &p[p.rfind('/').map_or(0, |i| i + 1)..]
}

/// `posixpath.join`.
fn join(parts: &[String]) -> String {
    let mut out = String::new();
    for (i, b) in parts.iter().enumerate() {
        if b.starts_with('/') || i == 0 {
            out = b.clone();
        } else if out.is_empty() || out.ends_with('/') {
            out.push_str(b);
        } else {
            out.push('/');
            out.push_str(b);
        }
    }
    out
}

/// `~` and `~/...` with the user's home directory (`$HOME`).
fn expanduser(p: &str) -> String {
    match (p.strip_prefix('~'), std::env::var("HOME")) {
        (Some(rest), Ok(home)) if rest.is_empty() || rest.starts_with('/') => {
            format!("{}{rest}", home.trim_end_matches('/'))
        }
        _ => p.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::modules::{run_in, test_ctx};

    #[test]
    fn posixpath_semantics() {
        assert_eq!(dirname("/var/run/redis/x.pid"), "/var/run/redis");
        assert_eq!(dirname("/home/"), "/home");
        assert_eq!(dirname("/x"), "/");
        assert_eq!(dirname("//x"), "//");
        assert_eq!(dirname("x"), "");
        assert_eq!(dirname("a//b"), "a");
        assert_eq!(basename("/etc/ssh/sshd_config"), "sshd_config");
        assert_eq!(basename("/etc/"), "");
        let j = |v: &[&str]| join(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(j(&["/var", "www", "x.conf"]), "/var/www/x.conf");
        assert_eq!(j(&["a/", "b"]), "a/b");
        assert_eq!(j(&["a", "/abs", "c"]), "/abs/c");
        assert_eq!(j(&["", "a"]), "a");
        assert_eq!(j(&[]), "");
    }

    #[tokio::test]
    async fn through_the_registry() {
        let cx = test_ctx();
        let r = run_in(&cx, "file.dirname", json!(["/custom/buser"]), json!({})).await;
        assert_eq!(r.ret, json!("/custom"));
        let r = run_in(&cx, "file.basename", json!(["/a/b.txt"]), json!({})).await;
        assert_eq!(r.ret, json!("b.txt"));
        let r = run_in(
            &cx,
            "file.join",
            json!(["/srv", "salt", "top.sls"]),
            json!({}),
        )
        .await;
        assert_eq!(r.ret, json!("/srv/salt/top.sls"));
        let dir = std::env::temp_dir();
        let r = run_in(&cx, "file.directory_exists", json!([dir]), json!({})).await;
        assert_eq!(r.ret, json!(true));
        let r = run_in(&cx, "file.file_exists", json!([dir]), json!({})).await;
        assert_eq!(r.ret, json!(false));
    }
}
