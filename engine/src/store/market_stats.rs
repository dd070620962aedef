//! The `market_stats` table: upserts of a stats run's rows and the reads behind `/stats`, `/stats/summary`,
//! `/stats/heatmap` and `/stats/top` (reference §4.2). `ukey` is the SHA-256 of the natural key with nulls
//! spelled distinctly, so a re-run updates its rows instead of duplicating them.

use super::{Backend, Store, StoreError};
use crate::stats::estimators::wilson;
use model::stats::{HeatmapCell, StatRow, StatSummaryRow, StatsOrder, StoredStatRow};
use sha2::{Digest, Sha256};

/// What a run's rows are stored under besides their own fields.
#[derive(Debug, Clone, Default)]
pub struct RunKey {
    pub timeframe: String,
    /// The spec's raw `data.start` / `data.end` strings.
    pub start: String,
    pub end: String,
    pub spec_id: Option<String>,
    pub dataset_id: Option<String>,
}

impl RunKey {
    /// The key of a spec's rows: `data.timeframe`, the raw `data.start`/`data.end`, `persistence` ids.
    pub fn for_spec(spec: &model::spec::stats::StatsSpec) -> Self {
        Self {
            timeframe: spec.data.timeframe.clone().unwrap_or_default(),
            start: spec
                .data
                .start
                .as_ref()
                .map(|t| t.text().to_string())
                .unwrap_or_default(),
            end: spec.data.end.as_ref().map(|t| t.text().to_string()).unwrap_or_default(),
            spec_id: spec.persistence.spec_id.clone(),
            dataset_id: spec.persistence.dataset_id.clone(),
        }
    }
}

const COLUMNS: [&str; 36] = [
    "symbol",
    "timeframe",
    "event",
    "condition_name",
    "condition_value",
    "target",
    "split",
    "n",
    "successes",
    "p_hat",
    "ci_low",
    "ci_high",
    "lift",
    "start",
    "end",
    "spec_id",
    "dataset_id",
    "created_at",
    "ukey",
    "p_mean",
    "p_map",
    "hdi_low",
    "hdi_high",
    "lift_freq",
    "lift_bayes",
    "p_value",
    "q_value",
    "significant",
    "insufficient",
    "fold",
    "ttr_mean",
    "ttr_median",
    "ttr_q25",
    "ttr_q75",
    "ttr_q90",
    "id",
];

