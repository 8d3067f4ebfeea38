//! The small path states: `file.absent` (remove a file or a directory
//! tree), `file.exists` and `file.missing` (check only), `file.touch`
//! (create an empty file or update its times).

use std::path::Path;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::fsops::{dirname, expanduser, makedirs_parents, remove};
use super::perms::stats;
use super::{Order, Ret};
use crate::module::{RunCtx, StateError, StateFn, StateReturn};
use crate::pyrepr::py_str;
use crate::value::truthy;

/// The arguments of `file.absent`, `file.exists` and `file.missing`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PathArgs {
    name: String,
    #[allow(dead_code)]
    kwargs: Map<String, Value>,
}

/// `file.absent`
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct Absent(PathArgs);

plan_or_apply!(Absent => absent.0 {
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Makes sure a file, symlink or directory is absent: a directory is removed with everything in it. `/` is refused.\n\n    /tmp/old-cache:\n      file.absent\n";
});

fn absent(a: &PathArgs, _cx: &RunCtx<'_>, test: bool) -> StateReturn {
    let name = expanduser(&a.name);
    let mut ret = Ret::new(Order::Standard, &name);
    if name.is_empty() {
        return ret.error("Must provide name to file.absent");
    }
    if !name.starts_with('/') {
        return ret.error(format!("Specified file {name} is not an absolute path"));
    }
    if name == "/" {
        return ret.error("Refusing to make \"/\" absent");
    }
    let path = Path::new(&name);
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    let what = if path.is_file() || is_link {
        "File"
    } else if path.is_dir() {
        "Directory"
    } else {
        ret.set_comment(format!("File {name} is not present"));
        return ret.done();
    };
    let noun = what.to_lowercase();
    if test {
        ret.set_result(None);
        ret.change("removed", name.as_str());
        ret.set_comment(format!("{what} {name} is set for removal"));
        return ret.done();
    }
    match remove(path) {
        Ok(()) => {
            ret.set_comment(format!("Removed {noun} {name}"));
            ret.change("removed", name.as_str());
            ret.done()
        }
        Err(_) if what == "Directory" => ret.error(format!("Failed to remove directory {name}")),
        Err(e) => ret.error(format!("Could not remove '{name}': {e}")),
    }
}

/// `file.exists`
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct Exists(PathArgs);

plan_or_apply!(Exists => exists.0 {
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Checks that a path exists (a file, directory or anything else); never creates it.\n\n    /etc/ssl/private/site.key:\n      file.exists\n";
});

/// `file.missing`
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct Missing(PathArgs);

plan_or_apply!(Missing => missing.0 {
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Checks that a path does not exist; never removes it.\n\n    /etc/nologin:\n      file.missing\n";
});

fn exists(a: &PathArgs, _cx: &RunCtx<'_>, _test: bool) -> StateReturn {
    check_path(&a.name, true)
}

fn missing(a: &PathArgs, _cx: &RunCtx<'_>, _test: bool) -> StateReturn {
    check_path(&a.name, false)
}

/// `file.exists` (`exists`) and `file.missing`: only look.
fn check_path(name: &str, exists: bool) -> StateReturn {
    let name = expanduser(name);
    let mut ret = Ret::new(Order::Standard, &name);
    let fun = if exists { "exists" } else { "missing" };
    if name.is_empty() {
        return ret.error(format!("Must provide name to file.{fun}"));
    }
    match (exists, Path::new(&name).exists()) {
        (true, false) => ret.error(format!("Specified path {name} does not exist")),
        (false, true) => ret.error(format!("Specified path {name} exists")),
        (true, true) => {
            ret.set_comment(format!("Path {name} exists"));
            ret.done()
        }
        (false, false) => {
            ret.set_comment(format!("Path {name} is missing"));
            ret.done()
        }
    }
}

/// `file.touch`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Touch {
    pub(super) name: String,
    #[serde(default)]
    pub(super) atime: Value,
    #[serde(default)]
    pub(super) mtime: Value,
    #[serde(default)]
    pub(super) makedirs: Value,
}

impl StateFn for Touch {
    const DOC: &'static str = "Creates an empty file, or sets the access and modification times of an existing one (`atime`, `mtime`: Unix times; now when not given), like `touch`. `makedirs` creates missing parent directories. An existing file is touched on every run.\n\n    /var/log/httpd/logrotate.empty:\n      file.touch\n";

