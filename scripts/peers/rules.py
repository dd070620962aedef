"""Shared pieces of the peers benchmark (scripts/bench-peers.sh): the bars, the grid, qe's indicators and a
reference simulation of qe's documented backtest rules (docs/compat/optimize.md, "Backtest kernel";
engine/src/backtest/kernel.rs and step.rs; engine/src/features/indicators.rs).

The rules, long only, zero costs:
- long(i) = EMA_fast[i] > EMA_slow[i] at the close of bar i; an entry fills at the open of bar i+1;
  the last bar never enters (there is no next open);
- EMA seeded with the first close, ema[t] = a*x[t] + (1-a)*ema[t-1], a = 2/(p+1);
- ATR = simple mean of the last min(t+1, 14) true ranges (expanding, then rolling; not Wilder);
  TR[0] = high-low, then max(high-low, |high-close[t-1]|, |low-close[t-1]|);
- dist = atr_k*ATR[i] (the ATR known at the decision); stop = open[i+1] - dist, target = open[i+1] + R*dist;
- stop and target are checked intrabar from the entry bar itself on; a bar touching both hits the stop first;
  a later bar opening beyond a level fills at its open;
- a signal off at the close of bar t exits at the open of t+1; after any exit at bar x the strategy enters again
  at the open of x+1 when long(x);
- a position still open at the last bar is closed at its close; equity compounds, fully invested.

`simulate` implements these rules bar by bar (numba), with switches that turn them into a peer's rules, so that
a peer's difference from qe can be shown to come from those rules alone:
- reenter_after_level=False: after a stop/target exit at bar x, no entry decided at the close of x (vectorbt
  filling at the close, VBT_FILL=close: one order per bar, and the stop exit took bar x);
- check_entry_bar=False: stops are checked from the bar after the entry bar on, and
  levels_before_signal_exit=True: on the bar after the signal turned off, a stop or target reached in that bar
  fills first, the exit at its open only otherwise (both: vectorbt filling at the open, VBT_FILL=open: stops are
  armed after the entry order, and a stop signal has priority over the exit signal of the same bar).
backtesting.py follows qe's rules (up to whole units): no switch.
"""

import json
import os
import sys
import time

import numpy as np
from numba import njit

ATR_PERIOD = 14
YEAR_MS = 365.25 * 24 * 3600 * 1000.0


def load_bars(csv_path, symbol="BTCUSD"):
    """The symbol's bars from the CSV that `qe data synth` writes (ts, symbol, open, high, low, close, ...)."""
    import pandas as pd

    df = pd.read_csv(csv_path, usecols=["ts", "symbol", "open", "high", "low", "close", "volume"])
    df = df[df["symbol"] == symbol]
    if df.empty:
        sys.exit(f"{csv_path}: no bars of {symbol}")
    index = pd.DatetimeIndex(pd.to_datetime(df["ts"], utc=True)).tz_convert(None)
    bars = {
        "index": index,
        "ts_ms": index.to_numpy().astype("datetime64[ms]").astype(np.int64),
        "open": df["open"].to_numpy(np.float64),
        "high": df["high"].to_numpy(np.float64),
        "low": df["low"].to_numpy(np.float64),
        "close": df["close"].to_numpy(np.float64),
        "volume": df["volume"].to_numpy(np.float64),
    }
    return bars


def years(bars):
    """Elapsed real time of the series in qe's years (last minus first bar, 365.25 days)."""
    return (int(bars["ts_ms"][-1]) - int(bars["ts_ms"][0])) / YEAR_MS


def open_is_previous_close(bars):
    """True when every open equals the previous close (true of `qe data synth` bars): then a fill at the open of
    bar i+1 is a fill at the close of bar i, which is how the vectorbt script places qe's entries."""
    return bool(np.array_equal(bars["open"][1:], bars["close"][:-1]))


def grid_from_env():
    """The grid of the run, from the environment the shell script exports (FAST, SLOW, R lists; ATR_K)."""
    fast = [int(x) for x in os.environ["FAST"].split()]
    slow = [int(x) for x in os.environ["SLOW"].split()]
    rs = [float(x) for x in os.environ["R"].split()]
    atr_k = float(os.environ.get("ATR_K", "2"))
    return grid(fast, slow, rs), atr_k


def grid(fast, slow, rs):
    """qe's grid order: fast outer, slow inner (fast < slow only), R innermost."""
    return [(f, s, r) for f in fast for s in slow if f < s for r in rs]


@njit(cache=True)
def ema(x, period):
    out = np.empty_like(x)
    if len(x) == 0:
        return out
    alpha = 2.0 / (period + 1.0)
    prev = x[0]
    out[0] = prev
    for t in range(1, len(x)):
        prev = alpha * x[t] + (1.0 - alpha) * prev
        out[t] = prev
    return out


@njit(cache=True)
def atr(high, low, close, period):
    n = len(close)
    out = np.empty(n)
    tr = np.empty(n)
    s = 0.0
    for t in range(n):
        hl = high[t] - low[t]
        if t == 0:
            tr[t] = hl
        else:
            tr[t] = max(hl, abs(high[t] - close[t - 1]), abs(low[t] - close[t - 1]))
        s += tr[t]
        if t >= period:
            s -= tr[t - period]
        out[t] = s / min(t + 1, period)
    return out


