//! Profile tests against ground truth: planted synthetic effects, independent recounts, the original's recorded
//! response on its sample file, and hand-computed small cases.

use super::*;
use crate::data::synth::{generate, SynthSpec};
use crate::time::to_datetime;
use chrono::{Datelike, NaiveDateTime, Timelike};
use model::seasonality::{Bin, MeasureStats};
use model::spec::seasonality::{parse_seasonality, SelectMethod, SignalSpec};
use serde_json::json;

/// A minimal direction row for selection/compare/store tests.
pub(crate) fn row(symbol: &str, dim: &str, bin: Bin, p_hat: Option<f64>, lift: Option<f64>) -> ProfileRow {
    let mut v = json!({
        "symbol": symbol, "timeframe": "M1", "dim": dim, "bin": bin, "n": 10, "successes": 5, "p_hat": p_hat,
        "ci_low": null, "ci_high": null, "run_len_up_mean": 2.0, "run_len_down_mean": null, "n_runs": 3,
        "p_reversal_n": 0.5, "p_reversal_ci_low": null, "p_reversal_ci_high": null, "p_reversal_lift": null,
        "p_reversal_baseline": null, "amp_mean": 0.1, "amp_std": null, "amp_p25": null, "amp_p50": null,
        "amp_p75": null, "amp_p90": null, "atr_mean": null, "p_breakout_up": null, "p_breakout_down": null,
        "p_in_range": null, "ret_p25": null, "ret_p50": null, "ret_p75": null, "ret_p90": null, "baseline": 0.5,
        "lift": lift, "insufficient": false, "period_start": 0, "period_end": 0, "horizon": 1,
        "t_stat": null, "p_value": null, "q_value": null, "years_same_sign": null
    });
    v["insufficient"] = json!(p_hat.is_none());
    serde_json::from_value(v).expect("row")
}

fn spec(profile: serde_json::Value) -> SeasonalitySpec {
    parse_seasonality(json!({
        "data": {"symbols": ["X"], "timeframe": "5m", "start": "2024-01-01", "end": "2024-12-31"},
        "profile": profile
    }))
    .expect("spec")
}

fn demo() -> (SynthSpec, Vec<Bars>) {
    let s = SynthSpec::demo();
    let bars = generate(&s);
    (s, bars)
}

fn successes(r: &ProfileRow) -> u64 {
    match r.stats {
        MeasureStats::Direction { successes, .. } => successes,
        MeasureStats::Return { .. } => panic!("direction row expected"),
    }
}

#[test]
fn the_planted_hour_and_weekday_are_the_top_bins_for_every_symbol() {
    let (_, bars) = demo();
    let p = profile(
        &spec(json!({"by_hour": true, "by_dow": true, "min_samples_bin": 300})),
        &bars,
    )
    .unwrap();
    for b in &bars {
        let top = |dim: &'static str| {
            p.dim(dim)
                .filter(|r| r.symbol == b.symbol)
                .max_by(|x, y| x.score().partial_cmp(&y.score()).unwrap())
                .unwrap()
        };
        assert_eq!(top("hour").bin, Bin::Int(14), "{}", b.symbol);
        assert_eq!(top("dow").bin, Bin::Int(2), "{}", b.symbol);
        assert!(top("hour").q_value.unwrap() < 1e-6, "{:?}", top("hour").q_value);
    }
}