    fn plan(self, _cx: &RunCtx<'_>) -> Result<StateReturn, StateError> {
        let name = expanduser(&self.name);
        let mut ret = touch_ret(&name);
        if name.is_empty() {
            return Ok(ret.error("Must provide name to file.touch"));
        }
        if !name.starts_with('/') {
            return Ok(ret.error(format!("Specified file {name} is not an absolute path")));
        }
        ret.set_result(None);
        ret.change("new", name.as_str());
        let path = Path::new(&name);
        if !path.exists() {
            ret.set_comment(format!("File {name} is set to be created"));
            return Ok(ret.done());
        }
        let st = stats(path, false);
        let differs = |given: &Value, have: Option<f64>| {
            !given.is_null() && Some(py_str(given)) != have.map(py_float)
        };
        if differs(&self.atime, st.as_ref().map(|s| s.atime))
            || differs(&self.mtime, st.as_ref().map(|s| s.mtime))
        {
            ret.set_comment(format!("Times set to be updated on file {name}"));
            ret.changes().clear();
            ret.change("touched", name.as_str());
        } else {
            ret.set_result(Some(true));
            ret.set_comment(format!("File {name} exists and has the correct times"));
        }
        Ok(ret.done())
    }

    fn apply(self, _cx: &RunCtx<'_>) -> Result<StateReturn, StateError> {
        let name = expanduser(&self.name);
        let mut ret = touch_ret(&name);
        if name.is_empty() {
            return Ok(ret.error("Must provide name to file.touch"));
        }
        if !name.starts_with('/') {
            return Ok(ret.error(format!("Specified file {name} is not an absolute path")));
        }
        if truthy(&self.makedirs)
            && let Err(e) = makedirs_parents(&name, &Value::Null, &Value::Null, None)
        {
            return Ok(ret.error(e));
        }
        if !Path::new(dirname(&name)).is_dir() {
            return Ok(ret.error(format!("Directory not present to touch file {name}")));
        }
        let path = Path::new(&name);
        let extant = path.exists();
        touch(path, &self.atime, &self.mtime)?;
        ret.set_result(Some(path.exists()));
        if !extant {
            ret.set_comment(format!("Created empty file {name}"));
            ret.change("new", name.as_str());
        } else {
            let kind = if path.is_dir() { "directory" } else { "file" };
            ret.set_comment(format!("Updated times on {kind} {name}"));
            ret.change("touched", name.as_str());
        }
        Ok(ret.done())
    }
}

/// `{name, changes}`: `file.touch` sets result and comment later.
fn touch_ret(name: &str) -> Ret {
    let mut ret = Ret::new(Order::Standard, name);
    ret.map().remove("result");
    ret.map().remove("comment");
    ret
}

/// Salt's `file.touch`: creates the file if needed, then sets the times
/// given (now for those not given).
pub(super) fn touch(path: &Path, atime: &Value, mtime: &Value) -> Result<(), StateError> {
    let when = |v: &Value| -> Result<Option<std::time::SystemTime>, StateError> {
        let secs = match v {
            Value::Null => return Ok(None),
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse::<f64>().ok(),
            _ => None,
        }
        .ok_or_else(|| StateError::Invocation("atime and mtime must be integers".into()))?;
        let d = std::time::Duration::from_secs_f64(secs.max(0.0));
        Ok(Some(std::time::UNIX_EPOCH + d))
    };
    let (a, m) = (when(atime)?, when(mtime)?);
    let now = std::time::SystemTime::now();
    let io = |e: std::io::Error| StateError::Command(e.to_string());
    if !path.exists() {
        std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)
            .map_err(io)?;
    }
    let f = std::fs::File::open(path).map_err(io)?;
    let times = std::fs::FileTimes::new()
        .set_accessed(a.unwrap_or(now))
        .set_modified(m.unwrap_or(now));
    f.set_times(times).map_err(io)
}

/// Python's `str()` of a float.
fn py_float(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e16 {
        format!("{f:.1}")
    } else {
        format!("{f}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_like_python() {
        assert_eq!(py_float(1700000000.0), "1700000000.0");
        assert_eq!(py_float(1.5), "1.5");
    }
}
