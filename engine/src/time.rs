//! UTC time helpers: epoch milliseconds to calendar fields and text.

use chrono::{DateTime, Utc};

/// Milliseconds in one minute, hour and day.
pub const MINUTE_MS: i64 = 60_000;
pub const HOUR_MS: i64 = 60 * MINUTE_MS;
pub use model::time::DAY_MS;

/// Converts epoch milliseconds to a UTC datetime (out-of-range values clamp to the epoch).
pub fn to_datetime(ts_ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ts_ms).unwrap_or_default()
}

/// Formats epoch milliseconds as the database's `YYYY-MM-DD HH:MM:SS` (UTC).
pub fn db_text(ts_ms: i64) -> String {
    to_datetime(ts_ms).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// The current time as `YYYY-MM-DD HH:MM:SS` (UTC), the original's `CURRENT_TIMESTAMP` format.
pub fn now_db_text() -> String {
    Utc::now().format("%Y-%m-%d %H:%M:%S").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn db_text_is_utc_without_zone() {
        assert_eq!(db_text(1_704_067_200_000), "2024-01-01 00:00:00");
        assert_eq!(db_text(1_704_067_200_000 + HOUR_MS + 61_000), "2024-01-01 01:01:01");
    }
}
