//! The deflated Sharpe ratio of a strategy's path against the trials it was chosen from, with the effective
//! number of trials and, on intraday bars, daily returns (so T counts days, not minutes).

use crate::backtest::skew_kurtosis;
use crate::optimize::dsr::{deflated_sharpe, expected_max_sharpe};
use model::overfitting::{Dsr, ReturnPeriod};

/// Milliseconds per UTC day.
const DAY_MS: i64 = 86_400_000;

/// A path's returns gathered bar by bar into the periods its DSR counts: compounded per UTC day on intraday bars
/// (more than two a day; a new period whenever the day changes), else the bars' own returns. Nothing per bar is
/// kept on intraday bars.
#[derive(Debug, Clone)]
pub struct PeriodReturns {
    daily: bool,
    returns: Vec<f64>,
    day: Option<i64>,
    bars: usize,
}

impl PeriodReturns {
    /// An empty path of bars that come `bars_per_year` a year.
    pub fn new(bars_per_year: f64) -> Self {
        Self {
            daily: bars_per_year > 2.0 * 365.25,
            returns: Vec::new(),
            day: None,
            bars: 0,
        }
    }

    /// Adds the bar at `ts` (ms) returning `r`; bars come in time order.
    #[inline]
    pub fn push(&mut self, ts: i64, r: f64) {
        self.bars += 1;
        if !self.daily {
            self.returns.push(r);
            return;
        }
        let d = ts.div_euclid(DAY_MS);
        if self.day != Some(d) {
            self.day = Some(d);
            self.returns.push(0.0);
        }
        if let Some(last) = self.returns.last_mut() {
            *last = (1.0 + *last) * (1.0 + r) - 1.0;
        }
    }

    /// True before any bar was added.
    pub fn is_empty(&self) -> bool {
        self.bars == 0
    }

    fn period(&self) -> ReturnPeriod {
        if self.daily {
            ReturnPeriod::Day
        } else {
            ReturnPeriod::Bar
        }
    }
}

impl Extend<(i64, f64)> for PeriodReturns {
    fn extend<I: IntoIterator<Item = (i64, f64)>>(&mut self, path: I) {
        path.into_iter().for_each(|(ts, r)| self.push(ts, r));
    }
}

/// The DSR of a path (its returns gathered by [`PeriodReturns`], from bars that come `bars_per_year` a year)
/// against trials whose annualised Sharpes on the same windows are `trial_sharpes`, with mean trial correlation
/// `rho` (N_eff = ρ̄ + (1 − ρ̄)·N).
pub fn dsr(path: &PeriodReturns, bars_per_year: f64, trial_sharpes: &[f64], rho: f64) -> Dsr {
    let returns = &path.returns;
    let per_period = if returns.is_empty() {
        1.0
    } else {
        path.bars as f64 / returns.len() as f64
    };
    let n = returns.len() as f64;
    let mean = returns.iter().sum::<f64>() / n.max(1.0);
    let sd = (returns.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0)).sqrt();
    let sharpe = if sd > 0.0 { mean / sd } else { 0.0 };
    let (skew, kurtosis) = skew_kurtosis(returns);
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
        period: path.period(),
        skew,
        kurtosis,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`PeriodReturns`] of a whole path at once.
    fn period_returns(path: &[(i64, f64)], bars_per_year: f64) -> (Vec<f64>, ReturnPeriod) {
        let mut p = PeriodReturns::new(bars_per_year);
        p.extend(path.iter().copied());
        let period = p.period();
        (p.returns, period)
    }

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
        let mut periods = PeriodReturns::new(8766.0);
        periods.extend(path);
        let d = dsr(&periods, 8766.0, &[1.0, 3.0], 0.5);
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
