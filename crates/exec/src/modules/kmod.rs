//! `kmod.*`: Linux kernel modules, as Salt's `kmod` module: `lsmod` for
//! what is loaded, `/lib/modules/<release>` for what is available,
//! `modprobe`/`rmmod` to load and unload, and one module per line in
//! `/etc/modules-load.d/salt_managed.conf` (hosts with the `systemd` grain)
//! or `/etc/modules` to load at boot (`persist`).

use std::collections::BTreeSet;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::machine::{Host, Real};
use crate::{Ctx, ExecError, ExecFn, de};

/// `kmod.available`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Available {}

impl ExecFn for Available {
    const POSITIONAL: &'static [&'static str] = &[];
    const DOC: &'static str = "Return the sorted names of every kernel module available to load (built-in ones included).\n\nCLI Example:\n\n    salt '*' kmod.available\n";
    type Output = Vec<String>;

    async fn call(self, cx: &Ctx) -> Result<Vec<String>, ExecError> {
        let real = Real::new(cx);
        Ok(available(&Host::real(&real, cx)))
    }
}

/// `kmod.check_available mod`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckAvailable {
    #[serde(rename = "mod", deserialize_with = "de::string_like")]
    module: String,
}

impl ExecFn for CheckAvailable {
    const POSITIONAL: &'static [&'static str] = &["mod"];
    const REQUIRED: usize = 1;
    const DOC: &'static str = "Whether a kernel module is available to load.\n\nCLI Example:\n\n    salt '*' kmod.check_available kvm\n";
    type Output = bool;

    async fn call(self, cx: &Ctx) -> Result<bool, ExecError> {
        let real = Real::new(cx);
        Ok(available(&Host::real(&real, cx)).contains(&self.module))
    }
}

/// `kmod.lsmod`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lsmod {}

impl ExecFn for Lsmod {
    const POSITIONAL: &'static [&'static str] = &[];
    const DOC: &'static str = "Return the loaded kernel modules: [{size, module, depcount, deps}].\n\nCLI Example:\n\n    salt '*' kmod.lsmod\n";
    type Output = Vec<Value>;

    async fn call(self, cx: &Ctx) -> Result<Vec<Value>, ExecError> {
        let real = Real::new(cx);
        let mods = lsmod(&Host::real(&real, cx)).await?;
        Ok(mods.iter().map(Module::to_value).collect())
    }
}

/// `kmod.mod_list [only_persist]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModList {
    #[serde(default)]
    only_persist: bool,
}

impl ExecFn for ModList {
    const POSITIONAL: &'static [&'static str] = &["only_persist"];
    const DOC: &'static str = "Return the sorted names of the loaded kernel modules; with only_persist=True, of the modules in the boot-time list instead.\n\nCLI Example:\n\n    salt '*' kmod.mod_list\n    salt '*' kmod.mod_list only_persist=True\n";
    type Output = Vec<String>;

    async fn call(self, cx: &Ctx) -> Result<Vec<String>, ExecError> {
        let real = Real::new(cx);
        mod_list(&Host::real(&real, cx), self.only_persist).await
    }
}

/// `kmod.is_loaded mod`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IsLoaded {
    #[serde(rename = "mod", deserialize_with = "de::string_like")]
    module: String,
}

impl ExecFn for IsLoaded {
    const POSITIONAL: &'static [&'static str] = &["mod"];
    const REQUIRED: usize = 1;
    const DOC: &'static str =
        "Whether a kernel module is loaded.\n\nCLI Example:\n\n    salt '*' kmod.is_loaded kvm\n";
    type Output = bool;

    async fn call(self, cx: &Ctx) -> Result<bool, ExecError> {
        let real = Real::new(cx);
        Ok(mod_list(&Host::real(&real, cx), false)
            .await?
            .contains(&self.module))
    }
}

/// `kmod.load mod [persist]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Load {
    #[serde(rename = "mod", deserialize_with = "de::string_like")]
    module: String,
    #[serde(default)]
    persist: bool,
}

