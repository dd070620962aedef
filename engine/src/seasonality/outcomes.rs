//! Per-bar outcomes of one series (reference §2.10.1): forward return and direction, runs, amplitude,
//! previous-day breakouts and ATR(14).

use super::window::Window;
use crate::alloc::zeroed;
use crate::features::atr;
use std::borrow::Cow;

/// What the per-bar outcome columns are called when they cannot be allocated.
const PER_BAR: &str = "the per-bar outcomes";

/// Outcome columns of one series, index-aligned with its bars. Only bars with `keep[i]` (a forward return exists)
/// enter profiles; the last `h` bars never do.
#[derive(Debug, Clone, Default)]
pub struct Outcomes<'a> {
    pub keep: Vec<bool>,
    /// `close[t+h]/close[t] − 1` (0 where `keep` is false).
    pub ret: Vec<f64>,
    /// `ret > 0` (a zero return counts as down).
    pub up: Vec<bool>,
    /// True where the forward direction differs from the previous kept bar's (first kept bar: true).
    pub run_start: Vec<bool>,
    /// Length of the run starting here (0 where `run_start` is false).
    pub run_length: Vec<u32>,
    pub amplitude: Vec<f64>,
    /// Previous-day breakouts: None on the first day of the series.
    pub breakout_up: Vec<Option<bool>>,
    pub breakout_down: Vec<Option<bool>>,
    /// The window's own ATR(14), or the series' borrowed when the window starts at its first bar.
    pub atr: Cow<'a, [f64]>,
}

/// Computes the outcomes of `bars` for horizon `h ≥ 1` (directions and runs beside ranges and ATR, in parallel).
pub fn outcomes<'a>(bars: &Window<'a>, h: usize, day_index: &[i64]) -> Outcomes<'a> {
    let directions = || forward(bars.close, h);
    let amplitude = || bars.high.iter().zip(bars.low).map(|(h, l)| h - l).collect::<Vec<f64>>();
    let window_atr = || match bars.atr {
        Some(a) => Cow::Borrowed(a),
        None => Cow::Owned(atr(bars.high, bars.low, bars.close, 14)),
    };
    let ranges = || rayon::join(|| (amplitude(), breakouts(bars, day_index)), window_atr);
    let (mut o, ((amplitude, (up, down)), atr)) = rayon::join(directions, ranges);
    o.amplitude = amplitude;
    o.breakout_up = up;
    o.breakout_down = down;
    o.atr = atr;
    o
}

/// Forward returns, directions and runs over closes `c`.
fn forward(c: &[f64], h: usize) -> Outcomes<'static> {
    let n = c.len();
    let mut o = Outcomes {
        keep: zeroed(n, PER_BAR),
        ret: zeroed(n, PER_BAR),
        up: zeroed(n, PER_BAR),
        ..Default::default()
    };
    for i in 0..n.saturating_sub(h) {
        let (now, later) = (c[i], c[i + h]);
        if now.is_finite() && later.is_finite() && now.abs() > 1e-12 {
            let r = later / now - 1.0;
            o.keep[i] = true;
            o.ret[i] = r;
            o.up[i] = r > 0.0;
        }
    }
    runs(&mut o);
    o
}

/// Marks run starts over the kept bars' direction sequence and stores each run's length at its start.
fn runs(o: &mut Outcomes<'_>) {
    let n = o.keep.len();
    o.run_start = zeroed(n, PER_BAR);
    o.run_length = zeroed(n, PER_BAR);
    let mut current: Option<usize> = None;
    let mut prev_dir = None;
    for i in (0..n).filter(|&i| o.keep[i]) {
        if prev_dir != Some(o.up[i]) {
            o.run_start[i] = true;
            current = Some(i);
            prev_dir = Some(o.up[i]);
        }
        if let Some(s) = current {
            o.run_length[s] += 1;
        }
    }
}

/// Compares each bar with the previous available day's high and low (day = UTC date): (broke up, broke down).
#[allow(clippy::type_complexity)]
fn breakouts(bars: &Window, day_index: &[i64]) -> (Vec<Option<bool>>, Vec<Option<bool>>) {
    let n = bars.len();
    let mut up = vec![None; n];
    let mut down = vec![None; n];
    let mut prev: Option<(f64, f64)> = None;
    let mut i = 0;
    while i < n {
        let mut j = i;
        let (mut hi, mut lo) = (f64::NEG_INFINITY, f64::INFINITY);
        while j < n && day_index[j] == day_index[i] {
            hi = hi.max(bars.high[j]);
            lo = lo.min(bars.low[j]);
            j += 1;
        }
        if let Some((ph, pl)) = prev {
            for k in i..j {
                up[k] = Some(bars.high[k] >= ph);
                down[k] = Some(bars.low[k] <= pl);
            }
        }
        prev = Some((hi, lo));
        i = j;
    }
    (up, down)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Bars;
    use crate::time::{DAY_MS, MINUTE_MS};

    fn series(closes: &[f64]) -> Bars {
        let mut b = Bars::new("X");
        for (i, &c) in closes.iter().enumerate() {
            b.push(i as i64 * MINUTE_MS, c, c + 0.5, c - 0.5, c, 1.0);
        }
        b
    }

    #[test]
    fn forward_returns_use_the_horizon_and_drop_the_last_bars() {
        let b = series(&[100.0, 101.0, 101.0, 99.0]);
        let o = outcomes(&Window::all(&b), 2, &[0; 4]);
        assert_eq!(o.keep, [true, true, false, false]);
        assert_eq!(o.ret[0], 101.0 / 100.0 - 1.0);
        assert_eq!(o.ret[1], 99.0 / 101.0 - 1.0);
        assert_eq!(o.up, [true, false, false, false]);
    }

    #[test]
    fn a_zero_return_is_down_and_a_zero_close_is_dropped() {
        let b = series(&[100.0, 100.0, 0.0, 5.0, 6.0]);
        let o = outcomes(&Window::all(&b), 1, &[0; 5]);
        assert_eq!(o.keep, [true, true, false, true, false]);
        assert!(!o.up[0]);
    }

    #[test]
    fn runs_count_consecutive_directions() {
        // Directions: up up down up down down (then the last bar has no forward return).
        let b = series(&[1.0, 2.0, 3.0, 2.0, 4.0, 3.0, 2.0]);
        let o = outcomes(&Window::all(&b), 1, &[0; 7]);
        assert_eq!(o.run_start, [true, false, true, true, true, false, false]);
        assert_eq!(o.run_length, [2, 0, 1, 1, 2, 0, 0]);
    }

    #[test]
    fn breakouts_compare_with_the_previous_available_day() {
        let mut b = Bars::new("X");
        b.push(0, 1.0, 2.0, 1.0, 1.5, 1.0);
        b.push(DAY_MS * 3, 1.0, 2.0, 0.5, 1.5, 1.0);
        b.push(DAY_MS * 3 + MINUTE_MS, 1.0, 1.5, 1.2, 1.3, 1.0);
        let o = outcomes(&Window::all(&b), 1, &[0, 3, 3]);
        assert_eq!(o.breakout_up, [None, Some(true), Some(false)]);
        assert_eq!(o.breakout_down, [None, Some(true), Some(false)]);
    }
}
