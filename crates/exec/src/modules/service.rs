//! `service.*` on systemd, as Salt's `systemd_service` module: units are
//! named as given, `.service` appended unless the name ends in a unit type;
//! `systemctl is-active` says running, `is-enabled` says enabled; changing
//! commands run under `systemd-run --scope` (systemd >= 205) like Salt's, so
//! a restart of the minion's own unit cannot kill them; a unit file changed
//! on disk gets a `daemon-reload` first.
//!
//! Salt loads this module only on Linux booted with systemd, or "offline"
//! (systemctl present, systemd not running: image builds). Elsewhere every
//! function fails with Salt's reason ([`NOT_LOADED`]).

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::machine::{Host, Real};
use crate::{Ctx, ExecError, ExecFn, de};

/// Salt's `__virtual__` reason when systemd is not there.
pub const NOT_LOADED: &str = "The systemd execution module failed to load: only available on Linux systems which have been booted with systemd.";

const UNIT_TYPES: &[&str] = &[
    "service",
    "socket",
    "device",
    "mount",
    "automount",
    "swap",
    "target",
    "path",
    "timer",
];
const SYSTEM_PATHS: &[&str] = &["/lib/systemd/system", "/usr/lib/systemd/system"];
const LOCAL_PATH: &str = "/etc/systemd/system";

/// Runs `f` with this machine and its systemd; without systemd, fails
/// with [`NOT_LOADED`] as every `service.*` function does.
async fn with_systemd<T>(
    cx: &Ctx,
    f: impl AsyncFnOnce(&Systemd, &Host<'_>) -> Result<T, ExecError>,
) -> Result<T, ExecError> {
    let real = Real::new(cx);
    let host = Host::real(&real, cx);
    let sd = Systemd::detect(&host).await?;
    f(&sd, &host).await
}

/// Arguments of the functions that take only the unit name.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NameOnly {
    #[serde(deserialize_with = "de::string_like")]
    name: String,
}

/// Arguments of start/reload/force_reload/restart.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Change {
    #[serde(deserialize_with = "de::string_like")]
    name: String,
    #[serde(default)]
    no_block: Option<bool>,
    #[serde(default)]
    unmask: bool,
    #[serde(default)]
    unmask_runtime: bool,
}

/// `service.start`
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct Start(Change);
/// `service.restart`
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct Restart(Change);
/// `service.reload`
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct Reload(Change);
/// `service.force_reload`
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct ForceReload(Change);

macro_rules! change_fn {
    ($ty:ident, $verb:literal, $block:expr, $doc:literal) => {
        impl ExecFn for $ty {
            const POSITIONAL: &'static [&'static str] =
                &["name", "no_block", "unmask", "unmask_runtime"];
            const REQUIRED: usize = 1;
            const DOC: &'static str = $doc;
            type Output = bool;

            async fn call(self, cx: &Ctx) -> Result<bool, ExecError> {
                with_systemd(cx, async |sd, host| {
                    let a = self.0;
                    let no_block = a.no_block.unwrap_or_else(|| $block(&a.name));
                    sd.change(host, $verb, &a.name, no_block, a.unmask, a.unmask_runtime)
                        .await
                })
                .await
            }
        }
    };
}

fn never(_: &str) -> bool {
    false
}

change_fn!(
    Start,
    "start",
    never,
    "Start a unit (systemctl start); fails with systemctl's error. no_block: --no-block; unmask / unmask_runtime: remove a mask first.\n\nCLI Example:\n\n    salt '*' service.start nginx\n"
);
change_fn!(
    Restart,
    "restart",
    minion_unit,
    "Restart a unit (systemctl restart); fails with systemctl's error.\n\nCLI Example:\n\n    salt '*' service.restart nginx\n"
);
change_fn!(
    Reload,
    "reload",
    never,
    "Reload a unit (systemctl reload); fails with systemctl's error.\n\nCLI Example:\n\n    salt '*' service.reload nginx\n"
);
change_fn!(
    ForceReload,
    "force-reload",
    always,
    "Force-reload a unit (systemctl force-reload; --no-block by default).\n\nCLI Example:\n\n    salt '*' service.force_reload nginx\n"
);

fn always(_: &str) -> bool {
    true
}

/// Salt's default of `no_block` for restart/stop: True for its own unit.
fn minion_unit(name: &str) -> bool {
    canonical(name) == "salt-minion.service"
}

