//! System grains that describe the running environment rather than the
//! hardware: `systemd`, `init`, `virtual`/`virtual_subtype`, `machine_id`
//! and the identity of the running process (`username`, `uid`, `pid`, ...).
//!
//! Salt shells out to `systemd-detect-virt`, `virt-what`, `dmidecode` and
//! `lspci` for `virtual`; salt-rs reads the files those tools read (DMI in
//! sysfs, `/proc/1/cgroup`, `/.dockerenv`, ...) so collection stays fast and
//! subprocess-free apart from one `systemctl --version`.

use std::path::Path;

use serde_json::{Map, Value};

/// Parses `systemctl --version` output into the `systemd` grain
/// `{"version": "252", "features": "+PAM ..."}`; `None` if it is not that.
pub fn parse_systemctl_version(text: &str) -> Option<Value> {
    let mut lines = text.lines();
    let version = lines.next()?.split_whitespace().nth(1)?.to_owned();
    let features = lines.next()?.to_owned();
    let mut m = Map::new();
    m.insert("version".into(), version.into());
    m.insert("features".into(), features.into());
    Some(Value::Object(m))
}

/// The `systemd` grain: present only when both `systemctl` and `localectl`
/// are on `PATH`, as in Salt. Runs `systemctl --version` once per process
/// (it costs several milliseconds) and reuses the answer afterwards.
pub fn systemd_grain() -> Option<Value> {
    static CACHE: std::sync::OnceLock<Option<Value>> = std::sync::OnceLock::new();
    CACHE.get_or_init(systemd_grain_uncached).clone()
}

fn systemd_grain_uncached() -> Option<Value> {
    let systemctl = which("systemctl")?;
    which("localectl")?;
    let out = match std::process::Command::new(&systemctl)
        .arg("--version")
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
    {
        Ok(o) => o,
        Err(e) => {
            tracing::debug!("cannot run {}: {e}", systemctl.display());
            return None;
        }
    };
    let parsed = parse_systemctl_version(&String::from_utf8_lossy(&out.stdout));
    if parsed.is_none() {
        tracing::debug!("unexpected `systemctl --version` output; no systemd grain");
    }
    parsed
}

/// The `init` grain: `systemd` when `/run/systemd/system` exists, otherwise
/// judged from PID 1's command line (and, for a generic `.../bin/init`, the
/// strings inside that binary); `unknown` when nothing matches.
pub fn init_system() -> String {
    if Path::new("/run/systemd/system").exists() {
        return "systemd".into();
    }
    let cmdline = match std::fs::read("/proc/1/cmdline") {
        Ok(b) => b,
        Err(e) => {
            tracing::debug!("cannot read /proc/1/cmdline: {e}");
            return "unknown".into();
        }
    };
    let args: Vec<String> = String::from_utf8_lossy(&cmdline)
        .replace('\0', " ")
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let Some(first) = args.first() else {
        tracing::debug!("empty /proc/1/cmdline");
        return "unknown".into();
    };
    let init_bin = which(first);
    if let Some(bin) = init_bin
        .as_ref()
        .filter(|b| b.to_string_lossy().ends_with("bin/init"))
    {
        return match std::fs::read(bin) {
            Ok(data) => init_from_binary(&data).unwrap_or("unknown").to_owned(),
            Err(e) => {
                tracing::debug!("cannot read {}: {e}", bin.display());
                "unknown".into()
            }
        };
    }
    init_from_cmdline(&args, |name| {
        which(name).map(|p| p.to_string_lossy().into_owned())
    })
}

/// Which of upstart, sysvinit or systemd an init binary is, by the first
/// of those names found in its (lowercased) bytes.
pub fn init_from_binary(data: &[u8]) -> Option<&'static str> {
    const KINDS: [&str; 3] = ["upstart", "sysvinit", "systemd"];
    let lower = data.to_ascii_lowercase();
    // Salt scans in 256 KiB chunks and takes the first kind (in list order)
    // present in the earliest chunk containing any.
    for chunk_start in (0..lower.len().max(1)).step_by(CHUNK) {
        let from = chunk_start.saturating_sub(7);
        let to = (chunk_start + CHUNK).min(lower.len());
        let window = &lower[from..to];
        if let Some(kind) = KINDS.iter().find(|k| contains(window, k.as_bytes())) {
            return Some(kind);
        }
    }
    None
}

/// The init system named by PID 1's arguments when it is not a generic
/// `init`: supervisord, dumb-init, tini or runit; else `unknown`.
/// `which` resolves a program name on `PATH`.
pub fn init_from_cmdline(args: &[String], which: impl Fn(&str) -> Option<String>) -> String {
    for name in ["supervisord", "dumb-init", "tini"] {
        if let Some(path) = which(name)
            && args.contains(&path)
        {
            return name.into();
        }
    }
    if args == ["runit"] || args.iter().any(|a| a == "/sbin/my_init") {
        return "runit".into();
    }
    tracing::debug!(
        "could not tell the init system from PID 1's command line {:?}",
        args.join(" ")
    );
    "unknown".into()
}

