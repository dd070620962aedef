//! The demo data set: synthetic bars written to disk and registered so a newcomer sees data at once.

use anyhow::Context;
use engine::data::synth::{generate, SynthSpec};
use engine::jobs::{JobKind, JobSpec};
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

/// Writes the original's sample bars where its example specs read them (under the data root) if they are missing;
/// a data root that cannot be written to is logged and left alone.
pub fn write_sample_bars(data_root: &Path) {
    match engine::examples::write_sample_bars(data_root) {
        Ok(Some(path)) => tracing::info!(path = %path.display(), "wrote the example specs' sample bars"),
        Ok(None) => {}
        Err(e) => tracing::warn!(error = %e, "could not write the example specs' sample bars under the data root"),
    }
}

/// The examples the demo jobs run (`specs/<kind>_demo.json`), under the run ids `demo_<kind>`.
const DEMO_EXAMPLES: [&str; 3] = ["optimize_demo", "stats_demo", "seasonality_demo"];

/// Specs of the demo jobs: the embedded `*_demo` examples (an EMA-cross optimisation with walk-forward folds,
/// market statistics and seasonality profiles) with their `dataset_path` pointed at `parquet`.
pub fn demo_specs(parquet: &Path) -> anyhow::Result<Vec<(JobKind, JobSpec, serde_json::Value)>> {
    let examples = engine::examples::embedded();
    DEMO_EXAMPLES
        .iter()
        .map(|&name| {
            let ex = examples
                .iter()
                .find(|e| e.name == name)
                .with_context(|| format!("the {name} example is not embedded"))?;
            let mut value: serde_json::Value = serde_json::from_str(&ex.text)?;
            value["data"]["dataset_path"] = parquet.display().to_string().into();
            let spec = JobSpec::parse(ex.kind, value.clone()).with_context(|| format!("example {name}"))?;
            Ok((ex.kind, spec, value))
        })
        .collect()
}

/// Queues the demo jobs under stable ids (`demo_optimize`, `demo_stats`, `demo_seasonality`); with `wait`, returns
/// once they have ended (so a fresh dashboard, or a test, has every kind of result at once).
pub async fn submit_demo_jobs(jobs: &engine::jobs::Jobs, parquet: &Path, wait: bool) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let mut ids = Vec::new();
    for (kind, spec, value) in demo_specs(parquet)? {
        let load = engine::data::LoadOptions::from_env(None, None);
        let id = jobs
            .submit_as(format!("demo_{kind}"), spec, &value.to_string(), load)
            .await?
            .id;
        tracing::info!(kind = kind.as_str(), run_id = %id, "queued a demo job");
        ids.push(id);
    }
    if wait {
        for id in &ids {
            let rec = jobs.wait(id).await?.context("a demo job vanished")?;
            anyhow::ensure!(
                rec.status == model::jobs::JobStatus::Completed,
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
