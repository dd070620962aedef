//! The live feed: kline WebSocket streams (`/ws/<symbol>@kline_<interval>` for one symbol, the combined
//! `/stream?streams=…` for several). Each kline is appended to its file when its final (`x`) update arrives;
//! after every (re)connect the gap since the file's last bar is filled from REST, so the file never lacks a
//! closed kline the exchange has, and `ts` stays strictly increasing.

use super::backfill::symbol_backfill;
use super::client::Client;
use super::error::BinanceError;
use super::kline::{parse_stream, Kline};
use super::progress::Event;
use super::store;
use super::Interval;
use crate::data::timestamps::iso;
use futures_util::{SinkExt, StreamExt};
use std::collections::BTreeMap;
use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

/// The public spot streams.
pub const DEFAULT_WS_URL: &str = "wss://stream.binance.com:9443";

/// How the stream reconnects.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reconnect {
    /// The wait before reconnecting after a close; it doubles after each failed attempt.
    pub base: Duration,
    /// The longest wait.
    pub max: Duration,
    /// Consecutive failed attempts (refused connections or REST fills) before giving up; `None` = never.
    pub max_failures: Option<u32>,
}

impl Default for Reconnect {
    fn default() -> Self {
        Reconnect {
            base: Duration::from_millis(500),
            max: Duration::from_secs(60),
            max_failures: None,
        }
    }
}

/// What to stream: `symbols` at `interval` into `dir`, from the streams at `ws_url`.
#[derive(Debug, Clone, PartialEq)]
pub struct Stream {
    pub symbols: Vec<String>,
    pub interval: Interval,
    pub dir: PathBuf,
    pub ws_url: String,
    /// Where a symbol without a file starts (epoch ms); `None` = with the next kline that closes.
    pub start: Option<i64>,
    pub reconnect: Reconnect,
}

/// The outcome per symbol when the stream stops.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StreamSymbol {
    pub symbol: String,
    pub path: String,
    /// Klines appended from the stream, and filled from REST after (re)connects.
    pub streamed: u64,
    pub filled: u64,
    pub total: u64,
    pub last: Option<String>,
}

/// The outcome of a stream run.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StreamReport {
    pub url: String,
    pub connections: u64,
    pub symbols: Vec<StreamSymbol>,
}

struct Series {
    path: PathBuf,
    klines: Vec<Kline>,
    streamed: u64,
    filled: u64,
}

/// The stream URL of `symbols` at `interval` under `base`.
pub fn stream_url(base: &str, symbols: &[String], interval: Interval) -> String {
    let base = base.trim_end_matches('/');
    let names: Vec<String> = symbols
        .iter()
        .map(|s| format!("{}@kline_{interval}", s.to_ascii_lowercase()))
        .collect();
    match names.as_slice() {
        [one] => format!("{base}/ws/{one}"),
        _ => format!("{base}/stream?streams={}", names.join("/")),
    }
}