/// The stable key of a row: SHA-256 (hex) over the natural key, fold and nullable columns included.
pub fn ukey(row: &StatRow, key: &RunKey) -> String {
    let opt = |v: &Option<String>| v.as_ref().map_or("\u{0}".to_string(), |s| format!("+{s}"));
    let fold = row.fold.map_or("\u{0}".to_string(), |f| format!("+{f}"));
    let parts = [
        format!("+{}", row.symbol),
        format!("+{}", key.timeframe),
        format!("+{}", row.event),
        opt(&row.condition_name),
        opt(&row.condition_value),
        format!("+{}", row.target),
        format!("+{}", row.split),
        fold,
        format!("+{}", key.start),
        format!("+{}", key.end),
        opt(&key.spec_id),
    ];
    let digest = Sha256::digest(parts.join("\u{1f}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Inserts or updates `rows` in one transaction.
pub async fn upsert(store: &Store, key: &RunKey, rows: &[StatRow]) -> Result<(), StoreError> {
    let cols = &COLUMNS[..35];
    let update: Vec<&str> = cols
        .iter()
        .copied()
        .filter(|c| {
            ![
                "symbol",
                "timeframe",
                "event",
                "condition_name",
                "condition_value",
                "target",
                "split",
            ]
            .contains(c)
        })
        .filter(|c| !["start", "end", "spec_id", "created_at", "ukey", "fold"].contains(c))
        .collect();
    let insert = store.upsert("market_stats", cols, &["ukey"], &update);
    let now = crate::time::now_db_text();
    let mut tx = store.pool().begin().await?;
    insert
        .run(&mut tx, rows, |mut b, r| {
            b.push_bind(&r.symbol)
                .push_bind(&key.timeframe)
                .push_bind(&r.event)
                .push_bind(&r.condition_name)
                .push_bind(&r.condition_value)
                .push_bind(&r.target)
                .push_bind(&r.split)
                .push_bind(r.n)
                .push_bind(r.successes)
                .push_bind(r.p_hat)
                .push_bind(r.ci_low)
                .push_bind(r.ci_high)
                .push_bind(r.lift_freq)
                .push_bind(&key.start)
                .push_bind(&key.end)
                .push_bind(&key.spec_id)
                .push_bind(&key.dataset_id)
                .push_bind(&now)
                .push_bind(ukey(r, key))
                .push_bind(r.p_mean)
                .push_bind(r.p_map)
                .push_bind(r.hdi_low)
                .push_bind(r.hdi_high)
                .push_bind(r.lift_freq)
                .push_bind(r.lift_bayes)
                .push_bind(r.p_value)
                .push_bind(r.q_value)
                .push_bind(r.significant as i64)
                .push_bind(r.insufficient as i64)
                .push_bind(r.fold)
                .push_bind(r.ttr_mean)
                .push_bind(r.ttr_median)
                .push_bind(r.ttr_q25)
                .push_bind(r.ttr_q75)
                .push_bind(r.ttr_q90);
        })
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Ranking of `/stats` and `/stats/top`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Method {
    /// By `lift_freq`.
    #[default]
    Freq,
    /// By `lift_bayes`.
    Bayes,
}

/// `GET /stats` parameters: exact-match filters, `min_n`, significance, ranking and paging (page from 1).
#[derive(Debug, Clone)]
pub struct StatsQuery {
    pub symbol: Option<String>,
    pub timeframe: Option<String>,
    pub event: Option<String>,
    pub condition_name: Option<String>,
    /// One condition value (a heatmap cell's rows).
    pub condition_value: Option<String>,
    pub target: Option<String>,
    pub split: Option<String>,
    pub min_n: Option<i64>,
    pub significant_only: bool,
    /// Leave out rows flagged insufficient (fewer observations than the spec's `min_samples`).
    pub sufficient_only: bool,
    pub method: Method,
    /// The row order; None: the method's lift, descending.
    pub order: Option<(StatsOrder, bool)>,
    pub alpha: f64,
    pub page: u32,
    pub page_size: u32,
}

impl Default for StatsQuery {
    fn default() -> Self {
        Self {
            symbol: None,
            timeframe: None,
            event: None,
            condition_name: None,
            condition_value: None,
            target: None,
            split: None,
            min_n: None,
            significant_only: false,
            sufficient_only: false,
            method: Method::Freq,
            order: None,
            alpha: 0.05,
            page: 1,
            page_size: 50,
        }
    }
}

pub(super) fn select_list(store: &Store) -> String {
    COLUMNS.iter().map(|c| store.quote(c)).collect::<Vec<_>>().join(", ")
}

fn lift_expr(method: Method) -> &'static str {
    match method {
        Method::Freq => "COALESCE(lift_freq, lift)",
        Method::Bayes => "COALESCE(lift_bayes, lift_freq, lift)",
    }
}

/// The ORDER BY of `order` (descending when `desc`), missing values last in both directions.
fn order_sql(q: &StatsQuery) -> String {
    let (col, desc) = match q.order {
        None => return format!("{} DESC", lift_expr(q.method)),
        Some((StatsOrder::N, desc)) => ("n", desc),
        Some((StatsOrder::PHat, desc)) => ("p_hat", desc),
        Some((StatsOrder::Lift, desc)) => (lift_expr(q.method), desc),
        Some((StatsOrder::QValue, desc)) => ("q_value", desc),
    };
    format!("({col} IS NULL), {col} {}", if desc { "DESC" } else { "ASC" })
}

/// `/stats`: matching rows sorted by the method's lift, descending (signed), ties by id; one page.
pub async fn query(store: &Store, q: &StatsQuery) -> Result<Vec<StoredStatRow>, StoreError> {
    let mut sql = format!(
        "SELECT {} FROM market_stats WHERE {}",
        select_list(store),
        where_sql(store, q)
    );
    let page_size = q.page_size.max(1) as i64;
    let offset = (q.page.max(1) as i64 - 1).saturating_mul(page_size);
    sql.push_str(&format!(
        " ORDER BY {}, id ASC LIMIT {page_size} OFFSET {offset}",
        order_sql(q)
    ));
    let rows: Vec<StatRecord> = bind_filters(sqlx::query_as(&sql), q).fetch_all(store.pool()).await?;
    Ok(rows.into_iter().map(StoredStatRow::from).collect())
}

/// A query over `market_stats` reading `O`s, with the bind values of [`where_sql`] still to add.
pub(super) type AnyQuery<'q, O> = sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>>;

/// The WHERE condition of `/stats`'s filters (exact matches, `min_n`, significance), placeholders in bind order.
pub(super) fn where_sql(store: &Store, q: &StatsQuery) -> String {
    let mut sql = String::from("1 = 1");
    for (col, v) in text_filters(q) {
        if v.is_some() {
            sql.push_str(&format!(" AND {} = ?", store.quote(col)));
        }
    }
    if q.min_n.is_some() {
        sql.push_str(" AND n >= ?");
    }
    if q.significant_only {
        sql.push_str(" AND (significant = 1 OR q_value <= ?)");
    }
    if q.sufficient_only {
        sql.push_str(" AND (insufficient IS NULL OR insufficient = 0)");
    }
    sql
}

/// Binds the values of [`where_sql`]'s placeholders.
pub(super) fn bind_filters<'q, O>(mut query: AnyQuery<'q, O>, q: &StatsQuery) -> AnyQuery<'q, O> {
    for (_, v) in text_filters(q) {
        if let Some(v) = v {
            query = query.bind(v.clone());
        }
    }
    if let Some(n) = q.min_n {
        query = query.bind(n);
    }
    if q.significant_only {
        query = query.bind(q.alpha);
    }
    query
}

fn text_filters(q: &StatsQuery) -> [(&'static str, &Option<String>); 7] {
    [
        ("symbol", &q.symbol),
        ("timeframe", &q.timeframe),
        ("event", &q.event),
        ("condition_name", &q.condition_name),
        ("condition_value", &q.condition_value),
        ("target", &q.target),
        ("split", &q.split),
    ]
}

/// `/stats/top`: test-split rows (else all) of a symbol and timeframe, by absolute lift descending, first `k`.
/// `significant_only` keeps rows with `significant` or `q_value ≤ 0.05`.
pub async fn top(
    store: &Store,
    symbol: &str,
    timeframe: &str,
    k: u32,
    method: Method,
    significant_only: bool,
) -> Result<Vec<StoredStatRow>, StoreError> {
    let mut rows = test_or_all(store, &[("symbol", symbol), ("timeframe", timeframe)]).await?;
    if significant_only {
        rows.retain(|r| r.significant == Some(true) || r.q_value.is_some_and(|q| q <= 0.05));
    }
    let lift = |r: &StoredStatRow| match method {
        Method::Freq => r.lift_freq,
        Method::Bayes => r.lift_bayes,
    };
    rows.sort_by(|a, b| lift(b).abs().total_cmp(&lift(a).abs()));
    rows.truncate(k as usize);
    Ok(rows)
}

/// Rows matching `filters` in split `test`, or in any split when there is no test row; by id.
async fn test_or_all(store: &Store, filters: &[(&str, &str)]) -> Result<Vec<StoredStatRow>, StoreError> {
    let base = format!(
        "SELECT {} FROM market_stats WHERE {}",
        select_list(store),
        filters
            .iter()
            .map(|(c, _)| format!("{} = ?", store.quote(c)))
            .collect::<Vec<_>>()
            .join(" AND ")
    );
    for sql in [
        format!("{base} AND split = 'test' ORDER BY id"),
        format!("{base} ORDER BY id"),
    ] {
        let mut q = sqlx::query_as(&sql);
        for (_, v) in filters {
            q = q.bind(v.to_string());
        }
        let rows: Vec<StatRecord> = q.fetch_all(store.pool()).await?;
        if !rows.is_empty() {
            return Ok(rows.into_iter().map(StoredStatRow::from).collect());
        }
    }
    Ok(Vec::new())
}

/// `/stats/heatmap`: one cell per row of the (symbol, timeframe, event, target, condition) slice, test split
/// preferred; bins sorted numerically when they parse as numbers, then as text, null bins last.
pub async fn heatmap(
    store: &Store,
    symbol: &str,
    timeframe: &str,
    event: &str,
    target: &str,
    condition_name: &str,
) -> Result<Vec<HeatmapCell>, StoreError> {
    let filters = [
        ("symbol", symbol),
        ("timeframe", timeframe),
        ("event", event),
        ("target", target),
        ("condition_name", condition_name),
    ];
    let mut cells: Vec<HeatmapCell> = test_or_all(store, &filters)
        .await?
        .into_iter()
        .map(|r| HeatmapCell {
            bin: r.condition_value,
            p_hat: r.p_hat,
            ci_low: r.ci_low,
            ci_high: r.ci_high,
            n: r.n,
            lift: r.lift,
        })
        .collect();
    cells.sort_by(|a, b| {
        bin_order(&a.bin)
            .partial_cmp(&bin_order(&b.bin))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    Ok(cells)
}

/// Sort key of a heatmap bin: numbers first (by value), then text, then null.
fn bin_order(bin: &Option<String>) -> (u8, f64, String) {
    match bin {
        None => (2, 0.0, String::new()),
        Some(s) => match s.trim().parse::<f64>() {
            Ok(v) if v.is_finite() => (0, v, String::new()),
            _ => (1, 0.0, s.clone()),
        },
    }
}

/// `/stats/summary`: `n` and successes summed per (condition_name, condition_value, target) over all stored
/// splits, events and runs of the optional symbol/timeframe/event, each with a Wilson interval (no n_min).
pub async fn summary(
    store: &Store,
    symbol: Option<&str>,
    timeframe: Option<&str>,
    event: Option<&str>,
) -> Result<Vec<StatSummaryRow>, StoreError> {
    let int = if store.backend() == Backend::MySql {
        "SIGNED"
    } else {
        "INTEGER"
    };
    let mut sql = format!(
        "SELECT condition_name, condition_value, target, CAST(SUM(n) AS {int}) AS n, \
         CAST(SUM(successes) AS {int}) AS successes FROM market_stats WHERE 1 = 1"
    );
    let filters: Vec<(&str, &str)> = [("symbol", symbol), ("timeframe", timeframe), ("event", event)]
        .into_iter()
        .filter_map(|(c, v)| v.map(|v| (c, v)))
        .collect();
    for (c, _) in &filters {
        sql.push_str(&format!(" AND {c} = ?"));
    }
    sql.push_str(" GROUP BY condition_name, condition_value, target ORDER BY condition_name, condition_value, target");
    let mut q = sqlx::query_as(&sql);
    for (_, v) in &filters {
        q = q.bind(v.to_string());
    }
    let rows: Vec<ConditionTotals> = q.fetch_all(store.pool()).await?;
    let summary = rows.into_iter().map(|t| {
        let (p_hat, ci_low, ci_high) = wilson(t.successes.max(0) as u64, t.n.max(0) as u64);
        StatSummaryRow {
            condition_name: t.condition_name,
            condition_value: t.condition_value,
            target: t.target,
            n: t.n,
            successes: t.successes,
            p_hat,
            ci_low,
            ci_high,
        }
    });
    Ok(summary.collect())
}

/// The counts of one (condition, value, target) summed over the stored rows.
#[derive(sqlx::FromRow)]
struct ConditionTotals {
    condition_name: Option<String>,
    condition_value: Option<String>,
    target: String,
    n: i64,
    successes: i64,
}

/// A stored `market_stats` row: the model's fields, and the nullable lifts and integer flags it maps.
#[derive(sqlx::FromRow)]
struct StatRecord {
    #[sqlx(flatten)]
    row: StoredStatRow,
    lift_freq: Option<f64>,
    lift_bayes: Option<f64>,
    significant: Option<i64>,
    insufficient: Option<i64>,
}

/// Rows stored before the Bayesian columns take `lift` for their missing lifts.
impl From<StatRecord> for StoredStatRow {
    fn from(r: StatRecord) -> Self {
        let flag = |v: Option<i64>| v.map(|v| v != 0);
        StoredStatRow {
            lift_freq: r.lift_freq.unwrap_or(r.row.lift),
            lift_bayes: r.lift_bayes.or(r.lift_freq).unwrap_or(r.row.lift),
            significant: flag(r.significant),
            insufficient: flag(r.insufficient),
            ..r.row
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing;

    fn row(event: &str, value: Option<&str>, split: &str, fold: Option<i64>, lift: f64, q: f64) -> StatRow {
        StatRow {
            symbol: "EURUSD".into(),
            event: event.into(),
            condition_name: Some("session".into()),
            condition_value: value.map(str::to_string),
            target: "up_next_bar".into(),
            n: 400,
            successes: 220,
            p_hat: 0.55,
            ci_low: Some(0.5),
            ci_high: Some(0.6),
            p_mean: 0.55,
            p_map: 0.55,
            hdi_low: Some(0.5),
            hdi_high: Some(0.6),
            lift_freq: lift,
            lift_bayes: lift / 2.0,
            insufficient: false,
            split: split.into(),
            p_value: q / 2.0,
            q_value: q,
            significant: q <= 0.05,
            fold,
            ttr_mean: None,
            ttr_median: None,
            ttr_q25: None,
            ttr_q75: None,
            ttr_q90: None,
        }
    }

    fn key() -> RunKey {
        RunKey {
            timeframe: "M1".into(),
            start: "2024-01-01".into(),
            end: "2024-02-01".into(),
            spec_id: None,
            dataset_id: None,
        }
    }

    fn rows() -> Vec<StatRow> {
        vec![
            row("ev1", Some("10"), "test", None, 0.2, 0.01),
            row("ev2", Some("5"), "test", None, -0.6, 0.02),
            row("ev3", Some("Asia"), "test", None, 0.4, 0.5),
            row("ev3", None, "test", None, 0.1, 0.9),
            row("ev1", Some("10"), "train", Some(0), 0.3, 0.9),
            row("ev1", Some("10"), "train", Some(1), 0.3, 0.9),
        ]
    }

    async fn check(store: Store) {
        upsert(&store, &key(), &rows()).await.unwrap();
        let mut changed = rows();
        changed[0].n = 999;
        upsert(&store, &key(), &changed).await.unwrap();
        let all = query(
            &store,
            &StatsQuery {
                page_size: 500,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(
            all.len(),
            6,
            "a re-run with null spec_id / condition_value / fold updates, never duplicates"
        );
        // freq: lift_freq descending, signed
        let lifts: Vec<f64> = all.iter().map(|r| r.lift_freq).collect();
        assert_eq!(lifts, [0.4, 0.3, 0.3, 0.2, 0.1, -0.6]);
        let ev1 = all.iter().find(|r| r.event == "ev1" && r.split == "test").unwrap();
        assert_eq!(
            (ev1.n, ev1.lift, ev1.significant, ev1.fold, ev1.p_mean),
            (999, 0.2, Some(true), None, Some(0.55))
        );
        // significant_only + bayes: ev1 (0.1) then ev2 (-0.3); the non-significant rows are excluded
        let q = StatsQuery {
            significant_only: true,
            method: Method::Bayes,
            ..Default::default()
        };
        let sig: Vec<String> = query(&store, &q).await.unwrap().into_iter().map(|r| r.event).collect();
        assert_eq!(sig, ["ev1", "ev2"]);
        let q = StatsQuery {
            split: Some("train".into()),
            min_n: Some(400),
            ..Default::default()
        };
        let train = query(&store, &q).await.unwrap();
        assert_eq!(train.iter().map(|r| r.fold).collect::<Vec<_>>(), [Some(0), Some(1)]);
        let q = StatsQuery {
            page: 2,
            page_size: 4,
            ..Default::default()
        };
        assert_eq!(query(&store, &q).await.unwrap().len(), 2);
        dashboard_filters_and_orders(&store).await;
        // top: test rows only, by |lift|
        let top2: Vec<f64> = top(&store, "EURUSD", "M1", 2, Method::Freq, false)
            .await
            .unwrap()
            .iter()
            .map(|r| r.lift_freq)
            .collect();
        assert_eq!(top2, [-0.6, 0.4]);
        // heatmap: numeric bins by value, then text, then null — never a crash on mixed bins
        let cells = heatmap(&store, "EURUSD", "M1", "ev3", "up_next_bar", "session")
            .await
            .unwrap();
        assert_eq!(
            cells.iter().map(|c| c.bin.clone()).collect::<Vec<_>>(),
            [Some("Asia".to_string()), None]
        );
        upsert(
            &store,
            &key(),
            &[
                row("ev3", Some("10"), "test", None, 0.0, 1.0),
                row("ev3", Some("5"), "test", None, 0.0, 1.0),
            ],
        )
        .await
        .unwrap();
        let cells = heatmap(&store, "EURUSD", "M1", "ev3", "up_next_bar", "session")
            .await
            .unwrap();
        let bins: Vec<Option<&str>> = cells.iter().map(|c| c.bin.as_deref()).collect();
        assert_eq!(bins, [Some("5"), Some("10"), Some("Asia"), None]);
        // summary pools splits and events per (condition, value, target)
        let s = summary(&store, Some("EURUSD"), None, Some("ev1")).await.unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!((s[0].n, s[0].successes), (999 + 400 + 400, 660));
        let (p, lo, hi) = wilson(660, 1799);
        assert_eq!((s[0].p_hat, s[0].ci_low, s[0].ci_high), (p, lo, hi));
    }

    /// One condition value, a chosen column order (missing values last) and sufficient rows only, on the six rows
    /// of [`rows`] plus one insufficient row removed again at the end.
    async fn dashboard_filters_and_orders(store: &Store) {
        let all = |q: StatsQuery| async move { query(store, &StatsQuery { page_size: 500, ..q }).await.unwrap() };
        let tens = all(StatsQuery {
            condition_value: Some("10".into()),
            ..Default::default()
        })
        .await;
        assert_eq!(tens.len(), 3);
        let by_q = all(StatsQuery {
            order: Some((StatsOrder::QValue, false)),
            ..Default::default()
        })
        .await;
        let qs: Vec<Option<f64>> = by_q.iter().map(|r| r.q_value).collect();
        assert_eq!(qs, [0.01, 0.02, 0.5, 0.9, 0.9, 0.9].map(Some));
        let by_n = all(StatsQuery {
            order: Some((StatsOrder::N, true)),
            ..Default::default()
        })
        .await;
        assert_eq!(by_n[0].n, 999);
        let mut thin = row("ev4", Some("1"), "test", None, 0.9, 0.01);
        (thin.n, thin.insufficient) = (3, true);
        upsert(store, &key(), &[thin]).await.unwrap();
        assert_eq!(all(StatsQuery::default()).await.len(), 7);
        let sufficient = all(StatsQuery {
            sufficient_only: true,
            ..Default::default()
        })
        .await;
        assert_eq!(sufficient.len(), 6);
        assert!(sufficient.iter().all(|r| r.event != "ev4"));
        sqlx::query("DELETE FROM market_stats WHERE event = 'ev4'")
            .execute(store.pool())
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn sqlite_upserts_filters_and_orders() {
        let (store, _dir) = testing::sqlite().await;
        check(store).await;
    }

    #[tokio::test]
    async fn mysql_upserts_filters_and_orders() {
        if let Some(store) = testing::mysql().await {
            check(store).await;
        }
    }

    #[test]
    fn the_key_tells_null_from_empty_and_folds_apart() {
        let a = row("e", None, "test", None, 0.0, 1.0);
        let b = row("e", Some(""), "test", None, 0.0, 1.0);
        let c = row("e", None, "test", Some(0), 0.0, 1.0);
        let k = key();
        assert_ne!(ukey(&a, &k), ukey(&b, &k));
        assert_ne!(ukey(&a, &k), ukey(&c, &k));
        assert_eq!(ukey(&a, &k), ukey(&a.clone(), &k));
        assert_eq!(ukey(&a, &k).len(), 64);
    }
}