/// `service.stop name [no_block]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stop {
    #[serde(deserialize_with = "de::string_like")]
    name: String,
    #[serde(default)]
    no_block: Option<bool>,
}

impl ExecFn for Stop {
    const POSITIONAL: &'static [&'static str] = &["name", "no_block"];
    const REQUIRED: usize = 1;
    const DOC: &'static str = "Stop a unit (systemctl stop); True when systemctl succeeded.\n\nCLI Example:\n\n    salt '*' service.stop nginx\n";
    type Output = bool;

    async fn call(self, cx: &Ctx) -> Result<bool, ExecError> {
        with_systemd(cx, async |sd, host| {
            let no_block = self.no_block.unwrap_or_else(|| minion_unit(&self.name));
            sd.stop(host, &self.name, no_block).await
        })
        .await
    }
}

/// `service.status name [sig]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Status {
    #[serde(deserialize_with = "de::string_like")]
    name: String,
    #[serde(default)]
    #[allow(dead_code)]
    sig: Value,
}

impl ExecFn for Status {
    const POSITIONAL: &'static [&'static str] = &["name", "sig"];
    const REQUIRED: usize = 1;
    const DOC: &'static str = "Whether a unit is running (systemctl is-active); for a glob, {unit: bool} for every matching unit.\n\nCLI Example:\n\n    salt '*' service.status nginx\n    salt '*' service.status 'salt*'\n";
    type Output = Value;

    async fn call(self, cx: &Ctx) -> Result<Value, ExecError> {
        with_systemd(cx, async |sd, host| sd.status(host, &self.name).await).await
    }
}

/// Arguments of enable/disable/enabled.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Toggle {
    #[serde(deserialize_with = "de::string_like")]
    name: String,
    #[serde(default)]
    no_block: bool,
    #[serde(default)]
    unmask: bool,
    #[serde(default)]
    unmask_runtime: bool,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    root: Option<String>,
    #[allow(dead_code)]
    kwargs: Map<String, Value>,
}

/// `service.enable`
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct Enable(Toggle);

impl ExecFn for Enable {
    const POSITIONAL: &'static [&'static str] =
        &["name", "no_block", "unmask", "unmask_runtime", "root"];
    const REQUIRED: usize = 1;
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Enable a unit at boot (systemctl enable; update-rc.d/chkconfig for a SysV script); fails with systemctl's error.\n\nCLI Example:\n\n    salt '*' service.enable nginx\n";
    type Output = bool;

    async fn call(self, cx: &Ctx) -> Result<bool, ExecError> {
        with_systemd(cx, async |sd, host| {
            let a = self.0;
            sd.enable(
                host,
                &a.name,
                a.no_block,
                a.unmask,
                a.unmask_runtime,
                a.root.as_deref(),
            )
            .await
        })
        .await
    }
}

/// `service.disable`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Disable {
    #[serde(deserialize_with = "de::string_like")]
    name: String,
    #[serde(default)]
    no_block: bool,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    root: Option<String>,
    #[allow(dead_code)]
    kwargs: Map<String, Value>,
}

impl ExecFn for Disable {
    const POSITIONAL: &'static [&'static str] = &["name", "no_block", "root"];
    const REQUIRED: usize = 1;
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Disable a unit at boot (systemctl disable); True when it succeeded.\n\nCLI Example:\n\n    salt '*' service.disable nginx\n";
    type Output = bool;

    async fn call(self, cx: &Ctx) -> Result<bool, ExecError> {
        with_systemd(cx, async |sd, host| {
            sd.disable(host, &self.name, self.no_block, self.root.as_deref())
                .await
        })
        .await
    }
}

/// `service.enabled`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Enabled {
    #[serde(deserialize_with = "de::string_like")]
    name: String,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    root: Option<String>,
    #[allow(dead_code)]
    kwargs: Map<String, Value>,
}

impl ExecFn for Enabled {
    const POSITIONAL: &'static [&'static str] = &["name", "root"];
    const REQUIRED: usize = 1;
    const VARKWARGS: bool = true;
    const DOC: &'static str = "Whether a unit is enabled at boot (systemctl is-enabled; aliases followed; SysV scripts by their rc.d link).\n\nCLI Example:\n\n    salt '*' service.enabled nginx\n";
    type Output = bool;

    async fn call(self, cx: &Ctx) -> Result<bool, ExecError> {
        with_systemd(cx, async |sd, host| {
            sd.enabled(host, &self.name, self.root.as_deref()).await
        })
        .await
    }
}

