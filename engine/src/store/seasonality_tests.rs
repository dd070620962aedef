//! Store tests for seasonality runs and profiles, on SQLite and (when configured) MariaDB.

use super::*;
use crate::seasonality::tests::row;
use crate::store::seasonality_years::list_years;
use crate::store::testing;
use model::seasonality::Bin;
use serde_json::json;

fn key(spec_id: Option<&str>) -> ProfileKey {
    ProfileKey {
        start: Some("2024-01-01T00:00:00Z".into()),
        end: Some("2024-01-01T00:09:00Z".into()),
        spec_id: spec_id.map(str::to_string),
        dataset_id: None,
    }
}

async fn runs_roundtrip(store: Store) {
    insert_run(&store, "r1", Some("spec"), None, Some("runs/x"))
        .await
        .unwrap();
    insert_run(&store, "r2", Some("other"), Some("ds"), None).await.unwrap();
    let r = get_run(&store, "r1").await.unwrap().unwrap();
    assert_eq!((r.status.as_str(), r.best_summary.clone()), ("running", None));
    finish_run(
        &store,
        "r1",
        JobStatus::Completed,
        &json!({"best_metrics": {"sharpe": 1.5}, "folds": []}),
    )
    .await
    .unwrap();
    finish_run(&store, "r2", JobStatus::Failed, &json!({"error": "boom"}))
        .await
        .unwrap();
    let r = get_run(&store, "r1").await.unwrap().unwrap();
    assert_eq!(r.status, "completed");
    assert_eq!(r.best_summary.unwrap()["best_metrics"]["sharpe"], json!(1.5));
    assert_eq!(r.out_dir.as_deref(), Some("runs/x"));
    assert!(get_run(&store, "nope").await.unwrap().is_none());
    let all = list_runs(&store, &RunQuery::default()).await.unwrap();
    assert_eq!(
        all.iter().map(|r| r.run_id.as_str()).collect::<Vec<_>>(),
        ["r2", "r1"],
        "same second: id DESC"
    );
    let failed = list_runs(
        &store,
        &RunQuery {
            status: Some("failed".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        (failed.len(), failed[0].best_summary.clone().unwrap()["error"].clone()),
        (1, json!("boom"))
    );
    let page2 = list_runs(
        &store,
        &RunQuery {
            page: 2,
            page_size: 1,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(page2[0].run_id, "r1");
}

async fn profiles_roundtrip(store: Store) {
    let mut rows = vec![
        row("EURUSD", "hour", Bin::Int(0), Some(0.6), Some(0.1)),
        row("EURUSD", "session", Bin::Str("Asia".into()), Some(0.55), Some(0.05)),
        row("EURUSD", "hour", Bin::Int(1), None, None),
    ];
    rows[0].p_breakout_up = Some(0.25);
    upsert_profiles(&store, &rows, &key(None)).await.unwrap();
    rows[0].lift = Some(0.2);
    upsert_profiles(&store, &rows, &key(None)).await.unwrap(); // NULL spec_id still upserts
    upsert_profiles(&store, &rows[..1], &key(Some("s"))).await.unwrap();
    let all = list_profiles(&store, &ProfileQuery::default()).await.unwrap();
    assert_eq!(all.len(), 4);
    assert_eq!(all[0].spec_id.as_deref(), Some("s"), "newest first");
    let hour0: Vec<_> = all.iter().filter(|p| p.bin == Bin::Int(0)).collect();
    assert!(hour0
        .iter()
        .all(|p| p.lift == Some(0.2) && p.start.as_deref() == Some("2024-01-01")));
    let asia = all.iter().find(|p| p.dim == "session").unwrap();
    assert_eq!(asia.bin, Bin::Str("Asia".into()));
    let insufficient = all.iter().find(|p| p.bin == Bin::Int(1)).unwrap();
    assert_eq!((insufficient.score, insufficient.n), (None, Some(10)));
    assert_eq!(insufficient.metrics["n_runs"], json!(3));
    assert!(!insufficient.metrics.contains_key("amp_std"), "nulls are omitted");
    // The metrics filter applies before paging: two rows match, and page 2 of size 1 is the older of them
    // (filtering after paging would have dropped the second-newest row, which lacks the metric, and returned nothing).
    let q = ProfileQuery {
        metrics: vec![" p_breakout_up ".into()],
        ..Default::default()
    };
    assert_eq!(list_profiles(&store, &q).await.unwrap().len(), 2);
    let q = ProfileQuery {
        page: 2,
        page_size: 1,
        ..q
    };
    let hits = list_profiles(&store, &q).await.unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(
        (hits[0].metrics["p_breakout_up"].clone(), hits[0].spec_id.clone()),
        (json!(0.25), None)
    );
    let q = ProfileQuery {
        dim: Some("hour".into()),
        metrics: vec!["amp_mean".into()],
        ..Default::default()
    };
    assert_eq!(list_profiles(&store, &q).await.unwrap().len(), 3);
    let q = ProfileQuery {
        metrics: vec!["x') OR 1=1 --".into()],
        ..Default::default()
    };
    assert!(list_profiles(&store, &q).await.unwrap().is_empty());
}

/// The significance columns round-trip, a re-run updates them, and `max_q` / `min_years_same_sign` filter before
/// paging, leaving out rows without the figure.
async fn significance_roundtrip_and_filters(store: Store) {
    let figures = [
        (Some(2.5), Some(0.012), Some(0.03), Some(0.9)),
        (Some(1.1), Some(0.27), Some(0.4), Some(0.5)),
        (None, None, None, None),
    ];
    let mut rows: Vec<_> = (0..3)
        .map(|h| row("EURUSD", "hour", Bin::Int(h), Some(0.6), Some(0.1)))
        .collect();
    for (r, (t, p, q, y)) in rows.iter_mut().zip(figures) {
        (r.t_stat, r.p_value, r.q_value, r.years_same_sign) = (t, p, q, y);
    }
    rows[1].years_same_sign = Some(f64::NAN); // not a number: stored as NULL
    upsert_profiles(&store, &rows, &key(None)).await.unwrap();
    let all = list_profiles(&store, &ProfileQuery::default()).await.unwrap();
    let by_bin = |b: i64| all.iter().find(|p| p.bin == Bin::Int(b)).unwrap();
    assert_eq!(
        (
            by_bin(0).t_stat,
            by_bin(0).p_value,
            by_bin(0).q_value,
            by_bin(0).years_same_sign
        ),
        (Some(2.5), Some(0.012), Some(0.03), Some(0.9))
    );
    assert_eq!((by_bin(1).q_value, by_bin(1).years_same_sign), (Some(0.4), None));
    assert_eq!((by_bin(2).t_stat, by_bin(2).q_value), (None, None));
    let query = |max_q, min_years| ProfileQuery {
        max_q,
        min_years_same_sign: min_years,
        ..Default::default()
    };
    let hits = |q: &ProfileQuery| {
        let store = store.clone();
        let q = q.clone();
        async move {
            let mut b: Vec<String> = list_profiles(&store, &q)
                .await
                .unwrap()
                .into_iter()
                .map(|p| p.bin.to_string())
                .collect();
            b.sort();
            b
        }
    };
    assert_eq!(hits(&query(Some(0.05), None)).await, ["0"]);
    assert_eq!(hits(&query(Some(0.4), None)).await, ["0", "1"], "at the bound is kept");
    assert_eq!(hits(&query(None, Some(0.5))).await, ["0"], "a NULL share is left out");
    assert_eq!(hits(&query(Some(1.0), Some(0.0))).await, ["0"]);
    assert_eq!(hits(&query(None, None)).await.len(), 3);
    // Filtering happens before paging: page 1 of size 1 under max_q = 0.4 is one of the two matches.
    let paged = ProfileQuery {
        page_size: 1,
        ..query(Some(0.4), None)
    };
    assert_eq!(hits(&paged).await.len(), 1);
    assert_eq!(
        hits(&ProfileQuery {
            page: 2,
            ..paged.clone()
        })
        .await
        .len(),
        1
    );
    assert!(hits(&ProfileQuery { page: 3, ..paged }).await.is_empty());
    // A re-run of the same key updates the figures.
    rows[0].q_value = Some(0.2);
    upsert_profiles(&store, &rows, &key(None)).await.unwrap();
    assert!(hits(&query(Some(0.05), None)).await.is_empty());
    assert_eq!(list_profiles(&store, &ProfileQuery::default()).await.unwrap().len(), 3);
}

#[tokio::test]
async fn sqlite_seasonality_significance_round_trips_and_filters_before_paging() {
    let (store, _dir) = testing::sqlite().await;
    significance_roundtrip_and_filters(store).await;
}

#[tokio::test]
async fn mysql_seasonality_significance_round_trips_and_filters_before_paging() {
    let Some(store) = testing::mysql().await else {
        eprintln!("QE_TEST_MYSQL_URL unset: MySQL store test not run");
        return;
    };
    significance_roundtrip_and_filters(store).await;
}

/// Trials page by number or best objective first (ties by number, trials without an objective last).
async fn trials_page_in_both_orders(store: Store) {
    use crate::store::seasonality_trials::{
        count_trials, insert_trials, list_trials, list_trials_page, SeasonalityTrialRow, TrialOrder,
    };
    let objectives = [Some(1.0), None, Some(3.0), Some(3.0), Some(2.0)];
    let rows: Vec<SeasonalityTrialRow> = objectives
        .iter()
        .enumerate()
        .map(|(k, o)| SeasonalityTrialRow {
            trial_number: k as i64,
            state: "COMPLETE".into(),
            objective: *o,
            params_json: Some(format!("{{\"k\": {k}}}")),
            metrics_json: None,
            oos_json: Some("not json".into()),
        })
        .collect();
    insert_trials(&store, "opt", &rows).await.unwrap();
    let numbers = |v: Vec<SeasonalityTrialRow>| v.iter().map(|t| t.trial_number).collect::<Vec<_>>();
    let page = |order, limit, offset| list_trials_page(&store, "opt", order, limit, offset);
    assert_eq!(
        numbers(page(TrialOrder::BestFirst, 10, 0).await.unwrap()),
        [2, 3, 4, 0, 1]
    );
    assert_eq!(numbers(page(TrialOrder::BestFirst, 2, 1).await.unwrap()), [3, 4]);
    assert_eq!(numbers(page(TrialOrder::Number, 2, 2).await.unwrap()), [2, 3]);
    assert_eq!(numbers(list_trials(&store, "opt").await.unwrap()), [0, 1, 2, 3, 4]);
    assert_eq!(count_trials(&store, "opt").await.unwrap(), 5);
    assert_eq!(count_trials(&store, "none").await.unwrap(), 0);
    let decoded = page(TrialOrder::Number, 1, 0).await.unwrap()[0].decoded();
    assert_eq!(
        (decoded.params, decoded.metrics, decoded.oos),
        (json!({"k": 0}), json!(null), json!(null))
    );
}

#[tokio::test]
async fn sqlite_seasonality_trials_page_in_both_orders() {
    let (store, _dir) = testing::sqlite().await;
    trials_page_in_both_orders(store).await;
}

#[tokio::test]
async fn mysql_seasonality_trials_page_in_both_orders() {
    let Some(store) = testing::mysql().await else {
        eprintln!("QE_TEST_MYSQL_URL unset: MySQL store test not run");
        return;
    };
    trials_page_in_both_orders(store).await;
}

#[test]
fn the_ukey_tells_null_from_empty_and_from_text_null() {
    let a = profile_ukey(&[Some("A"), None]);
    assert_ne!(a, profile_ukey(&[Some("A"), Some("")]));
    assert_ne!(a, profile_ukey(&[Some("A"), Some("null")]));
    assert_ne!(
        profile_ukey(&[Some("ab"), Some("c")]),
        profile_ukey(&[Some("a"), Some("bc")])
    );
    assert_eq!(a.len(), 64);
}

#[tokio::test]
async fn sqlite_seasonality_runs_roundtrip_with_statuses_and_summaries() {
    let (store, _dir) = testing::sqlite().await;
    runs_roundtrip(store).await;
}

#[tokio::test]
async fn sqlite_seasonality_profiles_upsert_and_filter_before_paging() {
    let (store, _dir) = testing::sqlite().await;
    profiles_roundtrip(store).await;
}

#[tokio::test]
async fn mysql_seasonality_runs_roundtrip_with_statuses_and_summaries() {
    let Some(store) = testing::mysql().await else {
        eprintln!("QE_TEST_MYSQL_URL unset: MySQL store test not run");
        return;
    };
    runs_roundtrip(store).await;
}

#[tokio::test]
async fn mysql_seasonality_profiles_upsert_and_filter_before_paging() {
    let Some(store) = testing::mysql().await else {
        eprintln!("QE_TEST_MYSQL_URL unset: MySQL store test not run");
        return;
    };
    profiles_roundtrip(store).await;
}

/// A result with many folds outgrows the original VARCHAR(12000) on MySQL (MEDIUMTEXT since migration 0004), and a
/// completion writes the status and the profiles together.
async fn long_summaries_and_completion(store: Store) {
    insert_run(&store, "long", Some("spec"), None, None).await.unwrap();
    let folds: Vec<serde_json::Value> = (0..200)
        .map(|k| json!({"fold": k, "metrics": {"sharpe": k as f64 / 7.0, "note": "x".repeat(100)}}))
        .collect();
    let summary = json!({"best_metrics": {}, "folds": folds});
    assert!(summary.to_string().len() > 30_000);
    let rows = vec![
        row("EURUSD", "hour", Bin::Int(1), Some(0.6), Some(0.1)),
        row("EURUSD", "session", Bin::Str("US".into()), Some(0.4), Some(-0.1)),
    ];
    let year = |bin: Bin, year: i32, lift: f64| YearRow {
        symbol: "EURUSD".into(),
        dim: "hour".into(),
        bin,
        year,
        n: 250,
        score: 0.5 + lift,
        lift,
    };
    let stale = [year(Bin::Int(9), 2020, 0.3)];
    complete_run(&store, "long", &summary, &rows, &stale, &key(Some("spec")))
        .await
        .unwrap();
    let years = [
        year(Bin::Int(1), 2024, -0.02),
        year(Bin::Int(1), 2023, 0.05),
        year(Bin::Int(2), 2023, 0.01),
    ];
    complete_run(&store, "long", &summary, &rows, &years, &key(Some("spec")))
        .await
        .unwrap();
    let r = get_run(&store, "long").await.unwrap().unwrap();
    assert_eq!(r.status, "completed");
    assert_eq!(r.best_summary.unwrap()["folds"][199]["fold"], json!(199));
    let q = ProfileQuery {
        spec_id: Some("spec".into()),
        ..Default::default()
    };
    assert_eq!(list_profiles(&store, &q).await.unwrap().len(), 2);
    // A second completion replaces the run's year cells; they come back by bin, then year.
    let back = list_years(&store, "long", "EURUSD", "hour").await.unwrap();
    assert_eq!(back, [years[1].clone(), years[0].clone(), years[2].clone()]);
    assert!(list_years(&store, "long", "ES", "hour").await.unwrap().is_empty());
    assert!(list_years(&store, "other", "EURUSD", "hour").await.unwrap().is_empty());
}

#[tokio::test]
async fn sqlite_long_summaries_and_completion() {
    let (store, _dir) = testing::sqlite().await;
    long_summaries_and_completion(store).await;
}

#[tokio::test]
async fn mysql_long_summaries_and_completion() {
    if let Some(store) = testing::mysql().await {
        long_summaries_and_completion(store).await;
    }
}
