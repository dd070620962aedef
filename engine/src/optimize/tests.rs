//! The optimiser end to end on the original's example and on synthetic data, checked against
//! independent re-computations with the kernel.

use super::*;
use crate::backtest::{self, EmaCross, Market, Params};
use crate::data::synth::{generate, SynthSpec};
use crate::features::{atr, ema};
use crate::validate::{walk_forward, WalkForward};
use model::spec::experiment::parse_experiment;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};

const SPECS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../specs");

/// The original's 10-bar sample (test helper only; loading is `engine::data::load`'s job).
/// The result document as JSON (tests read it by key, as a client does).
fn result_json(outcome: &OptimizeOutcome, out_dir: &str) -> Value {
    serde_json::to_value(outcome.result(out_dir)).unwrap()
}

fn sample_bars() -> Bars {
    let text = std::fs::read_to_string(format!("{SPECS}/examples/data/eurusd_m1_sample.json")).expect("sample data");
    let rows: Vec<Value> = serde_json::from_str(&text).expect("json");
    let mut b = Bars::new("EURUSD");
    for r in rows {
        let t = chrono::NaiveDateTime::parse_from_str(r["timestamp"].as_str().unwrap(), "%Y-%m-%dT%H:%M:%S").unwrap();
        let f = |k: &str| r[k].as_f64().unwrap();
        b.push(
            t.and_utc().timestamp_millis(),
            f("open"),
            f("high"),
            f("low"),
            f("close"),
            f("volume"),
        );
    }
    b
}

fn example_spec() -> model::spec::experiment::ExperimentSpec {
    let text = std::fs::read_to_string(format!("{SPECS}/submit_local.json")).unwrap();
    parse_experiment(serde_json::from_str(&text).unwrap()).unwrap()
}

type Progress = &'static (dyn Fn(f64, &str) + Sync);

fn quiet() -> (AtomicBool, Progress) {
    (AtomicBool::new(false), &no_progress)
}

#[test]
fn the_example_spec_gives_45_trials_in_grid_order_and_the_originals_result_shape() {
    let (cancel, progress) = quiet();
    let out = run(&example_spec(), &[sample_bars()], &RunContext::new(progress, &cancel)).unwrap();
    assert!(out.in_sample_selection);
    let v = result_json(&out, ".");
    assert_eq!(v["trials_path"], "trials.parquet");
    let trials = v["trials"].as_array().unwrap();
    assert_eq!(trials.len(), 45);
    assert_eq!(trials[0]["params"], json!({"ema_fast": 9, "ema_slow": 26, "R": 1}));
    assert_eq!(trials[44]["params"], json!({"ema_fast": 15, "ema_slow": 55, "R": 5}));
    for key in [
        "sharpe",
        "sortino",
        "max_drawdown",
        "cagr",
        "hit_rate",
        "avg_R",
        "trades",
        "profit_factor",
        "sqn",
    ] {
        assert!(trials[0]["metrics"].get(key).is_some(), "metrics.{key}");
    }
    let best = &v["best"];
    assert_eq!(best["trades"], json!(["trades_0.parquet"]));
    assert_eq!(best["equity"], json!(["equity_0.parquet"]));
    assert_eq!(best["summary"], "summary.json");
    assert!(best["params"].is_object() && best["metrics"]["sharpe"].is_number());
}

/// The original's worked example (ema 9/26, atr_k 2, R 1): same entries and exits (00:02 → 00:04 on the
/// signal, 00:06 → forced close 00:09) at the same prices; R multiples differ because our stop uses the
/// decision bar's ATR (no look-ahead).
#[test]
fn the_originals_worked_example_trades_at_the_same_times_and_prices() {
    let b = sample_bars();
    let (fast, slow, a) = (ema(&b.close, 9), ema(&b.close, 26), atr(&b.high, &b.low, &b.close, 14));
    let signals: Vec<u8> = (0..10).map(|i| (fast[i] > slow[i]) as u8).collect();
    assert_eq!(signals, vec![0, 1, 1, 0, 0, 1, 1, 1, 1, 1]);
    let m = Market {
        ts: &b.ts,
        open: &b.open,
        high: &b.high,
        low: &b.low,
        close: &b.close,
        atr: &a,
    };
    let rec = backtest::full(
        &m,
        &EmaCross {
            fast: &fast,
            slow: &slow,
        },
        0..10,
        &Params {
            atr_k: 2.0,
            r_mult: 1.0,
            cost: 0.0,
        },
    );
    let t = &rec.trades;
    assert_eq!(t.len(), 2);
    assert_eq!(
        (t[0].entry_index, t[0].exit_index, t[1].entry_index, t[1].exit_index),
        (2, 4, 6, 9)
    );
    assert!((t[0].price_entry - 1.108).abs() < 1e-12 && (t[0].price_exit - 1.101).abs() < 1e-12);
    assert!((t[1].price_exit - 1.116).abs() < 1e-12);
    // dist = 2 × ATR[1] = 2 × (0.02 + 0.011) / 2 = 0.031 → R = −0.007 / 0.031.
    assert!((t[0].r_multiple + 0.007 / 0.031).abs() < 1e-9, "{}", t[0].r_multiple);
    // dist = 2 × ATR[5] = 2 × 0.059 / 6 → R = 0.008 / dist.
    assert!(
        (t[1].r_multiple - 0.008 / (2.0 * 0.059 / 6.0)).abs() < 1e-9,
        "{}",
        t[1].r_multiple
    );
}

