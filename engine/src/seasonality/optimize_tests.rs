//! Optimiser tests: seeded sampling, cached profiles giving exactly the results of a fresh run, the dims a trial
//! selects being profiled, reproducibility.

use super::*;
use crate::data::synth::{generate, SynthSpec};
use crate::data::Bars;
use crate::seasonality::pipeline::SpecProfiles;
use model::seasonality::Bin;
use model::spec::seasonality::parse_seasonality;
use serde_json::{json, Value};

fn spec(search_space: Value, profile: Value) -> SeasonalitySpec {
    parse_seasonality(json!({
        "data": {"symbols": ["X"], "timeframe": "5m", "start": "2024-01-01", "end": "2024-12-31"},
        "profile": profile,
        "compute": {"max_trials": 8, "search_space": search_space, "seed": 11},
        "tp_sl": {"stop_loss": 1.5, "take_profit": 1.5},
        "validation": {"train_months": 1, "test_months": 1, "folds": 2}
    }))
    .expect("spec")
}

fn space(s: &SeasonalitySpec) -> SearchSpace {
    s.compute.search_space.clone()
}

fn series() -> Vec<Bars> {
    generate(&SynthSpec {
        days: 95,
        ..SynthSpec::demo()
    })
}

#[test]
fn sampling_is_seeded_and_stays_inside_the_space() {
    let s = spec(json!({"threshold": {"low": 0.5, "high": 0.6, "step": 0.02}}), json!({}));
    let sp = space(&s);
    let a = sample(&sp, 40, 3);
    assert_eq!(a, sample(&sp, 40, 3));
    assert_ne!(a, sample(&sp, 40, 4));
    for t in &a {
        assert!((1..=3).contains(&t.ret_horizon) && (200..=700).contains(&t.min_samples_bin));
        match t.method.as_str() {
            "topk" => assert!(t.threshold.is_none() && (1..=6).contains(&t.topk.unwrap())),
            _ => {
                let x = t.threshold.unwrap();
                let k = (x - 0.5) / 0.02;
                assert!((0.5..=0.6 + 1e-9).contains(&x) && (k - k.round()).abs() < 1e-9, "{x}");
            }
        }
        assert!(["and", "or"].contains(&t.combine.as_str()));
    }
    assert!(a.iter().any(|t| t.method == SelectMethod::Topk) && a.iter().any(|t| t.method == SelectMethod::Threshold));
}

#[test]
fn every_trial_equals_a_fresh_run_of_its_parameters() {
    let bars = series();
    let s = spec(json!({}), json!({}));
    let prep = Prepared::new(&s, &bars);
    let trials = sample(&space(&s), 8, 11);
    let out = optimize(&s, &prep, &trials, &|_, _| {}, &|| false).unwrap().unwrap();
    assert_eq!(out.trials.len(), 8);
    for (t, rec) in trials.iter().zip(&out.trials) {
        let ts = apply(t, &s);
        let fresh = pipeline::run(&ts, &prep, &SpecProfiles::with(&ts, &t.dims), false, &|| false)
            .unwrap()
            .unwrap();
        assert_eq!(rec.objective, objective(&fresh), "{t:?}");
        assert_eq!(rec.best_metrics, best_metrics(&fresh), "{t:?}");
        assert_eq!(rec.oos, fresh.oos);
    }
    let best = out.best.unwrap();
    assert!(out.trials.iter().all(|t| t.objective <= out.trials[best].objective));
    assert!(out.trials[..best]
        .iter()
        .all(|t| t.objective < out.trials[best].objective));
}

#[test]
fn a_trial_selecting_a_dim_the_profile_does_not_enable_still_profiles_it() {
    let bars = series();
    let s = spec(
        json!({"dims": [["dow"]], "method": ["topk"], "topk": 1, "combine": ["and"], "ret_horizon": 1,
               "min_samples_bin": 100}),
        json!({"by_hour": true, "by_dow": false}),
    );
    let prep = Prepared::new(&s, &bars);
    let trials = sample(&space(&s), 1, 0);
    let ts = apply(&trials[0], &s);
    let run = pipeline::run(&ts, &prep, &SpecProfiles::with(&ts, &trials[0].dims), false, &|| false)
        .unwrap()
        .unwrap();
    for f in &run.folds {
        assert_eq!(f.rules.active_bins["dow"].iter().collect::<Vec<_>>(), [&Bin::Int(2)]);
    }
    let out = optimize(&s, &prep, &trials, &|_, _| {}, &|| false).unwrap().unwrap();
    assert!(out.trials[0].oos.n_trades > 0);
    assert_eq!(out.trials[0].best_metrics.as_ref().unwrap().rules_counts["dow"], 1);
}

#[test]
fn the_same_seed_gives_the_same_trials_and_best() {
    let bars = series();
    let s = spec(json!({}), json!({}));
    let prep = Prepared::new(&s, &bars);
    let go = |seed: u64| {
        let trials = sample(&space(&s), 6, seed);
        let out = optimize(&s, &prep, &trials, &|_, _| {}, &|| false).unwrap().unwrap();
        let rows: Vec<(String, f64)> = out
            .trials
            .iter()
            .map(|t| (serde_json::to_string(&t.params).unwrap(), t.objective))
            .collect();
        (rows, out.best)
    };
    assert_eq!(go(5), go(5));
    assert_ne!(go(5).0, go(6).0);
}

