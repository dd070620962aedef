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
    pub fn of(ts: &[i64], roll_id: Option<&[i64]>, tom_before: u32, tom_after: u32) -> Calendar {
        let n = ts.len();
        let mut c = Calendar {
            tom_before,
            tom_after,
            ..Default::default()
        };
        c.hour.reserve(n);
        c.dow.reserve(n);
        c.day.reserve(n);
        c.month.reserve(n);
        c.year.reserve(n);
        c.days_in_month.reserve(n);
        c.day_index.reserve(n);
        let mut cached: Option<(i64, DayFields)> = None;
        for &ts in ts {
            let di = ts.div_euclid(DAY_MS);
            let f = match cached {
                Some((d, f)) if d == di => f,
                _ => {
                    let f = DayFields::of(di);
                    cached = Some((di, f));
                    f
                }
            };
            c.hour.push((ts.rem_euclid(DAY_MS) / HOUR_MS) as u8);
            c.dow.push(f.dow);
            c.day.push(f.day);
            c.month.push(f.month);
            c.year.push(f.year);
            c.days_in_month.push(f.days_in_month);
            c.day_index.push(di);
        }
        c.count_trading_days();
        c.rollover = roll_id.map(|r| (0..r.len()).map(|i| i > 0 && r[i] != r[i - 1]).collect());
        c
    }

    /// Numbers each distinct date within its (year, month), from the start and from the end.
    fn count_trading_days(&mut self) {
        let n = self.day_index.len();
        self.trading_day = vec![0; n];
        self.trading_day_from_end = vec![0; n];
        let mut i = 0;
        while i < n {
            // One month block: bars are sorted, so a month is a contiguous run.
            let key = (self.year[i], self.month[i]);
            let mut j = i;
            while j < n && (self.year[j], self.month[j]) == key {
                j += 1;
            }
            let mut days = 0u16;
            let mut prev = None;
            for k in i..j {
                if prev != Some(self.day_index[k]) {
                    days += 1;
                    prev = Some(self.day_index[k]);
                }
                self.trading_day[k] = days;
            }
            for k in i..j {
                self.trading_day_from_end[k] = days - self.trading_day[k] + 1;
            }
            i = j;
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
    fn rollover_marks_a_change_of_roll_id_and_never_the_first_bar() {
        let mut b = bars(&[ms(2024, 1, 2, 9), ms(2024, 1, 3, 9), ms(2024, 1, 4, 9)]);
        b.roll_id = Some(vec![7, 8, 8]);
        assert_eq!(Calendar::new(&b, 1, 3).rollover, Some(vec![false, true, false]));
        assert_eq!(Calendar::new(&bars(&[0]), 1, 3).rollover, None);
    }
}
