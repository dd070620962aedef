//! The dashboard's extra reads of `market_stats`: how many rows a `/stats` filter matches (for paging) and the
//! distinct values each filter can take (for its drop-down).

use super::market_stats::{bind_filters, where_sql, StatsQuery};
use super::{Store, StoreError};
pub use model::stats::StatFacets;

/// How many rows `q`'s filters match (its paging is ignored).
pub async fn count(store: &Store, q: &StatsQuery) -> Result<i64, StoreError> {
    let sql = format!("SELECT COUNT(*) FROM market_stats WHERE {}", where_sql(store, q));
    let (n,): (i64,) = bind_filters(sqlx::query_as(&sql), q).fetch_one(store.pool()).await?;
    Ok(n)
}

/// Distinct symbols, timeframes, events, condition names, targets and splits (nulls left out).
pub async fn facets(store: &Store) -> Result<StatFacets, StoreError> {
    let distinct = |col: &'static str| async move {
        let sql = format!("SELECT DISTINCT {col} FROM market_stats WHERE {col} IS NOT NULL ORDER BY {col}");
        sqlx::query_scalar::<_, String>(&sql).fetch_all(store.pool()).await
    };
    Ok(StatFacets {
        symbols: distinct("symbol").await?,
        timeframes: distinct("timeframe").await?,
        events: distinct("event").await?,
        condition_names: distinct("condition_name").await?,
        targets: distinct("target").await?,
        splits: distinct("split").await?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::market_stats::{query, upsert, RunKey};
    use crate::store::testing;
    use model::stats::StatRow;

    fn row(symbol: &str, event: &str, target: &str, split: &str, n: i64, q: f64) -> StatRow {
        StatRow {
            symbol: symbol.into(),
            event: event.into(),
            condition_name: Some("session".into()),
            condition_value: Some("Asia".into()),
            target: target.into(),
            n,
            successes: n / 2,
            p_hat: 0.5,
            ci_low: None,
            ci_high: None,
            p_mean: 0.5,
            p_map: 0.5,
            hdi_low: None,
            hdi_high: None,
            lift_freq: 0.0,
            lift_bayes: 0.0,
            insufficient: false,
            split: split.into(),
            p_value: q,
            q_value: q,
            significant: q <= 0.05,
            fold: None,
            ttr_mean: None,
            ttr_median: None,
            ttr_q25: None,
            ttr_q75: None,
            ttr_q90: None,
        }
    }

    async fn counts_match_the_rows_and_facets_list_each_value_once(store: Store) {
        let key = RunKey {
            timeframe: "5m".into(),
            start: "2024-01-01".into(),
            end: "2024-02-01".into(),
            ..Default::default()
        };
        let rows = vec![
            row("ES", "k_up", "up_next_bar", "test", 100, 0.01),
            row("ES", "k_up", "continuation_n", "test", 200, 0.5),
            row("ES", "k_down", "up_next_bar", "train", 300, 0.01),
            row("BTCUSD", "k_up", "up_next_bar", "test", 400, 0.9),
        ];
        upsert(&store, &key, &rows).await.unwrap();
        let cases = [
            StatsQuery::default(),
            StatsQuery {
                symbol: Some("ES".into()),
                ..Default::default()
            },
            StatsQuery {
                significant_only: true,
                ..Default::default()
            },
            StatsQuery {
                min_n: Some(250),
                split: Some("test".into()),
                ..Default::default()
            },
        ];
        for (q, want) in cases.iter().zip([4, 3, 2, 1]) {
            let all = query(
                &store,
                &StatsQuery {
                    page_size: 1000,
                    ..q.clone()
                },
            )
            .await
            .unwrap();
            assert_eq!(
                (count(&store, q).await.unwrap(), all.len() as i64),
                (want, want),
                "{q:?}"
            );
        }
        let f = facets(&store).await.unwrap();
        assert_eq!(f.symbols, ["BTCUSD", "ES"]);
        assert_eq!(f.events, ["k_down", "k_up"]);
        assert_eq!(f.targets, ["continuation_n", "up_next_bar"]);
        assert_eq!(
            (f.splits.clone(), f.timeframes.clone()),
            (vec!["test".to_string(), "train".into()], vec!["5m".to_string()])
        );
        assert_eq!(f.condition_names, ["session"]);
    }

    #[tokio::test]
    async fn sqlite_counts_and_facets() {
        let (store, _dir) = testing::sqlite().await;
        counts_match_the_rows_and_facets_list_each_value_once(store).await;
    }

    #[tokio::test]
    async fn mysql_counts_and_facets() {
        let Some(store) = testing::mysql().await else {
            eprintln!("QE_TEST_MYSQL_URL unset: MySQL stats views test not run");
            return;
        };
        counts_match_the_rows_and_facets_list_each_value_once(store).await;
    }
}
