//! The master's event bus: what happens on the master, as Salt's tagged
//! events, for local subscribers (`salt-rs-run state.event`, through the
//! local socket).
//!
//! Tags and data follow Salt: `salt/auth`, `salt/key`,
//! `salt/minion/<id>/start`, `salt/job/<jid>/new`, `salt/job/<jid>/ret/<id>`,
//! `salt/presence/change`; every event's data carries `_stamp`. Events a
//! minion sends (`event.send`) are filed under `salt/minion/<id>/` whatever
//! tag it asked for ([`minion_tag`]): a minion cannot forge a job return, a
//! key or an auth event (Salt's CVE-2025-22239 class).
//!
//! The bus is a bounded broadcast channel: a subscriber that falls behind
//! by more than [`CAPACITY`] events loses the oldest ones and is told how
//! many; publishers never wait.

use std::sync::Arc;

use salt_types::MinionId;
use serde_json::{Map, Value};
use tokio::sync::broadcast;

/// Events buffered per subscriber.
pub const CAPACITY: usize = 4096;
/// Longest tag accepted from a minion, in bytes.
pub const MAX_TAG: usize = 512;

/// One event: a tag and its data.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub tag: String,
    pub data: Value,
}

/// The bus. Cheap to clone.
#[derive(Clone)]
pub struct Bus {
    tx: broadcast::Sender<Arc<Event>>,
}

impl Default for Bus {
    fn default() -> Self {
        Self {
            tx: broadcast::channel(CAPACITY).0,
        }
    }
}

impl Bus {
    /// Fires `tag` with `data` plus `_stamp` (UTC, Salt's ISO format).
    pub fn fire(&self, tag: impl Into<String>, mut data: Map<String, Value>) {
        if self.tx.receiver_count() == 0 {
            return;
        }
        data.insert("_stamp".into(), Value::from(stamp()));
        let _ = self.tx.send(Arc::new(Event {
            tag: tag.into(),
            data: Value::Object(data),
        }));
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.tx.subscribe()
    }
}

/// Salt's tag matching for `state.event`: a glob (fnmatch), or else a
/// regular expression matching the whole tag.
pub fn tag_matches(tag: &str, pattern: &str) -> bool {
    if salt_target::fnmatchcase(tag, pattern) {
        return true;
    }
    regex::Regex::new(&format!(r"\A(?:{pattern})\z")).is_ok_and(|re| re.is_match(tag))
}

/// The tag a minion's event is filed under: its own namespace
/// `salt/minion/<id>/...`. A tag already in that namespace is kept; any
/// other is put under it (`app/deployed` -> `salt/minion/web1/app/deployed`).
/// `None` for an empty, oversized or control-character tag.
pub fn minion_tag(id: &MinionId, tag: &str) -> Option<String> {
    let tag = tag.trim_matches('/');
    if tag.is_empty() || tag.len() > MAX_TAG || tag.chars().any(char::is_control) {
        return None;
    }
    let own = format!("salt/minion/{id}/");
    if tag.starts_with(&own) {
        return Some(tag.to_owned());
    }
    Some(format!("{own}{tag}"))
}

/// Current UTC time as Salt stamps events (`2026-11-21T21:06:39.212923`).
pub fn stamp() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second(),
        now.microsecond()
    )
}

/// Builds an event's data from `(key, value)` pairs.
pub fn data<const N: usize>(pairs: [(&str, Value); N]) -> Map<String, Value> {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn globs_then_regexes() {
        assert!(tag_matches("salt/job/1/ret/m1", "salt/job/*/ret/*"));
        assert!(tag_matches("salt/auth", "*"));
        assert!(tag_matches("salt/job/1/new", r"salt/job/\d+/new"));
        assert!(
            !tag_matches("salt/job/1/new", r"salt/job/\d+"),
            "regex is anchored"
        );
        assert!(!tag_matches("salt/key", "salt/job/*"));
        assert!(
            !tag_matches("salt/key", "(unclosed"),
            "a bad regex matches nothing"
        );
    }

    #[test]
    fn minion_events_stay_in_their_namespace() {
        let id = MinionId::parse("web1").unwrap();
        assert_eq!(
            minion_tag(&id, "salt/minion/web1/custom").as_deref(),
            Some("salt/minion/web1/custom")
        );
        assert_eq!(
            minion_tag(&id, "salt/job/20260101000000000000/ret/db1").as_deref(),
            Some("salt/minion/web1/salt/job/20260101000000000000/ret/db1")
        );
        assert_eq!(
            minion_tag(&id, "salt/minion/db1/start").as_deref(),
            Some("salt/minion/web1/salt/minion/db1/start"),
            "another minion's namespace is not ours"
        );
        assert_eq!(
            minion_tag(&id, "/salt/auth").as_deref(),
            Some("salt/minion/web1/salt/auth")
        );
        assert_eq!(minion_tag(&id, ""), None);
        assert_eq!(minion_tag(&id, "a\nb"), None);
        assert_eq!(minion_tag(&id, &"x".repeat(MAX_TAG + 1)), None);
    }

    #[tokio::test]
    async fn subscribers_get_stamped_events() {
        let bus = Bus::default();
        bus.fire("nobody/listens", Map::new());
        let mut rx = bus.subscribe();
        bus.fire(
            "salt/key",
            data([("act", json!("accept")), ("id", json!("m1"))]),
        );
        let ev = rx.recv().await.unwrap();
        assert_eq!(ev.tag, "salt/key");
        assert_eq!(ev.data["act"], "accept");
        let stamp = ev.data["_stamp"].as_str().unwrap();
        assert_eq!(stamp.len(), 26, "{stamp}");
        assert!(
            rx.try_recv().is_err(),
            "the event fired before subscribing is gone"
        );
    }
}
