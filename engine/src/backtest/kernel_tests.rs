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

/// The bar-by-bar simulation the kernel replaced, kept as the executable definition of its semantics.
fn reference_run<S: Signal + ?Sized, K: Sink>(
    m: &Market,
    signal: &S,
    range: std::ops::Range<usize>,
    p: &Params,
    sink: &mut K,
) {
    let std::ops::Range { start, end } = range;
    if start >= end {
        return;
    }
    let (buy, sell) = (1.0 + p.cost, 1.0 - p.cost);
    let (mut long, mut pending_entry, mut pending_exit) = (false, false, false);
    let (mut mark, mut stop, mut target, mut dist) = (0.0, f64::NEG_INFINITY, f64::INFINITY, 0.0);
    let (mut entry_index, mut entry_eff, mut next_dist) = (0usize, 0.0, 0.0);
    let trade = |entry: usize, entry_eff: f64, exit: usize, exit_eff: f64, dist: f64, reason| Trade {
        entry_index: entry,
        exit_index: exit,
        ts_entry: m.ts[entry],
        price_entry: entry_eff,
        ts_exit: m.ts[exit],
        price_exit: exit_eff,
        r_multiple: if dist > 0.0 { (exit_eff - entry_eff) / dist } else { 0.0 },
        pnl: exit_eff / entry_eff - 1.0,
        reason,
    };
    for t in start..end {
        let mut ret = 0.0;
        let mut entered_now = false;
        if pending_entry {
            pending_entry = false;
            long = true;
            entered_now = true;
            entry_index = t;
            entry_eff = m.open[t] * buy;
            mark = entry_eff;
            dist = next_dist;
            (stop, target) = if dist > 0.0 {
                (m.open[t] - dist, m.open[t] + p.r_mult * dist)
            } else {
                (f64::NEG_INFINITY, f64::INFINITY)
            };
        } else if pending_exit {
            pending_exit = false;
            long = false;
            let exit_eff = m.open[t] * sell;
            ret = exit_eff / mark - 1.0;
            sink.trade(&trade(entry_index, entry_eff, t, exit_eff, dist, ExitReason::Signal));
        }
        if long {
            let o = m.open[t];
            let fill = if !entered_now && o <= stop {
                Some((o, ExitReason::Stop))
            } else if !entered_now && o >= target {
                Some((o, ExitReason::Target))
            } else if m.low[t] <= stop {
                Some((stop, ExitReason::Stop))
            } else if m.high[t] >= target {
                Some((target, ExitReason::Target))
            } else {
                None
            };
            if let Some((price, reason)) = fill {
                long = false;
                let exit_eff = price * sell;
                ret = exit_eff / mark - 1.0;
                sink.trade(&trade(entry_index, entry_eff, t, exit_eff, dist, reason));
            } else {
                ret = m.close[t] / mark - 1.0;
                mark = m.close[t];
            }
        }
        let has_next = t + 1 < end;
        if long {
            if !has_next {
                long = false;
                let exit_eff = m.close[t] * sell;
                ret = (1.0 + ret) * sell - 1.0;
                sink.trade(&trade(entry_index, entry_eff, t, exit_eff, dist, ExitReason::End));
            } else if !signal.long(t) {
                pending_exit = true;
            }
        } else if has_next && signal.long(t) {
            pending_entry = true;
            next_dist = p.atr_k * m.atr[t];
        }
        sink.bar(t, ret, long);
    }
    sink.span(m.ts[end - 1] - m.ts[start]);
}

/// Every call a sink receives, flat stretches expanded bar by bar.
#[derive(Debug, Default, PartialEq)]
struct Calls(Vec<String>);

impl Sink for Calls {
    fn bar(&mut self, i: usize, ret: f64, long: bool) {
        self.0.push(format!("bar {i} {:e} {long}", ret));
    }
    fn trade(&mut self, t: &Trade) {
        self.0.push(format!("trade {t:?}"));
    }
    fn span(&mut self, ms: i64) {
        self.0.push(format!("span {ms}"));
    }
}

