//! Seasonality rows shared by the engine, the API and the dashboard.

pub use crate::spec::seasonality::Measure;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A profile bin: an integer (hours, weekdays, months, 0/1 flags, joint codes) or a label (sessions).
/// Integers sort before labels.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum Bin {
    Int(i64),
    Str(String),
}

impl Bin {
    /// Reads a stored text bin back: an integer when the whole text is one, else the label.
    pub fn from_text(text: &str) -> Bin {
        text.parse::<i64>()
            .map(Bin::Int)
            .unwrap_or_else(|_| Bin::Str(text.to_string()))
    }
}

impl std::fmt::Display for Bin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Bin::Int(i) => write!(f, "{i}"),
            Bin::Str(s) => f.write_str(s),
        }
    }
}

/// The measure-specific head of a profile row: `successes, p_hat, ci_low, ci_high` for direction,
/// `ret_mean, ret_median, ret_std` for return. Scores are null when the bin is insufficient.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MeasureStats {
    Direction {
        successes: u64,
        p_hat: Option<f64>,
        ci_low: Option<f64>,
        ci_high: Option<f64>,
    },
    Return {
        ret_mean: Option<f64>,
        ret_median: Option<f64>,
        ret_std: Option<f64>,
    },
}

/// One (symbol, dim, bin) profile row with the original's columns in the original's order (§2.10.2), followed by
/// the new significance and stability columns. `period_start`/`period_end` are UTC epoch milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileRow {
    pub symbol: String,
    pub timeframe: String,
    pub dim: String,
    pub bin: Bin,
    pub n: u64,
    #[serde(flatten)]
    pub stats: MeasureStats,
    pub run_len_up_mean: Option<f64>,
    pub run_len_down_mean: Option<f64>,
    pub n_runs: u64,
    pub p_reversal_n: Option<f64>,
    pub p_reversal_ci_low: Option<f64>,
    pub p_reversal_ci_high: Option<f64>,
    pub p_reversal_lift: Option<f64>,
    pub p_reversal_baseline: Option<f64>,
    pub amp_mean: Option<f64>,
    pub amp_std: Option<f64>,
    pub amp_p25: Option<f64>,
    pub amp_p50: Option<f64>,
    pub amp_p75: Option<f64>,
    pub amp_p90: Option<f64>,
    pub atr_mean: Option<f64>,
    pub p_breakout_up: Option<f64>,
    pub p_breakout_down: Option<f64>,
    pub p_in_range: Option<f64>,
    pub ret_p25: Option<f64>,
    pub ret_p50: Option<f64>,
    pub ret_p75: Option<f64>,
    pub ret_p90: Option<f64>,
    pub baseline: Option<f64>,
    pub lift: Option<f64>,
    pub insufficient: bool,
    pub period_start: i64,
    pub period_end: i64,
    pub horizon: u32,
    /// New: test statistic of the bin against the symbol's baseline (z for direction, Welch-free one-sample t for return).
    pub t_stat: Option<f64>,
    /// New: two-sided p-value of `t_stat`.
    pub p_value: Option<f64>,
    /// New: Benjamini–Hochberg q-value across the bins of this (symbol, dim).
    pub q_value: Option<f64>,
    /// New: share of calendar years whose lift has the sign of the overall lift (null without a lift).
    pub years_same_sign: Option<f64>,
}

impl ProfileRow {
    /// The selection score: `p_hat` (direction) or `ret_mean` (return); null when insufficient.
    pub fn score(&self) -> Option<f64> {
        match &self.stats {
            MeasureStats::Direction { p_hat, .. } => *p_hat,
            MeasureStats::Return { ret_mean, .. } => *ret_mean,
        }
    }

    /// The measure this row was computed with (`direction` or `return`).
    pub fn measure(&self) -> Measure {
        match &self.stats {
            MeasureStats::Direction { .. } => Measure::Direction,
            MeasureStats::Return { .. } => Measure::Return,
        }
    }

    /// The 22 conditional metrics by name, nulls omitted (`n_runs` as an integer), as stored in `metrics`.
    pub fn metrics_json(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut m = serde_json::Map::new();
        let floats = [
            ("run_len_up_mean", self.run_len_up_mean),
            ("run_len_down_mean", self.run_len_down_mean),
        ];
        for (k, v) in floats {
            if let Some(x) = v.filter(|x| x.is_finite()) {
                m.insert(k.into(), x.into());
            }
        }
        m.insert("n_runs".into(), self.n_runs.into());
        let rest = [
            ("p_reversal_n", self.p_reversal_n),
            ("p_reversal_ci_low", self.p_reversal_ci_low),
            ("p_reversal_ci_high", self.p_reversal_ci_high),
            ("p_reversal_lift", self.p_reversal_lift),
            ("p_reversal_baseline", self.p_reversal_baseline),
            ("amp_mean", self.amp_mean),
            ("amp_std", self.amp_std),
            ("amp_p25", self.amp_p25),
            ("amp_p50", self.amp_p50),
            ("amp_p75", self.amp_p75),
            ("amp_p90", self.amp_p90),
            ("atr_mean", self.atr_mean),
            ("p_breakout_up", self.p_breakout_up),
            ("p_breakout_down", self.p_breakout_down),
            ("p_in_range", self.p_in_range),
            ("ret_p25", self.ret_p25),
            ("ret_p50", self.ret_p50),
            ("ret_p75", self.ret_p75),
            ("ret_p90", self.ret_p90),
        ];
        for (k, v) in rest {
            if let Some(x) = v.filter(|x| x.is_finite()) {
                m.insert(k.into(), x.into());
            }
        }
        m
    }
}