/// `service.disabled`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Disabled {
    #[serde(deserialize_with = "de::string_like")]
    name: String,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    root: Option<String>,
}

impl ExecFn for Disabled {
    const POSITIONAL: &'static [&'static str] = &["name", "root"];
    const REQUIRED: usize = 1;
    const DOC: &'static str = "Whether a unit is not enabled at boot.\n\nCLI Example:\n\n    salt '*' service.disabled nginx\n";
    type Output = bool;

    async fn call(self, cx: &Ctx) -> Result<bool, ExecError> {
        with_systemd(cx, async |sd, host| {
            Ok(!sd.enabled(host, &self.name, self.root.as_deref()).await?)
        })
        .await
    }
}

/// `service.available`
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct Available(NameOnly);

impl ExecFn for Available {
    const POSITIONAL: &'static [&'static str] = &["name"];
    const REQUIRED: usize = 1;
    const DOC: &'static str = "Whether systemd knows the unit (template units included).\n\nCLI Example:\n\n    salt '*' service.available sshd\n";
    type Output = bool;

    async fn call(self, cx: &Ctx) -> Result<bool, ExecError> {
        with_systemd(cx, async |sd, host| sd.available(host, &self.0.name).await).await
    }
}

/// `service.missing`
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct Missing(NameOnly);

impl ExecFn for Missing {
    const POSITIONAL: &'static [&'static str] = &["name"];
    const REQUIRED: usize = 1;
    const DOC: &'static str = "Whether systemd does not know the unit (the inverse of service.available).\n\nCLI Example:\n\n    salt '*' service.missing sshd\n";
    type Output = bool;

    async fn call(self, cx: &Ctx) -> Result<bool, ExecError> {
        with_systemd(cx, async |sd, host| {
            Ok(!sd.available(host, &self.0.name).await?)
        })
        .await
    }
}

/// `service.get_all`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GetAll {
    #[serde(default, deserialize_with = "de::opt_string_like")]
    root: Option<String>,
}

impl ExecFn for GetAll {
    const POSITIONAL: &'static [&'static str] = &["root"];
    const DOC: &'static str = "Return the sorted names of every unit file and SysV script (services without their .service suffix).\n\nCLI Example:\n\n    salt '*' service.get_all\n";
    type Output = Vec<String>;

    async fn call(self, cx: &Ctx) -> Result<Vec<String>, ExecError> {
        with_systemd(cx, async |_, host| Ok(get_all(host, self.root.as_deref()))).await
    }
}

/// `service.masked name [runtime]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Masked {
    #[serde(deserialize_with = "de::string_like")]
    name: String,
    #[serde(default)]
    runtime: bool,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    root: Option<String>,
}

impl ExecFn for Masked {
    const POSITIONAL: &'static [&'static str] = &["name", "runtime", "root"];
    const REQUIRED: usize = 1;
    const DOC: &'static str = "Whether a unit is masked (runtime=True: masked until reboot, under /run).\n\nCLI Example:\n\n    salt '*' service.masked foo\n";
    type Output = bool;

    async fn call(self, cx: &Ctx) -> Result<bool, ExecError> {
        with_systemd(cx, async |sd, host| {
            sd.masked(host, &self.name, self.runtime, self.root.as_deref())
                .await
        })
        .await
    }
}

/// `service.mask`
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct Mask(Masked);
/// `service.unmask`
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct Unmask(Masked);

impl ExecFn for Mask {
    const POSITIONAL: &'static [&'static str] = &["name", "runtime", "root"];
    const REQUIRED: usize = 1;
    const DOC: &'static str = "Mask a unit (systemctl mask [--runtime]).\n\nCLI Example:\n\n    salt '*' service.mask foo\n";
    type Output = bool;

    async fn call(self, cx: &Ctx) -> Result<bool, ExecError> {
        with_systemd(cx, async |sd, host| {
            let a = self.0;
            sd.mask(host, &a.name, a.runtime, a.root.as_deref()).await
        })
        .await
    }
}

impl ExecFn for Unmask {
    const POSITIONAL: &'static [&'static str] = &["name", "runtime", "root"];
    const REQUIRED: usize = 1;
    const DOC: &'static str = "Unmask a unit (systemctl unmask [--runtime]); True when it was not masked.\n\nCLI Example:\n\n    salt '*' service.unmask foo\n";
    type Output = bool;

    async fn call(self, cx: &Ctx) -> Result<bool, ExecError> {
        with_systemd(cx, async |sd, host| {
            let a = self.0;
            sd.unmask(host, &a.name, a.runtime, a.root.as_deref()).await
        })
        .await
    }
}

