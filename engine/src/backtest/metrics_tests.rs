//! Running-sum metrics against independent two-pass formulas over the recorded path.

use super::*;
use crate::backtest::{full, EmaCross, Market, Params};
use crate::data::synth::{generate, SynthSpec};
use crate::features::{atr, ema};

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * (1.0 + b.abs())
}

#[test]
fn bars_per_year_uses_the_median_spacing() {
    let mut ts: Vec<i64> = (0..100).map(|i| i * 60_000).collect();
    ts.push(ts[99] + 3 * 86_400_000); // a weekend gap does not move the median
    assert!(close(bars_per_year(&ts), 365.25 * 1440.0, 1e-12));
    assert_eq!(bars_per_year(&[5]), 0.0);
}

#[test]
fn running_sums_match_two_pass_formulas_on_a_synthetic_year() {
    let mut spec = SynthSpec::demo();
    spec.days = 60;
    let all = generate(&spec);
    let bars = &all[1];
    let (fast, slow, a) = (
        ema(&bars.close, 8),
        ema(&bars.close, 30),
        atr(&bars.high, &bars.low, &bars.close, 14),
    );
    let m = Market {
        ts: &bars.ts,
        open: &bars.open,
        high: &bars.high,
        low: &bars.low,
        close: &bars.close,
        atr: &a,
    };
    let p = Params {
        atr_k: 2.0,
        r_mult: 2.0,
        cost: 0.0002,
    };
    let rec = full(
        &m,
        &EmaCross {
            fast: &fast,
            slow: &slow,
        },
        0..bars.len(),
        &p,
    );
    let bpy = bars_per_year(&bars.ts);
    let got = rec.acc.finish(bpy);

    let r = &rec.returns;
    let n = r.len() as f64;
    let mean = r.iter().sum::<f64>() / n;
    let sd = (r.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    assert!(
        close(got.sharpe, mean / sd * bpy.sqrt(), 1e-9),
        "{} vs {}",
        got.sharpe,
        mean / sd * bpy.sqrt()
    );
    let dd = (r.iter().map(|x| x.min(0.0).powi(2)).sum::<f64>() / n).sqrt();
    assert!(close(got.sortino, mean / dd * bpy.sqrt(), 1e-9));
    let eq: Vec<f64> = r
        .iter()
        .scan(1.0, |e, x| {
            *e *= 1.0 + x;
            Some(*e)
        })
        .collect();
    let mut peak: f64 = 1.0;
    let mdd = eq.iter().fold(0.0f64, |m, e| {
        peak = peak.max(*e);
        m.max(1.0 - e / peak)
    });
    assert!(close(got.max_drawdown, mdd, 1e-12));
    let years = (bars.ts[bars.len() - 1] - bars.ts[0]) as f64 / YEAR_MS;
    assert!(close(got.cagr, eq[eq.len() - 1].powf(1.0 / years) - 1.0, 1e-9));

    let t = &rec.trades;
    let k = t.len() as f64;
    assert!(t.len() > 20);
    assert_eq!(got.n_trades as usize, t.len());
    assert!(close(
        got.hit_rate,
        t.iter().filter(|x| x.pnl > 0.0).count() as f64 / k,
        1e-12
    ));
    let avg_r = t.iter().map(|x| x.r_multiple).sum::<f64>() / k;
    assert!(close(got.avg_r, avg_r, 1e-12));
    let sd_r = (t.iter().map(|x| (x.r_multiple - avg_r).powi(2)).sum::<f64>() / (k - 1.0)).sqrt();
    assert!(close(got.sqn, k.sqrt() * avg_r / sd_r, 1e-9));
    let wins: f64 = t.iter().filter(|x| x.pnl > 0.0).map(|x| x.pnl).sum();
    let losses: f64 = -t.iter().filter(|x| x.pnl <= 0.0).map(|x| x.pnl).sum::<f64>();
    assert!(close(got.profit_factor.unwrap(), wins / losses, 1e-12));
    assert!(close(got.expectancy, t.iter().map(|x| x.pnl).sum::<f64>() / k, 1e-12));
    assert!(close(got.calmar, got.cagr / got.max_drawdown, 1e-12));
    // The compounded trade returns equal the final equity: flat bars earn nothing.
    let compounded = t.iter().fold(1.0, |e, x| e * (1.0 + x.pnl));
    assert!(close(compounded, rec.acc.equity(), 1e-9));
}

#[test]
fn feeding_two_runs_into_one_accumulator_stitches_their_equity() {
    let mut spec = SynthSpec::demo();
    spec.days = 20;
    let all = generate(&spec);
    let bars = &all[0];
    let (fast, slow, a) = (
        ema(&bars.close, 5),
        ema(&bars.close, 20),
        atr(&bars.high, &bars.low, &bars.close, 14),
    );
    let m = Market {
        ts: &bars.ts,
        open: &bars.open,
        high: &bars.high,
        low: &bars.low,
        close: &bars.close,
        atr: &a,
    };
    let p = Params {
        atr_k: 1.0,
        r_mult: 3.0,
        cost: 0.0,
    };
    let sig = EmaCross {
        fast: &fast,
        slow: &slow,
    };
    let mid = bars.len() / 2;
    let (first, second) = (full(&m, &sig, 0..mid, &p), full(&m, &sig, mid..bars.len(), &p));
    let mut both = Accumulator::default();
    crate::backtest::run(&m, &sig, 0..mid, &p, &mut both);
    crate::backtest::run(&m, &sig, mid..bars.len(), &p, &mut both);
    assert!(close(both.equity(), first.acc.equity() * second.acc.equity(), 1e-12));
    assert_eq!(both.n_trades(), first.acc.n_trades() + second.acc.n_trades());
    assert_eq!(both.n_bars() as usize, bars.len());
}

#[test]
fn skew_and_kurtosis_match_a_hand_computed_sample() {
    // x = [0, 0, 0, 4]: mean 1, m2 = 3, m3 = 6, m4 = 21 → skew 6/3^1.5, kurt 21/9.
    let (s, k) = skew_kurtosis(&[0.0, 0.0, 0.0, 4.0]);
    assert!(close(s, 6.0 / 3f64.powf(1.5), 1e-12) && close(k, 21.0 / 9.0, 1e-12));
}

#[test]
fn held_bars_fed_in_one_call_or_in_pairs_equal_bar_by_bar_feeding() {
    use crate::backtest::Sink;
    let rets = [0.01, -0.02, 0.0, 0.005, -0.03, 0.04, -0.001, 0.0, 0.02];
    let mut one_by_one = Accumulator::default();
    one_by_one.bar(0, -0.01, false);
    for (i, r) in rets.iter().enumerate() {
        one_by_one.bar(i + 1, *r, true);
    }
    let mut held = Accumulator::default();
    held.bar(0, -0.01, false);
    held.held(1, &rets);
    assert_eq!(held.finish(252.0), one_by_one.finish(252.0));
    let (mut a, mut b) = (Accumulator::default(), Accumulator::default());
    a.bar(0, -0.01, false);
    b.bar(0, -0.01, false);
    crate::backtest::metrics::held_pair(&mut a, &mut b, &rets);
    assert_eq!(a.finish(252.0), one_by_one.finish(252.0));
    assert_eq!(b.finish(252.0), one_by_one.finish(252.0));
    assert!(
        one_by_one.finish(252.0).max_drawdown > 0.03,
        "the path has a drawdown to track"
    );
}