#[test]
fn n_and_successes_per_bin_equal_an_independent_recount_and_p_hat_tracks_the_truth() {
    let (truth, bars) = demo();
    let p = profile(&spec(json!({"by_hour": true, "by_dow": true})), &bars).unwrap();
    for b in &bars {
        // Forward direction of bar t = bar t+1 closed above its open (opens equal the previous close).
        let (mut n, mut up, mut p_true) = ([0u64; 24], [0u64; 24], [0f64; 24]);
        for t in 0..b.len() - 1 {
            let h = to_datetime(b.ts[t]).hour() as usize;
            n[h] += 1;
            up[h] += (b.close[t + 1] > b.open[t + 1]) as u64;
            p_true[h] += truth.p_up(b.ts[t + 1]);
        }
        for r in p.dim("hour").filter(|r| r.symbol == b.symbol) {
            let Bin::Int(h) = r.bin else { panic!("int bin") };
            let h = h as usize;
            assert_eq!((r.n, successes(r)), (n[h], up[h]), "{} hour {h}", b.symbol);
            let expected = p_true[h] / n[h] as f64;
            let se = (expected * (1.0 - expected) / n[h] as f64).sqrt();
            assert!(
                (r.score().unwrap() - expected).abs() < 4.5 * se,
                "{} hour {h}: {:?} vs {expected}",
                b.symbol,
                r.score()
            );
        }
        let kept = (b.len() - 1) as u64;
        assert_eq!(
            p.dim("dow").filter(|r| r.symbol == b.symbol).map(|r| r.n).sum::<u64>(),
            kept
        );
    }
}

#[test]
fn the_planted_bins_are_selected_and_the_signal_fires_on_them_only() {
    let (_, bars) = demo();
    let s = spec(json!({"by_hour": true, "by_dow": true}));
    let p = profile(&s, &bars).unwrap();
    let sig = SignalSpec {
        method: SelectMethod::Topk,
        topk: 1,
        ..Default::default()
    };
    let rules = select_bins(&p.rows, &sig, &s.profile);
    assert_eq!(rules.active_bins["hour"].iter().collect::<Vec<_>>(), [&Bin::Int(14)]);
    assert_eq!(rules.active_bins["dow"].iter().collect::<Vec<_>>(), [&Bin::Int(2)]);
    let on = signal(&bars[0], &rules);
    for (i, &long) in on.iter().enumerate() {
        let t = to_datetime(bars[0].ts[i]);
        assert_eq!(long, t.hour() == 14 && t.weekday().number_from_monday() == 2);
    }
    assert!(on.iter().any(|&x| x));
}

#[test]
fn any_mix_of_dims_profiles_every_kept_bar_once_per_dim() {
    let (_, bars) = demo();
    let flags = json!({"by_hour": true, "by_dow": false, "by_quarter": true, "by_session": true, "by_month": true,
        "by_month_start": true, "by_month_end": true, "by_news_hour": true, "by_third_friday": true,
        "by_week_in_month": true, "by_day_in_month": true, "by_month_last_days": true, "by_month_flags": true,
        "by_trading_day": true, "by_trading_day_from_end": true, "by_turn_of_month": true, "by_weekday_hour": true,
        "by_month_year": true, "by_rollover_day": true, "min_samples_bin": 50});
    let p = profile(&spec(flags), &bars[..1]).unwrap();
    let dims: Vec<&str> = p.rows.iter().map(|r| r.dim.as_str()).fold(Vec::new(), |mut v, d| {
        if v.last() != Some(&d) {
            v.push(d);
        }
        v
    });
    assert_eq!(
        dims[..5],
        ["hour", "month", "month_of_year", "session", "is_month_start"]
    );
    assert!(!dims.contains(&"is_rollover_day"), "no roll_id, no rollover dim");
    assert_eq!(dims.len(), 1 + 2 + 1 + 4 + 2 + 5 + 1 + 12 + 5);
    let kept = (bars[0].len() - 1) as u64;
    for d in &dims {
        assert_eq!(p.dim(d).map(|r| r.n).sum::<u64>(), kept, "{d}");
    }
    let sessions: Vec<&Bin> = p.dim("session").map(|r| &r.bin).collect();
    assert_eq!(sessions.len(), 5);
    assert!(matches!(sessions[0], Bin::Str(s) if s == "Asia"));
    let tom: Vec<&Bin> = p.dim("turn_of_month").map(|r| &r.bin).collect();
    assert_eq!(
        tom,
        [&Bin::Int(-1), &Bin::Int(0), &Bin::Int(1), &Bin::Int(2), &Bin::Int(3)]
    );
    let tuesday_14 = bars[0].ts[..bars[0].len() - 1]
        .iter()
        .filter(|&&t| to_datetime(t).hour() == 14 && to_datetime(t).weekday().number_from_monday() == 2)
        .count() as u64;
    assert_eq!(
        p.dim("weekday_hour").find(|r| r.bin == Bin::Int(214)).unwrap().n,
        tuesday_14
    );
    assert_eq!(p.dim("month_year").count(), 12);
    assert!(p.rows.iter().all(|r| r.atr_mean.is_some_and(|a| a > 0.0)));
}