/// `service.systemctl_reload`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemctlReload {}

impl ExecFn for SystemctlReload {
    const POSITIONAL: &'static [&'static str] = &[];
    const DOC: &'static str = "Reload systemd's unit files (systemctl --system daemon-reload).\n\nCLI Example:\n\n    salt '*' service.systemctl_reload\n";
    type Output = bool;

    async fn call(self, cx: &Ctx) -> Result<bool, ExecError> {
        with_systemd(cx, async |sd, host| sd.daemon_reload(host).await).await
    }
}

/// `service.offline`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Offline {}

impl ExecFn for Offline {
    const POSITIONAL: &'static [&'static str] = &[];
    const DOC: &'static str = "Whether systemd is installed but not running (an image being built, a chroot): service states then do nothing.\n\nCLI Example:\n\n    salt '*' service.offline\n";
    type Output = bool;

    async fn call(self, cx: &Ctx) -> Result<bool, ExecError> {
        with_systemd(cx, async |sd, _| Ok(sd.offline)).await
    }
}

/// What this host's systemd is: booted or offline, and its version.
#[derive(Debug, Clone)]
pub(crate) struct Systemd {
    pub offline: bool,
    pub version: Option<u32>,
    systemctl: String,
}

impl Systemd {
    /// Salt's `__virtual__`: Linux booted with systemd, or systemctl
    /// present without systemd running (offline).
    pub async fn detect(host: &Host<'_>) -> Result<Self, ExecError> {
        let booted = host.exists("/run/systemd/system");
        let systemctl = host.runner.which("systemctl");
        let linux = host.grains.get("kernel").is_none_or(|k| k == "Linux");
        match systemctl {
            Some(systemctl) if linux => {
                let version = if booted {
                    host.cmd(&[&systemctl, "--version"])
                        .await
                        .ok()
                        .and_then(|o| super::sysctl::systemd_version(&o.stdout))
                } else {
                    None
                };
                Ok(Self {
                    offline: !booted,
                    version,
                    systemctl,
                })
            }
            _ => Err(ExecError::Command(NOT_LOADED.into())),
        }
    }

    /// A systemctl command line; `scope` puts it under `systemd-run --scope`.
    fn argv(
        &self,
        host: &Host<'_>,
        action: &[&str],
        name: Option<&str>,
        scope: bool,
        no_block: bool,
        root: Option<&str>,
    ) -> Vec<String> {
        let mut v = Vec::new();
        if scope
            && !self.offline
            && self.version.is_some_and(|v| v >= 205)
            && let Some(run) = host.runner.which("systemd-run")
        {
            v.push(run);
            v.push("--scope".into());
        }
        v.push(self.systemctl.clone());
        if no_block {
            v.push("--no-block".into());
        }
        if let Some(r) = root {
            v.push("--root".into());
            v.push(r.into());
        }
        v.extend(action.iter().map(|s| s.to_string()));
        if let Some(n) = name {
            v.push(canonical(n));
        }
        if action.contains(&"status") {
            v.push("-n".into());
            v.push("0".into());
        }
        v
    }

    async fn run(
        &self,
        host: &Host<'_>,
        argv: &[String],
    ) -> Result<crate::machine::Outcome, ExecError> {
        let refs: Vec<&str> = argv.iter().map(String::as_str).collect();
        host.cmd(&refs).await
    }

    async fn status_cmd(
        &self,
        host: &Host<'_>,
        name: &str,
    ) -> Result<crate::machine::Outcome, ExecError> {
        let argv = self.argv(host, &["status"], Some(name), false, false, None);
        let mut out = self.run(host, &argv).await?;
        // Salt reads it with stderr redirected into stdout.
        if !out.stderr.is_empty() {
            out.stdout = if out.stdout.is_empty() {
                std::mem::take(&mut out.stderr)
            } else {
                format!("{}\n{}", out.stdout, out.stderr)
            };
        }
        Ok(out)
    }

