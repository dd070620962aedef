//! Conditions (§2.8) as integer codes per bar, without the original's look-ahead: `htf_trend` labels a bar with
//! the trend of the last *completed* block, `vol_tertile` cuts a causal ATR at points learned on a train window.

use super::events::Prices;
use crate::features::{ema, rolling_mean, true_range};
use crate::time::HOUR_MS;

/// Code of a bar without a label (null `condition_value`).
pub const NULL: u32 = u32::MAX;

/// One condition over a split: the label of each code and one code per bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Labels {
    pub names: Vec<String>,
    pub codes: Vec<u32>,
}

/// The original's UTC-hour session buckets, in code order.
pub const SESSION_BUCKETS: [&str; 5] = ["Asia", "Europe", "EU_US_overlap", "US", "Other"];

/// Session of a UTC hour: [0,7) Asia, [7,12) Europe, [12,16) EU_US_overlap, [16,21) US, else Other.
pub fn session_bucket(ts_ms: i64) -> u32 {
    match ts_ms.rem_euclid(24 * HOUR_MS) / HOUR_MS {
        0..=6 => 0,
        7..=11 => 1,
        12..=15 => 2,
        16..=20 => 3,
        _ => 4,
    }
}

/// Session codes for a whole series: the data's labels (distinct values in first-seen order) when present,
/// else the UTC-hour buckets.
pub fn sessions(ts: &[i64], column: Option<&crate::data::Labels>) -> Labels {
    match column {
        None => Labels {
            names: SESSION_BUCKETS.iter().map(|s| s.to_string()).collect(),
            codes: ts.iter().map(|&t| session_bucket(t)).collect(),
        },
        Some(col) => {
            // The data's names are distinct but may include labels of other symbols: renumber by first use.
            let mut renumbered = vec![NULL; col.names.len()];
            let mut names: Vec<String> = Vec::new();
            let codes = col
                .codes
                .iter()
                .map(|&c| {
                    let code = &mut renumbered[c as usize];
                    if *code == NULL {
                        *code = names.len() as u32;
                        names.push(col.names[c as usize].clone());
                    }
                    *code
                })
                .collect();
            Labels { names, codes }
        }
    }
}

/// Higher-timeframe trend: bars are grouped by position into blocks of `m` from the split start; a block's
/// close is its last close; `up` when the EMA of block closes rose at the last completed block, else `down`
/// (the first block counts as `down`, as in the original). Bars of the first block have no completed block: null.
pub fn htf_trend(close: &[f64], m: usize, ema_period: usize) -> Labels {
    let complete = close.len() / m;
    let block_close: Vec<f64> = (0..complete).map(|b| close[(b + 1) * m - 1]).collect();
    let e = ema(&block_close, ema_period);
    // 0 = down, 1 = up; label of block b uses blocks ≤ b only.
    let block_label: Vec<u32> = (0..complete).map(|b| u32::from(b > 0 && e[b] > e[b - 1])).collect();
    let codes = (0..close.len())
        .map(|t| if t < m { NULL } else { block_label[t / m - 1] })
        .collect();
    Labels {
        names: vec!["down".into(), "up".into()],
        codes,
    }
}

/// ATR for volatility tertiles: rolling mean of the true range over `window` bars, current bar included.
pub fn vol_atr(p: Prices, window: usize) -> Vec<Option<f64>> {
    rolling_mean(&true_range(p.high, p.low, p.close), window)
}

/// The 1/3 and 2/3 quantiles (linear interpolation) of the non-null ATR values; None when there are none.
pub fn tertile_cuts(atr: &[Option<f64>]) -> Option<(f64, f64)> {
    let mut v: Vec<f64> = atr.iter().flatten().copied().collect();
    if v.is_empty() {
        return None;
    }
    v.sort_unstable_by(f64::total_cmp);
    Some((quantile_sorted(&v, 1.0 / 3.0), quantile_sorted(&v, 2.0 / 3.0)))
}

/// Linear-interpolation quantile of sorted values (numpy's default).
pub fn quantile_sorted(v: &[f64], q: f64) -> f64 {
    let h = (v.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(v.len() - 1);
    v[lo] + (h - lo as f64) * (v[hi] - v[lo])
}

/// Labels `low` (≤ q1), `mid` (≤ q2), `high`; every bar `mid` when q1 == q2; null ATR or no cut points → null.
pub fn vol_tertile(atr: &[Option<f64>], cuts: Option<(f64, f64)>) -> Labels {
    let codes = atr
        .iter()
        .map(|a| match (a, cuts) {
            (Some(a), Some((q1, q2))) => {
                if q1 == q2 || (*a > q1 && *a <= q2) {
                    1
                } else if *a <= q1 {
                    0
                } else {
                    2
                }
            }
            _ => NULL,
        })
        .collect();
    Labels {
        names: vec!["low".into(), "mid".into(), "high".into()],
        codes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn htf_trend_uses_only_completed_blocks() {
        // blocks of 2: closes end at 1, 3, 2, 5 → block trend down(first), up, down, up
        let close = [0.0, 1.0, 2.0, 3.0, 9.0, 2.0, 4.0, 5.0, 7.0];
        let l = htf_trend(&close, 2, 1);
        assert_eq!(l.codes, [NULL, NULL, 0, 0, 1, 1, 0, 0, 1]);
        // a wild value late in a block changes nothing for bars of that block
        let mut changed = close;
        changed[5] = -100.0;
        assert_eq!(htf_trend(&changed, 2, 1).codes[..6], l.codes[..6]);
    }

    #[test]
    fn session_buckets_follow_the_utc_hour() {
        let h = |x: i64| x * HOUR_MS;
        let codes: Vec<u32> = [0, 6, 7, 11, 12, 15, 16, 20, 21, 23]
            .iter()
            .map(|&x| session_bucket(h(x)))
            .collect();
        assert_eq!(codes, [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
        // The data's names may list a label this series never uses ("US", from another symbol).
        let col = crate::data::Labels {
            names: vec!["US".into(), "Europe".into(), "Asia".into()],
            codes: vec![2, 2, 1, 2],
        };
        let l = sessions(&[0, 1, 2, 3], Some(&col));
        assert_eq!(
            (l.names, l.codes),
            (vec!["Asia".to_string(), "Europe".into()], vec![0, 0, 1, 0])
        );
    }

    #[test]
    fn tertiles_cut_at_interpolated_quantiles() {
        let atr: Vec<Option<f64>> = vec![None, Some(1.0), Some(2.0), Some(3.0), Some(4.0)];
        let cuts = tertile_cuts(&atr).unwrap();
        assert!((cuts.0 - 2.0).abs() < 1e-12 && (cuts.1 - 3.0).abs() < 1e-12);
        assert_eq!(vol_tertile(&atr, Some(cuts)).codes, [NULL, 0, 0, 1, 2]);
        assert_eq!(vol_tertile(&atr, Some((2.0, 2.0))).codes, [NULL, 1, 1, 1, 1]);
        assert_eq!(vol_tertile(&atr, None).codes, [NULL; 5]);
    }
}
