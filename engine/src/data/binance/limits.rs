//! Binance's request-weight budget: the weight used in the current minute (`X-MBX-USED-WEIGHT-1M`) against the
//! limit `exchangeInfo` announces, and how long to hold a request to stay under it.

use std::time::Duration;

/// The default `REQUEST_WEIGHT` limit per minute of the spot API.
pub const DEFAULT_WEIGHT_LIMIT: u32 = 6000;

/// The share of the limit a client allows itself, leaving room for other clients behind the same IP.
const HEADROOM_PERCENT: u32 = 90;

/// Weight used per minute window (windows are whole minutes of the server clock).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeightLimiter {
    limit: u32,
    used: u32,
    minute: i64,
}

impl Default for WeightLimiter {
    fn default() -> Self {
        WeightLimiter::new(DEFAULT_WEIGHT_LIMIT)
    }
}

impl WeightLimiter {
    /// A budget of `limit` weight per minute.
    pub fn new(limit: u32) -> Self {
        WeightLimiter {
            limit: limit.max(1),
            used: 0,
            minute: i64::MIN,
        }
    }

    /// Replaces the limit (from `exchangeInfo`'s `rateLimits`).
    pub fn set_limit(&mut self, limit: u32) {
        self.limit = limit.max(1);
    }

    /// The limit per minute.
    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// Counts `weight` as sent at server time `now_ms` (before the answer says the real figure).
    pub fn spend(&mut self, weight: u32, now_ms: i64) {
        let minute = now_ms.div_euclid(60_000);
        if minute != self.minute {
            self.minute = minute;
            self.used = 0;
        }
        self.used = self.used.saturating_add(weight);
    }

    /// Records the weight Binance reports as used in the minute of `now_ms`.
    pub fn record(&mut self, used: u32, now_ms: i64) {
        self.minute = now_ms.div_euclid(60_000);
        self.used = used;
    }

    /// How long to hold a request of `weight` at server time `now_ms`; `None` sends it now. A request that would
    /// pass the allowed share of the limit waits for the next minute window.
    pub fn wait_before(&self, weight: u32, now_ms: i64) -> Option<Duration> {
        let minute = now_ms.div_euclid(60_000);
        let allowed = (self.limit as u64 * HEADROOM_PERCENT as u64 / 100) as u32;
        if minute != self.minute || self.used.saturating_add(weight) <= allowed {
            return None;
        }
        let next = (minute + 1) * 60_000;
        // A little past the boundary: the two clocks are only as close as the measured offset.
        Some(Duration::from_millis((next - now_ms) as u64 + 250))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_go_out_while_under_the_allowed_share() {
        let mut l = WeightLimiter::new(100);
        let t = 1_704_067_200_000 + 10_000;
        assert_eq!(l.wait_before(5, t), None);
        l.record(80, t);
        assert_eq!(l.wait_before(10, t), None, "90 of 100 is the allowed share");
        assert_eq!(l.wait_before(11, t), Some(Duration::from_millis(50_250)));
        assert_eq!(l.wait_before(11, t + 50_000), None, "a new minute resets the window");
    }

    #[test]
    fn spent_weight_counts_until_the_answer_corrects_it() {
        let mut l = WeightLimiter::new(10);
        let t = 1_704_067_200_000;
        for _ in 0..4 {
            l.spend(2, t);
        }
        assert!(l.wait_before(2, t).is_some(), "8 + 2 > 9");
        l.record(1, t);
        assert_eq!(l.wait_before(2, t), None);
        l.spend(2, t + 60_000);
        assert_eq!(l.wait_before(2, t + 60_000), None, "a new window starts from zero");
    }
}
