//! Freshness and replay protection: a message is accepted once, and only
//! within a window around the receiver's clock.

use std::collections::{HashSet, VecDeque};

/// Default: accept messages up to 5 minutes old and 1 minute in the future.
pub const DEFAULT_MAX_AGE_MS: u64 = 5 * 60 * 1000;
pub const DEFAULT_MAX_SKEW_MS: u64 = 60 * 1000;
/// Nonces remembered at most; beyond that the oldest are forgotten (they
/// are also the first to leave the time window).
pub const MAX_REMEMBERED: usize = 1_000_000;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReplayError {
    #[error("message is {0} ms old (stale timestamp)")]
    Stale(u64),
    #[error("message timestamp is {0} ms in the future")]
    Future(u64),
    #[error("nonce seen before (replayed message)")]
    Replayed,
}

/// Remembers the nonces of accepted messages while they are in the window.
#[derive(Debug)]
pub struct ReplayGuard {
    max_age_ms: u64,
    max_skew_ms: u64,
    seen: HashSet<[u8; 24]>,
    order: VecDeque<([u8; 24], u64)>,
}

impl Default for ReplayGuard {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_AGE_MS, DEFAULT_MAX_SKEW_MS)
    }
}

impl ReplayGuard {
    pub fn new(max_age_ms: u64, max_skew_ms: u64) -> Self {
        Self {
            max_age_ms,
            max_skew_ms,
            seen: HashSet::new(),
            order: VecDeque::new(),
        }
    }

    /// Accepts `(nonce, ts)` once if `ts` is within the window around `now`.
    pub fn check(&mut self, nonce: &[u8; 24], ts: u64, now: u64) -> Result<(), ReplayError> {
        if ts + self.max_age_ms < now {
            return Err(ReplayError::Stale(now - ts));
        }
        if ts > now + self.max_skew_ms {
            return Err(ReplayError::Future(ts - now));
        }
        self.prune(now);
        if !self.seen.insert(*nonce) {
            return Err(ReplayError::Replayed);
        }
        self.order.push_back((*nonce, ts.max(now)));
        if self.order.len() > MAX_REMEMBERED
            && let Some((n, _)) = self.order.pop_front()
        {
            self.seen.remove(&n);
        }
        Ok(())
    }

    fn prune(&mut self, now: u64) {
        let horizon = now.saturating_sub(self.max_age_ms + self.max_skew_ms);
        while let Some((n, t)) = self.order.front() {
            if *t >= horizon {
                break;
            }
            self.seen.remove(n);
            self.order.pop_front();
        }
    }

    pub fn len(&self) -> usize {
        self.seen.len()
    }

    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_and_replay() {
        let mut g = ReplayGuard::new(1000, 100);
        let now = 1_000_000;
        assert_eq!(g.check(&[1; 24], now, now), Ok(()));
        assert_eq!(g.check(&[1; 24], now, now), Err(ReplayError::Replayed));
        assert_eq!(
            g.check(&[2; 24], now - 1001, now),
            Err(ReplayError::Stale(1001))
        );
        assert_eq!(
            g.check(&[3; 24], now + 101, now),
            Err(ReplayError::Future(101))
        );
        assert_eq!(g.check(&[4; 24], now - 999, now), Ok(()));
    }

    #[test]
    fn memory_is_pruned_after_the_window() {
        let mut g = ReplayGuard::new(1000, 100);
        for i in 0..100u8 {
            g.check(&[i; 24], 10_000, 10_000).unwrap();
        }
        assert_eq!(g.len(), 100);
        g.check(&[200; 24], 20_000, 20_000).unwrap();
        assert_eq!(g.len(), 1);
    }
}
