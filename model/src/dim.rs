//! Calendar dimensions of seasonality profiles and signals: their wire names, which `profile.by_*` flag enables
//! them, and how a stored bin maps to a bin code. The engine computes each bar's code.

use crate::seasonality::Bin;
use crate::spec::seasonality::ProfileSpec;
use serde::{Deserialize, Serialize};

/// One calendar dimension. Booleans are bins 0/1; joint dims are coded `dow·100 + hour` and `year·100 + month`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
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

    /// True for the joint dims (`weekday_hour`, `month_year`), drawn as heatmaps rather than bar charts.
    pub fn is_joint(self) -> bool {
        matches!(self, Dim::WeekdayHour | Dim::MonthYear)
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

impl TryFrom<String> for Dim {
    type Error = String;
    fn try_from(name: String) -> Result<Dim, String> {
        Dim::from_name(&name).ok_or_else(|| format!("unknown dim {name:?}"))
    }
}

impl From<Dim> for String {
    fn from(d: Dim) -> String {
        d.name()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_dim_name_round_trips_through_text_and_serde() {
        let all = Dim::all();
        assert_eq!(all.len(), 35);
        for d in all {
            assert_eq!(Dim::from_name(&d.name()), Some(d));
            assert_eq!(serde_json::to_value(d).unwrap(), d.name());
            assert_eq!(serde_json::from_value::<Dim>(d.name().into()).unwrap(), d);
        }
        let err = serde_json::from_value::<Dim>("weekday".into()).unwrap_err();
        assert_eq!(err.to_string(), "unknown dim \"weekday\"");
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
    fn session_bins_are_labels() {
        assert_eq!(Dim::Session.bin(2), Bin::Str("EU_US_overlap".into()));
        assert_eq!(Dim::Session.code_of(&Bin::Str("US".into())), Some(3));
        assert_eq!(Dim::Hour.code_of(&Bin::Str("US".into())), None);
        assert!(Dim::WeekdayHour.is_joint() && !Dim::Hour.is_joint());
    }
}
