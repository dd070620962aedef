//! Backtest benchmarks (release): `cargo bench -p engine --bench backtest`.
//! 1. Kernel throughput in bar-trials per second on one core, 1M synthetic 1-minute bars, indicators precomputed.
//! 2. End to end: the 10×10 EMA grid × R 1…5 (500 trials), walk-forward train 2 / test 1 / folds 3, on one year of
//!    1-minute bars generated in memory (no file loading), all cores; peak RSS from /proc/self/status VmHWM.

use chrono::NaiveDate;
use engine::backtest::{bars_per_year, metrics_only, EmaCross, Market, Params};
use engine::data::synth::{generate, SymbolSpec, SynthSpec};
use engine::features::{atr, ema};
use engine::optimize::{no_progress, run, RunContext};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

fn minute_bars(days: u32) -> engine::data::Bars {
    let spec = SynthSpec {
        symbols: vec![SymbolSpec {
            symbol: "BTCUSD".into(),
            price: 42_000.0,
            vol: 0.0008,
            weekends: true,
        }],
        start: NaiveDate::from_ymd_opt(2024, 1, 1).expect("date"),
        days,
        bar_minutes: 1,
        ..SynthSpec::demo()
    };
    generate(&spec).remove(0)
}

fn kernel_throughput() {
    let b = minute_bars(695);
    let n = b.len().min(1_000_000);
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
    let mut trials = 0usize;
    let mut checksum = 0.0;
    let t0 = Instant::now();
    for _ in 0..4 {
        for (fast, slow) in &emas {
            for r in 1..=5 {
                let p = Params {
                    atr_k: 2.0,
                    r_mult: r as f64,
                    cost: 0.0001,
                };
                checksum += metrics_only(&m, &EmaCross { fast, slow }, 0..n, &p, bpy).sharpe;
                trials += 1;
            }
        }
    }
    let secs = t0.elapsed().as_secs_f64();
    let rate = (trials * n) as f64 / secs;
    println!("kernel: {trials} trials x {n} bars in {secs:.3} s = {rate:.3e} bar-trials/s on one core (checksum {checksum:.3})");
}

fn end_to_end() {
    let bars = minute_bars(366);
    let spec = model::spec::experiment::parse_experiment(serde_json::json!({
        "data": {"dataset_path": "memory", "start": "2024-01-01", "end": "2024-12-31"},
        "strategy": {
            "filters": {"ema_fast": 5, "ema_slow": 60}, "tpsl": {"atr_k": 2.0}, "objective": "sharpe",
            "validation": {"train_months": 2, "test_months": 1, "folds": 3},
            "search_space": {"ema_fast": [3, 5, 7, 9, 11, 13, 15, 17, 19, 21],
                             "ema_slow": [30, 40, 50, 60, 70, 80, 90, 100, 110, 120]}
        }
    }))
    .expect("spec");
    let cancel = AtomicBool::new(false);
    let t0 = Instant::now();
    let out = run(
        &spec,
        std::slice::from_ref(&bars),
        &RunContext::new(&no_progress, &cancel),
    )
    .expect("run");
    let secs = t0.elapsed().as_secs_f64();
    let s = &out.symbols[0];
    println!(
        "end to end: {} trials, {} folds, {} bars in {secs:.3} s on {} threads (best trial {:?}, DSR {:.3})",
        s.trials.len(),
        s.folds.len(),
        bars.len(),
        rayon::current_num_threads(),
        s.best,
        s.dsr.map(|d| d.dsr).unwrap_or(f64::NAN)
    );
    let hwm = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("VmHWM"))
                .map(|l| l.split_whitespace().nth(1).unwrap_or("?").to_string())
        })
        .unwrap_or_else(|| "?".into());
    println!("peak RSS (VmHWM): {hwm} kB");
}

fn main() {
    // End to end first, so the peak RSS it prints is its own.
    end_to_end();
    kernel_throughput();
}
