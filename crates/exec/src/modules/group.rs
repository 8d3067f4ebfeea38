//! `group.*`: local groups with groupadd/groupmod/groupdel/gpasswd, as
//! Salt's `groupadd` module. Groups are read from `/etc/group` (Salt asks
//! NSS, which on hosts without LDAP/NIS is the same file).

use serde::Deserialize;
use serde_json::{Value, json};

use crate::machine::{Host, Real};
use crate::{Ctx, ExecError, ExecFn, de};

/// One line of `/etc/group`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Group {
    pub name: String,
    pub passwd: String,
    pub gid: i64,
    pub members: Vec<String>,
}

impl Group {
    /// Salt's `group.info` dict.
    pub fn to_value(&self) -> Value {
        json!({"name": self.name, "passwd": self.passwd, "gid": self.gid, "members": self.members})
    }
}

/// The groups of an `/etc/group` text (malformed lines skipped).
pub(crate) fn parse_groups(text: &str) -> Vec<Group> {
    text.lines()
        .filter_map(|line| {
            let c: Vec<&str> = line.trim().split(':').collect();
            if c.len() < 4 {
                return None;
            }
            Some(Group {
                name: c[0].to_owned(),
                passwd: c[1].to_owned(),
                gid: c[2].parse().ok()?,
                members: if c[3].is_empty() {
                    Vec::new()
                } else {
                    c[3].split(',').map(String::from).collect()
                },
            })
        })
        .collect()
}

pub(crate) fn groups(host: &Host<'_>) -> Vec<Group> {
    parse_groups(&host.read("/etc/group").unwrap_or_default())
}

pub(crate) fn info(host: &Host<'_>, name: &str) -> Option<Group> {
    groups(host).into_iter().find(|g| g.name == name)
}

/// The arguments of `group.info` and `user.info`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InfoArgs {
    #[serde(deserialize_with = "de::string_like")]
    pub(crate) name: String,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    pub(crate) root: Option<String>,
}

/// `group.info name`
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct Info(InfoArgs);

impl ExecFn for Info {
    const POSITIONAL: &'static [&'static str] = &["name", "root"];
    const REQUIRED: usize = 1;
    const DOC: &'static str = "Return {name, passwd, gid, members} of a group, {} when there is none.\n\nCLI Example:\n\n    salt '*' group.info foo\n";
    type Output = Value;

    async fn call(self, cx: &Ctx) -> Result<Value, ExecError> {
        let a = self.0;
        Ok(on_rooted(cx, a.root.as_deref(), |host| {
            info(host, &a.name).map_or_else(|| json!({}), |g| g.to_value())
        }))
    }
}

/// The arguments of `group.getent` and `user.getent`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GetentArgs {
    #[serde(default)]
    #[allow(dead_code)]
    refresh: bool,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    pub(crate) root: Option<String>,
}

/// `group.getent`
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct Getent(GetentArgs);

impl ExecFn for Getent {
    const POSITIONAL: &'static [&'static str] = &["refresh", "root"];
    const DOC: &'static str =
        "Return group.info of every group.\n\nCLI Example:\n\n    salt '*' group.getent\n";
    type Output = Vec<Value>;

    async fn call(self, cx: &Ctx) -> Result<Vec<Value>, ExecError> {
        Ok(on_rooted(cx, self.0.root.as_deref(), |host| {
            groups(host).iter().map(Group::to_value).collect()
        }))
    }
}

/// `group.add name [gid] [system]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Add {
    #[serde(deserialize_with = "de::string_like")]
    name: String,
    #[serde(default)]
    gid: Value,
    #[serde(default)]
    system: bool,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    root: Option<String>,
    #[serde(default)]
    non_unique: bool,
    #[serde(default)]
    local: bool,
}

impl ExecFn for Add {
    const POSITIONAL: &'static [&'static str] =
        &["name", "gid", "system", "root", "non_unique", "local"];
    const REQUIRED: usize = 1;
    const DOC: &'static str = "Add a group (groupadd; -g GID, -o with non_unique, -r with system); True on success.\n\nCLI Example:\n\n    salt '*' group.add foo 3456\n";
    type Output = bool;

    async fn call(self, cx: &Ctx) -> Result<bool, ExecError> {
        let real = Real::new(cx);
        let host = Host::real(&real, cx);
        add(
            &host,
            &self.name,
            &self.gid,
            self.system,
            self.root.as_deref(),
            self.non_unique,
            self.local,
        )
        .await
    }
}

