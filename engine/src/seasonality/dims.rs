//! Calendar dimensions: their names, which `profile.by_*` flag enables them, and each bar's bin code.

use super::calendar::Calendar;
use model::seasonality::Bin;
use model::spec::seasonality::ProfileSpec;

/// One calendar dimension. Booleans are bins 0/1; joint dims are coded `dow·100 + hour` and `year·100 + month`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum Dim {
    Hour,
    Dow,
    Month,
    MonthOfYear,
    Session,
    IsMonthStart,
    IsMonthEnd,
    IsNewsHour,
    IsThirdFriday,
    IsRolloverDay,
    WeekInMonth,
    DayInMonth,
    /// `last_k`: the k-th last calendar day of the month (k = 1…5), one day per flag.
    Last(u8),
    Quarter,
    /// `is_january` … `is_december` (1…12).
    IsMonth(u8),
    /// New: trading day of the month counted from its first day present in the data (1, 2, …).
    TradingDay,
    /// New: trading day of the month counted from its last day present in the data (1 = last).
    TradingDayFromEnd,
    /// New: −k for the k-th last trading day (k ≤ tom_before), +k for the k-th first (k ≤ tom_after), else 0.
    TurnOfMonth,
    /// New joint dim: ISO weekday × hour, coded `dow·100 + hour`.
    WeekdayHour,
    /// New joint dim: year × month, coded `year·100 + month`.
    MonthYear,
}

/// Bars `start..end` of a series, consecutive, with one bin code (every code fits an i32) in one calendar year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeRun {
    pub start: usize,
    pub end: usize,
    pub code: i32,
    pub year: i32,
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// Session labels by UTC hour, in code order.
pub const SESSIONS: [&str; 5] = ["Asia", "Europe", "EU_US_overlap", "US", "Other"];

impl Dim {
    /// The wire name (`hour`, `last_3`, `is_march`, `weekday_hour`, …).
    pub fn name(self) -> String {
        match self {
            Dim::Hour => "hour".into(),
            Dim::Dow => "dow".into(),
            Dim::Month => "month".into(),
            Dim::MonthOfYear => "month_of_year".into(),
            Dim::Session => "session".into(),
            Dim::IsMonthStart => "is_month_start".into(),
            Dim::IsMonthEnd => "is_month_end".into(),
            Dim::IsNewsHour => "is_news_hour".into(),
            Dim::IsThirdFriday => "is_third_friday".into(),
            Dim::IsRolloverDay => "is_rollover_day".into(),
            Dim::WeekInMonth => "week_in_month".into(),
            Dim::DayInMonth => "day_in_month".into(),
            Dim::Last(k) => format!("last_{k}"),
            Dim::Quarter => "quarter".into(),
            Dim::IsMonth(m) => format!("is_{}", MONTHS[(m - 1) as usize]),
            Dim::TradingDay => "trading_day".into(),
            Dim::TradingDayFromEnd => "trading_day_from_end".into(),
            Dim::TurnOfMonth => "turn_of_month".into(),
            Dim::WeekdayHour => "weekday_hour".into(),
            Dim::MonthYear => "month_year".into(),
        }
    }

    /// Parses a wire name; None for unknown names.
    pub fn from_name(name: &str) -> Option<Dim> {
        Dim::all().into_iter().find(|d| d.name() == name)
    }

    /// Every dim, in the original's profile order followed by the new dims.
    pub fn all() -> Vec<Dim> {
        let mut v = vec![
            Dim::Hour,
            Dim::Dow,
            Dim::Month,
            Dim::MonthOfYear,
            Dim::Session,
            Dim::IsMonthStart,
            Dim::IsMonthEnd,
            Dim::IsNewsHour,
            Dim::IsThirdFriday,
            Dim::IsRolloverDay,
            Dim::WeekInMonth,
            Dim::DayInMonth,
        ];
        v.extend((1..=5).map(Dim::Last));
        v.push(Dim::Quarter);
        v.extend((1..=12).map(Dim::IsMonth));
        v.extend([
            Dim::TradingDay,
            Dim::TradingDayFromEnd,
            Dim::TurnOfMonth,
            Dim::WeekdayHour,
            Dim::MonthYear,
        ]);
        v
    }

