//! `user.*`: local accounts with useradd/usermod/userdel, as Salt's
//! `useradd` module. Accounts are read from `/etc/passwd` and group
//! membership from `/etc/group` (Salt asks NSS, the same files on hosts
//! without LDAP/NIS); `groups` is every group the user belongs to, the
//! primary one included, sorted.

use std::collections::BTreeSet;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::group::{self, Group, on_rooted, run};
use crate::error::py_str;
use crate::machine::{Host, Real};
use crate::{Ctx, ExecError, ExecFn, de};

/// One line of `/etc/passwd`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Passwd {
    pub name: String,
    pub passwd: String,
    pub uid: i64,
    pub gid: i64,
    pub gecos: String,
    pub home: String,
    pub shell: String,
}

pub(crate) fn parse_passwd(text: &str) -> Vec<Passwd> {
    text.lines()
        .filter_map(|line| {
            let c: Vec<&str> = line.trim().split(':').collect();
            if c.len() < 7 {
                return None;
            }
            Some(Passwd {
                name: c[0].into(),
                passwd: c[1].into(),
                uid: c[2].parse().ok()?,
                gid: c[3].parse().ok()?,
                gecos: c[4].into(),
                home: c[5].into(),
                shell: c[6].into(),
            })
        })
        .collect()
}

fn passwd(host: &Host<'_>, name: &str) -> Option<Passwd> {
    parse_passwd(&host.read("/etc/passwd").unwrap_or_default())
        .into_iter()
        .find(|p| p.name == name)
}

/// Names of the groups `user` is in (primary included), sorted.
pub(crate) fn list_groups(host: &Host<'_>, user: &str) -> Vec<String> {
    let Some(pw) = passwd(host, user) else {
        return Vec::new();
    };
    let all = group::groups(host);
    let gids: BTreeSet<i64> = all
        .iter()
        .filter(|g| g.members.iter().any(|m| m == user))
        .map(|g| g.gid)
        .chain(std::iter::once(pw.gid))
        .collect();
    let names: BTreeSet<String> = all
        .iter()
        .filter(|g: &&Group| gids.contains(&g.gid))
        .map(|g| g.name.clone())
        .collect();
    names.into_iter().collect()
}

/// The five GECOS fields.
fn gecos(field: &str) -> [String; 5] {
    let mut parts: Vec<String> = field.splitn(5, ',').map(String::from).collect();
    parts.resize(5, String::new());
    [
        parts[0].clone(),
        parts[1].clone(),
        parts[2].clone(),
        parts[3].clone(),
        parts[4].clone(),
    ]
}

/// Salt's `user.info` dict, keys in Salt's order.
pub(crate) fn info(host: &Host<'_>, name: &str) -> Option<Value> {
    let pw = passwd(host, name)?;
    let [fullname, roomnumber, workphone, homephone, other] = gecos(&pw.gecos);
    let mut m = Map::new();
    m.insert("gid".into(), json!(pw.gid));
    m.insert("groups".into(), json!(list_groups(host, name)));
    m.insert("home".into(), json!(pw.home));
    m.insert("name".into(), json!(pw.name));
    m.insert("passwd".into(), json!(pw.passwd));
    m.insert("shell".into(), json!(pw.shell));
    m.insert("uid".into(), json!(pw.uid));
    m.insert("fullname".into(), json!(fullname));
    m.insert("roomnumber".into(), json!(roomnumber));
    m.insert("workphone".into(), json!(workphone));
    m.insert("homephone".into(), json!(homephone));
    m.insert("other".into(), json!(other));
    Some(Value::Object(m))
}

/// `user.info name`
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct Info(group::InfoArgs);

impl ExecFn for Info {
    const POSITIONAL: &'static [&'static str] = &["name", "root"];
    const REQUIRED: usize = 1;
    const DOC: &'static str = "Return a user's account: gid, groups, home, name, passwd, shell, uid and the GECOS fields (fullname, roomnumber, workphone, homephone, other); {} when there is none.\n\nCLI Example:\n\n    salt '*' user.info root\n";
    type Output = Value;

    async fn call(self, cx: &Ctx) -> Result<Value, ExecError> {
        let a = self.0;
        Ok(on_rooted(cx, a.root.as_deref(), |host| {
            info(host, &a.name).unwrap_or_else(|| json!({}))
        }))
    }
}

/// `user.list_groups name`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListGroups {
    #[serde(deserialize_with = "de::string_like")]
    name: String,
}

