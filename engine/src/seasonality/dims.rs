//! Each bar's bin code of a calendar dimension ([`Dim`], named in `model`), and the series cut into runs of one code.

use super::calendar::Calendar;
pub use model::dim::{Dim, SESSIONS};

/// Bars `start..end` of a series, consecutive, with one bin code (every code fits an i32) in one calendar year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeRun {
    pub start: usize,
    pub end: usize,
    pub code: i32,
    pub year: i32,
}

/// Each bar's bin code of a dim, computed from the series' calendar.
pub trait DimCodes {
    /// The bin code of bar `i`, or None when the dim does not exist for this series (rollover without `roll_id`).
    fn code(self, cal: &Calendar, i: usize) -> Option<i64>;
    /// The series cut into runs of consecutive bars with the same code and calendar year, or None when the dim does
    /// not exist for this series.
    fn runs(self, cal: &Calendar) -> Option<Vec<CodeRun>>;
}

impl DimCodes for Dim {
    #[inline(always)]
    fn code(self, cal: &Calendar, i: usize) -> Option<i64> {
        let flag = |b: bool| b as i64;
        let hour = || cal.hour[i] as i64;
        let dow = || cal.dow[i] as i64;
        let day = || cal.day[i] as i64;
        let month = || cal.month[i] as i64;
        let last_day = || cal.days_in_month[i] as i64;
        Some(match self {
            Dim::Hour => hour(),
            Dim::Dow => dow(),
            Dim::Month | Dim::MonthOfYear => month(),
            Dim::Session => session_code(hour() as u32),
            Dim::IsMonthStart => flag(day() == 1),
            Dim::IsMonthEnd => flag(day() == last_day()),
            Dim::IsNewsHour => flag(matches!(hour(), 13 | 14 | 20)),
            Dim::IsThirdFriday => flag(dow() == 5 && (15..=21).contains(&day())),
            Dim::IsRolloverDay => flag(cal.rollover.as_ref()?[i]),
            Dim::WeekInMonth => (day() - 1) / 7 + 1,
            Dim::DayInMonth => day(),
            Dim::Last(k) => flag(last_day() - day() == k as i64 - 1),
            Dim::Quarter => (month() - 1) / 3 + 1,
            Dim::IsMonth(m) => flag(month() == m as i64),
            Dim::TradingDay => cal.trading_day[i] as i64,
            Dim::TradingDayFromEnd => cal.trading_day_from_end[i] as i64,
            Dim::TurnOfMonth => {
                let (from_end, from_start) = (cal.trading_day_from_end[i] as i64, cal.trading_day[i] as i64);
                if from_end <= cal.tom_before as i64 {
                    -from_end
                } else if from_start <= cal.tom_after as i64 {
                    from_start
                } else {
                    0
                }
            }
            Dim::WeekdayHour => dow() * 100 + hour(),
            Dim::MonthYear => cal.year[i] as i64 * 100 + month(),
        })
    }

