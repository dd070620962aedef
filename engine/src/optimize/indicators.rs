//! The EMA-cross signals the selection and the overfitting figures ask for after the sweep, each built once on
//! first use (the sweep itself builds its signals wave by wave, see [`super::signals`]).

use super::signals::cross_signals;
use crate::backtest::SignalBits;
use std::collections::HashMap;
use std::sync::OnceLock;

/// Lazily built EMA-cross signals of one close series, one slot per (fast, slow) pair of the search space;
/// thread-safe, each pair built at most once, so memory holds only the pairs asked for.
pub struct IndicatorCache<'a> {
    close: &'a [f64],
    crosses: HashMap<(usize, usize), OnceLock<SignalBits>>,
}

impl<'a> IndicatorCache<'a> {
    /// A cache over `close` serving the given `(fast, slow)` pairs.
    pub fn new(close: &'a [f64], pairs: impl IntoIterator<Item = (usize, usize)>) -> Self {
        Self {
            close,
            crosses: pairs.into_iter().map(|p| (p, OnceLock::new())).collect(),
        }
    }

    /// The close series the signals are built from.
    pub fn close(&self) -> &'a [f64] {
        self.close
    }

    /// The signal `ema(fast) > ema(slow)` as bits (built on first use). Panics for a pair the cache was not built
    /// for.
    pub fn cross(&self, fast: usize, slow: usize) -> &SignalBits {
        self.crosses
            .get(&(fast, slow))
            .expect("pair of the search space")
            .get_or_init(|| {
                let mut one = cross_signals(self.close, &[(fast, slow)]);
                one.remove(&(fast, slow)).expect("the pair asked for")
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::ema;

    #[test]
    fn a_cross_is_the_bits_of_fast_above_slow_built_once() {
        let close = [1.0, 2.0, 3.0, 2.0, 1.0, 0.5, 2.0];
        let cache = IndicatorCache::new(&close, [(2, 3)]);
        let (f, s) = (ema(&close, 2), ema(&close, 3));
        let bits = cache.cross(2, 3);
        use crate::backtest::Signal;
        assert!((0..close.len()).all(|i| bits.long(i) == (f[i] > s[i])));
        assert!(std::ptr::eq(bits, cache.cross(2, 3)), "built once");
    }
}