pub(crate) async fn add(
    host: &Host<'_>,
    name: &str,
    gid: &Value,
    system: bool,
    root: Option<&str>,
    non_unique: bool,
    local: bool,
) -> Result<bool, ExecError> {
    let prog = host.which(if local { "lgroupadd" } else { "groupadd" })?;
    let mut argv = vec![prog];
    if crate::registry::truthy(gid) {
        argv.push("-g".into());
        argv.push(crate::error::py_str(gid));
        if non_unique && !local {
            argv.push("-o".into());
        }
    }
    if system {
        argv.push("-r".into());
    }
    if let (Some(r), false) = (root, local) {
        argv.extend(["-R".into(), r.into()]);
    }
    argv.push(name.into());
    Ok(run(host, &argv).await?.retcode == 0)
}

/// `group.delete name`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Delete {
    #[serde(deserialize_with = "de::string_like")]
    name: String,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    root: Option<String>,
    #[serde(default)]
    local: bool,
}

impl ExecFn for Delete {
    const POSITIONAL: &'static [&'static str] = &["name", "root", "local"];
    const REQUIRED: usize = 1;
    const DOC: &'static str = "Remove a group (groupdel); True on success.\n\nCLI Example:\n\n    salt '*' group.delete foo\n";
    type Output = bool;

    async fn call(self, cx: &Ctx) -> Result<bool, ExecError> {
        let real = Real::new(cx);
        let host = Host::real(&real, cx);
        let mut argv = vec![host.which(if self.local { "lgroupdel" } else { "groupdel" })?];
        if let (Some(r), false) = (&self.root, self.local) {
            argv.extend(["-R".into(), r.clone()]);
        }
        argv.push(self.name);
        Ok(run(&host, &argv).await?.retcode == 0)
    }
}

/// `group.chgid name gid`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Chgid {
    #[serde(deserialize_with = "de::string_like")]
    name: String,
    gid: Value,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    #[allow(dead_code)]
    root: Option<String>,
    #[serde(default)]
    non_unique: bool,
}

impl ExecFn for Chgid {
    const POSITIONAL: &'static [&'static str] = &["name", "gid", "root", "non_unique"];
    const REQUIRED: usize = 2;
    const DOC: &'static str = "Change a group's gid (groupmod -g, -og with non_unique); True when the group then has it.\n\nCLI Example:\n\n    salt '*' group.chgid foo 4376\n";
    type Output = bool;

    async fn call(self, cx: &Ctx) -> Result<bool, ExecError> {
        let real = Real::new(cx);
        let host = Host::real(&real, cx);
        chgid(&host, &self.name, &self.gid, self.non_unique).await
    }
}

pub(crate) async fn chgid(
    host: &Host<'_>,
    name: &str,
    gid: &Value,
    non_unique: bool,
) -> Result<bool, ExecError> {
    let Some(pre) = info(host, name) else {
        return Ok(false);
    };
    if *gid == json!(pre.gid) {
        return Ok(true);
    }
    let argv = vec![
        host.which("groupmod")?,
        if non_unique { "-og" } else { "-g" }.into(),
        crate::error::py_str(gid),
        name.into(),
    ];
    run(host, &argv).await?;
    Ok(info(host, name).is_some_and(|g| json!(g.gid) == *gid))
}

/// `group.adduser name username`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Adduser {
    #[serde(deserialize_with = "de::string_like")]
    name: String,
    #[serde(deserialize_with = "de::string_like")]
    username: String,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    root: Option<String>,
}

/// `group.deluser name username`
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct Deluser(Adduser);

impl ExecFn for Adduser {
    const POSITIONAL: &'static [&'static str] = &["name", "username", "root"];
    const REQUIRED: usize = 2;
    const DOC: &'static str = "Add a user to a group (gpasswd --add); True on success.\n\nCLI Example:\n\n    salt '*' group.adduser foo bar\n";
    type Output = bool;

    async fn call(self, cx: &Ctx) -> Result<bool, ExecError> {
        let real = Real::new(cx);
        let host = Host::real(&real, cx);
        membership(
            &host,
            "--add",
            &self.name,
            &self.username,
            self.root.as_deref(),
        )
        .await
    }
}

