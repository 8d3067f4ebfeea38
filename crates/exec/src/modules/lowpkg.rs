//! `lowpkg.*`: questions about package files themselves, as Salt's
//! `dpkg_lowpkg` / `rpm_lowpkg` modules (`lowpkg.bin_pkg_info`).

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::machine::{Host, Real};
use crate::{Ctx, ExecError, ExecFn, de};

/// `lowpkg.bin_pkg_info path`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BinPkgInfo {
    #[serde(deserialize_with = "de::string_like")]
    path: String,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    saltenv: Option<String>,
}

impl ExecFn for BinPkgInfo {
    const POSITIONAL: &'static [&'static str] = &["path", "saltenv"];
    const REQUIRED: usize = 1;
    const DOC: &'static str = "Return {name, version, arch} of a package file (.deb with dpkg -I, .rpm with rpm -qp); salt:// paths are cached first.\n\nCLI Example:\n\n    salt '*' lowpkg.bin_pkg_info /root/salt-2015.5.1-2.el7.noarch.rpm\n    salt '*' lowpkg.bin_pkg_info salt://foo.deb\n";
    type Output = Value;

    async fn call(self, cx: &Ctx) -> Result<Value, ExecError> {
        let path = if self.path.contains("://") {
            let env = self.saltenv.unwrap_or_else(|| "base".into());
            let src = vec![json!({"pkg": self.path})];
            let cached = crate::modules::pkg::cache_sources(cx, &src, &env).await?;
            cached
                .into_iter()
                .next()
                .map(|(_, p)| p)
                .unwrap_or_default()
        } else {
            self.path
        };
        let real = Real::new(cx);
        Ok(bin_pkg_info(&Host::real(&real, cx), &path)
            .await?
            .unwrap_or(Value::Null))
    }
}

/// The package file's metadata; `None` when rpm cannot read it (Salt's
/// rpm variant returns None, the dpkg one raises).
pub(crate) async fn bin_pkg_info(host: &Host<'_>, path: &str) -> Result<Option<Value>, ExecError> {
    if !std::path::Path::new(path).exists() {
        return Err(ExecError::Command(format!(
            "{path} does not exist on minion"
        )));
    }
    if !path.starts_with('/') {
        return Err(ExecError::invocation(format!(
            "{path} does not exist on minion"
        )));
    }
    let rpm = host.grain("os_family") == "RedHat"
        || (host.grain("os_family").is_empty() && path.ends_with(".rpm"));
    if rpm {
        let out = host
            .cmd(&[
                "rpm",
                "-qp",
                "--queryformat",
                "%{NAME}_|-%{EPOCH}_|-%{VERSION}_|-%{RELEASE}_|-%{ARCH}_|-none_|-%{INSTALLTIME}",
                path,
            ])
            .await?;
        let osarch = host.grain("osarch");
        let list = crate::modules::pkg::yum::parse_rpm_qa(&out.stdout, &osarch);
        let Some((name, versions)) = list.into_iter().next() else {
            return Ok(None);
        };
        let arch = out.stdout.split("_|-").nth(4).unwrap_or("").to_owned();
        return Ok(Some(
            json!({"name": name, "version": versions.join(","), "arch": arch}),
        ));
    }
    let out = host.cmd(&["dpkg", "-I", path]).await?;
    if out.retcode != 0 {
        let mut msg = format!("Unable to get info for {path}");
        if !out.stderr.is_empty() {
            msg.push_str(": ");
            msg.push_str(&out.stderr);
        }
        return Err(ExecError::Command(msg));
    }
    let mut m = parse_dpkg_info(&out.stdout);
    let missing: Vec<&str> = ["name", "version", "arch"]
        .into_iter()
        .filter(|k| !m.contains_key(*k))
        .collect();
    if !missing.is_empty() {
        return Err(ExecError::Command(format!(
            "Unable to get {} for {path}",
            missing.join(", ")
        )));
    }
    let arch = m
        .get("arch")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    if host.grain("cpuarch") == "x86_64"
        && arch != "all"
        && host.grain("osarch") == "amd64"
        && arch != "amd64"
        && let Some(Value::String(n)) = m.get_mut("name")
    {
        n.push(':');
        n.push_str(&arch);
    }
    Ok(Some(Value::Object(m)))
}

/// `Package:`, `Version:` and `Architecture:` of `dpkg -I` output.
pub(crate) fn parse_dpkg_info(out: &str) -> Map<String, Value> {
    let mut m = Map::new();
    for line in out.lines() {
        let line = line.trim();
        let last = line.split_whitespace().last().unwrap_or("").to_owned();
        let key = |k: &str| {
            line.strip_prefix(k)
                .is_some_and(|r| r.trim_start_matches(' ').starts_with(':'))
        };
        if key("Package") {
            m.insert("name".into(), Value::String(last));
        } else if key("Version") {
            m.insert("version".into(), Value::String(last));
        } else if key("Architecture") {
            m.insert("arch".into(), Value::String(last));
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dpkg_info_fields() {
        let out = " new Debian package, version 2.0.\n size 748 bytes: control archive=300 bytes.\n Package: salt-lab-src\n Version: 1.0\n Architecture: all\n Maintainer: x\n";
        assert_eq!(
            Value::Object(parse_dpkg_info(out)),
            json!({"name": "salt-lab-src", "version": "1.0", "arch": "all"})
        );
    }
}
