#!/usr/bin/env bash
# Installs what building and testing Consult needs, only when missing (idempotent).
# Source it: `. scripts/setup.sh; setup_build_tools; setup_test_tools`.
# Tools that are not Cargo binaries go to $CONSULT_CACHE (default ~/.cache/consult).

CONSULT_CACHE="${CONSULT_CACHE:-$HOME/.cache/consult}"
TRUNK_VERSION=0.21.14
BINARYEN_VERSION=132
# The interactive API reference (/api/docs).
SWAGGER_UI_VERSION=5.35.0
SCHEMATHESIS_VERSION=4.32.5
AIOSMTPD_VERSION=1.4.6
ICALENDAR_VERSION=7.3.0
# moto's S3 server: the S3-compatible store of the recordings tests (started by the tests).
MOTO_VERSION=5.2.5
AXE_VERSION=4.11.0
# ESLint for the JavaScript (embed.js, the JS tests).
ESLINT_VERSION=9.39.5
GLOBALS_VERSION=16.3.0
# The signaling benchmark's peer: PeerJS server (npm `peer`) and its browser client (`peerjs`).
PEER_SERVER_VERSION=1.0.2
PEERJS_CLIENT_VERSION=1.5.5
VENV="$CONSULT_CACHE/venv"
# Builds go outside the checkout, so a second run (or a second clone) reuses them.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$CONSULT_CACHE/target}"

log() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

# Run as root, through sudo when we are not root.
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    log "need root for: $*"; return 1; fi
}

apt_install() {
  log "apt-get install $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q "$@" >/dev/null
}

# The wasm-bindgen version Cargo.lock pins (wasm-bindgen-cli must match it exactly).
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

setup_build_tools() {
  export PATH="$HOME/.cargo/bin:$CONSULT_CACHE/binaryen/node_modules/.bin:$PATH"
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    log "adding the wasm32 target"
    rustup target add wasm32-unknown-unknown
  fi
  if ! trunk --version 2>/dev/null | grep -q " $TRUNK_VERSION"; then
    log "installing trunk $TRUNK_VERSION (about 10 minutes, once)"
    cargo install trunk --version "$TRUNK_VERSION" --locked
  fi
  local wbg
  wbg=$(wasm_bindgen_version)
  if ! wasm-bindgen --version 2>/dev/null | grep -q " $wbg"; then
    log "installing wasm-bindgen-cli $wbg (about 5 minutes, once)"
    # Not --locked: one of its locked dependencies is not on every registry mirror.
    cargo install wasm-bindgen-cli --version "$wbg"
  fi
  if ! wasm-opt --version 2>/dev/null | grep -q "version $BINARYEN_VERSION"; then
    command -v npm >/dev/null || apt_install nodejs npm
    log "installing wasm-opt (npm binaryen@$BINARYEN_VERSION)"
    npm install --silent --no-audit --no-fund --prefix "$CONSULT_CACHE/binaryen" "binaryen@$BINARYEN_VERSION" >/dev/null
  fi
  # Trunk builds offline (Trunk.toml): fetch crates first.
  cargo fetch --quiet
}

setup_test_tools() {
  local missing=()
  command -v chromium >/dev/null || missing+=(chromium)
  command -v chromedriver >/dev/null || missing+=(chromium-driver)
  # coturn: the TURN server of the relay tests (started by the tests themselves, on loopback).
  command -v turnserver >/dev/null || missing+=(coturn)
  # nginx: the reverse proxy of the keep-alive test (started by the test itself, on loopback).
  [ -x /usr/sbin/nginx ] || command -v nginx >/dev/null || missing+=(nginx-light)
  # nats-server: the bus of the cluster tests (started by the tests themselves, on loopback).
  [ -x /usr/sbin/nats-server ] || command -v nats-server >/dev/null || missing+=(nats-server)
  # ffprobe (Debian's ffmpeg): reads the recordings the recording tests make.
  command -v ffprobe >/dev/null || missing+=(ffmpeg)
  command -v python3 >/dev/null || missing+=(python3 python3-venv)
  # kill(1) from procps: the tests signal a whole process group with it.
  [ -x /bin/kill ] || [ -x /usr/bin/kill ] || missing+=(procps)
  if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi
  # Python tools of the tests: schemathesis (API fuzzing), aiosmtpd (a real SMTP server) and
  # icalendar (an independent reader of the calendar files we send).
  if ! "$VENV/bin/python" -c "import schemathesis, aiosmtpd, icalendar, sys; \
      sys.exit(schemathesis.__version__ != '$SCHEMATHESIS_VERSION')" 2>/dev/null; then
    log "installing schemathesis $SCHEMATHESIS_VERSION, aiosmtpd $AIOSMTPD_VERSION, icalendar $ICALENDAR_VERSION (venv in $VENV)"
    python3 -m venv "$VENV" || { apt_install python3-venv && python3 -m venv "$VENV"; }
    "$VENV/bin/pip" install --quiet --disable-pip-version-check \
      "schemathesis==$SCHEMATHESIS_VERSION" "aiosmtpd==$AIOSMTPD_VERSION" "icalendar==$ICALENDAR_VERSION"
  fi
  # moto: an S3-compatible server (`moto_server`) the recordings-store tests start on loopback.
  if ! "$VENV/bin/python" -c "import moto, flask, sys; sys.exit(moto.__version__ != '$MOTO_VERSION')" 2>/dev/null; then
    log "installing moto[server] $MOTO_VERSION (venv in $VENV)"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
  fi
  export CONSULT_PYTHON="$VENV/bin/python"
  # axe-core, the accessibility checker the browser tests run on every step of the form.
  local axe="$CONSULT_CACHE/axe/node_modules/axe-core/axe.min.js"
  if ! grep -q "axe v$AXE_VERSION" "$axe" 2>/dev/null; then
    command -v npm >/dev/null || apt_install nodejs npm
    log "installing axe-core $AXE_VERSION (npm)"
    npm install --silent --no-audit --no-fund --prefix "$CONSULT_CACHE/axe" "axe-core@$AXE_VERSION" >/dev/null
  fi
  export CONSULT_AXE="$axe"
  local eslint="$CONSULT_CACHE/eslint/node_modules"
  if ! node -e "const v = (p) => require('$eslint/' + p + '/package.json').version;
      process.exit(v('eslint') === '$ESLINT_VERSION' && v('@eslint/js') === '$ESLINT_VERSION'
        && v('globals') === '$GLOBALS_VERSION' ? 0 : 1)" 2>/dev/null; then
    command -v npm >/dev/null || apt_install nodejs npm
    log "installing eslint $ESLINT_VERSION (npm, in $CONSULT_CACHE/eslint)"
    npm install --silent --no-audit --no-fund --save-exact --prefix "$CONSULT_CACHE/eslint" \
      "eslint@$ESLINT_VERSION" "@eslint/js@$ESLINT_VERSION" "globals@$GLOBALS_VERSION" >/dev/null
  fi
  export CONSULT_ESLINT_MODULES="$eslint"
}

