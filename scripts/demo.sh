#!/usr/bin/env bash
# Builds the widget and the server, then serves the demo: the Consult server on
# 127.0.0.1:8080 (SQLite under ./data) and a demo host page on 127.0.0.1:8081.
# Extra arguments go to `consult demo` (see `consult demo --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
setup_build_tools
build_widget
log "building the server (cargo build --release --features ssr)"
cargo build --release --features ssr --bin consult
exec "$CARGO_TARGET_DIR/release/consult" demo --dist dist "$@"
