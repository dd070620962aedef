//! Job-body tests on real files and real databases (SQLite always, MariaDB when configured): persistence,
//! artifacts, failure marking, the optimiser's trials, and the original's payload keys (responses 27 and 28).

use super::*;
use crate::data::synth::{generate, SynthSpec};
use crate::store::seasonality::{get_run, list_profiles, ProfileQuery};
use crate::store::seasonality_trials::list_trials;
use crate::store::{testing, Store};
use model::spec::seasonality::parse_seasonality;
use serde_json::json;
use std::path::Path;

const RESPONSES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/responses");

fn write_demo(dir: &Path, days: u32) -> String {
    let path = dir.join("demo.parquet");
    let bars = generate(&SynthSpec {
        days,
        ..SynthSpec::demo()
    });
    crate::data::write::write_file(&bars, &path).unwrap();
    path.display().to_string()
}

fn spec(path: &str, extra: Value) -> SeasonalitySpec {
    let mut v = json!({
        "data": {"dataset_path": path, "symbols": ["EURUSD", "BTCUSD"], "timeframe": "5m",
                 "start": "2024-01-01", "end": "2024-12-31"},
        "profile": {"by_hour": true, "by_dow": true, "min_samples_bin": 200},
        "signal": {"method": "topk", "topk": 1, "dims": ["hour", "dow"], "combine": "and"},
        "validation": {"train_months": 1, "test_months": 1, "folds": 2},
        "persistence": {"enabled": true, "spec_id": "s1", "dataset_id": "demo"}
    });
    for (k, x) in extra.as_object().cloned().unwrap_or_default() {
        v[k] = x;
    }
    parse_seasonality(v).unwrap()
}

/// Equal JSON values, numbers within a relative 1e-12 (serde_json's default float parser may miss the last bit).
fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            x == y || (x - y).abs() <= 1e-12 * x.abs().max(y.abs())
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same_json(v, w)),
        _ => a == b,
    }
}

fn ctx(dir: &Path, store: Option<Store>) -> JobContext {
    JobContext::local(new_run_id(), dir.join("run"), store, LoadOptions::default())
}

async fn a_run_completes_with_its_summary_profiles_and_artifacts(store: Store) {
    let dir = tempfile::tempdir().unwrap();
    let path = write_demo(dir.path(), 75);
    let c = ctx(dir.path(), Some(store.clone()));
    let result = serde_json::to_value(run(&c, spec(&path, json!({}))).await.unwrap()).unwrap();
    assert_eq!(result["run_id"], json!(c.run_id));
    assert!(
        c.run_id.len() == 32
            && c.run_id
                .chars()
                .all(|ch| ch.is_ascii_hexdigit() && !ch.is_ascii_uppercase())
    );
    assert_eq!(result["in_sample"], json!(false));
    assert_eq!(result["folds"].as_array().unwrap().len(), 2);
    assert_eq!(result["symbols"], json!(["BTCUSD", "EURUSD"]));
    for key in ["profiles", "summary", "trades", "equity"] {
        let p = result["artifacts"][key].as_str().unwrap();
        assert!(Path::new(p).exists(), "{p}");
        assert!(p.starts_with(&c.out_dir.display().to_string()));
    }
    for k in 0..2 {
        assert!(c
            .out_dir
            .join(format!("fold_{k}/seasonality_profiles.parquet"))
            .exists());
    }
    let read = |key: &str| {
        let file = std::fs::File::open(result["artifacts"][key].as_str().unwrap()).unwrap();
        polars::prelude::ParquetReader::new(file).finish().unwrap()
    };
    use polars::prelude::SerReader;
    let trades = read("trades");
    assert_eq!(
        trades.height() as u64,
        result["best_metrics"]["n_trades"].as_u64().unwrap()
    );
    for col in [
        "ts_entry",
        "price_entry",
        "ts_exit",
        "price_exit",
        "side",
        "r_multiple",
        "pnl",
        "symbol",
    ] {
        assert!(trades.column(col).is_ok(), "trades.{col}");
    }
    let equity = read("equity");
    assert!(equity.height() > 0);
    let first = equity.column("equity").unwrap().f64().unwrap().get(0).unwrap();
    assert!(first > 0.5 && first < 1.5, "equity starts near 1: {first}");
    assert!(matches!(
        equity.column("ts").unwrap().dtype(),
        polars::prelude::DataType::Datetime(..)
    ));
    let row = get_run(&store, &c.run_id).await.unwrap().unwrap();
    assert_eq!(row.status, "completed");
    let mut expected = result.clone();
    expected.as_object_mut().unwrap().remove("run_id");
    // JSON text round trip: equal up to the last bit of the decimal parse.
    assert!(same_json(&row.best_summary.unwrap(), &expected));
    assert_eq!(row.spec_id.as_deref(), Some("s1"));
    let q = ProfileQuery {
        spec_id: Some("s1".into()),
        page_size: 500,
        ..Default::default()
    };
    let stored = list_profiles(&store, &q).await.unwrap();
    // The best fold's rows: 24 hours + 5 weekdays (FX) or 7 (BTC).
    assert_eq!(stored.len(), 24 + 5 + 24 + 7);
    assert!(stored.iter().all(|p| p.start.as_deref() == Some("2024-01-01")));
}