#[test]
fn profiles_write_to_parquet_with_the_original_columns() {
    let (_, bars) = demo();
    let p = profile(
        &spec(json!({"by_hour": true, "by_dow": false, "by_session": true})),
        &bars[..1],
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fold_0/seasonality_profiles.parquet");
    write_profiles(&p.rows, p.measure, &path).unwrap();
    let file = std::fs::File::open(&path).unwrap();
    use polars::prelude::{ParquetReader, SerReader};
    let df = ParquetReader::new(file).finish().unwrap();
    assert_eq!(df.height(), 24 + 5);
    let names: Vec<String> = df.get_column_names().iter().map(|s| s.to_string()).collect();
    assert_eq!(
        names[..8],
        ["symbol", "timeframe", "dim", "bin", "n", "successes", "p_hat", "ci_low"]
    );
    let i = names.iter().position(|n| n == "horizon").unwrap();
    assert_eq!(
        names[i - 3..=i],
        ["insufficient", "period_start", "period_end", "horizon"]
    );
}

#[test]
fn btc_priced_data_gives_finite_return_profiles() {
    let (_, bars) = demo();
    let btc: Vec<Bars> = bars.into_iter().filter(|b| b.symbol == "BTCUSD").collect();
    let p = profile(
        &spec(json!({"by_hour": true, "by_dow": true, "measure": "return", "ret_horizon": 3})),
        &btc,
    )
    .unwrap();
    assert_eq!(p.rows.len(), 24 + 7);
    for r in &p.rows {
        let MeasureStats::Return {
            ret_mean,
            ret_median,
            ret_std,
        } = r.stats
        else {
            panic!("return row")
        };
        for v in [
            ret_mean, ret_median, ret_std, r.lift, r.amp_mean, r.atr_mean, r.t_stat, r.p_value,
        ] {
            assert!(v.is_some_and(f64::is_finite), "{r:?}");
        }
        assert_eq!(r.horizon, 3);
        assert!(r.amp_mean.unwrap() > 1.0, "BTC amplitudes are in dollars");
    }
    let top = p
        .dim("hour")
        .max_by(|a, b| a.score().partial_cmp(&b.score()).unwrap())
        .unwrap();
    assert!(matches!(top.bin, Bin::Int(13) | Bin::Int(14)), "{:?}", top.bin);
}

/// Loads the original's sample file (naive timestamps are UTC).
fn reference_sample() -> Vec<Bars> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../specs/examples/data/eurusd_m1_sample.json"
    ))
    .unwrap();
    let rows: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    let mut b = Bars::new("EURUSD");
    for r in rows {
        let ts = NaiveDateTime::parse_from_str(r["timestamp"].as_str().unwrap(), "%Y-%m-%dT%H:%M:%S").unwrap();
        let f = |k: &str| r[k].as_f64().unwrap();
        b.push(
            ts.and_utc().timestamp_millis(),
            f("open"),
            f("high"),
            f("low"),
            f("close"),
            f("volume"),
        );
    }
    vec![b]
}

