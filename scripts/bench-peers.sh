#!/usr/bin/env bash
# Peers benchmark (issue 28): runs qe's EMA-cross grid with an ATR stop and target on the same generated bars with
# qe, vectorbt and backtesting.py, and prints wall time, CPU time, peak RSS and the ratios to qe, then whether each
# peer's trades agree with qe's and which of its rules explain where they do not. Optional: not run by CI or
# `make test`. Figures and the command are in docs/PERFORMANCE.md ("Peers (issue 28)").
#
#   bash scripts/bench-peers.sh [NEW_QE] [OLD_QE]
#
# NEW_QE defaults to $CARGO_TARGET_DIR/debug/qe (or target/debug/qe). With OLD_QE as well both binaries are timed
# in the same run, alternately (REPEATS runs each, medians reported), and the ratios are to the first.
#
# Environment:
#   DAYS=366            days of 1-minute BTCUSD bars from 2024-01-01 (`qe data synth`, deterministic, 24/7)
#   FAST, SLOW, R       grid lists (default: EMA 3 5 … 21 × 30 40 … 120, R 1 … 5 = 500 trials); ATR_K=2
#   GRID=N              N fast and N slow EMAs spread over the default lists instead (R unchanged)
#   QUICK=1             DAYS=30 and GRID=3 unless set: checks the script in a minute or two
#   REPEATS=3           qe runs per binary (after one warm-up run each)
#   BT_TRIALS=3         backtesting.py trials timed (spread over the grid); the grid's time is EXTRAPOLATED
#   SKIP_VECTORBT=1, SKIP_BACKTESTING=1   leave a peer out
#   VBT_MODE=pair|grid  vectorbt: one call per EMA pair, its R values as columns (default), or the whole grid in
#                       one call (needs ~150 B per bar-trial: ~40 GB for the default size, more than the 24 GB here)
#   VBT_FILL=close|open vectorbt: fill at the signal bar's close (= next open on these bars; default) or shift the
#                       signals and fill at the open (see scripts/peers/vectorbt_grid.py)
#   PEERS_VENV          virtualenv with the pinned peers (default $HOME/.cache/quant-engine/peers-venv; created
#                       with PYTHON, default /usr/bin/python3, and pip from PyPI on first use)
#
# qe runs `qe --json run --spec F --no-store` on a grid spec written here (train_months 0, one fold over the whole
# period); each tool is timed as a whole process with /usr/bin/time (Debian's `time` package). Temporary files live
# in a mktemp directory removed on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PEERS="$ROOT/scripts/peers"
NEW_QE=${1:-${CARGO_TARGET_DIR:-$ROOT/target}/debug/qe}
OLD_QE=${2:-}

if [[ "${QUICK:-0}" == 1 ]]; then
  DAYS=${DAYS:-30}
  GRID=${GRID:-3}
