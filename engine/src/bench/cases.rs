//! The individual benchmarks and the generated data they share (one BTC-like symbol, 1-minute bars, 24/7, written
//! to a private temporary directory as CSV and Parquet).

use super::{time_runs, Measurement, Timed, KERNEL_BARS, YEAR_OF_MINUTES};
use crate::backtest::{bars_per_year, run_lanes, Accumulator, Lane, Market, Params, SignalBits};
use crate::data::synth::{generate, SymbolSpec, SynthSpec};
use crate::data::{load, load_file, write::write_file, Bars, LoadOptions};
use crate::features::{atr, ema};
use crate::stats::conditions::{session_bucket, SESSION_BUCKETS};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

/// Every benchmark, in the order they run.
pub const NAMES: &[&str] = &[
    "load_csv",
    "load_parquet",
    "load_parquet_prices",
    "kernel",
    "optimize",
    "overfitting",
    "stats",
    "seasonality_run",
    "seasonality_optimize",
];

/// The generated series and its files; the directory is removed on drop.
pub struct Fixture {
    pub bars: Bars,
    pub dir: PathBuf,
    pub csv: PathBuf,
    pub parquet: PathBuf,
}

/// `n` one-minute bars of one BTC-like symbol from 2024-01-01 (24/7), deterministic, shaped like the original's
/// reference dataset generator (`gen_ohlcv.py`): prices on a 0.01 tick, whole volumes, a `session_id` per bar.
pub fn dataset_bars(n: usize) -> Bars {
    let mut b = minute_bars(n);
    let tick = |v: &mut Vec<f64>| v.iter_mut().for_each(|x| *x = (*x * 100.0).round() / 100.0);
    for col in [&mut b.open, &mut b.high, &mut b.low, &mut b.close] {
        tick(col);
    }
    let bucket = |t: &i64| SESSION_BUCKETS[session_bucket(*t) as usize];
    b.session = Some(b.ts.iter().map(bucket).collect());
    b
}

/// `n` one-minute bars of one BTC-like symbol from 2024-01-01 (24/7), deterministic.
pub fn minute_bars(n: usize) -> Bars {
    let spec = SynthSpec {
        symbols: vec![SymbolSpec {
            symbol: "BTCUSD".into(),
            price: 42_000.0,
            vol: 0.0008,
            weekends: true,
        }],
        days: n.div_ceil(1440) as u32,
        bar_minutes: 1,
        ..SynthSpec::demo()
    };
    generate(&spec).remove(0).slice(0..n)
}

