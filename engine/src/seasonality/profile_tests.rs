//! The run-wise gather against a direct per-bar recomputation of every bin from the outcomes.

use super::*;
use crate::data::synth::{generate, SynthSpec};
use crate::data::Bars;

/// Two years of 15-minute bars (a year boundary inside weekday and flag runs) with a bad close, so some bars
/// inside runs are not kept.
fn series() -> Bars {
    let spec = SynthSpec {
        days: 500,
        bar_minutes: 15,
        ..SynthSpec::demo()
    };
    let mut b = generate(&spec).remove(0);
    b.close[1000] = f64::NAN;
    b
}

fn nearest(mut v: Vec<f64>, q: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[(((v.len() - 1) as f64) * q).round() as usize]
}

#[test]
fn every_bin_equals_a_direct_recomputation_from_its_bars() {
    let b = series();
    for measure in [Measure::Direction, Measure::Return] {
        let s = Settings {
            measure,
            min_samples: 1,
            horizon: 3,
            timeframe: "15m".into(),
        };
        let p = Prepared::new(Window::all(&b), &s, (2, 2));
        let o = &p.out;
        for dim in [
            Dim::Hour,
            Dim::Dow,
            Dim::IsThirdFriday,
            Dim::MonthYear,
            Dim::TurnOfMonth,
        ] {
            let (rows, years) = profile_dim(&p, dim, &s);
            let mut total = 0;
            for row in &rows {
                let code = dim.code_of(&row.bin).unwrap();
                let idx: Vec<usize> = (0..b.len())
                    .filter(|&i| o.keep[i] && dim.code(&p.cal, i) == Some(code))
                    .collect();
                total += idx.len();
                let amp: Vec<f64> = idx.iter().map(|&i| o.amplitude[i]).collect();
                let ret: Vec<f64> = idx.iter().map(|&i| o.ret[i]).collect();
                let n = idx.len() as f64;
                assert_eq!(row.n, idx.len() as u64, "{dim:?} {:?}", row.bin);
                let atr: f64 = idx.iter().map(|&i| o.atr[i]).sum();
                assert_eq!(row.atr_mean, Some(atr / n));
                assert_eq!(row.amp_mean, Some(amp.iter().sum::<f64>() / n));
                assert_eq!(row.amp_p90, Some(nearest(amp.clone(), 0.9)));
                assert_eq!(row.ret_p25, Some(nearest(ret.clone(), 0.25)));
                let starts: Vec<usize> = idx.iter().copied().filter(|&i| o.run_start[i]).collect();
                assert_eq!(row.n_runs, starts.len() as u64);
                let ups: Vec<f64> = starts
                    .iter()
                    .filter(|&&i| o.up[i])
                    .map(|&i| o.run_length[i] as f64)
                    .collect();
                assert_eq!(
                    row.run_len_up_mean,
                    (!ups.is_empty()).then(|| ups.iter().sum::<f64>() / ups.len() as f64)
                );
                let days: Vec<usize> = idx.iter().copied().filter(|&i| o.breakout_up[i].is_some()).collect();
                let broke = days.iter().filter(|&&i| o.breakout_up[i] == Some(true)).count() as f64;
                assert_eq!(row.p_breakout_up, (!days.is_empty()).then(|| broke / days.len() as f64));
                if measure == Measure::Return {
                    let mean = ret.iter().sum::<f64>() / n;
                    let ss: f64 = ret.iter().map(|v| (v - mean) * (v - mean)).sum();
                    let MeasureStats::Return { ret_mean, ret_std, .. } = row.stats else {
                        panic!("return row")
                    };
                    assert_eq!(ret_mean, Some(mean));
                    assert_eq!(ret_std, (idx.len() > 1).then(|| (ss / (n - 1.0)).sqrt()));
                }
                // Per year: n and score as a direct sum of the year's values.
                for y in years.iter().filter(|y| y.bin == row.bin) {
                    let in_year: Vec<usize> = idx.iter().copied().filter(|&i| p.cal.year[i] == y.year).collect();
                    let score: f64 = in_year
                        .iter()
                        .map(|&i| {
                            if measure == Measure::Direction {
                                o.up[i] as u8 as f64
                            } else {
                                o.ret[i]
                            }
                        })
                        .sum();
                    assert_eq!((y.n, y.score), (in_year.len() as u64, score / in_year.len() as f64));
                }
            }
            assert_eq!(
                total,
                o.keep.iter().filter(|k| **k).count(),
                "{dim:?}: every kept bar in one bin"
            );
        }
    }
}