impl ExecFn for ListGroups {
    const POSITIONAL: &'static [&'static str] = &["name"];
    const REQUIRED: usize = 1;
    const DOC: &'static str = "Return the sorted names of the groups a user is in, the primary group included.\n\nCLI Example:\n\n    salt '*' user.list_groups foo\n";
    type Output = Vec<String>;

    async fn call(self, cx: &Ctx) -> Result<Vec<String>, ExecError> {
        let real = Real::new(cx);
        Ok(list_groups(&Host::real(&real, cx), &self.name))
    }
}

/// `user.list_users`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListUsers {
    #[serde(default, deserialize_with = "de::opt_string_like")]
    root: Option<String>,
}

impl ExecFn for ListUsers {
    const POSITIONAL: &'static [&'static str] = &["root"];
    const DOC: &'static str =
        "Return the sorted names of every user.\n\nCLI Example:\n\n    salt '*' user.list_users\n";
    type Output = Vec<String>;

    async fn call(self, cx: &Ctx) -> Result<Vec<String>, ExecError> {
        let mut names: Vec<String> = on_rooted(cx, self.root.as_deref(), |host| {
            parse_passwd(&host.read("/etc/passwd").unwrap_or_default())
                .into_iter()
                .map(|p| p.name)
                .collect()
        });
        names.sort();
        Ok(names)
    }
}

/// `user.getent`
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct Getent(group::GetentArgs);

impl ExecFn for Getent {
    const POSITIONAL: &'static [&'static str] = &["refresh", "root"];
    const DOC: &'static str =
        "Return user.info of every user.\n\nCLI Example:\n\n    salt '*' user.getent\n";
    type Output = Vec<Value>;

    async fn call(self, cx: &Ctx) -> Result<Vec<Value>, ExecError> {
        Ok(on_rooted(cx, self.0.root.as_deref(), |host| {
            parse_passwd(&host.read("/etc/passwd").unwrap_or_default())
                .iter()
                .filter_map(|p| info(host, &p.name))
                .collect()
        }))
    }
}

/// `user.add name ...`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Add {
    #[serde(deserialize_with = "de::string_like")]
    pub name: String,
    #[serde(default)]
    pub uid: Value,
    #[serde(default)]
    pub gid: Value,
    #[serde(default)]
    pub groups: Value,
    #[serde(default)]
    pub home: Value,
    #[serde(default)]
    pub shell: Value,
    #[serde(default = "yes")]
    pub unique: bool,
    #[serde(default)]
    pub system: bool,
    #[serde(default)]
    pub fullname: Value,
    #[serde(default)]
    pub roomnumber: Value,
    #[serde(default)]
    pub workphone: Value,
    #[serde(default)]
    pub homephone: Value,
    #[serde(default)]
    pub other: Value,
    #[serde(default = "yes")]
    pub createhome: bool,
    #[serde(default)]
    #[allow(dead_code)]
    pub loginclass: Value,
    #[serde(default)]
    pub nologinit: bool,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    pub root: Option<String>,
    #[serde(default)]
    pub usergroup: Option<bool>,
    #[serde(default)]
    pub local: bool,
}

fn yes() -> bool {
    true
}

impl ExecFn for Add {
    const POSITIONAL: &'static [&'static str] = &[
        "name",
        "uid",
        "gid",
        "groups",
        "home",
        "shell",
        "unique",
        "system",
        "fullname",
        "roomnumber",
        "workphone",
        "homephone",
        "other",
        "createhome",
        "loginclass",
        "nologinit",
        "root",
        "usergroup",
        "local",
    ];
    const REQUIRED: usize = 1;
    const DOC: &'static str = "Add a user (useradd: -s shell, -u uid, -g gid or -U with usergroup, -m/-M for createhome, -d home, -o unless unique, -r with system), then set groups and GECOS fields. True when the user was created.\n\nCLI Example:\n\n    salt '*' user.add name <uid> <gid> <groups> <home> <shell>\n";
    type Output = bool;

    async fn call(self, cx: &Ctx) -> Result<bool, ExecError> {
        let real = Real::new(cx);
        add(&Host::real(&real, cx), &self).await
    }
}

fn given(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        v => Some(py_str(v)),
    }
}

