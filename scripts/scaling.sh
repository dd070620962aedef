#!/usr/bin/env bash
# Figures for docs/SCALING.md: one optimisation on the in-process executor and on 1, 2 and 3 `qe worker`s over a
# real nats-server, plus the cost of shipping a long series through the object store.
# Usage: scripts/scaling.sh [QE_BIN]   (default: $CARGO_TARGET_DIR/debug/qe). Needs nats-server and curl.
set -euo pipefail
QE="${1:-${CARGO_TARGET_DIR:-target}/debug/qe}"
NATS_BIN="$(command -v nats-server || echo /usr/sbin/nats-server)"
WORK="$(mktemp -d)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT
PORT=$((20000 + RANDOM % 20000))
"$NATS_BIN" -js -a 127.0.0.1 -p "$PORT" -sd "$WORK/nats" >/dev/null 2>&1 &
PIDS+=($!)
NATS="nats://127.0.0.1:$PORT"
sleep 1

DAYS="${DAYS:-366}"
"$QE" data synth --days "$DAYS" --out "$WORK/data" >/dev/null
FAST="${FAST:-[5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20]}"
SLOW="${SLOW:-[30,35,40,45,50,55,60,65,70,75,80,85,90,95,100,105]}"
SPEC="{\"data\": {\"dataset_path\": \"demo.parquet\", \"symbols\": [\"EURUSD\", \"ES\", \"BTCUSD\"], \"start\": \"2024-01-01\", \"end\": \"2024-12-31\"},
 \"strategy\": {\"filters\": {\"ema_fast\": 9, \"ema_slow\": 26}, \"tpsl\": {\"atr_k\": 2.0},
 \"validation\": {\"train_months\": 3, \"test_months\": 1, \"folds\": 6, \"embargo_days\": 0}, \"objective\": \"sharpe\",
 \"search_space\": {\"ema_fast\": $FAST, \"ema_slow\": $SLOW}}}"

serve() { # serve HOME [NATS_URL]: starts a server (killed on exit) and sets BASE to its URL
  local home="$1"; shift
  mkdir -p "$home"
  env QE_HOME="$home" QE_DATA_ROOT="$WORK/data" QE_LOG=warn ${1:+QE_NATS_URL="$1"} \
    "$QE" serve --addr 127.0.0.1:0 >"$home/out" 2>"$home/err" &
  PIDS+=($!)
  for _ in $(seq 1 100); do grep -q listening "$home/out" 2>/dev/null && break; sleep 0.1; done
  BASE=$(sed -n 's/^listening on //p' "$home/out")
}

submit() { # submit BASE -> prints seconds and job id
  local start end id
  start=$(date +%s.%N)
  id=$(curl -sf -H 'Content-Type: application/json' -d "$SPEC" "$1/submit" | sed 's/.*"id":"\([0-9a-f]*\)".*/\1/')
  end=$(date +%s.%N)
  echo "$(echo "$end - $start" | bc) $id"
}

serve "$WORK/local"; base=$BASE
read -r t id <<<"$(submit "$base")"
echo "in-process: ${t}s"

serve "$WORK/nats-home" "$NATS"; base=$BASE
for n in 1 2 3; do
  WPIDS=()
  for k in $(seq 1 "$n"); do
    QE_LOG=warn "$QE" worker --nats "$NATS" --name "w$k" >/dev/null 2>&1 &
    WPIDS+=($!); PIDS+=($!)
  done
  for _ in $(seq 1 100); do [ "$(curl -sf "$base/workers" | grep -o '"worker"' | wc -l)" -ge "$n" ] && break; sleep 0.1; done
  read -r t id <<<"$(submit "$base")"
  tasks=$(curl -sf "$base/jobs/$id/tasks" | grep -o '"task"' | wc -l)
  trials=$(curl -sf "$base/jobs/$id/tasks" | grep -o '"trials":[0-9]*' | cut -d: -f2 | paste -sd+ | bc)
  echo "$n worker(s): ${t}s, $tasks tasks, $trials trials"
  for p in "${WPIDS[@]}"; do kill -TERM "$p"; wait "$p" 2>/dev/null || true; done
done

# With LONG=1: the cost of shipping a 10-year 1-minute series through the object store: one trial on EURUSD,
# in-process and on one worker (the difference is the upload, the worker's download and one task's overhead).
if [ "${LONG:-0}" = 1 ]; then
  "$QE" data synth --days 3650 --bar-minutes 1 --name long --out "$WORK/data" >/dev/null
  SPEC="{\"data\": {\"dataset_path\": \"long.parquet\", \"symbols\": [\"EURUSD\"], \"start\": \"2024-01-01\", \"end\": \"2033-12-31\"},
   \"strategy\": {\"filters\": {\"ema_fast\": 9, \"ema_slow\": 26}, \"tpsl\": {\"atr_k\": 2.0},
   \"validation\": {\"train_months\": 12, \"test_months\": 12, \"folds\": 8, \"embargo_days\": 0}, \"objective\": \"sharpe\",
   \"search_space\": {\"ema_fast\": [9], \"ema_slow\": [26], \"atr_k\": [2.0], \"R\": [2.0]}}}"
  serve "$WORK/long-local"; local_base=$BASE
  read -r t _ <<<"$(submit "$local_base")"
  echo "10-year 1-minute EURUSD, one trial, in-process: ${t}s"
  QE_LOG=warn "$QE" worker --nats "$NATS" --name long >/dev/null 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 100); do [ "$(curl -sf "$base/workers" | grep -o '"worker"' | wc -l)" -ge 1 ] && break; sleep 0.1; done
  read -r t _ <<<"$(submit "$base")"
  echo "10-year 1-minute EURUSD, one trial, on one worker (series shipped): ${t}s"
  read -r t _ <<<"$(submit "$base")"
  echo "the same again (series stored and cached): ${t}s"
fi
