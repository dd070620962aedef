//! An outcome as database rows: one `trials` row per trial and `run_metrics` values (aggregated + per fold).

use super::result::params_of;
use super::OptimizeOutcome;
use crate::backtest::BacktestMetrics;
use crate::store::runs::StoredTrial;
use model::runs::{MetricValue, TrialRow};

impl OptimizeOutcome {
    /// Every trial (failed and pruned ones included) as a `trials` row, numbered across symbols in order;
    /// metric columns hold the out-of-sample values. With several symbols `params_json` carries `symbol`.
    pub fn trial_rows(&self) -> Vec<TrialRow> {
        let several = self.symbols.len() > 1;
        let mut rows = Vec::new();
        for s in &self.symbols {
            for t in &s.trials {
                let mut params = serde_json::to_value(params_of(t, self.atr_k_searched)).unwrap_or_default();
                if several {
                    params["symbol"] = serde_json::json!(s.symbol);
                }
                let failed = t.status == super::TrialStatus::Fail;
                let m = &t.out_of_sample;
                let num = |v: f64| (!failed && v.is_finite()).then_some(v);
                rows.push(TrialRow {
                    trial_number: rows.len() as i64,
                    params_json: Some(params_text(&params)),
                    objective_value: t.objective_value,
                    status: Some(t.status.as_str().to_string()),
                    n_trades: (!failed).then_some(m.n_trades as i64),
                    max_dd: num(m.max_drawdown),
                    sharpe: num(m.sharpe),
                    sortino: num(m.sortino),
                    cagr: num(m.cagr),
                    hit_rate: num(m.hit_rate),
                    avg_r: num(m.avg_r),
                });
            }
        }
        rows
    }

    /// [`Self::trial_rows`] with each trial's in-sample values (train windows stitched; None without train windows
    /// and for failed trials): `is_sharpe`, `is_objective` (the objective on them) and `is_n_trades`.
    pub fn stored_trials(&self) -> Vec<StoredTrial> {
        let in_sample = self
            .symbols
            .iter()
            .flat_map(|s| &s.trials)
            .map(|t| t.in_sample.as_ref().filter(|_| t.status != super::TrialStatus::Fail));
        self.trial_rows()
            .into_iter()
            .zip(in_sample)
            .map(|(row, is)| StoredTrial {
                row,
                is_sharpe: is.map(|m| m.sharpe).filter(|v| v.is_finite()),
                is_objective: is.and_then(|m| super::objective_value(self.objective, m)),
                is_n_trades: is.map(|m| m.n_trades as i64),
            })
            .collect()
    }

    /// `run_metrics` values: the stitched walk-forward metrics, the DSRs, PBO, robustness and the selection mode
    /// aggregated (fold None), and each fold's test-window metrics and DSR; `max_drawdown` is also stored as `max_dd`, the name the
    /// original's runs tables use. With several symbols names are `SYMBOL.metric`.
    pub fn metric_values(&self) -> Vec<MetricValue> {
        let several = self.symbols.len() > 1;
        let mut out = Vec::new();
        for s in &self.symbols {
            let name = |n: &str| {
                if several {
                    format!("{}.{n}", s.symbol)
                } else {
                    n.to_string()
                }
            };
            let mut push = |fold: Option<i64>, n: &str, value: f64| {
                if value.is_finite() {
                    out.push(MetricValue {
                        fold,
                        name: name(n),
                        value,
                    });
                }
            };
            if let Some(m) = &s.walk_forward {
                metric_pairs(m).into_iter().for_each(|(n, v)| push(None, n, v));
                push(None, "max_dd", m.max_drawdown);
            }
            let o = &s.overfitting;
            if let Some(d) = &o.dsr {
                push(None, "deflated_sharpe", d.dsr);
                push(None, "dsr_n_eff", d.n_eff);
            }
            if let Some(d) = &o.walk_forward_dsr {
                push(None, "walk_forward_dsr", d.dsr);
            }
            if let Some(p) = &o.pbo {
                push(None, "pbo", p.pbo);
                push(None, "pbo_prob_oos_loss", p.prob_oos_loss);
                push(None, "pbo_degradation_slope", p.degradation_slope);
            }
            if let Some(r) = &o.robustness {
                push(None, "robust_share_within_10pct", r.share_within_10pct);
                push(None, "robust_spike", r.spike as i64 as f64);
            }
            push(None, "in_sample_selection", self.in_sample_selection as i64 as f64);
            push(None, "n_trials", s.trials.len() as f64);
            for f in &s.folds {
                metric_pairs(&f.metrics)
                    .into_iter()
                    .for_each(|(n, v)| push(Some(f.fold as i64), n, v));
                push(Some(f.fold as i64), "max_dd", f.metrics.max_drawdown);
            }
            for d in &o.fold_dsr {
                push(Some(d.fold as i64), "deflated_sharpe", d.dsr.dsr);
            }
        }
        out
    }
}

impl OptimizeOutcome {
    /// The run's overfitting report, one entry per symbol.
    pub fn overfitting(&self) -> model::overfitting::Overfitting {
        model::overfitting::Overfitting {
            symbols: self.symbols.iter().map(|s| s.overfitting.clone()).collect(),
        }
    }
}

/// Python's `json.dumps` spacing (`{"a": 1, "b": 2}`), so stored `params_json` strings look like the original's.
fn params_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Object(o) => {
            let parts: Vec<String> = o
                .iter()
                .map(|(k, x)| format!("{}: {}", serde_json::json!(k), x))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        other => other.to_string(),
    }
}

/// The metrics as `(key, value)` pairs with the API's key names (profit factor only when defined).
pub fn metric_pairs(m: &BacktestMetrics) -> Vec<(&'static str, f64)> {
    let mut v = vec![
        ("sharpe", m.sharpe),
        ("sortino", m.sortino),
        ("max_drawdown", m.max_drawdown),
        ("cagr", m.cagr),
        ("hit_rate", m.hit_rate),
        ("avg_R", m.avg_r),
        ("trades", m.trades),
        ("n_trades", m.n_trades as f64),
        ("expectancy", m.expectancy),
        ("exposure", m.exposure),
        ("calmar", m.calmar),
        ("sqn", m.sqn),
    ];
    if let Some(pf) = m.profit_factor {
        v.push(("profit_factor", pf));
    }
    v
}
