//! The `datasets` table: registered market-data files, one row per (file, symbol).

use super::{Store, StoreError};
use model::{DatasetRow, Overview};

/// Inserts or updates the given dataset rows in one transaction.
pub async fn upsert(store: &Store, rows: &[DatasetRow]) -> Result<(), StoreError> {
    let insert = store.upsert(
        "datasets",
        &[
            "name",
            "symbol",
            "timeframe",
            "path",
            "n_bars",
            "start_ts",
            "end_ts",
            "created_at",
        ],
        &["name", "symbol"],
        &["timeframe", "path", "n_bars", "start_ts", "end_ts"],
    );
    let now = crate::time::now_db_text();
    let mut tx = store.pool().begin().await?;
    insert
        .run(&mut tx, rows, |mut b, r| {
            b.push_bind(&r.name)
                .push_bind(&r.symbol)
                .push_bind(&r.timeframe)
                .push_bind(&r.path)
                .push_bind(r.n_bars)
                .push_bind(&r.start)
                .push_bind(&r.end)
                .push_bind(&now);
        })
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Every registered dataset, by name then symbol.
pub async fn list(store: &Store) -> Result<Vec<DatasetRow>, StoreError> {
    let sql = "SELECT name, symbol, timeframe, path, n_bars, start_ts, end_ts FROM datasets ORDER BY name, symbol";
    Ok(sqlx::query_as(sql).fetch_all(store.pool()).await?)
}

/// The overview page's numbers: datasets and how many runs of each kind are stored.
pub async fn overview(store: &Store) -> Result<Overview, StoreError> {
    let count = |table: &'static str| async move {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        sqlx::query_scalar::<_, i64>(&sql).fetch_one(store.pool()).await
    };
    Ok(Overview {
        datasets: list(store).await?,
        optimize_runs: count("experiment_runs").await?,
        stats_rows: count("market_stats").await?,
        seasonality_runs: count("seasonality_runs").await?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing;

    fn row(symbol: &str, n: i64) -> DatasetRow {
        DatasetRow {
            name: "demo".into(),
            symbol: symbol.into(),
            timeframe: "5m".into(),
            path: "demo.parquet".into(),
            n_bars: n,
            start: "2024-01-01 00:00:00".into(),
            end: "2024-12-31 23:55:00".into(),
        }
    }

    async fn upsert_then_list_roundtrips(store: Store) {
        upsert(&store, &[row("EURUSD", 10), row("BTCUSD", 20)]).await.unwrap();
        upsert(&store, &[row("EURUSD", 11)]).await.unwrap();
        let rows = list(&store).await.unwrap();
        assert_eq!(rows, vec![row("BTCUSD", 20), row("EURUSD", 11)]);
        let o = overview(&store).await.unwrap();
        assert_eq!((o.datasets.len(), o.optimize_runs, o.stats_rows), (2, 0, 0));
    }

    #[tokio::test]
    async fn sqlite_upsert_updates_instead_of_duplicating() {
        let (store, _dir) = testing::sqlite().await;
        upsert_then_list_roundtrips(store).await;
    }

    #[tokio::test]
    async fn mysql_upsert_updates_instead_of_duplicating() {
        let Some(store) = testing::mysql().await else {
            eprintln!("QE_TEST_MYSQL_URL unset: MySQL store test not run");
            return;
        };
        upsert_then_list_roundtrips(store).await;
    }

    #[tokio::test]
    async fn migrations_are_idempotent() {
        let (store, _dir) = testing::sqlite().await;
        store.migrate().await.unwrap();
        store.migrate().await.unwrap();
    }
}
