//! How far an optimisation's winner can be trusted: the probability of backtest overfitting (CSCV), deflated
//! Sharpe ratios with the effective number of trials, and the shape of the optimum's neighbourhood.
//! Served by `GET /runs/{run_id}/overfitting`; definitions and references in `docs/OVERFITTING.md`.

use serde::{Deserialize, Serialize};

/// The return period a Sharpe ratio is measured on: daily (compounded) returns when the bars are intraday,
/// the bars' own returns otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ReturnPeriod {
    Bar,
    Day,
}

/// A deflated Sharpe ratio (Bailey & López de Prado, 2014) and its inputs; Sharpe values per return period.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Dsr {
    /// Probability that the true Sharpe exceeds the best Sharpe expected from `n_eff` unskilled trials.
    pub dsr: f64,
    /// The tested strategy's Sharpe per period (not annualised).
    pub sharpe: f64,
    /// Expected maximum Sharpe of `n_eff` unskilled trials with variance `var_sharpe`.
    pub expected_max_sharpe: f64,
    /// Variance of the trials' Sharpes (per period).
    pub var_sharpe: f64,
    /// Completed trials compared.
    pub n_trials: usize,
    /// Effective number of independent trials: ρ̄ + (1 − ρ̄)·n_trials.
    pub n_eff: f64,
    /// Mean pairwise correlation ρ̄ of the trials' block returns (clamped to 0…1).
    pub mean_correlation: f64,
    /// Number of return periods T.
    pub n_obs: usize,
    /// What one period is.
    pub period: ReturnPeriod,
    /// Skewness of the period returns.
    pub skew: f64,
    /// Kurtosis of the period returns (3 for a normal distribution).
    pub kurtosis: f64,
}

impl Dsr {
    /// What the DSR was computed on, in words: `"180 daily returns; 45 trials ≈ 12.3 independent (mean correlation 0.73)"`.
    pub fn describe(&self) -> String {
        let period = match self.period {
            ReturnPeriod::Day => "daily",
            ReturnPeriod::Bar => "per-bar",
        };
        format!(
            "{} {period} returns; {} trials ≈ {:.1} independent (mean correlation {:.2})",
            self.n_obs, self.n_trials, self.n_eff, self.mean_correlation
        )
    }
}

/// The DSR of one fold's selected trial on the window it was selected on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FoldDsr {
    pub fold: usize,
    /// The fold's selected trial.
    pub trial_number: usize,
    #[serde(flatten)]
    pub dsr: Dsr,
}

/// One bin of the logit histogram: splits whose logit λ lies in `lo..hi`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogitBin {
    pub lo: f64,
    pub hi: f64,
    pub count: usize,
}

/// Probability of backtest overfitting by combinatorially symmetric cross-validation (Bailey, Borwein,
/// López de Prado & Zhu, 2015) over the trials' stitched out-of-sample bars cut into `blocks` even blocks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pbo {
    /// Share of splits whose in-sample best ranks at or below the out-of-sample median (logit λ ≤ 0).
    pub pbo: f64,
    /// Number of blocks S.
    pub blocks: usize,
    /// Splits evaluated.
    pub splits: usize,
    /// All splits C(S, S/2).
    pub splits_total: u64,
    /// True when `splits` is a seeded random subset of all splits.
    pub sampled: bool,
    /// Trials ranked (completed ones).
    pub n_trials: usize,
    /// Slope of the regression of out-of-sample on in-sample Sharpe of each split's best.
    pub degradation_slope: f64,
    pub degradation_intercept: f64,
    /// Share of splits whose in-sample best loses out of sample (Sharpe < 0).
    pub prob_oos_loss: f64,
    pub logit_mean: f64,
    pub logit_median: f64,
    /// The distribution of λ = ln(ω / (1 − ω)), ω the best's relative out-of-sample rank.
    pub logit_histogram: Vec<LogitBin>,
    /// `[in-sample, out-of-sample]` Sharpe (per bar) of each split's best, at most 400 evenly chosen splits.
    pub degradation: Vec<[f64; 2]>,
}

/// How the best trial's neighbours were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Neighbourhood {
    /// Trials one grid step away in any searched dimension (a 3×…×3 box around the best).
    Grid,
    /// The nearest trials in standardised grid-index space (random and TPE searches).
    Nearest,
}

/// The objective's range when one parameter moves and the others stay at the best's values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ParamSensitivity {
    pub param: String,
    /// Trials on that line (the best included).
    pub points: usize,
    pub min: f64,
    pub max: f64,
    pub range: f64,
}

/// The shape of the optimum: a plateau (neighbours nearly as good) or a spike (an isolated best).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Robustness {
    pub best_trial: usize,
    pub best_value: f64,
    pub method: Neighbourhood,
    /// Neighbours with an objective value.
    pub neighbours: usize,
    pub mean: f64,
    pub worst: f64,
    /// Share of neighbours whose objective is within 10 % of the best's (|v − best| ≤ 0.1·|best|).
    pub share_within_10pct: f64,
    /// True when fewer than half the neighbours are within 10 % of the best.
    pub spike: bool,
    pub sensitivity: Vec<ParamSensitivity>,
}

/// Every overfitting figure of one symbol's optimisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SymbolOverfitting {
    pub symbol: String,
    /// None with fewer than two completed trials.
    pub pbo: Option<Pbo>,
    /// The best trial on its selection windows (the run's `deflated_sharpe`).
    pub dsr: Option<Dsr>,
    /// Each fold's selected trial on its selection window.
    pub fold_dsr: Vec<FoldDsr>,
    /// The stitched walk-forward path, deflated by the trials' out-of-sample Sharpes.
    pub walk_forward_dsr: Option<Dsr>,
    pub robustness: Option<Robustness>,
}

/// `GET /runs/{run_id}/overfitting`: one entry per symbol, in the run's order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Overfitting {
    pub symbols: Vec<SymbolOverfitting>,
}
