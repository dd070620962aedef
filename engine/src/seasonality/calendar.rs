//! Per-bar UTC calendar fields of one series, computed once (date fields once per day, not per bar).

use crate::data::Bars;
use crate::time::{DAY_MS, HOUR_MS};
use chrono::{Datelike, NaiveDate};

/// UTC calendar fields of every bar, plus trading-day counts (days present in the data) and rollover flags.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    pub hour: Vec<u8>,
    /// ISO weekday, Monday = 1 … Sunday = 7.
    pub dow: Vec<u8>,
    pub day: Vec<u8>,
    pub month: Vec<u8>,
    pub year: Vec<i32>,
    pub days_in_month: Vec<u8>,
    /// Days since 1970-01-01 (UTC).
    pub day_index: Vec<i64>,
    /// 1 for the month's first date present in the data, 2 for the next, …
    pub trading_day: Vec<u16>,
    /// 1 for the month's last date present in the data, 2 for the one before, …
    pub trading_day_from_end: Vec<u16>,
    /// `roll_id != previous roll_id` (first bar false); None when the series has no `roll_id`.
    pub rollover: Option<Vec<bool>>,
    pub tom_before: u32,
    pub tom_after: u32,
}

impl Calendar {
    /// Computes the calendar of `bars` (timestamps must be sorted); `tom_*` set the turn-of-month window.
    pub fn new(bars: &Bars, tom_before: u32, tom_after: u32) -> Calendar {
        Calendar::of(&bars.ts, bars.roll_id.as_deref(), tom_before, tom_after)
    }

    /// As [`Calendar::new`] from the timestamps and roll ids alone (a window of a series, without copying it).
    /// Date fields are filled once per run of bars on one date, not per bar.
    pub fn of(ts: &[i64], roll_id: Option<&[i64]>, tom_before: u32, tom_after: u32) -> Calendar {
        let n = ts.len();
        let mut c = Calendar {
            tom_before,
            tom_after,
            hour: ts.iter().map(|t| (t.rem_euclid(DAY_MS) / HOUR_MS) as u8).collect(),
            ..Default::default()
        };
        c.dow.reserve_exact(n);
        c.day.reserve_exact(n);
        c.month.reserve_exact(n);
        c.year.reserve_exact(n);
        c.days_in_month.reserve_exact(n);
        c.day_index.reserve_exact(n);
        c.trading_day.reserve_exact(n);
        c.trading_day_from_end = vec![0; n];
        // The month block being counted: its first bar, its (year, month) and its dates so far.
        let (mut month_start, mut month, mut days) = (0, None, 0u16);
        let mut i = 0;
        while i < n {
            let di = ts[i].div_euclid(DAY_MS);
            let len = ts[i..].iter().position(|t| t.div_euclid(DAY_MS) != di).unwrap_or(n - i);
            let f = DayFields::of(di);
            if month != Some((f.year, f.month)) {
                c.count_from_end(month_start..i, days);
                (month_start, month, days) = (i, Some((f.year, f.month)), 0);
            }
            days += 1;
            let end = i + len;
            c.dow.resize(end, f.dow);
            c.day.resize(end, f.day);
            c.month.resize(end, f.month);
            c.year.resize(end, f.year);
            c.days_in_month.resize(end, f.days_in_month);
            c.day_index.resize(end, di);
            c.trading_day.resize(end, days);
            i = end;
        }
        c.count_from_end(month_start..n, days);
        c.rollover = roll_id.map(|r| (0..r.len()).map(|i| i > 0 && r[i] != r[i - 1]).collect());
        c
    }

