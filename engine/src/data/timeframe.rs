//! Bar lengths written either way the original's data used: `M1`, `M15`, `H1`, `H4`, `D1` or `1min`, `1m`, `5m`,
//! `1h`, `4h`, `1d`.

use crate::time::{DAY_MS, HOUR_MS, MINUTE_MS};
use std::str::FromStr;

/// A bar length in whole minutes, hours or days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timeframe {
    ms: i64,
}

impl Timeframe {
    /// A timeframe of `minutes` minutes (must be positive).
    pub fn minutes(minutes: i64) -> Option<Timeframe> {
        (minutes > 0).then_some(Timeframe {
            ms: minutes * MINUTE_MS,
        })
    }

    /// Length of one bar in milliseconds.
    pub fn ms(self) -> i64 {
        self.ms
    }

    /// The UTC-aligned bucket start of `ts_ms` (multiples of the length since the epoch, so days start at midnight UTC).
    pub fn bucket(self, ts_ms: i64) -> i64 {
        ts_ms.div_euclid(self.ms) * self.ms
    }
}

impl std::fmt::Display for Timeframe {
    /// The MetaTrader-style name: `M5`, `H4`, `D1`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.ms % DAY_MS == 0 {
            write!(f, "D{}", self.ms / DAY_MS)
        } else if self.ms % HOUR_MS == 0 {
            write!(f, "H{}", self.ms / HOUR_MS)
        } else {
            write!(f, "M{}", self.ms / MINUTE_MS)
        }
    }
}

/// A timeframe name that is neither style.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown timeframe {0:?} (use M1, M5, H1, H4, D1 or 1min, 5m, 1h, 4h, 1d)")]
pub struct BadTimeframe(pub String);

impl FromStr for Timeframe {
    type Err = BadTimeframe;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadTimeframe(s.to_string());
        let t = s.trim();
        let lower = t.to_ascii_lowercase();
        // MetaTrader style: letter then count.
        let (unit, count) = if let Some(n) = lower.strip_prefix('m').filter(|n| is_count(n)) {
            (MINUTE_MS, n)
        } else if let Some(n) = lower.strip_prefix('h').filter(|n| is_count(n)) {
            (HOUR_MS, n)
        } else if let Some(n) = lower.strip_prefix('d').filter(|n| is_count(n)) {
            (DAY_MS, n)
        } else {
            // pandas style: count then unit.
            let split = lower.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
            let (n, u) = lower.split_at(split);
            let unit = match u {
                "m" | "min" | "mins" | "minute" | "minutes" | "t" => MINUTE_MS,
                "h" | "hr" | "hour" | "hours" => HOUR_MS,
                "d" | "day" | "days" => DAY_MS,
                _ => return Err(bad()),
            };
            (unit, n)
        };
        let n: i64 = count.parse().map_err(|_| bad())?;
        if n <= 0 {
            return Err(bad());
        }
        Ok(Timeframe { ms: n * unit })
    }
}

fn is_count(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_naming_styles_give_the_same_length() {
        let pairs = [
            ("M1", "1min"),
            ("M1", "1m"),
            ("M5", "5m"),
            ("M15", "15min"),
            ("H1", "1h"),
            ("H4", "4h"),
            ("D1", "1d"),
        ];
        for (a, b) in pairs {
            assert_eq!(
                a.parse::<Timeframe>().unwrap(),
                b.parse::<Timeframe>().unwrap(),
                "{a} vs {b}"
            );
        }
        assert_eq!("H4".parse::<Timeframe>().unwrap().ms(), 4 * HOUR_MS);
        assert_eq!("60min".parse::<Timeframe>().unwrap().to_string(), "H1");
        assert_eq!("1D".parse::<Timeframe>().unwrap().to_string(), "D1");
    }

    #[test]
    fn nonsense_timeframes_are_refused() {
        for s in ["", "M", "M0", "0m", "5x", "fortnight", "1w"] {
            let err = s.parse::<Timeframe>().unwrap_err();
            assert!(err.to_string().contains("unknown timeframe"), "{s}");
        }
    }

    #[test]
    fn buckets_align_to_utc_multiples() {
        let h4 = "4h".parse::<Timeframe>().unwrap();
        let jan1 = 1_704_067_200_000;
        assert_eq!(h4.bucket(jan1 + 5 * HOUR_MS + 7), jan1 + 4 * HOUR_MS);
        assert_eq!(h4.bucket(jan1 - 1), jan1 - 4 * HOUR_MS);
    }
}
