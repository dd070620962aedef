#!/usr/bin/env bash
# Sets up everything Quant Engine needs on a fresh Debian 12 machine, idempotently:
# the wasm32 toolchain, wasm-bindgen-cli, wasm-opt and cargo-leptos (scripts/setup-toolchain.sh),
# Debian's chromium, MariaDB for the MySQL-backed tests, and playwright-core for the browser tests.
# A second run only checks versions and takes a few seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*" >&2; }

# The wasm-bindgen CLI must equal the crate in Cargo.lock.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/[^0-9.]/, ""); print; exit}' Cargo.lock)
export WASM_BINDGEN_VERSION
STAMP=/opt/rust-web/.qe-setup-$(cat scripts/setup.sh scripts/setup-toolchain.sh end2end/package-lock.json | sha256sum | cut -c1-16)-$WASM_BINDGEN_VERSION

toolchain_ok() {
  [ -f /opt/rust-web/env.sh ] && command -v cargo-leptos >/dev/null && command -v wasm-opt >/dev/null &&
    [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" = "$WASM_BINDGEN_VERSION" ] &&
    rustc +rust-web --print target-list >/dev/null 2>&1 && [ -x /usr/bin/chromium ]
}

export PATH="$HOME/.cargo/bin:/usr/local/bin:$PATH"
if [ -f "$STAMP" ] && toolchain_ok; then
  log "toolchain already set up ($STAMP)"
else
  log "installing the wasm toolchain, wasm-bindgen $WASM_BINDGEN_VERSION, wasm-opt, cargo-leptos and chromium"
  INSTALL_CHROMIUM=1 bash scripts/setup-toolchain.sh
  $SUDO touch "$STAMP"
fi

# MariaDB for the MySQL-backed tests (and the marketdata feed).
if ! command -v mariadbd >/dev/null && ! [ -x /usr/sbin/mariadbd ]; then
  log "installing mariadb-server"
  $SUDO apt-get update -qq && $SUDO DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mariadb-server >/dev/null
fi
if ! mariadb-admin ping --silent >/dev/null 2>&1; then
  log "starting MariaDB"
  $SUDO start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  for _ in $(seq 1 30); do mariadb-admin ping --silent >/dev/null 2>&1 && break; sleep 1; done
fi

# nats-server for the scale-out tests (each test starts its own `nats-server -js` on a free port).
if ! command -v nats-server >/dev/null && ! [ -x /usr/sbin/nats-server ]; then
  log "installing nats-server"
  $SUDO apt-get update -qq && $SUDO DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nats-server >/dev/null
fi

# playwright-core drives Debian's chromium; it never downloads a browser.
if [ ! -d end2end/node_modules/playwright-core ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
  log "npm ci in end2end/"
  (cd end2end && npm ci --no-audit --no-fund --loglevel=error)
fi
log "ready"