fn synthetic(days: u32) -> Vec<Bars> {
    let mut spec = SynthSpec::demo();
    spec.days = days;
    spec.bar_minutes = 15;
    generate(&spec)
}

fn wf_spec(method: &str, extra: Value) -> model::spec::experiment::ExperimentSpec {
    let mut v = json!({
        "data": {"dataset_path": "x.parquet", "start": "2024-01-01", "end": "2024-12-31"},
        "strategy": {
            "filters": {"ema_fast": 9, "ema_slow": 26}, "tpsl": {"atr_k": 2.0}, "objective": "sharpe",
            "validation": {"train_months": 2, "test_months": 1, "folds": 3, "min_trades": 3},
            "search_space": {"ema_fast": [5, 10, 20], "ema_slow": [30, 60], "R": [1, 3]},
            "method": method, "max_trials": 8, "seed": 5
        },
        "execution": {"slippage_bps": 0.5, "commission_bps": 0.5}
    });
    if let Value::Object(o) = extra {
        for (k, x) in o {
            v["strategy"][&k] = x;
        }
    }
    parse_experiment(v).unwrap()
}

/// Each fold's parameters are the train-window argmax of the objective, and the fold's reported path is
/// exactly a backtest of those parameters on the test window.
#[test]
fn walk_forward_selects_on_train_and_reports_the_test_window() {
    let all = synthetic(200);
    let bars = &all[0];
    let spec = wf_spec("grid", json!({}));
    let (cancel, progress) = quiet();
    let out = run(&spec, std::slice::from_ref(bars), &RunContext::new(progress, &cancel)).unwrap();
    assert!(!out.in_sample_selection);
    let s = &out.symbols[0];
    assert_eq!(s.trials.len(), 3 * 2 * 2);
    let folds = walk_forward(
        &bars.ts,
        &WalkForward {
            train_months: 2,
            test_months: 1,
            folds: 3,
            embargo_days: 0,
        },
    );
    assert_eq!(s.folds.len(), 3);
    let a = atr(&bars.high, &bars.low, &bars.close, 14);
    let m = Market {
        ts: &bars.ts,
        open: &bars.open,
        high: &bars.high,
        low: &bars.low,
        close: &bars.close,
        atr: &a,
    };
    let bpy = backtest::bars_per_year(&bars.ts);
    let mut equity = 1.0;
    for (k, f) in folds.iter().enumerate() {
        let mut best: Option<(usize, f64)> = None;
        for t in &s.trials {
            let (fast, slow) = (ema(&bars.close, t.params.ema_fast), ema(&bars.close, t.params.ema_slow));
            let p = Params {
                atr_k: t.params.atr_k,
                r_mult: t.params.r,
                cost: 0.0001,
            };
            let mm = backtest::metrics_only(
                &m,
                &EmaCross {
                    fast: &fast,
                    slow: &slow,
                },
                f.train.clone(),
                &p,
                bpy,
            );
            if mm.n_trades >= 3 && best.is_none_or(|(_, b)| mm.sharpe > b) {
                best = Some((t.number, mm.sharpe));
            }
        }
        let chosen = best.unwrap().0;
        assert_eq!(s.folds[k].selected, Some(chosen), "fold {k}");
        let t = &s.trials[chosen];
        let (fast, slow) = (ema(&bars.close, t.params.ema_fast), ema(&bars.close, t.params.ema_slow));
        let p = Params {
            atr_k: t.params.atr_k,
            r_mult: t.params.r,
            cost: 0.0001,
        };
        let test = backtest::full(
            &m,
            &EmaCross {
                fast: &fast,
                slow: &slow,
            },
            f.test.clone(),
            &p,
        );
        assert_eq!(s.folds[k].metrics, test.acc.finish(bpy));
        assert_eq!(s.folds[k].trades, test.trades);
        equity *= test.acc.equity();
        assert!(
            (s.folds[k].equity.last().unwrap().1 - equity).abs() < 1e-12,
            "stitched equity continues"
        );
    }
    let wf = s.walk_forward.unwrap();
    assert_eq!(
        wf.n_trades as usize,
        s.folds.iter().map(|f| f.trades.len()).sum::<usize>()
    );
    let dsr = s.overfitting.dsr.unwrap();
    assert!((0.0..=1.0).contains(&dsr.dsr) && dsr.n_trials > 1);
}