/// What the `virtual` detection looks at, gathered by [`VirtFacts::read`]
/// (or built by hand in tests).
#[derive(Debug, Clone, Default)]
pub struct VirtFacts {
    /// `/sys/class/dmi/id/{sys_vendor,product_name,bios_vendor,board_vendor}` joined by newlines.
    pub dmi: String,
    /// `/sys/devices/virtual/dmi/id/product_name`.
    pub product_name: Option<String>,
    /// `/proc/cpuinfo`.
    pub cpuinfo: String,
    /// `/proc/1/cgroup`.
    pub cgroup1: Option<String>,
    /// `/proc/1/environ`, NULs as they are.
    pub environ1: Option<String>,
    /// `/proc/self/status`.
    pub self_status: Option<String>,
    /// `/.dockerenv` exists.
    pub dockerenv: bool,
    /// `/` differs from PID 1's root.
    pub chroot: bool,
    /// `/proc/vz` exists, and which of `version` / `veinfo` it holds.
    pub vz: Option<(bool, bool)>,
    /// Xen: `/proc/sys/xen`, `/sys/bus/xen` or `/proc/xen` exists.
    pub xen: bool,
    /// `/proc/xen/xsd_kva` exists (dom0).
    pub xen_dom0: bool,
    /// `/proc/xen/capabilities` text.
    pub xen_capabilities: Option<String>,
    /// `/sys/bus/xen/drivers/xenconsole` exists.
    pub xen_console: bool,
}

impl VirtFacts {
    /// Reads the facts from this host; unreadable files count as absent.
    pub fn read() -> Self {
        let read = |p: &str| {
            std::fs::read(p)
                .ok()
                .map(|b| String::from_utf8_lossy(&b).into_owned())
        };
        let exists = |p: &str| Path::new(p).exists();
        let dmi = ["sys_vendor", "product_name", "bios_vendor", "board_vendor"]
            .iter()
            .filter_map(|f| read(&format!("/sys/class/dmi/id/{f}")))
            .collect::<Vec<_>>()
            .join("\n");
        let chroot = {
            use std::os::unix::fs::MetadataExt;
            match (std::fs::metadata("/"), std::fs::metadata("/proc/1/root/.")) {
                (Ok(a), Ok(b)) => (a.dev(), a.ino()) != (b.dev(), b.ino()),
                _ => false,
            }
        };
        Self {
            dmi,
            product_name: read("/sys/devices/virtual/dmi/id/product_name"),
            cpuinfo: read("/proc/cpuinfo").unwrap_or_default(),
            cgroup1: read("/proc/1/cgroup"),
            environ1: read("/proc/1/environ"),
            self_status: read("/proc/self/status"),
            dockerenv: exists("/.dockerenv"),
            chroot,
            vz: exists("/proc/vz").then(|| (exists("/proc/vz/version"), exists("/proc/vz/veinfo"))),
            xen: exists("/proc/sys/xen") || exists("/sys/bus/xen") || exists("/proc/xen"),
            xen_dom0: exists("/proc/xen/xsd_kva"),
            xen_capabilities: read("/proc/xen/capabilities"),
            xen_console: exists("/sys/bus/xen/drivers/xenconsole"),
        }
    }
}

