//! The optional copy of a kline file into a MySQL/MariaDB marketdata table shaped like the one `data.mysql`
//! reads by default (`ohlcv`: `symbol`, `timeframe`, `ts`, `open`, `high`, `low`, `close`, `volume`), upserted
//! by (`symbol`, `timeframe`, `ts`) so re-running sends only what the table lacks.

use super::error::BinanceError;
use super::kline::Kline;
use super::Interval;
use crate::data::mysql::{normalize_url, qualified_table};
use sqlx::mysql::MySqlConnection;
use sqlx::{Connection, Row};

/// The table written when none is named: the default of `data.mysql.table`.
pub const DEFAULT_TABLE: &str = "ohlcv";

/// Rows per `INSERT` statement.
const BATCH: usize = 500;

/// What an upsert did.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SinkReport {
    pub table: String,
    pub symbol: String,
    pub timeframe: String,
    /// Rows sent (inserted or updated).
    pub upserted: u64,
}

/// Creates the table if needed and upserts the klines the table does not hold yet: those outside its stored
/// span, or all of them when the stored span's row count disagrees with the file's.
pub async fn sync(
    url: &str,
    table: &str,
    symbol: &str,
    interval: Interval,
    klines: &[Kline],
) -> Result<SinkReport, BinanceError> {
    let err = |e: sqlx::Error| BinanceError::MySql {
        table: table.to_string(),
        message: e.to_string(),
    };
    let quoted = qualified_table("table", table, None).map_err(|e| BinanceError::MySql {
        table: table.to_string(),
        message: e.to_string(),
    })?;
    let mut conn = MySqlConnection::connect(&normalize_url(url)).await.map_err(err)?;
    sqlx::query("SET time_zone = '+00:00'")
        .execute(&mut conn)
        .await
        .map_err(err)?;
    sqlx::query(&format!(
        "CREATE TABLE IF NOT EXISTS {quoted} (\
         symbol VARCHAR(32) NOT NULL, \
         timeframe VARCHAR(8) CHARACTER SET ascii COLLATE ascii_bin NOT NULL, \
         ts DATETIME(3) NOT NULL, \
         open DOUBLE NOT NULL, high DOUBLE NOT NULL, low DOUBLE NOT NULL, close DOUBLE NOT NULL, \
         volume DOUBLE NOT NULL, quote_volume DOUBLE NULL, trades BIGINT NULL, \
         PRIMARY KEY (symbol, timeframe, ts))"
    ))
    .execute(&mut conn)
    .await
    .map_err(err)?;
    let tf = interval.as_str();
    let row = sqlx::query(&format!(
        "SELECT COUNT(*), CAST(MIN(ts) AS CHAR), CAST(MAX(ts) AS CHAR) FROM {quoted} WHERE symbol = ? AND timeframe = ?"
    ))
    .bind(symbol)
    .bind(tf)
    .fetch_one(&mut conn)
    .await
    .map_err(err)?;
    let count: i64 = row.try_get(0).map_err(err)?;
    let span = |i: usize| -> Option<i64> {
        let t: Option<String> = row.try_get(i).ok().flatten();
        t.and_then(|t| crate::data::timestamps::parse_timestamp(&t).ok())
    };
    let todo: Vec<&Kline> = match (span(1), span(2)) {
        (Some(lo), Some(hi)) => {
            let inside = klines.iter().filter(|k| k.open_time >= lo && k.open_time <= hi).count();
            if inside as i64 == count {
                klines.iter().filter(|k| k.open_time < lo || k.open_time > hi).collect()
            } else {
                klines.iter().collect()
            }
        }
        _ => klines.iter().collect(),
    };
    for chunk in todo.chunks(BATCH) {
        let marks = vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
        let sql = format!(
            "INSERT INTO {quoted} (symbol, timeframe, ts, open, high, low, close, volume, quote_volume, trades) \
             VALUES {marks} ON DUPLICATE KEY UPDATE open = VALUES(open), high = VALUES(high), low = VALUES(low), \
             close = VALUES(close), volume = VALUES(volume), quote_volume = VALUES(quote_volume), \
             trades = VALUES(trades)"
        );
        let mut q = sqlx::query(&sql);
        for k in chunk {
            let ts = crate::time::to_datetime(k.open_time)
                .format("%Y-%m-%d %H:%M:%S%.3f")
                .to_string();
            q = q
                .bind(symbol)
                .bind(tf)
                .bind(ts)
                .bind(k.open)
                .bind(k.high)
                .bind(k.low)
                .bind(k.close)
                .bind(k.volume)
                .bind(k.quote_volume)
                .bind(k.trades);
        }
        q.execute(&mut conn).await.map_err(err)?;
    }
    let _ = conn.close().await;
    Ok(SinkReport {
        table: table.to_string(),
        symbol: symbol.to_string(),
        timeframe: tf.to_string(),
        upserted: todo.len() as u64,
    })
}
