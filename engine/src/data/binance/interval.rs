//! Binance's kline intervals (`1m` … `1M`) and their lengths.

use super::error::BinanceError;
use crate::time::{DAY_MS, HOUR_MS, MINUTE_MS};
use chrono::{Datelike, TimeZone, Utc};
use std::str::FromStr;

/// One of the fifteen kline intervals Binance serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Interval {
    M1,
    M3,
    M5,
    M15,
    M30,
    H1,
    H2,
    H4,
    H6,
    H8,
    H12,
    D1,
    D3,
    W1,
    /// One calendar month (`1M`).
    Month1,
}

impl Interval {
    /// Every interval, shortest first.
    pub const ALL: [Interval; 15] = [
        Interval::M1,
        Interval::M3,
        Interval::M5,
        Interval::M15,
        Interval::M30,
        Interval::H1,
        Interval::H2,
        Interval::H4,
        Interval::H6,
        Interval::H8,
        Interval::H12,
        Interval::D1,
        Interval::D3,
        Interval::W1,
        Interval::Month1,
    ];

    /// Binance's name of the interval (`1m`, `4h`, `1M`).
    pub fn as_str(self) -> &'static str {
        match self {
            Interval::M1 => "1m",
            Interval::M3 => "3m",
            Interval::M5 => "5m",
            Interval::M15 => "15m",
            Interval::M30 => "30m",
            Interval::H1 => "1h",
            Interval::H2 => "2h",
            Interval::H4 => "4h",
            Interval::H6 => "6h",
            Interval::H8 => "8h",
            Interval::H12 => "12h",
            Interval::D1 => "1d",
            Interval::D3 => "3d",
            Interval::W1 => "1w",
            Interval::Month1 => "1M",
        }
    }

    /// The nominal length in milliseconds; a month counts as 30 days (estimates only, see [`Interval::next_open`]).
    pub fn ms(self) -> i64 {
        match self {
            Interval::M1 => MINUTE_MS,
            Interval::M3 => 3 * MINUTE_MS,
            Interval::M5 => 5 * MINUTE_MS,
            Interval::M15 => 15 * MINUTE_MS,
            Interval::M30 => 30 * MINUTE_MS,
            Interval::H1 => HOUR_MS,
            Interval::H2 => 2 * HOUR_MS,
            Interval::H4 => 4 * HOUR_MS,
            Interval::H6 => 6 * HOUR_MS,
            Interval::H8 => 8 * HOUR_MS,
            Interval::H12 => 12 * HOUR_MS,
            Interval::D1 => DAY_MS,
            Interval::D3 => 3 * DAY_MS,
            Interval::W1 => 7 * DAY_MS,
            Interval::Month1 => 30 * DAY_MS,
        }
    }

    /// The open time of the kline that follows the one opening at `open` (the first of the next month for `1M`).
    pub fn next_open(self, open: i64) -> i64 {
        if self != Interval::Month1 {
            return open + self.ms();
        }
        let d = crate::time::to_datetime(open);
        let (y, m) = if d.month() == 12 {
            (d.year() + 1, 1)
        } else {
            (d.year(), d.month() + 1)
        };
        Utc.with_ymd_and_hms(y, m, 1, 0, 0, 0)
            .single()
            .map_or(open + self.ms(), |t| t.timestamp_millis())
    }

    /// How many klines open in `[from, to)`, about (exact except for `1M`).
    pub fn count_between(self, from: i64, to: i64) -> u64 {
        if to <= from {
            return 0;
        }
        ((to - from + self.ms() - 1) / self.ms()) as u64
    }

    /// The interval a spec's `timeframe` names: Binance's own spelling (`1h`, `1M` = month), else any spelling
    /// of the same length the rest of the engine accepts (`H1`, `M15`, `60min`, `D1`).
    pub fn from_timeframe(text: &str) -> Result<Interval, BinanceError> {
        if let Ok(iv) = text.trim().parse::<Interval>() {
            return Ok(iv);
        }
        let tf: crate::data::Timeframe = text.parse().map_err(|_| BinanceError::BadInterval(text.to_string()))?;
        Interval::ALL
            .into_iter()
            .find(|iv| *iv != Interval::Month1 && iv.ms() == tf.ms())
            .ok_or_else(|| BinanceError::BadInterval(text.to_string()))
    }
}

impl std::fmt::Display for Interval {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Interval {
    type Err = BinanceError;

    /// Binance's exact names only (case matters: `1m` is a minute, `1M` a month).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Interval::ALL
            .into_iter()
            .find(|iv| iv.as_str() == s)
            .ok_or_else(|| BinanceError::BadInterval(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_round_trips_and_case_tells_minute_from_month() {
        for iv in Interval::ALL {
            assert_eq!(iv.as_str().parse::<Interval>().unwrap(), iv);
        }
        assert_eq!("1m".parse::<Interval>().unwrap(), Interval::M1);
        assert_eq!("1M".parse::<Interval>().unwrap(), Interval::Month1);
        assert!("2m".parse::<Interval>().is_err());
        assert!("1H".parse::<Interval>().unwrap_err().to_string().contains("1h"));
    }

    #[test]
    fn spec_timeframes_of_the_same_length_map_to_the_interval() {
        assert_eq!(Interval::from_timeframe("H1").unwrap(), Interval::H1);
        assert_eq!(Interval::from_timeframe("M15").unwrap(), Interval::M15);
        assert_eq!(Interval::from_timeframe("1d").unwrap(), Interval::D1);
        assert_eq!(Interval::from_timeframe("1M").unwrap(), Interval::Month1);
        assert!(Interval::from_timeframe("M7").is_err());
    }

    #[test]
    fn months_step_by_calendar_month() {
        let jan = 1_704_067_200_000; // 2024-01-01
        let feb = Interval::Month1.next_open(jan);
        assert_eq!(feb, jan + 31 * DAY_MS);
        assert_eq!(
            Interval::Month1.next_open(feb),
            feb + 29 * DAY_MS,
            "2024 is a leap year"
        );
        assert_eq!(Interval::H4.next_open(jan), jan + 4 * HOUR_MS);
        assert_eq!(Interval::M1.count_between(jan, jan + 1000 * MINUTE_MS), 1000);
        assert_eq!(Interval::M1.count_between(jan, jan + 1), 1);
    }
}
