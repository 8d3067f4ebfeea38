//! Operating-system grains (`os`, `os_family`, `osrelease`, `osfinger`, ...)
//! derived from the text of `/etc/os-release`, `/etc/lsb-release` and a
//! distribution release file such as `/etc/centos-release`.
//!
//! Everything here is a pure function over text so each distribution's
//! quirks can be pinned down by fixtures. The derivation follows what Salt
//! 3007 reports on a onedir/venv install, where the `lsb_release` Python
//! module is not importable: Salt then takes its "legacy" path, which fills
//! `lsb_distrib_*` from os-release, takes `osrelease` from those and maps
//! `os` to `os_family` through its fixed table.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value};

/// Key/value pairs of an os-release file, with the defaults the
/// os-release specification gives for `NAME`, `ID` and `PRETTY_NAME`.
pub type OsRelease = HashMap<String, String>;

/// The texts the OS grains are derived from; `None` where a file is absent.
#[derive(Debug, Clone, Copy, Default)]
pub struct DistroSources<'a> {
    /// `/etc/os-release` (or `/usr/lib/os-release`).
    pub os_release: Option<&'a str>,
    /// `/etc/lsb-release`.
    pub lsb_release: Option<&'a str>,
    /// A distribution release file such as `/etc/centos-release`
    /// ("CentOS Linux release 7.9.2009 (Core)").
    pub release_file: Option<&'a str>,
}

/// Parses os-release text the way Python's `platform.freedesktop_os_release`
/// does: `KEY=value` lines, optional matching quotes, backslash escapes of
/// `$ " ' \ `` ` removed, anything else ignored.
pub fn parse_os_release(text: &str) -> OsRelease {
    let mut ret: OsRelease = [("NAME", "Linux"), ("ID", "linux"), ("PRETTY_NAME", "Linux")]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    for line in text.lines() {
        let line = line.trim();
        let Some((key, raw)) = line.split_once('=') else {
            continue;
        };
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            continue;
        }
        let value = strip_matching_quotes(raw);
        ret.insert(key.to_owned(), unescape_shell(value));
    }
    ret
}

/// Parses `/etc/lsb-release` into `lsb_distrib_{id,release,codename,description}`
/// as Salt does when the `lsb_release` Python module is missing: the value
/// keeps only word characters, whitespace, `.`, `-`, and is right-trimmed.
pub fn parse_lsb_release(text: &str) -> Vec<(String, String)> {
    static LSB: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"^(DISTRIB_(?:ID|RELEASE|CODENAME|DESCRIPTION))=(?:'|")?([\w\s.\-_]+)"#)
            .expect("static regex")
    });
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if let Some(c) = LSB.captures(line) {
            let key = format!("lsb_{}", c[1].to_lowercase());
            let value = c[2].trim_end().to_owned();
            match out.iter_mut().find(|(k, _)| *k == key) {
                Some(slot) => slot.1 = value,
                None => out.push((key, value)),
            }
        }
    }
    out
}

