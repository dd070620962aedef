//! `qe data binance …`: Binance klines into `DIR/<SYMBOL>_<interval>.parquet`: an incremental REST `backfill`,
//! the live `stream`, and `import` of the public archive's zip files.

use super::output::{print_json, CliError};
use crate::cli::output::outln;
use clap::{Args, Subcommand};
use engine::data::binance::{
    archive, backfill, mysql_sink, store, stream, BinanceError, Client, Event, Interval, Observer, RetryPolicy,
    DEFAULT_REST_URL, DEFAULT_WS_URL,
};
use engine::data::timestamps::{iso, parse_timestamp};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Subcommand)]
pub enum BinanceCommand {
    /// Fetch the closed klines opening in [--start, --end) into DIR/<SYMBOL>_<interval>.parquet; a re-run fetches
    /// only what the files lack. Gaps (exchange outages) are reported, not filled.
    Backfill(BackfillArgs),
    /// Follow the live kline streams and append each kline when it closes; after every (re)connect the gap is
    /// filled from REST. Stops cleanly on Ctrl-C or SIGTERM.
    Stream(StreamArgs),
    /// Import kline zips of Binance's public archive (data.binance.vision, `<SYMBOL>-<interval>-<date>.zip`)
    /// into the same files.
    Import(ImportArgs),
}

#[derive(Debug, Args)]
pub struct RestArgs {
    /// The REST API (the testnet or a proxy speaking Binance's API work too).
    #[arg(long, env = "QE_BINANCE_REST_URL", default_value = DEFAULT_REST_URL)]
    pub rest_url: String,
    /// Attempts per request before giving up (429/418 waits and 5xx retries included).
    #[arg(long, default_value_t = 8)]
    pub max_attempts: u32,
}

#[derive(Debug, Args)]
pub struct BackfillArgs {
    /// Symbols, comma-separated (`BTCUSDT,ETHUSDT`).
    #[arg(long, value_delimiter = ',', required = true)]
    pub symbols: Vec<String>,
    /// Kline interval: 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 8h, 12h, 1d, 3d, 1w or 1M.
    #[arg(long, default_value = "1m", value_parser = parse_interval)]
    pub interval: Interval,
    /// First open time (`2024-01-01`, ISO-8601, or epoch ms).
    #[arg(long)]
    pub start: String,
    /// Open times before this (exclusive); default: now.
    #[arg(long)]
    pub end: Option<String>,
    /// Output folder.
    #[arg(long)]
    pub out: PathBuf,
    /// Also upsert the bars into a MySQL/MariaDB table (`mysql://user:pass@host:3306/marketdata`).
    #[arg(long)]
    pub mysql: Option<String>,
    /// The table `--mysql` writes (created if missing; `data.mysql`'s default name).
    #[arg(long, default_value = mysql_sink::DEFAULT_TABLE)]
    pub mysql_table: String,
    #[command(flatten)]
    pub rest: RestArgs,
}

#[derive(Debug, Args)]
pub struct StreamArgs {
    /// Symbols, comma-separated.
    #[arg(long, value_delimiter = ',', required = true)]
    pub symbols: Vec<String>,
    #[arg(long, default_value = "1m", value_parser = parse_interval)]
    pub interval: Interval,
    /// Output folder.
    #[arg(long)]
    pub out: PathBuf,
    /// Where a symbol without a file starts (backfilled first); default: with the next kline that closes.
    #[arg(long)]
    pub start: Option<String>,
    /// The WebSocket streams.
    #[arg(long, env = "QE_BINANCE_WS_URL", default_value = DEFAULT_WS_URL)]
    pub ws_url: String,
    /// Give up after this many failed reconnects in a row (default: never).
    #[arg(long)]
    pub max_reconnects: Option<u32>,
    #[command(flatten)]
    pub rest: RestArgs,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Archive zip files (`BTCUSDT-1m-2024-01.zip`, …).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Output folder.
    #[arg(long)]
    pub out: PathBuf,
}

fn parse_interval(s: &str) -> Result<Interval, String> {
    s.parse().map_err(|e: BinanceError| e.to_string())
}

