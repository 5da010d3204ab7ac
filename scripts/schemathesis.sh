#!/usr/bin/env bash
# Fuzz the REST API with schemathesis (every default check, stateful links included) against a
# real server with a fresh data folder. Usage: schemathesis.sh PATH_TO_CONSULT_BINARY
# Extra `st run` options may follow (e.g. --max-examples 200 --seed N).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
bin="$1"; shift
py="$VENV/bin/python"
data=$(mktemp -d)
port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"

"$bin" clients create --name schemathesis --quota-limit 1000000 --data "$data" > "$data/client.json"
"$bin" serve --data "$data" --listen "127.0.0.1:$port" > "$data/server.log" 2>&1 &
server=$!
# `|| true`: under `set -e` the killed server's status would otherwise become the script's.
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$data"' EXIT

token=$("$py" - "$base" "$data/client.json" <<'PY'
import json, sys, time, urllib.request
base, creds = sys.argv[1], json.load(open(sys.argv[2]))
for _ in range(200):
    try:
        urllib.request.urlopen(base + "/healthz", timeout=1)
        break
    except OSError:
        time.sleep(0.1)
body = json.dumps({"grant_type": "client_credentials", **creds}).encode()
req = urllib.request.Request(base + "/api/v2/oauth2/token", body, {"content-type": "application/json"})
print(json.load(urllib.request.urlopen(req))["access_token"])
PY
)

log "schemathesis against $base/api/openapi.json"
status=0
"$VENV/bin/st" run "$base/api/openapi.json" \
  --header "Authorization: Bearer $token" \
  --max-examples 50 \
  --no-color \
  "$@" || status=$?
# Every answer must have been a deliberate one: no internal error in the server's log either.
if grep -E "ERROR|panicked" "$data/server.log"; then
  log "the server logged errors during the run"
  status=1
fi
exit $status