/// `virtual` (always) and `virtual_subtype` (when known) from the facts,
/// following the order of Salt's checks: hypervisor first, then the file
/// checks, containers last so they win over the host's hypervisor.
pub fn detect_virtual(f: &VirtFacts) -> Map<String, Value> {
    let mut virt = String::from("physical");
    let mut sub: Option<String> = None;
    // Stand-in for `systemd-detect-virt`'s DMI table, mapped the way Salt
    // maps that tool's answers.
    let dmi = &f.dmi;
    let dmi_hit = [
        ("Amazon EC2", "Nitro", Some("Amazon EC2")),
        ("KVM", "kvm", None),
        ("OpenStack", "kvm", None),
        ("KubeVirt", "kvm", None),
        ("QEMU", "qemu", None),
        ("VMware", "VMware", None),
        ("VMW", "VMware", None),
        ("innotek GmbH", "oracle", None),
        ("VirtualBox", "oracle", None),
        ("Oracle Corporation", "oracle", None),
        ("Xen", "xen", None),
        ("Bochs", "bochs", None),
        ("Microsoft Corporation", "VirtualPC", None),
    ]
    .into_iter()
    .find(|(needle, _, _)| dmi.contains(needle));
    if let Some((needle, v, s)) = dmi_hit {
        // Hyper-V's DMI says "Microsoft Corporation" on physical Surface
        // machines too; only a "Virtual Machine" product is a VM.
        if needle != "Microsoft Corporation" || dmi.contains("Virtual Machine") {
            virt = v.into();
            sub = s.map(str::to_owned);
        }
    }
    if f.chroot {
        sub = Some("chroot".into());
    }
    if let Some((version, veinfo)) = f.vz {
        if version {
            virt = "openvzhn".into();
        } else if veinfo {
            virt = "openvzve".into();
        }
    }
    if let Some(status) = &f.self_status {
        for line in status.lines() {
            if let Some(rest) = line.strip_prefix("envID:")
                && let Ok(id) = rest.trim().parse::<u64>()
            {
                virt = if id != 0 { "openvzve" } else { "openvzhn" }.into();
            }
        }
    }
    if f.xen {
        if f.xen_dom0 {
            sub = Some("Xen Dom0".into());
        } else if f.product_name.as_deref().map(str::trim) == Some("HVM domU") {
            sub = Some("Xen HVM DomU".into());
        } else if let Some(caps) = &f.xen_capabilities {
            sub = Some(
                if caps.contains("control_d") {
                    "Xen Dom0"
                } else {
                    "Xen PV DomU"
                }
                .into(),
            );
        } else if f.xen_console {
            sub = Some("Xen PV DomU".into());
        }
        if sub
            .as_deref()
            .is_some_and(|s| s.to_lowercase().contains("dom"))
        {
            virt = "xen".into();
        }
    }
    if f.cpuinfo.contains("QEMU Virtual CPU") {
        virt = "kvm".into();
    }
    if let Some(p) = &f.product_name {
        if p.contains("VirtualBox") {
            virt = "VirtualBox".into();
        } else if p.contains("RHEV Hypervisor") {
            virt = "kvm".into();
            sub = Some("rhev".into());
        } else if p.contains("oVirt Node") {
            virt = "kvm".into();
            sub = Some("ovirt".into());
        } else if p.contains("Google") {
            virt = "gce".into();
        } else if p.contains("BHYVE") {
            virt = "bhyve".into();
        }
    }
    if let Some(cg) = &f.cgroup1 {
        if cg.contains(":/lxc/") {
            virt = "container".into();
            sub = Some("LXC".into());
        } else if cg.contains(":/kubepods/") {
            sub = Some("kubernetes".into());
        } else if cg.contains(":/libpod_parent/") {
            sub = Some("libpod".into());
        } else if [":/system.slice/docker", ":/docker/", ":/docker-ce/"]
            .iter()
            .any(|x| cg.contains(x))
        {
            virt = "container".into();
            sub = Some("Docker".into());
        }
    }
    // cgroup v2 hides the Docker path from /proc/1/cgroup; Docker's marker
    // file is what systemd-detect-virt looks at instead.
    if f.dockerenv && virt != "container" {
        virt = "container".into();
        sub = Some("Docker".into());
    }
    if sub.as_deref() != Some("LXC")
        && let Some(env) = &f.environ1
        && env.contains("container=lxc")
    {
        virt = "container".into();
        sub = Some("LXC".into());
    }
    if sub.is_some() && virt == "physical" {
        virt = "virtual".into();
    }
    let mut g = Map::new();
    g.insert("virtual".into(), virt.into());
    if let Some(s) = sub {
        g.insert("virtual_subtype".into(), s.into());
    }
    g
}

/// `machine_id` from the first readable of `/etc/machine-id`,
/// `/var/lib/dbus/machine-id`, `/var/lib/dbus/machine_id`.
pub fn machine_id() -> Option<String> {
    [
        "/etc/machine-id",
        "/var/lib/dbus/machine-id",
        "/var/lib/dbus/machine_id",
    ]
    .iter()
    .find_map(|p| std::fs::read_to_string(p).ok())
    .map(|s| s.trim().to_owned())
}

/// `username`, `groupname`, `uid`, `gid` (of the effective user and its
/// primary group) and `pid`. Names that cannot be looked up are left out.
pub fn process_grains() -> Map<String, Value> {
    use nix::unistd::{Group, User, geteuid, getpid};
    let mut g = Map::new();
    let uid = geteuid();
    let user = User::from_uid(uid).ok().flatten();
    match &user {
        Some(u) => {
            g.insert("username".into(), u.name.clone().into());
            match Group::from_gid(u.gid).ok().flatten() {
                Some(grp) => {
                    g.insert("groupname".into(), grp.name.into());
                }
                None => tracing::debug!("no group entry for gid {}", u.gid),
            }
        }
        None => tracing::debug!("no passwd entry for uid {uid}"),
    }
    g.insert("pid".into(), getpid().as_raw().into());
    let gid = user.as_ref().map_or_else(nix::unistd::getegid, |u| u.gid);
    g.insert("gid".into(), gid.as_raw().into());
    g.insert("uid".into(), uid.as_raw().into());
    g
}