fn parse_time(flag: &str, s: &str) -> Result<i64, CliError> {
    parse_timestamp(s).map_err(|e| CliError::Usage(format!("--{flag} {s:?}: {e}")))
}

/// Runs a `qe data binance` command; `json` prints the reports as JSON instead of lines.
pub async fn run(cmd: BinanceCommand, json: bool) -> anyhow::Result<()> {
    match cmd {
        BinanceCommand::Backfill(args) => run_backfill(args, json).await,
        BinanceCommand::Stream(args) => run_stream(args, json).await,
        BinanceCommand::Import(args) => run_import(args, json),
    }
}

fn client(rest: &RestArgs, observer: Arc<dyn Observer>) -> Result<Client, CliError> {
    let retry = RetryPolicy {
        max_attempts: rest.max_attempts.max(1),
        ..RetryPolicy::default()
    };
    Ok(Client::new(&rest.rest_url)
        .map_err(cli_error)?
        .with_retry(retry)
        .with_observer(observer))
}

/// Usage errors (an unknown symbol or interval) exit 2, the rest 1.
fn cli_error(e: BinanceError) -> CliError {
    match e {
        BinanceError::UnknownSymbol { .. } | BinanceError::BadInterval(_) | BinanceError::Usage(_) => {
            CliError::Usage(e.to_string())
        }
        e => CliError::Failed(e.to_string()),
    }
}

async fn run_backfill(args: BackfillArgs, json: bool) -> anyhow::Result<()> {
    let symbols = engine::data::binance::normalize_symbols(&args.symbols);
    let start = parse_time("start", &args.start)?;
    let end = args.end.as_deref().map(|e| parse_time("end", e)).transpose()?;
    if end.is_some_and(|e| e <= start) {
        return Err(CliError::Usage("--end must be after --start".into()).into());
    }
    let progress = Arc::new(Progress::new(json));
    let client = client(&args.rest, progress.clone())?;
    let job = backfill::Backfill {
        symbols,
        interval: args.interval,
        start,
        end,
        dir: args.out.clone(),
    };
    let reports = backfill::run(&client, &job).await.map_err(cli_error);
    progress.bar.finish_and_clear();
    let reports = reports?;
    let mut synced = Vec::new();
    if let Some(url) = &args.mysql {
        for r in &reports {
            let klines = store::read(std::path::Path::new(&r.path), args.interval).map_err(cli_error)?;
            let s = mysql_sink::sync(url, &args.mysql_table, &r.symbol, args.interval, &klines)
                .await
                .map_err(cli_error)?;
            synced.push(s);
        }
    }
    if json {
        print_json(&json!({"symbols": reports, "requests": client.requests(), "mysql": synced}));
        return Ok(());
    }
    for r in &reports {
        let span = span(&r.first, &r.last);
        outln!(
            "{} {}: +{} bars, {} in the file ({span}), {} requests → {}",
            r.symbol,
            r.interval,
            r.added,
            r.total,
            r.requests,
            r.path
        );
        if r.starts_after_start {
            outln!("  the first kline opens after --start (listed later)");
        }
        let missing: u64 = r.gaps.iter().map(|g| g.missing).sum();
        if !r.gaps.is_empty() {
            outln!(
                "  {} gap(s), {missing} klines Binance does not have (not filled):",
                r.gaps.len()
            );
            for g in r.gaps.iter().take(5) {
                outln!(
                    "    after {} until {}: {} missing",
                    iso(g.after),
                    iso(g.before),
                    g.missing
                );
            }
        }
    }
    for s in &synced {
        outln!(
            "{} {}: {} rows upserted into {}",
            s.symbol,
            s.timeframe,
            s.upserted,
            s.table
        );
    }
    Ok(())
}