    /// Salt's `_check_available`.
    async fn check_available(&self, host: &Host<'_>, name: &str) -> Result<bool, ExecError> {
        if self.offline {
            return Err(ExecError::Command(format!(
                "Cannot run in offline mode. Failed to get information on unit '{name}'"
            )));
        }
        let st = self.status_cmd(host, name).await?;
        if self.version.is_some_and(|v| v >= 231) {
            return Ok((0..4).contains(&st.retcode));
        }
        let out = st.stdout.to_lowercase();
        if out.contains("could not be found") {
            return Ok(false);
        }
        for line in out.lines() {
            if let Some(rest) = line.trim_start().strip_prefix("loaded:")
                && line.starts_with(char::is_whitespace)
            {
                return Ok(rest.split_whitespace().next() != Some("not-found"));
            }
        }
        Err(ExecError::Command(format!(
            "Failed to get information on unit '{name}'"
        )))
    }

    /// Salt's `_check_for_unit_changes`: daemon-reload when the unit file
    /// is new to systemd or changed on disk.
    async fn check_for_unit_changes(&self, host: &Host<'_>, name: &str) -> Result<(), ExecError> {
        if self.offline {
            return Ok(());
        }
        let local = host.path(&format!("{LOCAL_PATH}/{}", canonical(name)));
        let untracked =
            std::fs::File::open(&local).is_ok() && !self.check_available(host, name).await?;
        let changed = untracked
            || self
                .status_cmd(host, name)
                .await?
                .stdout
                .to_lowercase()
                .contains("'systemctl daemon-reload'");
        if changed {
            self.daemon_reload(host).await?;
        }
        Ok(())
    }

    pub async fn daemon_reload(&self, host: &Host<'_>) -> Result<bool, ExecError> {
        let argv = self.argv(
            host,
            &["--system", "daemon-reload"],
            None,
            false,
            false,
            None,
        );
        let out = self.run(host, &argv).await?;
        if out.retcode != 0 {
            return Err(ExecError::Command(format!(
                "Problem performing systemctl daemon-reload: {}",
                join_out(&out)
            )));
        }
        Ok(true)
    }

    pub async fn available(&self, host: &Host<'_>, name: &str) -> Result<bool, ExecError> {
        self.check_for_unit_changes(host, name).await?;
        self.check_available(host, name).await
    }

    pub async fn status(&self, host: &Host<'_>, name: &str) -> Result<Value, ExecError> {
        let glob =
            name.contains('*') || name.contains('?') || (name.contains('[') && name.contains(']'));
        let units: Vec<String> = if glob {
            get_all(host, None)
                .into_iter()
                .filter(|u| crate::registry::fnmatch(name, u))
                .collect()
        } else {
            vec![name.to_owned()]
        };
        let mut results = Map::new();
        for u in &units {
            self.check_for_unit_changes(host, u).await?;
            let argv = self.argv(host, &["is-active"], Some(u), false, false, None);
            let out = self.run(host, &argv).await?;
            results.insert(u.clone(), Value::Bool(out.retcode == 0));
        }
        if glob {
            return Ok(Value::Object(results));
        }
        Ok(results.remove(name).unwrap_or(Value::Bool(false)))
    }

    async fn check_unmask(
        &self,
        host: &Host<'_>,
        name: &str,
        unmask: bool,
        unmask_runtime: bool,
        root: Option<&str>,
    ) -> Result<(), ExecError> {
        if unmask {
            self.unmask(host, name, false, root).await?;
        }
        if unmask_runtime {
            self.unmask(host, name, true, root).await?;
        }
        Ok(())
    }

    /// start / restart / reload / force-reload: systemctl's stderr on failure.
    pub async fn change(
        &self,
        host: &Host<'_>,
        verb: &str,
        name: &str,
        no_block: bool,
        unmask: bool,
        unmask_runtime: bool,
    ) -> Result<bool, ExecError> {
        self.check_for_unit_changes(host, name).await?;
        self.check_unmask(host, name, unmask, unmask_runtime, None)
            .await?;
        let argv = self.argv(host, &[verb], Some(name), true, no_block, None);
        let out = self.run(host, &argv).await?;
        if out.retcode != 0 {
            return Err(ExecError::Command(strip_scope(&out.stderr)));
        }
        Ok(true)
    }

    pub async fn stop(
        &self,
        host: &Host<'_>,
        name: &str,
        no_block: bool,
    ) -> Result<bool, ExecError> {
        self.check_for_unit_changes(host, name).await?;
        let argv = self.argv(host, &["stop"], Some(name), true, no_block, None);
        Ok(self.run(host, &argv).await?.retcode == 0)
    }

