"""The peers benchmark's report (scripts/bench-peers.sh): the timing table and the correctness lines.

Usage: report.py WORK_DIR CSV   (reads what bench-peers.sh left in WORK_DIR: qe_<label>.json, time_<label>_<k>,
       vbt.json, time_vbt, bt.json, time_bt; labels in QE_LABELS; grid from FAST, SLOW, R, ATR_K)
"""

import glob
import json
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import rules  # noqa: E402


def read_time(path):
    """(wall s, CPU s, peak RSS MB) of one `/usr/bin/time -f "%e %U %S %M"` file."""
    with open(path) as fh:
        line = [x for x in fh.read().split("\n") if x.strip()][-1]
    e, u, s, m = line.split()
    return float(e), float(u) + float(s), float(m) / 1024


def median_time(paths):
    runs = [read_time(p) for p in paths]
    return tuple(statistics.median(x) for x in zip(*runs)), runs


def pct(x):
    return f"{x * 100:+.4f} %"


def main():
    work, csv_path = sys.argv[1], sys.argv[2]
    labels = os.environ["QE_LABELS"].split()
    bars = rules.load_bars(csv_path)
    trials, atr_k = rules.grid_from_env()
    n = len(trials)

    rows = []  # (tool, wall, cpu, rss, trials, per-trial s, note)
    qe_base = None
    qe_results = {}
    for label in labels:
        (wall, cpu, rss), runs = median_time(sorted(glob.glob(f"{work}/time_{label}_*")))
        name = os.environ.get(f"QE_NAME_{label}", label)
        note = f"median of {len(runs)} runs: wall " + ", ".join(f"{r[0]:.2f}" for r in runs) + " s"
        rows.append((name, wall, cpu, rss, n, wall / n, note))
        if qe_base is None:
            qe_base = (wall, cpu)
        qe_results[label] = rules.qe_trials(f"{work}/qe_{label}.json", bars)

    vbt = bt = None
    if os.path.exists(f"{work}/vbt.json"):
        vbt = json.load(open(f"{work}/vbt.json"))
        wall, cpu, rss = read_time(f"{work}/time_vbt")
        rows.append((f"{vbt['tool']} ({vbt['mode']}, fill at {vbt['fill']})", wall, cpu, rss, len(vbt["trials"]),
                     wall / len(vbt["trials"]), "one run, whole process"))
    if os.path.exists(f"{work}/bt.json"):
        bt = json.load(open(f"{work}/bt.json"))
        wall, cpu, rss = read_time(f"{work}/time_bt")
        k = len(bt["runs"])
        run_wall = [r["wall_s"] for r in bt["runs"]]
        run_cpu = [r["cpu_s"] for r in bt["runs"]]
        per_wall, per_cpu = statistics.mean(run_wall), statistics.mean(run_cpu)
        fixed_wall, fixed_cpu = wall - sum(run_wall), cpu - sum(run_cpu)
        rows.append((f"{bt['tool']} (EXTRAPOLATED)", fixed_wall + per_wall * n, fixed_cpu + per_cpu * n, rss, n,
                     per_wall,
                     f"extrapolated: {k} trials timed ({', '.join(f'{w:.1f}' for w in run_wall)} s each, "
                     f"one process) x {n} + {fixed_wall:.1f} s fixed"))

    print()
    print(f"{len(bars['close']):,} one-minute bars of BTCUSD ({bars['index'][0]} .. {bars['index'][-1]}), "
          f"grid {len(set(t[0] for t in trials))} fast x {len(set(t[1] for t in trials))} slow EMAs x R "
          f"{' '.join(os.environ['R'].split())} = {n} trials, atr_k {atr_k:g}, zero costs, whole period")
    print()
    head = ("tool", "wall s", "CPU s", "peak RSS MB", "trials", "per-trial s", "wall / qe", "CPU / qe")
    fmt = "{:<46} {:>9} {:>9} {:>11} {:>6} {:>11} {:>9} {:>9}"
    print(fmt.format(*head))
    for tool, wall, cpu, rss, trials_n, per, _ in rows:
        print(fmt.format(tool[:46], f"{wall:.2f}", f"{cpu:.2f}", f"{rss:.0f}", trials_n, f"{per:.4g}",
                         f"{wall / qe_base[0]:.3g}", f"{cpu / qe_base[1]:.3g}"))
    print()
    for tool, *_, note in rows:
        print(f"  {tool}: {note}")
    if len(labels) == 2:
        a, b = rows[0], rows[1]
        print(f"  {b[0]} / {a[0]}: wall {b[1] / a[1]:.3f}, CPU {b[2] / a[2]:.3f}, peak RSS {b[3] / a[3]:.3f}")
    if vbt:
        print("  vectorbt phases (in process): " + ", ".join(f"{k} {v:.2f} s" for k, v in vbt["phases"].items()))
    if bt:
        print("  backtesting.py: per-trial wall is the mean of the timed trials; a grid run through bt.optimize()"
              " could spread the trials over both cores (at best half the wall time, same CPU time)")

    # Correctness.
    print()
    qe = qe_results[labels[0]]
    for label in labels[1:]:
        other = qe_results[label]
        same = sum(1 for k in trials if other[k][0] == qe[k][0] and abs(other[k][1] - qe[k][1]) <= 1e-9)
        print(f"qe {label} vs qe {labels[0]}: {same}/{n} trials with the same trade count and total return")
    ref = rules.run_reference(bars, trials, atr_k)
    same, diff = rules.compare("reference", ref, qe, trials)
    print(f"reference (qe's documented rules re-implemented in scripts/peers/rules.py): {same}/{n} trials have "
          f"qe's trade count and total return (relative 1e-6)")
    rules.print_first_difference("first difference", diff, "reference", "qe")
    if vbt:
        got = {(int(t[0]), int(t[1]), float(t[2])): (t[3], t[4]) for t in vbt["trials"]}
        shown = [trials[0], trials[len(trials) // 2]]
        for key in shown:
            g, w = got[key], qe[key]
            print(f"vectorbt {rules.fmt_trial(key)}: {g[0]} trades, total return {pct(g[1])}; "
                  f"qe: {w[0]} trades, {pct(w[1])}")
        same_qe, _ = rules.compare("vbt", [got[k] for k in trials], qe, trials)
        if vbt["fill"] == "close":
            variant = dict(reenter_after_level=False)
            why = "it never re-enters on the bar of a stop or target exit (one order per bar), qe re-enters at " \
                  "the next open"
        else:
            variant = dict(check_entry_bar=False, levels_before_signal_exit=True)
            why = "its stops are not checked in the entry bar, and on the bar after the signal turned off a " \
                  "level reached in that bar fills before the exit at the open"
        ref_v = rules.run_reference(bars, trials, atr_k, **variant)
        same_v, diff_v = rules.compare("vbt", [got[k] for k in trials], dict(zip(trials, ref_v)), trials)
        print(f"  vectorbt = qe on {same_qe}/{n} trials; the difference is vectorbt's rule: {why}. qe's rules "
              f"changed that way (rules.py) give vectorbt's trade count and total return on {same_v}/{n} trials")
        rules.print_first_difference("first remaining difference", diff_v, "vectorbt", "rules.py variant")
    if bt:
        keys = [tuple(r["trial"]) for r in bt["runs"]]
        keys = [(int(f), int(s), float(r)) for f, s, r in keys]
        got = [(r["n_trades"], r["total_return"]) for r in bt["runs"]]
        for key, g in zip(keys, got):
            w = qe[key]
            print(f"backtesting.py {rules.fmt_trial(key)}: {g[0]} trades, total return {pct(g[1])}; "
                  f"qe: {w[0]} trades, {pct(w[1])}")
        same, diff = rules.compare("bt", got, qe, keys, rtol=1e-6)
        print(f"  backtesting.py = qe on {same}/{len(keys)} timed trials (trade count equal, total return within "
              f"1e-6 relative: backtesting.py trades whole units, cash 1e12, and its last open trade is counted "
              f"and marked at the last close as qe's end-of-data exit)")


if __name__ == "__main__":
    main()
