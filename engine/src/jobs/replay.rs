//! A stored optimisation trial replayed on demand: its run's spec (as submitted), its stored parameters, the run's
//! data loaded again, and [`crate::optimize::replay`] over that one trial.

use crate::data::{self, Bars, DataError, LoadOptions};
use crate::equity::thin;
use crate::optimize::replay::{replay, Replay};
use crate::optimize::{iso, TrialParams};
use crate::store::{jobs, runs, Store, StoreError};
use model::runs::TrialRow;
use model::spec::experiment::{parse_experiment, ExperimentSpec};
use model::trial::{EquityPoint, Side, TrialDetail, TrialFold, TrialTrade, EQUITY_POINTS};
use serde_json::Value;
use std::collections::BTreeMap;

/// Why a trial cannot be replayed.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("Run not found")]
    RunNotFound,
    #[error("Trial {0} not found in this run")]
    TrialNotFound(i64),
    #[error("this run's spec is not stored (it was not submitted to this server), so its trials cannot be replayed")]
    NoSpec,
    #[error("trial {0} failed (its parameters are invalid): there is nothing to replay")]
    FailedTrial(i64),
    #[error("the stored spec or parameters cannot be read: {0}")]
    Unreadable(String),
    #[error("the run's data cannot be loaded again: {0}")]
    Data(#[from] DataError),
    #[error("the run's data no longer has the series {0}")]
    NoSeries(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A stored trial with its replay and the bars it ran on.
pub struct Replayed {
    pub run_id: String,
    pub row: TrialRow,
    pub objective: Option<String>,
    pub params: BTreeMap<String, Value>,
    pub bars: Bars,
    pub replay: Replay,
}

/// Replays trial `number` of run `run_id` with its data loaded through `load` (as a resumed job loads it).
pub async fn trial(store: &Store, load: &LoadOptions, run_id: &str, number: i64) -> Result<Replayed, ReplayError> {
    let run = runs::get_run(store, run_id).await?.ok_or(ReplayError::RunNotFound)?;
    let row = runs::get_trial(store, run_id, number)
        .await?
        .ok_or(ReplayError::TrialNotFound(number))?;
    if row.status.as_deref() == Some(crate::optimize::TrialStatus::Fail.as_str()) {
        return Err(ReplayError::FailedTrial(number));
    }
    let spec_text = jobs::spec_json(store, run_id)
        .await?
        .filter(|s| !s.is_empty())
        .ok_or(ReplayError::NoSpec)?;
    let spec = serde_json::from_str(&spec_text)
        .map_err(|e| e.to_string())
        .and_then(|v| parse_experiment(v).map_err(|e| e.to_string()))
        .map_err(ReplayError::Unreadable)?;
    let params: BTreeMap<String, Value> = serde_json::from_str(row.params_json.as_deref().unwrap_or("{}"))
        .map_err(|e| ReplayError::Unreadable(format!("params_json: {e}")))?;
    let point = trial_params(&spec, &params).map_err(ReplayError::Unreadable)?;
    let wanted = params.get("symbol").and_then(Value::as_str).map(str::to_string);
    let opts = super::optimize::load_options(load.clone());
    let mut source = spec.data.clone();
    if let Some(symbol) = &wanted {
        source.symbols = vec![symbol.clone()]; // only the trial's series is read again
    }
    let (bars, replay) = tokio::task::spawn_blocking(move || -> Result<_, ReplayError> {
        let series = data::load(&source, &opts)?;
        let bars = match wanted {
            Some(symbol) => series
                .into_iter()
                .find(|b| b.symbol == symbol)
                .ok_or(ReplayError::NoSeries(symbol))?,
            None => series
                .into_iter()
                .next()
                .ok_or_else(|| ReplayError::NoSeries("of the spec".into()))?,
        };
        let replay = replay(&spec, &bars, point);
        Ok((bars, replay))
    })
    .await
    .map_err(|e| ReplayError::Unreadable(format!("the replay stopped: {e}")))??;
    Ok(Replayed {
        run_id: run_id.to_string(),
        row,
        objective: run.objective,
        params,
        bars,
        replay,
    })
}

/// The kernel parameters of a stored `params` object: `ema_fast`, `ema_slow`, `R`, and `atr_k` (the spec's when it
/// was not searched).
fn trial_params(spec: &ExperimentSpec, params: &BTreeMap<String, Value>) -> Result<TrialParams, String> {
    let number = |key: &str| params.get(key).and_then(Value::as_f64);
    let need = |key: &str| number(key).ok_or_else(|| format!("params_json has no number {key}"));
    let default_atr = spec.strategy.search_space.atr_k.first().copied();
    Ok(TrialParams {
        ema_fast: need("ema_fast")? as usize,
        ema_slow: need("ema_slow")? as usize,
        r: need("R")?,
        atr_k: number("atr_k")
            .or(default_atr)
            .ok_or("params_json has no atr_k and the spec none")?,
    })
}

impl Replayed {
    /// Every trade, fold by fold.
    pub fn trades(&self) -> Vec<TrialTrade> {
        self.replay
            .folds
            .iter()
            .flat_map(|f| {
                f.trades.iter().map(move |t| TrialTrade {
                    fold: f.fold,
                    ts_entry: iso(t.ts_entry),
                    price_entry: t.price_entry,
                    ts_exit: iso(t.ts_exit),
                    price_exit: t.price_exit,
                    side: Side::Long,
                    r_multiple: t.r_multiple,
                    pnl: t.pnl,
                    exit_reason: t.reason,
                    bars_held: (t.exit_index - t.entry_index) as u64,
                })
            })
            .collect()
    }

    /// The whole out-of-sample equity curve, fold after fold.
    pub fn equity(&self) -> Vec<(i64, f64)> {
        self.replay
            .folds
            .iter()
            .flat_map(|f| f.equity.iter().copied())
            .collect()
    }

    /// The API's view: metrics per fold and stitched, the curve thinned to [`EQUITY_POINTS`], every trade.
    pub fn detail(&self) -> TrialDetail {
        let r = &self.replay;
        let stored = (self.row.n_trades, self.row.sharpe);
        let replayed = (Some(r.out_of_sample.n_trades as i64), Some(r.out_of_sample.sharpe));
        TrialDetail {
            run_id: self.run_id.clone(),
            trial_number: self.row.trial_number,
            symbol: self.bars.symbol.clone(),
            params: self.params.clone(),
            status: self.row.status.clone(),
            objective: self.objective.clone(),
            objective_value: self.row.objective_value,
            reproduced: same(stored, replayed),
            in_sample: r.in_sample,
            out_of_sample: r.out_of_sample,
            folds: r
                .folds
                .iter()
                .map(|f| TrialFold {
                    fold: f.fold,
                    train_start: iso(f.train_start),
                    train_end: iso(f.train_end),
                    test_start: iso(f.test_start),
                    test_end: iso(f.test_end),
                    train: f.train,
                    test: f.test,
                })
                .collect(),
            equity: thin(&self.equity(), EQUITY_POINTS)
                .into_iter()
                .map(|(ts, equity)| EquityPoint { ts, equity })
                .collect(),
            trades: self.trades(),
        }
    }
}

/// Whether the stored trade count and Sharpe are the replayed ones (the Sharpe as stored: non-finite is null).
fn same(stored: (Option<i64>, Option<f64>), replayed: (Option<i64>, Option<f64>)) -> bool {
    let sharpe = replayed.1.filter(|v| v.is_finite());
    stored.0 == replayed.0 && stored.1 == sharpe
}