    /// The dims a profile spec enables, in profile order.
    pub fn enabled(p: &ProfileSpec) -> Vec<Dim> {
        Dim::all()
            .into_iter()
            .filter(|d| match d {
                Dim::Hour => p.by_hour,
                Dim::Dow => p.by_dow,
                Dim::Month | Dim::MonthOfYear => p.by_month,
                Dim::Session => p.by_session,
                Dim::IsMonthStart => p.by_month_start,
                Dim::IsMonthEnd => p.by_month_end,
                Dim::IsNewsHour => p.by_news_hour,
                Dim::IsThirdFriday => p.by_third_friday,
                Dim::IsRolloverDay => p.by_rollover_day,
                Dim::WeekInMonth => p.by_week_in_month,
                Dim::DayInMonth => p.by_day_in_month,
                Dim::Last(_) => p.by_month_last_days,
                Dim::Quarter => p.by_quarter,
                Dim::IsMonth(_) => p.by_month_flags,
                Dim::TradingDay => p.by_trading_day,
                Dim::TradingDayFromEnd => p.by_trading_day_from_end,
                Dim::TurnOfMonth => p.by_turn_of_month,
                Dim::WeekdayHour => p.by_weekday_hour,
                Dim::MonthYear => p.by_month_year,
            })
            .collect()
    }

    /// The bin code of bar `i`, or None when the dim does not exist for this series (rollover without `roll_id`).
    #[inline(always)]
    pub fn code(self, cal: &Calendar, i: usize) -> Option<i64> {
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

    /// The series cut into runs of consecutive bars with the same code and calendar year, or None when the dim does
    /// not exist for this series. Each dim gets its own loop (`code` is inlined with a constant dim), so readers of
    /// whole series (profiles, signals) pay no per-bar dispatch.
    pub fn runs(self, cal: &Calendar) -> Option<Vec<CodeRun>> {
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

    /// The bin a code stands for (session codes become their labels).
    pub fn bin(self, code: i64) -> Bin {
        match self {
            Dim::Session => Bin::Str(SESSIONS[code as usize].to_string()),
            _ => Bin::Int(code),
        }
    }

    /// The code of a bin, when the bin belongs to this dim.
    pub fn code_of(self, bin: &Bin) -> Option<i64> {
        match (self, bin) {
            (Dim::Session, Bin::Str(s)) => SESSIONS.iter().position(|x| x == s).map(|p| p as i64),
            (Dim::Session, Bin::Int(_)) | (_, Bin::Str(_)) => None,
            (_, Bin::Int(i)) => Some(*i),
        }
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
    fn every_dim_name_round_trips_and_matches_the_spec_list() {
        let all = Dim::all();
        assert_eq!(all.len(), model::spec::seasonality::SELECTABLE_DIMS.len());
        for d in all {
            assert_eq!(Dim::from_name(&d.name()), Some(d));
            assert!(
                model::spec::seasonality::SELECTABLE_DIMS.contains(&d.name().as_str()),
                "{}",
                d.name()
            );
        }
    }

    #[test]
    fn by_month_enables_month_and_month_of_year_and_flags_enable_twelve() {
        let p = ProfileSpec {
            by_hour: false,
            by_dow: false,
            by_month: true,
            by_month_flags: true,
            ..Default::default()
        };
        let names: Vec<String> = Dim::enabled(&p).iter().map(|d| d.name()).collect();
        assert_eq!(names[..2], ["month", "month_of_year"]);
        assert_eq!(names.len(), 14);
        assert_eq!(names[13], "is_december");
    }

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
        assert_eq!(Dim::Session.bin(2), Bin::Str("EU_US_overlap".into()));
        assert_eq!(Dim::Session.code_of(&Bin::Str("US".into())), Some(3));
    }
}
