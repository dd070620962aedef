//! `qe data binance …` against a local mock of Binance's REST API and kline streams (`qe_tests::binance_mock`):
//! paging, the open last kline, outages, late listings, rate limits (`429`/`418` with `Retry-After`), `502` pages,
//! resumed backfills, archive zips in ms and µs, the live stream (pings, server closes, refused reconnects) and a
//! `source: binance` seasonality job over HTTP.

use polars::prelude::*;
use qe_tests::binance_mock::{BinanceMock, Fault, Listing, MockKline, MIN, T0};
use qe_tests::{qe_bin, spawn_server};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// One stored row: open time, (open, high, low, close, volume, quote volume), trades.
type Row = (i64, [f64; 6], i64);

fn qe(args: &[&str]) -> Output {
    Command::new(qe_bin())
        .args(args)
        .env_remove("QE_BINANCE_REST_URL")
        .env_remove("QE_BINANCE_WS_URL")
        .env("QE_LOG", "warn")
        .output()
        .expect("run qe")
}

fn text(o: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Runs `qe --json data binance backfill` against the mock; answers the exit and the JSON report.
fn backfill(mock: &BinanceMock, out: &Path, symbols: &str, extra: &[&str]) -> (Output, Value) {
    let mut args = vec![
        "--json",
        "data",
        "binance",
        "backfill",
        "--rest-url",
        &mock.rest_url,
        "--symbols",
        symbols,
        "--interval",
        "1m",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let o = qe(&args);
    let v = serde_json::from_slice(&o.stdout).unwrap_or(Value::Null);
    (o, v)
}

fn ms(t: i64) -> String {
    t.to_string()
}

fn frame(path: &Path) -> DataFrame {
    let f = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    ParquetReader::new(f).finish().unwrap()
}

fn stored(path: &Path) -> Vec<Row> {
    let df = frame(path);
    let int = |n: &str| -> Vec<i64> {
        let c = df.column(n).unwrap().cast(&DataType::Int64).unwrap();
        c.i64().unwrap().into_no_null_iter().collect()
    };
    let float = |n: &str| -> Vec<f64> { df.column(n).unwrap().f64().unwrap().into_no_null_iter().collect() };
    let (ts, trades) = (int("ts"), int("trades"));
    let cols: Vec<Vec<f64>> = ["open", "high", "low", "close", "volume", "quote_volume"]
        .iter()
        .map(|n| float(n))
        .collect();
    assert_eq!(
        df.column("symbol").unwrap().str().unwrap().null_count(),
        0,
        "every row has its symbol"
    );
    (0..ts.len())
        .map(|i| (ts[i], std::array::from_fn(|j| cols[j][i]), trades[i]))
        .collect()
}

fn expected(ks: &[MockKline]) -> Vec<Row> {
    ks.iter().map(|k| (k.open_time, k.values(), k.trades)).collect()
}

fn file(dir: &Path, symbol: &str, interval: &str) -> PathBuf {
    dir.join(format!("{symbol}_{interval}.parquet"))
}

fn start_times(mock: &BinanceMock) -> Vec<i64> {
    mock.klines_requests()
        .iter()
        .map(|r| r.query["startTime"].parse().unwrap())
        .collect()
}

#[test]
fn backfill_pages_by_1000_and_stores_exactly_the_closed_klines() {
    // 2500 closed minutes and the 2501st still open (30 s into it).
    let now = T0 + 2500 * MIN + 30_000;
    let mock = BinanceMock::start(now, vec![Listing::minutes("BTCUSDT")]);
    let dir = tempfile::tempdir().unwrap();
    let (o, report) = backfill(&mock, dir.path(), "BTCUSDT", &["--start", &ms(T0)]);
    assert!(o.status.success(), "{}", text(&o));
    let path = file(dir.path(), "BTCUSDT", "1m");
    let rows = stored(&path);
    let closed = mock.closed("BTCUSDT", T0, i64::MAX);
    assert_eq!(closed.len(), 2500);
    assert_eq!(
        rows,
        expected(&closed),
        "the stored bars are the mock's closed klines, exactly"
    );
    assert!(
        !mock.klines("BTCUSDT", T0, i64::MAX).last().unwrap().closed,
        "the mock did serve an open kline"
    );
    let reqs = mock.klines_requests();
    assert!(reqs
        .iter()
        .all(|r| r.query["limit"] == "1000" && r.query["interval"] == "1m"));
    assert_eq!(start_times(&mock), vec![T0, T0 + 999 * MIN + 1, T0 + 1999 * MIN + 1]);
    let r = &report["symbols"][0];
    assert_eq!(
        (r["added"].as_u64(), r["total"].as_u64()),
        (Some(2500), Some(2500)),
        "{report}"
    );
    assert_eq!(r["gaps"], json!([]));
    assert_eq!(r["starts_after_start"], false);

    // The project's own loader reads the file: `qe data inspect` sees 2500 one-minute bars.
    let o = qe(&["--json", "data", "inspect", path.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let inspect: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(inspect["bars"], 2500, "{inspect}");
}

#[test]
fn an_outage_is_reported_as_a_gap_and_not_filled_and_a_late_listing_is_not_an_error() {
    let now = T0 + 600 * MIN + 1;
    let mut btc = Listing::minutes("BTCUSDT");
    btc.outages = vec![(T0 + 100 * MIN, T0 + 130 * MIN)];
    let mut eth = Listing::minutes("ETHUSDT");
    eth.listing = T0 + 250 * MIN;
    let mock = BinanceMock::start(now, vec![btc, eth]);
    let dir = tempfile::tempdir().unwrap();
    let (o, report) = backfill(&mock, dir.path(), "BTCUSDT,ETHUSDT", &["--start", &ms(T0)]);
    assert!(o.status.success(), "{}", text(&o));
    let btc_rows = stored(&file(dir.path(), "BTCUSDT", "1m"));
    assert_eq!(btc_rows, expected(&mock.closed("BTCUSDT", T0, i64::MAX)));
    assert_eq!(btc_rows.len(), 600 - 30, "the 30 outage minutes stay missing");
    let gaps = &report["symbols"][0]["gaps"];
    assert_eq!(
        gaps,
        &json!([{"after": T0 + 99 * MIN, "before": T0 + 130 * MIN, "missing": 30}]),
        "{report}"
    );
    let o = qe(&[
        "--json",
        "data",
        "inspect",
        file(dir.path(), "BTCUSDT", "1m").to_str().unwrap(),
    ]);
    let inspect: Value = serde_json::from_slice(&o.stdout).unwrap_or(Value::Null);
    assert_eq!(
        inspect["symbols"][0]["gaps"],
        1,
        "qe data inspect lists the gap: {}",
        text(&o)
    );
    assert_eq!(
        inspect["symbols"][0]["largest_gaps"][0]["missing_bars"], 30,
        "{inspect}"
    );
    let eth_rows = stored(&file(dir.path(), "ETHUSDT", "1m"));
    assert_eq!(eth_rows[0].0, T0 + 250 * MIN);
    assert_eq!(eth_rows, expected(&mock.closed("ETHUSDT", T0, i64::MAX)));
    assert_eq!(report["symbols"][1]["starts_after_start"], true, "{report}");
    assert_eq!(report["symbols"][1]["gaps"], json!([]));

    // The human report says so too.
    let o = qe(&[
        "data",
        "binance",
        "backfill",
        "--rest-url",
        &mock.rest_url,
        "--symbols",
        "BTCUSDT",
        "--interval",
        "1m",
        "--start",
        &ms(T0),
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success() && out.contains("1 gap(s), 30 klines") && out.contains("not filled"),
        "{}",
        text(&o)
    );
}

#[test]
fn an_unknown_symbol_is_refused_by_name_before_any_kline_is_asked_for() {
    let mock = BinanceMock::start(T0 + 10 * MIN, vec![Listing::minutes("BTCUSDT")]);
    let dir = tempfile::tempdir().unwrap();
    let (o, _) = backfill(&mock, dir.path(), "BTCUSDT,NOPEUSDT", &["--start", &ms(T0)]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("unknown Binance symbol NOPEUSDT"), "{err}");
    assert!(mock.klines_requests().is_empty());
    assert!(!file(dir.path(), "BTCUSDT", "1m").exists());
}

#[test]
fn a_429_is_waited_out_without_a_single_request_during_retry_after_and_a_418_too() {
    let now = T0 + 2500 * MIN + 1;
    let mock = BinanceMock::start(now, vec![Listing::minutes("BTCUSDT")]);
    // The second page is rate limited (2 s), the third banned (1 s): a request during either wait would be
    // answered 418 and logged as a violation.
    mock.push_faults(&[
        Fault::Pass,
        Fault::TooMany { retry_after: 2 },
        Fault::Pass,
        Fault::Banned { retry_after: 1 },
    ]);
    let dir = tempfile::tempdir().unwrap();
    let t = Instant::now();
    let (o, _) = backfill(&mock, dir.path(), "BTCUSDT", &["--start", &ms(T0)]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(t.elapsed() >= Duration::from_secs(3));
    assert_eq!(
        mock.violations(),
        Vec::<String>::new(),
        "no request arrived during a Retry-After wait"
    );
    let log = mock.klines_requests();
    let statuses: Vec<u16> = log.iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![200, 429, 200, 418, 200]);
    assert!(
        log[2].at - log[1].at >= Duration::from_secs(2),
        "waited the 429's Retry-After"
    );
    assert!(
        log[4].at - log[3].at >= Duration::from_secs(1),
        "waited the 418's Retry-After"
    );
    assert_eq!(
        log[1].query["startTime"], log[2].query["startTime"],
        "the refused page is asked again"
    );
    let rows = stored(&file(dir.path(), "BTCUSDT", "1m"));
    assert_eq!(rows, expected(&mock.closed("BTCUSDT", T0, i64::MAX)));
}

#[test]
fn the_mock_bans_a_client_that_ignores_retry_after() {
    // The other side of the test above: the mock does answer 418 to an early request (so a violation would show).
    let mock = BinanceMock::start(T0 + 10 * MIN, vec![Listing::minutes("BTCUSDT")]);
    mock.push_faults(&[Fault::TooMany { retry_after: 5 }]);
    let url = format!(
        "{}/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime={T0}&limit=1000",
        mock.rest_url
    );
    let first = reqwest::blocking::get(&url).unwrap();
    assert_eq!(first.status().as_u16(), 429);
    assert_eq!(first.headers()["retry-after"], "5");
    let second = reqwest::blocking::get(&url).unwrap();
    assert_eq!(second.status().as_u16(), 418);
    assert_eq!(mock.violations().len(), 1);
}

#[test]
fn a_502_html_page_is_retried_and_an_exhausted_budget_names_the_symbol_and_the_time_reached() {
    let now = T0 + 2500 * MIN + 1;
    let mock = BinanceMock::start(now, vec![Listing::minutes("BTCUSDT")]);
    mock.push_faults(&[Fault::BadGateway, Fault::BadGateway]);
    let dir = tempfile::tempdir().unwrap();
    let (o, _) = backfill(&mock, dir.path(), "BTCUSDT", &["--start", &ms(T0)]);
    assert!(o.status.success(), "{}", text(&o));
    let statuses: Vec<u16> = mock.klines_requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![502, 502, 200, 200, 200]);
    assert_eq!(
        stored(&file(dir.path(), "BTCUSDT", "1m")),
        expected(&mock.closed("BTCUSDT", T0, i64::MAX))
    );

    // Three attempts allowed, all of the second page fail: the error names the symbol and the last bar stored,
    // and the first page is on disk for the next run.
    let dir = tempfile::tempdir().unwrap();
    mock.push_faults(&[Fault::Pass, Fault::BadGateway, Fault::BadGateway, Fault::BadGateway]);
    let (o, _) = backfill(
        &mock,
        dir.path(),
        "BTCUSDT",
        &["--start", &ms(T0), "--max-attempts", "3"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("BTCUSDT 1m: gave up after 3 attempts")
            && err.contains("2024-12-31T16:39:00Z")
            && err.contains("502 Bad Gateway"),
        "{err}"
    );
    let rows = stored(&file(dir.path(), "BTCUSDT", "1m"));
    assert_eq!(rows, expected(&mock.closed("BTCUSDT", T0, T0 + 1000 * MIN)));
    let (o, _) = backfill(&mock, dir.path(), "BTCUSDT", &["--start", &ms(T0)]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        stored(&file(dir.path(), "BTCUSDT", "1m")),
        expected(&mock.closed("BTCUSDT", T0, i64::MAX))
    );
}

#[test]
fn a_resumed_backfill_sends_only_the_requests_it_needs() {
    let now = T0 + 2500 * MIN + 1;
    let mock = BinanceMock::start(now, vec![Listing::minutes("BTCUSDT")]);
    let dir = tempfile::tempdir().unwrap();
    let path = file(dir.path(), "BTCUSDT", "1m");
    let (o, r) = backfill(
        &mock,
        dir.path(),
        "BTCUSDT",
        &["--start", &ms(T0 + 1000 * MIN), "--end", &ms(T0 + 1500 * MIN)],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(r["symbols"][0]["added"], 500);
    assert_eq!(start_times(&mock), vec![T0 + 1000 * MIN]);

    // An earlier start and no end: the 1000 minutes before the file's first bar (one page) and those after its
    // last (one full page, then the page holding only the open kline). Nothing already stored is asked again.
    mock.clear_log();
    let (o, r) = backfill(&mock, dir.path(), "BTCUSDT", &["--start", &ms(T0)]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(start_times(&mock), vec![T0, T0 + 1500 * MIN, T0 + 2499 * MIN + 1]);
    assert_eq!(r["symbols"][0]["added"], 2000, "{r}");
    assert_eq!(stored(&path), expected(&mock.closed("BTCUSDT", T0, i64::MAX)));

    // Up to date: one request, for the open kline only; the file is not rewritten.
    let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
    mock.clear_log();
    let (o, r) = backfill(&mock, dir.path(), "BTCUSDT", &["--start", &ms(T0)]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(start_times(&mock), vec![T0 + 2500 * MIN]);
    assert_eq!(r["symbols"][0]["added"], 0);
    assert_eq!(std::fs::metadata(&path).unwrap().modified().unwrap(), modified);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "no temporary file is left: {leftovers:?}");
}

/// Writes an archive zip holding one CSV of `klines`, times in µs when `micros`.
fn archive_zip(dir: &Path, name: &str, klines: &[MockKline], micros: bool) -> PathBuf {
    use std::io::Write;
    let path = dir.join(format!("{name}.zip"));
    let mut z = ::zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let opts = ::zip::write::SimpleFileOptions::default().compression_method(::zip::CompressionMethod::Deflated);
    z.start_file(format!("{name}.csv"), opts).unwrap();
    for k in klines {
        writeln!(z, "{}", k.csv(micros)).unwrap();
    }
    z.finish().unwrap();
    path
}

#[test]
fn archive_zips_in_ms_and_us_import_to_the_same_bars_as_the_rest_backfill() {
    // The last day of 2024 (archive times in ms) and the first hours of 2025 (µs).
    let now = T0 + 1740 * MIN + 1;
    let mock = BinanceMock::start(now, vec![Listing::minutes("BTCUSDT")]);
    let rest_dir = tempfile::tempdir().unwrap();
    let (o, _) = backfill(&mock, rest_dir.path(), "BTCUSDT", &["--start", &ms(T0)]);
    assert!(o.status.success(), "{}", text(&o));

    let zips = tempfile::tempdir().unwrap();
    let day2024 = mock.closed("BTCUSDT", T0, T0 + 1440 * MIN);
    let day2025 = mock.closed("BTCUSDT", T0 + 1440 * MIN, i64::MAX);
    let a = archive_zip(zips.path(), "BTCUSDT-1m-2024-12-31", &day2024, false);
    let b = archive_zip(zips.path(), "BTCUSDT-1m-2025-01-01", &day2025, true);
    let out = tempfile::tempdir().unwrap();
    let o = qe(&[
        "--json",
        "data",
        "binance",
        "import",
        b.to_str().unwrap(),
        a.to_str().unwrap(),
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    let r = &r["imported"][0];
    assert_eq!(
        (r["rows"].as_u64(), r["micros_rows"].as_u64()),
        (Some(1740), Some(300)),
        "{r}"
    );
    let imported = frame(&file(out.path(), "BTCUSDT", "1m"));
    let fetched = frame(&file(rest_dir.path(), "BTCUSDT", "1m"));
    assert_eq!(imported.height(), 1740);
    assert!(
        imported.equals(&fetched),
        "archive bars equal the REST bars:\n{imported}\n{fetched}"
    );

    // Importing again adds nothing; a bad name is refused by name.
    let o = qe(&[
        "--json",
        "data",
        "binance",
        "import",
        a.to_str().unwrap(),
        "--out",
        out.path().to_str().unwrap(),
    ]);
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["imported"][0]["added"], 0);
    let bad = zips.path().join("klines.zip");
    std::fs::copy(&a, &bad).unwrap();
    let o = qe(&[
        "data",
        "binance",
        "import",
        bad.to_str().unwrap(),
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert!(
        !o.status.success() && String::from_utf8_lossy(&o.stderr).contains("klines.zip"),
        "{}",
        text(&o)
    );
}

/// Polls `cond` every 50 ms for up to 20 s.
fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let t = Instant::now();
    while !cond() {
        assert!(t.elapsed() < Duration::from_secs(20), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn rows_if_any(path: &Path) -> Vec<Row> {
    if !path.exists() {
        return vec![];
    }
    // The file is replaced by a rename: a read sees the old or the new file, never half of one.
    stored(path)
}

#[test]
fn the_stream_answers_pings_survives_a_close_and_refused_reconnects_and_fills_the_gap_from_rest() {
    let now = T0 + 10 * MIN + 30_000;
    let mock = BinanceMock::start(now, vec![Listing::minutes("BTCUSDT")]);
    let dir = tempfile::tempdir().unwrap();
    let path = file(dir.path(), "BTCUSDT", "1m");
    let mut child = Command::new(qe_bin())
        .args([
            "data",
            "binance",
            "stream",
            "--symbols",
            "BTCUSDT",
            "--interval",
            "1m",
            "--start",
            &ms(T0),
            "--out",
            dir.path().to_str().unwrap(),
            "--rest-url",
            &mock.rest_url,
            "--ws-url",
            &mock.ws_url,
        ])
        .env("QE_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Connected, then the 10 closed minutes filled from REST.
    wait_for("the first connection and fill", || {
        mock.ws_open() == 1 && rows_if_any(&path).len() == 10
    });
    mock.ping(b"are you there");
    wait_for("the pong", || mock.pongs().contains(&b"are you there".to_vec()));

    // Three minutes close on the stream.
    mock.advance("BTCUSDT", 3);
    wait_for("three streamed klines", || rows_if_any(&path).len() == 13);
    let rest_before = mock.klines_requests().len();

    // The server closes the stream; the next two handshakes are refused; four minutes close meanwhile.
    mock.refuse_ws(2);
    mock.close_streams();
    mock.advance("BTCUSDT", 4);
    wait_for("the reconnect and the REST fill", || rows_if_any(&path).len() == 17);
    assert_eq!(mock.ws_counts(), (2, 2), "one reconnect after two refusals");
    let fills: Vec<_> = mock.klines_requests()[rest_before..].to_vec();
    assert_eq!(fills.len(), 1, "one REST page filled the gap");
    assert_eq!(fills[0].query["startTime"], (T0 + 13 * MIN).to_string());

    // And the stream goes on.
    wait_for("the new stream", || mock.ws_open() == 1);
    mock.advance("BTCUSDT", 2);
    wait_for("two more streamed klines", || rows_if_any(&path).len() == 19);

    let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
    let t = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(t.elapsed() < Duration::from_secs(10), "qe did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    let out = child.wait_with_output().unwrap();
    assert!(status.success(), "{status:?}: {}", String::from_utf8_lossy(&out.stderr));
    let rows = stored(&path);
    assert_eq!(
        rows,
        expected(&mock.closed("BTCUSDT", T0, i64::MAX)),
        "every closed kline, once, in order"
    );
    assert_eq!(rows.len(), 19);
    assert!(rows.windows(2).all(|w| w[0].0 < w[1].0));
    let log = String::from_utf8_lossy(&out.stdout);
    assert!(
        log.contains("BTCUSDT: 5 streamed, 14 filled from REST, 19 in the file"),
        "{log}"
    );
}

#[test]
fn the_stream_gives_up_after_the_allowed_refused_reconnects() {
    let mock = BinanceMock::start(
        T0 + 5 * MIN,
        vec![Listing::minutes("BTCUSDT"), Listing::minutes("ETHUSDT")],
    );
    mock.refuse_ws(10);
    let dir = tempfile::tempdir().unwrap();
    let o = qe(&[
        "data",
        "binance",
        "stream",
        "--symbols",
        "BTCUSDT,ETHUSDT",
        "--out",
        dir.path().to_str().unwrap(),
        "--rest-url",
        &mock.rest_url,
        "--ws-url",
        &mock.ws_url,
        "--max-reconnects",
        "3",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("gave up after 3 failed attempts")
            && err.contains("/stream?streams=btcusdt@kline_1m/ethusdt@kline_1m"),
        "{err}"
    );
    assert_eq!(mock.ws_counts(), (0, 3));
}

/// A seasonality spec over `data`: hour and weekday direction profiles, persisted under `spec_id`.
fn seasonality_spec(data: Value, spec_id: &str) -> Value {
    json!({
        "data": data,
        "profile": {"by_hour": true, "by_dow": true, "measure": "direction", "ret_horizon": 1, "min_samples_bin": 5},
        "signal": {"method": "threshold", "threshold": 0.52, "dims": ["hour"], "combine": "and"},
        "tp_sl": {"stop_loss": 1.5, "take_profit": 1.5},
        "validation": {"train_months": 2, "test_months": 1, "folds": 1},
        "persistence": {"enabled": true, "spec_id": spec_id, "dataset_id": "btc"}
    })
}

#[test]
fn a_binance_source_seasonality_job_gives_the_profiles_of_the_same_bars_from_a_file() {
    let listing = T0 - 120 * 24 * 60 * MIN; // 2024-09-02
    let now = T0 + 5 * 60 * MIN;
    let mock = BinanceMock::start(now, vec![Listing::hours("BTCUSDT", listing)]);
    let server = spawn_server(&[], &[("QE_BINANCE_REST_URL", mock.rest_url.as_str())]);
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(300))
        .build()
        .unwrap();
    let post = |spec: &Value| -> (u16, Value) {
        let res = client
            .post(format!("{}/seasonality/run", server.base))
            .json(spec)
            .send()
            .unwrap();
        (res.status().as_u16(), res.json().unwrap_or(Value::Null))
    };
    let data = json!({"source": "binance", "symbols": ["BTCUSDT"], "timeframe": "1h",
                      "start": "2024-09-02", "end": "2024-12-30"});
    let (status, from_binance) = post(&seasonality_spec(data.clone(), "bn"));
    assert_eq!(status, 200, "{from_binance}");
    let cached = server.home.path().join("cache/binance/BTCUSDT_1h.parquet");
    assert!(cached.exists(), "the cache is under QE_HOME");
    let n_requests = mock.klines_requests().len();
    assert!(n_requests >= 3, "{n_requests} pages of 1000 hours");

    // The same bars from a file (the mock's klines written as CSV), with the same spec otherwise.
    let mut csv = String::from("ts,symbol,open,high,low,close,volume\n");
    for k in mock.closed("BTCUSDT", listing, T0) {
        let v = k.values();
        csv += &format!("{},BTCUSDT,{},{},{},{},{}\n", k.open_time, v[0], v[1], v[2], v[3], v[4]);
    }
    std::fs::write(server.home.path().join("btc_1h.csv"), csv).unwrap();
    let file_data = json!({"dataset_path": "btc_1h.csv", "symbols": ["BTCUSDT"], "timeframe": "1h",
                           "start": "2024-09-02", "end": "2024-12-30"});
    let (status, from_file) = post(&seasonality_spec(file_data, "file"));
    assert_eq!(status, 200, "{from_file}");
    let strip = |v: &Value| qe_tests::without_keys(v, &["run_id", "artifacts"]);
    assert_eq!(strip(&from_binance), strip(&from_file));
    let profiles = |spec_id: &str| -> Value {
        let url = format!("{}/seasonality/profiles?spec_id={spec_id}&page_size=500", server.base);
        let v: Value = client.get(url).send().unwrap().json().unwrap();
        qe_tests::without_keys(&v, &["id", "spec_id", "created_at", "run_id"])
    };
    let (a, b) = (profiles("bn"), profiles("file"));
    assert!(a.as_array().is_some_and(|a| a.len() >= 24 + 7), "{a}");
    assert_eq!(a, b, "the same profiles from Binance and from the file");

    // A second run is served from the cache: only the open hour's page is asked again.
    mock.clear_log();
    let (status, again) = post(&seasonality_spec(data, "bn2"));
    assert_eq!(status, 200, "{again}");
    assert!(mock.klines_requests().len() <= 1, "{:?}", mock.klines_requests());
}

#[test]
fn a_binance_source_names_an_unknown_symbol_and_an_unknown_interval() {
    let mock = BinanceMock::start(T0 + 5 * MIN, vec![Listing::minutes("BTCUSDT")]);
    let server = spawn_server(&[], &[("QE_BINANCE_REST_URL", mock.rest_url.as_str())]);
    let client = reqwest::blocking::Client::new();
    let post = |data: Value| -> (u16, String) {
        let res = client
            .post(format!("{}/seasonality/run", server.base))
            .json(&seasonality_spec(data, "x"))
            .send()
            .unwrap();
        (res.status().as_u16(), res.text().unwrap())
    };
    let (status, body) = post(json!({"source": "binance", "symbols": ["NOPEUSDT"], "timeframe": "1m",
                                     "start": "2024-12-31", "end": "2024-12-31"}));
    assert!(
        (400..500).contains(&status) && body.contains("NOPEUSDT"),
        "{status} {body}"
    );
    let (status, body) = post(json!({"source": "binance", "symbols": ["BTCUSDT"], "timeframe": "7m",
                                     "start": "2024-12-31", "end": "2024-12-31"}));
    assert!(
        (400..500).contains(&status)
            && body.contains("data.timeframe")
            && body.contains("unknown Binance interval")
            && body.contains("7m"),
        "{status} {body}"
    );
    assert!(mock.klines_requests().is_empty());
}

#[test]
fn backfill_with_mysql_upserts_the_bars_a_mysql_spec_reads() {
    let Some(url) = qe_tests::fresh_mysql_url() else {
        eprintln!("skipped: QE_TEST_MYSQL_URL is not set");
        return;
    };
    let mock = BinanceMock::start(T0 + 1200 * MIN + 1, vec![Listing::minutes("BTCUSDT")]);
    let dir = tempfile::tempdir().unwrap();
    let (o, r) = backfill(
        &mock,
        dir.path(),
        "BTCUSDT",
        &["--start", &ms(T0), "--end", &ms(T0 + 700 * MIN), "--mysql", &url],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(r["mysql"][0]["upserted"], 700, "{r}");
    let (o, r) = backfill(&mock, dir.path(), "BTCUSDT", &["--start", &ms(T0), "--mysql", &url]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(r["mysql"][0]["upserted"], 500, "only the new bars are sent: {r}");

    let spec = dir.path().join("spec.json");
    let data = json!({"data": {"mysql": {"connection_url": url, "schema": null}, "symbols": ["BTCUSDT"],
                      "timeframe": "1m", "start": ms(T0), "end": ms(T0 + 1200 * MIN)}});
    std::fs::write(&spec, data.to_string()).unwrap();
    let o = qe(&["--json", "data", "inspect", "--spec", spec.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["bars"], 1200, "{report}");
}

/// Figures for docs/PERFORMANCE.md: `cargo test -p qe-tests --test binance -- --ignored --nocapture`.
#[test]
#[ignore]
fn bench_backfill_and_import_rates() {
    let days = 31;
    let n = days * 1440;
    let mock = BinanceMock::start(T0 + n * MIN + 1, vec![Listing::minutes("BTCUSDT")]);
    let dir = tempfile::tempdir().unwrap();
    let t = Instant::now();
    let (o, _) = backfill(&mock, dir.path(), "BTCUSDT", &["--start", &ms(T0)]);
    let secs = t.elapsed().as_secs_f64();
    assert!(o.status.success(), "{}", text(&o));
    println!(
        "backfill: {n} bars in {secs:.2} s = {:.0} bars/s (process start included)",
        n as f64 / secs
    );

    let zips = tempfile::tempdir().unwrap();
    let z = archive_zip(
        zips.path(),
        "BTCUSDT-1m-2025-01",
        &mock.closed("BTCUSDT", T0, i64::MAX),
        true,
    );
    let out = tempfile::tempdir().unwrap();
    let t = Instant::now();
    let o = qe(&[
        "data",
        "binance",
        "import",
        z.to_str().unwrap(),
        "--out",
        out.path().to_str().unwrap(),
    ]);
    let secs = t.elapsed().as_secs_f64();
    assert!(o.status.success(), "{}", text(&o));
    println!(
        "import: {n} rows in {secs:.2} s = {:.0} rows/s (process start included)",
        n as f64 / secs
    );
}
