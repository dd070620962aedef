//! The errors of the Binance connector: each names the symbol, file or URL at fault.

/// Everything that can go wrong fetching, storing, importing or streaming Binance klines.
#[derive(Debug, thiserror::Error)]
pub enum BinanceError {
    #[error("unknown Binance interval {0:?} (use 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 8h, 12h, 1d, 3d, 1w or 1M)")]
    BadInterval(String),
    #[error("unknown Binance symbol {symbol}: {url}/api/v3/exchangeInfo does not list it")]
    UnknownSymbol { symbol: String, url: String },
    #[error("{symbol} {interval}: gave up after {attempts} attempts, with bars stored up to {reached}: {last}")]
    RetriesExhausted {
        symbol: String,
        interval: String,
        attempts: u32,
        reached: String,
        last: String,
    },
    #[error("{what}: Binance refused the request with HTTP {status}: {body}")]
    Refused { what: String, status: u16, body: String },
    #[error("{what}: unexpected response: {message}")]
    BadResponse { what: String, message: String },
    #[error("{path}: {message}")]
    Store { path: String, message: String },
    #[error("{path}: {message}")]
    Archive { path: String, message: String },
    #[error("WebSocket {url}: {message}")]
    Stream { url: String, message: String },
    #[error("MySQL upsert into {table}: {message}")]
    MySql { table: String, message: String },
    #[error("{0}")]
    Usage(String),
}

impl BinanceError {
    /// A storage error about `path`.
    pub fn store(path: &std::path::Path, message: impl std::fmt::Display) -> Self {
        BinanceError::Store {
            path: path.display().to_string(),
            message: message.to_string(),
        }
    }

    /// An archive error about `path`.
    pub fn archive(path: &std::path::Path, message: impl std::fmt::Display) -> Self {
        BinanceError::Archive {
            path: path.display().to_string(),
            message: message.to_string(),
        }
    }
}