/// One (symbol, dim, bin, calendar year) cell of the stability view: bin size, score and lift against that
/// year's baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct YearRow {
    pub symbol: String,
    pub dim: String,
    pub bin: Bin,
    pub year: i32,
    pub n: u64,
    pub score: f64,
    pub lift: f64,
}

/// A stored `seasonality_profiles` row as `GET /seasonality/profiles` returns it (§4.3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoredProfile {
    pub id: i64,
    pub symbol: String,
    pub timeframe: Option<String>,
    pub dim: String,
    pub bin: Bin,
    pub measure: Measure,
    pub score: Option<f64>,
    pub n: Option<i64>,
    pub baseline: Option<f64>,
    pub lift: Option<f64>,
    pub metrics: serde_json::Map<String, serde_json::Value>,
    /// New: the bin's test statistic against its symbol's baseline (null for rows stored before it was kept).
    #[serde(default)]
    pub t_stat: Option<f64>,
    /// New: two-sided p-value of `t_stat`.
    #[serde(default)]
    pub p_value: Option<f64>,
    /// New: Benjamini–Hochberg q-value across the bins of the (symbol, dim).
    #[serde(default)]
    pub q_value: Option<f64>,
    /// New: share of calendar years whose lift has the sign of the overall lift.
    #[serde(default)]
    pub years_same_sign: Option<f64>,
    pub start: Option<String>,
    pub end: Option<String>,
    pub spec_id: Option<String>,
    pub dataset_id: Option<String>,
    pub created_at: String,
}

/// One trial of a seasonality optimisation as `GET /seasonality/runs/{id}/trials` returns it: its parameters,
/// in-sample metrics and out-of-sample figures as stored, decoded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeasonalityTrial {
    pub trial_number: i64,
    /// `COMPLETE` (every stored trial ran).
    pub state: String,
    pub objective: Option<f64>,
    /// `{dims, method, combine, ret_horizon, min_samples_bin, threshold | topk}`.
    pub params: serde_json::Value,
    /// The in-sample metrics of the trial's signal (`sharpe`, `n_trades`, …).
    pub metrics: serde_json::Value,
    /// The walk-forward out-of-sample figures (null without folds).
    pub oos: serde_json::Value,
}

/// A `seasonality_runs` row as `GET /seasonality/runs` returns it (no `id`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeasonalityRunRow {
    pub run_id: String,
    pub spec_id: Option<String>,
    pub dataset_id: Option<String>,
    pub out_dir: Option<String>,
    pub status: String,
    pub best_summary: Option<serde_json::Value>,
    pub created_at: String,
}

/// A stored profile as the engine's row type (what comparisons and correlations read); the columns the store keeps
/// only inside `metrics`, or not at all, are left empty.
impl From<&StoredProfile> for ProfileRow {
    fn from(p: &StoredProfile) -> ProfileRow {
        let stats = if p.measure == Measure::Return {
            MeasureStats::Return {
                ret_mean: p.score,
                ret_median: None,
                ret_std: None,
            }
        } else {
            MeasureStats::Direction {
                successes: 0,
                p_hat: p.score,
                ci_low: None,
                ci_high: None,
            }
        };
        ProfileRow {
            symbol: p.symbol.clone(),
            timeframe: p.timeframe.clone().unwrap_or_default(),
            dim: p.dim.clone(),
            bin: p.bin.clone(),
            n: p.n.unwrap_or(0).max(0) as u64,
            stats,
            run_len_up_mean: None,
            run_len_down_mean: None,
            n_runs: 0,
            p_reversal_n: None,
            p_reversal_ci_low: None,
            p_reversal_ci_high: None,
            p_reversal_lift: None,
            p_reversal_baseline: None,
            amp_mean: None,
            amp_std: None,
            amp_p25: None,
            amp_p50: None,
            amp_p75: None,
            amp_p90: None,
            atr_mean: None,
            p_breakout_up: None,
            p_breakout_down: None,
            p_in_range: None,
            ret_p25: None,
            ret_p50: None,
            ret_p75: None,
            ret_p90: None,
            baseline: p.baseline,
            lift: p.lift,
            insufficient: p.score.is_none(),
            period_start: 0,
            period_end: 0,
            horizon: 1,
            t_stat: p.t_stat,
            p_value: p.p_value,
            q_value: p.q_value,
            years_same_sign: p.years_same_sign,
        }
    }
}