/// The distribution grains: `os`, `os_family`, `oscodename`, `osfullname`,
/// `lsb_distrib_*` and `osrelease`, in the order Salt inserts them.
pub fn os_grains(src: &DistroSources<'_>) -> Map<String, Value> {
    let mut g = Map::new();
    for (k, v) in src.lsb_release.map(parse_lsb_release).unwrap_or_default() {
        g.insert(k, Value::String(v));
    }
    let osr = src.os_release.map(parse_os_release);
    if let Some(osr) = &osr {
        let name = get(osr, "NAME");
        let id = get(osr, "ID");
        g.insert("os".into(), derive_os(name, Some(id)).into());
        // Overwritten below by the os_family table; inserted here so the key
        // keeps Salt's position.
        g.insert("os_family".into(), Value::Null);
        g.insert("oscodename".into(), Value::Null);
        g.insert("osfullname".into(), name.trim().into());
    }
    let lsb_description = str_of(&g, "lsb_distrib_description").to_lowercase();
    if lsb_description.starts_with("antergos") {
        g.insert("osfullname".into(), "Antergos Linux".into());
    } else if !g.contains_key("lsb_distrib_id")
        && let Some(osr) = &osr
    {
        fill_lsb_from_os_release(&mut g, osr);
    }

    let release_file = src.release_file.map(parse_release_file);
    let (distro_name, distro_version, distro_codename) =
        linux_distribution(osr.as_ref(), src.lsb_release, release_file.as_ref());

    if !g.contains_key("osfullname") {
        let lsb_id = str_of(&g, "lsb_distrib_id");
        let full = if lsb_id.to_lowercase().starts_with("nilrt") {
            "nilrt".to_owned()
        } else if g.contains_key("lsb_distrib_id") {
            lsb_id.trim().to_owned()
        } else {
            distro_name.trim().to_owned()
        };
        g.insert("osfullname".into(), full.into());
    }
    // CentOS 7/8 os-release carries only the major version; Salt drops the
    // lsb release there so the full one comes from /etc/centos-release.
    let codename = str_of(&g, "lsb_distrib_codename").to_owned();
    if codename.contains("CentOS Linux 7") || codename.contains("CentOS Linux 8") {
        g.shift_remove("lsb_distrib_release");
    }
    let osrelease = match g.get("lsb_distrib_release") {
        Some(Value::String(s)) => s.trim().to_owned(),
        _ => distro_version.trim().to_owned(),
    };
    g.insert("osrelease".into(), osrelease.into());

    let os_now = str_of(&g, "os").to_owned();
    if !codename.is_empty()
        && ["Rocky", "AlmaLinux", "AstraLinuxSE"]
            .iter()
            .any(|o| os_now.contains(o))
        && let Some((_, rest)) = codename.split_once('(')
    {
        let inner = rest.split_once(')').map_or(rest, |(a, _)| a);
        let new = if os_now == "AstraLinuxSE" {
            inner.split_whitespace().next().unwrap_or("").to_lowercase()
        } else {
            inner.to_owned()
        };
        g.insert("lsb_distrib_codename".into(), new.into());
    }
    let mut oscodename = str_of(&g, "lsb_distrib_codename").trim().to_owned();
    if oscodename.is_empty() || oscodename.contains("Red Hat") {
        oscodename = distro_codename;
    }
    g.insert("oscodename".into(), oscodename.into());
    if !g.contains_key("os") {
        let os = derive_os(str_of(&g, "osfullname"), None);
        g.insert("os".into(), os.into());
    }
    let os = str_of(&g, "os").to_owned();
    g.insert("os_family".into(), os_family(&os).into());
    g
}

/// `osrelease_info`, `osmajorrelease` and `osfinger` from `os`, `osfullname`
/// and a non-empty `osrelease`, as Salt derives them.
pub fn osrelease_grains(os: &str, osfullname: &str, osrelease: &str) -> Map<String, Value> {
    let mut g = Map::new();
    let info: Vec<Value> = osrelease
        .split('.')
        .map(|part| {
            if !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) {
                part.parse::<u64>()
                    .map_or_else(|_| Value::String(part.to_owned()), Value::from)
            } else {
                Value::String(part.to_owned())
            }
        })
        .collect();
    let first = info.first().cloned().unwrap_or(Value::Null);
    g.insert("osrelease_info".into(), Value::Array(info));
    match &first {
        Value::Number(n) => {
            g.insert("osmajorrelease".into(), Value::Number(n.clone()));
        }
        other => tracing::debug!(
            "cannot derive osmajorrelease from osrelease_info starting with {other}; leaving it out"
        ),
    }
    let os_name = if ["Debian", "FreeBSD", "OpenBSD", "NetBSD", "Mac", "Raspbian"].contains(&os) {
        os
    } else {
        osfullname
    };
    let version = if ["Ubuntu", "Pop"].contains(&os) {
        osrelease.to_owned()
    } else {
        match first {
            Value::Number(n) => n.to_string(),
            Value::String(s) => s,
            _ => String::new(),
        }
    };
    g.insert("osfinger".into(), format!("{os_name}-{version}").into());
    g
}

