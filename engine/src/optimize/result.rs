//! The original's `/result/{id}` `result` object (`trials_path`, `trials[{params, metrics}]`,
//! `best{params, metrics, trades, equity, summary}`), with our added fields alongside.

use super::{FoldPath, OptimizeOutcome, SymbolOutcome, TrialResult};
use crate::time::to_datetime;
use model::results::optimize::{
    BestTrial, EmaParams, OptimizeResult, OptimizeSummary, SymbolResult, SymbolSummary, TrialEntry, WalkForwardFold,
    WalkForwardPath,
};

/// Artifact file names of one run; with several symbols the per-fold files carry the symbol.
pub fn fold_file(kind: &str, symbol: &str, fold: usize, several_symbols: bool) -> String {
    if several_symbols {
        format!("{kind}_{symbol}_{fold}.parquet")
    } else {
        format!("{kind}_{fold}.parquet")
    }
}

/// `out_dir/name`, or the bare name for an empty or "." directory (as the original's `str(Path('.') / name)`).
pub fn artifact_path(out_dir: &str, name: &str) -> String {
    let dir = out_dir.trim_end_matches('/');
    if dir.is_empty() || dir == "." {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// ISO-8601 UTC text of epoch milliseconds (`2024-01-01T00:02:00Z`).
pub fn iso(ts_ms: i64) -> String {
    to_datetime(ts_ms).format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

impl OptimizeOutcome {
    /// The `result` document. The first symbol fills the original's keys; with several symbols every symbol
    /// is also listed under `symbols`. `out_dir` prefixes artifact paths.
    pub fn result(&self, out_dir: &str) -> OptimizeResult {
        let several = self.symbols.len() > 1;
        let per: Vec<SymbolResult> = self
            .symbols
            .iter()
            .map(|s| symbol_result(s, out_dir, several, self.atr_k_searched))
            .collect();
        OptimizeResult {
            trials_path: artifact_path(out_dir, "trials.parquet"),
            first: per[0].clone(),
            objective: self.objective,
            in_sample_selection: self.in_sample_selection,
            symbols: several.then_some(per),
        }
    }

    /// `summary.json`: the best trial's `{params, metrics}` per the original, plus walk-forward and DSR.
    pub fn summary(&self) -> OptimizeSummary {
        let per: Vec<SymbolSummary> = self
            .symbols
            .iter()
            .map(|s| {
                let best = s.best.map(|b| &s.trials[b]);
                SymbolSummary {
                    symbol: s.symbol.clone(),
                    params: best.map(|t| params_of(t, self.atr_k_searched)),
                    metrics: best.map(|t| t.out_of_sample),
                    in_sample: best.and_then(|t| t.in_sample),
                    walk_forward: s.walk_forward,
                    deflated_sharpe: s.overfitting.dsr,
                }
            })
            .collect();
        OptimizeSummary {
            first: per[0].clone(),
            objective: self.objective,
            in_sample_selection: self.in_sample_selection,
            symbols: (per.len() > 1).then_some(per),
        }
    }
}

/// A trial's parameters, with `atr_k` only when it is a searched dimension.
pub fn params_of(t: &TrialResult, with_atr_k: bool) -> EmaParams {
    EmaParams {
        ema_fast: t.params.ema_fast,
        ema_slow: t.params.ema_slow,
        r: t.params.r,
        atr_k: with_atr_k.then_some(t.params.atr_k),
    }
}

fn symbol_result(s: &SymbolOutcome, out_dir: &str, several: bool, with_atr: bool) -> SymbolResult {
    let trials = s
        .trials
        .iter()
        .map(|t| TrialEntry {
            params: params_of(t, with_atr),
            metrics: t.out_of_sample,
            in_sample: t.in_sample,
            trial_number: t.number,
            status: t.status,
            objective_value: t.objective_value,
        })
        .collect();
    let files = |kind: &str| -> Vec<String> {
        s.folds
            .iter()
            .map(|f| artifact_path(out_dir, &fold_file(kind, &s.symbol, f.fold, several)))
            .collect()
    };
    let best = s.best.map(|b| {
        let t = &s.trials[b];
        BestTrial {
            params: params_of(t, with_atr),
            metrics: t.out_of_sample,
            in_sample: t.in_sample,
            trial_number: t.number,
            trades: files("trades"),
            equity: files("equity"),
            summary: artifact_path(out_dir, "summary.json"),
            deflated_sharpe: s.overfitting.dsr,
        }
    });
    SymbolResult {
        symbol: s.symbol.clone(),
        trials,
        best,
        walk_forward: WalkForwardPath {
            metrics: s.walk_forward,
            folds: s.folds.iter().map(|f| fold_result(s, f, with_atr)).collect(),
        },
        bars_per_year: s.bars_per_year,
    }
}

fn fold_result(s: &SymbolOutcome, f: &FoldPath, with_atr: bool) -> WalkForwardFold {
    WalkForwardFold {
        fold: f.fold,
        train_start: iso(f.train_start),
        train_end: iso(f.train_end),
        test_start: iso(f.test_start),
        test_end: iso(f.test_end),
        trial_number: f.selected,
        params: f.selected.map(|n| params_of(&s.trials[n], with_atr)),
        metrics: f.metrics,
    }
}
