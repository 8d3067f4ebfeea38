//! `sysctl.*`: read, set and persist kernel parameters on Linux, as Salt's
//! `linux_sysctl` module does: `sysctl -n`/`-w`/`-a` for the running
//! kernel, and a `KEY = VALUE` file for boot (`/etc/sysctl.d/99-salt.conf`
//! on hosts booted with systemd >= 207, `/etc/sysctl.conf` otherwise).

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::error::py_str;
use crate::machine::{Host, Real};
use crate::{Ctx, ExecError, ExecFn, de};

/// `sysctl.default_config`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefaultConfig {}

impl ExecFn for DefaultConfig {
    const POSITIONAL: &'static [&'static str] = &[];
    const DOC: &'static str = "Return the file sysctl.persist writes by default: /etc/sysctl.d/99-salt.conf on hosts booted with systemd 207 or later, /etc/sysctl.conf otherwise.\n\nCLI Example:\n\n    salt '*' sysctl.default_config\n";
    type Output = String;

    async fn call(self, cx: &Ctx) -> Result<String, ExecError> {
        let real = Real::new(cx);
        Ok(default_config(&Host::real(&real, cx)).await)
    }
}

/// `sysctl.show [config_file]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Show {
    #[serde(default)]
    config_file: Value,
}

impl ExecFn for Show {
    const POSITIONAL: &'static [&'static str] = &["config_file"];
    const DOC: &'static str = "Return every kernel parameter of the running system (sysctl -a) as {key: value}; with config_file, the KEY = VALUE pairs of that file instead ([] when the file does not exist).\n\nCLI Example:\n\n    salt '*' sysctl.show\n    salt '*' sysctl.show config_file=/etc/sysctl.d/99-salt.conf\n";
    type Output = Value;

    async fn call(self, cx: &Ctx) -> Result<Value, ExecError> {
        let real = Real::new(cx);
        show(&Host::real(&real, cx), &self.config_file).await
    }
}

/// `sysctl.get name`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Get {
    #[serde(deserialize_with = "de::string_like")]
    name: String,
}

impl ExecFn for Get {
    const POSITIONAL: &'static [&'static str] = &["name"];
    const REQUIRED: usize = 1;
    const DOC: &'static str = "Return one kernel parameter of the running system (sysctl -n NAME; what it printed, errors included).\n\nCLI Example:\n\n    salt '*' sysctl.get net.ipv4.ip_forward\n";
    type Output = String;

    async fn call(self, cx: &Ctx) -> Result<String, ExecError> {
        let real = Real::new(cx);
        get(&Host::real(&real, cx), &self.name).await
    }
}

/// `sysctl.assign name value`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assign {
    #[serde(deserialize_with = "de::string_like")]
    name: String,
    value: Value,
}

impl ExecFn for Assign {
    const POSITIONAL: &'static [&'static str] = &["name", "value"];
    const REQUIRED: usize = 2;
    const DOC: &'static str = "Set one kernel parameter of the running system (sysctl -w NAME=VALUE); returns {name: value} as sysctl reports it.\n\nCLI Example:\n\n    salt '*' sysctl.assign net.ipv4.ip_forward 1\n";
    type Output = Map<String, Value>;

    async fn call(self, cx: &Ctx) -> Result<Map<String, Value>, ExecError> {
        let real = Real::new(cx);
        assign(&Host::real(&real, cx), &self.name, &py_str(&self.value)).await
    }
}

/// `sysctl.persist name value [config]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Persist {
    #[serde(deserialize_with = "de::string_like")]
    name: String,
    value: Value,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    config: Option<String>,
}

impl ExecFn for Persist {
    const POSITIONAL: &'static [&'static str] = &["name", "value", "config"];
    const REQUIRED: usize = 2;
    const DOC: &'static str = "Set a kernel parameter and persist it: the line 'NAME = VALUE' in config (default: sysctl.default_config; created with a header when missing), then sysctl -w. Returns \"Updated\", or \"Already set\" when both the file and the running value match.\n\nCLI Example:\n\n    salt '*' sysctl.persist net.ipv4.ip_forward 1\n";
    type Output = String;

    async fn call(self, cx: &Ctx) -> Result<String, ExecError> {
        let real = Real::new(cx);
        let host = Host::real(&real, cx);
        let config = match self.config {
            Some(c) => c,
            None => default_config(&host).await,
        };
        persist(&host, &self.name, &py_str(&self.value), &config).await
    }
}

/// Salt's rule: systemd >= 207 reads only `/etc/sysctl.d`.
pub(crate) async fn default_config(host: &Host<'_>) -> String {
    if host.exists("/run/systemd/system") {
        let v = host.cmd(&["systemctl", "--version"]).await;
        let version = v.ok().and_then(|o| systemd_version(&o.stdout));
        if version.is_some_and(|v| v >= 207) {
            return "/etc/sysctl.d/99-salt.conf".into();
        }
    }
    "/etc/sysctl.conf".into()
}