pub(crate) async fn add(host: &Host<'_>, a: &Add) -> Result<bool, ExecError> {
    let mut argv = vec![host.which(if a.local { "luseradd" } else { "useradd" })?];
    if let Some(s) = given(&a.shell) {
        argv.extend(["-s".into(), s]);
    }
    if let Some(u) = given(&a.uid) {
        argv.extend(["-u".into(), u]);
    }
    let groups = string_list(&a.groups);
    if let Some(g) = given(&a.gid) {
        argv.extend(["-g".into(), g]);
    } else if a.usergroup == Some(true) {
        if !a.local {
            argv.push("-U".into());
        }
    } else if groups.as_ref().is_some_and(|g| g.contains(&a.name)) {
        let defs = host.read("/etc/login.defs").unwrap_or_default();
        if let Some(line) = defs.lines().find(|l| {
            l.chars()
                .take(15)
                .collect::<String>()
                .contains("USERGROUPS_ENAB")
        }) && line.contains("yes")
        {
            let gid = group::info(host, &a.name).map_or(String::new(), |g| g.gid.to_string());
            argv.extend(["-g".into(), gid]);
        }
    }
    if a.usergroup == Some(false) {
        argv.push(if a.local { "-n" } else { "-N" }.into());
    }
    if a.createhome {
        if !a.local {
            argv.push("-m".into());
        }
    } else {
        argv.push("-M".into());
    }
    if a.nologinit {
        argv.push("-l".into());
    }
    if !a.home.is_null() {
        argv.extend(["-d".into(), py_str(&a.home)]);
    }
    if !a.unique {
        argv.push("-o".into());
    }
    if a.system {
        argv.push("-r".into());
    }
    argv.push(a.name.clone());
    if let (Some(r), false) = (&a.root, a.local) {
        argv.extend(["-R".into(), r.clone()]);
    }
    if run(host, &argv).await?.retcode != 0 {
        return Ok(false);
    }
    if let Some(g) = groups.filter(|g| !g.is_empty()) {
        chgroups(host, &a.name, &g, false).await?;
    }
    for (key, v) in [
        ("fullname", &a.fullname),
        ("roomnumber", &a.roomnumber),
        ("workphone", &a.workphone),
        ("homephone", &a.homephone),
        ("other", &a.other),
    ] {
        if crate::registry::truthy(v) {
            update_gecos(host, &a.name, key, &py_str(v)).await?;
        }
    }
    Ok(true)
}

/// A list of names from a list or a comma-separated string.
pub(crate) fn string_list(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.split(',').map(String::from).collect()),
        Value::Array(a) => Some(a.iter().map(py_str).collect()),
        other => Some(vec![py_str(other)]),
    }
}

/// `user.delete name [remove] [force]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Delete {
    #[serde(deserialize_with = "de::string_like")]
    name: String,
    #[serde(default)]
    remove: bool,
    #[serde(default)]
    force: bool,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    root: Option<String>,
    #[serde(default)]
    local: bool,
}

impl ExecFn for Delete {
    const POSITIONAL: &'static [&'static str] = &["name", "remove", "force", "root", "local"];
    const REQUIRED: usize = 1;
    const DOC: &'static str = "Remove a user (userdel; -r removes the home directory and mail spool, -f forces). True on success.\n\nCLI Example:\n\n    salt '*' user.delete name remove=True force=True\n";
    type Output = bool;

    async fn call(self, cx: &Ctx) -> Result<bool, ExecError> {
        let real = Real::new(cx);
        delete(
            &Host::real(&real, cx),
            &self.name,
            self.remove,
            self.force,
            self.root.as_deref(),
            self.local,
        )
        .await
    }
}

pub(crate) async fn delete(
    host: &Host<'_>,
    name: &str,
    remove: bool,
    force: bool,
    root: Option<&str>,
    local: bool,
) -> Result<bool, ExecError> {
    let mut argv = vec![host.which(if local { "luserdel" } else { "userdel" })?];
    if remove {
        argv.push("-r".into());
    }
    if force && !local {
        argv.push("-f".into());
    }
    argv.push(name.into());
    if let (Some(r), false) = (root, local) {
        argv.extend(["-R".into(), r.into()]);
    }
    let out = run(host, &argv).await?;
    if out.retcode == 0 {
        return Ok(true);
    }
    // userdel exits 12 when the mail spool is missing (Debian); Salt
    // counts that as success.
    let debian = host.grains.get("os_family").is_some_and(|f| f == "Debian");
    Ok(out.retcode == 12
        && debian
        && (out.stderr.contains("var/mail") || out.stderr.contains("var/spool/mail")))
}

/// `user.chgroups name groups [append]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Chgroups {
    #[serde(deserialize_with = "de::string_like")]
    name: String,
    groups: Value,
    #[serde(default)]
    append: bool,
    #[serde(default, deserialize_with = "de::opt_string_like")]
    #[allow(dead_code)]
    root: Option<String>,
}

