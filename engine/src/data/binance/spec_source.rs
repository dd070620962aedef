//! `"source": "binance"` in a spec's `data` block: the symbols' klines are backfilled (incrementally) into a
//! cache under the home directory, then read from it. The REST endpoint comes from the operator's environment
//! (`QE_BINANCE_REST_URL`), never from the spec.

use super::client::{Client, DEFAULT_REST_URL};
use super::{backfill, normalize_symbols, store, Interval};
use crate::data::error::{DataError, RowNumbering};
use crate::data::table::Table;
use model::spec::DataSpec;
use std::path::{Path, PathBuf};

/// The variable naming the REST endpoint (default `https://api.binance.com`).
pub const REST_URL_VAR: &str = "QE_BINANCE_REST_URL";

/// The REST endpoint from the environment.
pub fn rest_url_from_env() -> String {
    std::env::var(REST_URL_VAR)
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_REST_URL.to_string())
}

/// The cache folder: `<QE_HOME>/cache/binance` (`QE_HOME` defaults to `.qe`, as the server's).
pub fn cache_dir() -> PathBuf {
    let home = std::env::var_os("QE_HOME")
        .filter(|h| !h.is_empty())
        .map_or_else(|| PathBuf::from(".qe"), PathBuf::from);
    home.join("cache").join("binance")
}

/// Backfills the spec's symbols over `[start, end]` (inclusive epoch ms) into the cache and reads them back.
pub(crate) fn read(spec: &DataSpec, (start, end): (Option<i64>, Option<i64>), dir: &Path) -> Result<Table, DataError> {
    let symbols = normalize_symbols(&spec.symbols);
    if symbols.is_empty() {
        return Err(DataError::spec(
            "data.symbols",
            "a binance source needs at least one symbol",
        ));
    }
    let tf = spec.timeframe.as_deref().filter(|t| !t.trim().is_empty());
    let tf =
        tf.ok_or_else(|| DataError::spec("data.timeframe", "a binance source needs the kline interval (1m … 1M)"))?;
    let interval = Interval::from_timeframe(tf).map_err(|e| DataError::spec("data.timeframe", e.to_string()))?;
    let start = start.ok_or_else(|| DataError::spec("data.start", "a binance source needs a start"))?;
    let url = rest_url_from_env();
    let job = backfill::Backfill {
        symbols: symbols.clone(),
        interval,
        start,
        end: end.map(|e| e.saturating_add(1)),
        dir: dir.to_path_buf(),
    };
    let fetched = crate::data::load::block_on(
        async {
            let client = Client::new(&url)?;
            backfill::run(&client, &job).await
        },
        super::BinanceError::Usage,
    );
    if let Err(e) = fetched {
        return Err(match e {
            super::BinanceError::UnknownSymbol { .. } => DataError::spec("data.symbols", e.to_string()),
            e => DataError::Read {
                path: format!("binance {url} (cache {})", dir.display()),
                message: e.to_string(),
            },
        });
    }
    let mut t = Table {
        source: format!("binance {url}"),
        numbering: Some(RowNumbering::Row),
        ..Table::default()
    };
    for symbol in &symbols {
        let path = store::path(dir, symbol, interval);
        let klines = store::read(&path, interval).map_err(|e| DataError::Read {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        let s = t.intern(symbol);
        for k in klines {
            t.ts.push(k.open_time);
            t.sym.push(s);
            t.open.push(k.open);
            t.high.push(k.high);
            t.low.push(k.low);
            t.close.push(k.close);
            t.volume.push(k.volume);
        }
    }
    Ok(t)
}