impl ExecFn for Load {
    const POSITIONAL: &'static [&'static str] = &["mod", "persist"];
    const REQUIRED: usize = 1;
    const DOC: &'static str = "Load a kernel module (modprobe); returns the sorted list of modules that got loaded (dependencies too) or, with persist=True, added to the boot-time list; a string \"Error loading module MOD: ...\" when modprobe fails.\n\nCLI Example:\n\n    salt '*' kmod.load kvm\n";
    type Output = Value;

    async fn call(self, cx: &Ctx) -> Result<Value, ExecError> {
        let real = Real::new(cx);
        load(&Host::real(&real, cx), &self.module, self.persist).await
    }
}

/// `kmod.remove mod [persist] [comment]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Remove {
    #[serde(rename = "mod", deserialize_with = "de::string_like")]
    module: String,
    #[serde(default)]
    persist: bool,
    #[serde(default = "yes")]
    comment: bool,
}

fn yes() -> bool {
    true
}

impl ExecFn for Remove {
    const POSITIONAL: &'static [&'static str] = &["mod", "persist", "comment"];
    const REQUIRED: usize = 1;
    const DOC: &'static str = "Unload a kernel module (rmmod); with persist=True also take it off the boot-time list (commented out unless comment=False). Returns the sorted list of modules removed, or a string \"Error removing module MOD: ...\".\n\nCLI Example:\n\n    salt '*' kmod.remove kvm\n";
    type Output = Value;

    async fn call(self, cx: &Ctx) -> Result<Value, ExecError> {
        let real = Real::new(cx);
        remove(
            &Host::real(&real, cx),
            &self.module,
            self.persist,
            self.comment,
        )
        .await
    }
}

/// One line of `lsmod`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Module {
    pub name: String,
    pub size: String,
    pub depcount: String,
    pub deps: Vec<String>,
}

impl Module {
    fn to_value(&self) -> Value {
        json!({"size": self.size, "module": self.name, "depcount": self.depcount, "deps": self.deps})
    }
}

/// The boot-time list Salt uses.
fn modules_conf(host: &Host<'_>) -> &'static str {
    if host.grains.contains_key("systemd") {
        "/etc/modules-load.d/salt_managed.conf"
    } else {
        "/etc/modules"
    }
}

pub(crate) fn available(host: &Host<'_>) -> Vec<String> {
    let release = host
        .read("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_owned())
        .unwrap_or_default();
    let dir = format!("/lib/modules/{release}");
    let mut out = Vec::new();
    if let Some(text) = host.read(&format!("{dir}/modules.builtin")) {
        for line in text.lines() {
            let base = line.rsplit('/').next().unwrap_or(line);
            out.push(base.strip_suffix(".ko").unwrap_or(base).to_owned());
        }
    }
    walk(&host.path(&dir), &mut out);
    out.sort();
    out
}

fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        if path.is_dir() {
            walk(&path, out);
        } else if let Some(name) = path.file_name().and_then(|n| n.to_str())
            && let Some(i) = name.find(".ko")
        {
            out.push(name[..i].replace('-', "_"));
        }
    }
}

pub(crate) async fn lsmod(host: &Host<'_>) -> Result<Vec<Module>, ExecError> {
    let lsmod = host.which("lsmod")?;
    let out = host.cmd(&[&lsmod]).await?;
    // Salt reads `cmd.run`, stderr included (where lsmod complains).
    let text = if out.stderr.is_empty() {
        out.stdout
    } else {
        format!("{}\n{}", out.stderr, out.stdout)
    };
    Ok(parse_lsmod(&text))
}

pub(crate) fn parse_lsmod(text: &str) -> Vec<Module> {
    let mut mods = Vec::new();
    for line in text.lines() {
        let comps: Vec<&str> = line.split_whitespace().collect();
        if comps.len() <= 2 || comps[0] == "Module" {
            continue;
        }
        mods.push(Module {
            name: comps[0].to_owned(),
            size: comps[1].to_owned(),
            depcount: comps[2].to_owned(),
            deps: comps
                .get(3)
                .map(|d| d.split(',').map(String::from).collect())
                .unwrap_or_default(),
        });
    }
    mods
}