# A PostgreSQL server of our own for the tests: Debian's `postgresql` package (installed when
# missing), a fresh cluster in a temporary folder listening on a free loopback port only,
# trusting local connections (tests only), fsync off and a small write-ahead log (tests only:
# the cluster is thrown away). Exports CONSULT_TEST_POSTGRES (the server's URL; each test makes its own database
# there) and CONSULT_PG_DIR; `stop_postgres` stops it. An already running server is never
# used or touched.
start_postgres() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    apt_install postgresql
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  fi
  local dir port run=()
  dir=$(mktemp -d "${TMPDIR:-/tmp}/consult-pg.XXXXXX")
  # initdb refuses to run as root: the cluster belongs to the `postgres` user then.
  if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; run=(runuser -u postgres --); fi
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "${run[@]}" "$bin/initdb" -D "$dir/data" -A trust -U consult --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; return 1; }
  "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 120 start \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c fsync=off -c full_page_writes=off -c wal_level=minimal -c max_wal_senders=0 -c max_wal_size=64MB -c max_connections=400" >/dev/null \
    || { cat "$dir/server.log" >&2; return 1; }
  export CONSULT_PG_DIR="$dir" CONSULT_PG_BIN="$bin"
  export CONSULT_TEST_POSTGRES="postgres://consult@127.0.0.1:$port"
  log "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') for the tests on 127.0.0.1:$port ($dir)"
}

stop_postgres() {
  [ -n "${CONSULT_PG_DIR:-}" ] || return 0
  local run=()
  if [ "$(id -u)" = 0 ]; then run=(runuser -u postgres --); fi
  "${run[@]}" "$CONSULT_PG_BIN/pg_ctl" -D "$CONSULT_PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$CONSULT_PG_DIR"
  unset CONSULT_PG_DIR CONSULT_TEST_POSTGRES
}

# PeerJS server and browser client for the signaling benchmark, in $CONSULT_CACHE/peerjs.
setup_peerjs() {
  local dir="$CONSULT_CACHE/peerjs"
  if ! node -e "const v = (p) => require('$dir/node_modules/' + p + '/package.json').version;
      process.exit(v('peer') === '$PEER_SERVER_VERSION' && v('peerjs') === '$PEERJS_CLIENT_VERSION' ? 0 : 1)" 2>/dev/null; then
    command -v npm >/dev/null || apt_install nodejs npm
    log "installing PeerJS server $PEER_SERVER_VERSION and client $PEERJS_CLIENT_VERSION (npm, in $dir)"
    npm install --silent --no-audit --no-fund --save-exact --prefix "$dir" \
      "peer@$PEER_SERVER_VERSION" "peerjs@$PEERJS_CLIENT_VERSION" >/dev/null
  fi
  export CONSULT_PEERJS="$dir/node_modules"
}

# Build the widget into dist/ (release: what visitors get).
build_widget() {
  log "building the widget (trunk build --release): the full app, then each page's own"
  trunk build --release
  # Each page's own build (its own wasm: only that page's code) into its own folder; after
  # the full build, which replaces dist/ as a whole.
  local page
  for page in booking call; do
    trunk build --release true --dist "dist/widget/$page" --public-url "/widget/$page/" "$page.html"
  done
  # The interactive API reference (/api/docs): Swagger UI from its npm package, served by
  # Consult itself beside the widget (Trunk replaces dist/ on every build, so after it).
  setup_api_docs
  mkdir -p dist/api-docs
  local ui="$CONSULT_CACHE/swagger-ui/node_modules/swagger-ui-dist"
  cp "$ui/swagger-ui-bundle.js" "$ui/swagger-ui-standalone-preset.js" "$ui/swagger-ui.css" \
    "$ui/LICENSE" public/api-docs/init.js dist/api-docs/
}

setup_api_docs() {
  if [ ! -f "$CONSULT_CACHE/swagger-ui/node_modules/swagger-ui-dist/package.json" ] ||
     ! grep -q "\"version\": \"$SWAGGER_UI_VERSION\"" "$CONSULT_CACHE/swagger-ui/node_modules/swagger-ui-dist/package.json"; then
    command -v npm >/dev/null || apt_install nodejs npm
    log "installing Swagger UI (npm swagger-ui-dist@$SWAGGER_UI_VERSION)"
    npm install --silent --no-audit --no-fund --prefix "$CONSULT_CACHE/swagger-ui" "swagger-ui-dist@$SWAGGER_UI_VERSION" >/dev/null
  fi
}
