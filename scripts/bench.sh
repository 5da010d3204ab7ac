#!/usr/bin/env bash
# Benchmarks: builds the widget, then measures and writes bench/results.md and the README's
# benchmark sections (each benchmark its own). Not part of the tests (timings are not assertions).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
setup_build_tools
setup_test_tools
build_widget
command -v wrk >/dev/null || apt_install wrk
setup_peerjs
cargo bench --features ssr --bench journey
# The REST rows on SQLite, then on a PostgreSQL cluster of the bench's own (as the tests').
trap stop_postgres EXIT
start_postgres
cargo bench --features ssr --bench api
# Three nodes on one database and one bus (nats-server, installed by setup_test_tools).
cargo bench --features ssr --bench cluster
stop_postgres
cargo bench --features ssr --bench signaling
cargo bench --features ssr --bench viewers
