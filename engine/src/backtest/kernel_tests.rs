//! Hand-computed backtests on tiny series, and the no-look-ahead property.

use super::*;
use crate::features::{atr, ema};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Tiny series: (open, high, low, close) per bar, one minute apart; ATR given explicitly.
struct Tiny {
    ts: Vec<i64>,
    o: Vec<f64>,
    h: Vec<f64>,
    l: Vec<f64>,
    c: Vec<f64>,
    atr: Vec<f64>,
}

fn tiny(bars: &[(f64, f64, f64, f64)], atr_value: f64) -> Tiny {
    Tiny {
        ts: (0..bars.len() as i64).map(|i| i * 60_000).collect(),
        o: bars.iter().map(|b| b.0).collect(),
        h: bars.iter().map(|b| b.1).collect(),
        l: bars.iter().map(|b| b.2).collect(),
        c: bars.iter().map(|b| b.3).collect(),
        atr: vec![atr_value; bars.len()],
    }
}

impl Tiny {
    fn market(&self) -> Market<'_> {
        Market {
            ts: &self.ts,
            open: &self.o,
            high: &self.h,
            low: &self.l,
            close: &self.c,
            atr: &self.atr,
        }
    }
    fn run(&self, signal: &[bool], p: Params) -> Recorder {
        full(&self.market(), signal, 0..self.ts.len(), &p)
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

const FLAT: (f64, f64, f64, f64) = (100.0, 100.5, 99.5, 100.0);

#[test]
fn an_entry_fills_at_the_next_open_and_a_signal_exit_at_the_open_after_the_off_bar_with_costs_on_both_legs() {
    let t = tiny(
        &[
            FLAT,
            (101.0, 103.0, 100.5, 102.0),
            (102.0, 104.0, 101.0, 103.0),
            (104.0, 105.0, 103.5, 104.5),
            FLAT,
        ],
        1.0,
    );
    let p = Params {
        atr_k: 0.0,
        r_mult: 1.0,
        cost: 0.001,
    };
    let rec = t.run(&[true, true, false, false, false], p);
    assert_eq!(rec.trades.len(), 1);
    let tr = rec.trades[0];
    assert_eq!((tr.entry_index, tr.exit_index, tr.reason), (1, 3, ExitReason::Signal));
    assert!(close(tr.price_entry, 101.0 * 1.001) && close(tr.price_exit, 104.0 * 0.999));
    assert!(close(tr.pnl, 104.0 * 0.999 / (101.0 * 1.001) - 1.0));
    assert_eq!(tr.r_multiple, 0.0, "no stop distance → R 0");
    // Mark-to-market: bar1 close/entry, bar2 close/close, bar3 exit/close; bar0 and bar4 flat.
    let want = [
        0.0,
        102.0 / (101.0 * 1.001) - 1.0,
        103.0 / 102.0 - 1.0,
        104.0 * 0.999 / 103.0 - 1.0,
        0.0,
    ];
    assert!(
        rec.returns.iter().zip(want).all(|(a, b)| close(*a, b)),
        "{:?}",
        rec.returns
    );
    assert!(close(rec.acc.equity(), 1.0 + tr.pnl));
}

#[test]
fn the_stop_uses_the_atr_of_the_decision_bar_and_fills_at_the_stop_price() {
    let mut t = tiny(
        &[FLAT, (100.0, 101.0, 99.0, 100.0), (100.0, 100.5, 97.5, 98.0), FLAT],
        1.0,
    );
    t.atr[1] = 50.0; // the entry bar's ATR must not be used
    let rec = t.run(
        &[true; 4],
        Params {
            atr_k: 2.0,
            r_mult: 1.0,
            cost: 0.0,
        },
    );
    let tr = rec.trades[0];
    assert_eq!((tr.entry_index, tr.exit_index, tr.reason), (1, 2, ExitReason::Stop));
    assert!(close(tr.price_exit, 98.0) && close(tr.r_multiple, -1.0) && close(tr.pnl, -0.02));
}

#[test]
fn the_target_fills_at_the_target_price() {
    let t = tiny(
        &[FLAT, (100.0, 101.0, 99.0, 100.0), (100.0, 102.5, 99.5, 102.0), FLAT],
        1.0,
    );
    let tr = t
        .run(
            &[true, true, true, false],
            Params {
                atr_k: 2.0,
                r_mult: 1.0,
                cost: 0.0,
            },
        )
        .trades[0];
    assert_eq!(tr.reason, ExitReason::Target);
    assert!(close(tr.price_exit, 102.0) && close(tr.r_multiple, 1.0));
}

#[test]
fn a_gap_through_the_stop_fills_at_the_open() {
    let t = tiny(
        &[FLAT, (100.0, 101.0, 99.0, 100.0), (97.0, 97.5, 96.0, 97.0), FLAT],
        1.0,
    );
    let tr = t
        .run(
            &[true; 4],
            Params {
                atr_k: 2.0,
                r_mult: 1.0,
                cost: 0.0,
            },
        )
        .trades[0];
    assert_eq!(tr.reason, ExitReason::Stop);
    assert!(close(tr.price_exit, 97.0) && close(tr.r_multiple, -1.5));
}

#[test]
fn a_gap_through_the_target_fills_at_the_better_open() {
    let t = tiny(
        &[FLAT, (100.0, 101.0, 99.0, 100.0), (103.0, 104.0, 102.5, 103.5), FLAT],
        1.0,
    );
    let tr = t
        .run(
            &[true; 4],
            Params {
                atr_k: 2.0,
                r_mult: 1.0,
                cost: 0.0,
            },
        )
        .trades[0];
    assert_eq!(tr.reason, ExitReason::Target);
    assert!(close(tr.price_exit, 103.0));
}

#[test]
fn a_bar_touching_both_levels_is_assumed_to_hit_the_stop_first() {
    let t = tiny(
        &[FLAT, (100.0, 101.0, 99.0, 100.0), (100.0, 103.0, 97.0, 100.0), FLAT],
        1.0,
    );
    let tr = t
        .run(
            &[true; 4],
            Params {
                atr_k: 2.0,
                r_mult: 1.0,
                cost: 0.0,
            },
        )
        .trades[0];
    assert_eq!((tr.reason, tr.exit_index), (ExitReason::Stop, 2));
}

#[test]
fn the_entry_bar_itself_is_checked_after_the_fill() {
    let t = tiny(&[FLAT, (100.0, 100.5, 97.0, 99.0), FLAT, FLAT], 1.0);
    let rec = t.run(
        &[true, false, false, false],
        Params {
            atr_k: 2.0,
            r_mult: 1.0,
            cost: 0.0,
        },
    );
    let tr = rec.trades[0];
    assert_eq!((tr.entry_index, tr.exit_index, tr.reason), (1, 1, ExitReason::Stop));
    assert!(close(rec.returns[1], -0.02));
}

#[test]
fn a_position_open_at_the_end_is_closed_at_the_last_close_and_the_last_bar_never_enters() {
    let t = tiny(&[FLAT, (100.0, 101.0, 99.5, 100.5), (100.5, 101.0, 100.0, 101.0)], 1.0);
    let rec = t.run(
        &[true, true, true],
        Params {
            atr_k: 0.0,
            r_mult: 1.0,
            cost: 0.001,
        },
    );
    assert_eq!(rec.trades.len(), 1);
    let tr = rec.trades[0];
    assert_eq!((tr.exit_index, tr.reason), (2, ExitReason::End));
    assert!(close(tr.price_exit, 101.0 * 0.999));
    assert!(close(rec.acc.equity(), 1.0 + tr.pnl));
    let none = t.run(
        &[false, false, true],
        Params {
            atr_k: 0.0,
            r_mult: 1.0,
            cost: 0.0,
        },
    );
    assert!(none.trades.is_empty());
}

#[test]
fn after_a_stop_the_strategy_re_enters_at_the_next_open_when_still_long() {
    let t = tiny(&[FLAT, (100.0, 100.5, 97.0, 99.0), (99.0, 99.5, 98.5, 99.0), FLAT], 1.0);
    let rec = t.run(
        &[true; 4],
        Params {
            atr_k: 2.0,
            r_mult: 1.0,
            cost: 0.0,
        },
    );
    assert_eq!(rec.trades.len(), 2);
    assert_eq!((rec.trades[1].entry_index, rec.trades[1].reason), (2, ExitReason::End));
}

/// Timestamps and open, high, low, close columns.
type Columns = (Vec<i64>, Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>);

fn random_walk(n: usize, seed: u64) -> Columns {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut o, mut h, mut l, mut c) = (vec![], vec![], vec![], vec![]);
    let mut p: f64 = 100.0;
    for _ in 0..n {
        let open = p;
        let close = open * (1.0 + rng.random_range(-0.01..0.01));
        o.push(open);
        h.push(open.max(close) * (1.0 + rng.random_range(0.0..0.005)));
        l.push(open.min(close) * (1.0 - rng.random_range(0.0..0.005)));
        c.push(close);
        p = close * (1.0 + rng.random_range(-0.002..0.002));
    }
    ((0..n as i64).map(|i| i * 60_000).collect(), o, h, l, c)
}

