//! The demo data set: synthetic bars written to disk and registered so a newcomer sees data at once.

use anyhow::Context;
use engine::data::synth::{generate, SynthSpec};
use engine::store::{datasets, Store};
use model::DatasetRow;
use std::path::Path;

/// Generates `spec` and writes `<name>.csv`, `<name>.parquet` and `<name>_truth.json` into `dir`.
/// Returns one dataset row per symbol, pointing at the Parquet file.
pub fn write(spec: &SynthSpec, dir: &Path, name: &str) -> anyhow::Result<Vec<DatasetRow>> {
    let series = generate(spec);
    let parquet = dir.join(format!("{name}.parquet"));
    engine::data::write::write_file(&series, &dir.join(format!("{name}.csv"))).context("writing the demo CSV")?;
    engine::data::write::write_file(&series, &parquet).context("writing the demo Parquet")?;
    std::fs::write(dir.join(format!("{name}_truth.json")), serde_json::to_vec_pretty(spec)?)?;
    let timeframe = format!("{}m", spec.bar_minutes);
    Ok(series
        .iter()
        .map(|b| DatasetRow {
            name: name.to_string(),
            symbol: b.symbol.clone(),
            timeframe: timeframe.clone(),
            path: parquet.display().to_string(),
            n_bars: b.len() as i64,
            start: engine::time::db_text(b.ts[0]),
            end: engine::time::db_text(*b.ts.last().unwrap_or(&b.ts[0])),
        })
        .collect())
}

/// The demo data set: the synthetic demo symbols over three calendar years (2022–2024), so the seasonality
/// page's per-year stability view has years to compare.
pub fn demo_data() -> SynthSpec {
    SynthSpec {
        start: chrono::NaiveDate::from_ymd_opt(2022, 1, 1).expect("valid date"),
        days: 1096,
        ..SynthSpec::demo()
    }
}

/// Writes and registers the demo data set when the database has no dataset yet; returns the Parquet file
/// written, or None when the database already had data.
pub async fn seed_if_empty(store: &Store, dir: &Path) -> anyhow::Result<Option<std::path::PathBuf>> {
    if !datasets::list(store).await?.is_empty() {
        return Ok(None);
    }
    let rows = write(&demo_data(), dir, "demo")?;
    datasets::upsert(store, &rows).await?;
    tracing::info!(series = rows.len(), dir = %dir.display(), "seeded the demo data set");
    Ok(Some(dir.join("demo.parquet")))
}

/// Specs of the demo jobs over the demo Parquet file: an EMA-cross optimisation with walk-forward folds, market
/// statistics and seasonality profiles, so a newcomer's dashboard has every kind of result.
pub fn demo_specs(parquet: &Path) -> Vec<(&'static str, serde_json::Value)> {
    let path = parquet.display().to_string();
    let data = |symbols: &[&str]| {
        serde_json::json!({"dataset_path": path, "symbols": symbols, "timeframe": "5m",
                           "start": "2024-01-01", "end": "2024-12-31"})
    };
    let all_years = serde_json::json!({"dataset_path": path, "symbols": ["EURUSD", "ES", "BTCUSD"], "timeframe": "5m",
                                       "start": "2022-01-01", "end": "2024-12-31"});
    vec![
        (
            "optimize",
            serde_json::json!({
                "data": data(&["EURUSD"]),
                "strategy": {
                    "filters": {"ema_fast": 9, "ema_slow": 26}, "tpsl": {"atr_k": 2.0},
                    "validation": {"train_months": 3, "test_months": 1, "folds": 6, "embargo_days": 0},
                    "objective": "sharpe",
                    "search_space": {"ema_fast": [5, 8, 12, 16, 20], "ema_slow": [30, 40, 50, 60, 80]}
                }
            }),
        ),
        (
            "stats",
            serde_json::json!({
                "data": data(&["EURUSD", "ES", "BTCUSD"]),
                "events": [{"name": "k_consecutive", "params": {"k": 3, "direction": "up"}},
                           {"name": "shock_atr", "params": {"mult": 2.0, "window": 14}}],
                "conditions": [{"name": "session", "params": {"col": "session_id"}},
                               {"name": "vol_tertile", "params": {"window": 14}}],
                "targets": [{"name": "up_next_bar"}, {"name": "continuation_n", "params": {"n": 3, "direction": "up"}}],
                "validation": {"train_months": 3, "test_months": 3, "folds": 2},
                "persistence": {"enabled": true, "spec_id": "demo_stats", "dataset_id": "demo"}
            }),
        ),
        (
            "seasonality",
            serde_json::json!({
                "data": all_years,
                "profile": {"by_hour": true, "by_dow": true, "by_month": true, "by_session": true,
                            "by_weekday_hour": true, "measure": "direction", "ret_horizon": 1, "min_samples_bin": 30},
                "signal": {"method": "threshold", "threshold": 0.53, "dims": ["hour"], "combine": "and"},
                "tp_sl": {"stop_loss": 1.5, "take_profit": 1.5},
                "validation": {"train_months": 24, "test_months": 4, "folds": 3},
                "persistence": {"enabled": true, "spec_id": "demo_seasonality", "dataset_id": "demo"}
            }),
        ),
    ]
}

/// Queues the demo jobs under stable ids (`demo_optimize`, `demo_stats`, `demo_seasonality`); with `wait`, returns
/// once they have ended (so a fresh dashboard, or a test, has every kind of result at once).
pub async fn submit_demo_jobs(jobs: &engine::jobs::Jobs, parquet: &Path, wait: bool) -> anyhow::Result<()> {
    use engine::jobs::JobSpec;
    use model::spec::{experiment, seasonality, stats};
    let started = std::time::Instant::now();
    let mut ids = Vec::new();
    for (kind, value) in demo_specs(parquet) {
        let spec = match kind {
            "optimize" => JobSpec::Optimize(Box::new(experiment::parse_experiment(value.clone())?)),
            "stats" => JobSpec::Stats(Box::new(stats::parse_stats(value.clone())?)),
            _ => JobSpec::Seasonality(Box::new(seasonality::parse_seasonality(value.clone())?)),
        };
        let load = engine::data::LoadOptions::from_env(None, None);
        let id = jobs
            .submit_as(format!("demo_{kind}"), spec, &value.to_string(), load)
            .await?;
        tracing::info!(kind, run_id = %id, "queued a demo job");
        ids.push(id);
    }
    if wait {
        for id in &ids {
            let rec = jobs.wait(id).await?.context("a demo job vanished")?;
            anyhow::ensure!(
                rec.status == "completed",
                "demo job {id} ended {}: {:?}",
                rec.status,
                rec.error
            );
        }
        tracing::info!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "demo results computed"
        );
    }
    Ok(())
}