/// Salt's short `os` name for a distribution's full name (`NAME=` of
/// os-release) and, when known, its os-release `ID`.
pub fn derive_os(osfullname: &str, os_id: Option<&str>) -> String {
    static LINUX: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?i)\W(?:gnu/)?linux").expect("static regex"));
    if let Some(id) = os_id {
        for (mid, mname, os) in ID_AND_NAME_TO_OS {
            if *mid == id && *mname == osfullname {
                return (*os).to_owned();
            }
        }
    }
    let distroname = LINUX.replace_all(osfullname, "").trim().to_owned();
    let short: String = distroname
        .replace(' ', "")
        .to_lowercase()
        .chars()
        .take(10)
        .collect();
    OS_NAME_MAP
        .iter()
        .find(|(k, _)| *k == short)
        .map_or(distroname, |(_, v)| (*v).to_owned())
}

/// Salt's `os_family` for an `os` grain; an unknown `os` is its own family.
pub fn os_family(os: &str) -> String {
    OS_FAMILY_MAP
        .iter()
        .find(|(k, _)| *k == os)
        .map_or(os, |(_, v)| v)
        .to_owned()
}

/// The `osarch` grain without running `dpkg`/`rpm`: Debian-family systems
/// name architectures the Debian way, the rest use the kernel's.
pub fn osarch(os_family: &str, cpuarch: &str) -> String {
    if os_family != "Debian" {
        return cpuarch.to_owned();
    }
    match cpuarch {
        "x86_64" => "amd64",
        "aarch64" | "arm64" => "arm64",
        "i386" | "i486" | "i586" | "i686" => "i386",
        "armv7l" | "armv6l" => "armhf",
        "ppc64le" => "ppc64el",
        "mips64" => "mips64el",
        "loongarch64" => "loong64",
        other => other,
    }
    .to_owned()
}

/// Parsed distribution release file: name, version and codename.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReleaseFile {
    /// e.g. "CentOS Linux".
    pub name: String,
    /// e.g. "7.9.2009".
    pub version: String,
    /// e.g. "Core".
    pub codename: String,
}

/// Parses the first line of a release file like
/// `CentOS Linux release 7.9.2009 (Core)` or Alpine's bare `3.19.1`.
pub fn parse_release_file(text: &str) -> ReleaseFile {
    let line = text.lines().next().unwrap_or("").trim();
    let (head, codename) = match (line.rfind('('), line.ends_with(')')) {
        (Some(open), true) => (line[..open].trim(), line[open + 1..line.len() - 1].trim()),
        _ => (line, ""),
    };
    let mut words: Vec<&str> = head.split_whitespace().collect();
    let mut version = "";
    if let Some(pos) = words
        .iter()
        .rposition(|w| w.starts_with(|c: char| c.is_ascii_digit()))
    {
        version = words[pos];
        words.truncate(pos);
    }
    if words.last() == Some(&"release") {
        words.pop();
    }
    ReleaseFile {
        name: words.join(" "),
        version: version.to_owned(),
        codename: codename.to_owned(),
    }
}

fn get<'a>(osr: &'a OsRelease, key: &str) -> &'a str {
    osr.get(key).map_or("", String::as_str)
}

fn str_of<'a>(g: &'a Map<String, Value>, key: &str) -> &'a str {
    g.get(key).and_then(Value::as_str).unwrap_or("")
}

fn strip_matching_quotes(raw: &str) -> &str {
    for q in ['"', '\''] {
        if raw.len() >= 2 && raw.starts_with(q) && raw.ends_with(q) {
            return &raw[1..raw.len() - 1];
        }
    }
    raw
}

