//! The EMA-cross signals of a symbol's trials, built from the close series a block of bars at a time: the EMAs of
//! every period a set of pairs needs advance together bar by bar (one vector step per bar), so no full f64 series is
//! ever held, only the signals' bits (one per bar and pair). The sweep builds them wave by wave (see [`waves`]),
//! so memory holds at most [`WAVE_BYTES`] of bits whatever the grid's size.

use super::space::TrialParams;
use crate::backtest::signal::above_word;
use crate::backtest::SignalBits;
use rayon::prelude::*;
use std::collections::HashMap;

/// The most signal bits one wave of the sweep holds.
pub const WAVE_BYTES: usize = 256 << 20;

/// Bars per block of the EMA pass (a multiple of 64, so blocks fill whole signal words).
const BLOCK: usize = 512;

/// Distance between two periods' rows in the block: padded off a multiple of 4 KiB, so that writing one bar of
/// every period does not land every store in the same cache set.
const STRIDE: usize = BLOCK + 8;

/// The signals of an EMA pair, by `(fast, slow)`.
pub type Signals = HashMap<(usize, usize), SignalBits>;

/// How many pairs' signals over `bars` bars fit in [`WAVE_BYTES`] (at least one).
pub fn pairs_per_wave(bars: usize) -> usize {
    (WAVE_BYTES / bars.div_ceil(8).max(1)).max(1)
}

/// Cuts `points` (in order) into runs that use at most `max_pairs` distinct EMA pairs each; invalid points use none.
pub fn waves(points: &[TrialParams], max_pairs: usize) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut seen = std::collections::HashSet::new();
    for (i, p) in points.iter().enumerate() {
        if p.is_valid() && !seen.contains(&(p.ema_fast, p.ema_slow)) {
            if seen.len() == max_pairs {
                out.push(start..i);
                start = i;
                seen.clear();
            }
            seen.insert((p.ema_fast, p.ema_slow));
        }
    }
    if start < points.len() {
        out.push(start..points.len());
    }
    out
}

/// The signal `ema(close, fast) > ema(close, slow)` of every pair in `pairs`, bit for bit those of
/// [`SignalBits::ema_cross`] over [`crate::features::ema`]; the pairs are shared out among the threads.
pub fn cross_signals(close: &[f64], pairs: &[(usize, usize)]) -> Signals {
    let mut unique: Vec<(usize, usize)> = pairs.to_vec();
    unique.sort_unstable();
    unique.dedup();
    let groups = (rayon::current_num_threads() * 2).min(unique.len()).max(1);
    let per_group = unique.len().div_ceil(groups).max(1);
    unique
        .par_chunks(per_group)
        .flat_map_iter(|group| group.iter().copied().zip(build(close, group)))
        .collect()
}

/// The signals of `pairs`, in order, from one pass over `close` computing their periods' EMAs block by block.
fn build(close: &[f64], pairs: &[(usize, usize)]) -> Vec<SignalBits> {
    let mut periods: Vec<usize> = pairs.iter().flat_map(|&(f, s)| [f, s]).collect();
    periods.sort_unstable();
    periods.dedup();
    let slot = |p: usize| periods.binary_search(&p).expect("period of a pair");
    let slots: Vec<(usize, usize)> = pairs.iter().map(|&(f, s)| (slot(f), slot(s))).collect();
    let width = periods.len();
    let alpha: Vec<f64> = periods.iter().map(|&p| 2.0 / (p as f64 + 1.0)).collect();
    let keep: Vec<f64> = alpha.iter().map(|a| 1.0 - a).collect();
    let n = close.len();
    let mut words: Vec<Vec<u64>> = pairs
        .iter()
        .map(|_| crate::alloc::with_capacity(n.div_ceil(64), "the EMA-cross signals"))
        .collect();
    let mut prev: Vec<f64> = vec![close.first().copied().unwrap_or(0.0); width];
    // Period-major: slot k's EMAs over the block are block[k * STRIDE..][..bars], so a pair packs two slices.
    let mut block = vec![0.0f64; STRIDE * width];
    for start in (0..n).step_by(BLOCK) {
        let bars = (start + BLOCK).min(n) - start;
        for (i, &v) in close[start..start + bars].iter().enumerate() {
            if start + i > 0 {
                // As `features::ema`: alpha · v + (1 − alpha) · previous, in that order; one step for every period.
                for ((e, a), k) in prev.iter_mut().zip(&alpha).zip(&keep) {
                    *e = a * v + k * *e;
                }
            }
            for (k, e) in prev.iter().enumerate() {
                block[k * STRIDE + i] = *e;
            }
        }
        for (w, &(f, s)) in words.iter_mut().zip(&slots) {
            let (f, s) = (&block[f * STRIDE..][..bars], &block[s * STRIDE..][..bars]);
            w.extend(f.chunks(64).zip(s.chunks(64)).map(|(a, b)| above_word(a, b)));
        }
    }
    words.into_iter().map(|w| SignalBits::from_words(w, n)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::ema;

    fn close(n: usize) -> Vec<f64> {
        let mut x = 100.0f64;
        (0..n)
            .map(|i| {
                x *= 1.0 + 0.003 * ((i as f64 * 0.37).sin() + (i as f64 * 0.011).cos() * 0.5);
                x
            })
            .collect()
    }

    #[test]
    fn the_block_pass_gives_the_bits_of_the_full_emas() {
        // Lengths around the word and block edges, and pairs sharing periods.
        for n in [0, 1, 63, 64, 65, 511, 512, 513, 3 * 512 + 7] {
            let c = close(n);
            let pairs = [(3, 30), (5, 30), (3, 7), (12, 26), (26, 200), (3, 30)];
            let got = cross_signals(&c, &pairs);
            assert_eq!(got.len(), 5, "duplicates are built once");
            for (f, s) in pairs {
                let want = SignalBits::ema_cross(&ema(&c, f), &ema(&c, s));
                assert_eq!(got[&(f, s)], want, "n {n}, pair ({f}, {s})");
            }
        }
    }

    #[test]
    fn waves_hold_at_most_the_pairs_allowed_and_keep_the_points_in_order() {
        let p = |f, s| TrialParams {
            ema_fast: f,
            ema_slow: s,
            atr_k: 2.0,
            r: 1.0,
        };
        let points = [p(3, 30), p(3, 30), p(5, 30), p(40, 30), p(7, 30), p(3, 30), p(9, 30)];
        assert_eq!(waves(&points, 2), vec![0..4, 4..6, 6..7]);
        assert_eq!(waves(&points, 10), vec![0..7]);
        assert_eq!(waves(&[], 2), Vec::<std::ops::Range<usize>>::new());
        assert_eq!(pairs_per_wave(8), WAVE_BYTES);
        assert_eq!(pairs_per_wave(usize::MAX), 1);
    }
}
