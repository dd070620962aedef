#!/usr/bin/env bash
# Fuzzes the JSON API with schemathesis from its own /openapi.json (issue 21): a bounded run, a few examples per
# operation, checking that no answer is a 5xx and that every documented answer fits its schema.
#
#   scripts/schemathesis.sh [path/to/qe]      # default: the debug build in the cache's target dir
#   ST_MAX_EXAMPLES=25 scripts/schemathesis.sh  # more examples per operation (default 10)
#
# Installs schemathesis with pip into a venv under the cache dir the first time (PyPI must be reachable). Not run
# by CI: it needs Python and the network, and takes minutes. The figures of the last run are in docs/RELIABILITY.md.
set -euo pipefail
cd "$(dirname "$0")/.."

cache="${QE_CACHE_DIR:-$HOME/.cache/quant-engine}"
venv="$cache/schemathesis-venv"
qe="${1:-${QE_BIN:-${CARGO_TARGET_DIR:-$cache/target}/debug/qe}}"
examples="${ST_MAX_EXAMPLES:-10}"
seed="${ST_SEED:-21}"

[ -x "$qe" ] || { echo "no qe binary at $qe: build it (cargo build -p server) or pass its path" >&2; exit 2; }
if [ ! -x "$venv/bin/schemathesis" ]; then
    echo "installing schemathesis into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "schemathesis>=4,<5"
fi

home="$(mktemp -d)"
pid=""
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$home"
}
trap cleanup EXIT

# The demo jobs fill every kind of stored result, so the read endpoints answer rows whose schemas are checked too.
QE_HOME="$home" QE_DATA_ROOT="$home" QE_LOG=warn \
    "$qe" serve --addr 127.0.0.1:0 --seed-demo --seed-demo-wait >"$home/stdout" 2>"$home/stderr" &
pid=$!
for _ in $(seq 600); do
    grep -q "^listening on " "$home/stdout" 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || { cat "$home/stderr" >&2; exit 1; }
    sleep 0.1
done
base="$(sed -n 's/^listening on //p' "$home/stdout" | head -1)"
[ -n "$base" ] || { echo "qe serve did not start" >&2; exit 1; }
echo "qe serve at $base; schemathesis $("$venv/bin/schemathesis" --version | awk '{print $NF}'), $examples examples per operation"

# The levels endpoints answer 500 `MySQL URL not configured` by design (the original's answer, documented), so
# they are left out of the 5xx check.
report="$home/report"
set +e
# Run from the temporary home: schemathesis keeps a cache (.schemathesis/) in its working directory.
cd "$home"
"$venv/bin/schemathesis" run "$base/openapi.json" \
    --checks not_a_server_error,response_schema_conformance \
    --exclude-path-regex '^/levels' \
    --max-examples "$examples" --seed "$seed" --workers 1 --request-timeout 30 \
    --report ndjson --report-dir "$report" | tee "$home/run.txt"
status=${PIPESTATUS[0]}
set -e

python3 - "$report" "$home/stderr" <<'EOF'
import collections, glob, json, sys
statuses = collections.Counter()
failures = collections.Counter()
for path in glob.glob(sys.argv[1] + "/*.ndjson"):
    for line in open(path):
        event = json.loads(line)
        (kind, body), = event.items()
        if kind != "ScenarioFinished":
            continue
        for case in body.get("recorder", {}).get("interactions", {}).values():
            response = case.get("response")
            statuses[response["status_code"] if response else "no response"] += 1
        for checks in body.get("recorder", {}).get("checks", {}).values():
            for check in checks:
                if check.get("status") == "FAILURE":
                    failures[check["name"]] += 1
sent = sum(statuses.values())
server_errors = sum(n for s, n in statuses.items() if isinstance(s, int) and s >= 500)
print(f"requests sent: {sent}")
print(f"answers by status: {dict(sorted(statuses.items(), key=str))}")
print(f"5xx answers: {server_errors}")
print(f"failed checks: {dict(failures) or 0}")
panics = sum(1 for line in open(sys.argv[2]) if "panicked" in line)
print(f"panics in the server log: {panics}")
EOF
exit "$status"
