//! Leaderboard reads on SQLite and MariaDB: sorting, paging, counting and parameter filters, checked against an
//! independent sort of the seeded trials.

use super::*;
use crate::store::runs::{create_or_running, insert_trials, NewRun};
use crate::store::testing;
use serde_json::Value;

/// 3 × 2 × 2 grid (ema_fast, ema_slow, R) with a symbol label; trial 5 failed (no metrics).
fn seeded() -> Vec<TrialRow> {
    let mut rows = Vec::new();
    for fast in [5, 10, 15] {
        for slow in [20, 30] {
            for r in [1.0, 2.5] {
                let n = rows.len() as i64;
                let sharpe = (fast as f64 / 10.0) - (slow as f64 / 100.0) + r / 10.0 + n as f64 * 0.001;
                let failed = n == 5;
                let symbol = if n % 2 == 0 { "ES" } else { "EURUSD" };
                rows.push(TrialRow {
                    trial_number: n,
                    params_json: Some(format!(
                        r#"{{"ema_fast": {fast}, "ema_slow": {slow}, "R": {r}, "symbol": "{symbol}"}}"#
                    )),
                    objective_value: (!failed).then_some(sharpe),
                    status: Some(if failed { "FAIL" } else { "COMPLETE" }.into()),
                    n_trades: (!failed).then_some(10 + n),
                    max_dd: (!failed).then_some(0.01 * n as f64),
                    sharpe: (!failed).then_some(sharpe),
                    sortino: (!failed).then_some(sharpe * 1.5),
                    cagr: (!failed).then_some(0.02),
                    hit_rate: (!failed).then_some(0.5),
                    avg_r: (!failed).then_some(0.1),
                });
            }
        }
    }
    rows
}

async fn seed(store: &Store) -> Vec<TrialRow> {
    create_or_running(
        store,
        &NewRun {
            run_id: "lb".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let rows = seeded();
    insert_trials(store, "lb", &rows).await.unwrap();
    insert_trials(store, "other", &rows[..3]).await.unwrap();
    rows
}

fn numbers(page: &TrialPage) -> Vec<i64> {
    page.rows.iter().map(|r| r.trial_number).collect()
}

fn param(row: &TrialRow, name: &str) -> Value {
    serde_json::from_str::<Value>(row.params_json.as_deref().unwrap()).unwrap()[name].clone()
}

async fn leaderboard_sorts_pages_and_filters(store: Store) {
    let rows = seed(&store).await;
    // Independent expectation: objective descending, the failed trial (null) last.
    let mut want: Vec<&TrialRow> = rows.iter().collect();
    want.sort_by(|a, b| match (a.objective_value, b.objective_value) {
        (Some(x), Some(y)) => y.total_cmp(&x),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.trial_number.cmp(&b.trial_number),
    });
    let want: Vec<i64> = want.iter().map(|r| r.trial_number).collect();
    let all = query_trials(
        &store,
        "lb",
        &TrialQuery {
            page_size: 100,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!((numbers(&all), all.total), (want.clone(), 12));
    assert_eq!(all.rows[0], rows[want[0] as usize], "rows come back whole");

    // Ascending max_dd: 0, 1, 2, … with the null (trial 5) last, not first.
    let asc = query_trials(
        &store,
        "lb",
        &TrialQuery {
            sort: Some("max_dd.asc".into()),
            page_size: 100,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let mut expect: Vec<i64> = (0..12).filter(|n| *n != 5).collect();
    expect.push(5);
    assert_eq!(numbers(&asc), expect);

    // Paging: page 2 of 5 is the next five of the same order; the total stays 12.
    let page2 = query_trials(
        &store,
        "lb",
        &TrialQuery {
            page: 2,
            page_size: 5,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!((numbers(&page2), page2.total), (want[5..10].to_vec(), 12));

    // Integer parameter filter.
    let fast10 = query_trials(
        &store,
        "lb",
        &TrialQuery {
            param: Some(("ema_fast".into(), "10".into())),
            page_size: 100,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(fast10.total, 4);
    assert!(fast10
        .rows
        .iter()
        .all(|r| param(r, "ema_fast") == serde_json::json!(10)));
    // Fractional parameter filter, written differently from the stored JSON.
    let r25 = query_trials(
        &store,
        "lb",
        &TrialQuery {
            param: Some(("R".into(), "2.50".into())),
            page_size: 100,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(r25.total, 6);
    assert!(r25.rows.iter().all(|r| param(r, "R") == serde_json::json!(2.5)));
    // Text parameter filter.
    let es = query_trials(
        &store,
        "lb",
        &TrialQuery {
            param: Some(("symbol".into(), "ES".into())),
            page_size: 100,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(numbers(&es).len(), 6);
    assert!(es.rows.iter().all(|r| r.trial_number % 2 == 0));
    // A name that is not an identifier never reaches SQL and matches nothing.
    let bad = query_trials(
        &store,
        "lb",
        &TrialQuery {
            param: Some(("x') OR 1=1 --".into(), "1".into())),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!((bad.rows.len(), bad.total), (0, 0));

    let points = trial_points(&store, "lb").await.unwrap();
    assert_eq!(points.len(), 12);
    assert_eq!(points[3].row, rows[3]);
    assert!(
        points.iter().all(|p| p.is_objective.is_none() && p.is_sharpe.is_none()),
        "nothing stored in sample yet"
    );
}

#[tokio::test]
async fn sqlite_leaderboard_sorts_pages_and_filters() {
    let (store, _dir) = testing::sqlite().await;
    leaderboard_sorts_pages_and_filters(store).await;
}

#[tokio::test]
async fn mysql_leaderboard_sorts_pages_and_filters() {
    let Some(store) = testing::mysql().await else {
        eprintln!("QE_TEST_MYSQL_URL unset: MySQL leaderboard test not run");
        return;
    };
    leaderboard_sorts_pages_and_filters(store).await;
}

async fn in_sample_columns_are_read(store: Store) {
    seed(&store).await;
    sqlx::query("UPDATE trials SET is_objective = trial_number * 0.5, is_sharpe = 1.5 WHERE run_id = 'lb'")
        .execute(store.pool())
        .await
        .unwrap();
    let points = trial_points(&store, "lb").await.unwrap();
    assert_eq!(points[4].is_objective, Some(2.0));
    assert_eq!(points[4].is_sharpe, Some(1.5));
    assert!(trial_points(&store, "other")
        .await
        .unwrap()
        .iter()
        .all(|p| p.is_objective.is_none()));
}

#[tokio::test]
async fn sqlite_in_sample_columns_are_read() {
    let (store, _dir) = testing::sqlite().await;
    in_sample_columns_are_read(store).await;
}

#[tokio::test]
async fn mysql_in_sample_columns_are_read() {
    let Some(store) = testing::mysql().await else {
        eprintln!("QE_TEST_MYSQL_URL unset: MySQL in-sample test not run");
        return;
    };
    in_sample_columns_are_read(store).await;
}

#[test]
fn sort_values_are_whitelisted_and_default_to_descending() {
    assert_eq!(sort_clause(Some("sharpe.asc")), ("sharpe", "ASC"));
    assert_eq!(sort_clause(Some("trial_number")), ("trial_number", "DESC"));
    assert_eq!(
        sort_clause(Some("x; DROP TABLE trials.asc")),
        ("objective_value", "ASC")
    );
    assert_eq!(sort_clause(None), ("objective_value", "DESC"));
    assert!(
        valid_param_name("ema_fast") && valid_param_name("R") && !valid_param_name("1x") && !valid_param_name("a.b")
    );
}