    /// Each dim gets its own loop (`code` is inlined with a constant dim), so readers of whole series (profiles,
    /// signals) pay no per-bar dispatch.
    fn runs(self, cal: &Calendar) -> Option<Vec<CodeRun>> {
        fn each(cal: &Calendar, code: impl Fn(usize) -> Option<i64>) -> Vec<CodeRun> {
            let mut runs: Vec<CodeRun> = Vec::new();
            for (i, &year) in cal.year.iter().enumerate() {
                let code = code(i).unwrap_or(0) as i32;
                match runs.last_mut() {
                    Some(r) if r.code == code && r.year == year => r.end = i + 1,
                    _ => runs.push(CodeRun {
                        start: i,
                        end: i + 1,
                        code,
                        year,
                    }),
                }
            }
            runs
        }
        if self == Dim::IsRolloverDay && cal.rollover.is_none() {
            return None;
        }
        Some(match self {
            Dim::Hour => each(cal, |i| Dim::Hour.code(cal, i)),
            Dim::Dow => each(cal, |i| Dim::Dow.code(cal, i)),
            Dim::Month => each(cal, |i| Dim::Month.code(cal, i)),
            Dim::MonthOfYear => each(cal, |i| Dim::MonthOfYear.code(cal, i)),
            Dim::Session => each(cal, |i| Dim::Session.code(cal, i)),
            Dim::IsMonthStart => each(cal, |i| Dim::IsMonthStart.code(cal, i)),
            Dim::IsMonthEnd => each(cal, |i| Dim::IsMonthEnd.code(cal, i)),
            Dim::IsNewsHour => each(cal, |i| Dim::IsNewsHour.code(cal, i)),
            Dim::IsThirdFriday => each(cal, |i| Dim::IsThirdFriday.code(cal, i)),
            Dim::IsRolloverDay => each(cal, |i| Dim::IsRolloverDay.code(cal, i)),
            Dim::WeekInMonth => each(cal, |i| Dim::WeekInMonth.code(cal, i)),
            Dim::DayInMonth => each(cal, |i| Dim::DayInMonth.code(cal, i)),
            Dim::Last(k) => each(cal, |i| Dim::Last(k).code(cal, i)),
            Dim::Quarter => each(cal, |i| Dim::Quarter.code(cal, i)),
            Dim::IsMonth(m) => each(cal, |i| Dim::IsMonth(m).code(cal, i)),
            Dim::TradingDay => each(cal, |i| Dim::TradingDay.code(cal, i)),
            Dim::TradingDayFromEnd => each(cal, |i| Dim::TradingDayFromEnd.code(cal, i)),
            Dim::TurnOfMonth => each(cal, |i| Dim::TurnOfMonth.code(cal, i)),
            Dim::WeekdayHour => each(cal, |i| Dim::WeekdayHour.code(cal, i)),
            Dim::MonthYear => each(cal, |i| Dim::MonthYear.code(cal, i)),
        })
    }
}

/// Session bucket of a UTC hour: [0,7) Asia, [7,12) Europe, [12,16) EU_US_overlap, [16,21) US, else Other.
fn session_code(hour: u32) -> i64 {
    match hour {
        0..=6 => 0,
        7..=11 => 1,
        12..=15 => 2,
        16..=20 => 3,
        _ => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_cover_the_series_in_order_with_one_code_and_one_year_each() {
        use crate::time::HOUR_MS;
        // 2023-12-30 00:00 UTC, hourly for four days: across New Year and a month end.
        let ts: Vec<i64> = (0..96).map(|k| 1_703_894_400_000 + k * HOUR_MS).collect();
        let cal = Calendar::of(&ts, None, 2, 2);
        for dim in Dim::all().into_iter().filter(|d| *d != Dim::IsRolloverDay) {
            let runs = dim.runs(&cal).expect("runs");
            assert_eq!((runs[0].start, runs[runs.len() - 1].end), (0, ts.len()), "{dim:?}");
            for (k, r) in runs.iter().enumerate() {
                assert!(k == 0 || runs[k - 1].end == r.start, "{dim:?}: runs are contiguous");
                for i in r.start..r.end {
                    assert_eq!(
                        (Some(r.code as i64), r.year),
                        (dim.code(&cal, i), cal.year[i]),
                        "{dim:?}"
                    );
                }
                let next =
                    r.end < ts.len() && dim.code(&cal, r.end) == Some(r.code as i64) && cal.year[r.end] == r.year;
                assert!(!next, "{dim:?}: runs are maximal");
            }
        }
        assert_eq!(Dim::Dow.runs(&cal).unwrap().len(), 4);
        assert_eq!(
            Dim::IsThirdFriday.runs(&cal).unwrap().len(),
            2,
            "split at the new year only"
        );
        assert_eq!(Dim::IsRolloverDay.runs(&cal), None);
    }

    #[test]
    fn sessions_follow_the_utc_hour_buckets() {
        let labels: Vec<i64> = [0, 6, 7, 11, 12, 15, 16, 20, 21, 23]
            .iter()
            .map(|&h| session_code(h))
            .collect();
        assert_eq!(labels, [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
    }
}
