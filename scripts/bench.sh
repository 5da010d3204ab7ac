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
cargo bench --features ssr --bench api
cargo bench --features ssr --bench signaling
cargo bench --features ssr --bench viewers
