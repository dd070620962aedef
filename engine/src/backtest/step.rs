//! The kernel's stepper: one backtest advanced range by range ([`Backtest::advance`]), skipping flat stretches and
//! feeding held bars to the sink in one call, with the close-to-close returns shared by every trial ([`CloseReturns`]).

use super::kernel::{close_trade, ExitReason, Market, Params, Sink};
use super::signal::Signal;
use std::ops::Range;

/// The close-to-close returns `close[i] / close[i − 1] − 1` of a range of bars: what a held bar returns, computed
/// once for every trial simulated over the range.
#[derive(Debug, Clone)]
pub struct CloseReturns {
    first: usize,
    rets: Vec<f64>,
}

impl CloseReturns {
    /// The returns of the bars of `range` (the first bar of a series, which has no previous close, gets 0).
    pub fn new(close: &[f64], range: Range<usize>) -> Self {
        let rets = range
            .clone()
            .map(|i| if i == 0 { 0.0 } else { close[i] / close[i - 1] - 1.0 })
            .collect();
        Self {
            first: range.start,
            rets,
        }
    }

    /// The returns of bars `range` (which must lie within the range given to [`CloseReturns::new`]).
    #[inline]
    fn of(&self, range: Range<usize>) -> &[f64] {
        &self.rets[range.start - self.first..range.end - self.first]
    }
}

/// One backtest over a range of bars, simulated in steps ([`Backtest::advance`]) so that many trials can take
/// turns on the same block of bars while it is in cache (see [`super::lanes`]); [`super::run`] does it in one step.
///
/// Flat stretches are skipped with [`Signal::next_on`] and reported with one [`Sink::flat`] call; each position is
/// followed bar by bar until its stop, target, signal exit or the range's end. The calls the sink receives are
/// exactly those of a bar-by-bar simulation (same order, same values), however the range is cut into steps.
#[derive(Debug, Clone)]
pub struct Backtest {
    start: usize,
    last: usize,
    /// The next bar to simulate and report.
    t: usize,
    pos: Pos,
    done: bool,
}

#[derive(Debug, Clone, Copy)]
enum Pos {
    Flat,
    /// An entry at the open of bar `t`, decided at the close of `t − 1`.
    Entering,
    Long(Open),
}

/// An open position: entered at `entry`, valued at `mark`; held through bar `off` (the first bar whose close turns
/// the signal off, or the last bar), then out at the next open unless a level was hit first.
#[derive(Debug, Clone, Copy)]
struct Open {
    entry: usize,
    entry_eff: f64,
    dist: f64,
    stop: f64,
    target: f64,
    mark: f64,
    off: usize,
}

impl Backtest {
    /// A backtest of `range`, flat at its start.
    pub fn new(range: Range<usize>) -> Self {
        Self {
            start: range.start,
            last: range.end.saturating_sub(1),
            t: range.start,
            pos: Pos::Flat,
            done: range.start >= range.end,
        }
    }

    /// True once every bar of the range has been simulated.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Simulates the bars before `until` (at most to the range's end) not simulated yet; at the range's end the
    /// sink gets the elapsed time. `rets` holds the close-to-close returns of (at least) the range.
    pub fn advance<S: Signal + ?Sized, K: Sink>(
        &mut self,
        m: &Market,
        rets: &CloseReturns,
        signal: &S,
        p: &Params,
        until: usize,
        sink: &mut K,
    ) {
        if self.done {
            return;
        }
        let until = until.min(self.last + 1);
        while self.t < until {
            match self.pos {
                Pos::Flat => {
                    // The last bar never enters: there is no next open to fill at.
                    let lim = self.last.min(until);
                    let decision = signal.next_on(self.t, lim);
                    if decision >= lim {
                        sink.flat(self.t..until);
                        self.t = until;
                    } else {
                        sink.flat(self.t..decision + 1);
                        self.t = decision + 1;
                        self.pos = Pos::Entering;
                    }
                }
                Pos::Entering => self.enter(m, signal, p, sink),
                Pos::Long(open) => self.hold(open, m, rets, signal, p, until, sink),
            }
        }
        if self.t > self.last {
            self.done = true;
            sink.span(m.ts[self.last] - m.ts[self.start]);
        }
    }

    /// After an exit reported at bar `x`: flat, or entering again at `x + 1` when the signal still says long.
    #[inline]
    fn flat_after<S: Signal + ?Sized>(&mut self, x: usize, signal: &S) {
        self.t = x + 1;
        self.pos = if x < self.last && signal.long(x) {
            Pos::Entering
        } else {
            Pos::Flat
        };
    }