pub(crate) async fn mod_list(
    host: &Host<'_>,
    only_persist: bool,
) -> Result<Vec<String>, ExecError> {
    let mut mods = BTreeSet::new();
    if only_persist {
        if let Some(text) = host.read(modules_conf(host)) {
            for line in text.lines() {
                let line = line.trim();
                if line.starts_with('#') {
                    continue;
                }
                if let Some(name) = line.split_whitespace().next() {
                    mods.insert(name.to_owned());
                }
            }
        }
    } else {
        mods.extend(lsmod(host).await?.into_iter().map(|m| m.name));
    }
    Ok(mods.into_iter().collect())
}

pub(crate) async fn load(host: &Host<'_>, module: &str, persist: bool) -> Result<Value, ExecError> {
    let pre = lsmod(host).await?;
    let modprobe = host.which("modprobe")?;
    let mut argv = vec![modprobe.as_str()];
    argv.extend(module.split_whitespace());
    let res = host.cmd(&argv).await?;
    if res.retcode != 0 {
        return Ok(Value::String(format!(
            "Error loading module {module}: {}",
            res.stderr
        )));
    }
    let post = lsmod(host).await?;
    let mut mods: BTreeSet<String> = post
        .into_iter()
        .map(|m| m.name)
        .filter(|n| !pre.iter().any(|p| &p.name == n))
        .collect();
    if persist {
        mods.extend(set_persistent(host, module).await?);
    }
    Ok(json!(mods.into_iter().collect::<Vec<_>>()))
}

pub(crate) async fn remove(
    host: &Host<'_>,
    module: &str,
    persist: bool,
    comment: bool,
) -> Result<Value, ExecError> {
    let pre = lsmod(host).await?;
    let rmmod = host.which("rmmod")?;
    let mut argv = vec![rmmod.as_str()];
    argv.extend(module.split_whitespace());
    let res = host.cmd(&argv).await?;
    if res.retcode != 0 {
        return Ok(Value::String(format!(
            "Error removing module {module}: {}",
            res.stderr
        )));
    }
    let post = lsmod(host).await?;
    let mut mods: BTreeSet<String> = pre
        .into_iter()
        .map(|m| m.name)
        .filter(|n| !post.iter().any(|p| &p.name == n))
        .collect();
    if persist {
        mods.extend(remove_persistent(host, module, comment).await?);
    }
    Ok(json!(mods.into_iter().collect::<Vec<_>>()))
}