/// Streams until `shutdown` completes (every kline received is on disk by then), or until reconnecting fails
/// `max_failures` times in a row.
pub async fn run(
    client: &Client,
    job: &Stream,
    shutdown: impl Future<Output = ()>,
) -> Result<StreamReport, BinanceError> {
    if job.symbols.is_empty() {
        return Err(BinanceError::Usage("no symbols to stream".into()));
    }
    client.check_symbols(&job.symbols).await?;
    let mut state = BTreeMap::new();
    for s in &job.symbols {
        let path = store::path(&job.dir, s, job.interval);
        let klines = store::read(&path, job.interval)?;
        state.insert(
            s.clone(),
            Series {
                path,
                klines,
                streamed: 0,
                filled: 0,
            },
        );
    }
    let url = stream_url(&job.ws_url, &job.symbols, job.interval);
    let obs = client.observer();
    tokio::pin!(shutdown);
    let mut failures = 0u32;
    let mut connections = 0u64;
    let report = |state: &BTreeMap<String, Series>, connections| StreamReport {
        url: url.clone(),
        connections,
        symbols: state
            .iter()
            .map(|(s, v)| StreamSymbol {
                symbol: s.clone(),
                path: v.path.display().to_string(),
                streamed: v.streamed,
                filled: v.filled,
                total: v.klines.len() as u64,
                last: v.klines.last().map(|k| iso(k.open_time)),
            })
            .collect(),
    };
    loop {
        if failures > 0 {
            let wait = job
                .reconnect
                .base
                .saturating_mul(1 << (failures - 1).min(16))
                .min(job.reconnect.max);
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = shutdown.as_mut() => return Ok(report(&state, connections)),
            }
        }
        let connected = tokio::select! {
            r = tokio_tungstenite::connect_async(url.as_str()) => r,
            _ = shutdown.as_mut() => return Ok(report(&state, connections)),
        };
        let mut ws = match connected {
            Ok((ws, _)) => ws,
            Err(e) => {
                failures += 1;
                give_up_after(job, failures, &url, &e.to_string())?;
                obs.event(&Event::Disconnected {
                    reason: format!("cannot connect: {e}"),
                });
                continue;
            }
        };
        connections += 1;
        obs.event(&Event::Connected { url: &url });
        // Connected first, then filled: a kline closing from now on comes on the stream, any earlier one from REST.
        let filled = tokio::select! {
            r = fill(client, job, &mut state) => Some(r),
            _ = shutdown.as_mut() => None,
        };
        let Some(filled) = filled else {
            let _ = ws.close(None).await;
            return Ok(report(&state, connections));
        };
        if let Err(e) = filled {
            failures += 1;
            give_up_after(job, failures, &url, &e.to_string())?;
            obs.event(&Event::Disconnected {
                reason: format!("filling the gap from REST failed: {e}"),
            });
            let _ = ws.close(None).await;
            continue;
        }
        let reason = loop {
            let msg = tokio::select! {
                m = ws.next() => Some(m),
                _ = shutdown.as_mut() => None,
            };
            let Some(msg) = msg else {
                let _ = ws.close(None).await;
                return Ok(report(&state, connections));
            };
            match msg {
                Some(Ok(Message::Text(text))) => on_text(job, &mut state, text.as_str(), obs)?,
                // The pong is queued by the library; flushing sends it now.
                Some(Ok(Message::Ping(_))) => {
                    if let Err(e) = ws.flush().await {
                        break format!("answering a ping: {e}");
                    }
                }
                Some(Ok(Message::Close(frame))) => {
                    break match frame {
                        Some(f) => format!("the server closed the connection ({} {})", f.code, f.reason.as_str()),
                        None => "the server closed the connection".to_string(),
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => break format!("connection error: {e}"),
                None => break "the connection ended".to_string(),
            }
        };
        obs.event(&Event::Disconnected { reason });
        // A closed connection is retried after the base wait, as the first failure.
        failures = 1;
    }
}

fn give_up_after(job: &Stream, failures: u32, url: &str, last: &str) -> Result<(), BinanceError> {
    match job.reconnect.max_failures {
        Some(max) if failures >= max => Err(BinanceError::Stream {
            url: url.to_string(),
            message: format!("gave up after {failures} failed attempts to reconnect: {last}"),
        }),
        _ => Ok(()),
    }
}

/// Fills every symbol's file from REST up to the server's now, then reloads it.
async fn fill(client: &Client, job: &Stream, state: &mut BTreeMap<String, Series>) -> Result<(), BinanceError> {
    let now = client.server_time().await?;
    for (symbol, s) in state.iter_mut() {
        let start = match (s.klines.first(), job.start) {
            (Some(k), Some(st)) => st.min(k.open_time),
            (Some(k), None) => k.open_time,
            (None, Some(st)) => st,
            (None, None) => continue,
        };
        let r = symbol_backfill(client, symbol, job.interval, start, now, now, &job.dir).await?;
        s.filled += r.added;
        s.klines = store::read(&s.path, job.interval)?;
    }
    Ok(())
}

/// Appends the kline of a final update when it is newer than the file's last bar.
fn on_text(
    job: &Stream,
    state: &mut BTreeMap<String, Series>,
    text: &str,
    obs: &dyn super::progress::Observer,
) -> Result<(), BinanceError> {
    let Ok(Some(k)) = parse_stream(text) else {
        tracing::debug!(frame = text, "skipped a stream frame that is not a kline update");
        return Ok(());
    };
    if !k.closed || k.interval != job.interval.as_str() {
        return Ok(());
    }
    let Some(s) = state.get_mut(&k.symbol.to_ascii_uppercase()) else {
        return Ok(());
    };
    if s.klines.last().is_some_and(|last| last.open_time >= k.kline.open_time) {
        return Ok(());
    }
    s.klines.push(k.kline);
    store::write(&s.path, &k.symbol.to_ascii_uppercase(), &s.klines)?;
    s.streamed += 1;
    obs.event(&Event::Appended {
        symbol: &k.symbol,
        open_time: k.kline.open_time,
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_symbol_uses_the_raw_stream_several_the_combined_one() {
        let one = stream_url("wss://stream.binance.com:9443/", &["BTCUSDT".into()], Interval::M1);
        assert_eq!(one, "wss://stream.binance.com:9443/ws/btcusdt@kline_1m");
        let two = stream_url("ws://127.0.0.1:9", &["BTCUSDT".into(), "ETHUSDT".into()], Interval::H1);
        assert_eq!(two, "ws://127.0.0.1:9/stream?streams=btcusdt@kline_1h/ethusdt@kline_1h");
    }
}
