//! A spec's `timeframe` against the bars it loaded: equal passes, a coarser whole multiple is resampled, anything
//! finer (or not a multiple) is refused naming both timeframes.

use super::{resample, Bars, DataError, Timeframe};
use std::collections::HashMap;

/// Brings every series to `timeframe` (`None` or empty: as loaded). `label_only` is true for MySQL sources, whose
/// timeframe may be a label of the table's own vocabulary: one that does not parse leaves the bars as they are.
pub fn to_timeframe(series: Vec<Bars>, timeframe: Option<&str>, label_only: bool) -> Result<Vec<Bars>, DataError> {
    let Some(text) = timeframe.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(series);
    };
    let wanted: Timeframe = match text.parse() {
        Ok(tf) => tf,
        Err(_) if label_only => return Ok(series),
        Err(e) => return Err(DataError::spec("data.timeframe", e.to_string())),
    };
    series.into_iter().map(|bars| conform(bars, wanted, text)).collect()
}

fn conform(bars: Bars, wanted: Timeframe, text: &str) -> Result<Bars, DataError> {
    let Some(step) = native_step(&bars.ts) else {
        return Ok(bars);
    };
    if step == wanted.ms() {
        return Ok(bars);
    }
    let native = Timeframe::minutes(step / crate::time::MINUTE_MS)
        .filter(|tf| tf.ms() == step)
        .map(|tf| tf.to_string())
        .unwrap_or_else(|| format!("{} s", step as f64 / 1000.0));
    if step > wanted.ms() {
        return Err(DataError::spec(
            "data.timeframe",
            format!(
                "{text} ({wanted}) is finer than the {native} bars of {}: bars cannot be split",
                bars.symbol
            ),
        ));
    }
    if wanted.ms() % step != 0 {
        return Err(DataError::spec(
            "data.timeframe",
            format!(
                "{text} ({wanted}) is not a whole multiple of the {native} bars of {}",
                bars.symbol
            ),
        ));
    }
    Ok(resample(&bars, wanted))
}

/// The bar length of a series: its most common step between consecutive bars (gaps and outages do not change it);
/// `None` with fewer than two bars.
pub fn native_step(ts: &[i64]) -> Option<i64> {
    let mut counts: HashMap<i64, usize> = HashMap::new();
    for w in ts.windows(2) {
        let d = w[1] - w[0];
        if d > 0 {
            *counts.entry(d).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .max_by_key(|&(d, n)| (n, std::cmp::Reverse(d)))
        .map(|(d, _)| d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::MINUTE_MS;

    const T0: i64 = 1_704_067_200_000;

    fn minute_bars(n: i64, skip: &[i64]) -> Bars {
        let mut b = Bars::new("X".to_string());
        for i in (0..n).filter(|i| !skip.contains(i)) {
            let p = 100.0 + i as f64;
            b.push(T0 + i * MINUTE_MS, p, p + 2.0, p - 1.0, p + 1.0, 1.0);
        }
        b
    }

    #[test]
    fn the_bar_length_is_the_most_common_step_despite_gaps() {
        assert_eq!(native_step(&minute_bars(100, &[10, 11, 12, 50]).ts), Some(MINUTE_MS));
        assert_eq!(native_step(&[T0]), None);
    }

    #[test]
    fn a_coarser_timeframe_resamples_and_an_equal_one_passes() {
        let bars = minute_bars(120, &[]);
        let same = to_timeframe(vec![bars.clone()], Some("M1"), false).unwrap();
        assert_eq!(same[0], bars);
        let hourly = to_timeframe(vec![bars], Some("H1"), false).unwrap();
        assert_eq!(hourly[0].ts, vec![T0, T0 + 60 * MINUTE_MS]);
        assert_eq!(hourly[0].open, vec![100.0, 160.0]);
        assert_eq!(hourly[0].high, vec![161.0, 221.0]);
        assert_eq!(hourly[0].low, vec![99.0, 159.0]);
        assert_eq!(hourly[0].close, vec![160.0, 220.0]);
        assert_eq!(hourly[0].volume, vec![60.0, 60.0]);
    }

    #[test]
    fn a_finer_or_uneven_timeframe_is_refused_naming_both() {
        let five = to_timeframe(vec![minute_bars(60, &[])], Some("5m"), false).unwrap();
        let err = to_timeframe(five.clone(), Some("M1"), false).unwrap_err().to_string();
        assert!(
            err.contains("data.timeframe") && err.contains("M1 (M1) is finer than the M5 bars of X"),
            "{err}"
        );
        let err = to_timeframe(five, Some("7m"), false).unwrap_err().to_string();
        assert!(err.contains("not a whole multiple of the M5 bars"), "{err}");
    }

    #[test]
    fn an_unknown_timeframe_is_refused_for_files_and_kept_as_a_label_for_mysql() {
        let err = to_timeframe(vec![minute_bars(3, &[])], Some("fortnightly"), false).unwrap_err();
        assert!(err.to_string().contains("unknown timeframe"), "{err}");
        assert_eq!(
            to_timeframe(vec![minute_bars(3, &[])], Some("fortnightly"), true).unwrap()[0].len(),
            3
        );
    }
}
