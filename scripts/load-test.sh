#!/usr/bin/env bash
# Load figures of issue 7: `GET /runs/{id}/trials` (a page of 50 from a run of 100,000 trials, default order and
# by sharpe) and `GET /seasonality/profiles` under 64 concurrent connections, measured with wrk on loopback against
# a real `qe serve` on SQLite. Usage: scripts/load-test.sh [path/to/qe] [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
qe=${1:-target/release/qe}
secs=${2:-10}
home=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$home"' EXIT
QE_HOME=$home "$qe" migrate >/dev/null
sqlite3 "$home/quant.db" <<'SQL'
INSERT INTO experiment_runs (run_id, status, objective, out_dir, started_at, finished_at)
VALUES ('load', 'FINISHED', 'sharpe', '-', '2026-01-01 00:00:00', '2026-01-01 00:10:00');
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 99999)
INSERT INTO trials (run_id, trial_number, params_json, objective_value, status, n_trades, max_dd, sharpe, sortino,
                    cagr, hit_rate, avg_r)
SELECT 'load', i, '{"ema_fast": ' || (5 + i % 100) || ', "ema_slow": ' || (20 + i / 100) || ', "R": 2}',
       (abs(random()) % 20000) / 10000.0 - 1, 'COMPLETE', i % 400, -(abs(random()) % 5000) / 10000.0,
       (abs(random()) % 20000) / 10000.0 - 1, (abs(random()) % 30000) / 10000.0 - 1, (abs(random()) % 1000) / 1000.0,
       (abs(random()) % 1000) / 1000.0, (abs(random()) % 2000) / 1000.0 - 1
FROM n;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 2999)
INSERT INTO seasonality_profiles (symbol, timeframe, dim, bin, measure, score, n, baseline, lift, metrics, start, "end",
                                  spec_id, dataset_id, created_at, ukey)
SELECT CASE i % 3 WHEN 0 THEN 'EURUSD' WHEN 1 THEN 'ES' ELSE 'BTCUSD' END, 'M1', 'hour', CAST(i % 24 AS TEXT),
       'direction', 0.5 + (i % 7) / 100.0, 300 + i, 0.5, (i % 7) / 100.0,
       '{"run_len_up_mean": 1.9, "n_runs": 120, "p_reversal_n": 0.48, "amp_mean": 0.0021, "ret_p50": 0.0001}',
       '2024-01-01', '2024-12-31', 'load_' || (i / 72), 'demo', '2026-01-01 00:00:' || printf('%02d', i % 60),
       'load-' || i
FROM n;
SQL
QE_HOME=$home QE_LOG=warn "$qe" serve --addr 127.0.0.1:0 > "$home/out" &
server=$!
for _ in $(seq 1 100); do grep -q listening "$home/out" 2>/dev/null && break; sleep 0.1; done
base=$(sed -n 's/^listening on //p' "$home/out")
echo "qe: $qe ($("$qe" --version)), $(nproc) cores, wrk -t2 -c64 -d${secs}s"
for path in "/runs/load/trials?page=1&page_size=50" "/runs/load/trials?order_by=sharpe.desc&page=40&page_size=50" \
            "/seasonality/profiles" "/seasonality/profiles?symbol=ES&dim=hour&page_size=50"; do
  curl -sf "$base$path" | python3 -c 'import json,sys; print("rows:", len(json.load(sys.stdin)))'
  echo "== GET $path"
  wrk -t2 -c64 -d"${secs}s" --latency "$base$path" | grep -E "Requests/sec|99%|50%|Non-2xx"
done
