"""The peers benchmark's vectorbt run (scripts/bench-peers.sh): qe's EMA-cross grid with ATR stop and target
(scripts/peers/rules.py) as `vbt.Portfolio.from_signals`, every trial's trade count, total return and Sharpe.

Usage: vectorbt_grid.py CSV OUT_JSON   (grid from FAST, SLOW, R, ATR_K; VBT_MODE, VBT_FILL below)
       vectorbt_grid.py --warmup        (compiles vectorbt's numba functions into NUMBA_CACHE_DIR, untimed)

VBT_MODE=pair (default): one call per EMA pair (its R values as columns), as a vectorbt user would to bound
  memory.
VBT_MODE=grid: the whole grid in one vectorised call, one column per trial. It needs ~150 bytes per bar-trial
  (order records and the per-bar value and return matrices of the metrics: ~40 GB for 527,040 bars x 500 trials;
  the kernel OOM-killed it on a 24 GB machine), so it only suits small sizes.

VBT_FILL=close (default): signals at the close of bar i filled at the close of bar i, which on `qe data synth`
  bars (every open equals the previous close; checked) is qe's fill at the open of bar i+1. Stops are set from
  the fill (sl_stop = atr_k*ATR[i]/fill, tp_stop = R*sl_stop, per element) and checked from the next bar, i.e.
  from qe's entry bar on. vectorbt takes one order per bar and the stop exit has priority, so after a stop or
  target exit at bar x it cannot enter at the close of x (qe enters at the open of x+1, i.e. the same price):
  it enters at the close of x+1 if the signal still holds. That is the one rule where it differs from qe.
VBT_FILL=open: signals shifted one bar, filled at the open (`price=open`, `stop_entry_price='price'`). Then the
  differences are others: vectorbt arms the stops after the entry order, so they are not checked in the entry
  bar, and on the bar after the signal turned off a stop or target reached in that bar fills before the exit at
  the open (a stop signal has priority over the bar's exit signal).
"""

import json
import os
import resource
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

T0 = time.perf_counter()
C0 = time.process_time()

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import vectorbt as vbt  # noqa: E402

import rules  # noqa: E402


def arrays(bars, trials, atr_k, fill, long_by_pair):
    """entries, exits, sl_stop, tp_stop and price for `trials` (columns in that order)."""
    n = len(bars["close"])
    a = rules.atr(bars["high"], bars["low"], bars["close"], rules.ATR_PERIOD)
    pairs = [(f, s) for f, s, _ in trials]
    rs = np.array([r for _, _, r in trials])
    uniq = list(dict.fromkeys(pairs))
    col_of_pair = np.array([uniq.index(p) for p in pairs])
    longs = np.empty((n, len(uniq)), dtype=bool)
    for j, p in enumerate(uniq):
        longs[:, j] = long_by_pair[p]
    if fill == "close":
        entries = longs[:, col_of_pair]
        entries[-1, :] = False  # qe: the last bar never enters (no next open)
        exits = ~longs[:, col_of_pair]
        sl = (atr_k * a / bars["close"])[:, None]
        price = None
    else:
        entries = np.zeros((n, len(trials)), dtype=bool)
        exits = np.zeros((n, len(trials)), dtype=bool)
        entries[1:] = longs[:-1, col_of_pair]
        exits[1:] = ~longs[:-1, col_of_pair]
        sl = np.full(n, np.nan)
        sl[1:] = atr_k * a[:-1] / bars["open"][1:]
        sl = sl[:, None]
        price = bars["open"]
    tp = sl * rs[None, :]
    return entries, exits, sl, tp, price


def simulate(bars, trials, atr_k, fill, long_by_pair):
    entries, exits, sl, tp, price = arrays(bars, trials, atr_k, fill, long_by_pair)
    close = pd.Series(bars["close"], index=bars["index"])
    kw = {}
    if price is not None:
        kw = {"price": price[:, None], "stop_entry_price": "price"}
    pf = vbt.Portfolio.from_signals(
        close,
        entries=entries,
        exits=exits,
        open=bars["open"][:, None],
        high=bars["high"][:, None],
        low=bars["low"][:, None],
        sl_stop=sl,
        tp_stop=tp,
        size=np.inf,
        init_cash=100.0,
        fees=0.0,
        direction="longonly",
        freq="1min",
        **kw,
    )
    n_trades = np.asarray(pf.trades.count())
    total = np.asarray(pf.total_return())
    sharpe = np.asarray(pf.sharpe_ratio())
    return n_trades, total, sharpe


def warmup():
    """A tiny run of both fills so that numba's on-disk cache holds vectorbt's compiled functions."""
    rng = np.random.default_rng(0)
    n = 500
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.002, n)))
    opn = np.r_[close[0], close[:-1]]
    bars = {
        "index": pd.date_range("2024-01-01", periods=n, freq="1min"),
        "open": opn,
        "high": np.maximum(opn, close) * 1.001,
        "low": np.minimum(opn, close) * 0.999,
        "close": close,
    }
    trials = rules.grid([3], [10], [1.0, 2.0])
    long_by_pair = {(3, 10): rules.signals(close, 3, 10)}
    for fill in ("close", "open"):
        simulate(bars, trials, 2.0, fill, long_by_pair)
    rules.run_reference(bars, trials, 2.0)


def main():
    if sys.argv[1:] == ["--warmup"]:
        warmup()
        return
    csv_path, out_path = sys.argv[1], sys.argv[2]
    mode = os.environ.get("VBT_MODE", "pair")
    fill = os.environ.get("VBT_FILL", "close")
    phases = {"start-up and imports": time.perf_counter() - T0}
    t = time.perf_counter()
    bars = rules.load_bars(csv_path)
    if fill == "close" and not rules.open_is_previous_close(bars):
        sys.exit("VBT_FILL=close needs every open to equal the previous close (true of qe data synth bars)")
    trials, atr_k = rules.grid_from_env()
    phases["load CSV"] = time.perf_counter() - t
    t = time.perf_counter()
    long_by_pair = {}
    for f, s, _ in trials:
        if (f, s) not in long_by_pair:
            long_by_pair[(f, s)] = rules.signals(bars["close"], f, s)
    phases["EMA signals"] = time.perf_counter() - t
    t = time.perf_counter()
    if mode == "grid":
        n_trades, total, sharpe = simulate(bars, trials, atr_k, fill, long_by_pair)
    else:
        parts = []
        for p in dict.fromkeys((f, s) for f, s, _ in trials):
            sub = [tr for tr in trials if tr[:2] == p]
            parts.append(simulate(bars, sub, atr_k, fill, long_by_pair))
        n_trades, total, sharpe = (np.concatenate(x) for x in zip(*parts))
    phases["from_signals + metrics"] = time.perf_counter() - t
    out = {
        "tool": f"vectorbt {vbt.__version__}",
        "mode": mode,
        "fill": fill,
        "n_bars": len(bars["close"]),
        "phases": phases,
        "cpu_s_in_process": time.process_time() - C0,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "trials": [[f, s, r, int(n), float(ret), float(sh)] for (f, s, r), n, ret, sh in
                   zip(trials, n_trades, total, sharpe)],
    }
    with open(out_path, "w") as fh:
        json.dump(out, fh)


if __name__ == "__main__":
    main()