fn unescape_shell(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\'
            && let Some(&n) = chars.peek()
            && matches!(n, '$' | '"' | '\'' | '\\' | '`')
        {
            out.push(n);
            chars.next();
            continue;
        }
        out.push(c);
    }
    out
}

fn fill_lsb_from_os_release(g: &mut Map<String, Value>, osr: &OsRelease) {
    g.insert("lsb_distrib_id".into(), get(osr, "NAME").trim().into());
    if let Some(v) = osr.get("VERSION_ID") {
        g.insert("lsb_distrib_release".into(), v.as_str().into());
    }
    if let Some(v) = osr.get("VERSION_CODENAME") {
        g.insert("lsb_distrib_codename".into(), v.as_str().into());
    } else if let Some(v) = osr.get("PRETTY_NAME") {
        g.insert("lsb_distrib_codename".into(), v.as_str().into());
    }
    if let Some(cpe) = osr.get("CPE_NAME") {
        let vendor = cpe_vendor_version(cpe);
        match vendor {
            None => tracing::debug!("broken CPE_NAME in os-release: {cpe:?}"),
            Some((vendor, version))
                if vendor.eq_ignore_ascii_case("suse")
                    || vendor.eq_ignore_ascii_case("opensuse") =>
            {
                g.insert("os".into(), "SUSE".into());
                if get(osr, "NAME") == "openSUSE Leap" {
                    g.insert("osfullname".into(), "Leap".into());
                } else if get(osr, "VERSION") == "Tumbleweed" {
                    g.insert("osfullname".into(), "Tumbleweed".into());
                }
                if vendor == "opensuse" && !version.is_empty() {
                    g.insert("lsb_distrib_release".into(), version.into());
                }
            }
            Some(_) => {}
        }
    }
    if get(osr, "ID").trim() == "mendel" {
        let words: Vec<&str> = get(osr, "PRETTY_NAME").split_whitespace().collect();
        if let Some(v) = words.get(2) {
            g.insert("lsb_distrib_release".into(), (*v).into());
        }
    }
}

/// Vendor and version of a CPE name in URI (`cpe:/o:vendor:product:version`)
/// or formatted-string (`cpe:2.3:o:vendor:product:version:...`) form.
fn cpe_vendor_version(cpe: &str) -> Option<(String, String)> {
    let parts: Vec<&str> = cpe.split(':').collect();
    if parts.len() <= 4 || parts[0] != "cpe" {
        return None;
    }
    if parts[1].starts_with('/') {
        return Some((parts[2].to_owned(), parts[4].to_owned()));
    }
    if parts[1] == "2.3" && (parts.len() == 6 || (8..=13).contains(&parts.len())) {
        let clean = |s: &str| {
            if s == "*" {
                String::new()
            } else {
                s.to_owned()
            }
        };
        return Some((clean(parts[3]), clean(parts[5])));
    }
    None
}