    /// Numbers the dates of one month block from its end, given its `days` dates.
    fn count_from_end(&mut self, block: std::ops::Range<usize>, days: u16) {
        let from_start = &self.trading_day[block.clone()];
        for (e, &d) in self.trading_day_from_end[block].iter_mut().zip(from_start) {
            *e = days - d + 1;
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct DayFields {
    dow: u8,
    day: u8,
    month: u8,
    year: i32,
    days_in_month: u8,
}

impl DayFields {
    fn of(day_index: i64) -> DayFields {
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch");
        let date = epoch
            .checked_add_signed(chrono::Duration::days(day_index))
            .unwrap_or(epoch);
        let (y, m) = (date.year(), date.month());
        let next = if m == 12 {
            NaiveDate::from_ymd_opt(y + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(y, m + 1, 1)
        };
        let first = NaiveDate::from_ymd_opt(y, m, 1).expect("first of month");
        let days_in_month = next.map(|n| (n - first).num_days()).unwrap_or(31) as u8;
        DayFields {
            dow: date.weekday().number_from_monday() as u8,
            day: date.day() as u8,
            month: m as u8,
            year: y,
            days_in_month,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(y: i32, m: u32, d: u32, h: u32) -> i64 {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp_millis()
    }

    fn bars(ts: &[i64]) -> Bars {
        let mut b = Bars::new("X");
        for &t in ts {
            b.push(t, 1.0, 1.0, 1.0, 1.0, 1.0);
        }
        b
    }

    #[test]
    fn fields_follow_the_utc_calendar_with_iso_weekdays() {
        // 2024-02-29 is a Thursday in a leap year; 2024-12-31 23:00 a Tuesday.
        let c = Calendar::new(&bars(&[ms(2024, 2, 29, 13), ms(2024, 12, 31, 23)]), 1, 3);
        assert_eq!(
            (c.hour[0], c.dow[0], c.day[0], c.month[0], c.days_in_month[0]),
            (13, 4, 29, 2, 29)
        );
        assert_eq!(
            (c.hour[1], c.dow[1], c.day[1], c.month[1], c.year[1], c.days_in_month[1]),
            (23, 2, 31, 12, 2024, 31)
        );
    }

    #[test]
    fn trading_days_count_only_dates_present_in_the_data() {
        // Jan 2 (Tue), 3, 5 and Feb 1: Jan 4 missing, two bars on Jan 3.
        let ts = [
            ms(2024, 1, 2, 9),
            ms(2024, 1, 3, 9),
            ms(2024, 1, 3, 10),
            ms(2024, 1, 5, 9),
            ms(2024, 2, 1, 9),
        ];
        let c = Calendar::new(&bars(&ts), 1, 3);
        assert_eq!(c.trading_day, [1, 2, 2, 3, 1]);
        assert_eq!(c.trading_day_from_end, [3, 2, 2, 1, 1]);
    }

    #[test]
    fn fields_filled_per_date_equal_fields_computed_bar_by_bar() {
        // Before and after 1970, across years and months, with missing dates, several bars a date, and an
        // unsorted stretch (each run of one date is a run, as bar by bar).
        let mut ts: Vec<i64> = (0..3000i64)
            .map(|k| ms(1969, 12, 20, 0) + k * 5 * HOUR_MS + (k % 7) * 60_000)
            .collect();
        ts.retain(|t| t.div_euclid(DAY_MS) % 9 != 4);
        ts.extend([
            ms(2024, 3, 5, 1),
            ms(2024, 2, 29, 23),
            ms(2024, 2, 29, 22),
            ms(2024, 3, 1, 0),
        ]);
        let c = Calendar::of(&ts, None, 1, 3);
        let mut trading_day = Vec::new();
        let (mut key, mut days, mut prev) = (None, 0u16, None);
        for (i, &t) in ts.iter().enumerate() {
            let date = chrono::DateTime::from_timestamp_millis(t).unwrap().date_naive();
            let first = NaiveDate::from_ymd_opt(date.year(), date.month(), 1).unwrap();
            let next = first.checked_add_months(chrono::Months::new(1)).unwrap();
            let want = (
                (t.rem_euclid(DAY_MS) / HOUR_MS) as u8,
                date.weekday().number_from_monday() as u8,
                date.day() as u8,
                date.month() as u8,
                date.year(),
                (next - first).num_days() as u8,
                t.div_euclid(DAY_MS),
            );
            let got = (
                c.hour[i],
                c.dow[i],
                c.day[i],
                c.month[i],
                c.year[i],
                c.days_in_month[i],
                c.day_index[i],
            );
            assert_eq!(got, want, "bar {i}");
            if key != Some((date.year(), date.month())) {
                (key, days, prev) = (Some((date.year(), date.month())), 0, None);
            }
            if prev != Some(want.6) {
                (days, prev) = (days + 1, Some(want.6));
            }
            trading_day.push(days);
        }
        assert_eq!(c.trading_day, trading_day);
        // From the end: the month block's count of dates minus the date's number, plus one.
        let mut i = 0;
        while i < ts.len() {
            let j = i
                + (i..ts.len())
                    .take_while(|&k| (c.year[k], c.month[k]) == (c.year[i], c.month[i]))
                    .count();
            let total = trading_day[j - 1];
            assert!((i..j).all(|k| c.trading_day_from_end[k] == total - trading_day[k] + 1));
            i = j;
        }
    }

    #[test]
    fn rollover_marks_a_change_of_roll_id_and_never_the_first_bar() {
        let mut b = bars(&[ms(2024, 1, 2, 9), ms(2024, 1, 3, 9), ms(2024, 1, 4, 9)]);
        b.roll_id = Some(vec![7, 8, 8]);
        assert_eq!(Calendar::new(&b, 1, 3).rollover, Some(vec![false, true, false]));
        assert_eq!(Calendar::new(&bars(&[0]), 1, 3).rollover, None);
    }
}