impl Fixture {
    /// Generates `n` bars ([`dataset_bars`]) and writes them as `bench.csv` and `bench.parquet` (columns `ts`,
    /// `symbol`, `open`, `high`, `low`, `close`, `volume`, `session_id`) in a fresh temporary directory.
    pub fn new(n: usize) -> Result<Self, String> {
        let bars = dataset_bars(n);
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!("qe-bench-{}-{stamp}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let (csv, parquet) = (dir.join("bench.csv"), dir.join("bench.parquet"));
        for path in [&csv, &parquet] {
            write_file(std::slice::from_ref(&bars), path)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
        Ok(Self {
            bars,
            dir,
            csv,
            parquet,
        })
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The figures of one benchmark at reference size: a time target and the original's time.
pub(super) struct Reference {
    pub target_s: Option<f64>,
    pub original_s: Option<f64>,
    pub original_note: Option<&'static str>,
}

pub(super) fn measurement(
    name: &'static str,
    what: String,
    bars: usize,
    t: &Timed,
    work: f64,
    unit: &'static str,
) -> Measurement {
    let median = t.median();
    Measurement {
        name,
        what,
        bars,
        runs: t.seconds.len(),
        median_s: median,
        min_s: t.seconds[0],
        target_s: None,
        original_s: None,
        original_note: None,
        ratio_to_original: None,
        throughput: work / median,
        throughput_unit: unit,
        target_throughput: None,
        met: None,
        peak_rss_kb: t.peak_rss_kb,
        cores_used: t.cores_used,
        cpu_s_per_run: t.cpu_s_per_run,
        share_of_run: None,
        target_share: None,
    }
}

/// Adds the target and the original's time; only at the reference size (one year of 1-minute bars).
pub(super) fn with_reference(mut m: Measurement, r: Reference) -> Measurement {
    if m.bars == YEAR_OF_MINUTES {
        m.target_s = r.target_s;
        m.original_s = r.original_s;
        m.original_note = r.original_note;
        m.ratio_to_original = r.original_s.map(|o| o / m.median_s);
        m.met = r.target_s.map(|t| m.median_s < t);
    }
    m
}

/// Runs the fixture-based benchmark `name`.
pub fn with_fixture(name: &'static str, f: &Fixture, repeats: usize) -> Result<Measurement, String> {
    let n = f.bars.len();
    let check = |series: &[Bars]| match series {
        [one] if one.len() == n => Ok(()),
        _ => Err(format!("expected one series of {n} bars")),
    };
    let load_bench = |path: &PathBuf| time_runs(repeats, || check(&load_file(path).map_err(|e| e.to_string())?));
    match name {
        "load_csv" => {
            let t = load_bench(&f.csv)?;
            let m = measurement(
                name,
                "load_file(bench.csv): read, parse, validate, split by symbol".into(),
                n,
                &t,
                n as f64,
                "bars/s",
            );
            Ok(with_reference(m, load_reference(0.3)))
        }
        "load_parquet" => {
            let t = load_bench(&f.parquet)?;
            let m = measurement(
                name,
                "load_file(bench.parquet): read, validate, split by symbol".into(),
                n,
                &t,
                n as f64,
                "bars/s",
            );
            Ok(with_reference(m, load_reference(0.05)))
        }
        "load_parquet_prices" => {
            let spec: model::spec::DataSpec =
                model::spec::from_value(serde_json::json!({"dataset_path": f.parquet})).map_err(|e| e.to_string())?;
            let opts = crate::jobs::optimize::load_options(LoadOptions::default());
            let t = time_runs(repeats, || check(&load(&spec, &opts).map_err(|e| e.to_string())?))?;
            let what = "load(bench.parquet) as an optimisation reads it: the session column left undecoded";
            Ok(measurement(name, what.into(), n, &t, n as f64, "bars/s"))
        }
        "optimize" => optimize(f, repeats),
        "overfitting" => super::overfitting::bench(f, repeats),
        "stats" => stats(f, repeats),
        "seasonality_run" => super::seasonality::bench(f, repeats, false),
        "seasonality_optimize" => super::seasonality::bench(f, repeats, true),
        other => Err(format!("{other} is not a fixture benchmark")),
    }
}

fn load_reference(target_s: f64) -> Reference {
    Reference {
        target_s: Some(target_s),
        original_s: Some(9.4),
        original_note: Some("9.4 s is its whole seasonality run on this file, most of it loading: an upper bound"),
    }
}

fn data_block(f: &Fixture) -> serde_json::Value {
    serde_json::json!({"dataset_path": f.csv.display().to_string(), "symbols": ["BTCUSD"], "timeframe": "M1",
                       "start": "2024-01-01", "end": "2024-12-31"})
}

/// The 10×10 EMA grid × R 1…5 (500 trials), walk-forward train 2 / test 1 / folds 3, on the fixture's CSV.
pub(super) fn grid_spec(f: &Fixture) -> Result<model::spec::experiment::ExperimentSpec, String> {
    model::spec::experiment::parse_experiment(serde_json::json!({
        "data": data_block(f),
        "strategy": {
            "filters": {"ema_fast": 5, "ema_slow": 60}, "tpsl": {"atr_k": 2.0}, "objective": "sharpe",
            "validation": {"train_months": 2, "test_months": 1, "folds": 3},
            "search_space": {"ema_fast": [3, 5, 7, 9, 11, 13, 15, 17, 19, 21],
                             "ema_slow": [30, 40, 50, 60, 70, 80, 90, 100, 110, 120]}
        }
    }))
    .map_err(|e| e.to_string())
}

/// [`grid_spec`] loaded from CSV and optimised.
fn optimize(f: &Fixture, repeats: usize) -> Result<Measurement, String> {
    let spec = grid_spec(f)?;
    let cancel = AtomicBool::new(false);
    let mut trials = 0;
    let t = time_runs(repeats, || {
        let opts = crate::jobs::optimize::load_options(LoadOptions::default());
        let series = load(&spec.data, &opts).map_err(|e| e.to_string())?;
        let ctx = crate::optimize::RunContext::new(&crate::optimize::no_progress, &cancel);
        let out = crate::optimize::run(&spec, &series, &ctx).map_err(|e| e.to_string())?;
        trials = out.symbols[0].trials.len();
        Ok(())
    })?;
    if trials != 500 {
        return Err(format!("expected 500 trials, got {trials}"));
    }
    let what = "load bench.csv + optimise 10×10 EMA grid × R 1…5 = 500 trials, walk-forward 2/1/3, selection, DSR";
    let m = measurement("optimize", what.into(), f.bars.len(), &t, 500.0, "trials/s");
    Ok(with_reference(
        m,
        Reference {
            target_s: Some(0.55),
            original_s: Some(54.0),
            original_note: Some("54 s for the same grid, folds and file"),
        },
    ))
}

/// The original's stats spec (k_consecutive × session × up_next_bar + continuation_n, folds 2/1/3), from CSV.
fn stats(f: &Fixture, repeats: usize) -> Result<Measurement, String> {
    let spec = model::spec::stats::parse_stats(serde_json::json!({
        "data": data_block(f),
        "events": [{"name": "k_consecutive", "params": {"k": 2, "direction": "up"}}],
        "conditions": [{"name": "session", "params": {"col": "session_id"}}],
        "targets": [{"name": "up_next_bar"}, {"name": "continuation_n", "params": {"n": 3, "direction": "up"}}],
        "validation": {"train_months": 2, "test_months": 1, "folds": 3, "embargo_days": 0}
    }))
    .map_err(|e| e.to_string())?;
    let mut rows = 0;
    let t = time_runs(repeats, || {
        let series = load(&spec.data, &LoadOptions::default()).map_err(|e| e.to_string())?;
        rows = crate::stats::run(&spec, &series, "M1")
            .map_err(|e| e.to_string())?
            .rows
            .len();
        Ok(())
    })?;
    if rows == 0 {
        return Err("the stats run produced no row".into());
    }
    let what = format!("load bench.csv + stats.run of the original's spec (folds 2/1/3): {rows} rows");
    let m = measurement("stats", what, f.bars.len(), &t, f.bars.len() as f64, "bars/s");
    Ok(with_reference(
        m,
        Reference {
            target_s: Some(0.18),
            original_s: Some(18.0),
            original_note: Some("18 s for the same spec on this file"),
        },
    ))
}

/// Kernel throughput on one core: 5 EMA pairs × R 1…5 = 25 metrics-only backtests over `n` bars run together block
/// by block (as the optimiser runs them), EMAs and ATR precomputed, each pair's signal bits built inside the timing.
pub fn kernel(n: usize, repeats: usize) -> Result<Measurement, String> {
    let b = minute_bars(n);
    let a = atr(&b.high, &b.low, &b.close, 14);
    let m = Market {
        ts: &b.ts,
        open: &b.open,
        high: &b.high,
        low: &b.low,
        close: &b.close,
        atr: &a,
    };
    let bpy = bars_per_year(&b.ts);
    let pairs = [(5, 20), (10, 30), (20, 60), (30, 90), (50, 200)];
    let emas: Vec<(Vec<f64>, Vec<f64>)> = pairs
        .iter()
        .map(|&(f, s)| (ema(&b.close, f), ema(&b.close, s)))
        .collect();
    let mut checksum = 0.0;
    let t = time_runs(repeats, || {
        let signals: Vec<SignalBits> = emas.iter().map(|(f, s)| SignalBits::ema_cross(f, s)).collect();
        let mut lanes: Vec<Lane<SignalBits, Accumulator>> = signals
            .iter()
            .flat_map(|s| (1..=5).map(move |r| (s, r)))
            .map(|(signal, r)| Lane {
                signal,
                params: Params {
                    atr_k: 2.0,
                    r_mult: r as f64,
                    cost: 0.0001,
                },
                sink: Accumulator::default(),
            })
            .collect();
        run_lanes(&m, 0..n, &mut lanes);
        checksum += lanes.iter().map(|l| l.sink.finish(bpy).n_trades as f64).sum::<f64>();
        Ok(())
    })?;
    std::hint::black_box(checksum);
    let trials = pairs.len() * 5;
    let what =
        format!("{trials} metrics-only backtests (5 EMA pairs × R 1…5, atr_k 2, costs) × {n} bars on one thread");
    let mut out = measurement("kernel", what, n, &t, (trials * n) as f64, "bar-trials/s");
    if n == KERNEL_BARS {
        out.target_throughput = Some(3e8);
        out.met = Some(out.throughput >= 3e8);
    }
    Ok(out)
}