/// Each trial's block sums are those of its own test-window returns re-run alone and cut into 16 blocks by
/// stitched position; the report's PBO is CSCV over exactly those sums; every fold gets a DSR; 15-minute bars
/// give daily DSR periods.
#[test]
fn the_overfitting_report_is_built_from_each_trials_own_test_returns() {
    overfitting_from_own_test_returns(None, 16, 12_870);
}

/// `overfitting.blocks` sets S: 6 blocks give all C(6, 3) = 20 splits.
#[test]
fn the_spec_chooses_the_number_of_pbo_blocks() {
    overfitting_from_own_test_returns(Some(6), 6, 20);
}

fn overfitting_from_own_test_returns(blocks: Option<usize>, n: usize, splits: usize) {
    let all = synthetic(200);
    let bars = &all[0];
    let mut spec = wf_spec("grid", json!({}));
    if let Some(b) = blocks {
        spec.overfitting.blocks = b;
    }
    let (cancel, progress) = quiet();
    let out = run(&spec, std::slice::from_ref(bars), &RunContext::new(progress, &cancel)).unwrap();
    let s = &out.symbols[0];
    let a = atr(&bars.high, &bars.low, &bars.close, 14);
    let m = Market {
        ts: &bars.ts,
        open: &bars.open,
        high: &bars.high,
        low: &bars.low,
        close: &bars.close,
        atr: &a,
    };
    let tests: Vec<std::ops::Range<usize>> = s
        .folds
        .iter()
        .map(|f| {
            let lo = bars.ts.partition_point(|&t| t < f.test_start);
            lo..bars.ts.partition_point(|&t| t < f.test_end)
        })
        .collect();
    let total: usize = tests.iter().map(|r| r.len()).sum();
    let block_of = |pos: usize| (0..n).rev().find(|&b| b * total / n <= pos).unwrap();
    let mut own = Vec::new();
    for t in s.trials.iter().filter(|t| t.status == TrialStatus::Complete) {
        let (fast, slow) = (ema(&bars.close, t.params.ema_fast), ema(&bars.close, t.params.ema_slow));
        let p = Params {
            atr_k: t.params.atr_k,
            r_mult: t.params.r,
            cost: 0.0001,
        };
        let mut sums = crate::overfit::BlockSums::new(n);
        let mut pos = 0;
        for r in &tests {
            let rec = backtest::full(
                &m,
                &EmaCross {
                    fast: &fast,
                    slow: &slow,
                },
                r.clone(),
                &p,
            );
            for (&(i, _), &ret) in rec.equity.iter().zip(&rec.returns) {
                let b = block_of(pos + i - r.start);
                sums.sum[b] += ret;
                sums.sum_sq[b] += ret * ret;
            }
            for tr in &rec.trades {
                sums.trades[block_of(pos + tr.exit_index - r.start)] += 1;
            }
            pos += r.len();
        }
        let got = t.blocks.as_ref().unwrap();
        assert_eq!(got.trades, sums.trades, "trial {}", t.number);
        for b in 0..n {
            assert!((got.sum[b] - sums.sum[b]).abs() < 1e-12, "trial {} block {b}", t.number);
            assert!(
                (got.sum_sq[b] - sums.sum_sq[b]).abs() < 1e-12,
                "trial {} block {b}",
                t.number
            );
        }
        own.push(sums);
    }
    let bars_per_block: Vec<usize> = (0..n).map(|b| (b + 1) * total / n - b * total / n).collect();
    let pbo = s.overfitting.pbo.clone().unwrap();
    let again = crate::overfit::cscv::pbo(&bars_per_block, &own.iter().collect::<Vec<_>>(), 0).unwrap();
    assert_eq!(
        (pbo.pbo, pbo.blocks, pbo.splits, pbo.n_trials),
        (again.pbo, n, splits, own.len())
    );
    assert!((pbo.degradation_slope - again.degradation_slope).abs() < 1e-9);

    let o = &s.overfitting;
    assert_eq!(
        o.fold_dsr.len(),
        s.folds.iter().filter(|f| f.selected.is_some()).count()
    );
    let d = o.dsr.unwrap();
    assert_eq!(d.period, model::overfitting::ReturnPeriod::Day);
    assert!(d.n_obs < 200 && d.n_obs > 100, "{} days of train windows", d.n_obs);
    assert!(d.n_eff >= 1.0 && d.n_eff <= d.n_trials as f64);
    let wf = o.walk_forward_dsr.unwrap();
    assert!((0.0..=1.0).contains(&wf.dsr));
    let r = o.robustness.clone().unwrap();
    assert_eq!(Some(r.best_trial), s.best);
    assert!(r.neighbours >= 1 && r.neighbours <= 11);
    let names: Vec<&str> = r.sensitivity.iter().map(|p| p.param.as_str()).collect();
    assert_eq!(names, ["ema_fast", "ema_slow", "R"]);
    let report = out.overfitting();
    // Every figure is finite (serde_json writes NaN as null) and the stored JSON reads back as the type.
    let text = serde_json::to_string(&report).unwrap();
    assert!(!text.contains("null"), "{text}");
    let back: model::overfitting::Overfitting = serde_json::from_str(&text).unwrap();
    assert_eq!(back.symbols.len(), 1);
    let metrics = out.metric_values();
    let pbo_row = metrics.iter().find(|m| m.name == "pbo" && m.fold.is_none()).unwrap();
    assert_eq!(pbo_row.value, pbo.pbo);
}