/// Adds the module's line to the boot-time list (uncommenting it when it
/// is there commented out); the module's name when the list changed.
async fn set_persistent(host: &Host<'_>, line: &str) -> Result<Option<String>, ExecError> {
    let conf = modules_conf(host);
    let path = host.path(conf);
    if !path.exists() {
        write(&path, "")?;
    }
    let Some(name) = line.split_whitespace().next() else {
        return Ok(None);
    };
    if mod_list(host, true).await?.iter().any(|m| m == name)
        || !available(host).iter().any(|m| m == name)
    {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let commented = |l: &str| {
        l.strip_prefix('#')
            .is_some_and(|rest| rest.trim_matches([' ', '\t']) == line)
    };
    let new = if text.lines().any(commented) {
        text.split_inclusive('\n')
            .map(|l| {
                if commented(l.trim_end_matches('\n')) {
                    format!("{}\n", l.trim_end_matches('\n').trim_start_matches('#'))
                } else {
                    l.to_owned()
                }
            })
            .collect::<String>()
    } else {
        let mut t = text;
        if !t.is_empty() && !t.ends_with('\n') {
            t.push('\n');
        }
        t.push_str(line);
        t.push('\n');
        t
    };
    write(&path, &new)?;
    Ok(Some(name.to_owned()))
}

/// Takes the module's line off the boot-time list (commenting it out when
/// `comment`); the module's name when it was there.
async fn remove_persistent(
    host: &Host<'_>,
    line: &str,
    comment: bool,
) -> Result<Option<String>, ExecError> {
    let Some(name) = line.split_whitespace().next() else {
        return Ok(None);
    };
    if !mod_list(host, true).await?.iter().any(|m| m == name) {
        return Ok(None);
    }
    let path = host.path(modules_conf(host));
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let new: String = text
        .split_inclusive('\n')
        .map(|l| {
            let body = l.trim_start_matches([' ', '\t']);
            let hit = body
                .strip_prefix(line)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\n']));
            match (hit, comment) {
                (false, _) => l.to_owned(),
                (true, true) => format!("#{l}"),
                (true, false) => {
                    let rest = &body[line.len()..];
                    rest.strip_prefix([' ', '\t']).unwrap_or(rest).to_owned()
                }
            }
        })
        .collect();
    write(&path, &new)?;
    Ok(Some(name.to_owned()))
}

fn write(path: &std::path::Path, text: &str) -> Result<(), ExecError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| ExecError::Command(format!("{}: {e}", dir.display())))?;
    }
    std::fs::write(path, text).map_err(|e| ExecError::Command(format!("{}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machine::script::{Script, host};
    use serde_json::Map;

    const LSMOD: &str = "Module                  Size  Used by\nbonding               200704  0\ntls                   139264  1 bonding\n";
    const LSMOD_DUMMY: &str = "Module                  Size  Used by\ndummy                  16384  0\nbonding               200704  0\ntls                   139264  1 bonding\n";

    #[test]
    fn lsmod_lines() {
        let m = parse_lsmod(LSMOD);
        assert_eq!(m.len(), 2);
        assert_eq!(m[1].deps, ["bonding"]);
        assert_eq!(
            m[1].to_value(),
            json!({"size": "139264", "module": "tls", "depcount": "1", "deps": ["bonding"]})
        );
        // What Salt makes of lsmod on a kernel without module support.
        let m = parse_lsmod(
            "libkmod: ERROR ../libkmod/libkmod-module.c:1725 kmod_module_new_from_loaded: could not open /proc/modules: No such file or directory\nError: could not get list of modules: No such file or directory",
        );
        let names: Vec<&str> = m.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["libkmod:", "Error:"]);
    }

    #[tokio::test]
    async fn load_with_persist_appends_to_the_systemd_list() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("proc/sys/kernel")).unwrap();
        std::fs::write(root.join("proc/sys/kernel/osrelease"), "6.1.0-9-amd64\n").unwrap();
        let kdir = root.join("lib/modules/6.1.0-9-amd64/kernel/drivers/net");
        std::fs::create_dir_all(&kdir).unwrap();
        std::fs::write(kdir.join("dummy.ko.xz"), "").unwrap();
        let grains = json!({"systemd": {"version": "252"}})
            .as_object()
            .cloned()
            .unwrap();
        let s = Script::with_programs(&["lsmod", "modprobe"])
            .on("lsmod", 0, LSMOD)
            .on("lsmod", 0, LSMOD_DUMMY)
            .on("modprobe dummy", 0, "");
        let h = host(&s, root, &grains);
        assert_eq!(available(&h), ["dummy"]);
        assert_eq!(load(&h, "dummy", true).await.unwrap(), json!(["dummy"]));
        let conf =
            std::fs::read_to_string(root.join("etc/modules-load.d/salt_managed.conf")).unwrap();
        assert_eq!(conf, "dummy\n");
        assert_eq!(mod_list(&h, true).await.unwrap(), ["dummy"]);
        let s = Script::with_programs(&["lsmod", "modprobe"])
            .on("lsmod", 0, LSMOD)
            .on_err("modprobe", 1, "", "modprobe: FATAL: Module nope not found");
        let h = host(&s, root, &grains);
        assert_eq!(
            load(&h, "nope", false).await.unwrap(),
            json!("Error loading module nope: modprobe: FATAL: Module nope not found")
        );
    }

    #[tokio::test]
    async fn remove_with_persist_comments_the_line_out() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("etc")).unwrap();
        std::fs::write(root.join("etc/modules"), "loop\ndummy\n").unwrap();
        let grains = Map::new();
        let s = Script::with_programs(&["lsmod", "rmmod"])
            .on("lsmod", 0, LSMOD_DUMMY)
            .on("lsmod", 0, LSMOD)
            .on("rmmod dummy", 0, "");
        let h = host(&s, root, &grains);
        assert_eq!(
            remove(&h, "dummy", true, true).await.unwrap(),
            json!(["dummy"])
        );
        assert_eq!(
            std::fs::read_to_string(root.join("etc/modules")).unwrap(),
            "loop\n#dummy\n"
        );
    }
}