impl ExecFn for Chgroups {
    const POSITIONAL: &'static [&'static str] = &["name", "groups", "append", "root"];
    const REQUIRED: usize = 2;
    const DOC: &'static str = "Set a user's groups (usermod -G; -a -G with append=True); a list or a comma-separated string. True on success.\n\nCLI Example:\n\n    salt '*' user.chgroups foo wheel,root\n";
    type Output = bool;

    async fn call(self, cx: &Ctx) -> Result<bool, ExecError> {
        let real = Real::new(cx);
        let groups = string_list(&self.groups).unwrap_or_default();
        chgroups(&Host::real(&real, cx), &self.name, &groups, self.append).await
    }
}

pub(crate) async fn chgroups(
    host: &Host<'_>,
    name: &str,
    groups: &[String],
    append: bool,
) -> Result<bool, ExecError> {
    let have: BTreeSet<String> = list_groups(host, name).into_iter().collect();
    let want: BTreeSet<String> = groups.iter().cloned().collect();
    if have == want {
        return Ok(true);
    }
    let mut argv = vec![host.which("usermod")?];
    if append {
        argv.push("-a".into());
    }
    argv.extend(["-G".into(), groups.join(","), name.into()]);
    let out = run(host, &argv).await?;
    if out.retcode != 0 && out.stderr.contains("not found in") {
        let mut ok = true;
        for g in groups {
            let argv = vec!["gpasswd".to_owned(), "-a".into(), name.into(), g.clone()];
            if run(host, &argv).await?.retcode != 0 {
                ok = false;
            }
        }
        return Ok(ok);
    }
    Ok(out.retcode == 0)
}

/// Writes one `user.chX` function changing an attribute with usermod.
macro_rules! attr_fn {
    ($ty:ident, $field:literal, $key:literal, $flag:literal, $doc:literal) => {
        #[doc = concat!("`user.ch", $key, "`")]
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $ty {
            #[serde(deserialize_with = "de::string_like")]
            name: String,
            #[serde(rename = $field)]
            value: Value,
            #[serde(default)]
            persist: bool,
            #[serde(default, deserialize_with = "de::opt_string_like")]
            #[allow(dead_code)]
            root: Option<String>,
        }

        impl ExecFn for $ty {
            const POSITIONAL: &'static [&'static str] = &["name", $field];
            const REQUIRED: usize = 2;
            const DOC: &'static str = $doc;
            type Output = bool;

            async fn call(self, cx: &Ctx) -> Result<bool, ExecError> {
                let real = Real::new(cx);
                chattrib(
                    &Host::real(&real, cx),
                    &self.name,
                    $key,
                    &self.value,
                    $flag,
                    self.persist,
                )
                .await
            }
        }
    };
}

attr_fn!(
    Chuid,
    "uid",
    "uid",
    "-u",
    "Change a user's uid (usermod -u); True when it then has it.\n\nCLI Example:\n\n    salt '*' user.chuid foo 4376\n"
);
attr_fn!(
    Chgid,
    "gid",
    "gid",
    "-g",
    "Change a user's primary group (usermod -g); True when it then has it.\n\nCLI Example:\n\n    salt '*' user.chgid foo 4376\n"
);
attr_fn!(
    Chshell,
    "shell",
    "shell",
    "-s",
    "Change a user's login shell (usermod -s).\n\nCLI Example:\n\n    salt '*' user.chshell foo /bin/zsh\n"
);
attr_fn!(
    Chhome,
    "home",
    "home",
    "-d",
    "Change a user's home directory (usermod -d; with persist=True, -m moves its contents).\n\nCLI Example:\n\n    salt '*' user.chhome foo /home/users/foo True\n"
);

pub(crate) async fn chattrib(
    host: &Host<'_>,
    name: &str,
    key: &str,
    value: &Value,
    flag: &str,
    persist: bool,
) -> Result<bool, ExecError> {
    let Some(pre) = info(host, name) else {
        return Err(ExecError::Command(format!("User '{name}' does not exist")));
    };
    if pre.get(key) == Some(value) {
        return Ok(true);
    }
    let mut argv = vec![host.which("usermod")?];
    if persist {
        argv.push("-m".into());
    }
    argv.extend([flag.into(), py_str(value), name.into()]);
    run(host, &argv).await?;
    Ok(info(host, name).and_then(|i| i.get(key).cloned()).as_ref() == Some(value))
}