fi
DAYS=${DAYS:-366}
DEFAULT_FAST="3 5 7 9 11 13 15 17 19 21"
DEFAULT_SLOW="30 40 50 60 70 80 90 100 110 120"
spread() { # spread N "LIST": N values spread evenly over LIST, first and last included
  local n=$1 list=($2) out=() i
  ((n >= ${#list[@]})) && { echo "${list[*]}"; return; }
  ((n == 1)) && { echo "${list[0]}"; return; }
  for ((i = 0; i < n; i++)); do out+=("${list[$(((i * (${#list[@]} - 1) + (n - 1) / 2) / (n - 1)))]}"); done
  echo "${out[*]}"
}
if [[ -n "${GRID:-}" ]]; then
  FAST=${FAST:-$(spread "$GRID" "$DEFAULT_FAST")}
  SLOW=${SLOW:-$(spread "$GRID" "$DEFAULT_SLOW")}
fi
export FAST=${FAST:-$DEFAULT_FAST} SLOW=${SLOW:-$DEFAULT_SLOW} R=${R:-1 2 3 4 5} ATR_K=${ATR_K:-2}
export BT_TRIALS=${BT_TRIALS:-3} VBT_MODE=${VBT_MODE:-pair} VBT_FILL=${VBT_FILL:-close}
REPEATS=${REPEATS:-3}
PEERS_VENV=${PEERS_VENV:-$HOME/.cache/quant-engine/peers-venv}

die() { echo "bench-peers: $*" >&2; exit 1; }
log() { echo "== $*" >&2; }

for q in "$NEW_QE" ${OLD_QE:+"$OLD_QE"}; do
  [[ -x "$q" ]] || die "no qe binary at $q (build it, or pass its path: bash scripts/bench-peers.sh NEW_QE [OLD_QE])"
done
if [[ ! -x /usr/bin/time ]]; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    log "installing Debian's time package"
    apt-get install -y -qq time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
  else
    die "needs /usr/bin/time (Debian: apt-get install time)"
  fi
fi

# The virtualenv with the pinned peers.
PY="$PEERS_VENV/bin/python"
if [[ ! -x "$PY" ]]; then
  log "creating $PEERS_VENV"
  "${PYTHON:-/usr/bin/python3}" -m venv "$PEERS_VENV"
fi
if ! "$PY" -c 'import importlib.metadata as m, sys
sys.exit(not (m.version("vectorbt") == "1.2.0" and m.version("backtesting") == "0.6.6"))' 2>/dev/null; then
  log "installing vectorbt 1.2.0 and backtesting 0.6.6 into $PEERS_VENV"
  "$PY" -m pip install -q "vectorbt==1.2.0" "backtesting==0.6.6"
fi
export NUMBA_CACHE_DIR="$PEERS_VENV/numba-cache" PYTHONDONTWRITEBYTECODE=1

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
export QE_HOME="$WORK/qe-home"

# The bars: qe's own deterministic generator (EURUSD, ES, BTCUSD; the BTCUSD series is used, 24/7).
log "generating $DAYS days of 1-minute bars"
"$NEW_QE" data synth --days "$DAYS" --bar-minutes 1 --out "$WORK/data" >&2
CSV="$WORK/data/demo.csv"
[[ -s "$CSV" ]] || die "qe data synth wrote no $CSV"

# The spec: the grid, one fold over the whole period, selection in-sample.
END=$(date -u -d "2024-01-01 + $((DAYS - 1)) days" +%F)
TEST_MONTHS=$((DAYS / 28 + 2))
json_list() { local x out=""; for x in $1; do out+="${out:+, }$x"; done; echo "[$out]"; }
cat >"$WORK/spec.json" <<EOF
{
  "data": {"dataset_path": "$CSV", "symbols": ["BTCUSD"], "timeframe": "1m", "start": "2024-01-01", "end": "$END"},
  "strategy": {
    "filters": {"ema_fast": 9, "ema_slow": 26},
    "tpsl": {"atr_k": $ATR_K},
    "validation": {"train_months": 0, "test_months": $TEST_MONTHS, "folds": 1, "embargo_days": 0},
    "objective": "sharpe",
    "search_space": {"ema_fast": $(json_list "$FAST"), "ema_slow": $(json_list "$SLOW"), "R": $(json_list "$R")}
  }
}
EOF

# qe: one warm-up run per binary, then REPEATS timed runs each, alternating.
LABELS=(new)
declare -A QE_BIN=([new]="$NEW_QE")
if [[ -n "$OLD_QE" ]]; then
  LABELS+=(old)
  QE_BIN[old]="$OLD_QE"
fi
run_qe() { # run_qe LABEL TIME_FILE
  rm -rf "$WORK/out_$1"
  /usr/bin/time -f "%e %U %S %M" -o "$2" "${QE_BIN[$1]}" --json run --spec "$WORK/spec.json" --no-store \
    --out "$WORK/out_$1" >"$WORK/qe_$1.json" 2>"$WORK/qe_$1.err" ||
    { cat "$WORK/qe_$1.err" >&2; die "qe ($1) failed"; }
}
for l in "${LABELS[@]}"; do
  log "qe ($l: ${QE_BIN[$l]}) warm-up run"
  run_qe "$l" "$WORK/warmup_$l"
done
for ((k = 1; k <= REPEATS; k++)); do
  for l in "${LABELS[@]}"; do
    log "qe ($l) run $k/$REPEATS"
    run_qe "$l" "$WORK/time_${l}_$k"
  done
done
export QE_LABELS="${LABELS[*]}"
if [[ -z "$OLD_QE" ]]; then
  export QE_NAME_new="qe"
else
  export QE_NAME_new="qe new" QE_NAME_old="qe old"
fi

run_peer() { # run_peer NAME SCRIPT OUT
  local rc=0
  /usr/bin/time -f "%e %U %S %M" -o "$WORK/time_$1" "$PY" "$PEERS/$2" "$CSV" "$WORK/$3" 2>"$WORK/$1.err" || rc=$?
  if ((rc != 0)); then
    tail -n 30 "$WORK/$1.err" "$WORK/time_$1" >&2
    die "$2 failed (exit status $rc$( ((rc == 137)) && echo ', killed: out of memory?'))"
  fi
}
log "compiling the numba functions (untimed; cached in $NUMBA_CACHE_DIR)"
"$PY" "$PEERS/vectorbt_grid.py" --warmup
if [[ "${SKIP_VECTORBT:-0}" != 1 ]]; then
  log "vectorbt ($VBT_MODE, fill at $VBT_FILL)"
  run_peer vbt vectorbt_grid.py vbt.json
fi
if [[ "${SKIP_BACKTESTING:-0}" != 1 ]]; then
  log "backtesting.py ($BT_TRIALS trials)"
  run_peer bt backtestingpy_grid.py bt.json
fi

echo "bench-peers: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "qe${OLD_QE:+ new}: $NEW_QE${OLD_QE:+; qe old: $OLD_QE}; peers: $PY"
"$PY" "$PEERS/report.py" "$WORK" "$CSV"
