//! Incremental REST backfill: fetches, page by page (`startTime`, 1000 klines), only the closed klines a
//! symbol's file lacks (before its first bar when the start is earlier, after its last), and rewrites the file
//! every few pages so an interrupted run leaves a valid file the next run continues.

use super::client::{Client, Failure, PAGE_LIMIT};
use super::error::BinanceError;
use super::kline::Kline;
use super::progress::Event;
use super::store::{self, Gap};
use super::Interval;
use crate::data::timestamps::iso;
use std::path::{Path, PathBuf};

/// Pages fetched between two rewrites of the file.
const FLUSH_PAGES: usize = 200;

/// What to fetch: klines of `symbols` at `interval` opening in `[start, end)` into `dir`.
#[derive(Debug, Clone, PartialEq)]
pub struct Backfill {
    pub symbols: Vec<String>,
    pub interval: Interval,
    /// First open time wanted (epoch ms).
    pub start: i64,
    /// Open times before this (epoch ms); `None` = up to now. Klines still open are never stored.
    pub end: Option<i64>,
    pub dir: PathBuf,
}

/// The outcome for one symbol.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SymbolReport {
    pub symbol: String,
    pub interval: String,
    pub path: String,
    /// Klines added to the file by this run.
    pub added: u64,
    /// Klines in the file now.
    pub total: u64,
    pub first: Option<String>,
    pub last: Option<String>,
    /// Requests this symbol's klines took (retries included).
    pub requests: u64,
    /// The first kline is later than the start asked for (a listing after it): not an error.
    pub starts_after_start: bool,
    /// Runs of klines Binance does not have (outages), left unfilled.
    pub gaps: Vec<Gap>,
}

/// Runs a backfill: checks the symbols, then fills each file in turn.
pub async fn run(client: &Client, job: &Backfill) -> Result<Vec<SymbolReport>, BinanceError> {
    if job.symbols.is_empty() {
        return Err(BinanceError::Usage("no symbols to backfill".into()));
    }
    client.check_symbols(&job.symbols).await?;
    let now = client.server_time().await?;
    let end = job.end.map_or(now, |e| e.min(now));
    let mut out = Vec::with_capacity(job.symbols.len());
    for symbol in &job.symbols {
        out.push(symbol_backfill(client, symbol, job.interval, job.start, end, now, &job.dir).await?);
    }
    Ok(out)
}

/// The `[from, to)` ranges of open times missing from a stored series, for a wanted `[start, end)`.
pub fn missing_ranges(stored: &[Kline], interval: Interval, start: i64, end: i64) -> Vec<(i64, i64)> {
    let (Some(first), Some(last)) = (stored.first(), stored.last()) else {
        return if start < end { vec![(start, end)] } else { vec![] };
    };
    let mut out = Vec::new();
    if start < first.open_time {
        out.push((start, first.open_time.min(end)));
    }
    let after = interval.next_open(last.open_time);
    if after < end {
        out.push((after.max(start), end));
    }
    out.retain(|(a, b)| a < b);
    out
}