/// The number in `systemd 252 (252.39-1~deb12u1)`.
pub(crate) fn systemd_version(out: &str) -> Option<u32> {
    let first = out.lines().next()?;
    let mut words = first.split_whitespace();
    words.next()?;
    let num: String = words
        .next()?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    num.parse().ok()
}

pub(crate) async fn show(host: &Host<'_>, config_file: &Value) -> Result<Value, ExecError> {
    let path = match config_file {
        Value::String(p) if !p.is_empty() => Some(p.clone()),
        v if crate::registry::truthy(v) => Some(py_str(v)),
        _ => None,
    };
    if let Some(path) = path {
        if !host.exists(&path) {
            return Ok(Value::Array(Vec::new()));
        }
        let Some(text) = host.read(&path) else {
            return Ok(Value::Null);
        };
        return Ok(Value::Object(parse_config(&text)));
    }
    let sysctl = host.which("sysctl")?;
    let out = host.cmd(&[&sysctl, "-a"]).await?;
    let mut m = Map::new();
    for line in out.stdout.lines() {
        if let Some((k, v)) = line.split_once(" = ") {
            m.insert(k.to_owned(), Value::String(v.to_owned()));
        }
    }
    Ok(Value::Object(m))
}

/// `KEY = VALUE` lines of a sysctl file (comments and other lines skipped).
pub(crate) fn parse_config(text: &str) -> Map<String, Value> {
    let mut m = Map::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        if let Some((k, v)) = line.split_once('=') {
            m.insert(
                k.trim_end().to_owned(),
                Value::String(v.trim_start().to_owned()),
            );
        }
    }
    m
}

pub(crate) async fn get(host: &Host<'_>, name: &str) -> Result<String, ExecError> {
    let sysctl = host.which("sysctl")?;
    let out = host.cmd(&[&sysctl, "-n", name]).await?;
    Ok(merged(&out))
}

/// What `cmd.run` shows: stdout then stderr.
fn merged(out: &crate::machine::Outcome) -> String {
    match (out.stdout.is_empty(), out.stderr.is_empty()) {
        (_, true) => out.stdout.clone(),
        (true, false) => out.stderr.clone(),
        (false, false) => format!("{}\n{}", out.stdout, out.stderr),
    }
}

pub(crate) async fn assign(
    host: &Host<'_>,
    name: &str,
    value: &str,
) -> Result<Map<String, Value>, ExecError> {
    let swapped: String = name
        .chars()
        .map(|c| match c {
            '.' => '/',
            '/' => '.',
            c => c,
        })
        .collect();
    if !host.exists(&format!("/proc/sys/{swapped}")) {
        return Err(ExecError::Command(format!("sysctl {name} does not exist")));
    }
    let sysctl = host.which("sysctl")?;
    let out = host
        .cmd(&[&sysctl, "-w", &format!("{name}={value}")])
        .await?;
    if !assigned(&out.stdout, name, value) || out.stderr.contains("Invalid argument") {
        let error = if out.retcode != 0 && !out.stderr.is_empty() {
            &out.stderr
        } else {
            &out.stdout
        };
        return Err(ExecError::Command(format!("sysctl -w failed: {error}")));
    }
    let mut m = Map::new();
    if let Some((k, v)) = out.stdout.split_once(" = ") {
        m.insert(k.to_owned(), Value::String(v.to_owned()));
    }
    Ok(m)
}

/// Salt's check of `sysctl -w` output: `^NAME\s+=\s+VALUE$`.
fn assigned(out: &str, name: &str, value: &str) -> bool {
    let Some(rest) = out.strip_prefix(name) else {
        return false;
    };
    let after_ws = rest.trim_start();
    if after_ws.len() == rest.len() {
        return false;
    }
    let Some(rest) = after_ws.strip_prefix('=') else {
        return false;
    };
    let v = rest.trim_start();
    v.len() < rest.len() && v == value
}

/// Runs of whitespace as one tab, as the kernel prints multi-value
/// parameters.
fn sanitize(v: &str) -> String {
    v.split_whitespace().collect::<Vec<_>>().join("\t")
}