#[test]
fn the_reference_sample_matches_the_recorded_hour_zero_profile() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/seasonality_run.json")).unwrap();
    let s = parse_seasonality(serde_json::from_str(&text).unwrap()).unwrap();
    let p = profile(&s, &reference_sample()).unwrap();
    let recorded: Vec<serde_json::Value> = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/responses/33_GET_seasonality_profiles__all.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * (1.0 + b.abs());
    for dim in ["hour", "dow"] {
        let want = recorded.iter().find(|r| r["dim"] == dim).unwrap();
        let got = p.dim(dim).next().unwrap();
        assert_eq!(serde_json::to_value(&got.bin).unwrap(), want["bin"]);
        assert_eq!(got.n, want["n"].as_u64().unwrap());
        for (ours, key) in [(got.score(), "score"), (got.baseline, "baseline"), (got.lift, "lift")] {
            assert!(
                close(ours.unwrap(), want[key].as_f64().unwrap()),
                "{key}: {ours:?} vs {}",
                want[key]
            );
        }
        let ours = got.metrics_json();
        for (k, v) in want["metrics"].as_object().unwrap() {
            let mine = ours.get(k).unwrap_or_else(|| panic!("missing {k}"));
            assert!(close(mine.as_f64().unwrap(), v.as_f64().unwrap()), "{k}: {mine} vs {v}");
        }
        // One day of data: no previous day, so no breakout metrics (the recorded metrics filter returned nothing).
        assert!(!ours.contains_key("p_breakout_up"));
        // New: atr_mean is computed (the original left it null).
        assert!(ours.contains_key("atr_mean"));
    }
}

#[test]
fn return_measure_matches_hand_computed_mean_median_std_and_nulls_insufficient_bins() {
    let mut b = Bars::new("X");
    let closes = [100.0, 101.0, 99.0, 102.0, 102.0];
    for (i, c) in closes.iter().enumerate() {
        b.push(i as i64 * 60_000, *c, c + 1.0, c - 1.0, *c, 1.0);
    }
    let p = profile(
        &spec(json!({"by_hour": true, "by_dow": false, "measure": "return", "min_samples_bin": 4})),
        &[b.clone()],
    )
    .unwrap();
    let r = &p.rows[0];
    let rets = [0.01, 99.0 / 101.0 - 1.0, 102.0 / 99.0 - 1.0, 0.0];
    let mean = rets.iter().sum::<f64>() / 4.0;
    let var = rets.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 3.0;
    let mut sorted = rets;
    sorted.sort_by(f64::total_cmp);
    let MeasureStats::Return {
        ret_mean,
        ret_median,
        ret_std,
    } = r.stats
    else {
        panic!()
    };
    assert!((ret_mean.unwrap() - mean).abs() < 1e-15);
    assert!((ret_median.unwrap() - (sorted[1] + sorted[2]) / 2.0).abs() < 1e-15);
    assert!((ret_std.unwrap() - var.sqrt()).abs() < 1e-15);
    assert_eq!(r.ret_p90, Some(sorted[3]));
    assert_eq!(r.lift, Some(0.0));
    let p = profile(
        &spec(json!({"by_hour": true, "by_dow": false, "measure": "return", "min_samples_bin": 5})),
        &[b],
    )
    .unwrap();
    let r = &p.rows[0];
    assert!(r.insufficient && r.lift.is_none() && r.score().is_none());
    assert!((r.baseline.unwrap() - mean).abs() < 1e-15);
    assert!(r.ret_p50.is_some(), "conditional metrics stay for insufficient bins");
}

#[test]
fn the_planted_hour_lifts_in_every_year() {
    // Hourly bars: the forward direction of the 13:00 bar is the planted 14:00 bar.
    let s = SynthSpec {
        days: 731,
        bar_minutes: 60,
        ..SynthSpec::demo()
    };
    let bars = generate(&s);
    let p = profile(
        &spec(json!({"by_hour": true, "by_dow": false, "min_samples_bin": 100})),
        &bars,
    )
    .unwrap();
    let h13 = p
        .dim("hour")
        .find(|r| r.symbol == "BTCUSD" && r.bin == Bin::Int(13))
        .unwrap();
    assert_eq!(h13.years_same_sign, Some(1.0));
    let cells: Vec<&YearRow> = p
        .years
        .iter()
        .filter(|y| y.symbol == "BTCUSD" && y.dim == "hour" && y.bin == Bin::Int(13))
        .collect();
    assert_eq!(cells.iter().map(|y| y.year).collect::<Vec<_>>(), [2024, 2025]);
    assert_eq!(cells.iter().map(|y| y.n).sum::<u64>(), h13.n);
    assert!(cells.iter().all(|y| y.lift > 0.0));
}

