//! `master_type: failover`: the minion keeps one master link at a time.
//!
//! It tries the masters in the order of the `master:` list (shuffled first
//! with `master_shuffle: True`); a link gives up when its master has sent
//! nothing verifiable for `master_alive_interval` seconds (default
//! [`DEFAULT_ALIVE`] when the setting is 0), and the next master in the list
//! is tried, round and round, until shutdown.
//!
//! Each master keeps its own pinned key and its own return outbox: a return
//! for a job from a master that went away waits on disk until the minion is
//! connected to that master again (it is never handed to a master that did
//! not publish the job).

use std::sync::Arc;
use std::time::Duration;

use crate::Minion;
use crate::link::{LinkEnd, MasterLink};

/// How long a failover link waits for its master when
/// `master_alive_interval` is 0.
pub const DEFAULT_ALIVE: Duration = Duration::from_secs(30);

/// The masters in the order they are tried.
pub fn order(masters: &[String], shuffle: bool) -> Vec<(usize, String)> {
    let mut v: Vec<(usize, String)> = masters.iter().cloned().enumerate().collect();
    if shuffle {
        fastrand::shuffle(&mut v);
    }
    v
}

/// Runs failover links until shutdown.
pub async fn run(minion: Arc<Minion>, masters: Vec<String>) {
    if masters.is_empty() {
        tracing::error!("master_type: failover needs at least one master");
        return;
    }
    let alive = match minion.cfg.master_alive_interval {
        0 => DEFAULT_ALIVE,
        s => Duration::from_secs(s),
    };
    let order = order(&masters, minion.cfg.master_shuffle);
    let count = masters.len();
    let mut i = 0usize;
    loop {
        let (idx, master) = order[i % order.len()].clone();
        tracing::info!(master = %master, "failover: connecting");
        let link = MasterLink::new(minion.clone(), master.clone(), idx, count).failover(alive);
        match link.run().await {
            LinkEnd::Shutdown => return,
            LinkEnd::MasterLost => {
                i += 1;
                let next = &order[i % order.len()].1;
                tracing::warn!(
                    master = %master,
                    next = %next,
                    "master not answering for {}s; failing over",
                    alive.as_secs()
                );
            }
        }
        if minion.shutdown.is_cancelled() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_keeps_the_list_unless_shuffled() {
        let m: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let o = order(&m, false);
        assert_eq!(o, vec![(0, "a".into()), (1, "b".into()), (2, "c".into())]);
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..50 {
            let o = order(&m, true);
            assert_eq!(o.len(), 3);
            seen.insert(o[0].1.clone());
        }
        assert!(seen.len() > 1, "shuffling changes the first master");
    }
}