/// What the `distro` package answers for `linux_distribution()`: the name,
/// the most precise version among all sources, and the codename.
fn linux_distribution(
    osr: Option<&OsRelease>,
    lsb_text: Option<&str>,
    rel: Option<&ReleaseFile>,
) -> (String, String, String) {
    let lsb: HashMap<String, String> = lsb_text
        .map(parse_lsb_release)
        .unwrap_or_default()
        .into_iter()
        .collect();
    let lsb_get = |k: &str| lsb.get(k).cloned().unwrap_or_default();
    let name = osr
        .and_then(|o| o.get("NAME").cloned())
        .filter(|s| !s.is_empty())
        .or_else(|| Some(lsb_get("lsb_distrib_id")).filter(|s| !s.is_empty()))
        .or_else(|| rel.map(|r| r.name.clone()))
        .unwrap_or_default();

    static PRETTY_VERSION: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(\d[\d.+\-a-z]*)").expect("static regex"));
    let pretty_version = |s: &str| {
        PRETTY_VERSION
            .captures(s)
            .map(|c| c[1].trim_end_matches(['.', '-', '+']).to_owned())
            .unwrap_or_default()
    };
    let candidates = [
        osr.map(|o| get(o, "VERSION_ID").to_owned())
            .unwrap_or_default(),
        lsb_get("lsb_distrib_release"),
        rel.map(|r| r.version.clone()).unwrap_or_default(),
        osr.map(|o| pretty_version(get(o, "PRETTY_NAME")))
            .unwrap_or_default(),
        pretty_version(&lsb_get("lsb_distrib_description")),
    ];
    let mut version = String::new();
    for v in candidates {
        if version.is_empty() || v.matches('.').count() > version.matches('.').count() {
            version = v;
        }
    }

    let paren = |s: &str| {
        s.split_once('(')
            .and_then(|(_, r)| r.split_once(')'))
            .map(|(c, _)| c.trim().to_owned())
    };
    let codename = osr
        .and_then(|o| {
            o.get("VERSION_CODENAME")
                .or_else(|| o.get("UBUNTU_CODENAME"))
                .cloned()
                .or_else(|| paren(get(o, "VERSION")))
        })
        .filter(|s| !s.is_empty())
        .or_else(|| Some(lsb_get("lsb_distrib_codename")).filter(|s| !s.is_empty()))
        .or_else(|| rel.map(|r| r.codename.clone()))
        .unwrap_or_default();
    (name, version, codename)
}

// Salt's table mapping the first ten characters (lowercased, no spaces) of
// the full OS name to its traditional `os` grain.
const OS_NAME_MAP: &[(&str, &str)] = &[
    ("redhatente", "RedHat"),
    ("gentoobase", "Gentoo"),
    ("archarm", "Arch ARM"),
    ("arch", "Arch"),
    ("debian", "Debian"),
    ("Junos", "Junos"),
    ("raspbian", "Raspbian"),
    ("fedoraremi", "Fedora"),
    ("chapeau", "Chapeau"),
    ("korora", "Korora"),
    ("amazonami", "Amazon"),
    ("alt", "ALT"),
    ("enterprise", "OEL"),
    ("oracleserv", "OEL"),
    ("cloudserve", "CloudLinux"),
    ("cloudlinux", "CloudLinux"),
    ("almalinux", "AlmaLinux"),
    ("pidora", "Fedora"),
    ("scientific", "ScientificLinux"),
    ("synology", "Synology"),
    ("nilrt", "NILinuxRT"),
    ("poky", "Poky"),
    ("manjaro", "Manjaro"),
    ("manjarolin", "Manjaro"),
    ("univention", "Univention"),
    ("antergos", "Antergos"),
    ("sles", "SUSE"),
    ("void", "Void"),
    ("slesexpand", "RES"),
    ("linuxmint", "Mint"),
    ("neon", "KDE neon"),
    ("pop", "Pop"),
    ("rocky", "Rocky"),
    ("alibabaclo", "Alinux"),
    ("mendel", "Mendel"),
];

const ID_AND_NAME_TO_OS: &[(&str, &str, &str)] = &[
    ("astra", "Astra Linux (Orel)", "AstraLinuxCE"),
    ("astra", "Astra Linux (Smolensk)", "AstraLinuxSE"),
    ("pop", "Pop!_OS", "Pop"),
];