#[test]
fn hour_lifts_correlate_across_symbols_sharing_the_planted_hour() {
    let (_, bars) = demo();
    let p = profile(&spec(json!({"by_hour": true, "by_dow": false})), &bars).unwrap();
    let m = lift_correlation(&p.rows, "hour");
    assert_eq!(m.symbols, ["BTCUSD", "ES", "EURUSD"]);
    for i in 0..3 {
        assert!((m.matrix[i][i].unwrap() - 1.0).abs() < 1e-12);
        for j in 0..3 {
            assert_eq!(m.matrix[i][j], m.matrix[j][i]);
            assert!(m.matrix[i][j].unwrap() > 0.5, "{:?}", m.matrix);
        }
    }
}

#[test]
fn compare_joins_bins_and_gives_the_textbook_correlation() {
    let a: Vec<ProfileRow> = [0.10, 0.20, 0.05]
        .iter()
        .enumerate()
        .map(|(i, l)| row("A", "hour", Bin::Int(i as i64), Some(0.5), Some(*l)))
        .collect();
    let mut b: Vec<ProfileRow> = [0.08, 0.25, 0.00]
        .iter()
        .enumerate()
        .map(|(i, l)| row("B", "hour", Bin::Int(i as i64), Some(0.5), Some(*l)))
        .collect();
    b.push(row("B", "hour", Bin::Int(9), Some(0.5), Some(0.3)));
    b.push(row("B", "hour", Bin::Int(1), None, None)); // insufficient: dropped
    let c = compare(&a, &b, "hour");
    assert_eq!((c.label_a.as_str(), c.label_b.as_str(), c.rows.len()), ("A", "B", 3));
    assert!((c.rows[1].lift_diff.unwrap() - (0.20 - 0.25)).abs() < 1e-15);
    let expected = estimators::pearson(&[0.10, 0.20, 0.05], &[0.08, 0.25, 0.00]).unwrap();
    assert_eq!(c.correlation, Some(expected));
    assert!(c.wide_rows()[0].contains_key("lift_A") && c.wide_rows()[0].contains_key("n_B"));
    assert_eq!(compare(&a, &[], "hour").correlation, None);
}

#[test]
fn unsorted_or_ragged_series_are_rejected_by_symbol() {
    let mut b = Bars::new("ES");
    b.push(10, 1.0, 1.0, 1.0, 1.0, 1.0);
    b.push(5, 1.0, 1.0, 1.0, 1.0, 1.0);
    let err = profile(&spec(json!({})), &[b.clone()]).unwrap_err();
    assert!(
        err.to_string().contains("ES") && err.to_string().contains("bar 1"),
        "{err}"
    );
    b.ts[1] = 20;
    b.roll_id = Some(vec![1]);
    assert!(matches!(
        profile(&spec(json!({})), &[b]).unwrap_err(),
        SeasonalityError::Ragged { column: "roll_id", .. }
    ));
}

#[test]
fn profiles_of_single_windows_join_into_those_of_all_and_survive_the_wire() {
    // What a `qe worker` computes per symbol, joined on the server, must be the pooled profiles bit for bit.
    let (_, bars) = demo();
    for measure in ["direction", "return"] {
        let s = spec(
            json!({"by_hour": true, "by_dow": true, "by_session": true, "by_weekday_hour": true,
                            "measure": measure, "min_samples_bin": 30}),
        );
        let dims = Dim::enabled(&s.profile);
        let windows: Vec<Window> = bars.iter().map(|b| Window::of(b, 100..b.len() - 50)).collect();
        let all = profile_windows(&s, &windows, &dims).unwrap();
        assert!(all.rows.len() > 3 * 24 && !all.years.is_empty());
        let parts: Vec<(String, Profiles)> = windows
            .iter()
            .rev()
            .map(|w| {
                let p = profile_with(&ProfileSettings::of(&s), &[*w], &dims).unwrap();
                let bytes = rmp_serde::to_vec(&p).unwrap();
                (w.symbol.to_string(), rmp_serde::from_slice(&bytes).unwrap())
            })
            .collect();
        assert!(join_profiles(s.profile.measure, &dims, parts) == all, "{measure}");
    }
}
