//! `salt-rs-run state.event [tagmatch] [count=N] [quiet=True] [pretty=True]`:
//! tails the master's event bus as Salt's `state.event` runner does, one
//! line per matching event, `tag<TAB>json`, the JSON on one line or (with
//! `pretty=True`) indented with sorted keys. Stops after `count` matching
//! events (`-1`, the default: never).

use std::io::Write;

use salt_exec::truthy;
use salt_proto::messages::{ClientReply, ClientRequest};
use serde_json::{Map, Value};

use crate::client::Client;

/// `state.event`'s parameters, bound from Salt-style arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct EventArgs {
    pub tagmatch: String,
    pub count: i64,
    pub quiet: bool,
    pub pretty: bool,
}

impl EventArgs {
    /// Binds `tagmatch, count, quiet, sock_dir, pretty, node` (positional
    /// or keyword, as in Salt). Only the master's bus exists here.
    pub fn bind(arg: &[Value], kwarg: &Map<String, Value>) -> Result<Self, String> {
        const NAMES: [&str; 6] = ["tagmatch", "count", "quiet", "sock_dir", "pretty", "node"];
        if arg.len() > NAMES.len() {
            return Err(format!(
                "state.event takes at most {} positional arguments",
                NAMES.len()
            ));
        }
        let mut all: Map<String, Value> = NAMES
            .iter()
            .zip(arg)
            .map(|(n, v)| ((*n).to_owned(), v.clone()))
            .collect();
        for (k, v) in kwarg {
            if !NAMES.contains(&k.as_str()) {
                return Err(format!(
                    "state.event: unknown argument {k}={v} (it takes {})",
                    NAMES.join(", ")
                ));
            }
            if all.insert(k.clone(), v.clone()).is_some() {
                return Err(format!("state.event: {k} given twice"));
            }
        }
        if let Some(node) = all.get("node").and_then(Value::as_str)
            && node != "master"
        {
            return Err(format!(
                "state.event: node={node}: only the master's event bus can be watched"
            ));
        }
        let count = match all.get("count") {
            None => -1,
            Some(Value::Number(n)) => n.as_i64().ok_or("state.event: count must be an integer")?,
            Some(other) => {
                return Err(format!(
                    "state.event: count must be an integer, not {other}"
                ));
            }
        };
        Ok(Self {
            tagmatch: match all.get("tagmatch") {
                None => "*".to_owned(),
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
            },
            count,
            quiet: all.get("quiet").is_some_and(truthy),
            pretty: all.get("pretty").is_some_and(truthy),
        })
    }
}

/// One event as `state.event` prints it.
pub fn line(tag: &str, data: &Value, pretty: bool) -> String {
    let json = salt_output::json_dumps(data, pretty.then_some(4), pretty);
    format!("{tag}\t{json}\n")
}

/// Subscribes and prints until `count` events matched or the master goes.
pub async fn tail(client: &mut Client, a: &EventArgs) -> Result<u8, String> {
    match client
        .request(&ClientRequest::Events {
            tagmatch: a.tagmatch.clone(),
        })
        .await
        .map_err(|e| e.to_string())?
    {
        ClientReply::Ok => {}
        ClientReply::Error(e) => return Err(e),
        other => return Err(format!("unexpected reply from the master: {other:?}")),
    }
    let mut left = a.count;
    if left == 0 {
        return Ok(0);
    }
    let mut out = std::io::stdout();
    loop {
        match client.recv().await.map_err(|e| e.to_string())? {
            ClientReply::Event { tag, data } => {
                if !a.quiet {
                    // A closed pipe (| head) ends the tail quietly.
                    if out
                        .write_all(line(&tag, &data, a.pretty).as_bytes())
                        .is_err()
                        || out.flush().is_err()
                    {
                        return Ok(0);
                    }
                }
                if left > 0 {
                    left -= 1;
                    if left == 0 {
                        return Ok(0);
                    }
                }
            }
            ClientReply::Error(e) => return Err(e),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn kw(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn binds_like_salt() {
        let a = EventArgs::bind(&[], &Map::new()).unwrap();
        assert_eq!(
            a,
            EventArgs {
                tagmatch: "*".into(),
                count: -1,
                quiet: false,
                pretty: false
            }
        );
        let a = EventArgs::bind(
            &[json!("salt/job/*"), json!(2)],
            &kw(json!({"pretty": true})),
        )
        .unwrap();
        assert_eq!(
            (a.tagmatch.as_str(), a.count, a.pretty),
            ("salt/job/*", 2, true)
        );
        assert!(EventArgs::bind(&[], &kw(json!({"cont": 1}))).is_err());
        assert!(EventArgs::bind(&[json!("x")], &kw(json!({"tagmatch": "y"}))).is_err());
        assert!(EventArgs::bind(&[], &kw(json!({"node": "minion"}))).is_err());
        assert!(EventArgs::bind(&[], &kw(json!({"count": "many"}))).is_err());
    }

    #[test]
    fn lines_as_salt_prints_them() {
        let data = json!({"b": 1, "a": [true, null], "é": "ü"});
        assert_eq!(
            line("salt/key", &data, false),
            "salt/key\t{\"b\": 1, \"a\": [true, null], \"é\": \"ü\"}\n"
        );
        assert_eq!(
            line("salt/key", &data, true),
            "salt/key\t{\n    \"a\": [\n        true,\n        null\n    ],\n    \"b\": 1,\n    \"é\": \"ü\"\n}\n"
        );
    }
}