/// Selected bins per dim, sorted, as the run result's `active_bins`.
pub type ActiveBins = BTreeMap<String, Vec<Bin>>;

/// One bin present in both profiles: per-side mean lift, mean baseline, summed n, mean p̂, and `lift_a − lift_b`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CompareRow {
    pub bin: Bin,
    pub lift_a: Option<f64>,
    pub lift_b: Option<f64>,
    pub baseline_a: Option<f64>,
    pub baseline_b: Option<f64>,
    pub n_a: u64,
    pub n_b: u64,
    pub p_hat_a: Option<f64>,
    pub p_hat_b: Option<f64>,
    pub lift_diff: Option<f64>,
}

/// Pearson correlations of per-bin lifts between every pair of symbols for one dim.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LiftCorrelation {
    pub dim: String,
    pub symbols: Vec<String>,
    /// `matrix[i][j]`: correlation of symbols i and j over bins where both lifts are known (diagonal 1).
    pub matrix: Vec<Vec<Option<f64>>>,
}

/// `GET /seasonality/compare`: two symbols' profiles on one dim, bin by bin (the original's wide rows too).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SymbolComparison {
    pub dim: String,
    pub symbol_a: String,
    pub symbol_b: String,
    /// Pearson correlation of the lifts over bins where both are known.
    pub correlation: Option<f64>,
    pub rows: Vec<CompareRow>,
    /// The original's wide rows: `bin`, `lift_<A>`, `baseline_<A>`, `n_<A>`, `p_hat_<A>`, the same for B, `lift_diff`.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub wide: Vec<serde_json::Map<String, serde_json::Value>>,
    /// The symbols with no stored profile on the dim.
    pub missing: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(stats: MeasureStats) -> ProfileRow {
        ProfileRow {
            symbol: "EURUSD".into(),
            timeframe: "M1".into(),
            dim: "session".into(),
            bin: Bin::Str("Asia".into()),
            n: 9,
            stats,
            run_len_up_mean: Some(2.0),
            run_len_down_mean: None,
            n_runs: 5,
            p_reversal_n: Some(0.6),
            p_reversal_ci_low: None,
            p_reversal_ci_high: None,
            p_reversal_lift: None,
            p_reversal_baseline: None,
            amp_mean: None,
            amp_std: None,
            amp_p25: None,
            amp_p50: None,
            amp_p75: None,
            amp_p90: None,
            atr_mean: None,
            p_breakout_up: None,
            p_breakout_down: None,
            p_in_range: None,
            ret_p25: None,
            ret_p50: None,
            ret_p75: None,
            ret_p90: None,
            baseline: Some(0.5),
            lift: None,
            insufficient: false,
            period_start: 0,
            period_end: 60_000,
            horizon: 1,
            t_stat: None,
            p_value: None,
            q_value: None,
            years_same_sign: None,
        }
    }

    #[test]
    fn direction_rows_serialise_in_the_original_column_order() {
        let r = row(MeasureStats::Direction {
            successes: 6,
            p_hat: Some(0.66),
            ci_low: None,
            ci_high: None,
        });
        let text = serde_json::to_string(&r).unwrap();
        let keys: Vec<&str> = [
            "\"bin\"",
            "\"n\"",
            "\"successes\"",
            "\"p_hat\"",
            "\"ci_high\"",
            "\"run_len_up_mean\"",
            "\"horizon\"",
        ]
        .into_iter()
        .collect();
        let pos: Vec<usize> = keys.iter().map(|k| text.find(k).unwrap()).collect();
        assert!(pos.windows(2).all(|w| w[0] < w[1]), "{text}");
        assert!(text.contains("\"bin\":\"Asia\""));
        let back: ProfileRow = serde_json::from_str(&text).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    fn return_rows_carry_ret_mean_median_std_instead() {
        let r = row(MeasureStats::Return {
            ret_mean: Some(0.1),
            ret_median: None,
            ret_std: Some(0.2),
        });
        let text = serde_json::to_string(&r).unwrap();
        assert!(!text.contains("successes") && text.find("\"ret_mean\"").unwrap() < text.find("\"ret_std\"").unwrap());
        assert_eq!(serde_json::from_str::<ProfileRow>(&text).unwrap(), r);
        assert_eq!(r.measure(), Measure::Return);
    }

    #[test]
    fn metrics_omit_nulls_and_keep_n_runs_integer() {
        let m = row(MeasureStats::Return {
            ret_mean: None,
            ret_median: None,
            ret_std: None,
        })
        .metrics_json();
        assert_eq!(m.len(), 3);
        assert_eq!(m["n_runs"], serde_json::json!(5));
        assert!(!m.contains_key("amp_mean"));
    }

    #[test]
    fn stored_bins_come_back_as_int_when_they_are_one() {
        assert_eq!(Bin::from_text("14"), Bin::Int(14));
        assert_eq!(Bin::from_text("Asia"), Bin::Str("Asia".into()));
        assert!(Bin::Int(99) < Bin::Str("A".into()));
    }
}
