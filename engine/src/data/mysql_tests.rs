//! MariaDB tests of the feed, gated on `QE_TEST_MYSQL_URL` (they fail instead of skipping when `QE_REQUIRE_MYSQL=1`):
//! a `candle` table and a `symbol` lookup table shaped like the original's `submit_mysql.json`, compared bar for bar
//! with the file load of the same bars.

use super::*;
use crate::time::MINUTE_MS;
use model::spec::{from_value, DataSpec};
use serde_json::json;
use sqlx::{Connection, Executor};

const T0: i64 = 1_704_067_200_000;

fn base_url() -> Option<String> {
    match std::env::var("QE_TEST_MYSQL_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ if std::env::var("QE_REQUIRE_MYSQL").as_deref() == Ok("1") => {
            panic!("QE_REQUIRE_MYSQL=1 but QE_TEST_MYSQL_URL is not set")
        }
        _ => None,
    }
}

/// Bars every 30 seconds (so chunk boundaries fall between minutes too), two symbols, prices exact in DECIMAL.
fn fixture() -> Vec<Bars> {
    ["APTUSDT", "BTCUSDT"]
        .iter()
        .enumerate()
        .map(|(k, s)| {
            let mut b = Bars::new(*s);
            for i in 0..240i64 {
                let o = 10.0 + k as f64 * 100.0 + (i % 17) as f64 * 0.25;
                b.push(T0 + i * 30_000, o, o + 0.5, o - 0.25, o + 0.125, (i % 9) as f64);
            }
            b
        })
        .collect()
}