/// Fills one symbol's file; `now` is the server time, `end` ≤ `now`.
pub async fn symbol_backfill(
    client: &Client,
    symbol: &str,
    interval: Interval,
    start: i64,
    end: i64,
    now: i64,
    dir: &Path,
) -> Result<SymbolReport, BinanceError> {
    let path = store::path(dir, symbol, interval);
    let mut series = store::read(&path, interval)?;
    let ranges = missing_ranges(&series, interval, start, end);
    let expected: u64 = ranges.iter().map(|(a, b)| interval.count_between(*a, *b)).sum();
    let obs = client.observer();
    obs.event(&Event::Started { symbol, expected });
    let requests_before = client.requests();
    let mut pending: Vec<Kline> = Vec::new();
    let (mut added, mut fetched, mut pages) = (0u64, 0u64, 0usize);
    for (from, to) in ranges {
        let mut cur = from;
        loop {
            let page = match client.klines(symbol, interval, cur, to - 1, PAGE_LIMIT).await {
                Ok(p) => p,
                Err(f) => {
                    // What was fetched stays: the next run continues from it.
                    flush(&path, symbol, &mut series, &mut pending)?;
                    return Err(gave_up(f, symbol, interval, &series));
                }
            };
            let n = page.len();
            let last_open = page.last().map(|k| k.open_time);
            let before = pending.len();
            pending.extend(
                page.into_iter()
                    .filter(|k| k.open_time >= cur && k.open_time < to && k.close_time < now),
            );
            fetched += (pending.len() - before) as u64;
            pages += 1;
            obs.event(&Event::Fetched {
                symbol,
                fetched,
                expected,
            });
            if pages % FLUSH_PAGES == 0 {
                added += flush(&path, symbol, &mut series, &mut pending)?;
            }
            match last_open {
                // A full page may have more after it; a short one is the end of what Binance has.
                Some(t) if n >= PAGE_LIMIT && interval.next_open(t) < to => cur = t + 1,
                _ => break,
            }
        }
    }
    added += flush(&path, symbol, &mut series, &mut pending)?;
    obs.event(&Event::Finished {
        symbol,
        added,
        total: series.len() as u64,
    });
    Ok(SymbolReport {
        symbol: symbol.to_string(),
        interval: interval.to_string(),
        path: path.display().to_string(),
        added,
        total: series.len() as u64,
        first: series.first().map(|k| iso(k.open_time)),
        last: series.last().map(|k| iso(k.open_time)),
        requests: client.requests() - requests_before,
        starts_after_start: series.first().is_some_and(|k| k.open_time >= start + interval.ms()),
        gaps: store::gaps(&series, interval),
    })
}

/// Merges the pending klines into the series and rewrites the file when anything was added.
fn flush(path: &Path, symbol: &str, series: &mut Vec<Kline>, pending: &mut Vec<Kline>) -> Result<u64, BinanceError> {
    if pending.is_empty() {
        return Ok(0);
    }
    let (merged, added) = store::merge(std::mem::take(series), std::mem::take(pending));
    *series = merged;
    if added > 0 {
        store::write(path, symbol, series)?;
    }
    Ok(added as u64)
}

fn gave_up(f: Failure, symbol: &str, interval: Interval, series: &[Kline]) -> BinanceError {
    let reached = series
        .last()
        .map_or_else(|| "nothing stored yet".to_string(), |k| iso(k.open_time));
    match f {
        Failure::Exhausted { attempts, last } => BinanceError::RetriesExhausted {
            symbol: symbol.to_string(),
            interval: interval.to_string(),
            attempts,
            reached,
            last,
        },
        other => {
            let what = format!("{symbol} {interval} (bars stored up to {reached})");
            other.into_error(&what)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(t: i64) -> Kline {
        Kline {
            open_time: t,
            open: 1.0,
            high: 1.0,
            low: 1.0,
            close: 1.0,
            volume: 0.0,
            close_time: t + 59_999,
            quote_volume: 0.0,
            trades: 0,
        }
    }

    #[test]
    fn only_what_the_file_lacks_is_asked_for() {
        let m = 60_000;
        let stored = [k(10 * m), k(11 * m), k(12 * m)];
        assert_eq!(missing_ranges(&[], Interval::M1, 0, 5 * m), vec![(0, 5 * m)]);
        assert_eq!(missing_ranges(&stored, Interval::M1, 10 * m, 13 * m), vec![]);
        assert_eq!(
            missing_ranges(&stored, Interval::M1, 5 * m, 20 * m),
            vec![(5 * m, 10 * m), (13 * m, 20 * m)]
        );
        assert_eq!(
            missing_ranges(&stored, Interval::M1, 11 * m, 15 * m),
            vec![(13 * m, 15 * m)]
        );
        assert_eq!(missing_ranges(&stored, Interval::M1, 0, 3 * m), vec![(0, 3 * m)]);
    }
}
