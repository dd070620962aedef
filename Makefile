# The two commands a newcomer needs: `make serve` and `make test`. Both set everything up first.
SHELL := /bin/bash

.PHONY: setup serve test
setup:
	bash scripts/setup.sh

# Release build, demo data seeded into the embedded SQLite database if it is empty, served on 127.0.0.1:3000.
serve: setup
	source /opt/rust-web/env.sh && LEPTOS_BIN_CARGO_COMMAND="cargo +stable" cargo +rust-web leptos build --release
	./target/release/qe serve --seed-demo --site-root target/site --addr $${QE_ADDR:-127.0.0.1:3000}

# Every test: unit, integration, MariaDB-backed and browser.
test: setup
	bash scripts/test.sh
