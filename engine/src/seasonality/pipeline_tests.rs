//! Pipeline tests on synthetic data with planted effects (hour 14, ISO weekday 2): the effects are learned on
//! train, selected, traded on test; folds, in-sample flag and the stitched result are checked against independent
//! computations.

use super::*;
use crate::backtest::{run as kernel_run, Accumulator, Market};
use crate::data::synth::{generate, SynthSpec};
use crate::seasonality::{payload, profile};
use crate::time::to_datetime;
use chrono::{Datelike, Timelike};
use model::seasonality::Bin;
use model::spec::seasonality::parse_seasonality;
use serde_json::json;

fn spec(extra: serde_json::Value) -> SeasonalitySpec {
    let mut v = json!({
        "data": {"symbols": ["X"], "timeframe": "5m", "start": "2024-01-01", "end": "2024-12-31"},
        "profile": {"by_hour": true, "by_dow": true, "min_samples_bin": 300},
        "signal": {"method": "topk", "topk": 1, "dims": ["hour", "dow"], "combine": "and"},
        "tp_sl": {"stop_loss": 2.0, "take_profit": 2.0},
        "execution": {"slippage_bps": 0.1, "commission_bps": 0.1}
    });
    for (k, x) in extra.as_object().cloned().unwrap_or_default() {
        v[k] = x;
    }
    parse_seasonality(v).expect("spec")
}

fn demo(days: u32) -> Vec<Bars> {
    generate(&SynthSpec {
        days,
        ..SynthSpec::demo()
    })
}

fn never() -> bool {
    false
}

#[test]
fn the_planted_hour_and_weekday_are_selected_and_every_entry_follows_a_tuesday_14h_bar() {
    let series = demo(366);
    let s = spec(json!({}));
    let prep = Prepared::new(&s, &series);
    let out = run(&s, &prep, &SpecProfiles::enabled(&s), true, &never)
        .unwrap()
        .unwrap();
    assert!(out.in_sample);
    assert_eq!(out.folds.len(), 1);
    let rules = &out.folds[0].rules;
    assert_eq!(rules.active_bins["hour"].iter().collect::<Vec<_>>(), [&Bin::Int(14)]);
    assert_eq!(rules.active_bins["dow"].iter().collect::<Vec<_>>(), [&Bin::Int(2)]);
    let trades = &out.folds[0].backtest.trades;
    assert!(trades.len() > 100, "{} trades", trades.len());
    for (s, t) in trades {
        let decided = to_datetime(series[*s].ts[t.entry_index - 1]);
        assert_eq!((decided.hour(), decided.weekday().number_from_monday()), (14, 2));
    }
    // In-sample profiles reuse the test calendar and the backtest's ATR, and are exactly the profiles of the whole
    // series (which computes both afresh).
    assert!(prep
        .train_windows(0)
        .unwrap()
        .iter()
        .all(|w| w.calendar.is_some() && w.atr.is_some()));
    assert_eq!(out.folds[0].profiles, profile(&s, &series).unwrap());
}

#[test]
fn fold_metrics_equal_a_direct_kernel_run_per_symbol_and_the_stitched_result_pools_them() {
    let series = demo(120);
    let s = spec(json!({"validation": {"train_months": 1, "test_months": 1, "folds": 3}}));
    let prep = Prepared::new(&s, &series);
    let out = run(&s, &prep, &SpecProfiles::enabled(&s), false, &never)
        .unwrap()
        .unwrap();
    assert!(!out.in_sample);
    assert_eq!(out.folds.len(), 3);
    let p = params(&s);
    let mut pooled = Accumulator::default();
    for f in &out.folds {
        let mut fold = Accumulator::default();
        for (k, b) in series.iter().enumerate() {
            let atr = crate::features::atr(&b.high, &b.low, &b.close, 14);
            let m = Market {
                ts: &b.ts,
                open: &b.open,
                high: &b.high,
                low: &b.low,
                close: &b.close,
                atr: &atr,
            };
            let r = f.windows.test[k].clone();
            let long: Vec<bool> = (0..b.len())
                .map(|i| {
                    let t = to_datetime(b.ts[i]);
                    r.contains(&i)
                        && f.rules.active_bins["hour"].contains(&Bin::Int(t.hour() as i64))
                        && f.rules.active_bins["dow"].contains(&Bin::Int(t.weekday().number_from_monday() as i64))
                })
                .collect();
            kernel_run(&m, &long[..], r.clone(), &p, &mut fold);
            kernel_run(&m, &long[..], r, &p, &mut pooled);
        }
        assert_eq!(f.backtest.metrics, fold.finish(out.bars_per_year));
    }
    assert_eq!(out.oos, pooled.finish(out.bars_per_year));
    let total: u64 = out.folds.iter().map(|f| f.backtest.metrics.n_trades).sum();
    assert_eq!(out.oos.n_trades, total);
}

