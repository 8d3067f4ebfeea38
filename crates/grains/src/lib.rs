//! Grains collection on Linux, with the names, JSON types and value shapes
//! Salt 3007 uses, so states, targeting (`-G`) and templates written for
//! Salt see the same data from a salt-rs minion.
//!
//! [`collect`] layers, like Salt: core grains, then the `<config_dir>/grains`
//! YAML file, then the minion config's `grains:`; each layer replaces
//! top-level keys of the one before. Collection never fails: what cannot be
//! read is left out (or gets Salt's fallback value) with a debug log line.
//!
//! Speed: everything comes from `/proc`, `/sys`, `/etc`, `getifaddrs(3)`
//! and the system resolver (`getaddrinfo(3)` for `fqdn`, `fqdn_ip4`,
//! `fqdn_ip6`); the only subprocess is one `systemctl --version`, run only
//! when `systemctl` and `localectl` are both on `PATH`, and only once per
//! process (the answer is cached). Measured on the 2-vCPU development VM:
//! the first `core_grains` call takes about 10 ms in a release build (16 ms
//! debug), of which ~7-12 ms is that one `systemctl`; later calls take
//! 2-4 ms. Slow name resolution of the host's own name (`fqdn`,
//! `fqdn_ip6`) is the one thing that can make it slower, as in Salt.
//!
//! Parsers for each text format are public and pure (see [`distro`], [`hw`],
//! [`net`], [`system`]) so they can be tested against fixtures.

#![forbid(unsafe_code)]

pub mod distro;
pub mod hw;
pub mod net;
pub mod system;

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::{Map, Value};

/// What grains collection needs from the minion's configuration.
#[derive(Debug, Clone, Default)]
pub struct GrainsOptions {
    /// The minion id (the `id` grain).
    pub id: String,
    /// The configuration directory holding the optional `grains` file
    /// (usually `/etc/salt`).
    pub config_dir: PathBuf,
    /// `grains:` from the minion config; highest precedence.
    pub static_grains: Map<String, Value>,
}

/// Why the `grains` file was skipped.
#[derive(Debug, thiserror::Error)]
pub enum GrainsFileError {
    /// The file exists but cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The grains file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid YAML.
    #[error("{path} is not valid YAML: {message}")]
    Yaml {
        /// The grains file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// The file's top level is not a mapping of grain names to values.
    #[error("{path} must hold a mapping of grain names to values, not {found}")]
    NotAMapping {
        /// The grains file.
        path: PathBuf,
        /// What the top level was.
        found: &'static str,
    },
}

/// Core grains, then the `<config_dir>/grains` YAML file, then the config's
/// `grains:`; later layers replace earlier top-level keys (Salt's order).
/// A bad grains file is logged as a warning naming the file and skipped.
pub fn collect(o: &GrainsOptions) -> Map<String, Value> {
    let mut grains = core_grains(&o.id);
    let path = o.config_dir.join("grains");
    match load_grains_file(&path) {
        Ok(Some(file)) => grains.extend(file),
        Ok(None) => {}
        Err(e) => tracing::warn!("skipping grains file: {e}"),
    }
    grains.extend(o.static_grains.clone());
    grains
}

/// Reads a grains file: `Ok(None)` when it does not exist or is empty,
/// the mapping when it is one, an error otherwise.
pub fn load_grains_file(path: &Path) -> Result<Option<Map<String, Value>>, GrainsFileError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(GrainsFileError::Read {
                path: path.to_owned(),
                source,
            });
        }
    };
    parse_grains_yaml(&text).map_err(|e| match e {
        GrainsFileError::Yaml { message, .. } => GrainsFileError::Yaml {
            path: path.to_owned(),
            message,
        },
        GrainsFileError::NotAMapping { found, .. } => GrainsFileError::NotAMapping {
            path: path.to_owned(),
            found,
        },
        other => other,
    })
}

/// Parses grains-file YAML into a mapping; an empty document is no grains.
/// Values are data: nothing is rendered or templated.
pub fn parse_grains_yaml(text: &str) -> Result<Option<Map<String, Value>>, GrainsFileError> {
    if text.lines().all(|l| {
        let l = l.trim();
        l.is_empty() || l.starts_with('#') || l == "---"
    }) {
        return Ok(None);
    }
    let value: Value = serde_saphyr::from_str(text).map_err(|e| GrainsFileError::Yaml {
        path: PathBuf::new(),
        message: e.to_string(),
    })?;
    match value {
        Value::Object(m) => Ok(Some(m)),
        Value::Null => Ok(None),
        other => Err(GrainsFileError::NotAMapping {
            path: PathBuf::new(),
            found: json_kind(&other),
        }),
    }
}

