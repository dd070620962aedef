//! The optimisation job on real files and real databases: artifacts, rows and statuses against the outcome
//! computed directly with `optimize::run`.

use super::*;
use crate::data::synth::{generate, SynthSpec};
use crate::optimize::no_progress;
use crate::store::{testing, Store};
use model::spec::experiment::parse_experiment;
use polars::prelude::{ParquetReader, SerReader};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};

/// 120 days of 5-minute demo bars (three symbols) written as CSV; returns the directory guard and the file.
fn demo_csv() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let spec = SynthSpec {
        days: 120,
        ..SynthSpec::demo()
    };
    let path = dir.path().join("demo.csv");
    crate::data::write::write_file(&generate(&spec), &path).unwrap();
    (dir, path)
}

fn spec_for(path: &str, symbols: &[&str]) -> ExperimentSpec {
    parse_experiment(json!({
        "data": {"dataset_path": path, "symbols": symbols, "start": "2024-01-01", "end": "2024-04-29"},
        "strategy": {
            "filters": {"ema_fast": 9, "ema_slow": 26},
            "tpsl": {"atr_k": 2.0},
            "validation": {"train_months": 1, "test_months": 1, "folds": 2, "min_trades": 1},
            "objective": "sharpe",
            "search_space": {"ema_fast": [5, 10, 30], "ema_slow": [20, 40], "R": [1, 2]}
        }
    }))
    .unwrap()
}

fn read_parquet(path: &std::path::Path) -> polars::prelude::DataFrame {
    ParquetReader::new(std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .finish()
        .unwrap()
}

/// A Float64 column's values (nulls as None).
fn f64_column(df: &polars::prelude::DataFrame, name: &str) -> Vec<Option<f64>> {
    let ca = df.column(name).unwrap().f64().unwrap();
    (0..ca.len()).map(|i| ca.get(i)).collect()
}

fn parquet_rows(path: &std::path::Path) -> usize {
    read_parquet(path).height()
}

async fn count(store: &Store, sql: &str, run_id: &str) -> i64 {
    use sqlx::Row;
    sqlx::query(sql)
        .bind(run_id)
        .fetch_one(store.pool())
        .await
        .unwrap()
        .try_get::<i64, _>(0)
        .unwrap()
}

async fn a_run_writes_artifacts_rows_and_finishes(store: Store) {
    let (dir, csv) = demo_csv();
    let spec = spec_for(csv.to_str().unwrap(), &["EURUSD"]);
    let out = dir.path().join("artifacts").join("run1");
    let ctx = JobContext::local("run1", &out, Some(store.clone()), LoadOptions::default());
    let result = execute(&ctx, spec.clone()).await.unwrap();

    // The same search computed directly gives the same trials (the job adds no numbers of its own).
    let bars = crate::data::load(&spec.data, &LoadOptions::default()).unwrap();
    let cancel = AtomicBool::new(false);
    let direct = crate::optimize::run(&spec, &bars, &RunContext::new(&no_progress, &cancel)).unwrap();
    let n = direct.symbols[0].trials.len();
    assert_eq!(n, 5 * 2, "fast < slow pairs × R");
    assert_eq!(result, direct.result(&out.display().to_string()));
    assert_eq!(result.trials_path, out.join("trials.parquet").display().to_string());

    assert_eq!(parquet_rows(&out.join("trials.parquet")), n);
    let trials = read_parquet(&out.join("trials.parquet"));
    let floats = |name: &str| f64_column(&trials, name);
    let want: Vec<Option<f64>> = direct.symbols[0]
        .trials
        .iter()
        .map(|t| Some(t.out_of_sample.sharpe))
        .collect();
    assert_eq!(floats("sharpe"), want);
    let want: Vec<Option<f64>> = direct.symbols[0]
        .trials
        .iter()
        .map(|t| t.in_sample.map(|m| m.sortino))
        .collect();
    assert_eq!(floats("is_sortino"), want);
    assert_eq!(floats("R")[3], Some(direct.symbols[0].trials[3].params.r));
    let trades = read_parquet(&out.join("trades_1.parquet"));
    let pnl = f64_column(&trades, "pnl");
    let want: Vec<Option<f64>> = direct.symbols[0].folds[1].trades.iter().map(|t| Some(t.pnl)).collect();
    assert_eq!(pnl, want);
    for f in 0..direct.symbols[0].folds.len() {
        let trades = parquet_rows(&out.join(format!("trades_{f}.parquet")));
        assert_eq!(trades, direct.symbols[0].folds[f].trades.len());
        let equity = parquet_rows(&out.join(format!("equity_{f}.parquet")));
        assert_eq!(equity, direct.symbols[0].folds[f].equity.len());
    }
    let summary: Value = serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(
        summary["params"],
        serde_json::to_value(result.first.best.unwrap().params).unwrap()
    );
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");

    let run = runs::get_run(&store, "run1").await.unwrap().unwrap();
    assert_eq!(run.status.as_deref(), Some("FINISHED"));
    assert_eq!(run.out_dir.as_deref(), Some(out.display().to_string().as_str()));
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM trials WHERE run_id = ?", "run1").await,
        n as i64
    );
    // In-sample values are stored for the IS-vs-OOS scatter and equal the outcome's train-window metrics.
    let scatter = runs::trials_in_sample(&store, "run1").await.unwrap();
    for (row, t) in scatter.iter().zip(&direct.symbols[0].trials) {
        assert_eq!(row.is_sharpe, t.in_sample.map(|m| m.sharpe));
        assert_eq!(row.is_n_trades, t.in_sample.map(|m| m.n_trades as i64));
    }
    let metrics = runs::get_metrics(&store, "run1").await.unwrap();
    let wf = direct.symbols[0].walk_forward.unwrap();
    assert_eq!(metrics.aggregated.get("sharpe"), Some(&wf.sharpe));
    assert_eq!(metrics.folds.len(), direct.symbols[0].folds.len());
}

