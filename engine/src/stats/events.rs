//! Events (§2.8): one boolean per bar of a split, computed from the split's own bars as the original did.

use crate::features::{rolling_mean, true_range};
use model::spec::stats::{Direction, Event, Extreme};

/// The split's price columns, borrowed.
#[derive(Debug, Clone, Copy)]
pub struct Prices<'a> {
    pub open: &'a [f64],
    pub high: &'a [f64],
    pub low: &'a [f64],
    pub close: &'a [f64],
}

impl Prices<'_> {
    /// Number of bars.
    pub fn len(&self) -> usize {
        self.close.len()
    }

    /// True when there is no bar.
    pub fn is_empty(&self) -> bool {
        self.close.is_empty()
    }
}

/// Evaluates `event` on every bar.
pub fn evaluate(event: &Event, p: Prices) -> Vec<bool> {
    match *event {
        Event::KConsecutive { k, direction } => k_consecutive(p, k, direction),
        Event::ShockAtr { mult, window } => shock_atr(p, mult, window),
        Event::BreakoutHhll { lookback, extreme } => breakout(p, lookback, extreme),
    }
}

/// True iff the last `k` bars (current included) are all up (`close > open`) or all down (`open > close`).
fn k_consecutive(p: Prices, k: usize, direction: Direction) -> Vec<bool> {
    let mut run = 0usize;
    (0..p.len())
        .map(|t| {
            let hit = match direction {
                Direction::Up => p.close[t] > p.open[t],
                Direction::Down => p.open[t] > p.close[t],
            };
            run = if hit { run + 1 } else { 0 };
            run >= k
        })
        .collect()
}

/// True iff the true range exceeds `mult` × its rolling mean over `window` bars (current bar included).
fn shock_atr(p: Prices, mult: f64, window: usize) -> Vec<bool> {
    let tr = true_range(p.high, p.low, p.close);
    let atr = rolling_mean(&tr, window);
    tr.iter()
        .zip(&atr)
        .map(|(&tr, atr)| atr.is_some_and(|a| tr > mult * a))
        .collect()
}

/// True iff the high beats the highest of the previous `lookback` highs (`hh`), or the low undercuts the lowest
/// of the previous lows (`ll`); fewer previous bars are used near the start, none on the first bar.
fn breakout(p: Prices, lookback: usize, extreme: Extreme) -> Vec<bool> {
    (0..p.len())
        .map(|t| {
            if t == 0 {
                return false;
            }
            let from = t.saturating_sub(lookback);
            match extreme {
                Extreme::Hh => p.high[t] > p.high[from..t].iter().cloned().fold(f64::MIN, f64::max),
                Extreme::Ll => p.low[t] < p.low[from..t].iter().cloned().fold(f64::MAX, f64::min),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prices<'a>(o: &'a [f64], h: &'a [f64], l: &'a [f64], c: &'a [f64]) -> Prices<'a> {
        Prices {
            open: o,
            high: h,
            low: l,
            close: c,
        }
    }

    #[test]
    fn k_consecutive_needs_k_bars_of_the_direction() {
        let o = [1.0, 2.0, 3.0, 5.0, 4.0, 3.0];
        let c = [2.0, 3.0, 4.0, 4.0, 3.0, 2.0];
        let p = prices(&o, &c, &o, &c);
        assert_eq!(
            evaluate(
                &Event::KConsecutive {
                    k: 2,
                    direction: Direction::Up
                },
                p
            ),
            [false, true, true, false, false, false]
        );
        assert_eq!(
            evaluate(
                &Event::KConsecutive {
                    k: 3,
                    direction: Direction::Down
                },
                p
            ),
            [false, false, false, false, false, true]
        );
    }

    #[test]
    fn a_shock_is_a_true_range_above_mult_times_its_rolling_mean() {
        let h = [1.0, 1.0, 1.0, 4.0];
        let l = [0.0, 0.0, 0.0, 0.0];
        let c = [0.5, 0.5, 0.5, 0.5];
        let p = prices(&c, &h, &l, &c);
        // TR = 1, 1, 1, 4; ATR(3) = -, -, 1, 2 → only bar 3 (4 > 1.5 × 2)
        assert_eq!(
            evaluate(&Event::ShockAtr { mult: 1.5, window: 3 }, p),
            [false, false, false, true]
        );
        assert_eq!(evaluate(&Event::ShockAtr { mult: 2.5, window: 3 }, p), [false; 4]);
    }

    #[test]
    fn a_breakout_compares_with_the_previous_lookback_bars_only() {
        let h = [5.0, 3.0, 4.0, 4.5, 6.0];
        let l = [1.0, 0.5, 2.0, 0.4, 3.0];
        let p = prices(&h, &h, &l, &h);
        assert_eq!(
            evaluate(
                &Event::BreakoutHhll {
                    lookback: 2,
                    extreme: Extreme::Hh
                },
                p
            ),
            [false, false, false, true, true]
        );
        assert_eq!(
            evaluate(
                &Event::BreakoutHhll {
                    lookback: 2,
                    extreme: Extreme::Ll
                },
                p
            ),
            [false, true, false, true, false]
        );
    }
}
