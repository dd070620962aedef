//! Indicators computed once per (symbol, period) and shared by every trial.

use crate::backtest::SignalBits;
use crate::features::ema;
use std::collections::HashMap;
use std::sync::OnceLock;

/// Lazily computed EMAs of one close series, one slot per period of the search space; thread-safe, each
/// period computed at most once (on first use), so memory holds only the periods trials actually use.
pub struct IndicatorCache<'a> {
    close: &'a [f64],
    emas: HashMap<usize, OnceLock<Vec<f64>>>,
    crosses: HashMap<(usize, usize), OnceLock<SignalBits>>,
}

impl<'a> IndicatorCache<'a> {
    /// A cache over `close` able to serve the given periods.
    pub fn new(close: &'a [f64], periods: impl IntoIterator<Item = usize>) -> Self {
        Self {
            close,
            emas: periods.into_iter().map(|p| (p, OnceLock::new())).collect(),
            crosses: HashMap::new(),
        }
    }

    /// Also serves the EMA-cross signals of the given `(fast, slow)` pairs (see [`IndicatorCache::cross`]).
    pub fn with_crosses(mut self, pairs: impl IntoIterator<Item = (usize, usize)>) -> Self {
        self.crosses = pairs.into_iter().map(|p| (p, OnceLock::new())).collect();
        self
    }

    /// The signal `ema(fast) > ema(slow)` as bits (computed on first use, shared by every trial of the pair).
    /// Panics for a pair the cache was not built for.
    pub fn cross(&self, fast: usize, slow: usize) -> &SignalBits {
        self.crosses
            .get(&(fast, slow))
            .expect("pair of the search space")
            .get_or_init(|| SignalBits::ema_cross(self.ema(fast), self.ema(slow)))
    }

    /// The EMA of `period` (computed on first use). Panics for a period the cache was not built for.
    pub fn ema(&self, period: usize) -> &[f64] {
        self.emas
            .get(&period)
            .expect("period of the search space")
            .get_or_init(|| ema(self.close, period))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_period_is_computed_once_and_matches_the_feature() {
        let close = [1.0, 2.0, 3.0, 2.0];
        let cache = IndicatorCache::new(&close, [2, 3]);
        let a = cache.ema(2).as_ptr();
        assert_eq!(cache.ema(2).as_ptr(), a, "second call returns the same buffer");
        assert_eq!(cache.ema(3), ema(&close, 3).as_slice());
    }

    #[test]
    fn a_cross_is_the_bits_of_fast_above_slow() {
        let close = [1.0, 2.0, 3.0, 2.0, 1.0, 0.5, 2.0];
        let cache = IndicatorCache::new(&close, [2, 3]).with_crosses([(2, 3)]);
        let (f, s) = (ema(&close, 2), ema(&close, 3));
        let bits = cache.cross(2, 3);
        use crate::backtest::Signal;
        assert!((0..close.len()).all(|i| bits.long(i) == (f[i] > s[i])));
        assert!(std::ptr::eq(bits, cache.cross(2, 3)), "computed once");
    }
}
