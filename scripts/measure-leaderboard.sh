#!/usr/bin/env bash
# Server render time of the run page (summary, leaderboard page, parameter heatmap, charts) for a run with N trials
# (default 10 000): starts `qe serve` on a fresh SQLite home, writes one run with N trials into it, then times
# full server-rendered page loads with curl. Usage: scripts/measure-leaderboard.sh [QE_BIN] [N] [REPEATS]
set -euo pipefail
bin=${1:-${CARGO_TARGET_DIR:-target}/debug/qe}
n=${2:-10000}
repeats=${3:-7}
home=$(mktemp -d /tmp/qe-measure-XXXXXX)
QE_HOME=$home QE_LOG=warn "$bin" serve --addr 127.0.0.1:0 --site-root "$home" >"$home/out.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$home"' EXIT
for _ in $(seq 1 100); do grep -q listening "$home/out.log" && break; sleep 0.2; done
base=$(grep -o 'http://[0-9.:]*' "$home/out.log")
python3 - "$home/quant.db" "$n" <<'EOF'
import json, random, sqlite3, sys
db, n = sys.argv[1], int(sys.argv[2])
random.seed(7)
con = sqlite3.connect(db)
con.execute("INSERT INTO experiment_runs (run_id, status, objective, started_at, finished_at) "
            "VALUES ('perf', 'FINISHED', 'sharpe', '2024-01-01 00:00:00', '2024-01-01 00:10:00')")
side = int(n ** 0.5) + 1
rows = []
for i in range(n):
    fast, slow = 2 + i % side, 50 + i // side
    s = random.gauss(0.5, 0.4)
    rows.append(("perf", i, json.dumps({"ema_fast": fast, "ema_slow": slow, "R": 2}), s, "COMPLETE",
                 random.randint(10, 400), random.random() * 0.3, s, s * 1.4, random.gauss(0.05, 0.1),
                 random.random(), random.gauss(0.1, 0.2)))
con.executemany("INSERT INTO trials (run_id, trial_number, params_json, objective_value, status, n_trades, max_dd, "
                "sharpe, sortino, cagr, hit_rate, avg_r) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
con.commit()
EOF
measure() {
  local path=$1 times=()
  curl -s -o /dev/null "$base$path" # warm-up
  for _ in $(seq 1 "$repeats"); do times+=("$(curl -s -o /dev/null -w '%{time_total}' "$base$path")"); done
  printf '%s\n' "${times[@]}" | sort -n | awk -v p="$path" '{a[NR]=$1} END {printf "%-60s median %.0f ms  min %.0f ms  (n=%d)\n", p, a[int((NR+1)/2)]*1000, a[1]*1000, NR}'
}
echo "run with $n trials, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
measure "/ui/runs/perf"
measure "/ui/runs/perf?sort=max_dd.asc&page=200"
measure "/ui/runs/perf?filter=ema_fast%3D10"
measure "/ui/runs/perf?hx=ema_slow&hy=ema_fast&hm=sharpe&agg=mean"