    pub async fn enable(
        &self,
        host: &Host<'_>,
        name: &str,
        no_block: bool,
        unmask: bool,
        unmask_runtime: bool,
        root: Option<&str>,
    ) -> Result<bool, ExecError> {
        self.check_for_unit_changes(host, name).await?;
        self.check_unmask(host, name, unmask, unmask_runtime, root)
            .await?;
        if sysv_services(host, root).iter().any(|s| s == name) {
            return self.sysv_toggle(host, name, true).await;
        }
        let argv = self.argv(host, &["enable"], Some(name), true, no_block, root);
        let out = self.run(host, &argv).await?;
        if out.retcode != 0 {
            return Err(ExecError::Command(strip_scope(&out.stderr)));
        }
        Ok(true)
    }

    pub async fn disable(
        &self,
        host: &Host<'_>,
        name: &str,
        no_block: bool,
        root: Option<&str>,
    ) -> Result<bool, ExecError> {
        self.check_for_unit_changes(host, name).await?;
        if sysv_services(host, root).iter().any(|s| s == name) {
            return self.sysv_toggle(host, name, false).await;
        }
        let argv = self.argv(host, &["disable"], Some(name), true, no_block, root);
        Ok(self.run(host, &argv).await?.retcode == 0)
    }

    async fn sysv_toggle(&self, host: &Host<'_>, name: &str, on: bool) -> Result<bool, ExecError> {
        let mut argv: Vec<String> = Vec::new();
        if !self.offline && self.version.is_some_and(|v| v >= 205) {
            argv.extend(["systemd-run".to_owned(), "--scope".to_owned()]);
        }
        if let Some(u) = host.runner.which("update-rc.d") {
            argv.extend([u, "-f".into(), name.into()]);
            if on {
                argv.extend(["defaults".into(), "99".into()]);
            } else {
                argv.push("remove".into());
            }
        } else if let Some(c) = host.runner.which("chkconfig") {
            argv.extend([c, name.into(), if on { "on" } else { "off" }.into()]);
        } else {
            return Err(ExecError::Command(
                "Unable to find sysv service manager (tried update-rc.d, chkconfig)".into(),
            ));
        }
        Ok(self.run(host, &argv).await?.retcode == 0)
    }

    pub async fn enabled(
        &self,
        host: &Host<'_>,
        name: &str,
        root: Option<&str>,
    ) -> Result<bool, ExecError> {
        let argv = self.argv(host, &["is-enabled"], Some(name), false, false, root);
        let out = self.run(host, &argv).await?;
        if out.retcode == 0 && out.stdout != "alias" {
            return Ok(true);
        }
        if out.stdout == "alias" {
            let argv = self.argv(host, &["show"], Some(name), false, false, root);
            let mut argv = argv;
            argv.extend(["-P".into(), "Id".into()]);
            let id = self.run(host, &argv).await?.stdout;
            let argv = self.argv(host, &["is-enabled"], Some(&id), false, false, root);
            return Ok(self.run(host, &argv).await?.retcode == 0);
        }
        if name.contains('@') {
            return Ok(find_link(&host.path(LOCAL_PATH), name));
        }
        if sysv_services(host, root).iter().any(|s| s == name) {
            return Ok(sysv_enabled(host, name).await);
        }
        Ok(false)
    }

    pub async fn masked(
        &self,
        host: &Host<'_>,
        name: &str,
        runtime: bool,
        root: Option<&str>,
    ) -> Result<bool, ExecError> {
        self.check_for_unit_changes(host, name).await?;
        let base = if runtime { "/run" } else { "/etc" };
        let rel = format!("{base}/systemd/system/{}", canonical(name));
        let path = match root {
            Some(r) => std::path::Path::new(r).join(rel.trim_start_matches('/')),
            None => host.path(&rel),
        };
        Ok(std::fs::read_link(path).is_ok_and(|t| t == std::path::Path::new("/dev/null")))
    }

    pub async fn mask(
        &self,
        host: &Host<'_>,
        name: &str,
        runtime: bool,
        root: Option<&str>,
    ) -> Result<bool, ExecError> {
        self.check_for_unit_changes(host, name).await?;
        let action: &[&str] = if runtime {
            &["mask", "--runtime"]
        } else {
            &["mask"]
        };
        let argv = self.argv(host, action, Some(name), true, false, root);
        let out = self.run(host, &argv).await?;
        if out.retcode != 0 {
            return Err(ExecError::Command(format!(
                "Failed to mask service '{name}'. Additional info follows:\n\n{}",
                join_out(&out)
            )));
        }
        Ok(true)
    }

