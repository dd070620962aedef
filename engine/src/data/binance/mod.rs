//! Binance market data: REST backfill of klines (paged, incremental, within the rate limits), the live kline
//! WebSocket streams, and import of the public archive's zip files, all into one Parquet file per symbol and
//! interval that the engine's loader reads.

pub mod archive;
pub mod backfill;
pub mod client;
mod error;
mod interval;
pub mod kline;
pub mod limits;
pub mod mysql_sink;
pub mod progress;
pub(crate) mod spec_source;
pub mod store;
pub mod stream;

pub use client::{Client, RetryPolicy, DEFAULT_REST_URL};
pub use error::BinanceError;
pub use interval::Interval;
pub use kline::Kline;
pub use progress::{Event, Observer, Silent};
pub use spec_source::{cache_dir, rest_url_from_env, REST_URL_VAR};
pub use stream::DEFAULT_WS_URL;

/// The variable naming the WebSocket endpoint (default `wss://stream.binance.com:9443`).
pub const WS_URL_VAR: &str = "QE_BINANCE_WS_URL";

/// Symbols as Binance spells them: trimmed, upper case, empty ones and repeats dropped (order kept).
pub fn normalize_symbols(symbols: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in symbols {
        let s = s.trim().to_ascii_uppercase();
        if !s.is_empty() && !out.contains(&s) {
            out.push(s);
        }
    }
    out
}