async fn a_failing_run_is_marked_failed(store: Store) {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.csv");
    let ctx = JobContext::local(
        "run_bad",
        dir.path().join("out"),
        Some(store.clone()),
        LoadOptions::default(),
    );
    let err = execute(&ctx, spec_for(missing.to_str().unwrap(), &["EURUSD"]))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("missing.csv"), "{err}");
    let run = runs::get_run(&store, "run_bad").await.unwrap().unwrap();
    assert_eq!(run.status.as_deref(), Some("FAILED"));
    assert!(run.finished_at.is_some());
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM trials WHERE run_id = ?", "run_bad").await,
        0
    );
}

#[tokio::test]
async fn sqlite_optimize_job_end_to_end() {
    let (store, _dir) = testing::sqlite().await;
    a_run_writes_artifacts_rows_and_finishes(store.clone()).await;
    a_failing_run_is_marked_failed(store).await;
}

#[tokio::test]
async fn mysql_optimize_job_end_to_end() {
    let Some(store) = testing::mysql().await else {
        return;
    };
    a_run_writes_artifacts_rows_and_finishes(store.clone()).await;
    a_failing_run_is_marked_failed(store).await;
}

#[tokio::test]
async fn a_cancelled_run_is_marked_cancelled_and_a_queued_row_is_reused() {
    let (store, _dir) = testing::sqlite().await;
    let (dir, csv) = demo_csv();
    let queued = runs::NewRun {
        run_id: "run_c".into(),
        ..Default::default()
    };
    runs::create_or_running(&store, &queued).await.unwrap();
    runs::set_status(&store, "run_c", JobStatus::Queued).await.unwrap();
    let ctx = JobContext::local(
        "run_c",
        dir.path().join("out"),
        Some(store.clone()),
        LoadOptions::default(),
    );
    ctx.cancel.store(true, Ordering::Relaxed);
    let err = execute(&ctx, spec_for(csv.to_str().unwrap(), &["EURUSD"]))
        .await
        .unwrap_err();
    assert!(matches!(err, JobError::Cancelled), "{err}");
    let all = runs::list_runs(&store, &Default::default()).await.unwrap();
    assert_eq!(all.len(), 1, "the queued row is the run's row");
    assert_eq!(all[0].status.as_deref(), Some("CANCELLED"));
}

#[tokio::test]
async fn several_symbols_without_a_store_write_per_symbol_files() {
    let (dir, csv) = demo_csv();
    let out = dir.path().join("out");
    let ctx = JobContext::local("run_s", &out, None, LoadOptions::default());
    let result = execute(&ctx, spec_for(csv.to_str().unwrap(), &["EURUSD", "ES"]))
        .await
        .unwrap();
    let symbols = result.symbols.expect("every symbol listed");
    assert_eq!(symbols.len(), 2);
    let per_symbol = symbols[0].trials.len();
    assert_eq!(parquet_rows(&out.join("trials.parquet")), 2 * per_symbol);
    for s in ["EURUSD", "ES"] {
        assert!(out.join(format!("trades_{s}_0.parquet")).exists(), "{s}");
        assert!(out.join(format!("equity_{s}_1.parquet")).exists(), "{s}");
    }
}
