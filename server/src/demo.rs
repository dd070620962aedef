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

/// Writes and registers the demo data set when the database has no dataset yet.
pub async fn seed_if_empty(store: &Store, dir: &Path) -> anyhow::Result<()> {
    if !datasets::list(store).await?.is_empty() {
        return Ok(());
    }
    let rows = write(&SynthSpec::demo(), dir, "demo")?;
    datasets::upsert(store, &rows).await?;
    tracing::info!(series = rows.len(), dir = %dir.display(), "seeded the demo data set");
    Ok(())
}