// Salt's `os` -> `os_family` table; an `os` not listed is its own family.
const OS_FAMILY_MAP: &[(&str, &str)] = &[
    ("Ubuntu", "Debian"),
    ("Fedora", "RedHat"),
    ("Chapeau", "RedHat"),
    ("Korora", "RedHat"),
    ("FedBerry", "RedHat"),
    ("CentOS", "RedHat"),
    ("CentOS Stream", "RedHat"),
    ("GoOSe", "RedHat"),
    ("Scientific", "RedHat"),
    ("Amazon", "RedHat"),
    ("CloudLinux", "RedHat"),
    ("AlmaLinux", "RedHat"),
    ("OVS", "RedHat"),
    ("OEL", "RedHat"),
    ("XCP", "RedHat"),
    ("XCP-ng", "RedHat"),
    ("XenServer", "RedHat"),
    ("RES", "RedHat"),
    ("Sangoma", "RedHat"),
    ("VMware Photon OS", "RedHat"),
    ("Mandrake", "Mandriva"),
    ("Mint", "Debian"),
    ("VMwareESX", "VMware"),
    ("Bluewhite64", "Bluewhite"),
    ("Slamd64", "Slackware"),
    ("SLES", "Suse"),
    ("SUSE Enterprise Server", "Suse"),
    ("SUSE  Enterprise Server", "Suse"),
    ("SLED", "Suse"),
    ("openSUSE", "Suse"),
    ("SUSE", "Suse"),
    ("openSUSE Leap", "Suse"),
    ("openSUSE Tumbleweed", "Suse"),
    ("SLES_SAP", "Suse"),
    ("Arch ARM", "Arch"),
    ("Manjaro", "Arch"),
    ("Manjaro ARM", "Arch"),
    ("Antergos", "Arch"),
    ("EndeavourOS", "Arch"),
    ("ALT", "RedHat"),
    ("Trisquel", "Debian"),
    ("GCEL", "Debian"),
    ("Linaro", "Debian"),
    ("elementary OS", "Debian"),
    ("elementary", "Debian"),
    ("Univention", "Debian"),
    ("ScientificLinux", "RedHat"),
    ("Raspbian", "Debian"),
    ("Devuan", "Debian"),
    ("antiX", "Debian"),
    ("Kali", "Debian"),
    ("Parrot OS", "Debian"),
    ("neon", "Debian"),
    ("Cumulus", "Debian"),
    ("Deepin", "Debian"),
    ("NILinuxRT", "NILinuxRT"),
    ("KDE neon", "Debian"),
    ("Void", "Void"),
    ("IDMS", "Debian"),
    ("Funtoo", "Gentoo"),
    ("TurnKey", "Debian"),
    ("Pop", "Debian"),
    ("Rocky", "RedHat"),
    ("AstraLinuxCE", "Debian"),
    ("AstraLinuxSE", "Debian"),
    ("Alinux", "RedHat"),
    ("Mendel", "Debian"),
    ("OSMC", "Debian"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const DEBIAN_12: &str = include_str!("../tests/fixtures/os-release/debian-12");
    const UBUNTU_2204: &str = include_str!("../tests/fixtures/os-release/ubuntu-22.04");
    const UBUNTU_2204_LSB: &str = include_str!("../tests/fixtures/lsb-release/ubuntu-22.04");
    const ROCKY_9: &str = include_str!("../tests/fixtures/os-release/rocky-9");
    const CENTOS_7: &str = include_str!("../tests/fixtures/os-release/centos-7");
    const ALPINE: &str = include_str!("../tests/fixtures/os-release/alpine-3.19");

    /// Runs the whole derivation and returns the grains the tests look at.
    fn full(src: DistroSources<'_>) -> Map<String, Value> {
        let mut g = os_grains(&src);
        let rel = osrelease_grains(
            str_of(&g, "os"),
            str_of(&g, "osfullname"),
            str_of(&g, "osrelease"),
        );
        g.extend(rel);
        g
    }

    fn assert_os(g: &Map<String, Value>, expected: Value) {
        let Value::Object(exp) = expected else {
            panic!("expected an object")
        };
        for (k, v) in &exp {
            assert_eq!(g.get(k), Some(v), "grain {k}");
        }
    }

    #[test]
    fn debian_12() {
        let g = full(DistroSources {
            os_release: Some(DEBIAN_12),
            ..Default::default()
        });
        assert_os(
            &g,
            json!({
                "os": "Debian", "os_family": "Debian", "osrelease": "12", "osmajorrelease": 12,
                "osrelease_info": [12], "osfinger": "Debian-12", "osfullname": "Debian GNU/Linux",
                "oscodename": "bookworm", "lsb_distrib_id": "Debian GNU/Linux",
                "lsb_distrib_release": "12", "lsb_distrib_codename": "bookworm",
            }),
        );
        // Same key order as the reference grains.items capture.
        let only_os = os_grains(&DistroSources {
            os_release: Some(DEBIAN_12),
            ..Default::default()
        });
        let keys: Vec<&str> = only_os.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "os",
                "os_family",
                "oscodename",
                "osfullname",
                "lsb_distrib_id",
                "lsb_distrib_release",
                "lsb_distrib_codename",
                "osrelease"
            ]
        );
    }

    #[test]
    fn ubuntu_2204_with_and_without_lsb_release() {
        let expected = json!({
            "os": "Ubuntu", "os_family": "Debian", "osrelease": "22.04", "osmajorrelease": 22,
            "osrelease_info": [22, 4], "osfinger": "Ubuntu-22.04", "osfullname": "Ubuntu",
            "oscodename": "jammy",
        });
        let g = full(DistroSources {
            os_release: Some(UBUNTU_2204),
            ..Default::default()
        });
        assert_os(&g, expected.clone());
        let g = full(DistroSources {
            os_release: Some(UBUNTU_2204),
            lsb_release: Some(UBUNTU_2204_LSB),
            ..Default::default()
        });
        assert_os(&g, expected);
        assert_eq!(g["lsb_distrib_id"], "Ubuntu");
        assert_eq!(g["lsb_distrib_description"], "Ubuntu 22.04.4 LTS");
    }

    #[test]
    fn rocky_9_codename_from_brackets() {
        let g = full(DistroSources {
            os_release: Some(ROCKY_9),
            release_file: Some("Rocky Linux release 9.3 (Blue Onyx)\n"),
            ..Default::default()
        });
        assert_os(
            &g,
            json!({
                "os": "Rocky", "os_family": "RedHat", "osrelease": "9.3", "osmajorrelease": 9,
                "osrelease_info": [9, 3], "osfinger": "Rocky Linux-9", "osfullname": "Rocky Linux",
                "oscodename": "Blue Onyx", "lsb_distrib_codename": "Blue Onyx",
            }),
        );
    }

    #[test]
    fn centos_7_takes_release_from_centos_release() {
        let g = full(DistroSources {
            os_release: Some(CENTOS_7),
            release_file: Some("CentOS Linux release 7.9.2009 (Core)\n"),
            ..Default::default()
        });
        assert_os(
            &g,
            json!({
                "os": "CentOS", "os_family": "RedHat", "osrelease": "7.9.2009", "osmajorrelease": 7,
                "osrelease_info": [7, 9, 2009], "osfinger": "CentOS Linux-7",
                "osfullname": "CentOS Linux", "oscodename": "CentOS Linux 7 (Core)",
            }),
        );
        assert!(!g.contains_key("lsb_distrib_release"));
        // Without the release file only the major version is known.
        let g = full(DistroSources {
            os_release: Some(CENTOS_7),
            ..Default::default()
        });
        assert_eq!(g["osrelease"], "7");
    }

    #[test]
    fn alpine() {
        let g = full(DistroSources {
            os_release: Some(ALPINE),
            release_file: Some("3.19.1\n"),
            ..Default::default()
        });
        assert_os(
            &g,
            json!({
                "os": "Alpine", "os_family": "Alpine", "osrelease": "3.19.1", "osmajorrelease": 3,
                "osrelease_info": [3, 19, 1], "osfinger": "Alpine Linux-3",
                "osfullname": "Alpine Linux", "oscodename": "Alpine Linux v3.19",
            }),
        );
    }

    #[test]
    fn os_names_and_families() {
        let cases = [
            ("Red Hat Enterprise Linux", "rhel", "RedHat", "RedHat"),
            ("Fedora Linux", "fedora", "Fedora", "RedHat"),
            ("AlmaLinux", "almalinux", "AlmaLinux", "RedHat"),
            ("Amazon Linux", "amzn", "Amazon", "RedHat"),
            ("Oracle Linux Server", "ol", "OEL", "RedHat"),
            ("Arch Linux", "arch", "Arch", "Arch"),
            ("SLES", "sles", "SUSE", "Suse"),
            ("Linux Mint", "linuxmint", "Mint", "Debian"),
            ("Raspbian GNU/Linux", "raspbian", "Raspbian", "Debian"),
            ("Pop!_OS", "pop", "Pop", "Debian"),
            ("Gentoo", "gentoo", "Gentoo", "Gentoo"),
        ];
        for (name, id, os, family) in cases {
            let got = derive_os(name, Some(id));
            assert_eq!(got, os, "{name}");
            assert_eq!(os_family(&got), family, "{name}");
        }
    }

    #[test]
    fn opensuse_leap_uses_cpe_and_short_fullname() {
        let text = "NAME=\"openSUSE Leap\"\nVERSION=\"15.5\"\nID=\"opensuse-leap\"\nVERSION_ID=\"15.5\"\nPRETTY_NAME=\"openSUSE Leap 15.5\"\nCPE_NAME=\"cpe:/o:opensuse:leap:15.5\"\n";
        let g = full(DistroSources {
            os_release: Some(text),
            ..Default::default()
        });
        assert_os(
            &g,
            json!({"os": "SUSE", "os_family": "Suse", "osfullname": "Leap", "osrelease": "15.5", "osfinger": "Leap-15"}),
        );
    }

    #[test]
    fn rhel_codename_falls_back_from_pretty_name() {
        let text = "NAME=\"Red Hat Enterprise Linux\"\nVERSION=\"9.3 (Plow)\"\nID=\"rhel\"\nVERSION_ID=\"9.3\"\nPRETTY_NAME=\"Red Hat Enterprise Linux 9.3 (Plow)\"\n";
        let g = full(DistroSources {
            os_release: Some(text),
            ..Default::default()
        });
        assert_os(
            &g,
            json!({"os": "RedHat", "oscodename": "Plow", "osfinger": "Red Hat Enterprise Linux-9"}),
        );
    }

    #[test]
    fn os_release_parsing_quotes_escapes_and_junk() {
        let osr = parse_os_release(
            "# comment\nNAME='My \\\"OS\\\"'\nBAD LINE\nVERSION_ID=1.0\nX=\"a\\$b\"\n=nokey\n",
        );
        assert_eq!(osr["NAME"], "My \"OS\"");
        assert_eq!(osr["VERSION_ID"], "1.0");
        assert_eq!(osr["X"], "a$b");
        assert_eq!(osr["ID"], "linux", "default kept");
        assert!(!osr.contains_key(""));
    }

    #[test]
    fn no_os_release_uses_release_file() {
        let g = full(DistroSources {
            release_file: Some("CentOS release 6.10 (Final)\n"),
            ..Default::default()
        });
        assert_os(
            &g,
            json!({"os": "CentOS", "os_family": "RedHat", "osrelease": "6.10", "oscodename": "Final"}),
        );
    }

    #[test]
    fn osrelease_info_keeps_non_numeric_parts() {
        let g = osrelease_grains("Foo", "Foo OS", "rolling");
        assert_eq!(g["osrelease_info"], json!(["rolling"]));
        assert!(!g.contains_key("osmajorrelease"));
        assert_eq!(g["osfinger"], "Foo OS-rolling");
        let g = osrelease_grains("Foo", "Foo OS", "10.2b");
        assert_eq!(g["osrelease_info"], json!([10, "2b"]));
        assert_eq!(g["osmajorrelease"], 10);
    }

    #[test]
    fn osarch_mapping() {
        assert_eq!(osarch("Debian", "x86_64"), "amd64");
        assert_eq!(osarch("Debian", "aarch64"), "arm64");
        assert_eq!(osarch("RedHat", "x86_64"), "x86_64");
    }
}