@njit(cache=True)
def simulate(o, h, l, c, long, a, atr_k, r_mult, reenter_after_level, check_entry_bar, levels_before_signal_exit):
    """One backtest under qe's rules (see the module text). Returns (trades, total return, level exits)."""
    n = len(c)
    last = n - 1
    equity = 1.0
    trades = 0
    level_exits = 0
    pos = False
    entering = False
    exiting = False
    mark = 0.0
    stop = 0.0
    target = 0.0
    for t in range(n):
        exited_at_level = False
        if entering:
            entering = False
            dist = atr_k * a[t - 1]
            entry = o[t]
            if dist > 0.0:
                stop = entry - dist
                target = entry + r_mult * dist
            else:
                stop = -np.inf
                target = np.inf
            trades += 1
            pos = True
            mark = entry
            if check_entry_bar:
                if l[t] <= stop:
                    equity *= stop / mark
                    pos = False
                    exited_at_level = True
                elif h[t] >= target:
                    equity *= target / mark
                    pos = False
                    exited_at_level = True
            if pos:
                equity *= c[t] / mark
                mark = c[t]
        elif exiting:
            # The signal turned off at the previous close: out at this open (backtesting.py: unless this bar
            # reaches a level first, its stop and target orders being processed before the close order).
            exiting = False
            px = o[t]
            if levels_before_signal_exit and not (o[t] <= stop or o[t] >= target):
                if l[t] <= stop:
                    px = stop
                elif h[t] >= target:
                    px = target
            equity *= px / mark
            pos = False
        elif pos:
            px = np.nan
            if o[t] <= stop or o[t] >= target:
                px = o[t]
            elif l[t] <= stop:
                px = stop
            elif h[t] >= target:
                px = target
            if px == px:
                equity *= px / mark
                pos = False
                exited_at_level = True
            else:
                equity *= c[t] / mark
                mark = c[t]
        if exited_at_level:
            level_exits += 1
        # Decisions at the close of bar t.
        if pos:
            if t == last:
                pos = False  # closed at the last close: already marked there
            elif not long[t]:
                exiting = True  # out at the next open; the next decision is at that bar's close
        elif t < last and long[t] and not (exited_at_level and not reenter_after_level):
            entering = True
    return trades, equity - 1.0, level_exits


def signals(close, fast, slow):
    return ema(close, fast) > ema(close, slow)


def run_reference(bars, trials, atr_k, reenter_after_level=True, check_entry_bar=True,
                  levels_before_signal_exit=False):
    """(trades, total return) of each trial under qe's rules (or a peer's variant: see `simulate`)."""
    a = atr(bars["high"], bars["low"], bars["close"], ATR_PERIOD)
    cache = {}
    out = []
    for f, s, r in trials:
        if (f, s) not in cache:
            cache[(f, s)] = signals(bars["close"], f, s)
        n, ret, _ = simulate(bars["open"], bars["high"], bars["low"], bars["close"], cache[(f, s)], a, atr_k, r,
                             reenter_after_level, check_entry_bar, levels_before_signal_exit)
        out.append((int(n), float(ret)))
    return out


def qe_trials(result_json, bars):
    """{(fast, slow, R): (trades, total return)} of qe's `--json` result; the total return from its CAGR and
    its years (elapsed real time / 365.25 days), as qe computes CAGR."""
    with open(result_json) as fh:
        res = json.load(fh)
    y = years(bars)
    out = {}
    for t in res["trials"]:
        p, m = t["params"], t["metrics"]
        out[(int(p["ema_fast"]), int(p["ema_slow"]), float(p["R"]))] = (
            int(m["n_trades"]), (1.0 + m["cagr"]) ** y - 1.0)
    return out


def compare(name, got, want, trials, rtol=1e-6):
    """Counts the trials of `trials` whose trade count and total return in `got` agree with `want`."""
    same = 0
    first_diff = None
    for key, g in zip(trials, got):
        w = want[key]
        if g[0] == w[0] and abs(g[1] - w[1]) <= rtol * max(1.0, abs(w[1])):
            same += 1
        elif first_diff is None:
            first_diff = (key, g, w)
    return same, first_diff


def print_first_difference(what, diff, got, want):
    """Prints the first trial where `got`'s results differ from `want`'s (a `compare` difference), if any."""
    if diff:
        key, g, w = diff
        print(f"  {what}: {fmt_trial(key)}: {got} {g[0]} trades {g[1]:+.6%}, {want} {w[0]} trades {w[1]:+.6%}")


def fmt_trial(key):
    f, s, r = key
    return f"EMA {f}/{s} R {r:g}"


def main():
    """`rules.py CSV QE_JSON`: checks the reference simulation against qe on every trial of the grid."""
    csv_path, qe_json = sys.argv[1], sys.argv[2]
    bars = load_bars(csv_path)
    trials, atr_k = grid_from_env()
    t0 = time.perf_counter()
    got = run_reference(bars, trials, atr_k)
    dt = time.perf_counter() - t0
    want = qe_trials(qe_json, bars)
    same, diff = compare("reference", got, want, trials)
    print(f"reference (qe's rules re-implemented in scripts/peers/rules.py, numba, {dt:.1f} s): "
          f"{same}/{len(trials)} trials have qe's trade count and total return (rel. 1e-6)")
    print_first_difference("first difference", diff, "reference", "qe")


if __name__ == "__main__":
    main()