/// The core grains of this host, with `id` set to `id`.
pub fn core_grains(id: &str) -> Map<String, Value> {
    let started = Instant::now();
    let mut g = Map::new();
    match std::env::current_dir() {
        Ok(d) => {
            g.insert("cwd".into(), d.to_string_lossy().into_owned().into());
        }
        Err(e) => tracing::debug!("no cwd grain: {e}"),
    }
    g.extend(net::gateway_grains(
        &read("/proc/net/route"),
        &read("/proc/net/ipv6_route"),
    ));
    let resolv = ["/run/systemd/resolve/resolv.conf", "/etc/resolv.conf"]
        .iter()
        .find(|p| Path::new(p).exists())
        .and_then(|p| std::fs::read_to_string(p).ok());
    match resolv {
        Some(text) => {
            g.insert("dns".into(), Value::Object(net::parse_resolv_conf(&text)));
        }
        None => tracing::debug!("no resolv.conf; no dns grain"),
    }
    match system::machine_id() {
        Some(m) => {
            g.insert("machine_id".into(), m.into());
        }
        None => tracing::debug!("no machine-id file; no machine_id grain"),
    }

    let host_fqdn = fqdn();
    g.insert("localhost".into(), net::hostname().into());
    g.insert("fqdn".into(), host_fqdn.clone().into());
    let (host, domain) = host_fqdn.split_once('.').unwrap_or((&host_fqdn, ""));
    g.insert("host".into(), host.into());
    g.insert("domain".into(), domain.into());

    let mut ifg = net::interface_grains(&net::interfaces());
    let mut take = |k: &str, g: &mut Map<String, Value>| {
        if let Some(v) = ifg.remove(k) {
            g.insert(k.into(), v);
        }
    };
    take("hwaddr_interfaces", &mut g);
    g.insert("id".into(), id.into());
    for k in ["ip4_interfaces", "ip6_interfaces", "ipv4", "ipv6"] {
        take(k, &mut g);
    }
    for (key, list, v6) in [("fqdn_ip4", "ipv4", false), ("fqdn_ip6", "ipv6", true)] {
        let have = g
            .get(list)
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty());
        let addrs = if have {
            net::resolve(&host_fqdn, v6)
        } else {
            Vec::new()
        };
        g.insert(key.into(), addrs.into());
    }
    take("ip_interfaces", &mut g);

    match std::fs::read_to_string("/proc/cmdline") {
        Ok(text) => {
            g.insert("kernelparams".into(), hw::parse_kernel_cmdline(&text));
        }
        Err(e) => tracing::debug!("no kernelparams grain: {e}"),
    }

    let uts = nix::sys::utsname::uname().ok();
    let uts_field = |f: fn(&nix::sys::utsname::UtsName) -> &std::ffi::OsStr| {
        uts.as_ref()
            .map(|u| f(u).to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let cpuarch = uts_field(|u| u.machine());
    g.insert("kernel".into(), "Linux".into());
    g.insert("nodename".into(), uts_field(|u| u.nodename()).into());
    g.insert("kernelrelease".into(), uts_field(|u| u.release()).into());
    g.insert("kernelversion".into(), uts_field(|u| u.version()).into());
    g.insert("cpuarch".into(), cpuarch.clone().into());

    if let Some(sd) = system::systemd_grain() {
        g.insert("systemd".into(), sd);
    }
    g.insert("init".into(), system::init_system().into());

    let os_release = std::fs::read_to_string("/etc/os-release")
        .or_else(|_| std::fs::read_to_string("/usr/lib/os-release"))
        .ok();
    let lsb_release = std::fs::read_to_string("/etc/lsb-release").ok();
    let release_file = RELEASE_FILES
        .iter()
        .find_map(|p| std::fs::read_to_string(p).ok());
    let osg = distro::os_grains(&distro::DistroSources {
        os_release: os_release.as_deref(),
        lsb_release: lsb_release.as_deref(),
        release_file: release_file.as_deref(),
    });
    g.extend(osg);

    g.extend(hw::parse_cpuinfo(&read("/proc/cpuinfo")));
    let family = str_of(&g, "os_family").to_owned();
    g.insert("osarch".into(), distro::osarch(&family, &cpuarch).into());
    g.extend(hw::parse_meminfo(&read("/proc/meminfo")));
    let virt = system::detect_virtual(&system::VirtFacts::read());
    let openvz_host = virt.get("virtual").and_then(Value::as_str) == Some("openvzhn");
    g.extend(virt);
    g.insert("ps".into(), ps_command(&family, openvz_host).into());

    let osrelease = str_of(&g, "osrelease").to_owned();
    if !osrelease.is_empty() {
        let rel = distro::osrelease_grains(str_of(&g, "os"), str_of(&g, "osfullname"), &osrelease);
        g.extend(rel);
    }

    let path = std::env::var("PATH").unwrap_or_default().trim().to_owned();
    let systempath: Vec<Value> = path.split(':').map(Value::from).collect();
    g.insert("path".into(), path.into());
    g.insert("systempath".into(), Value::Array(systempath));
    g.insert("server_id".into(), server_id(id).into());
    g.insert(
        "shell".into(),
        std::env::var("SHELL")
            .unwrap_or_else(|_| "/bin/sh".into())
            .into(),
    );
    g.extend(system::process_grains());
    g.insert("saltrs_version".into(), salt_types::VERSION.into());
    g.insert("saltversion".into(), salt_types::SALT_VERSION.into());
    g.insert(
        "saltversioninfo".into(),
        Value::from(salt_types::SALT_VERSION_INFO.to_vec()),
    );

    tracing::debug!(
        elapsed_us = started.elapsed().as_micros() as u64,
        grains = g.len(),
        "core grains collected"
    );
    g
}

/// The host's FQDN as Salt computes it for the default minion id: the
/// resolver's canonical name for the host name, else the host name.
pub fn fqdn() -> String {
    net::fqdn()
}

/// Salt's `server_id` grain: the SHA-256 of the minion id, as an integer,
/// modulo 2^31.
pub fn server_id(id: &str) -> u32 {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(id.as_bytes());
    let tail = [digest[28], digest[29], digest[30], digest[31]];
    u32::from_be_bytes(tail) & 0x7fff_ffff
}

/// Distribution release files consulted for the precise version (CentOS 7
/// keeps only the major version in os-release) and for systems without
/// os-release.
const RELEASE_FILES: &[&str] = &[
    "/etc/centos-release",
    "/etc/rocky-release",
    "/etc/almalinux-release",
    "/etc/redhat-release",
    "/etc/fedora-release",
    "/etc/oracle-release",
    "/etc/alpine-release",
    "/etc/gentoo-release",
];

fn ps_command(os_family: &str, openvz_host: bool) -> &'static str {
    if openvz_host {
        r#"ps -fH -p $(grep -l "^envID:[[:space:]]*0\$" /proc/[0-9]*/status | sed -e "s=/proc/\([0-9]*\)/.*=\1=")  | awk '{ $7=""; print }'"#
    } else if os_family == "NILinuxRT" {
        "ps -o user,pid,ppid,tty,time,comm"
    } else {
        "ps -efHww"
    }
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| {
        tracing::debug!("cannot read {path}: {e}");
        String::new()
    })
}