#[tokio::test]
async fn a_run_completes_with_its_summary_profiles_and_artifacts_on_sqlite() {
    let (store, _g) = testing::sqlite().await;
    a_run_completes_with_its_summary_profiles_and_artifacts(store).await;
}

#[tokio::test]
async fn a_run_completes_with_its_summary_profiles_and_artifacts_on_mariadb() {
    if let Some(store) = testing::mysql().await {
        a_run_completes_with_its_summary_profiles_and_artifacts(store).await;
    }
}

async fn a_failing_run_is_marked_failed_with_its_error(store: Store) {
    let dir = tempfile::tempdir().unwrap();
    let c = ctx(dir.path(), Some(store.clone()));
    let missing = dir.path().join("nope.csv").display().to_string();
    let err = run(&c, spec(&missing, json!({}))).await.unwrap_err();
    assert!(err.is_client_error(), "{err}");
    let row = get_run(&store, &c.run_id).await.unwrap().unwrap();
    assert_eq!(row.status, "failed");
    let msg = row.best_summary.unwrap()["error"].as_str().unwrap().to_string();
    assert!(msg.contains("nope.csv"), "{msg}");
}

#[tokio::test]
async fn a_failing_run_is_marked_failed_with_its_error_on_sqlite() {
    let (store, _g) = testing::sqlite().await;
    a_failing_run_is_marked_failed_with_its_error(store).await;
}

#[tokio::test]
async fn a_failing_run_is_marked_failed_with_its_error_on_mariadb() {
    if let Some(store) = testing::mysql().await {
        a_failing_run_is_marked_failed_with_its_error(store).await;
    }
}

#[tokio::test]
async fn a_cancelled_run_is_marked_failed() {
    let (store, _g) = testing::sqlite().await;
    let dir = tempfile::tempdir().unwrap();
    let path = write_demo(dir.path(), 20);
    let c = ctx(dir.path(), Some(store.clone()));
    c.cancel.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(matches!(
        run(&c, spec(&path, json!({}))).await,
        Err(JobError::Cancelled)
    ));
    let row = get_run(&store, &c.run_id).await.unwrap().unwrap();
    assert_eq!(row.status, "failed");
    assert_eq!(row.best_summary.unwrap()["error"], json!("the run was cancelled"));
}

#[tokio::test]
async fn without_persistence_enabled_no_profile_is_upserted() {
    let (store, _g) = testing::sqlite().await;
    let dir = tempfile::tempdir().unwrap();
    let path = write_demo(dir.path(), 40);
    let c = ctx(dir.path(), Some(store.clone()));
    let s = spec(
        &path,
        json!({"persistence": {"enabled": false}, "validation": {"folds": 1}}),
    );
    let result = serde_json::to_value(run(&c, s).await.unwrap()).unwrap();
    assert_eq!(result["in_sample"], json!(true));
    assert_eq!(get_run(&store, &c.run_id).await.unwrap().unwrap().status, "completed");
    assert!(list_profiles(&store, &ProfileQuery::default())
        .await
        .unwrap()
        .is_empty());
}

