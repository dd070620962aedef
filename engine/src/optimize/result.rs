//! The original's `/result/{id}` `result` object (`trials_path`, `trials[{params, metrics}]`,
//! `best{params, metrics, trades, equity, summary}`), with our added fields alongside.

use super::{FoldPath, OptimizeOutcome, SymbolOutcome, TrialResult};
use crate::time::to_datetime;
use serde_json::{json, Map, Value};

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
    /// The `result` object. The first symbol fills the original's keys; with several symbols every symbol
    /// is also listed under `symbols`. `out_dir` prefixes artifact paths.
    pub fn result_json(&self, out_dir: &str) -> Value {
        let several = self.symbols.len() > 1;
        let mut root = match self.symbols.first() {
            Some(s) => symbol_json(s, out_dir, several, self.atr_k_searched),
            None => json!({"trials": [], "best": null})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        };
        let mut head = Map::new();
        head.insert("trials_path".into(), json!(artifact_path(out_dir, "trials.parquet")));
        head.append(&mut root);
        head.insert("objective".into(), json!(self.objective.key()));
        head.insert("in_sample_selection".into(), json!(self.in_sample_selection));
        if several {
            let all: Vec<Value> = self
                .symbols
                .iter()
                .map(|s| Value::Object(symbol_json(s, out_dir, true, self.atr_k_searched)))
                .collect();
            head.insert("symbols".into(), Value::Array(all));
        }
        Value::Object(head)
    }

    /// `summary.json`: the best trial's `{params, metrics}` per the original, plus walk-forward and DSR.
    pub fn summary_json(&self) -> Value {
        let per: Vec<Value> = self
            .symbols
            .iter()
            .map(|s| {
                let best = s.best.map(|b| &s.trials[b]);
                json!({
                    "symbol": s.symbol,
                    "params": best.map(|t| params_json(t, self.atr_k_searched)),
                    "metrics": best.map(|t| t.out_of_sample),
                    "in_sample": best.and_then(|t| t.in_sample),
                    "walk_forward": s.walk_forward,
                    "deflated_sharpe": s.overfitting.dsr,
                })
            })
            .collect();
        let mut first = per.first().cloned().unwrap_or(Value::Null);
        if let Value::Object(o) = &mut first {
            o.insert("objective".into(), json!(self.objective.key()));
            o.insert("in_sample_selection".into(), json!(self.in_sample_selection));
            if per.len() > 1 {
                o.insert("symbols".into(), Value::Array(per));
            }
        }
        first
    }
}

/// A trial's `params` object: `ema_fast`, `ema_slow`, `R` (integer when whole, as the original) and `atr_k`
/// only when it is a searched dimension.
pub fn params_json(t: &TrialResult, with_atr_k: bool) -> Value {
    let r = if t.params.r.fract() == 0.0 && t.params.r.abs() < 1e15 {
        json!(t.params.r as i64)
    } else {
        json!(t.params.r)
    };
    let mut v = json!({"ema_fast": t.params.ema_fast, "ema_slow": t.params.ema_slow, "R": r});
    if with_atr_k {
        v["atr_k"] = json!(t.params.atr_k);
    }
    v
}

fn symbol_json(s: &SymbolOutcome, out_dir: &str, several: bool, with_atr: bool) -> Map<String, Value> {
    let trials: Vec<Value> = s
        .trials
        .iter()
        .map(|t| {
            json!({
                "params": params_json(t, with_atr),
                "metrics": t.out_of_sample,
                "in_sample": t.in_sample,
                "trial_number": t.number,
                "status": t.status.as_str(),
                "objective_value": t.objective_value,
            })
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
        json!({
            "params": params_json(t, with_atr),
            "metrics": t.out_of_sample,
            "in_sample": t.in_sample,
            "trial_number": t.number,
            "trades": files("trades"),
            "equity": files("equity"),
            "summary": artifact_path(out_dir, "summary.json"),
            "deflated_sharpe": s.overfitting.dsr,
        })
    });
    let folds: Vec<Value> = s.folds.iter().map(|f| fold_json(s, f, with_atr)).collect();
    let mut m = Map::new();
    m.insert("symbol".into(), json!(s.symbol));
    m.insert("trials".into(), Value::Array(trials));
    m.insert("best".into(), best.unwrap_or(Value::Null));
    m.insert(
        "walk_forward".into(),
        json!({"metrics": s.walk_forward, "folds": folds}),
    );
    m.insert("bars_per_year".into(), json!(s.bars_per_year));
    m
}

fn fold_json(s: &SymbolOutcome, f: &FoldPath, with_atr: bool) -> Value {
    json!({
        "fold": f.fold,
        "train_start": iso(f.train_start),
        "train_end": iso(f.train_end),
        "test_start": iso(f.test_start),
        "test_end": iso(f.test_end),
        "trial_number": f.selected,
        "params": f.selected.map(|n| params_json(&s.trials[n], with_atr)),
        "metrics": f.metrics,
    })
}
