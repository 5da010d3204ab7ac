#!/usr/bin/env bash
# Every test: formatting, lints for both targets, then unit, HTTP, signaling and browser tests
# against a freshly built widget, on SQLite and again on PostgreSQL. Installs what it needs
# first (see scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
setup_build_tools
setup_test_tools
# A failing test's message in one line: CI shows only the head and tail of the output, and
# backtraces pushed the messages of a failed run out of it.
export RUST_BACKTRACE=0

log "cargo fmt --check"
cargo fmt --check
log "eslint, and embed.js's white-label rules against the shared table"
"$CONSULT_ESLINT_MODULES/.bin/eslint" --config eslint.config.mjs public/embed.js public/api-docs tests/js eslint.config.mjs
node tests/js/white_label.mjs
log "clippy: server (ssr) and widget (csr, wasm32)"
cargo clippy --quiet --features ssr --all-targets -- -D warnings
cargo clippy --quiet --target wasm32-unknown-unknown --features csr -- -D warnings
build_widget
log "cargo test --features ssr (SQLite)"
cargo test --features ssr
# The same tests on PostgreSQL: a cluster of our own on loopback, a database per test.
trap stop_postgres EXIT
start_postgres
log "cargo test --features ssr (PostgreSQL, $CONSULT_TEST_POSTGRES)"
# (--include-ignored: the tests that need PostgreSQL are ignored on the SQLite pass.)
cargo test --features ssr --lib --test it -- --include-ignored
stop_postgres
log "schemathesis on the REST API"
bash scripts/schemathesis.sh "$CARGO_TARGET_DIR/debug/consult"
log "all tests passed"