/// Finds a program like `which(1)`: a name containing `/` is taken as a
/// path; otherwise each `PATH` entry is tried. Only executable files count.
pub fn which(name: &str) -> Option<std::path::PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let is_exec = |p: &Path| {
        p.metadata()
            .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            .unwrap_or(false)
    };
    if name.contains('/') {
        let p = Path::new(name);
        return is_exec(p).then(|| p.to_path_buf());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| is_exec(p))
}

const CHUNK: usize = 262_144;

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn systemctl_version_output() {
        let out = "systemd 252 (252.38-1~deb12u1)\n+PAM +AUDIT -GNUTLS default-hierarchy=unified\n";
        assert_eq!(
            parse_systemctl_version(out),
            Some(
                json!({"version": "252", "features": "+PAM +AUDIT -GNUTLS default-hierarchy=unified"})
            )
        );
        assert_eq!(parse_systemctl_version("systemd 219\n"), None);
        assert_eq!(parse_systemctl_version(""), None);
    }

    #[test]
    fn init_binary_kinds() {
        assert_eq!(
            init_from_binary(b"\x7fELF...libSYSTEMD-shared..."),
            Some("systemd")
        );
        assert_eq!(init_from_binary(b"upstart and systemd"), Some("upstart"));
        assert_eq!(init_from_binary(b"busybox"), None);
        assert_eq!(init_from_binary(b""), None);
    }

    #[test]
    fn init_cmdline_kinds() {
        let w = |n: &str| (n == "tini").then(|| "/usr/bin/tini".to_owned());
        let args = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            init_from_cmdline(&args(&["/usr/bin/tini", "--", "x"]), w),
            "tini"
        );
        assert_eq!(init_from_cmdline(&args(&["runit"]), w), "runit");
        assert_eq!(init_from_cmdline(&args(&["/sbin/my_init"]), w), "runit");
        assert_eq!(
            init_from_cmdline(&args(&["/process_api", "--x"]), w),
            "unknown"
        );
    }

    #[test]
    fn virtual_physical_kvm_and_containers() {
        assert_eq!(
            Value::Object(detect_virtual(&VirtFacts::default())),
            json!({"virtual": "physical"})
        );
        let kvm = VirtFacts {
            dmi: "QEMU\nStandard PC (Q35 + ICH9, 2009)\nSeaBIOS".into(),
            ..Default::default()
        };
        assert_eq!(detect_virtual(&kvm)["virtual"], "qemu");
        let docker_v1 = VirtFacts {
            dmi: "QEMU".into(),
            cgroup1: Some("12:pids:/docker/0123abc\n0::/docker/0123abc\n".into()),
            ..Default::default()
        };
        assert_eq!(
            Value::Object(detect_virtual(&docker_v1)),
            json!({"virtual": "container", "virtual_subtype": "Docker"})
        );
        let docker_v2 = VirtFacts {
            cgroup1: Some("0::/\n".into()),
            dockerenv: true,
            ..Default::default()
        };
        assert_eq!(
            Value::Object(detect_virtual(&docker_v2)),
            json!({"virtual": "container", "virtual_subtype": "Docker"})
        );
        let lxc = VirtFacts {
            environ1: Some("PATH=/bin\0container=lxc\0".into()),
            ..Default::default()
        };
        assert_eq!(
            Value::Object(detect_virtual(&lxc)),
            json!({"virtual": "container", "virtual_subtype": "LXC"})
        );
        let chroot = VirtFacts {
            chroot: true,
            ..Default::default()
        };
        assert_eq!(
            Value::Object(detect_virtual(&chroot)),
            json!({"virtual": "virtual", "virtual_subtype": "chroot"})
        );
        let ec2 = VirtFacts {
            dmi: "Amazon EC2\nm5.large".into(),
            ..Default::default()
        };
        assert_eq!(
            Value::Object(detect_virtual(&ec2)),
            json!({"virtual": "Nitro", "virtual_subtype": "Amazon EC2"})
        );
        let surface = VirtFacts {
            dmi: "Microsoft Corporation\nSurface Pro".into(),
            ..Default::default()
        };
        assert_eq!(detect_virtual(&surface)["virtual"], "physical");
        let qemu_cpu = VirtFacts {
            cpuinfo: "model name : QEMU Virtual CPU version 2.5+".into(),
            ..Default::default()
        };
        assert_eq!(detect_virtual(&qemu_cpu)["virtual"], "kvm");
    }

    #[test]
    fn which_finds_sh() {
        assert!(which("sh").is_some());
        assert!(which("definitely-not-a-program-here").is_none());
        assert!(which("/nonexistent/bin/x").is_none());
    }
}