async fn run_stream(args: StreamArgs, json: bool) -> anyhow::Result<()> {
    let symbols = engine::data::binance::normalize_symbols(&args.symbols);
    let start = args.start.as_deref().map(|s| parse_time("start", s)).transpose()?;
    let client = client(&args.rest, Arc::new(StreamLog { json }))?;
    let job = stream::Stream {
        symbols,
        interval: args.interval,
        dir: args.out,
        ws_url: args.ws_url,
        start,
        reconnect: stream::Reconnect {
            max_failures: args.max_reconnects,
            ..stream::Reconnect::default()
        },
    };
    let report = stream::run(&client, &job, shutdown_signal()).await.map_err(cli_error)?;
    if json {
        print_json(&serde_json::to_value(&report)?);
    } else {
        for s in &report.symbols {
            outln!(
                "{}: {} streamed, {} filled from REST, {} in the file (last {}) → {}",
                s.symbol,
                s.streamed,
                s.filled,
                s.total,
                s.last.as_deref().unwrap_or("none"),
                s.path
            );
        }
    }
    Ok(())
}

fn run_import(args: ImportArgs, json: bool) -> anyhow::Result<()> {
    let bar = if json {
        ProgressBar::hidden()
    } else {
        ProgressBar::new_spinner()
    };
    bar.set_message(format!("importing {} files", args.files.len()));
    bar.enable_steady_tick(Duration::from_millis(200));
    let reports = archive::import(&args.files, &args.out);
    bar.finish_and_clear();
    let reports = reports.map_err(cli_error)?;
    if json {
        print_json(&json!({ "imported": reports }));
        return Ok(());
    }
    for r in &reports {
        let span = span(&r.first, &r.last);
        outln!(
            "{} {}: {} rows from {} files ({} in µs), +{} bars, {} in the file ({span}) → {}",
            r.symbol,
            r.interval,
            r.rows,
            r.files.len(),
            r.micros_rows,
            r.added,
            r.total,
            r.path
        );
    }
    Ok(())
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// The backfill's progress bar: klines fetched of those expected, requests sent, the current wait.
struct Progress {
    bar: ProgressBar,
    requests: AtomicU64,
}

impl Progress {
    fn new(json: bool) -> Self {
        let bar = if json {
            ProgressBar::hidden()
        } else {
            ProgressBar::new(0)
        };
        bar.set_style(
            ProgressStyle::with_template("{prefix:>10} [{bar:30}] {pos}/{len} bars · {msg} · {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        Progress {
            bar,
            requests: AtomicU64::new(0),
        }
    }
}

impl Observer for Progress {
    fn event(&self, e: &Event<'_>) {
        match e {
            Event::Started { symbol, expected } => {
                self.bar.set_prefix(symbol.to_string());
                self.bar.set_length(*expected);
                self.bar.set_position(0);
            }
            Event::Fetched { fetched, expected, .. } => {
                self.bar.set_length((*expected).max(*fetched));
                self.bar.set_position(*fetched);
            }
            Event::Request { .. } => {
                let n = self.requests.fetch_add(1, Ordering::Relaxed) + 1;
                self.bar.set_message(format!("{n} requests"));
            }
            Event::Waiting { what, seconds, reason } => {
                self.bar.set_message(format!("waiting {seconds:.1} s ({reason})"));
                if *seconds >= 1.0 {
                    self.bar
                        .suspend(|| eprintln!("{what}: waiting {seconds:.1} s: {reason}"));
                }
            }
            _ => {}
        }
    }
}

/// The stream's log lines on stderr: connections, appended klines, waits.
struct StreamLog {
    json: bool,
}

impl Observer for StreamLog {
    fn event(&self, e: &Event<'_>) {
        match e {
            Event::Connected { url } => eprintln!("connected to {url}"),
            Event::Disconnected { reason } => eprintln!("disconnected: {reason}; reconnecting"),
            Event::Appended { symbol, open_time } if !self.json => eprintln!("{symbol} {} closed", iso(*open_time)),
            Event::Finished { symbol, added, .. } if *added > 0 => {
                eprintln!("{symbol}: {added} klines filled from REST")
            }
            Event::Waiting { what, seconds, reason } if *seconds >= 1.0 => {
                eprintln!("{what}: waiting {seconds:.1} s: {reason}")
            }
            _ => {}
        }
    }
}

/// `first → last` of a file's bars, or `empty`.
fn span(first: &Option<String>, last: &Option<String>) -> String {
    match (first, last) {
        (Some(a), Some(b)) => format!("{a} → {b}"),
        _ => "empty".into(),
    }
}
