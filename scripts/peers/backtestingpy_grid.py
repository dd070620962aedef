"""The peers benchmark's backtesting.py run (scripts/bench-peers.sh): a few trials of qe's grid, timed one by one,
for an extrapolation to the whole grid (backtesting.py simulates bar by bar in Python: seconds per trial).

Usage: backtestingpy_grid.py CSV OUT_JSON   (grid from FAST, SLOW, R, ATR_K; BT_TRIALS trials of it, spread
       evenly over the grid in its order)

The strategy: `next()` at the close of bar i buys when EMA fast > EMA slow and no position is held, with
`sl = close[i] - atr_k*ATR[i]` and `tp = close[i] + R*atr_k*ATR[i]` (backtesting.py wants absolute levels when
the order is placed; on `qe data synth` bars the next open, where the order fills, equals close[i], so these are
qe's levels); it closes the position when the signal is off. `trade_on_close=False`: market orders fill at the
next open. backtesting.py checks a new trade's SL/TP in its entry bar (as qe), SL first when both are reached (as
qe), fills a gap at the open (as qe), and processes a close order before the trade's SL/TP orders (qe is out at
the open of the bar after the signal turned off, whatever that bar reaches later). Its own conventions: whole
units (cash 1e12, so a unit is ~4e-8 of a position: returns agree with qe's to ~1e-8, not bit for bit), and the
position left open at the end stays open, marked at the last close (counted here as one trade, as qe's
end-of-data exit at the last close).
"""

import json
import os
import resource
import sys
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

T0 = time.perf_counter()
C0 = time.process_time()

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import backtesting  # noqa: E402
from backtesting import Backtest, Strategy  # noqa: E402

import rules  # noqa: E402

CASH = 1e12


def long_signal(close, fast, slow):
    return rules.signals(np.asarray(close, dtype=np.float64), fast, slow)


def atr14(high, low, close):
    return rules.atr(np.asarray(high, dtype=np.float64), np.asarray(low, dtype=np.float64),
                     np.asarray(close, dtype=np.float64), rules.ATR_PERIOD)


class EmaCrossAtr(Strategy):
    fast = 9
    slow = 26
    R = 1.0
    atr_k = 2.0

    def init(self):
        self.long = self.I(long_signal, self.data.Close, self.fast, self.slow, name="long", plot=False)
        self.atr = self.I(atr14, self.data.High, self.data.Low, self.data.Close, name="atr", plot=False)

    def next(self):
        if self.position:
            if not self.long[-1]:
                self.position.close()
        elif self.long[-1]:
            c = self.data.Close[-1]
            d = self.atr_k * self.atr[-1]
            self.buy(sl=c - d, tp=c + self.R * d)


def pick(trials, k):
    """k trials spread evenly over the grid (all when k >= its size)."""
    if k >= len(trials):
        return list(trials)
    idx = np.unique(np.round(np.linspace(0, len(trials) - 1, k)).astype(int))
    return [trials[i] for i in idx]


def main():
    csv_path, out_path = sys.argv[1], sys.argv[2]
    k = int(os.environ.get("BT_TRIALS", "3"))
    phases = {"start-up and imports": time.perf_counter() - T0}
    t = time.perf_counter()
    c = time.process_time()
    bars = rules.load_bars(csv_path)
    if not rules.open_is_previous_close(bars):
        sys.exit("the levels are placed from close[i]: every open must equal the previous close (qe data synth bars)")
    trials, atr_k = rules.grid_from_env()
    df = pd.DataFrame({"Open": bars["open"], "High": bars["high"], "Low": bars["low"], "Close": bars["close"],
                       "Volume": bars["volume"]}, index=bars["index"])
    bt = Backtest(df, EmaCrossAtr, cash=CASH, commission=0.0, trade_on_close=False, exclusive_orders=False,
                  finalize_trades=False)
    phases["load CSV, set up"] = time.perf_counter() - t
    setup_cpu = time.process_time() - c
    runs = []
    for f, s, r in pick(trials, k):
        t = time.perf_counter()
        c = time.process_time()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            stats = bt.run(fast=f, slow=s, R=r, atr_k=atr_k)
        wall = time.perf_counter() - t
        cpu = time.process_time() - c
        still_open = len(stats._strategy.trades)
        runs.append({
            "trial": [f, s, r],
            "wall_s": wall,
            "cpu_s": cpu,
            "n_trades": int(len(stats._trades) + still_open),
            "total_return": float(stats["Equity Final [$]"] / CASH - 1.0),
            "sharpe": float(stats["Sharpe Ratio"]),
        })
    out = {
        "tool": f"backtesting.py {backtesting.__version__}",
        "n_bars": len(bars["close"]),
        "grid_trials": len(trials),
        "phases": phases,
        "setup_wall_s": phases["start-up and imports"] + phases["load CSV, set up"],
        "setup_cpu_s": setup_cpu,
        "cpu_s_in_process": time.process_time() - C0,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "runs": runs,
    }
    with open(out_path, "w") as fh:
        json.dump(out, fh)


if __name__ == "__main__":
    main()