impl ExecFn for Deluser {
    const POSITIONAL: &'static [&'static str] = &["name", "username", "root"];
    const REQUIRED: usize = 2;
    const DOC: &'static str = "Remove a user from a group (gpasswd --del); True on success or when not a member.\n\nCLI Example:\n\n    salt '*' group.deluser foo bar\n";
    type Output = bool;

    async fn call(self, cx: &Ctx) -> Result<bool, ExecError> {
        let real = Real::new(cx);
        let host = Host::real(&real, cx);
        let a = self.0;
        if !info(&host, &a.name).is_some_and(|g| g.members.contains(&a.username)) {
            return Ok(true);
        }
        membership(&host, "--del", &a.name, &a.username, a.root.as_deref()).await
    }
}

pub(crate) async fn membership(
    host: &Host<'_>,
    flag: &str,
    name: &str,
    user: &str,
    root: Option<&str>,
) -> Result<bool, ExecError> {
    let mut argv = vec![
        host.which("gpasswd")?,
        flag.into(),
        user.into(),
        name.into(),
    ];
    if let Some(r) = root {
        argv.extend(["--root".into(), r.into()]);
    }
    Ok(run(host, &argv).await?.retcode == 0)
}

/// `group.members name members_list`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Members {
    #[serde(deserialize_with = "de::string_like")]
    name: String,
    #[serde(deserialize_with = "de::string_like")]
    members_list: String,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    root: Option<String>,
}

impl ExecFn for Members {
    const POSITIONAL: &'static [&'static str] = &["name", "members_list", "root"];
    const REQUIRED: usize = 2;
    const DOC: &'static str = "Replace a group's members with a comma-separated list (gpasswd --members); True on success.\n\nCLI Example:\n\n    salt '*' group.members foo 'user1,user2,user3'\n";
    type Output = bool;

    async fn call(self, cx: &Ctx) -> Result<bool, ExecError> {
        let real = Real::new(cx);
        let host = Host::real(&real, cx);
        members(&host, &self.name, &self.members_list, self.root.as_deref()).await
    }
}

pub(crate) async fn members(
    host: &Host<'_>,
    name: &str,
    list: &str,
    root: Option<&str>,
) -> Result<bool, ExecError> {
    let mut argv = vec![
        host.which("gpasswd")?,
        "--members".into(),
        list.into(),
        name.into(),
    ];
    if let Some(r) = root {
        argv.extend(["--root".into(), r.into()]);
    }
    Ok(run(host, &argv).await?.retcode == 0)
}

pub(crate) async fn run(
    host: &Host<'_>,
    argv: &[String],
) -> Result<crate::machine::Outcome, ExecError> {
    let refs: Vec<&str> = argv.iter().map(String::as_str).collect();
    host.cmd(&refs).await
}

/// The host with files read under `root` (Salt's `root=` argument).
pub(crate) fn rooted<'a>(mut host: Host<'a>, root: Option<&str>) -> Host<'a> {
    if let Some(r) = root {
        host.root = std::path::PathBuf::from(r);
    }
    host
}

/// `f` on this machine, with files read under `root`.
pub(crate) fn on_rooted<T>(cx: &Ctx, root: Option<&str>, f: impl FnOnce(&Host<'_>) -> T) -> T {
    let real = Real::new(cx);
    f(&rooted(Host::real(&real, cx), root))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machine::script::{Script, host};
    use serde_json::Map;

    const GROUP: &str = "root:x:0:\nadm:x:4:syslog,alice\nbad line\nlab:x:5000:\n";

    #[test]
    fn group_file() {
        let g = parse_groups(GROUP);
        assert_eq!(g.len(), 3);
        assert_eq!(
            g[1].to_value(),
            json!({"name": "adm", "passwd": "x", "gid": 4, "members": ["syslog", "alice"]})
        );
    }

    #[tokio::test]
    async fn add_and_chgid_commands() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("etc")).unwrap();
        std::fs::write(dir.path().join("etc/group"), GROUP).unwrap();
        let grains = Map::new();
        let s = Script::with_programs(&["groupadd", "groupmod"])
            .on("groupadd -g 6000 -r web", 0, "")
            .on("groupmod -g 5001 lab", 0, "");
        let h = host(&s, dir.path(), &grains);
        assert!(
            add(&h, "web", &json!(6000), true, None, false, false)
                .await
                .unwrap()
        );
        // The file did not change under the fake groupmod: not applied.
        assert!(!chgid(&h, "lab", &json!(5001), false).await.unwrap());
        assert!(chgid(&h, "lab", &json!(5000), false).await.unwrap());
        assert_eq!(
            s.calls(),
            ["groupadd -g 6000 -r web", "groupmod -g 5001 lab"]
        );
    }
}