async fn an_optimisation_records_its_trials(store: Store) {
    let dir = tempfile::tempdir().unwrap();
    let path = write_demo(dir.path(), 75);
    let c = ctx(dir.path(), Some(store.clone()));
    let s = spec(&path, json!({"compute": {"max_trials": 5, "seed": 9}}));
    let result = serde_json::to_value(optimize(&c, s.clone()).await.unwrap()).unwrap();
    let trials = list_trials(&store, &c.run_id).await.unwrap();
    assert_eq!(trials.len(), 5);
    let best = trials
        .iter()
        .map(|t| t.objective.unwrap())
        .fold(f64::NEG_INFINITY, f64::max);
    assert_eq!(result["best_value"].as_f64().unwrap(), best);
    assert!(Path::new(result["paths"]["trials"].as_str().unwrap()).exists());
    let summary: Value =
        serde_json::from_slice(&std::fs::read(result["paths"]["summary"].as_str().unwrap()).unwrap()).unwrap();
    assert_eq!(summary["best_params"], result["best_params"]);
    assert_eq!(summary["n_trials"], json!(5));
    // The best trial re-run with its artifacts gives the same best_metrics as its evaluation.
    let best_run = Path::new(result["paths"]["best_run"].as_str().unwrap()).to_path_buf();
    let fold = result["best_metrics"]["fold_index"].as_u64().unwrap();
    let fold_summary: Value =
        serde_json::from_slice(&std::fs::read(best_run.join(format!("fold_{fold}/summary.json"))).unwrap()).unwrap();
    assert!(same_json(&fold_summary["metrics"], &result["best_metrics"]));
    assert_eq!(get_run(&store, &c.run_id).await.unwrap().unwrap().status, "completed");
    // Same seed, same result.
    let c2 = ctx(dir.path(), None);
    let again = serde_json::to_value(optimize(&c2, s).await.unwrap()).unwrap();
    assert_eq!(
        (&again["best_params"], &again["best_value"]),
        (&result["best_params"], &result["best_value"])
    );
}

#[tokio::test]
async fn an_optimisation_records_its_trials_on_sqlite() {
    let (store, _g) = testing::sqlite().await;
    an_optimisation_records_its_trials(store).await;
}

#[tokio::test]
async fn an_optimisation_records_its_trials_on_mariadb() {
    if let Some(store) = testing::mysql().await {
        an_optimisation_records_its_trials(store).await;
    }
}

/// Every key of `original` exists in `ours`, recursively (first array elements compared; maps keyed by dim names
/// are compared as maps only, since their keys depend on the spec).
fn missing_keys(original: &Value, ours: &Value, at: &str, out: &mut Vec<String>) {
    match (original, ours) {
        (Value::Object(a), Value::Object(b)) => {
            let dynamic = ["rules_counts", "active_bins", "thresholds", "counts"];
            if dynamic.iter().any(|d| at.ends_with(d)) {
                return;
            }
            for (k, v) in a {
                match b.get(k) {
                    Some(w) => missing_keys(v, w, &format!("{at}.{k}"), out),
                    None => out.push(format!("{at}.{k}")),
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            if let (Some(x), Some(y)) = (a.first(), b.first()) {
                missing_keys(x, y, &format!("{at}[0]"), out);
            }
        }
        (Value::Object(_) | Value::Array(_), other) => out.push(format!("{at}: {other}")),
        _ => {}
    }
}

fn reference_spec(name: &str) -> SeasonalitySpec {
    let text = std::fs::read_to_string(format!("{}/../specs/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let mut v: Value = serde_json::from_str(&text).unwrap();
    v["data"]["dataset_path"] = json!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../specs/examples/data/eurusd_m1_sample.json"
    ));
    parse_seasonality(v).unwrap()
}

fn recorded(file: &str) -> Value {
    let text = std::fs::read_to_string(format!("{RESPONSES}/{file}")).unwrap();
    serde_json::from_str::<Value>(&text).unwrap()["result"].clone()
}

#[tokio::test]
async fn the_run_and_optimise_results_carry_every_key_of_the_originals() {
    let (store, _g) = testing::sqlite().await;
    let dir = tempfile::tempdir().unwrap();
    let c = ctx(dir.path(), Some(store));
    let ours = serde_json::to_value(run(&c, reference_spec("seasonality_run.json")).await.unwrap()).unwrap();
    let mut missing = Vec::new();
    missing_keys(
        &recorded("27_POST_seasonality_run__seasonality_run.json"),
        &ours,
        "result",
        &mut missing,
    );
    assert!(missing.is_empty(), "{missing:?}\n{ours:#}");
    assert_eq!(ours["active_bins"]["hour"], json!([0]));
    assert_eq!(ours["rules_metadata"]["thresholds"]["hour"], json!(0.55));

    let c = ctx(dir.path(), None);
    let ours = serde_json::to_value(optimize(&c, reference_spec("seasonality_optimize.json")).await.unwrap()).unwrap();
    let mut missing = Vec::new();
    missing_keys(
        &recorded("28_POST_seasonality_optimize__seasonality_optimize.json"),
        &ours,
        "result",
        &mut missing,
    );
    assert!(missing.is_empty(), "{missing:?}\n{ours:#}");
    // Ten bars give no trial 30 trades: every objective is the floor, as the original's −1e9.
    assert_eq!(ours["best_value"], json!(-1e9));
}