/// Creates a fresh database with `symbol` and `candle` (plus noise rows of another timeframe and symbol); returns
/// its URL and name.
async fn seed(base: &str) -> (String, String) {
    let mut admin = sqlx::MySqlConnection::connect(base)
        .await
        .expect("connect QE_TEST_MYSQL_URL");
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let db = format!("qe_data_{:x}{:x}", nanos, std::process::id());
    admin.execute(format!("CREATE DATABASE {db}").as_str()).await.unwrap();
    let root = base.rsplit_once('/').map(|(r, _)| r).unwrap_or(base);
    let url = format!("{root}/{db}");
    let mut c = sqlx::MySqlConnection::connect(&url).await.unwrap();
    c.execute("CREATE TABLE symbol (id INT PRIMARY KEY, symbol VARCHAR(32) NOT NULL)")
        .await
        .unwrap();
    c.execute(
        "CREATE TABLE candle (symbol_id INT NOT NULL, timeframe VARCHAR(8) NOT NULL, date DATETIME NOT NULL, \
         open DECIMAL(18,8), high DECIMAL(18,8), low DOUBLE, close DOUBLE, volume BIGINT, \
         PRIMARY KEY (symbol_id, timeframe, date))",
    )
    .await
    .unwrap();
    c.execute("INSERT INTO symbol VALUES (1, 'APTUSDT'), (2, 'BTCUSDT'), (3, 'ETHUSDT')")
        .await
        .unwrap();
    for (k, b) in fixture().iter().enumerate() {
        for i in 0..b.len() {
            let noise = if k == 0 { 3 } else { 2 }; // another timeframe, and (once) another symbol
            for (tf, id) in [("1min", k as i64 + 1), ("5min", k as i64 + 1), ("1min", 3)]
                .into_iter()
                .take(noise)
            {
                sqlx::query("INSERT INTO candle VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
                    .bind(id)
                    .bind(tf)
                    .bind(crate::time::db_text(b.ts[i]))
                    .bind(b.open[i])
                    .bind(b.high[i])
                    .bind(b.low[i])
                    .bind(b.close[i])
                    .bind(b.volume[i] as i64)
                    .execute(&mut c)
                    .await
                    .unwrap();
            }
        }
    }
    (url, db)
}

fn spec(url: &str, db: &str, extra: serde_json::Value) -> DataSpec {
    let mut v = json!({
        "mysql": {"connection_url": url.replace("mysql://", "mysql+pymysql://") + "?charset=utf8mb4",
            "schema": db, "table": "candle", "symbol_col": "symbol_id", "ts_col": "date",
            "timeframe_col": "timeframe", "symbol_lookup_table": "symbol", "chunk_minutes": 0},
        "symbols": ["BTCUSDT", "APTUSDT"], "timeframe": "1min",
        "start": "2024-01-01 00:00:00", "end": "2024-01-01"
    });
    for (k, val) in extra.as_object().unwrap() {
        if let Some(m) = k.strip_prefix("mysql.") {
            v["mysql"][m] = val.clone();
        } else {
            v[k] = val.clone();
        }
    }
    from_value(v).unwrap()
}

#[test]
fn the_mysql_feed_matches_the_file_load_bar_for_bar_with_and_without_chunking() {
    let Some(base) = base_url() else { return };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (url, db) = rt.block_on(seed(&base));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("same.csv");
    write::write_file(&fixture(), &file).unwrap();
    let from_file = load_file(&file).unwrap();
    let opts = LoadOptions::default();
    let plain = load(&spec(&url, &db, json!({})), &opts).unwrap();
    assert_eq!(plain, from_file);
    for chunk in [1, 7, 60, 10_000] {
        let chunked = load(&spec(&url, &db, json!({"mysql.chunk_minutes": chunk})), &opts).unwrap();
        assert_eq!(chunked, from_file, "chunk_minutes {chunk}");
    }
    // A window ending on a chunk boundary keeps its inclusive last bar, and nothing after.
    let s = spec(
        &url,
        &db,
        json!({"mysql.chunk_minutes": 5, "start": "2024-01-01T00:10:00Z", "end": "2024-01-01T00:20:00Z"}),
    );
    let b = load(&s, &opts).unwrap();
    assert_eq!(b[0].ts, (20..=40).map(|i| T0 + i * 30_000).collect::<Vec<_>>());
    assert_eq!(b[0].ts.last(), Some(&(T0 + 20 * MINUTE_MS)));
}

#[test]
fn identifier_injections_and_raw_sql_are_refused_against_a_real_server() {
    let Some(base) = base_url() else { return };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (url, db) = rt.block_on(seed(&base));
    let opts = LoadOptions::default();
    let e = load(
        &spec(&url, &db, json!({"mysql.table": "candle; DROP TABLE candle"})),
        &opts,
    )
    .unwrap_err();
    assert!(
        matches!(e, DataError::BadIdentifier { ref field, .. } if field == "table"),
        "{e}"
    );
    let e = load(&spec(&url, &db, json!({"mysql.ts_col": "date` > 0 OR `1"})), &opts).unwrap_err();
    assert!(e.to_string().contains("data.mysql.ts_col"), "{e}");
    let e = load(&spec(&url, &db, json!({"mysql.extra_where": "volume > 4"})), &opts).unwrap_err();
    assert!(matches!(e, DataError::ExtraWhereRefused), "{e}");
    let allowed = LoadOptions {
        allow_extra_where: true,
        ..LoadOptions::default()
    };
    let b = load(&spec(&url, &db, json!({"mysql.extra_where": "volume > 4"})), &allowed).unwrap();
    assert!(b.iter().all(|s| s.volume.iter().all(|v| *v > 4.0)) && !b[0].is_empty());
    // The table survived every attempt.
    assert_eq!(load(&spec(&url, &db, json!({})), &opts).unwrap()[0].len(), 240);
}

#[test]
fn unknown_symbols_and_a_missing_timeframe_are_clear_errors() {
    let Some(base) = base_url() else { return };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (url, db) = rt.block_on(seed(&base));
    let opts = LoadOptions::default();
    let e = load(&spec(&url, &db, json!({"symbols": ["APTUSDT", "NOPE"]})), &opts)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("symbols not found in the lookup table") && e.contains("NOPE"),
        "{e}"
    );
    let e = load(&spec(&url, &db, json!({"timeframe": null})), &opts)
        .unwrap_err()
        .to_string();
    assert!(e.contains("data.timeframe"), "{e}");
    let e = load(
        &spec(&url, &db, json!({"start": "2025-01-01", "end": "2025-01-02"})),
        &opts,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("holds no bars"), "{e}");
    // Without the lookup table the symbol column is compared with the names themselves (here: ids as text).
    let b = load(
        &spec(&url, &db, json!({"mysql.symbol_lookup_table": null, "symbols": ["3"]})),
        &opts,
    )
    .unwrap();
    assert_eq!((b[0].symbol.as_str(), b[0].len()), ("3", 240));
}

/// A job loads on its runtime's `spawn_blocking` thread; a multi-thread runtime's workers and a current-thread
/// runtime's blocking threads may load too, and a plain thread (the CLI's local commands) on a private runtime.
#[test]
fn the_feed_runs_on_the_callers_runtime_or_on_its_own() {
    let Some(base) = base_url() else { return };
    let jobs = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (url, db) = jobs.block_on(seed(&base));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("same.csv");
    write::write_file(&fixture(), &file).unwrap();
    let from_file = load_file(&file).unwrap();
    let s = spec(&url, &db, json!({"mysql.chunk_minutes": 30}));
    let in_blocking = |s: DataSpec| async move {
        tokio::task::spawn_blocking(move || load(&s, &LoadOptions::default()))
            .await
            .unwrap()
    };
    assert_eq!(
        jobs.block_on(in_blocking(s.clone())).unwrap(),
        from_file,
        "spawn_blocking"
    );
    let on_worker = s.clone();
    let in_task = jobs.spawn(async move { load(&on_worker, &LoadOptions::default()) });
    assert_eq!(jobs.block_on(in_task).unwrap().unwrap(), from_file, "a worker");
    let current = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    assert_eq!(
        current.block_on(in_blocking(s.clone())).unwrap(),
        from_file,
        "current-thread spawn_blocking"
    );
    assert_eq!(load(&s, &LoadOptions::default()).unwrap(), from_file, "a plain thread");
}