#[test]
fn profiles_are_learned_on_the_train_window_only() {
    let series = demo(120);
    let s = spec(json!({"validation": {"train_months": 2, "test_months": 1, "folds": 2, "embargo_days": 1}}));
    let prep = Prepared::new(&s, &series);
    let out = run(&s, &prep, &SpecProfiles::enabled(&s), false, &never)
        .unwrap()
        .unwrap();
    assert_eq!(out.folds.len(), 2);
    assert!((0..2).all(|k| prep.train_windows(k).unwrap().iter().all(|w| w.calendar.is_none())));
    // The first fold trains from the first bar, so it borrows the series' ATR; the second computes its own. Both
    // equal the profiles of a copy of the train bars below.
    let borrowed = |k: usize| {
        prep.train_windows(k)
            .unwrap()
            .iter()
            .map(|w| w.atr.is_some())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        (borrowed(0), borrowed(1)),
        (vec![true; series.len()], vec![false; series.len()])
    );
    for f in &out.folds {
        let [_, train_end, test_start, _] = f.windows.bounds.unwrap();
        assert_eq!(test_start - train_end, crate::time::DAY_MS);
        let train: Vec<Bars> = series
            .iter()
            .zip(&f.windows.train)
            .map(|(b, r)| b.slice(r.clone()))
            .collect();
        assert_eq!(f.profiles, profile(&s, &train).unwrap());
        assert!(f.profiles.rows.iter().all(|r| r.period_end < train_end));
        for (b, r) in series.iter().zip(&f.windows.test) {
            assert!(b.ts[r.clone()].iter().all(|&t| t >= test_start));
        }
    }
}

#[test]
fn the_best_fold_is_the_first_strictly_best_sharpe_with_enough_trades() {
    let series = demo(120);
    let s = spec(json!({"validation": {"train_months": 1, "test_months": 1, "folds": 3}}));
    let prep = Prepared::new(&s, &series);
    let out = run(&s, &prep, &SpecProfiles::enabled(&s), false, &never)
        .unwrap()
        .unwrap();
    let sharpes: Vec<f64> = out.folds.iter().map(|f| f.backtest.metrics.sharpe).collect();
    let max = sharpes.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    assert_eq!(out.best, sharpes.iter().position(|x| *x == max));
    let too_many = out.folds.iter().map(|f| f.backtest.metrics.n_trades).max().unwrap() as i64 + 1;
    assert_eq!(best_fold(&out.folds, too_many), None);
    let v = serde_json::to_value(payload::result(
        &RunOutcome {
            best: None,
            ..out.clone()
        },
        &Default::default(),
        None,
    ))
    .unwrap();
    assert_eq!(v["best_metrics"], json!({}));
    assert!(v.get("rules_metadata").is_none());
    assert_eq!(v["folds"].as_array().unwrap().len(), 3);
}

#[test]
fn any_mix_of_dims_runs_and_serialises_with_string_and_integer_bins() {
    let series = demo(60);
    let s = spec(json!({
        "profile": {"by_hour": true, "by_session": true, "by_quarter": true, "by_month_flags": true,
                    "by_news_hour": true, "by_third_friday": true, "by_weekday_hour": true,
                    "by_turn_of_month": true, "min_samples_bin": 50},
        "signal": {"method": "topk", "topk": 2, "dims": ["session", "is_news_hour", "quarter", "weekday_hour"],
                   "combine": "or"}
    }));
    let prep = Prepared::new(&s, &series);
    let out = run(&s, &prep, &SpecProfiles::enabled(&s), true, &never)
        .unwrap()
        .unwrap();
    let rules = &out.folds[0].rules;
    assert!(rules.active_bins["session"].iter().all(|b| matches!(b, Bin::Str(_))));
    assert!(!rules.active_bins["session"].is_empty());
    assert!(!rules.active_bins["weekday_hour"].is_empty());
    let v = payload::result(&out, &Default::default(), Some("abc"));
    let text = serde_json::to_string(&v).unwrap();
    assert!(text.contains("\"session\":[\""), "{text}");
    assert!(out.folds[0].backtest.metrics.n_trades > 0);
}

#[test]
fn btc_priced_data_gives_finite_metrics_end_to_end() {
    let series: Vec<Bars> = demo(200).into_iter().filter(|b| b.symbol == "BTCUSD").collect();
    assert!(series[0].close[0] > 10_000.0);
    let s = spec(
        json!({"signal": {"method": "threshold", "threshold": 0.5, "dims": ["hour"]},
                        "validation": {"train_months": 2, "test_months": 1, "folds": 4}}),
    );
    let prep = Prepared::new(&s, &series);
    let out = run(&s, &prep, &SpecProfiles::enabled(&s), true, &never)
        .unwrap()
        .unwrap();
    assert!(out.oos.n_trades > 10);
    for m in out.folds.iter().map(|f| f.backtest.metrics).chain([out.oos]) {
        for x in [m.sharpe, m.sortino, m.max_drawdown, m.cagr, m.hit_rate, m.avg_r] {
            assert!(x.is_finite(), "{m:?}");
        }
        assert!((0.0..=1.0).contains(&m.max_drawdown));
    }
    serde_json::to_string(&payload::result(&out, &Default::default(), None)).unwrap();
}

#[test]
fn a_cancelled_run_stops_between_folds() {
    let series = demo(30);
    let s = spec(json!({}));
    let prep = Prepared::new(&s, &series);
    assert!(run(&s, &prep, &SpecProfiles::enabled(&s), false, &|| true)
        .unwrap()
        .is_none());
}