fn str_of<'a>(g: &'a Map<String, Value>, key: &str) -> &'a str {
    g.get(key).and_then(Value::as_str).unwrap_or("")
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn server_id_matches_salt() {
        // From the reference grains.items capture for minion1.
        assert_eq!(server_id("minion1"), 156_412_900);
    }

    #[test]
    fn grains_yaml_mapping_empty_and_bad() {
        let m = parse_grains_yaml("roles:\n  - web\nrack: 3\n")
            .unwrap()
            .unwrap();
        assert_eq!(Value::Object(m), json!({"roles": ["web"], "rack": 3}));
        assert!(parse_grains_yaml("").unwrap().is_none());
        assert!(
            parse_grains_yaml("# only a comment\n---\n")
                .unwrap()
                .is_none()
        );
        assert!(matches!(
            parse_grains_yaml("- a\n- b\n"),
            Err(GrainsFileError::NotAMapping {
                found: "a list",
                ..
            })
        ));
        assert!(matches!(
            parse_grains_yaml("a: [1, 2\n"),
            Err(GrainsFileError::Yaml { .. })
        ));
    }

    #[test]
    fn grains_yaml_keeps_template_syntax_literal() {
        let m = parse_grains_yaml("motd: \"{{ pillar['x'] }}\"\nraw: '{% if a %}b{% endif %}'\n")
            .unwrap()
            .unwrap();
        assert_eq!(m["motd"], "{{ pillar['x'] }}");
        assert_eq!(m["raw"], "{% if a %}b{% endif %}");
    }

    #[test]
    fn load_grains_file_names_the_file_in_errors() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("grains");
        assert!(load_grains_file(&p).unwrap().is_none());
        std::fs::write(&p, "just a string\n").unwrap();
        let err = load_grains_file(&p).unwrap_err();
        assert!(err.to_string().contains(&p.display().to_string()), "{err}");
    }

    #[test]
    fn ps_grain() {
        assert_eq!(ps_command("Debian", false), "ps -efHww");
        assert!(ps_command("Debian", true).starts_with("ps -fH -p"));
    }
}
