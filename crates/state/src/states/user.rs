//! `user.present` / `user.absent`: local accounts, as Salt's `user` state,
//! through the `user.*` and `group.*` execution functions. Password and
//! password-ageing arguments (Salt's `shadow.*`) are not supported yet and
//! are refused with an error naming the argument.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::calls::{Ret, call, call_bool};
use crate::module::{RunCtx, StateError, StateFn, StateReturn};
use crate::pyrepr::{py_repr, py_str};
use crate::value::truthy;

/// `user.present`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Present {
    name: String,
    #[serde(default)]
    uid: Value,
    #[serde(default)]
    gid: Value,
    #[serde(default)]
    usergroup: Option<bool>,
    #[serde(default)]
    groups: Option<Vec<Value>>,
    #[serde(default)]
    optional_groups: Option<Vec<Value>>,
    #[serde(default = "yes")]
    remove_groups: bool,
    #[serde(default)]
    home: Option<String>,
    #[serde(default = "yes")]
    createhome: bool,
    #[serde(default)]
    shell: Option<String>,
    #[serde(default = "yes")]
    unique: bool,
    #[serde(default)]
    system: bool,
    #[serde(default)]
    fullname: Value,
    #[serde(default)]
    roomnumber: Value,
    #[serde(default)]
    workphone: Value,
    #[serde(default)]
    homephone: Value,
    #[serde(default)]
    other: Value,
    #[serde(default)]
    nologinit: bool,
    #[serde(default)]
    allow_uid_change: bool,
    #[serde(default)]
    allow_gid_change: bool,
    #[serde(default)]
    local: bool,
    #[serde(default)]
    loginclass: Value,
    #[serde(default)]
    password: Value,
    #[serde(default)]
    hash_password: Value,
    #[serde(default)]
    enforce_password: Value,
    #[serde(default)]
    empty_password: Value,
    #[serde(default)]
    password_lock: Value,
    #[serde(default)]
    date: Value,
    #[serde(default)]
    mindays: Value,
    #[serde(default)]
    maxdays: Value,
    #[serde(default)]
    inactdays: Value,
    #[serde(default)]
    warndays: Value,
    #[serde(default)]
    expire: Value,
    /// Windows-only: accepted and ignored, as by Salt on Linux.
    #[serde(default)]
    #[allow(dead_code)]
    win_homedrive: Value,
    #[serde(default)]
    #[allow(dead_code)]
    win_profile: Value,
    #[serde(default)]
    #[allow(dead_code)]
    win_logonscript: Value,
    #[serde(default)]
    #[allow(dead_code)]
    win_description: Value,
}

fn yes() -> bool {
    true
}

/// `user.absent`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Absent {
    name: String,
    #[serde(default)]
    purge: bool,
    #[serde(default)]
    force: bool,
    #[serde(default)]
    local: bool,
}

plan_or_apply!(Present {
    const DOC: &'static str = "Makes sure a local user exists with the given attributes: `uid`, `gid` (number or group name), `usergroup` (a group named after the user), `groups` (exactly these supplementary groups; with `remove_groups: False` at least these), `optional_groups` (added when they exist), `home`, `createhome` (default True), `shell`, `system`, `unique`, `nologinit`, GECOS `fullname`, `roomnumber`, `workphone`, `homephone`, `other`. Changing the uid or gid of an existing user needs `allow_uid_change` / `allow_gid_change`. Not supported yet: `password` and the password-ageing arguments (an error names them).\n\n    fred:\n      user.present:\n        - fullname: Fred Jones\n        - shell: /bin/zsh\n        - home: /home/fred\n        - uid: 4000\n        - groups:\n          - wheel\n";
});

/// Salt's `file.group_to_gid`: a number stays, a name becomes its gid, an
/// unknown name "".
fn group_to_gid(groups: &[Value], g: &Value) -> Value {
    match g {
        Value::Null => json!(""),
        Value::Number(_) => g.clone(),
        other => {
            let name = py_str(other);
            groups
                .iter()
                .find(|x| x.get("name").and_then(Value::as_str) == Some(name.as_str()))
                .and_then(|x| x.get("gid").cloned())
                .unwrap_or(json!(""))
        }
    }
}

