//! Long/flat signal from selected bins (reference §2.10.4), honouring every selectable dim.

use super::calendar::Calendar;
use super::dims::{CodeRun, Dim, DimCodes};
use super::select::Rules;
use crate::data::Bars;
use model::spec::seasonality::Combine;

/// True where the bar's calendar bins match the rules: all dims (`and`) or any dim (`or`, `sum`). Dims with no
/// selected bin are skipped, as are dims the series cannot have (rollover without `roll_id`); no dim → never long.
pub fn signal(bars: &Bars, rules: &Rules) -> Vec<bool> {
    let cal = Calendar::new(bars, rules.tom.0, rules.tom.1);
    signal_on(&cal, bars.len(), rules)
}

/// As [`signal`] on a calendar computed beforehand for `n` bars (shared by the optimiser's trials).
pub fn signal_on(cal: &Calendar, n: usize, rules: &Rules) -> Vec<bool> {
    let masks: Vec<(Vec<CodeRun>, Vec<i64>)> = rules
        .active_bins
        .iter()
        .filter(|(_, bins)| !bins.is_empty())
        .filter_map(|(name, bins)| {
            let dim = Dim::from_name(name)?;
            let runs = dim.runs(cal)?;
            Some((runs, bins.iter().filter_map(|b| dim.code_of(b)).collect()))
        })
        .collect();
    if masks.is_empty() {
        return vec![false; n];
    }
    let and = rules.combine == Combine::And;
    let mut long = vec![and; n];
    for (runs, codes) in &masks {
        for r in runs.iter().filter(|r| r.start < n) {
            let hit = codes.contains(&(r.code as i64));
            // And: a miss clears the run; or: a hit sets it.
            if hit != and {
                long[r.start..r.end.min(n)].fill(hit);
            }
        }
    }
    long
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seasonality::select::RulesMetadata;
    use chrono::NaiveDate;
    use model::seasonality::Bin;
    use std::collections::{BTreeMap, BTreeSet};

    fn ms(d: u32, h: u32) -> i64 {
        NaiveDate::from_ymd_opt(2024, 1, d)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp_millis()
    }

    fn rules(pairs: &[(&str, &[i64])], combine: Combine) -> Rules {
        let active_bins: BTreeMap<String, BTreeSet<Bin>> = pairs
            .iter()
            .map(|(d, b)| (d.to_string(), b.iter().map(|&x| Bin::Int(x)).collect()))
            .collect();
        Rules {
            active_bins,
            combine,
            metadata: RulesMetadata::default(),
            tom: (1, 3),
        }
    }

    fn bars() -> Bars {
        // 2024-01-16 is a Tuesday, 01-19 the third Friday, 01-22 a Monday.
        let mut b = Bars::new("X");
        for ts in [ms(16, 14), ms(16, 15), ms(19, 13), ms(22, 20), ms(22, 14)] {
            b.push(ts, 1.0, 1.0, 1.0, 1.0, 1.0);
        }
        b
    }

    #[test]
    fn and_requires_every_dim_and_or_any() {
        let r = rules(&[("hour", &[14]), ("dow", &[2])], Combine::And);
        assert_eq!(signal(&bars(), &r), [true, false, false, false, false]);
        let r = rules(&[("hour", &[14]), ("dow", &[2])], Combine::Or);
        assert_eq!(signal(&bars(), &r), [true, true, false, false, true]);
        let r = rules(&[("hour", &[14]), ("dow", &[2])], Combine::Sum);
        assert_eq!(signal(&bars(), &r), [true, true, false, false, true]);
    }

    #[test]
    fn news_hour_third_friday_and_rollover_are_honoured() {
        assert_eq!(
            signal(&bars(), &rules(&[("is_news_hour", &[1])], Combine::And)),
            [true, false, true, true, true]
        );
        assert_eq!(
            signal(&bars(), &rules(&[("is_third_friday", &[1])], Combine::And)),
            [false, false, true, false, false]
        );
        let mut b = bars();
        b.roll_id = Some(vec![1, 1, 1, 2, 2]);
        assert_eq!(
            signal(&b, &rules(&[("is_rollover_day", &[1])], Combine::And)),
            [false, false, false, true, false]
        );
    }

    #[test]
    fn empty_bin_sets_are_skipped_and_no_rule_is_never_long() {
        let r = rules(&[("hour", &[14]), ("dow", &[])], Combine::And);
        assert_eq!(signal(&bars(), &r), [true, false, false, false, true]);
        assert_eq!(signal(&bars(), &rules(&[], Combine::Or)), [false; 5]);
    }

    #[test]
    fn session_bins_match_by_label() {
        let mut r = rules(&[], Combine::And);
        r.active_bins
            .insert("session".into(), [Bin::Str("US".into())].into_iter().collect());
        assert_eq!(signal(&bars(), &r), [false, false, false, true, false]);
    }
}
