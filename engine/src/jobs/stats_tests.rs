//! The stats job on real files and real databases, against `stats::run` on the same bars.

use super::*;
use crate::data::synth::{generate, SynthSpec};
use crate::store::{testing, Store};
use model::results::stats::ORIGINAL_COLUMNS;
use model::spec::stats::parse_stats;
use polars::prelude::{ParquetReader, SerReader};
use serde_json::{json, Value};

fn spec_json(path: &str, out_dir: Option<&str>) -> Value {
    json!({
        "data": {"dataset_path": path, "symbols": ["EURUSD", "ES"], "timeframe": "5m",
                 "start": "2024-01-01", "end": "2024-03-31"},
        "events": [{"name": "k_consecutive", "params": {"k": 2, "direction": "up"}}],
        "conditions": [{"name": "session", "params": {"col": "session_id"}}],
        "targets": [{"name": "up_next_bar"}, {"name": "continuation_n", "params": {"n": 3, "direction": "up"}}],
        "validation": {"train_months": 1, "test_months": 1, "folds": 2},
        "artifacts": {"out_dir": out_dir},
        "persistence": {"store_stats_in_db": true, "spec_id": "job_test", "dataset_id": "demo"}
    })
}

async fn stored_rows(store: &Store) -> i64 {
    use sqlx::Row;
    sqlx::query("SELECT COUNT(*) FROM market_stats WHERE spec_id = 'job_test'")
        .fetch_one(store.pool())
        .await
        .unwrap()
        .try_get::<i64, _>(0)
        .unwrap()
}

async fn stats_job(store: Store) {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("demo.csv");
    let synth = SynthSpec {
        days: 91,
        ..SynthSpec::demo()
    };
    crate::data::write::write_file(&generate(&synth), &csv).unwrap();
    let spec = parse_stats(spec_json(csv.to_str().unwrap(), Some("ignored"))).unwrap();
    let out = dir.path().join("run");
    let ctx = JobContext::local("s1", &out, Some(store.clone()), LoadOptions::default());
    let result = serde_json::to_value(execute(&ctx, spec.clone()).await.unwrap()).unwrap();

    let bars = crate::data::load(&spec.data, &LoadOptions::default()).unwrap();
    let direct = crate::stats::run(&spec, &bars, "5m").unwrap();
    assert!(!direct.rows.is_empty());
    // The original's 21 columns, then `fold` (the spec has walk-forward folds); no `ttr_*` (binary targets only).
    let all = serde_json::to_value(&direct).unwrap();
    let mut want: Vec<Value> = all["columns"].as_array().unwrap()[..ORIGINAL_COLUMNS].to_vec();
    want.push(json!("fold"));
    assert_eq!(result["columns"], Value::Array(want.clone()));
    let rows = result["rows"].as_array().unwrap();
    assert_eq!(rows.len(), direct.rows.len());
    for (ours, full) in rows.iter().zip(all["rows"].as_array().unwrap()) {
        let o = ours.as_object().unwrap();
        assert_eq!(o.len(), want.len());
        for (k, v) in o {
            assert_eq!(v, &full[k.as_str()], "{k}");
        }
    }
    let df = ParquetReader::new(std::fs::File::open(out.join("stats_summary.parquet")).unwrap())
        .finish()
        .unwrap();
    assert_eq!(df.height(), direct.rows.len());
    let details = ParquetReader::new(std::fs::File::open(out.join("stats_details.parquet")).unwrap())
        .finish()
        .unwrap();
    assert_eq!(details.height(), 0);
    assert!(
        !std::path::Path::new("ignored").exists(),
        "the spec's directory is not written"
    );
    assert_eq!(stored_rows(&store).await, direct.rows.len() as i64);

    // A re-run updates the same rows; without `artifacts.out_dir` no file is written.
    let spec = parse_stats(spec_json(csv.to_str().unwrap(), None)).unwrap();
    let out2 = dir.path().join("run2");
    let ctx = JobContext::local("s2", &out2, Some(store.clone()), LoadOptions::default());
    execute(&ctx, spec).await.unwrap();
    assert_eq!(stored_rows(&store).await, direct.rows.len() as i64);
    assert!(!out2.exists());
}

#[tokio::test]
async fn sqlite_stats_job_writes_artifacts_and_upserts_rows() {
    let (store, _dir) = testing::sqlite().await;
    stats_job(store).await;
}

#[tokio::test]
async fn mysql_stats_job_writes_artifacts_and_upserts_rows() {
    let Some(store) = testing::mysql().await else {
        return;
    };
    stats_job(store).await;
}

#[tokio::test]
async fn an_unknown_session_column_is_a_spec_error_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("demo.csv");
    let synth = SynthSpec {
        days: 10,
        ..SynthSpec::demo()
    };
    crate::data::write::write_file(&generate(&synth), &csv).unwrap();
    let mut v = spec_json(csv.to_str().unwrap(), None);
    v["conditions"][0]["params"]["col"] = json!("sess");
    v["data"]["end"] = json!("2024-01-10");
    let ctx = JobContext::local("s3", dir.path().join("out"), None, LoadOptions::default());
    let err = execute(&ctx, parse_stats(v).unwrap()).await.unwrap_err();
    match err {
        JobError::Spec { path, .. } => assert_eq!(model::spec::dotted(&path), "conditions[0].params.col"),
        other => panic!("expected a spec error, got {other}"),
    }
}
