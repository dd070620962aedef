//! Aggregation of bars into a longer timeframe with UTC-aligned buckets.

use super::{Bars, Timeframe};

/// Aggregates sorted `bars` into `tf` buckets: first open, highest high, lowest low, last close, summed volume,
/// stamped at the bucket start. Buckets without bars produce no bar. A bucket keeps the session label of its first
/// bar and the roll id of its last bar.
pub fn resample(bars: &Bars, tf: Timeframe) -> Bars {
    let mut out = Bars::new(bars.symbol.clone());
    let mut firsts = Vec::new();
    let mut roll = bars.roll_id.as_ref().map(|_| Vec::new());
    let mut i = 0;
    while i < bars.len() {
        let bucket = tf.bucket(bars.ts[i]);
        let mut j = i + 1;
        while j < bars.len() && tf.bucket(bars.ts[j]) == bucket {
            j += 1;
        }
        let high = bars.high[i..j].iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let low = bars.low[i..j].iter().copied().fold(f64::INFINITY, f64::min);
        let volume = bars.volume[i..j].iter().sum();
        out.push(bucket, bars.open[i], high, low, bars.close[j - 1], volume);
        firsts.push(i);
        if let (Some(dst), Some(src)) = (roll.as_mut(), bars.roll_id.as_ref()) {
            dst.push(src[j - 1]);
        }
        i = j;
    }
    out.session = bars.session.as_ref().map(|s| s.gather(firsts));
    out.roll_id = roll;
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::MINUTE_MS;

    const T0: i64 = 1_704_067_200_000;

    #[test]
    fn one_minute_bars_aggregate_into_hand_computed_five_minute_bars() {
        let mut b = Bars::new("X");
        // 00:00..00:04 (one bucket), 00:05, 00:06 (second bucket), nothing in 00:10, 00:16 (fourth bucket).
        b.push(T0, 10.0, 11.0, 9.5, 10.5, 1.0);
        b.push(T0 + MINUTE_MS, 10.5, 12.0, 10.0, 11.0, 2.0);
        b.push(T0 + 2 * MINUTE_MS, 11.0, 11.5, 9.0, 9.5, 3.0);
        b.push(T0 + 4 * MINUTE_MS, 9.5, 10.0, 9.2, 9.8, 4.0);
        b.push(T0 + 5 * MINUTE_MS, 9.8, 10.1, 9.7, 10.0, 5.0);
        b.push(T0 + 6 * MINUTE_MS, 10.0, 10.4, 9.9, 10.3, 6.0);
        b.push(T0 + 16 * MINUTE_MS, 10.3, 10.6, 10.2, 10.5, 7.0);
        b.roll_id = Some(vec![1, 1, 1, 2, 2, 2, 3]);
        let r = resample(&b, "5m".parse().unwrap());
        assert_eq!(r.ts, vec![T0, T0 + 5 * MINUTE_MS, T0 + 15 * MINUTE_MS]);
        assert_eq!(r.open, vec![10.0, 9.8, 10.3]);
        assert_eq!(r.high, vec![12.0, 10.4, 10.6]);
        assert_eq!(r.low, vec![9.0, 9.7, 10.2]);
        assert_eq!(r.close, vec![9.8, 10.3, 10.5]);
        assert_eq!(r.volume, vec![10.0, 11.0, 7.0]);
        assert_eq!(r.roll_id, Some(vec![2, 2, 3]));
        assert_eq!(r.symbol, "X");
    }

    #[test]
    fn daily_buckets_start_at_utc_midnight() {
        let mut b = Bars::new("X");
        b.push(T0 - MINUTE_MS, 1.0, 1.0, 1.0, 1.0, 1.0); // 2023-12-31 23:59
        b.push(T0, 2.0, 2.0, 2.0, 2.0, 1.0); // 2024-01-01 00:00
        let r = resample(&b, "D1".parse().unwrap());
        assert_eq!(r.ts, vec![T0 - 86_400_000, T0]);
        assert_eq!(r.close, vec![1.0, 2.0]);
    }

    #[test]
    fn an_empty_series_resamples_to_an_empty_series() {
        assert!(resample(&Bars::new("X"), "1h".parse().unwrap()).is_empty());
    }
}
