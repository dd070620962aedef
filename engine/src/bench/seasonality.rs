//! The seasonality benchmarks: the job bodies of `POST /seasonality/run` and `POST /seasonality/optimize` (load the
//! CSV, compute, write the artifacts; no database) with the reference specs' settings on the benchmark's file.

use super::cases::{measurement, with_reference, Fixture, Reference};
use super::{time_runs, Measurement};
use crate::data::LoadOptions;
use crate::jobs::{seasonality, JobContext};
use serde_json::json;

/// The settings of `specs/seasonality_run.json` (or `specs/seasonality_optimize.json` with 10 trials) on the fixture's CSV.
fn spec(f: &Fixture, optimize: bool) -> Result<model::spec::seasonality::SeasonalitySpec, String> {
    let (by_dow, compute) = if optimize {
        let space = json!({"dims": [["hour"], ["dow"]], "method": ["threshold"], "combine": ["and"],
                           "threshold": {"values": [0.52, 0.55, 0.58]}, "ret_horizon": {"values": [1]},
                           "min_samples_bin": {"values": [2, 3]}});
        (false, json!({"max_trials": 10, "search_space": space}))
    } else {
        (true, json!({"max_trials": 5, "search_space": {}}))
    };
    model::spec::seasonality::parse_seasonality(json!({
        "data": {"dataset_path": f.csv.display().to_string(), "symbols": ["BTCUSD"], "timeframe": "M1",
                 "start": "2024-01-01", "end": "2024-12-31"},
        "profile": {"by_hour": true, "by_dow": by_dow, "measure": "direction", "ret_horizon": 1, "min_samples_bin": 2},
        "signal": {"method": "threshold", "threshold": 0.55, "dims": ["hour"], "combine": "and"},
        "compute": compute,
        "execution": {"slippage_bps": 0.5, "commission_bps": 0.2},
        "tp_sl": {"stop_loss": 1.5, "take_profit": 1.5},
        "validation": {"train_months": 0, "test_months": 1, "folds": 1, "embargo_days": 0}
    }))
    .map_err(|e| e.to_string())
}

/// `seasonality_run` (`optimize` false) or `seasonality_optimize` (10 trials).
pub fn bench(f: &Fixture, repeats: usize, optimize: bool) -> Result<Measurement, String> {
    let spec = spec(f, optimize)?;
    let out_dir = f.dir.join(if optimize {
        "seasonality_optimize"
    } else {
        "seasonality_run"
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a runtime: {e}"))?;
    let ctx = JobContext::local("bench", &out_dir, None, LoadOptions::default());
    // A thread of its own: the caller may itself be on an async runtime's thread.
    let t = std::thread::scope(|s| {
        s.spawn(|| {
            time_runs(repeats, || {
                let job = async {
                    if optimize {
                        seasonality::optimize(&ctx, spec.clone()).await.map(drop)
                    } else {
                        seasonality::run(&ctx, spec.clone()).await.map(drop)
                    }
                };
                runtime.block_on(job).map_err(|e| e.to_string())
            })
        })
        .join()
        .unwrap_or_else(|_| Err("the seasonality benchmark panicked".into()))
    })?;
    let (name, what, reference) = if optimize {
        (
            "seasonality_optimize",
            "load bench.csv + seasonality optimise, 10 trials (reference spec's search space), artifacts",
            Reference {
                target_s: Some(0.8),
                original_s: Some(83.0),
                original_note: Some("83 s for 10 trials on this file"),
            },
        )
    } else {
        (
            "seasonality_run",
            "load bench.csv + seasonality run (reference spec: by_hour + by_dow, direction, signal, backtest), artifacts",
            Reference {
                target_s: Some(0.094),
                original_s: Some(9.4),
                original_note: Some("9.4 s for its seasonality run on this file"),
            },
        )
    };
    let m = measurement(name, what.into(), f.bars.len(), &t, f.bars.len() as f64, "bars/s");
    Ok(with_reference(m, reference))
}