macro_rules! gecos_fn {
    ($ty:ident, $key:literal) => {
        #[doc = concat!("`user.ch", $key, "`")]
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $ty {
            #[serde(deserialize_with = "de::string_like")]
            name: String,
            #[serde(rename = $key)]
            value: Value,
            #[serde(default, deserialize_with = "de::opt_string_like")]
            #[allow(dead_code)]
            root: Option<String>,
        }

        impl ExecFn for $ty {
            const POSITIONAL: &'static [&'static str] = &["name", $key, "root"];
            const REQUIRED: usize = 2;
            const DOC: &'static str = concat!(
                "Change the GECOS field ",
                $key,
                " of a user (usermod -c).\n\nCLI Example:\n\n    salt '*' user.ch",
                $key,
                " foo \"value\"\n"
            );
            type Output = bool;

            async fn call(self, cx: &Ctx) -> Result<bool, ExecError> {
                let real = Real::new(cx);
                let v = if self.value.is_null() {
                    String::new()
                } else {
                    py_str(&self.value)
                };
                update_gecos(&Host::real(&real, cx), &self.name, $key, &v).await
            }
        }
    };
}

gecos_fn!(Chfullname, "fullname");
gecos_fn!(Chroomnumber, "roomnumber");
gecos_fn!(Chworkphone, "workphone");
gecos_fn!(Chhomephone, "homephone");
gecos_fn!(Chother, "other");

const GECOS_KEYS: [&str; 5] = ["fullname", "roomnumber", "workphone", "homephone", "other"];

pub(crate) async fn update_gecos(
    host: &Host<'_>,
    name: &str,
    key: &str,
    value: &str,
) -> Result<bool, ExecError> {
    let Some(pw) = passwd(host, name) else {
        return Ok(false);
    };
    let mut fields = gecos(&pw.gecos);
    let Some(i) = GECOS_KEYS.iter().position(|k| *k == key) else {
        return Ok(false);
    };
    if fields[i] == value {
        return Ok(true);
    }
    fields[i] = value.to_owned();
    let joined = fields.join(",");
    let argv = vec![
        host.which("usermod")?,
        "-c".into(),
        joined.trim_end_matches(',').to_owned(),
        name.into(),
    ];
    run(host, &argv).await?;
    Ok(passwd(host, name).is_some_and(|p| gecos(&p.gecos)[i] == value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machine::script::{Script, host};

    const PASSWD: &str = "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000:Alice A,room 1,,,:/home/alice:/bin/sh\n";
    const GROUP: &str =
        "root:x:0:\nadm:x:4:alice\nalice:x:1000:\nusers:x:100:\nalias1000:x:1000:\n";

    fn files() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("etc")).unwrap();
        std::fs::write(dir.path().join("etc/passwd"), PASSWD).unwrap();
        std::fs::write(dir.path().join("etc/group"), GROUP).unwrap();
        dir
    }

    #[test]
    fn info_has_salts_keys_and_groups() {
        let dir = files();
        let grains = Map::new();
        let s = Script::default();
        let h = host(&s, dir.path(), &grains);
        let i = info(&h, "alice").unwrap();
        assert_eq!(
            serde_json::to_string(&i).unwrap(),
            r#"{"gid":1000,"groups":["adm","alias1000","alice"],"home":"/home/alice","name":"alice","passwd":"x","shell":"/bin/sh","uid":1000,"fullname":"Alice A","roomnumber":"room 1","workphone":"","homephone":"","other":""}"#
        );
        assert!(info(&h, "bob").is_none());
    }

    #[tokio::test]
    async fn add_builds_salts_useradd_line() {
        let dir = files();
        let grains = Map::new();
        let s = Script::with_programs(&["useradd", "usermod"])
            .on("useradd", 0, "")
            .on("usermod", 0, "");
        let h = host(&s, dir.path(), &grains);
        let a: Add = serde_json::from_value(json!({
            "name": "bob", "uid": 4000, "shell": "/bin/zsh", "home": "/srv/bob",
            "groups": ["adm"], "fullname": "Bob B", "system": true,
        }))
        .unwrap();
        assert!(add(&h, &a).await.unwrap());
        // The fake useradd wrote nothing, so chgroups and GECOS see no user.
        assert_eq!(
            s.calls()[0],
            "useradd -s /bin/zsh -u 4000 -m -d /srv/bob -r bob"
        );
    }

    #[tokio::test]
    async fn delete_tolerates_debians_missing_mail_spool() {
        let dir = files();
        let grains = json!({"os_family": "Debian"}).as_object().cloned().unwrap();
        let s = Script::with_programs(&["userdel"]).on_err(
            "userdel -r alice",
            12,
            "",
            "userdel: alice mail spool (/var/mail/alice) not found",
        );
        let h = host(&s, dir.path(), &grains);
        assert!(delete(&h, "alice", true, false, None, false).await.unwrap());
    }
}
