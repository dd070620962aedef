//! The run life-cycle writes on SQLite and MariaDB: status changes and the one-transaction outcome.

use super::*;
use crate::store::testing;

fn stored(n: i64, status: &str, sharpe: Option<f64>, is_sharpe: Option<f64>) -> StoredTrial {
    StoredTrial {
        row: TrialRow {
            trial_number: n,
            params_json: Some(format!(r#"{{"ema_fast": {}, "ema_slow": 26, "R": 1}}"#, 5 + n)),
            objective_value: sharpe,
            status: Some(status.into()),
            n_trades: sharpe.map(|_| 10 + n),
            max_dd: sharpe.map(|_| 0.1),
            sharpe,
            sortino: sharpe,
            cagr: sharpe.map(|_| 0.05),
            hit_rate: sharpe.map(|_| 0.5),
            avg_r: sharpe.map(|_| 0.2),
        },
        is_sharpe,
        is_objective: is_sharpe,
        is_n_trades: is_sharpe.map(|_| 20 + n),
    }
}

async fn life_cycle(store: Store) {
    let run = NewRun {
        run_id: "life_cycle_run".into(),
        objective: Some("sharpe".into()),
        out_dir: Some("/tmp/artifacts/life_cycle_run".into()),
        ..Default::default()
    };
    assert!(
        !set_status(&store, &run.run_id, JobStatus::Running).await.unwrap(),
        "unknown run"
    );
    create_or_running(&store, &run).await.unwrap();
    assert!(set_status(&store, &run.run_id, JobStatus::Queued).await.unwrap());
    assert_eq!(
        get_run(&store, &run.run_id).await.unwrap().unwrap().status.as_deref(),
        Some("QUEUED")
    );
    create_or_running(&store, &run).await.unwrap();
    let r = get_run(&store, &run.run_id).await.unwrap().unwrap();
    assert_eq!(r.status.as_deref(), Some("RUNNING"));
    assert!(r.finished_at.is_none());

    let trials = vec![
        stored(0, "COMPLETE", Some(1.5), Some(2.0)),
        stored(1, "PRUNED", Some(-0.5), Some(0.25)),
        stored(2, "FAIL", None, None),
    ];
    let metrics = vec![
        MetricValue {
            fold: None,
            name: "sharpe".into(),
            value: 1.5,
        },
        MetricValue {
            fold: Some(0),
            name: "sharpe".into(),
            value: 1.25,
        },
    ];
    record_outcome(&store, &run.run_id, &metrics, &trials, None, JobStatus::Completed)
        .await
        .unwrap();
    let r = get_run(&store, &run.run_id).await.unwrap().unwrap();
    assert_eq!(r.status.as_deref(), Some("FINISHED"));
    assert!(r.finished_at.is_some());
    let by_status = |status: &str| RunFilter {
        status: Some(status.into()),
        ..Default::default()
    };
    assert_eq!(list_runs(&store, &by_status("FINISHED")).await.unwrap().len(), 1);
    assert!(
        list_runs(&store, &by_status("finished")).await.unwrap().is_empty(),
        "status matches case-sensitively on every backend, as the original's SQLite"
    );
    let listed = list_trials(&store, &run.run_id, Some("objective_value.desc"), 1, 50)
        .await
        .unwrap();
    assert_eq!(listed.len(), 3);
    assert_eq!(listed[0], trials[0].row);
    assert!(
        listed.iter().any(|t| t == &trials[2].row),
        "the failed trial is stored as it was"
    );
    let scatter = trials_in_sample(&store, &run.run_id).await.unwrap();
    type Point = (i64, Option<f64>, Option<i64>, Option<f64>);
    let got: Vec<Point> = scatter
        .iter()
        .map(|t| (t.trial_number, t.is_sharpe, t.is_n_trades, t.sharpe))
        .collect();
    assert_eq!(
        got,
        vec![
            (0, Some(2.0), Some(20), Some(1.5)),
            (1, Some(0.25), Some(21), Some(-0.5)),
            (2, None, None, None)
        ]
    );
    let m = get_metrics(&store, &run.run_id).await.unwrap();
    assert_eq!(m.aggregated.get("sharpe"), Some(&1.5));
    assert_eq!(m.folds["0"].get("sharpe"), Some(&1.25));

    // Recording again (a retried job) updates in place: no duplicate trial or metric rows; the report is added.
    assert_eq!(get_overfitting(&store, &run.run_id).await.unwrap(), None);
    let report = overfitting_report();
    let mut again = trials.clone();
    again[0].is_sharpe = Some(3.0);
    record_outcome(
        &store,
        &run.run_id,
        &metrics,
        &again,
        Some(&report),
        JobStatus::Completed,
    )
    .await
    .unwrap();
    let scatter = trials_in_sample(&store, &run.run_id).await.unwrap();
    assert_eq!(scatter.len(), 3);
    assert_eq!(scatter[0].is_sharpe, Some(3.0));
    assert_eq!(get_metrics(&store, &run.run_id).await.unwrap(), m);
    assert_eq!(get_overfitting(&store, &run.run_id).await.unwrap(), Some(report));
}

fn overfitting_report() -> model::overfitting::Overfitting {
    use model::overfitting::*;
    let pbo = Pbo {
        pbo: 0.375,
        blocks: 16,
        splits: 12_870,
        splits_total: 12_870,
        sampled: false,
        n_trials: 3,
        degradation_slope: -0.125,
        degradation_intercept: 0.5,
        prob_oos_loss: 0.25,
        logit_mean: -0.5,
        logit_median: -0.25,
        logit_histogram: vec![LogitBin {
            lo: -6.0,
            hi: -5.5,
            count: 2,
        }],
        degradation: vec![[0.5, -0.1]],
    };
    Overfitting {
        symbols: vec![SymbolOverfitting {
            symbol: "BTCUSDT".into(),
            pbo: Some(pbo),
            dsr: None,
            fold_dsr: Vec::new(),
            walk_forward_dsr: None,
            robustness: None,
        }],
    }
}

/// A failing write inside the outcome transaction leaves neither trials nor metrics nor a final status behind.
async fn outcome_is_all_or_nothing(store: Store) {
    let run = NewRun {
        run_id: "atomic_run".into(),
        ..Default::default()
    };
    create_or_running(&store, &run).await.unwrap();
    let metrics = vec![MetricValue {
        fold: None,
        name: "sharpe".into(),
        value: 1.0,
    }];
    let mut bad = stored(1, "COMPLETE", Some(1.0), Some(1.0));
    bad.row.trial_number = 2_000_000;
    let trials = vec![stored(0, "COMPLETE", Some(1.0), Some(1.0)), bad];
    // A trigger refuses the second trial, after the metrics and the first trial were written in the transaction.
    let trigger = match store.backend() {
        crate::store::Backend::Sqlite => {
            "CREATE TRIGGER refuse_big BEFORE INSERT ON trials WHEN NEW.trial_number > 1000000 \
             BEGIN SELECT RAISE(ABORT, 'refused'); END"
        }
        crate::store::Backend::MySql => {
            "CREATE TRIGGER refuse_big BEFORE INSERT ON trials FOR EACH ROW BEGIN IF NEW.trial_number > 1000000 \
             THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused'; END IF; END"
        }
    };
    sqlx::query(trigger).execute(store.pool()).await.unwrap();
    let err = record_outcome(&store, "atomic_run", &metrics, &trials, None, JobStatus::Completed)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("refused"), "{err}");
    assert!(trials_in_sample(&store, "atomic_run").await.unwrap().is_empty());
    assert!(get_metrics(&store, "atomic_run").await.unwrap().aggregated.is_empty());
    let r = get_run(&store, "atomic_run").await.unwrap().unwrap();
    assert_eq!(r.status.as_deref(), Some("RUNNING"));
}

#[tokio::test]
async fn sqlite_run_life_cycle_and_outcome() {
    let (store, _dir) = testing::sqlite().await;
    life_cycle(store.clone()).await;
    outcome_is_all_or_nothing(store).await;
}

#[tokio::test]
async fn mysql_run_life_cycle_and_outcome() {
    let Some(store) = testing::mysql().await else {
        return;
    };
    life_cycle(store.clone()).await;
    outcome_is_all_or_nothing(store).await;
}