/// The benchmark's baseline (figures off) evaluates and selects exactly as a job does, without the figures.
#[test]
fn without_the_overfitting_figures_the_trials_and_the_selection_are_unchanged() {
    let all = synthetic(200);
    let bars = std::slice::from_ref(&all[0]);
    let spec = wf_spec("grid", json!({}));
    let (cancel, progress) = quiet();
    let full = run(&spec, bars, &RunContext::new(progress, &cancel)).unwrap();
    let bare = run(&spec, bars, &RunContext::new(progress, &cancel).without_overfitting()).unwrap();
    let (f, b) = (&full.symbols[0], &bare.symbols[0]);
    assert!(f.overfitting.pbo.is_some() && f.overfitting.dsr.is_some() && f.overfitting.robustness.is_some());
    let o = &b.overfitting;
    assert!(o.pbo.is_none() && o.dsr.is_none() && o.fold_dsr.is_empty() && o.walk_forward_dsr.is_none());
    assert!(o.robustness.is_none());
    let without_blocks = |t: &TrialResult| TrialResult {
        blocks: None,
        ..t.clone()
    };
    assert_eq!(f.trials.len(), b.trials.len());
    for (x, y) in f.trials.iter().zip(&b.trials) {
        assert_eq!(without_blocks(x), without_blocks(y));
        assert!(y.blocks.as_ref().is_none_or(|s| s.sum.is_empty()), "{:?}", y.blocks);
    }
    assert_eq!((f.best, &f.walk_forward), (b.best, &b.walk_forward));
    let best = |o: &OptimizeOutcome| {
        let mut b = result_json(o, "/x")["best"].clone();
        b.as_object_mut().unwrap().remove("deflated_sharpe");
        b
    };
    assert_eq!(best(&full), best(&bare));
    assert!(result_json(&bare, "/x")["best"]["deflated_sharpe"].is_null());
}

#[test]
fn min_trades_prunes_every_trial_and_leaves_no_best() {
    let all = synthetic(120);
    let bars = &all[0];
    let spec = wf_spec(
        "grid",
        json!({"validation": {"train_months": 2, "folds": 1, "min_trades": 1_000_000}}),
    );
    let (cancel, progress) = quiet();
    let out = run(&spec, std::slice::from_ref(bars), &RunContext::new(progress, &cancel)).unwrap();
    let s = &out.symbols[0];
    assert!(s.trials.iter().all(|t| t.status == TrialStatus::Pruned));
    assert_eq!((s.best, s.folds[0].selected), (None, None));
    assert_eq!(result_json(&out, "/tmp/x")["best"], Value::Null);
}

