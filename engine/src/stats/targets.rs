//! Targets (§2.8): one outcome per bar of a split; bars whose outcome needs bars beyond the split are null.

use model::spec::stats::{Direction, Target};

/// Outcomes of one target over a split. `value[t] == 0` means null; for binary targets `value` is 1 and
/// `success` the outcome; for `time_to_reversal` `value` is the original's integer (1…H) and `success`
/// says whether a reversal was actually seen (the original also reports H when none was).
#[derive(Debug, Clone, PartialEq)]
pub struct Outcomes {
    pub value: Vec<u32>,
    pub success: Vec<bool>,
    /// `Some(H)` for `time_to_reversal`: values range over 1…H.
    pub horizon: Option<usize>,
}

/// Evaluates `target` on the split's closes.
pub fn evaluate(target: &Target, close: &[f64]) -> Outcomes {
    match *target {
        Target::UpNextBar => binary(close, 1, Direction::Up),
        Target::ContinuationN { n, direction } => binary(close, n, direction),
        Target::TimeToReversal { max_horizon } => time_to_reversal(close, max_horizon),
    }
}

/// `close[t+n]` above (`up`) or below (`down`) `close[t]`; null for the last `n` bars.
fn binary(close: &[f64], n: usize, direction: Direction) -> Outcomes {
    let len = close.len();
    let mut value = vec![0u32; len];
    let mut success = vec![false; len];
    for t in 0..len.saturating_sub(n) {
        value[t] = 1;
        success[t] = match direction {
            Direction::Up => close[t + n] > close[t],
            Direction::Down => close[t + n] < close[t],
        };
    }
    Outcomes {
        value,
        success,
        horizon: None,
    }
}

/// Steps until the bar-to-bar move first flips sign against the move into `t+1`, capped at `horizon`;
/// null when the first move is flat or the split ends first.
fn time_to_reversal(close: &[f64], horizon: usize) -> Outcomes {
    let len = close.len();
    let mut value = vec![0u32; len];
    let mut success = vec![false; len];
    let sign = |i: usize| (close[i] - close[i - 1]).partial_cmp(&0.0).map_or(0, |o| o as i32);
    for t in 0..len.saturating_sub(1) {
        let s0 = sign(t + 1);
        if s0 == 0 {
            continue;
        }
        for j in 1..=horizon {
            if t + j >= len {
                break;
            }
            if sign(t + j) == -s0 {
                value[t] = j as u32;
                success[t] = true;
                break;
            }
            if j == horizon {
                value[t] = j as u32;
            }
        }
    }
    Outcomes {
        value,
        success,
        horizon: Some(horizon),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_monotonic_series_matches_the_originals_verified_values() {
        let o = evaluate(&Target::TimeToReversal { max_horizon: 3 }, &[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(o.value, [3, 3, 0, 0, 0]);
        assert_eq!(o.success, [false; 5]);
    }

    #[test]
    fn a_reversal_is_counted_at_the_first_opposite_move() {
        let o = evaluate(
            &Target::TimeToReversal { max_horizon: 5 },
            &[1.0, 2.0, 3.0, 2.5, 2.5, 2.0, 3.0],
        );
        // t0: up, up, down at j=3; t1: up, down at j=2; t2: down, flat, down, up at j=4; t3: flat first → null
        assert_eq!(&o.value[..4], &[3, 2, 4, 0]);
        assert_eq!(&o.success[..3], &[true, true, true]);
    }

    #[test]
    fn binary_targets_look_n_bars_ahead_and_null_the_tail() {
        let c = [1.0, 2.0, 1.5, 3.0];
        let up = evaluate(&Target::UpNextBar, &c);
        assert_eq!(
            (up.value, up.success),
            (vec![1, 1, 1, 0], vec![true, false, true, false])
        );
        let down2 = evaluate(
            &Target::ContinuationN {
                n: 2,
                direction: Direction::Down,
            },
            &c,
        );
        assert_eq!(
            (down2.value, down2.success),
            (vec![1, 1, 0, 0], vec![false, false, false, false])
        );
    }
}
