#!/usr/bin/env bash
# Runs every test: Rust unit and integration tests (SQLite and MariaDB), then the browser tests
# against a real `qe serve` in Debian's chromium. Fails on the first failing suite.
set -euo pipefail
cd "$(dirname "$0")/.."
source /opt/rust-web/env.sh

# MariaDB: QE_TEST_MYSQL_URL if given, else a local `qe` user created through the root socket.
if [ -z "${QE_TEST_MYSQL_URL:-}" ]; then
  if mariadb -uroot -h127.0.0.1 -e 'SELECT 1' >/dev/null 2>&1; then
    export QE_TEST_MYSQL_URL=mysql://root@127.0.0.1:3306/test
  else
    mariadb -uroot -e "CREATE DATABASE IF NOT EXISTS test; CREATE USER IF NOT EXISTS 'qe'@'127.0.0.1' IDENTIFIED BY 'qe'; GRANT ALL ON *.* TO 'qe'@'127.0.0.1'; FLUSH PRIVILEGES;"
    export QE_TEST_MYSQL_URL=mysql://qe:qe@127.0.0.1:3306/test
  fi
fi
# MySQL-backed tests fail instead of skipping when the server is expected.
export QE_REQUIRE_MYSQL=1

# One native build configuration only: `cargo test` over the workspace builds the `qe` binary that the
# black-box and browser tests run (a separate `cargo leptos build` of the server would enable other
# features on polars' dependencies and compile polars a second time).
echo "== site build (wasm on rust-web, debug) into ./target/site"
env -u CARGO_TARGET_DIR cargo +rust-web leptos build --frontend-only
echo "== rust tests"
cargo +stable test --workspace --exclude frontend --no-fail-fast
echo "== browser tests"
target_dir=$(realpath -m "${CARGO_TARGET_DIR:-target}")
(cd end2end && QE_BIN="$target_dir/debug/qe" QE_SITE_ROOT=../target/site node --test --test-concurrency=1)
