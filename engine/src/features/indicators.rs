//! EMA, true range, ATR and rolling means. Every output has the input's length.

/// Recursive EMA seeded with the first value: `ema[0] = x[0]`, `ema[t] = α·x[t] + (1−α)·ema[t−1]`, α = 2/(p+1).
pub fn ema(x: &[f64], period: usize) -> Vec<f64> {
    let mut out = crate::alloc::with_capacity(x.len(), "an EMA series");
    let Some(&first) = x.first() else { return out };
    let alpha = 2.0 / (period as f64 + 1.0);
    let mut prev = first;
    out.push(prev);
    for &v in &x[1..] {
        prev = alpha * v + (1.0 - alpha) * prev;
        out.push(prev);
    }
    out
}

/// True range: `high − low` on the first bar, then `max(high−low, |high−close[t−1]|, |low−close[t−1]|)`.
pub fn true_range(high: &[f64], low: &[f64], close: &[f64]) -> Vec<f64> {
    let n = high.len().min(low.len()).min(close.len());
    let mut out = Vec::with_capacity(n);
    for t in 0..n {
        let hl = high[t] - low[t];
        out.push(if t == 0 {
            hl
        } else {
            hl.max((high[t] - close[t - 1]).abs())
                .max((low[t] - close[t - 1]).abs())
        });
    }
    out
}

/// The core ATR: simple mean of the last `min(t+1, period)` true ranges (expanding, then rolling; not Wilder).
pub fn atr(high: &[f64], low: &[f64], close: &[f64], period: usize) -> Vec<f64> {
    let tr = true_range(high, low, close);
    let period = period.max(1);
    let mut out = Vec::with_capacity(tr.len());
    let mut sum = 0.0;
    for t in 0..tr.len() {
        sum += tr[t];
        if t >= period {
            sum -= tr[t - period];
        }
        out.push(sum / (t + 1).min(period) as f64);
    }
    out
}

/// Rolling mean over `window` values including the current one; `None` for the first `window − 1` positions.
pub fn rolling_mean(x: &[f64], window: usize) -> Vec<Option<f64>> {
    let window = window.max(1);
    let mut out = Vec::with_capacity(x.len());
    let mut sum = 0.0;
    for t in 0..x.len() {
        sum += x[t];
        if t >= window {
            sum -= x[t - window];
        }
        out.push((t + 1 >= window).then(|| sum / window as f64));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close_to(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn ema_is_seeded_with_the_first_value_and_recursive() {
        let e = ema(&[1.0, 2.0, 3.0], 3);
        // α = 0.5: 1, 1.5, 2.25
        assert_eq!(e, vec![1.0, 1.5, 2.25]);
        assert!(ema(&[], 5).is_empty());
    }

    #[test]
    fn true_range_uses_the_previous_close_after_the_first_bar() {
        let tr = true_range(&[10.0, 12.0, 11.0], &[9.0, 11.5, 8.0], &[9.5, 11.8, 10.0]);
        // 1.0; max(0.5, |12−9.5|, |11.5−9.5|) = 2.5; max(3, |11−11.8|, |8−11.8|) = 3.8
        let want = [1.0, 2.5, 3.8];
        assert!(tr.iter().zip(want).all(|(x, y)| close_to(*x, y)), "{tr:?}");
    }

    #[test]
    fn atr_is_an_expanding_then_rolling_simple_mean() {
        let high = [2.0, 3.0, 4.0, 5.0];
        let low = [1.0, 1.0, 1.0, 1.0];
        let close = [1.5, 2.0, 3.0, 4.0];
        // TR = 1, max(2, 1.5, 0.5)=2, max(3, 2, 1)=3, max(4, 2, 2)=4
        let a = atr(&high, &low, &close, 2);
        let want = [1.0, 1.5, 2.5, 3.5];
        assert!(a.iter().zip(want).all(|(x, y)| close_to(*x, y)), "{a:?}");
    }

    #[test]
    fn rolling_mean_is_null_during_warm_up() {
        assert_eq!(
            rolling_mean(&[1.0, 2.0, 3.0, 4.0], 3),
            vec![None, None, Some(2.0), Some(3.0)]
        );
    }
}