#[test]
fn a_trial_below_thirty_trades_scores_the_floor() {
    let bars = series();
    let s = spec(
        json!({"dims": [["hour"]], "method": ["threshold"], "threshold": 0.99}),
        json!({}),
    );
    let prep = Prepared::new(&s, &bars);
    let trials = sample(&space(&s), 2, 0);
    let out = optimize(&s, &prep, &trials, &|_, _| {}, &|| false).unwrap().unwrap();
    assert!(out.trials.iter().all(|t| t.objective == FLOOR && t.oos.n_trades == 0));
    assert_eq!(out.best, Some(0));
}

/// Each trial's block sums are its recorded pooled out-of-sample returns (from the equity curve, fold by fold,
/// symbol by symbol) cut into the run's blocks by stitched position; the report's PBO is CSCV over them.
#[test]
fn the_overfitting_report_is_built_from_each_trials_recorded_returns() {
    report_from_recorded_returns(None, 16);
}

/// `overfitting.blocks` sets S for seasonality optimisations too.
#[test]
fn the_spec_chooses_the_number_of_seasonality_pbo_blocks() {
    report_from_recorded_returns(Some(4), 4);
}

fn eligible_objectives(out: &Outcome, except: usize) -> Vec<f64> {
    out.trials
        .iter()
        .filter(|t| t.objective > FLOOR && t.number != except)
        .map(|t| t.objective)
        .collect()
}

fn report_from_recorded_returns(blocks: Option<usize>, n: usize) {
    let bars = series();
    let mut s = spec(json!({}), json!({}));
    if let Some(b) = blocks {
        s.overfitting.blocks = b;
    }
    let prep = Prepared::new(&s, &bars);
    let trials = sample(&space(&s), 8, 11);
    let out = optimize(&s, &prep, &trials, &|_, _| {}, &|| false).unwrap().unwrap();
    let layout_bars = prep.layout.bars();
    let total: usize = layout_bars.iter().sum();
    assert_eq!(layout_bars.len(), n);
    let block_of = |pos: usize| (0..n).rev().find(|&b| b * total / n <= pos).unwrap();
    for (t, rec) in trials.iter().zip(&out.trials) {
        let ts = apply(t, &s);
        let run = pipeline::run(&ts, &prep, &SpecProfiles::with(&ts, &t.dims), true, &|| false)
            .unwrap()
            .unwrap();
        let mut sums = vec![0.0; n];
        let mut pos = 0;
        for f in &run.folds {
            let mut prev = 1.0;
            for &e in &f.backtest.equity.equity {
                sums[block_of(pos)] += e / prev - 1.0;
                prev = e;
                pos += 1;
            }
        }
        assert_eq!(pos, total, "every test bar of every usable fold is in a block");
        for b in 0..n {
            assert!((rec.blocks.sum[b] - sums[b]).abs() < 1e-9, "{t:?} block {b}");
        }
        let trades: usize = run.folds.iter().map(|f| f.backtest.trades.len()).sum();
        assert_eq!(rec.blocks.trades.iter().sum::<u32>() as usize, trades);
    }
    let best = out.best.map(|b| {
        let t = &apply(&trials[b], &s);
        pipeline::run(t, &prep, &SpecProfiles::with(t, &trials[b].dims), true, &|| false)
            .unwrap()
            .unwrap()
    });
    let report = overfitting(&prep, &out, best.as_ref());
    let eligible: Vec<&BlockSums> = out
        .trials
        .iter()
        .filter(|t| t.objective > FLOOR)
        .map(|t| &t.blocks)
        .collect();
    assert_eq!(report.pbo, cscv::pbo(&layout_bars, &eligible, cscv::SEED));
    assert!(eligible.len() >= 2, "{} trials reach 30 trades", eligible.len());
    assert_eq!(report.pbo.as_ref().unwrap().n_trials, eligible.len());
    assert_eq!(report.pbo.as_ref().unwrap().blocks, n);
    // The best's neighbourhood is drawn from the other trials above the floor.
    let best = &out.trials[out.best.unwrap()];
    let r = report.robustness.clone().expect("the best has neighbours");
    assert_eq!((r.best_trial, r.best_value), (best.number, best.objective));
    let others: Vec<f64> = eligible_objectives(&out, best.number);
    let (lo, hi) = others
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| (l.min(*v), h.max(*v)));
    assert!(
        lo <= r.worst && r.worst <= r.mean && r.mean <= hi,
        "{r:?} among {others:?}"
    );
    assert!(r.neighbours >= 1 && r.neighbours <= others.len());
    let d = report.dsr.unwrap();
    assert_eq!(
        d.period,
        model::overfitting::ReturnPeriod::Day,
        "5-minute bars: daily periods"
    );
    assert_eq!(d.n_trials, eligible.len());
}
