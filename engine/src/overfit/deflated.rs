//! The deflated Sharpe ratio of a strategy's path against the trials it was chosen from, with the effective
//! number of trials and, on intraday bars, daily returns (so T counts days, not minutes).

use crate::backtest::skew_kurtosis;
use crate::optimize::dsr::{deflated_sharpe, expected_max_sharpe};
use model::overfitting::{Dsr, ReturnPeriod};

/// Milliseconds per UTC day.
const DAY_MS: i64 = 86_400_000;

/// The DSR of `path` (`(timestamp ms, return)` per bar, in order) against trials whose annualised Sharpes on the
/// same windows are `trial_sharpes`, with mean trial correlation `rho` (N_eff = ρ̄ + (1 − ρ̄)·N).
pub fn dsr(path: &[(i64, f64)], bars_per_year: f64, trial_sharpes: &[f64], rho: f64) -> Dsr {
    let (returns, period) = period_returns(path, bars_per_year);
    let per_period = if returns.is_empty() {
        1.0
    } else {
        path.len() as f64 / returns.len() as f64
    };
    let n = returns.len() as f64;
    let mean = returns.iter().sum::<f64>() / n.max(1.0);
    let sd = (returns.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0)).sqrt();
    let sharpe = if sd > 0.0 { mean / sd } else { 0.0 };
    let (skew, kurtosis) = skew_kurtosis(&returns);
    // Annualised per-bar Sharpes to the period: ÷ √(bars per year) × √(bars per period).
    let scale = (per_period / bars_per_year.max(1.0)).sqrt();
    let srs: Vec<f64> = trial_sharpes.iter().map(|s| s * scale).collect();
    let k = srs.len() as f64;
    let m = srs.iter().sum::<f64>() / k.max(1.0);
    let var_sharpe = if srs.len() > 1 {
        srs.iter().map(|s| (s - m).powi(2)).sum::<f64>() / (k - 1.0)
    } else {
        0.0
    };
    let n_eff = rho + (1.0 - rho) * k;
    Dsr {
        dsr: deflated_sharpe(sharpe, var_sharpe, n_eff, returns.len(), skew, kurtosis),
        sharpe,
        expected_max_sharpe: expected_max_sharpe(var_sharpe, n_eff),
        var_sharpe,
        n_trials: srs.len(),
        n_eff,
        mean_correlation: rho,
        n_obs: returns.len(),
        period,
        skew,
        kurtosis,
    }
}

/// Intraday bars (more than two a day) give compounded returns per UTC day (a new period whenever the day
/// changes); others their own returns.
fn period_returns(path: &[(i64, f64)], bars_per_year: f64) -> (Vec<f64>, ReturnPeriod) {
    if bars_per_year <= 2.0 * 365.25 {
        return (path.iter().map(|&(_, r)| r).collect(), ReturnPeriod::Bar);
    }
    let mut out: Vec<f64> = Vec::new();
    let mut day = None;
    for &(ts, r) in path {
        let d = ts.div_euclid(DAY_MS);
        if day != Some(d) {
            day = Some(d);
            out.push(0.0);
        }
        if let Some(last) = out.last_mut() {
            *last = (1.0 + *last) * (1.0 + r) - 1.0;
        }
    }
    (out, ReturnPeriod::Day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intraday_returns_compound_per_utc_day() {
        let h = 3_600_000;
        let path = [
            (0, 0.01),
            (h, 0.02),
            (DAY_MS, -0.01),
            (DAY_MS + h, 0.0),
            (3 * DAY_MS, 0.03),
        ];
        let (r, p) = period_returns(&path, 8766.0);
        assert_eq!(p, ReturnPeriod::Day);
        assert_eq!(r.len(), 3);
        assert!((r[0] - (1.01 * 1.02 - 1.0)).abs() < 1e-15);
        assert!((r[1] + 0.01).abs() < 1e-15 && (r[2] - 0.03).abs() < 1e-15);
        let (bars, p) = period_returns(&path, 365.25);
        assert_eq!((bars.len(), p), (5, ReturnPeriod::Bar));
    }

    #[test]
    fn trial_sharpes_are_rescaled_to_the_period_and_n_eff_interpolates() {
        // 24 bars a day: an annualised Sharpe S is S / √(8766 / 24) per day.
        let path: Vec<(i64, f64)> = (0..240)
            .map(|i| (i * 3_600_000, if i % 2 == 0 { 0.01 } else { -0.005 }))
            .collect();
        let d = dsr(&path, 8766.0, &[1.0, 3.0], 0.5);
        let per_day = (24.0f64 / 8766.0).sqrt();
        assert!(
            (d.var_sharpe - 2.0 * per_day * per_day).abs() < 1e-15,
            "{}",
            d.var_sharpe
        );
        assert_eq!((d.n_obs, d.n_trials), (10, 2));
        assert!((d.n_eff - 1.5).abs() < 1e-15);
    }
}
