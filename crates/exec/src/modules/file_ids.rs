//! `file.user_to_uid` and `file.group_to_gid`: names to numeric ids, as
//! states that set ownership (`archive.extracted` `user`/`group`) ask them.
//! Like Salt, an unknown name gives `""`, not an error.

use serde::Deserialize;
use serde_json::Value;

use crate::{Ctx, ExecError, ExecFn, de};

/// `file.user_to_uid user`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserToUid {
    #[serde(default)]
    user: Value,
}

impl ExecFn for UserToUid {
    const POSITIONAL: &'static [&'static str] = &["user"];
    const DOC: &'static str = "Return the uid of USER (the user running the minion when None), the number itself when given a number, or \"\" when there is no such user.\n\nCLI Example:\n\n    salt '*' file.user_to_uid root\n";
    type Output = Value;

    async fn call(self, _cx: &Ctx) -> Result<Value, ExecError> {
        let found = match &self.user {
            Value::Null => Some(nix::unistd::geteuid().as_raw()),
            Value::Number(n) => return Ok(Value::Number(n.clone())),
            other => {
                let name = de::scalar_text(other).unwrap_or_default();
                nix::unistd::User::from_name(&name)
                    .ok()
                    .flatten()
                    .map(|u| u.uid.as_raw())
            }
        };
        Ok(found.map_or(Value::String(String::new()), Value::from))
    }
}

/// `file.group_to_gid group`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupToGid {
    group: Value,
}

impl ExecFn for GroupToGid {
    const POSITIONAL: &'static [&'static str] = &["group"];
    const REQUIRED: usize = 1;
    const DOC: &'static str = "Return the gid of GROUP, the number itself when given a number, or \"\" when there is no such group (or GROUP is None).\n\nCLI Example:\n\n    salt '*' file.group_to_gid root\n";
    type Output = Value;

    async fn call(self, _cx: &Ctx) -> Result<Value, ExecError> {
        let found = match &self.group {
            Value::Null => None,
            Value::Number(n) => return Ok(Value::Number(n.clone())),
            other => {
                let name = de::scalar_text(other).unwrap_or_default();
                nix::unistd::Group::from_name(&name)
                    .ok()
                    .flatten()
                    .map(|g| g.gid.as_raw())
            }
        };
        Ok(found.map_or(Value::String(String::new()), Value::from))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::modules::{run_in, test_ctx};

    #[tokio::test]
    async fn names_numbers_and_unknowns() {
        let cx = test_ctx();
        let r = run_in(&cx, "file.user_to_uid", json!(["root"]), json!({})).await;
        assert_eq!(r.ret, json!(0));
        let r = run_in(&cx, "file.user_to_uid", json!([1234]), json!({})).await;
        assert_eq!(r.ret, json!(1234));
        let r = run_in(
            &cx,
            "file.user_to_uid",
            json!(["no-such-user-x"]),
            json!({}),
        )
        .await;
        assert_eq!(r.ret, json!(""));
        let r = run_in(&cx, "file.group_to_gid", json!(["root"]), json!({})).await;
        assert_eq!(r.ret, json!(0));
        let r = run_in(&cx, "file.group_to_gid", json!([null]), json!({})).await;
        assert_eq!(r.ret, json!(""));
        let r = run_in(
            &cx,
            "file.group_to_gid",
            json!(["no-such-group-x"]),
            json!({}),
        )
        .await;
        assert_eq!(r.ret, json!(""));
    }
}
