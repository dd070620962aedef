//! The runs repository against the original's recorded `/runs*` responses (seeded with the same rows).

use super::*;
use crate::store::testing;
use serde_json::{json, Value};

const RESPONSES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/responses");

fn recorded(name: &str) -> Value {
    let path = format!("{RESPONSES}/{name}");
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))).unwrap()
}

/// Drops the timestamps, which depend on when the rows were written.
fn without_times(mut v: Value) -> Value {
    match &mut v {
        Value::Array(items) => items.iter_mut().for_each(|x| *x = without_times(x.take())),
        Value::Object(o) => {
            o.remove("started_at");
            o.remove("finished_at");
            for x in o.values_mut() {
                *x = without_times(x.take());
            }
        }
        _ => {}
    }
    v
}

fn trial(n: i64, params: &str, sharpe: f64, n_trades: i64, max_dd: f64, sortino: f64, cagr: f64) -> TrialRow {
    TrialRow {
        trial_number: n,
        params_json: Some(params.into()),
        objective_value: Some(sharpe),
        status: Some("COMPLETE".into()),
        n_trades: Some(n_trades),
        max_dd: Some(max_dd),
        sharpe: Some(sharpe),
        sortino: Some(sortino),
        cagr: Some(cagr),
        hit_rate: Some(0.5),
        avg_r: Some(0.2),
    }
}

async fn seed(store: &Store) {
    let a = NewRun {
        run_id: "seeded_run_a".into(),
        spec_id: Some("spec_a".into()),
        dataset_id: Some("eurusd_m1_sample".into()),
        objective: Some("sharpe".into()),
        out_dir: Some("/tmp/out_a".into()),
    };
    create_or_running(store, &a).await.unwrap();
    finish(store, "seeded_run_a", JobStatus::Completed).await.unwrap();
    let b = NewRun {
        run_id: "seeded_run_b".into(),
        objective: Some("sortino".into()),
        out_dir: Some("/tmp/out_b".into()),
        ..a
    };
    create_or_running(store, &b).await.unwrap();
    let m = |fold: Option<i64>, name: &str, value: f64| MetricValue {
        fold,
        name: name.into(),
        value,
    };
    let metrics = [
        m(None, "sharpe", 1.25),
        m(None, "max_dd", 0.1),
        m(None, "n_trades", 42.0),
        m(Some(0), "sharpe", 1.0),
        m(Some(0), "max_dd", 0.05),
        m(Some(1), "sharpe", 1.5),
        m(Some(1), "max_dd", 0.1),
    ];
    upsert_metrics(store, "seeded_run_a", &metrics).await.unwrap();
    upsert_metrics(store, "seeded_run_a", &metrics[..1]).await.unwrap(); // a re-write must not duplicate
    let trials = [
        trial(0, r#"{"ema_fast": 9, "ema_slow": 26, "R": 2}"#, 0.5, 10, 0.1, 0.55, 0.0),
        trial(
            1,
            r#"{"ema_fast": 12, "ema_slow": 35, "R": 2}"#,
            1.25,
            11,
            0.2,
            1.375,
            0.01,
        ),
        trial(
            2,
            r#"{"ema_fast": 15, "ema_slow": 55, "R": 2}"#,
            -0.3,
            12,
            0.30000000000000004,
            -0.33,
            0.02,
        ),
    ];
    insert_trials(store, "seeded_run_a", &trials).await.unwrap();
}

async fn reads_match_the_recorded_responses(store: Store) {
    seed(&store).await;
    let all = list_runs(&store, &RunFilter::default()).await.unwrap();
    assert_eq!(
        without_times(json!(all)),
        without_times(recorded("40_GET_runs__seeded_all.json"))
    );
    let finished = list_runs(
        &store,
        &RunFilter {
            status: Some("FINISHED".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        without_times(json!(finished)),
        without_times(recorded("41_GET_runs__seeded_status_FINISHED.json"))
    );
    assert!(all[0].finished_at.is_some() && all[1].finished_at.is_none());
    let future = RunFilter {
        date_from: Some("2999-01-01".into()),
        ..Default::default()
    };
    assert!(list_runs(&store, &future).await.unwrap().is_empty());

    let run = get_run(&store, "seeded_run_a").await.unwrap().unwrap();
    let metrics = get_metrics(&store, "seeded_run_a").await.unwrap();
    let got = json!({"run": run, "metrics": metrics});
    let mut want = recorded("42_GET_runs_seeded_run_a__seeded.json");
    want["run"]["id"] = json!(run.id); // MySQL and SQLite both start at 1, but ids are not part of the contract
    assert_eq!(without_times(got), without_times(want));
    assert_eq!(
        json!(metrics),
        recorded("47_GET_runs_seeded_run_a_metrics__seeded.json")
    );
    assert!(get_run(&store, "nope").await.unwrap().is_none());
    assert_eq!(get_metrics(&store, "nope").await.unwrap(), RunMetrics::default());

    let t = list_trials(&store, "seeded_run_a", None, 1, 50).await.unwrap();
    assert_eq!(
        json!(t),
        recorded("44_GET_runs_seeded_run_a_trials__seeded_default_order.json")
    );
    let t = list_trials(&store, "seeded_run_a", Some("sharpe.asc"), 1, 2)
        .await
        .unwrap();
    assert_eq!(
        json!(t),
        recorded("45_GET_runs_seeded_run_a_trials__seeded_sharpe_asc_page2.json")
    );
    let t = list_trials(&store, "seeded_run_a", Some("bogus.desc"), 1, 50)
        .await
        .unwrap();
    assert_eq!(
        json!(t),
        recorded("46_GET_runs_seeded_run_a_trials__seeded_bad_order_field.json")
    );
    let page2 = list_trials(&store, "seeded_run_a", Some("sharpe.asc"), 2, 2)
        .await
        .unwrap();
    assert_eq!(page2.iter().map(|t| t.trial_number).collect::<Vec<_>>(), vec![1]);
    assert!(list_trials(&store, "nope", None, 1, 50).await.unwrap().is_empty());
}

#[tokio::test]
async fn sqlite_runs_reads_match_the_recorded_responses() {
    let (store, _dir) = testing::sqlite().await;
    reads_match_the_recorded_responses(store).await;
}

#[tokio::test]
async fn mysql_runs_reads_match_the_recorded_responses() {
    let Some(store) = testing::mysql().await else {
        eprintln!("QE_TEST_MYSQL_URL unset: MySQL runs test not run");
        return;
    };
    reads_match_the_recorded_responses(store).await;
}

#[test]
fn order_by_whitelists_the_field_and_defaults_to_ascending() {
    assert_eq!(order_clause("sharpe.DESC"), ("sharpe", "DESC"));
    assert_eq!(order_clause("max_dd"), ("max_dd", "ASC"));
    assert_eq!(order_clause("x; DROP TABLE trials.desc"), ("objective_value", "DESC"));
    assert_eq!(order_clause("bogus.desc"), ("objective_value", "DESC"));
}