    /// The entry bar: fill at its open, then only the part of its range after the fill (no gap check).
    fn enter<S: Signal + ?Sized, K: Sink>(&mut self, m: &Market, signal: &S, p: &Params, sink: &mut K) {
        let e = self.t;
        let (buy, sell) = (1.0 + p.cost, 1.0 - p.cost);
        let dist = p.atr_k * m.atr[e - 1];
        let entry_eff = m.open[e] * buy;
        let (stop, target) = if dist > 0.0 {
            (m.open[e] - dist, m.open[e] + p.r_mult * dist)
        } else {
            (f64::NEG_INFINITY, f64::INFINITY)
        };
        let fill = if m.low[e] <= stop {
            Some((stop, ExitReason::Stop))
        } else if m.high[e] >= target {
            Some((target, ExitReason::Target))
        } else {
            None
        };
        if let Some((price, reason)) = fill {
            sink.trade(&close_trade(m, e, entry_eff, e, price * sell, dist, reason));
            sink.bar(e, price * sell / entry_eff - 1.0, false);
            return self.flat_after(e, signal);
        }
        let ret = m.close[e] / entry_eff - 1.0;
        if e == self.last {
            sink.trade(&close_trade(
                m,
                e,
                entry_eff,
                e,
                m.close[e] * sell,
                dist,
                ExitReason::End,
            ));
            sink.bar(e, (1.0 + ret) * sell - 1.0, false);
            return self.flat_after(e, signal);
        }
        sink.bar(e, ret, true);
        self.t = e + 1;
        self.pos = Pos::Long(Open {
            entry: e,
            entry_eff,
            dist,
            stop,
            target,
            mark: m.close[e],
            off: signal.next_off(e, self.last).min(self.last),
        });
    }

    /// Held bars from `t` up to `off` and before `until`, then the signal exit at `off + 1` if it is before `until`.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn hold<S: Signal + ?Sized, K: Sink>(
        &mut self,
        mut o: Open,
        m: &Market,
        rets: &CloseReturns,
        signal: &S,
        p: &Params,
        until: usize,
        sink: &mut K,
    ) {
        let sell = 1.0 - p.cost;
        let upto = o.off.min(until - 1);
        // Slices cut at `upto` let the compiler drop the bounds checks inside the loop.
        let (open, high, low, close) = (&m.open[..=upto], &m.high[..=upto], &m.low[..=upto], &m.close[..=upto]);
        let (stop, target, last) = (o.stop, o.target, self.last);
        // First the bar whose range reaches a level (if any), then the held bars before it in one call.
        let hit = (self.t..=upto).find(|&i| {
            let op = open[i];
            (op <= stop) | (op >= target) | (low[i] <= stop) | (high[i] >= target)
        });
        let held_end = hit.unwrap_or(upto + 1).min(last);
        if held_end > self.t {
            sink.held(self.t, rets.of(self.t..held_end));
            o.mark = close[held_end - 1];
        }
        if let Some(i) = hit {
            let op = open[i];
            let (price, reason) = if op <= stop {
                (op, ExitReason::Stop)
            } else if op >= target {
                (op, ExitReason::Target)
            } else if low[i] <= stop {
                (stop, ExitReason::Stop)
            } else {
                (target, ExitReason::Target)
            };
            sink.trade(&close_trade(m, o.entry, o.entry_eff, i, price * sell, o.dist, reason));
            sink.bar(i, price * sell / o.mark - 1.0, false);
            return self.flat_after(i, signal);
        }
        if upto == last {
            // Held into the last bar: closed at its close.
            let ret = close[last] / o.mark - 1.0;
            sink.trade(&close_trade(
                m,
                o.entry,
                o.entry_eff,
                last,
                close[last] * sell,
                o.dist,
                ExitReason::End,
            ));
            sink.bar(last, (1.0 + ret) * sell - 1.0, false);
            return self.flat_after(last, signal);
        }
        let x = o.off + 1;
        if upto == o.off && x < until {
            // The signal turned off at the close of `off` < `last`: out at the next open.
            let exit_eff = m.open[x] * sell;
            sink.trade(&close_trade(
                m,
                o.entry,
                o.entry_eff,
                x,
                exit_eff,
                o.dist,
                ExitReason::Signal,
            ));
            sink.bar(x, exit_eff / o.mark - 1.0, false);
            return self.flat_after(x, signal);
        }
        self.t = self.t.max(upto + 1);
        self.pos = Pos::Long(o);
    }
}