    pub async fn unmask(
        &self,
        host: &Host<'_>,
        name: &str,
        runtime: bool,
        root: Option<&str>,
    ) -> Result<bool, ExecError> {
        self.check_for_unit_changes(host, name).await?;
        if !self.masked(host, name, runtime, root).await? {
            return Ok(true);
        }
        let action: &[&str] = if runtime {
            &["unmask", "--runtime"]
        } else {
            &["unmask"]
        };
        let argv = self.argv(host, action, Some(name), true, false, root);
        if self.run(host, &argv).await?.retcode != 0 {
            return Err(ExecError::Command(format!(
                "Failed to unmask service '{name}'"
            )));
        }
        Ok(true)
    }
}

/// `nginx` -> `nginx.service`; names ending in a unit type stay.
pub(crate) fn canonical(name: &str) -> String {
    if UNIT_TYPES.iter().any(|t| name.ends_with(t)) {
        name.to_owned()
    } else {
        format!("{name}.service")
    }
}

/// stderr without systemd-run's "Running scope as unit ..." lines.
fn strip_scope(msg: &str) -> String {
    msg.lines()
        .filter(|l| !l.ends_with(".scope"))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_owned()
}

fn join_out(o: &crate::machine::Outcome) -> String {
    match (o.stdout.is_empty(), o.stderr.is_empty()) {
        (_, true) => o.stdout.clone(),
        (true, false) => o.stderr.clone(),
        (false, false) => format!("{}\n{}", o.stdout, o.stderr),
    }
}

fn rooted(host: &Host<'_>, abs: &str, root: Option<&str>) -> std::path::PathBuf {
    match root {
        Some(r) => std::path::Path::new(r).join(abs.trim_start_matches('/')),
        None => host.path(abs),
    }
}

fn systemd_units(host: &Host<'_>, root: Option<&str>) -> std::collections::BTreeSet<String> {
    let mut out = std::collections::BTreeSet::new();
    for dir in SYSTEM_PATHS.iter().chain(std::iter::once(&LOCAL_PATH)) {
        let path = rooted(host, dir, root);
        if path.is_symlink() {
            continue;
        }
        let Ok(entries) = std::fs::read_dir(&path) else {
            continue;
        };
        for e in entries.flatten() {
            let full = e.file_name().to_string_lossy().into_owned();
            if let Some((unit, ty)) = full.rsplit_once('.')
                && UNIT_TYPES.contains(&ty)
            {
                out.insert(if ty == "service" {
                    unit.to_owned()
                } else {
                    full.clone()
                });
            }
        }
    }
    out
}

fn sysv_services(host: &Host<'_>, root: Option<&str>) -> Vec<String> {
    use std::os::unix::fs::PermissionsExt;
    let dir = rooted(host, "/etc/init.d", root);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let units = systemd_units(host, root);
    let mut out = Vec::new();
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let exec = std::fs::metadata(e.path()).is_ok_and(|m| m.permissions().mode() & 0o111 != 0);
        if exec && !units.contains(&name) {
            out.push(name);
        }
    }
    out
}

fn get_all(host: &Host<'_>, root: Option<&str>) -> Vec<String> {
    let mut all = systemd_units(host, root);
    all.extend(sysv_services(host, root));
    all.into_iter().collect()
}

/// Salt's check for a SysV script: an `S<nn>NAME` link in the current
/// runlevel's rc directory.
async fn sysv_enabled(host: &Host<'_>, name: &str) -> bool {
    let level = match host.cmd(&["runlevel"]).await {
        Ok(o) => o.stdout.split_whitespace().nth(1).map(String::from),
        Err(_) => None,
    }
    .unwrap_or_else(|| "2".into());
    let Ok(entries) = std::fs::read_dir(host.path(&format!("/etc/rc{level}.d"))) else {
        return false;
    };
    entries.flatten().any(|e| {
        let f = e.file_name().to_string_lossy().into_owned();
        f.strip_prefix('S').is_some_and(|rest| {
            let digits = rest.chars().take_while(char::is_ascii_digit).count();
            digits <= 2 && rest[digits..].starts_with(name)
        })
    })
}