/// Changing any bar after t never changes what happened at or before t: equity up to t, trades closed by t,
/// and the entry decided at t (filled at t+1's open, which is itself after t, so only its decision is compared).
#[test]
fn changing_bars_after_t_never_changes_a_decision_at_or_before_t() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let n = 300;
    let (ts, o, h, l, c) = random_walk(n, 1);
    let p = Params {
        atr_k: 1.5,
        r_mult: 2.0,
        cost: 0.0005,
    };
    let simulate = |o: &[f64], h: &[f64], l: &[f64], c: &[f64]| {
        let (fast, slow, a) = (ema(c, 5), ema(c, 13), atr(h, l, c, 14));
        let m = Market {
            ts: &ts,
            open: o,
            high: h,
            low: l,
            close: c,
            atr: &a,
        };
        full(
            &m,
            &EmaCross {
                fast: &fast,
                slow: &slow,
            },
            0..n,
            &p,
        )
    };
    let base = simulate(&o, &h, &l, &c);
    assert!(base.trades.len() > 5, "the property needs trades to be meaningful");
    for _ in 0..200 {
        let t = rng.random_range(0..n - 2);
        let (mut o2, mut h2, mut l2, mut c2) = (o.clone(), h.clone(), l.clone(), c.clone());
        for i in t + 1..n {
            let f = 1.0 + rng.random_range(-0.05..0.05);
            o2[i] *= f;
            c2[i] *= 1.0 + rng.random_range(-0.05..0.05);
            h2[i] = o2[i].max(c2[i]) * 1.01;
            l2[i] = o2[i].min(c2[i]) * 0.99;
        }
        let other = simulate(&o2, &h2, &l2, &c2);
        assert_eq!(base.equity[..=t], other.equity[..=t], "equity up to bar {t}");
        let closed = |r: &Recorder| {
            r.trades
                .iter()
                .filter(|x| x.exit_index <= t)
                .copied()
                .collect::<Vec<_>>()
        };
        assert_eq!(closed(&base), closed(&other), "trades closed by bar {t}");
        let entered = |r: &Recorder| {
            r.trades
                .iter()
                .filter(|x| x.entry_index <= t + 1)
                .map(|x| x.entry_index)
                .collect::<Vec<_>>()
        };
        assert_eq!(entered(&base), entered(&other), "entries decided by bar {t}");
    }
}