pub(crate) async fn persist(
    host: &Host<'_>,
    name: &str,
    value: &str,
    config: &str,
) -> Result<String, ExecError> {
    let path = host.path(config);
    if !path.is_file() {
        if let Some(dir) = path.parent()
            && !dir.exists()
        {
            std::fs::create_dir_all(dir).map_err(|e| {
                ExecError::Command(format!("Could not create {}: {e}", dir.display()))
            })?;
        }
        std::fs::write(&path, "#\n# Kernel sysctl configuration\n#\n")
            .map_err(|_| ExecError::Command(format!("Could not write to file: {config}")))?;
    }
    let text = std::fs::read_to_string(&path)
        .map_err(|_| ExecError::Command(format!("Could not read from file: {config}")))?;
    let mut lines: Vec<String> = Vec::new();
    let mut edited = false;
    for line in text.split_inclusive('\n') {
        let Some((k, v)) = line.split_once('=') else {
            lines.push(line.to_owned());
            continue;
        };
        let (k, v) = (k.trim(), v.trim());
        if k.starts_with('#') {
            lines.push(line.to_owned());
            continue;
        }
        if k == name {
            let wanted = sanitize(value);
            if sanitize(v) == wanted {
                if sanitize(&get(host, name).await?) != wanted {
                    assign(host, name, value).await?;
                    return Ok("Updated".into());
                }
                return Ok("Already set".into());
            }
            lines.push(format!("{name} = {value}\n"));
            edited = true;
        } else {
            lines.push(line.to_owned());
        }
    }
    if !edited {
        lines.push(format!("{name} = {value}\n"));
    }
    std::fs::write(&path, lines.concat())
        .map_err(|_| ExecError::Command(format!("Could not write to file: {config}")))?;
    assign(host, name, value).await?;
    Ok("Updated".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machine::script::{Script, host};

    fn proc_sys(root: &std::path::Path, key: &str) {
        let p = root.join("proc/sys").join(key.replace('.', "/"));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, "").unwrap();
    }

    #[tokio::test]
    async fn persist_writes_the_file_then_assigns() {
        let dir = tempfile::tempdir().unwrap();
        proc_sys(dir.path(), "net.ipv4.ip_forward");
        let grains = Map::new();
        let s = Script::with_programs(&["sysctl"])
            .on(
                "sysctl -w net.ipv4.ip_forward=0",
                0,
                "net.ipv4.ip_forward = 0",
            )
            .on("sysctl -n net.ipv4.ip_forward", 0, "0");
        let h = host(&s, dir.path(), &grains);
        let conf = "/etc/sysctl.d/99-salt.conf";
        assert_eq!(
            persist(&h, "net.ipv4.ip_forward", "0", conf).await.unwrap(),
            "Updated"
        );
        let text = std::fs::read_to_string(dir.path().join("etc/sysctl.d/99-salt.conf")).unwrap();
        assert_eq!(
            text,
            "#\n# Kernel sysctl configuration\n#\nnet.ipv4.ip_forward = 0\n"
        );
        // Second time: the file and the kernel agree.
        assert_eq!(
            persist(&h, "net.ipv4.ip_forward", "0", conf).await.unwrap(),
            "Already set"
        );
        assert_eq!(
            s.calls(),
            [
                "sysctl -w net.ipv4.ip_forward=0",
                "sysctl -n net.ipv4.ip_forward"
            ]
        );
        // A changed value rewrites its line in place.
        let s2 = Script::with_programs(&["sysctl"]).on(
            "sysctl -w net.ipv4.ip_forward=1",
            0,
            "net.ipv4.ip_forward = 1",
        );
        let h2 = host(&s2, dir.path(), &grains);
        assert_eq!(
            persist(&h2, "net.ipv4.ip_forward", "1", conf)
                .await
                .unwrap(),
            "Updated"
        );
        let text = std::fs::read_to_string(dir.path().join("etc/sysctl.d/99-salt.conf")).unwrap();
        assert!(text.ends_with("#\nnet.ipv4.ip_forward = 1\n"), "{text}");
    }

    #[tokio::test]
    async fn assign_errors_are_salts() {
        let dir = tempfile::tempdir().unwrap();
        let grains = Map::new();
        let s = Script::with_programs(&["sysctl"]);
        let h = host(&s, dir.path(), &grains);
        let e = assign(&h, "net.nope", "1").await.unwrap_err();
        assert_eq!(e.to_string(), "ERROR: sysctl net.nope does not exist");
        proc_sys(dir.path(), "kernel.x");
        let s = Script::with_programs(&["sysctl"]).on_err(
            "sysctl -w",
            255,
            "",
            "sysctl: permission denied on key \"kernel.x\"",
        );
        let h = host(&s, dir.path(), &grains);
        let e = assign(&h, "kernel.x", "1").await.unwrap_err();
        assert_eq!(
            e.to_string(),
            "ERROR: sysctl -w failed: sysctl: permission denied on key \"kernel.x\""
        );
    }

    #[test]
    fn parsing() {
        assert!(assigned("a.b = 1", "a.b", "1"));
        assert!(!assigned("a.b = 10", "a.b", "1"));
        assert!(!assigned("a.bc = 1", "a.b", "1"));
        assert_eq!(
            systemd_version("systemd 252 (252.39-1~deb12u1)\n+PAM"),
            Some(252)
        );
        let m = parse_config("# c\na.b = 1\n c.d=x y \nnoeq\n");
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"a.b":"1","c.d":"x y"}"#
        );
        assert_eq!(sanitize("4096  87380\t6291456"), "4096\t87380\t6291456");
    }
}
