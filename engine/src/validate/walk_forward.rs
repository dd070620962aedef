//! The original engine's walk-forward splitter (§2.6), kept boundary for boundary so folds line up
//! with its results: months are added with the day clipped to 28 and the time reset to midnight.

use crate::time::to_datetime;
use chrono::{Datelike, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// Walk-forward settings as the specs spell them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalkForward {
    pub train_months: u32,
    pub test_months: u32,
    pub folds: u32,
    pub embargo_days: u32,
}

impl Default for WalkForward {
    fn default() -> Self {
        Self {
            train_months: 0,
            test_months: 1,
            folds: 1,
            embargo_days: 0,
        }
    }
}

/// One fold: bar index ranges and the window bounds (UTC epoch ms, end exclusive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fold {
    pub index: usize,
    pub train: Range<usize>,
    pub test: Range<usize>,
    pub train_start: i64,
    pub train_end: i64,
    pub test_start: i64,
    pub test_end: i64,
}

/// Splits sorted timestamps into folds; stops at the first fold whose test window holds no bar, or whose
/// dates leave the calendar (the arithmetic is checked, so no setting can overflow).
pub fn walk_forward(ts: &[i64], cfg: &WalkForward) -> Vec<Fold> {
    let Some(&first) = ts.first() else { return Vec::new() };
    let start = to_datetime(first).date_naive();
    let index_at = |bound: i64| ts.partition_point(|&t| t < bound);
    let mut folds = Vec::new();
    for f in 0..cfg.folds {
        let windows = f
            .checked_mul(cfg.test_months)
            .and_then(|m| add_months(start, m))
            .and_then(|train_start| {
                let train_end = add_months(train_start, cfg.train_months)?;
                let test_start = train_end.checked_add_days(chrono::Days::new(cfg.embargo_days.into()))?;
                Some([
                    train_start,
                    train_end,
                    test_start,
                    add_months(test_start, cfg.test_months)?,
                ])
            });
        let Some([train_start, train_end, test_start, test_end]) = windows else {
            break;
        };
        let [train_start, train_end, test_start, test_end] =
            [train_start, train_end, test_start, test_end].map(midnight_ms);
        let test = index_at(test_start)..index_at(test_end);
        if test.is_empty() {
            break;
        }
        folds.push(Fold {
            index: f as usize,
            train: index_at(train_start)..index_at(train_end),
            test,
            train_start,
            train_end,
            test_start,
            test_end,
        });
    }
    folds
}

/// Same day (clipped to 28) `months` later, as the original's `add_months`; None past the calendar's end.
fn add_months(d: NaiveDate, months: u32) -> Option<NaiveDate> {
    let total = i64::from(d.year()) * 12 + i64::from(d.month0()) + i64::from(months);
    let year = i32::try_from(total.div_euclid(12)).ok()?;
    NaiveDate::from_ymd_opt(year, total.rem_euclid(12) as u32 + 1, d.day().min(28))
}

fn midnight_ms(d: NaiveDate) -> i64 {
    Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight"))
        .timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::HOUR_MS;

    fn date_ms(y: i32, m: u32, d: u32) -> i64 {
        midnight_ms(NaiveDate::from_ymd_opt(y, m, d).unwrap())
    }

    /// The reference's verified example: hourly bars from 2025-01-31 13:00, train 2, test 1, folds 4, embargo 2.
    #[test]
    fn matches_the_originals_verified_example() {
        let start = date_ms(2025, 1, 31) + 13 * HOUR_MS;
        let end = date_ms(2025, 7, 15);
        let ts: Vec<i64> = (start..end).step_by(HOUR_MS as usize).collect();
        let cfg = WalkForward {
            train_months: 2,
            test_months: 1,
            folds: 4,
            embargo_days: 2,
        };
        let folds = walk_forward(&ts, &cfg);
        assert_eq!(folds.len(), 4);
        assert_eq!(
            (folds[0].train_start, folds[0].train_end),
            (date_ms(2025, 1, 28), date_ms(2025, 3, 28))
        );
        assert_eq!(
            (folds[0].test_start, folds[0].test_end),
            (date_ms(2025, 3, 30), date_ms(2025, 4, 28))
        );
        assert_eq!(
            (folds[1].train_start, folds[1].test_start),
            (date_ms(2025, 2, 28), date_ms(2025, 4, 30))
        );
        assert_eq!(
            (folds[3].test_start, folds[3].test_end),
            (date_ms(2025, 6, 30), date_ms(2025, 7, 28))
        );
        // fold 0 starts before the first bar: its train range begins at index 0.
        assert_eq!(folds[0].train.start, 0);
        // the last test window is partial and kept.
        assert_eq!(folds[3].test.end, ts.len());
        for f in &folds {
            assert!(ts[f.test.clone()].iter().all(|&t| t >= f.test_start && t < f.test_end));
            assert!(ts[f.train.clone()]
                .iter()
                .all(|&t| t >= f.train_start && t < f.train_end));
        }
    }

    #[test]
    fn the_default_uses_only_the_first_month_as_the_original() {
        let start = date_ms(2024, 1, 1);
        let ts: Vec<i64> = (0..24 * 90).map(|h| start + h * HOUR_MS).collect();
        let folds = walk_forward(&ts, &WalkForward::default());
        assert_eq!(folds.len(), 1);
        assert!(folds[0].train.is_empty());
        assert_eq!(folds[0].test, 0..24 * 31);
    }

    #[test]
    fn settings_beyond_the_calendar_end_the_folds_instead_of_panicking() {
        let start = date_ms(2024, 1, 1);
        let ts: Vec<i64> = (0..24 * 40).map(|h| start + h * HOUR_MS).collect();
        let huge = |train_months, test_months, folds, embargo_days| WalkForward {
            train_months,
            test_months,
            folds,
            embargo_days,
        };
        assert!(walk_forward(&ts, &huge(4_000_000_000, 1, 1, 0)).is_empty());
        assert!(walk_forward(&ts, &huge(0, 1, 1, 4_000_000_000)).is_empty());
        assert!(walk_forward(&ts, &huge(0, u32::MAX, u32::MAX, u32::MAX)).is_empty());
        // Many folds over little data: the loop ends at the first empty test window.
        assert_eq!(walk_forward(&ts, &huge(0, 1, u32::MAX, 0)).len(), 2);
    }

    #[test]
    fn stops_when_a_test_window_is_empty() {
        let start = date_ms(2024, 1, 1);
        let ts: Vec<i64> = (0..24 * 40).map(|h| start + h * HOUR_MS).collect();
        let cfg = WalkForward {
            train_months: 0,
            test_months: 1,
            folds: 5,
            embargo_days: 0,
        };
        assert_eq!(walk_forward(&ts, &cfg).len(), 2);
        assert!(walk_forward(&[], &cfg).is_empty());
    }
}
