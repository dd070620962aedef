//! Writes profile rows to `seasonality_profiles.parquet` with the original's columns and order (§3.2).

use super::SeasonalityError;
use model::seasonality::{Bin, MeasureStats, ProfileRow};
use model::spec::seasonality::Measure;
use polars::prelude::*;
use std::path::Path;

/// Builds the profile table. `bin` is Int64 when every bin is an integer, else text (the original could not mix
/// dims of different bin types in one file at all). `n`/`n_runs` are UInt32, periods UTC datetimes.
pub fn profiles_frame(rows: &[ProfileRow], measure: Measure) -> PolarsResult<DataFrame> {
    let f = |get: &dyn Fn(&ProfileRow) -> Option<f64>| rows.iter().map(get).collect::<Vec<Option<f64>>>();
    let col = |name: &str, v: Vec<Option<f64>>| Column::new(name.into(), v);
    let all_int = rows.iter().all(|r| matches!(r.bin, Bin::Int(_)));
    let bin = if all_int {
        Column::new(
            "bin".into(),
            rows.iter()
                .map(|r| if let Bin::Int(i) = r.bin { i } else { 0 })
                .collect::<Vec<i64>>(),
        )
    } else {
        Column::new(
            "bin".into(),
            rows.iter().map(|r| r.bin.to_string()).collect::<Vec<String>>(),
        )
    };
    let mut cols = vec![
        Column::new(
            "symbol".into(),
            rows.iter().map(|r| r.symbol.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "timeframe".into(),
            rows.iter().map(|r| r.timeframe.as_str()).collect::<Vec<_>>(),
        ),
        Column::new("dim".into(), rows.iter().map(|r| r.dim.as_str()).collect::<Vec<_>>()),
        bin,
        Column::new("n".into(), rows.iter().map(|r| r.n as u32).collect::<Vec<u32>>()),
    ];
    let head = |r: &ProfileRow| match &r.stats {
        MeasureStats::Direction {
            successes,
            p_hat,
            ci_low,
            ci_high,
        } => [Some(*successes as f64), *p_hat, *ci_low, *ci_high],
        MeasureStats::Return {
            ret_mean,
            ret_median,
            ret_std,
        } => [*ret_mean, *ret_median, *ret_std, None],
    };
    match measure {
        Measure::Direction => {
            cols.push(Column::new(
                "successes".into(),
                rows.iter().map(|r| head(r)[0].map(|s| s as u32)).collect::<Vec<_>>(),
            ));
            for (k, name) in ["p_hat", "ci_low", "ci_high"].iter().enumerate() {
                cols.push(col(name, f(&|r| head(r)[k + 1])));
            }
        }
        Measure::Return => {
            for (k, name) in ["ret_mean", "ret_median", "ret_std"].iter().enumerate() {
                cols.push(col(name, f(&|r| head(r)[k])));
            }
        }
    }
    cols.push(col("run_len_up_mean", f(&|r| r.run_len_up_mean)));
    cols.push(col("run_len_down_mean", f(&|r| r.run_len_down_mean)));
    cols.push(Column::new(
        "n_runs".into(),
        rows.iter().map(|r| r.n_runs as u32).collect::<Vec<u32>>(),
    ));
    type Getter<'a> = &'a dyn Fn(&ProfileRow) -> Option<f64>;
    let tail: [(&str, Getter); 24] = [
        ("p_reversal_n", &|r| r.p_reversal_n),
        ("p_reversal_ci_low", &|r| r.p_reversal_ci_low),
        ("p_reversal_ci_high", &|r| r.p_reversal_ci_high),
        ("p_reversal_lift", &|r| r.p_reversal_lift),
        ("p_reversal_baseline", &|r| r.p_reversal_baseline),
        ("amp_mean", &|r| r.amp_mean),
        ("amp_std", &|r| r.amp_std),
        ("amp_p25", &|r| r.amp_p25),
        ("amp_p50", &|r| r.amp_p50),
        ("amp_p75", &|r| r.amp_p75),
        ("amp_p90", &|r| r.amp_p90),
        ("atr_mean", &|r| r.atr_mean),
        ("p_breakout_up", &|r| r.p_breakout_up),
        ("p_breakout_down", &|r| r.p_breakout_down),
        ("p_in_range", &|r| r.p_in_range),
        ("ret_p25", &|r| r.ret_p25),
        ("ret_p50", &|r| r.ret_p50),
        ("ret_p75", &|r| r.ret_p75),
        ("ret_p90", &|r| r.ret_p90),
        ("baseline", &|r| r.baseline),
        ("lift", &|r| r.lift),
        ("t_stat", &|r| r.t_stat),
        ("p_value", &|r| r.p_value),
        ("q_value", &|r| r.q_value),
    ];
    for (name, get) in &tail[..21] {
        cols.push(col(name, f(*get)));
    }
    cols.push(Column::new(
        "insufficient".into(),
        rows.iter().map(|r| r.insufficient).collect::<Vec<bool>>(),
    ));
    let utc = DataType::Datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC));
    for (name, v) in [
        (
            "period_start",
            rows.iter().map(|r| r.period_start).collect::<Vec<i64>>(),
        ),
        ("period_end", rows.iter().map(|r| r.period_end).collect()),
    ] {
        cols.push(Series::new(name.into(), v).cast(&utc)?.into());
    }
    cols.push(Column::new(
        "horizon".into(),
        rows.iter().map(|r| r.horizon as i64).collect::<Vec<i64>>(),
    ));
    for (name, get) in &tail[21..] {
        cols.push(col(name, f(*get)));
    }
    cols.push(col("years_same_sign", f(&|r| r.years_same_sign)));
    DataFrame::new(rows.len(), cols)
}

/// Writes `rows` to `path` (directories created; written to a temporary name, then renamed).
pub fn write_profiles(rows: &[ProfileRow], measure: Measure, path: &Path) -> Result<(), SeasonalityError> {
    let fail = |e: &dyn std::fmt::Display| SeasonalityError::Write {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    let mut df = profiles_frame(rows, measure).map_err(|e| fail(&e))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| fail(&e))?;
    }
    let tmp = path.with_extension("parquet.tmp");
    let file = std::fs::File::create(&tmp).map_err(|e| fail(&e))?;
    crate::data::write::parquet_writer(file)
        .finish(&mut df)
        .map_err(|e| fail(&e))?;
    std::fs::rename(&tmp, path).map_err(|e| fail(&e))
}
