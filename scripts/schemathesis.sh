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

# Prints the API token, a rooms API key of a new company with a budget that the run cannot
# use up (its own limit is tested elsewhere), and a token of that company's own client (the
# appointments API).
read -r token key company_token < <("$py" - "$base" "$data/client.json" <<'PY'
import json, sys, time, urllib.request
base, creds = sys.argv[1], json.load(open(sys.argv[2]))
# Until the server answers, or five minutes pass (only a hang takes that long).
deadline = time.monotonic() + 300
while True:
    try:
        urllib.request.urlopen(base + "/healthz", timeout=5)
        break
    except OSError:
        if time.monotonic() > deadline:
            raise
        time.sleep(0.1)
def call(method, path, body, token=None):
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = "Bearer " + token
    req = urllib.request.Request(base + path, json.dumps(body).encode(), headers, method=method)
    return json.load(urllib.request.urlopen(req))
token = call("POST", "/api/v2/oauth2/token", {"grant_type": "client_credentials", **creds})["access_token"]
company = call("POST", "/api/v2/management/companies", {
    "name": "Schemathesis rooms",
    "contact": {"first_name": "S", "last_name": "T", "email": "st@example.com", "phone": "+31201234567", "language": "en"},
    "package": "594a5befcc9d4f9e2f1da19a"}, token)["result"]["id"]
call("PATCH", "/api/v2/management/companies/" + company, {"room_api_points": 1000000}, token)
key = call("POST", "/api/v2/management/api-keys", {"name": "schemathesis", "company": company}, token)["result"]["key"]
client = call("POST", "/api/v2/management/clients", {"name": "schemathesis appointments", "entity": {"type": "company", "id": company}}, token)["result"]
company_token = call("POST", "/api/v2/oauth2/token", {"grant_type": "client_credentials", "client_id": client["client_id"], "client_secret": client["client_secret"]})["access_token"]
print(token, key, company_token)
PY
)

log "schemathesis against $base/api/openapi.json"
status=0
"$VENV/bin/st" run "$base/api/openapi.json" \
  --header "Authorization: Bearer $token" \
  --max-examples 50 \
  --no-color \
  "$@" || status=$?
log "schemathesis against $base/whereby/openapi.json"
"$VENV/bin/st" run "$base/whereby/openapi.json" \
  --header "Authorization: Bearer $key" \
  --max-examples 50 \
  --no-color \
  "$@" || status=$?
log "schemathesis against $base/api/v1/appointments/openapi.json"
"$VENV/bin/st" run "$base/api/v1/appointments/openapi.json" \
  --header "Authorization: Bearer $company_token" \
  --max-examples 50 \
  --no-color \
  "$@" || status=$?
# Every answer must have been a deliberate one: no internal error in the server's log either.
if grep -E "ERROR|panicked" "$data/server.log"; then
  log "the server logged errors during the run"
  status=1
fi
exit $status
