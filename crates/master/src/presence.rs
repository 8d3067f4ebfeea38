//! Presence: who is connected now, answered from the sessions' heartbeats
//! (no ping storm), and the `manage.*` runners built on it.
//!
//! A minion is *up* when its session has been heard from within three
//! heartbeat intervals (`heartbeat_interval`, default 5 s): every verified
//! session message refreshes `Session::last_seen`, heartbeats arrive every
//! interval.
//! It is *known to be down* when it is not up and the master has been
//! running for longer than that window (right after a master restart,
//! minions are still reconnecting: none is known to be down yet).
//! [`watch`] fires `salt/presence/change` when the up set changes.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use salt_types::MinionId;
use serde_json::{Map, Value};

use crate::runner_call::Manage;
use crate::state::{Master, lock};

/// Missed heartbeats after which a minion counts as down.
pub const MISSED_HEARTBEATS: u32 = 3;

/// Accepted minions split into (up, down), each sorted.
pub fn split(m: &Master) -> (Vec<MinionId>, Vec<MinionId>) {
    let window = window(m);
    let accepted: BTreeSet<MinionId> = lock(&m.accepted).clone();
    let sessions = lock(&m.sessions);
    let (up, down) = accepted
        .into_iter()
        .partition(|id| sessions.get(id).is_some_and(|s| s.is_up(window)));
    (up, down)
}

/// How long a minion may stay silent and still count as up.
pub fn window(m: &Master) -> Duration {
    Duration::from_secs(m.cfg.heartbeat_interval.max(1)) * MISSED_HEARTBEATS
}

/// The minions among `expected` that are known to be down now.
pub fn known_down(m: &Master, expected: &[MinionId]) -> Vec<MinionId> {
    if m.started.elapsed() <= window(m) {
        return Vec::new();
    }
    let window = window(m);
    let sessions = lock(&m.sessions);
    expected
        .iter()
        .filter(|id| sessions.get(*id).is_none_or(|s| !s.is_up(window)))
        .cloned()
        .collect()
}

/// Fires `salt/presence/change` (`new`: minions now up, `lost`: minions
/// gone down) whenever the up set changes; checked every second.
pub async fn watch(m: Arc<Master>, shutdown: tokio_util::sync::CancellationToken) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut last: BTreeSet<MinionId> = BTreeSet::new();
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        let up: BTreeSet<MinionId> = split(&m).0.into_iter().collect();
        if up == last {
            continue;
        }
        let new: Vec<MinionId> = up.difference(&last).cloned().collect();
        let lost: Vec<MinionId> = last.difference(&up).cloned().collect();
        m.events.fire(
            "salt/presence/change",
            crate::events::data([("new", ids(&new)), ("lost", ids(&lost))]),
        );
        last = up;
    }
}

fn ids(v: &[MinionId]) -> Value {
    Value::Array(v.iter().map(|i| Value::from(i.as_str())).collect())
}

/// Runs a `manage.*` runner over the accepted minions `target` matches
/// (by their cached grains, as a publish would).
pub async fn manage(
    m: &Arc<Master>,
    fun: Manage,
    target: &salt_target::Target,
    removekeys: bool,
) -> Result<Value, String> {
    let (_, matched) = crate::publish::expected_minions(m, target)?;
    let matched: BTreeSet<MinionId> = matched.into_iter().collect();
    let (up, down) = split(m);
    let up: Vec<MinionId> = up.into_iter().filter(|i| matched.contains(i)).collect();
    let down: Vec<MinionId> = down.into_iter().filter(|i| matched.contains(i)).collect();
    Ok(match fun {
        Manage::Up | Manage::Present | Manage::Alived => ids(&up),
        Manage::Down | Manage::NotPresent | Manage::NotAlived => {
            if fun == Manage::Down && removekeys {
                for id in &down {
                    m.keystore
                        .delete(id.as_str())
                        .map_err(|e| format!("cannot delete the key of {id}: {e}"))?;
                }
                crate::keywatch::rescan(m).await;
            }
            ids(&down)
        }
        Manage::Status => {
            let mut out = Map::new();
            out.insert("down".into(), ids(&down));
            out.insert("up".into(), ids(&up));
            Value::Object(out)
        }
        Manage::Versions => versions(m, &up, &down),
    })
}

/// Salt's `manage.versions` shape: minions grouped by how their version
/// compares with the master's.
fn versions(m: &Master, up: &[MinionId], down: &[MinionId]) -> Value {
    let mine = salt_types::VERSION;
    let grains = lock(&m.grains);
    let mut groups: Map<String, Value> = Map::new();
    let mut put = |group: &str, id: &MinionId, v: Value| {
        let entry = groups
            .entry(group.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(map) = entry {
            map.insert(id.to_string(), v);
        }
    };
    for id in up {
        let v = grains
            .get(id)
            .and_then(|g| g.get("saltrs_version"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let group = match compare(&v, mine) {
            std::cmp::Ordering::Less => "Minion requires update",
            std::cmp::Ordering::Equal => "Up to date",
            std::cmp::Ordering::Greater => "Minion newer than master",
        };
        put(group, id, Value::from(v));
    }
    for id in down {
        put(
            "Minion did not return",
            id,
            Value::from("Minion did not return"),
        );
    }
    let mut out = Map::new();
    out.insert("Master".into(), Value::from(mine));
    for (k, v) in groups {
        out.insert(k, v);
    }
    Value::Object(out)
}

/// Compares dotted versions numerically (`0.10.0` > `0.9.1`).
fn compare(a: &str, b: &str) -> std::cmp::Ordering {
    let parse = |s: &str| -> Vec<u64> {
        s.split(['.', '-'])
            .map(|p| p.parse().unwrap_or(0))
            .collect()
    };
    parse(a).cmp(&parse(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_numerically() {
        use std::cmp::Ordering::*;
        assert_eq!(compare("0.10.0", "0.9.1"), Greater);
        assert_eq!(compare("0.1.0", "0.1.0"), Equal);
        assert_eq!(compare("", "0.1.0"), Less);
    }
}