#[test]
fn random_and_tpe_searches_are_reproducible_with_their_seed() {
    let all = synthetic(120);
    let bars = &all[0];
    let (cancel, progress) = quiet();
    for method in ["random", "tpe"] {
        let spec = wf_spec(
            method,
            json!({"search_space": {"ema_fast": {"low": 3, "high": 30}, "ema_slow": {"low": 20, "high": 90, "step": 5}}}),
        );
        let a = run(&spec, std::slice::from_ref(bars), &RunContext::new(progress, &cancel)).unwrap();
        let b = run(&spec, std::slice::from_ref(bars), &RunContext::new(progress, &cancel)).unwrap();
        let params = |o: &OptimizeOutcome| o.symbols[0].trials.iter().map(|t| t.params).collect::<Vec<_>>();
        assert_eq!(params(&a).len(), 8, "{method}");
        assert_eq!(params(&a), params(&b), "{method}");
    }
}

#[test]
fn several_symbols_run_independently() {
    let all = synthetic(100);
    let spec = wf_spec("grid", json!({}));
    let (cancel, progress) = quiet();
    let both = run(&spec, &all[..2], &RunContext::new(progress, &cancel)).unwrap();
    let alone = run(&spec, &all[1..2], &RunContext::new(progress, &cancel)).unwrap();
    assert_eq!(both.symbols[1].symbol, all[1].symbol);
    let sharpes = |s: &SymbolOutcome| s.trials.iter().map(|t| t.out_of_sample.sharpe).collect::<Vec<_>>();
    assert_eq!(sharpes(&both.symbols[1]), sharpes(&alone.symbols[0]));
    let v = result_json(&both, "out");
    assert_eq!(v["symbols"].as_array().unwrap().len(), 2);
    assert_eq!(
        v["best"]["trades"][0],
        format!("out/trades_{}_0.parquet", all[0].symbol)
    );
}

#[test]
fn a_set_cancel_flag_stops_the_run() {
    let all = synthetic(100);
    let bars = &all[0];
    let cancel = AtomicBool::new(false);
    cancel.store(true, Ordering::Relaxed);
    let res = run(
        &wf_spec("grid", json!({})),
        std::slice::from_ref(bars),
        &RunContext::new(&no_progress, &cancel),
    );
    assert!(matches!(res, Err(OptimizeError::Cancelled)));
}

#[test]
fn progress_reaches_one() {
    let all = synthetic(100);
    let bars = &all[0];
    let last = std::sync::Mutex::new(0.0f64);
    let report = |f: f64, _: &str| *last.lock().unwrap() = f;
    let cancel = AtomicBool::new(false);
    run(
        &wf_spec("grid", json!({})),
        std::slice::from_ref(bars),
        &RunContext::new(&report, &cancel),
    )
    .unwrap();
    assert_eq!(*last.lock().unwrap(), 1.0);
}

/// A trial replayed alone has exactly the metrics the sweep stored for it (stitched out of sample, in sample and
/// each fold's train window), and the selected trial's replayed folds are the run's recorded paths.
#[test]
fn a_replayed_trial_has_the_sweeps_metrics_and_the_selected_paths() {
    let all = synthetic(200);
    let bars = &all[0];
    let spec = wf_spec("grid", json!({}));
    let (cancel, progress) = quiet();
    let out = run(&spec, std::slice::from_ref(bars), &RunContext::new(progress, &cancel)).unwrap();
    let s = &out.symbols[0];
    for t in s.trials.iter().filter(|t| t.status != TrialStatus::Fail) {
        let r = replay::replay(&spec, bars, t.params);
        assert_eq!(r.out_of_sample, t.out_of_sample, "trial {} out of sample", t.number);
        assert_eq!(r.in_sample, t.in_sample, "trial {} in sample", t.number);
        let train: Vec<_> = r.folds.iter().map(|f| f.train).collect();
        assert_eq!(train, t.train_folds, "trial {} train folds", t.number);
        let trades: usize = r.folds.iter().map(|f| f.trades.len()).sum();
        assert_eq!(trades as u64, t.out_of_sample.n_trades);
        let last = r.folds.iter().rev().find_map(|f| f.equity.last()).unwrap().1;
        let product: f64 = r.folds.iter().flat_map(|f| &f.trades).map(|t| 1.0 + t.pnl).product();
        assert!(
            (last / product - 1.0).abs() < 1e-9,
            "the curve continues across folds: {last} vs {product}"
        );
    }
    for f in &s.folds {
        let n = f.selected.unwrap();
        let r = replay::replay(&spec, bars, s.trials[n].params);
        let mine = &r.folds[f.fold];
        assert_eq!((mine.test_start, mine.test_end), (f.test_start, f.test_end));
        assert_eq!(mine.test, f.metrics);
        assert_eq!(mine.trades, f.trades);
    }
}