#[test]
fn the_event_driven_kernel_makes_exactly_the_calls_of_the_bar_by_bar_simulation() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    for case in 0..300 {
        let n = rng.random_range(1..400);
        let (ts, mut o, h, l, c) = random_walk(n, case);
        // Occasional gaps through the levels.
        for x in o.iter_mut() {
            if rng.random::<f64>() < 0.03 {
                *x *= 1.0 + rng.random_range(-0.03..0.03);
            }
        }
        let a = if case % 7 == 0 {
            vec![0.0; n]
        } else {
            atr(&h, &l, &c, 14)
        };
        let m = Market {
            ts: &ts,
            open: &o,
            high: &h,
            low: &l,
            close: &c,
            atr: &a,
        };
        let switch = rng.random_range(0.01..0.5);
        let mut state = rng.random::<bool>();
        let sig: Vec<bool> = (0..n)
            .map(|_| {
                if rng.random::<f64>() < switch {
                    state = !state;
                }
                state
            })
            .collect();
        let p = Params {
            atr_k: [0.0, 0.5, 1.0, 2.0][rng.random_range(0..4)],
            r_mult: rng.random_range(0.5..4.0),
            cost: [0.0, 0.0005][rng.random_range(0..2)],
        };
        let start = rng.random_range(0..n);
        let end = rng.random_range(start..=n);
        let mut want = Calls::default();
        reference_run(&m, &sig[..], start..end, &p, &mut want);
        let mut got = Calls::default();
        run(&m, &sig[..], start..end, &p, &mut got);
        assert_eq!(got, want, "case {case}: n {n}, range {start}..{end}, {p:?}");
        let bits = SignalBits::from_signal(&sig[..], n);
        let mut from_bits = Calls::default();
        run(&m, &bits, start..end, &p, &mut from_bits);
        assert_eq!(from_bits, want, "case {case} (bit signal)");
        // Cut into random steps, the simulation is the same.
        let mut stepped = Calls::default();
        let mut bt = Backtest::new(start..end);
        let rets = CloseReturns::new(&c, start..end);
        let mut until = start;
        while !bt.is_done() {
            until += rng.random_range(1..60);
            bt.advance(&m, &rets, &bits, &p, until, &mut stepped);
        }
        assert_eq!(stepped, want, "case {case} (in steps)");
        // Metrics through the accumulator's flat shortcut equal those of the expanded calls.
        let (mut fast, mut slow) = (Accumulator::default(), Accumulator::default());
        run(&m, &bits, start..end, &p, &mut fast);
        reference_run(&m, &sig[..], start..end, &p, &mut slow);
        assert_eq!(fast.finish(525_600.0), slow.finish(525_600.0), "case {case} (metrics)");
    }
}

#[test]
fn lanes_run_block_by_block_give_each_trial_its_own_run() {
    let n = 3 * lanes::BLOCK_BARS + 123;
    let (ts, o, h, l, c) = random_walk(n, 5);
    let a = atr(&h, &l, &c, 14);
    let m = Market {
        ts: &ts,
        open: &o,
        high: &h,
        low: &l,
        close: &c,
        atr: &a,
    };
    let signals: Vec<SignalBits> = [(3, 20), (5, 30), (8, 50)]
        .iter()
        .map(|&(f, s)| SignalBits::ema_cross(&ema(&c, f), &ema(&c, s)))
        .collect();
    let params = |r: usize| Params {
        atr_k: 1.5,
        r_mult: r as f64,
        cost: 0.0002,
    };
    let range = 17..n - 5;
    let mut lanes: Vec<Lane<SignalBits, Calls>> = signals
        .iter()
        .flat_map(|s| (1..=3).map(move |r| (s, r)))
        .map(|(s, r)| Lane {
            signal: s,
            params: params(r),
            sink: Calls::default(),
        })
        .collect();
    run_lanes(&m, range.clone(), &mut lanes);
    for lane in &lanes {
        let mut alone = Calls::default();
        run(&m, lane.signal, range.clone(), &lane.params, &mut alone);
        assert!(alone.0.iter().any(|c| c.starts_with("trade")));
        assert_eq!(lane.sink, alone);
    }
}
