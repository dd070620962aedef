//! The market-stats job body (`POST /stats/run`, `qe stats run`): load, count events × conditions × targets,
//! write the artifacts the spec asks for, upsert `market_stats`, and answer `{"columns": [...], "rows": [...]}`.

use super::{JobContext, JobError};
use crate::data::{self, LoadOptions};
use crate::stats::{self as st, Control, StatsError, StatsResult};
use crate::store::market_stats::{self, RunKey};
use model::spec::stats::StatsSpec;
use polars::prelude::*;
use std::path::{Path, PathBuf};

/// The MySQL schema a stats spec's `data.mysql` block defaults to (reference §1.3).
pub const MYSQL_SCHEMA_DEFAULT: &str = "marketdata";

/// Runs `spec`. Artifacts (`stats_summary.parquet`, `stats_details.parquet`) go to `ctx.out_dir` when the spec
/// sets `artifacts.out_dir` (the spec's directory itself is not used: every run writes to its own directory).
/// Rows are upserted into `market_stats` in one transaction when `persistence` is enabled and a store is given.
pub async fn execute(ctx: &JobContext, spec: StatsSpec) -> Result<model::results::StatsResult, JobError> {
    let (spec, result) = ctx
        .blocking(move |ctx| {
            let result = compute(ctx, &spec)?;
            Ok((spec, result))
        })
        .await?;
    if let (true, Some(store)) = (spec.persistence.enabled, &ctx.store) {
        ctx.report(0.98, "storing rows");
        market_stats::upsert(store, &RunKey::for_spec(&spec), &result.rows).await?;
    }
    ctx.report(1.0, "finished");
    wire_result(&result)
}

/// The `GET /stats/result` `result` document of a run (see [`model::results::StatsResult::new`]).
pub fn wire_result(result: &StatsResult) -> Result<model::results::StatsResult, JobError> {
    model::results::StatsResult::new(&result.columns, result.rows.clone())
        .map_err(|e| JobError::Failed(format!("cannot serialise the result: {e}")))
}

fn compute(ctx: &JobContext, spec: &StatsSpec) -> Result<StatsResult, JobError> {
    if ctx.is_cancelled() {
        return Err(JobError::Cancelled);
    }
    ctx.report(0.0, "loading data");
    let opts = LoadOptions {
        mysql_schema_default: Some(MYSQL_SCHEMA_DEFAULT.to_string()),
        ..ctx.load_options()
    };
    let series = data::load(&spec.data, &opts)?;
    let _memory = super::budget::admit(&super::budget::seasonality(&series, 0), ctx)?;
    let timeframe = spec.data.timeframe.clone().unwrap_or_default();
    let progress = |done: usize, total: usize| {
        let f = if total == 0 { 1.0 } else { done as f64 / total as f64 };
        ctx.report(0.05 + 0.9 * f, &format!("{done}/{total} splits counted"));
    };
    let control = Control {
        cancel: Some(&*ctx.cancel),
        progress: Some(&progress),
    };
    let remote = ctx
        .nats
        .as_ref()
        .map(|n| n.stats(&ctx.run_id, tokio::runtime::Handle::current()));
    let executor: &dyn st::UnitExecutor = match &remote {
        Some(r) => r,
        None => &st::InProcess,
    };
    let result = st::run_on(spec, &series, &timeframe, control, executor).map_err(|e| match e {
        StatsError::Cancelled => JobError::Cancelled,
        StatsError::UnknownColumn { index, .. } => JobError::Spec {
            path: vec!["conditions".into(), index.into(), "params".into(), "col".into()],
            message: e.to_string(),
        },
        other => JobError::Failed(other.to_string()),
    })?;
    if spec.out_dir.is_some() {
        ctx.report(0.95, "writing artifacts");
        write_artifacts(&result, &ctx.out_dir)?;
    }
    Ok(result)
}

/// Writes `stats_summary.parquet` (every output row) and `stats_details.parquet` (the original's placeholder:
/// the same columns, no rows) into `dir`, each through a temporary name; returns both paths.
pub fn write_artifacts(result: &StatsResult, dir: &Path) -> Result<Vec<PathBuf>, JobError> {
    let fail = |path: &Path, reason: String| JobError::Artifact {
        path: path.display().to_string(),
        reason,
    };
    std::fs::create_dir_all(dir).map_err(|e| fail(dir, e.to_string()))?;
    let mut written = Vec::new();
    for (name, rows) in [
        ("stats_summary.parquet", &result.rows[..]),
        ("stats_details.parquet", &[][..]),
    ] {
        let path = dir.join(name);
        let tmp = dir.join(format!("{name}.tmp"));
        let write = || -> PolarsResult<()> {
            let mut df = st::artifact::frame(rows)?;
            let file = std::fs::File::create(&tmp)?;
            crate::data::write::parquet_writer(file).finish(&mut df)?;
            std::fs::rename(&tmp, &path)?;
            Ok(())
        };
        if let Err(e) = write() {
            let _ = std::fs::remove_file(&tmp);
            return Err(fail(&path, e.to_string()));
        }
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
#[path = "stats_tests.rs"]
mod tests;