/// A symlink named `name` anywhere under `dir` (enabled template units).
fn find_link(dir: &std::path::Path, name: &str) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    entries.flatten().any(|e| {
        let p = e.path();
        (p.is_symlink() && e.file_name() == name)
            || (p.is_dir() && !p.is_symlink() && find_link(&p, name))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machine::script::{Script, host};

    const VERSION: &str = "systemd 252 (252.39-1~deb12u1)\n+PAM +AUDIT";

    fn booted() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("run/systemd/system")).unwrap();
        dir
    }

    #[tokio::test]
    async fn start_runs_under_a_scope_and_reports_systemctls_error() {
        let dir = booted();
        let grains = Map::new();
        let s = Script::with_programs(&["systemctl", "systemd-run"])
            .on("systemctl --version", 0, VERSION)
            .on("systemctl status nginx.service -n 0", 0, "● nginx.service")
            .on_err(
                "systemd-run --scope systemctl start nginx.service",
                1,
                "",
                "Running scope as unit: run-r1.scope\nFailed to start nginx.service: Unit nginx.service is masked.",
            );
        let h = host(&s, dir.path(), &grains);
        let sd = Systemd::detect(&h).await.unwrap();
        assert_eq!(sd.version, Some(252));
        let e = sd
            .change(&h, "start", "nginx", false, false, false)
            .await
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "ERROR: Failed to start nginx.service: Unit nginx.service is masked."
        );
    }

    #[tokio::test]
    async fn a_changed_unit_file_gets_a_daemon_reload() {
        let dir = booted();
        let grains = Map::new();
        let s = Script::with_programs(&["systemctl"])
            .on("systemctl --version", 0, VERSION)
            .on(
                "systemctl status foo.service",
                0,
                "Warning: The unit file, source configuration file or drop-ins of foo.service changed on disk. Run 'systemctl daemon-reload' to reload units.",
            )
            .on("systemctl --system daemon-reload", 0, "")
            .on("systemctl is-active foo.service", 3, "inactive");
        let h = host(&s, dir.path(), &grains);
        let sd = Systemd::detect(&h).await.unwrap();
        assert_eq!(sd.status(&h, "foo").await.unwrap(), Value::Bool(false));
        assert!(
            s.calls()
                .contains(&"systemctl --system daemon-reload".to_owned()),
            "{:?}",
            s.calls()
        );
    }

    #[tokio::test]
    async fn availability_follows_the_status_exit_code() {
        let dir = booted();
        let grains = Map::new();
        let s = Script::with_programs(&["systemctl"])
            .on("systemctl --version", 0, VERSION)
            .on(
                "systemctl status nope.service",
                4,
                "Unit nope.service could not be found.",
            )
            .on("systemctl status foo.service", 3, "○ foo.service");
        let h = host(&s, dir.path(), &grains);
        let sd = Systemd::detect(&h).await.unwrap();
        assert!(!sd.available(&h, "nope").await.unwrap());
        assert!(sd.available(&h, "foo").await.unwrap());
    }

    #[tokio::test]
    async fn without_systemd_nothing_loads_and_offline_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let grains = Map::new();
        let s = Script::with_programs(&[]);
        let e = Systemd::detect(&host(&s, dir.path(), &grains))
            .await
            .unwrap_err();
        assert_eq!(e.to_string(), format!("ERROR: {NOT_LOADED}"));
        let s = Script::with_programs(&["systemctl"]);
        let h = host(&s, dir.path(), &grains);
        let sd = Systemd::detect(&h).await.unwrap();
        assert!(sd.offline);
        let e = sd.available(&h, "x").await.unwrap_err();
        assert_eq!(
            e.to_string(),
            "ERROR: Cannot run in offline mode. Failed to get information on unit 'x'"
        );
    }

    #[tokio::test]
    async fn enabled_follows_aliases() {
        let dir = booted();
        let grains = Map::new();
        let s = Script::with_programs(&["systemctl"])
            .on("systemctl --version", 0, VERSION)
            .on("systemctl is-enabled sshd.service", 0, "alias")
            .on("systemctl show sshd.service -P Id", 0, "ssh.service")
            .on("systemctl is-enabled ssh.service", 0, "enabled");
        let h = host(&s, dir.path(), &grains);
        let sd = Systemd::detect(&h).await.unwrap();
        assert!(sd.enabled(&h, "sshd", None).await.unwrap());
    }

    #[test]
    fn names() {
        assert_eq!(canonical("nginx"), "nginx.service");
        assert_eq!(canonical("docker.socket"), "docker.socket");
        assert_eq!(strip_scope("Running as unit: run-u5.scope\nboom\n"), "boom");
    }
}