/// Salt's `file.gid_to_group`: the group's name, or the gid itself.
fn gid_to_group(groups: &[Value], g: &Value) -> Value {
    let gid = match g {
        Value::Number(_) => g.clone(),
        Value::String(s) => match s.trim().parse::<i64>() {
            Ok(n) => json!(n),
            Err(_) => group_to_gid(groups, g),
        },
        _ => group_to_gid(groups, g),
    };
    if gid == json!("") {
        return json!("");
    }
    groups
        .iter()
        .find(|x| x.get("gid") == Some(&gid))
        .and_then(|x| x.get("name").cloned())
        .unwrap_or(gid)
}

fn strs(v: &Option<Vec<Value>>) -> Option<Vec<String>> {
    v.as_ref().map(|l| l.iter().map(py_str).collect())
}

/// A sorted, de-duplicated copy.
fn sorted_set(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

impl Present {
    fn unsupported(&self) -> Option<&'static str> {
        let shadow: [(&'static str, &Value); 11] = [
            ("password", &self.password),
            ("hash_password", &self.hash_password),
            ("enforce_password", &self.enforce_password),
            ("empty_password", &self.empty_password),
            ("password_lock", &self.password_lock),
            ("date", &self.date),
            ("mindays", &self.mindays),
            ("maxdays", &self.maxdays),
            ("inactdays", &self.inactdays),
            ("warndays", &self.warndays),
            ("expire", &self.expire),
        ];
        // Salt's defaults (enforce_password True, hash/empty_password False)
        // change nothing; anything else needs shadow.*.
        let default = |k: &str, v: &Value| match k {
            "enforce_password" => *v == json!(true),
            "hash_password" | "empty_password" => *v == json!(false),
            _ => false,
        };
        shadow
            .into_iter()
            .find(|(k, v)| !v.is_null() && !default(k, v))
            .map(|(k, _)| k)
    }

    /// Salt's `str()` of a GECOS argument.
    fn gecos(v: &Value) -> Option<String> {
        (!v.is_null()).then(|| py_str(v))
    }

    fn run(&self, cx: &RunCtx<'_>, test: bool) -> Result<StateReturn, StateError> {
        if let Some(arg) = self.unsupported() {
            return Err(StateError::Invocation(format!(
                "user.present: '{arg}' is not supported by salt-rs yet (it needs the shadow module)"
            )));
        }
        let name = self.name.as_str();
        let mut r = Ret::new(name);
        r.comment = format!("User {name} is present and up to date");
        for field in [&self.fullname, &self.roomnumber, &self.workphone] {
            if let Some(g) = Self::gecos(field).filter(|g| g.contains(',')) {
                r.set(json!(false), format!("Unsupported char ',' in {g}"));
                return Ok(r.done());
            }
        }
        let groups = strs(&self.groups);
        if let Some(g) = groups.as_ref().filter(|g| !g.is_empty()) {
            let mut missing = Vec::new();
            for x in g {
                if !truthy(&call(cx, "group.info", &[json!(x)], &[]).map_err(StateError::Command)?)
                {
                    missing.push(x.clone());
                }
            }
            if !missing.is_empty() {
                r.set(
                    json!(false),
                    format!(
                        "The following group(s) are not present: {}",
                        missing.join(",")
                    ),
                );
                return Ok(r.done());
            }
        }
        let optional = match strs(&self.optional_groups).filter(|g| !g.is_empty()) {
            Some(opt) => {
                let mut present = Vec::new();
                for x in opt {
                    if truthy(
                        &call(cx, "group.info", &[json!(x)], &[]).map_err(StateError::Command)?,
                    ) {
                        present.push(x);
                    }
                }
                Some(present)
            }
            None => None,
        };
        let all_groups = self.all_groups(cx)?;
        let changes_gid = if self.usergroup == Some(true)
            && group_to_gid(&all_groups, &json!(name)) != json!("")
        {
            json!(name)
        } else {
            self.gid.clone()
        };
        let changes = match self.changes(
            cx,
            &changes_gid,
            groups.as_deref(),
            optional.as_deref(),
            self.allow_uid_change,
            self.allow_gid_change,
        ) {
            Ok(c) => c,
            Err(msg) => {
                r.set(json!(false), msg);
                return Ok(r.done());
            }
        };
        match changes {
            Some(changes) if !changes.is_empty() => {
                self.update(cx, r, changes, groups, optional, test)
            }
            Some(_) => Ok(r.done()),
            None => self.create(cx, r, groups, optional, test),
        }
    }

    fn all_groups(&self, cx: &RunCtx<'_>) -> Result<Vec<Value>, StateError> {
        let v = call(cx, "group.getent", &[], &[]).map_err(StateError::Command)?;
        Ok(v.as_array().cloned().unwrap_or_default())
    }

    /// Salt's `_changes`: `None` when the user does not exist, `Err` with
    /// Salt's message when a uid/gid change is not allowed.
    fn changes(
        &self,
        cx: &RunCtx<'_>,
        gid: &Value,
        groups: Option<&[String]>,
        optional: Option<&[String]>,
        allow_uid: bool,
        allow_gid: bool,
    ) -> Result<Option<Vec<(String, Value)>>, String> {
        let lusr = call(cx, "user.info", &[json!(self.name)], &[])?;
        if !truthy(&lusr) {
            return Ok(None);
        }
        let all = call(cx, "group.getent", &[], &[])?;
        let all = all.as_array().cloned().unwrap_or_default();
        let field = |k: &str| lusr.get(k).cloned().unwrap_or(Value::Null);
        let mut cur_groups: Vec<String> = field("groups")
            .as_array()
            .map(|a| a.iter().map(py_str).collect())
            .unwrap_or_default();
        let mut wanted: Vec<String> = sorted_set(
            groups
                .unwrap_or(&[])
                .iter()
                .chain(optional.unwrap_or(&[]))
                .cloned()
                .collect(),
        );
        // Salt's dupe_groups: the user's groups sharing a gid, as first read.
        let orig_groups = cur_groups.clone();
        let gids: Vec<Value> = orig_groups
            .iter()
            .map(|g| group_to_gid(&all, &json!(g)))
            .collect();
        let dupes = |g: &str| -> Vec<String> {
            let gid = group_to_gid(&all, &json!(g));
            let same: Vec<String> = orig_groups
                .iter()
                .zip(&gids)
                .filter(|(_, x)| **x == gid)
                .map(|(n, _)| n.clone())
                .collect();
            if same.len() > 1 { same } else { Vec::new() }
        };
        if !self.remove_groups || (groups.is_none() && optional.is_none_or(|o| o.is_empty())) {
            wanted = sorted_set(
                wanted
                    .into_iter()
                    .chain(cur_groups.iter().cloned())
                    .collect(),
            );
        }
        let mut change: Vec<(String, Value)> = Vec::new();
        let uid_given = truthy(&self.uid);
        if uid_given && field("uid") != self.uid {
            change.push(("uid".into(), self.uid.clone()));
        }
        if !gid.is_null() && field("gid") != *gid && field("gid") != group_to_gid(&all, gid) {
            change.push(("gid".into(), gid.clone()));
        }
        let default_grp = py_str(&gid_to_group(
            &all,
            if gid.is_null() { &lusr["gid"] } else { gid },
        ));
        let old_default = py_str(&gid_to_group(&all, &field("gid")));
        let remove = |list: &mut Vec<String>, g: &str| list.retain(|x| x != g);
        if cur_groups.contains(&default_grp) || wanted.contains(&default_grp) {
            let d = dupes(&default_grp);
            if d.is_empty() {
                remove(&mut cur_groups, &default_grp);
                remove(&mut wanted, &default_grp);
            } else {
                for g in d {
                    remove(&mut cur_groups, &g);
                    remove(&mut wanted, &g);
                }
            }
        }
        if old_default != default_grp && cur_groups.contains(&old_default) {
            let d = dupes(&old_default);
            if d.is_empty() {
                remove(&mut cur_groups, &old_default);
            } else {
                for g in d {
                    remove(&mut cur_groups, &g);
                }
            }
        }
        if cur_groups.contains(&self.name) && !wanted.contains(&self.name) {
            let d = dupes(&self.name);
            if d.is_empty() {
                remove(&mut cur_groups, &self.name);
            } else {
                for g in d {
                    remove(&mut cur_groups, &g);
                }
            }
        }
        if group_changes(&all, &cur_groups, &wanted, self.remove_groups)
            && (!wanted.is_empty() || self.remove_groups)
        {
            change.push(("groups".into(), json!(wanted)));
        }
        if let Some(h) = &self.home
            && field("home") != json!(h)
        {
            change.push(("home".into(), json!(h)));
        }
        if self.createhome {
            let newhome = self
                .home
                .clone()
                .or_else(|| field("home").as_str().map(String::from));
            if let Some(h) = newhome
                && !cx.exec.path_exists(&h)
            {
                change.push(("homeDoesNotExist".into(), json!(h)));
            }
        }
        if let Some(s) = self.shell.as_ref().filter(|s| !s.is_empty())
            && field("shell") != json!(s)
        {
            change.push(("shell".into(), json!(s)));
        }
        for (key, v) in [
            ("fullname", &self.fullname),
            ("roomnumber", &self.roomnumber),
            ("workphone", &self.workphone),
            ("homephone", &self.homephone),
            ("other", &self.other),
        ] {
            if let Some(want) = Self::gecos(v)
                && field(key) != json!(want)
            {
                change.push((key.into(), json!(want)));
            }
        }
        let mut errors = Vec::new();
        if !allow_uid && change.iter().any(|(k, _)| k == "uid") {
            errors.push(format!("Changing uid ({} -> {}) not permitted, set allow_uid_change to True to force this change. Note that this will not change file ownership.", py_str(&field("uid")), py_str(&self.uid)));
        }
        if !allow_gid && change.iter().any(|(k, _)| k == "gid") {
            errors.push(format!("Changing gid ({} -> {}) not permitted, set allow_gid_change to True to force this change. Note that this will not change file ownership.", py_str(&field("gid")), py_str(gid)));
        }
        if !errors.is_empty() {
            let mut msg =
                "Encountered error checking for needed changes. Additional info follows:\n"
                    .to_owned();
            for e in errors {
                msg.push_str(&format!("\n- {e}"));
            }
            return Err(msg);
        }
        Ok(Some(change))
    }

    fn update(
        &self,
        cx: &RunCtx<'_>,
        mut r: Ret,
        mut changes: Vec<(String, Value)>,
        groups: Option<Vec<String>>,
        optional: Option<Vec<String>>,
        test: bool,
    ) -> Result<StateReturn, StateError> {
        let name = self.name.as_str();
        if test {
            r.result = Value::Null;
            r.comment = "The following user attributes are set to be changed:\n".into();
            for (k, v) in &changes {
                r.comment.push_str(&format!("{k}: {}\n", py_str(v)));
            }
            return Ok(r.done());
        }
        let pre = call(cx, "user.info", &[json!(name)], &[]).map_err(StateError::Command)?;
        let take = |changes: &mut Vec<(String, Value)>, k: &str| -> Option<Value> {
            let i = changes.iter().position(|(x, _)| x == k)?;
            Some(changes.remove(i).1)
        };
        let mut home_changed = false;
        let no_home = changes.iter().any(|(k, _)| k == "homeDoesNotExist");
        if let Some(h) = take(&mut changes, "home")
            && !no_home
        {
            call(
                cx,
                "user.chhome",
                &[json!(name), h],
                &[("persist", json!(false))],
            )
            .map_err(StateError::Command)?;
            home_changed = true;
        }
        if let Some(h) = take(&mut changes, "homeDoesNotExist") {
            if !home_changed {
                call(
                    cx,
                    "user.chhome",
                    &[json!(name), h.clone()],
                    &[("persist", json!(false))],
                )
                .map_err(StateError::Command)?;
            }
            let h = py_str(&h);
            if !cx.exec.path_exists(&h) {
                let (uid, gid) = (py_str(&pre["uid"]), py_str(&pre["gid"]));
                let cmd = format!(
                    "install -d -m 0755 -o {uid} -g {gid} '{}'",
                    h.replace('\'', "'\\''")
                );
                cx.exec
                    .run_cmd(&cmd, &Map::new())
                    .map_err(StateError::Command)?;
            }
        }
        let ch = [
            "uid",
            "gid",
            "shell",
            "fullname",
            "roomnumber",
            "workphone",
            "homephone",
            "other",
        ];
        for (k, v) in changes.clone() {
            if k != "groups" && ch.contains(&k.as_str()) {
                call(cx, &format!("user.ch{k}"), &[json!(name), v], &[])
                    .map_err(StateError::Command)?;
                take(&mut changes, &k);
            }
        }
        if let Some(g) = take(&mut changes, "groups") {
            call(
                cx,
                "user.chgroups",
                &[json!(name), g, json!(!self.remove_groups)],
                &[],
            )
            .map_err(StateError::Command)?;
        }
        let post = call(cx, "user.info", &[json!(name)], &[]).map_err(StateError::Command)?;
        if let (Some(post), Some(pre)) = (post.as_object(), pre.as_object()) {
            for (k, v) in post {
                if pre.get(k) != Some(v) {
                    r.changes.insert(k.clone(), v.clone());
                }
            }
        }
        if !r.changes.is_empty() {
            r.comment = format!("Updated user {name}");
        }
        let again = self
            .changes(
                cx,
                &self.gid,
                groups.as_deref(),
                optional.as_deref(),
                true,
                true,
            )
            .map_err(StateError::Command)?
            .unwrap_or_default();
        if !again.is_empty() {
            let mut m = Map::new();
            for (k, v) in again {
                m.insert(k, v);
            }
            r.set(
                json!(false),
                format!(
                    "These values could not be changed: {}",
                    py_repr(&Value::Object(m))
                ),
            );
        }
        Ok(r.done())
    }

    fn create(
        &self,
        cx: &RunCtx<'_>,
        mut r: Ret,
        groups: Option<Vec<String>>,
        optional: Option<Vec<String>>,
        test: bool,
    ) -> Result<StateReturn, StateError> {
        let name = self.name.as_str();
        if test {
            r.set(Value::Null, format!("User {name} set to be added"));
            return Ok(r.done());
        }
        let groups = match (groups, optional) {
            (Some(mut g), Some(o)) if !g.is_empty() && !o.is_empty() => {
                g.extend(o);
                Some(g)
            }
            (g, Some(o)) if !o.is_empty() && g.as_ref().is_none_or(|g| g.is_empty()) => Some(o),
            (g, _) => g,
        };
        let s = |o: &Option<String>| o.as_ref().map_or(Value::Null, |x| json!(x));
        let kw: Vec<(&str, Value)> = vec![
            ("uid", self.uid.clone()),
            ("gid", self.gid.clone()),
            ("groups", groups.map_or(Value::Null, |g| json!(g))),
            ("home", s(&self.home)),
            ("shell", s(&self.shell)),
            ("unique", json!(self.unique)),
            ("system", json!(self.system)),
            (
                "fullname",
                Self::gecos(&self.fullname).map_or(Value::Null, Value::String),
            ),
            (
                "roomnumber",
                Self::gecos(&self.roomnumber).map_or(Value::Null, Value::String),
            ),
            (
                "workphone",
                Self::gecos(&self.workphone).map_or(Value::Null, Value::String),
            ),
            (
                "homephone",
                Self::gecos(&self.homephone).map_or(Value::Null, Value::String),
            ),
            (
                "other",
                Self::gecos(&self.other).map_or(Value::Null, Value::String),
            ),
            ("createhome", json!(self.createhome)),
            ("nologinit", json!(self.nologinit)),
            ("loginclass", self.loginclass.clone()),
            ("local", json!(self.local)),
            ("usergroup", self.usergroup.map_or(Value::Null, Value::Bool)),
        ];
        match call_bool(cx, "user.add", &[json!(name)], &kw) {
            Ok(true) => {
                r.comment = format!("New user {name} created");
                let info =
                    call(cx, "user.info", &[json!(name)], &[]).map_err(StateError::Command)?;
                r.changes = info.as_object().cloned().unwrap_or_default();
                if !self.createhome {
                    r.changes.insert("home".into(), json!(""));
                }
            }
            Ok(false) => r.set(json!(false), format!("Failed to create new user {name}")),
            Err(e) => r.set(json!(false), e),
        }
        Ok(r.done())
    }
}

/// Salt's `_group_changes`: whether the supplementary groups must change
/// (a wanted group sharing a gid with another counts as present).
fn group_changes(all: &[Value], cur: &[String], wanted: &[String], remove: bool) -> bool {
    let cur_set: std::collections::BTreeSet<&String> = cur.iter().collect();
    let want_set: std::collections::BTreeSet<&String> = wanted.iter().collect();
    if cur_set == want_set || (!remove && want_set.is_subset(&cur_set)) {
        return false;
    }
    let gid = |g: &str| {
        all.iter()
            .find(|x| x.get("name").and_then(Value::as_str) == Some(g))
            .and_then(|x| x.get("gid").cloned())
    };
    let diff: Vec<&String> = if remove {
        want_set.symmetric_difference(&cur_set).copied().collect()
    } else {
        want_set.difference(&cur_set).copied().collect()
    };
    let union: Vec<&String> = cur_set.union(&want_set).copied().collect();
    diff.iter().any(|d| {
        let g = gid(d);
        !union.iter().any(|o| o != d && gid(o) == g)
    })
}

plan_or_apply!(Absent {
    const DOC: &'static str = "Makes sure a local user does not exist (userdel); `purge: True` also removes its home directory and mail spool, `force: True` removes it even while logged in.\n\n    testuser:\n      user.absent:\n        - purge: True\n";
});

impl Absent {
    fn run(&self, cx: &RunCtx<'_>, test: bool) -> Result<StateReturn, StateError> {
        let name = self.name.as_str();
        let mut r = Ret::new(name);
        let lusr = call(cx, "user.info", &[json!(name)], &[]).map_err(StateError::Command)?;
        if !truthy(&lusr) {
            r.comment = format!("User {name} is not present");
            return Ok(r.done());
        }
        if test {
            r.set(Value::Null, format!("User {name} set for removal"));
            return Ok(r.done());
        }
        let before =
            call(cx, "user.list_groups", &[json!(name)], &[]).map_err(StateError::Command)?;
        let before: Vec<String> = before
            .as_array()
            .map(|a| a.iter().map(py_str).collect())
            .unwrap_or_default();
        let ok = call_bool(
            cx,
            "user.delete",
            &[json!(name), json!(self.purge), json!(self.force)],
            &[("local", json!(self.local))],
        )
        .map_err(StateError::Command)?;
        if ok {
            for g in &before {
                if !truthy(&call(cx, "group.info", &[json!(g)], &[]).map_err(StateError::Command)?)
                {
                    r.changes.insert(format!("{g} group"), json!("removed"));
                }
            }
            r.changes.insert(name.to_owned(), json!("removed"));
            r.comment = format!("Removed user {name}");
        } else {
            r.set(json!(false), format!("Failed to remove user {name}"));
        }
        Ok(r.done())
    }
}
