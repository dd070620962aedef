//! The `stats_summary.parquet` artifact: the output rows as a real Parquet table, columns in output order.

use super::StatsError;
use model::stats::StatRow;
use polars::prelude::*;
use std::path::{Path, PathBuf};

/// Writes `rows` to `<dir>/stats_summary.parquet` (directory created) and returns the file's path.
pub fn write_summary(rows: &[StatRow], dir: &Path) -> Result<PathBuf, StatsError> {
    let path = dir.join("stats_summary.parquet");
    let err = |source: PolarsError| StatsError::Artifact {
        path: path.display().to_string(),
        source,
    };
    let mut df = frame(rows).map_err(err)?;
    std::fs::create_dir_all(dir).map_err(|e| err(e.into()))?;
    let file = std::fs::File::create(&path).map_err(|e| err(e.into()))?;
    crate::data::write::parquet_writer(file).finish(&mut df).map_err(err)?;
    Ok(path)
}

/// The rows as a DataFrame with the columns of [`model::stats::STAT_COLUMNS`].
pub fn frame(rows: &[StatRow]) -> PolarsResult<DataFrame> {
    macro_rules! col {
        ($name:literal, $f:expr) => {
            Column::new($name.into(), rows.iter().map($f).collect::<Vec<_>>())
        };
    }
    DataFrame::new(
        rows.len(),
        vec![
            col!("symbol", |r| r.symbol.clone()),
            col!("event", |r| r.event.clone()),
            col!("condition_name", |r| r.condition_name.clone()),
            col!("condition_value", |r| r.condition_value.clone()),
            col!("target", |r| r.target.clone()),
            col!("n", |r| r.n),
            col!("successes", |r| r.successes),
            col!("p_hat", |r| r.p_hat),
            col!("ci_low", |r| r.ci_low),
            col!("ci_high", |r| r.ci_high),
            col!("p_mean", |r| r.p_mean),
            col!("p_map", |r| r.p_map),
            col!("hdi_low", |r| r.hdi_low),
            col!("hdi_high", |r| r.hdi_high),
            col!("lift_freq", |r| r.lift_freq),
            col!("lift_bayes", |r| r.lift_bayes),
            col!("insufficient", |r| r.insufficient),
            col!("split", |r| r.split.clone()),
            col!("p_value", |r| r.p_value),
            col!("q_value", |r| r.q_value),
            col!("significant", |r| r.significant),
            col!("fold", |r| r.fold),
            col!("ttr_mean", |r| r.ttr_mean),
            col!("ttr_median", |r| r.ttr_median),
            col!("ttr_q25", |r| r.ttr_q25),
            col!("ttr_q75", |r| r.ttr_q75),
            col!("ttr_q90", |r| r.ttr_q90),
        ],
    )
}
