#!/usr/bin/env bash
# A Consult cluster on this machine, in the foreground until Ctrl-C: three nodes sharing one
# PostgreSQL database and one NATS bus, behind nginx as the load balancer.
#
#   http://127.0.0.1:8090   nginx (the public URL of every node), round robin over
#   http://127.0.0.1:8091   node1: `consult demo` (the demo site and agent; the demo host page
#                           on http://127.0.0.1:8081)
#   http://127.0.0.1:8092   node2: `consult serve`
#   http://127.0.0.1:8093   node3: `consult serve`
#
# PostgreSQL is a throw-away cluster on a free loopback port (removed at stop) unless
# CONSULT_DATABASE names one; NATS is Debian's nats-server on a free loopback port unless
# CONSULT_BUS names one. Each node has its own data folder under the work folder, all with
# node1's secret.key. Ctrl-C (SIGINT, SIGTERM, SIGHUP) stops everything this script started, and
# only that.
#
# Settings (environment):
#   CONSULT_CLUSTER_DIR        work folder: data folders, logs, nginx, NATS (./data-cluster)
#   CONSULT_CLUSTER_LB_PORT    nginx (8090)
#   CONSULT_CLUSTER_NODE1_PORT, CONSULT_CLUSTER_NODE2_PORT, CONSULT_CLUSTER_NODE3_PORT
#                              the nodes (8091, 8092, 8093)
#   CONSULT_CLUSTER_HOST_PORT  the demo host page (8081)
#   CONSULT_CLUSTER_NATS_PORT  our nats-server (a free port)
#   CONSULT_CLUSTER_BUILD=0    use the widget (dist/) and server already built
#   CONSULT_DATABASE, CONSULT_BUS  an existing database / bus instead of our own
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
. scripts/setup.sh

LB_PORT=${CONSULT_CLUSTER_LB_PORT:-8090}
NODE_PORTS=("${CONSULT_CLUSTER_NODE1_PORT:-8091}" "${CONSULT_CLUSTER_NODE2_PORT:-8092}"
  "${CONSULT_CLUSTER_NODE3_PORT:-8093}")
HOST_PORT=${CONSULT_CLUSTER_HOST_PORT:-8081}
NATS_PORT=${CONSULT_CLUSTER_NATS_PORT:-}
WORK=${CONSULT_CLUSTER_DIR:-./data-cluster}
PUBLIC_URL="http://127.0.0.1:$LB_PORT"
NODES=(node1 node2 node3)

if [ -t 2 ]; then
  say() { printf '\033[1m[cluster]\033[0m %s\n' "$*" >&2; }
else
  say() { printf '[cluster] %s\n' "$*" >&2; }
fi
die() { say "error: $*"; exit 1; }

# What this script started: name -> PID (stopped in the reverse order of starting).
declare -A PID_OF=()
STARTED=()
OUR_POSTGRES=
cleanup() {
  local rc=$? name pid i
  trap - EXIT INT TERM HUP
  for ((i = ${#STARTED[@]} - 1; i >= 0; i--)); do
    name=${STARTED[i]}
    pid=${PID_OF[$name]}
    if kill -0 "$pid" 2>/dev/null; then
      [ "$name" = tick ] || say "stopping $name (pid $pid)"
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
    fi
    wait "$pid" 2>/dev/null || true
  done
  if [ -n "$OUR_POSTGRES" ]; then
    say "stopping PostgreSQL ($CONSULT_PG_DIR)"
    stop_postgres
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# Start a command in the background, its output to a log; remembered for cleanup.
spawn() {
  local name=$1 logfile=$2
  shift 2
  "$@" >"$logfile" 2>&1 </dev/null &
  PID_OF[$name]=$!
  STARTED+=("$name")
}

alive() { kill -0 "${PID_OF[$1]}" 2>/dev/null; }

# Free for a server on loopback (as servers bind: with SO_REUSEADDR).
port_free() {
  python3 - "$1" <<'PY' 2>/dev/null
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
PY
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Poll `curl URL` until it answers (readiness, not a timed wait); fail if `name` exits first.
wait_http() {
  local name=$1 url=$2 logfile=$3 deadline=$((SECONDS + ${4:-120}))
  until curl --noproxy '*' -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; do
    if ! alive "$name"; then
      tail -n 20 "$logfile" >&2 || true
      die "$name exited before answering $url (its log: $logfile)"
    fi
    [ "$SECONDS" -lt "$deadline" ] || die "$name did not answer $url (its log: $logfile)"
    sleep 0.2
  done
}

# The hub's owner as the running nodes last logged it: "nodeN (node id ID, epoch EPOCH)"
# (empty while unknown).
hub_owner() {
  local name best_epoch=-1 best_id='' line epoch id bus_id
  for name in "${NODES[@]}"; do
    if [ -z "${PID_OF[$name]:-}" ] || ! alive "$name"; then continue; fi
    line=$(sed -n 's/.*hub owner owner=\([0-9a-f]*\) epoch=\([0-9]*\).*/\2 \1/p' "$LOGS/$name.log" | tail -n 1)
    [ -n "$line" ] || continue
    read -r epoch id <<<"$line"
    if [ "$epoch" -gt "$best_epoch" ]; then best_epoch=$epoch best_id=$id; fi
  done
  [ -n "$best_id" ] || return 0
  for name in "${NODES[@]}"; do
    bus_id=$(sed -n 's/.*on the bus node=\([0-9a-f]*\).*/\1/p' "$LOGS/$name.log" 2>/dev/null | tail -n 1)
    if [ "$bus_id" = "$best_id" ]; then
      echo "$name (node id $best_id, epoch $best_epoch)"
      return 0
    fi
  done
  echo "not one of ours (node id $best_id, epoch $best_epoch)"
}

# --- Checks before anything starts ------------------------------------------------------------

ports=("$LB_PORT" "${NODE_PORTS[@]}" "$HOST_PORT")
[ -n "$NATS_PORT" ] && ports+=("$NATS_PORT")
[ "$(printf '%s\n' "${ports[@]}" | sort -u | wc -l)" -eq "${#ports[@]}" ] ||
  die "the ports must differ: ${ports[*]}"
taken=()
for port in "${ports[@]}"; do port_free "$port" || taken+=("$port"); done
if [ ${#taken[@]} -gt 0 ]; then
  die "port(s) ${taken[*]} on 127.0.0.1 already in use (an earlier cluster.sh or demo.sh?); stop \
what holds them, or choose others with CONSULT_CLUSTER_LB_PORT, CONSULT_CLUSTER_NODE{1,2,3}_PORT, \
CONSULT_CLUSTER_HOST_PORT, CONSULT_CLUSTER_NATS_PORT"
fi

missing=()
command -v curl >/dev/null || missing+=(curl)
[ -x /usr/sbin/nginx ] || missing+=(nginx-light)
if [ -z "${CONSULT_BUS:-}" ] && ! command -v nats-server >/dev/null && [ ! -x /usr/sbin/nats-server ]; then
  missing+=(nats-server)
fi
if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi
NATS_SERVER=$(command -v nats-server || echo /usr/sbin/nats-server)

# --- Build (as scripts/demo.sh does) ----------------------------------------------------------

if [ "${CONSULT_CLUSTER_BUILD:-1}" != 0 ]; then
  setup_build_tools
  build_widget
  say "building the server (cargo build --release --features ssr)"
  cargo build --release --features ssr --bin consult
fi
BIN="$CARGO_TARGET_DIR/release/consult"
[ -x "$BIN" ] || die "no server at $BIN (run without CONSULT_CLUSTER_BUILD=0)"
[ -f dist/index.html ] || die "no widget in dist/ (run without CONSULT_CLUSTER_BUILD=0)"

# --- Work folder ------------------------------------------------------------------------------

if [ ! -d "$WORK" ]; then
  mkdir -p "$WORK"
  # Nothing in it belongs in git.
  printf '*\n' >"$WORK/.gitignore"
fi
WORK=$(cd "$WORK" && pwd)
case $WORK in
  *[[:space:]\;\|\&\\\'\"\$\#]*) die "the work folder's path must not hold spaces or ;|&\\'\"\$#: $WORK" ;;
esac
LOGS=$WORK/logs
mkdir -p "$LOGS" "$WORK/nginx" "$WORK/nats"
say "work folder $WORK (logs in $LOGS)"

# --- PostgreSQL -------------------------------------------------------------------------------

if [ -n "${CONSULT_DATABASE:-}" ]; then
  DATABASE_SHOWN="CONSULT_DATABASE from the environment"
else
  start_postgres
  OUR_POSTGRES=1
  psql "$CONSULT_TEST_POSTGRES/postgres" -v ON_ERROR_STOP=1 -qtAc "CREATE DATABASE consult" >/dev/null
  export CONSULT_DATABASE="$CONSULT_TEST_POSTGRES/consult"
  DATABASE_SHOWN="$CONSULT_DATABASE (throw-away: removed at stop)"
fi

# --- NATS -------------------------------------------------------------------------------------

if [ -n "${CONSULT_BUS:-}" ]; then
  BUS_SHOWN="CONSULT_BUS from the environment"
else
  NATS_PORT=${NATS_PORT:-$(free_port)}
  spawn nats "$LOGS/nats.log" "$NATS_SERVER" -js -a 127.0.0.1 -p "$NATS_PORT" -sd "$WORK/nats"
  deadline=$((SECONDS + 60))
  until (exec 3<>"/dev/tcp/127.0.0.1/$NATS_PORT") 2>/dev/null; do
    alive nats || { tail -n 20 "$LOGS/nats.log" >&2; die "nats-server exited (log: $LOGS/nats.log)"; }
    [ "$SECONDS" -lt "$deadline" ] || die "nats-server did not listen on $NATS_PORT"
    sleep 0.1
  done
  export CONSULT_BUS="nats://127.0.0.1:$NATS_PORT"
  BUS_SHOWN="$CONSULT_BUS (nats-server, pid ${PID_OF[nats]})"
  say "NATS on $CONSULT_BUS"
fi

# --- The nodes --------------------------------------------------------------------------------

# node N ("serve" or "demo" plus its own flags): its data folder, port and the shared flags.
start_node() {
  local n=$1
  shift
  spawn "node$n" "$LOGS/node$n.log" "$BIN" "$@" \
    --listen "127.0.0.1:${NODE_PORTS[n - 1]}" --data "$WORK/node$n" --dist "$ROOT/dist" \
    --public-url "$PUBLIC_URL" --trusted-proxies 127.0.0.1
  say "node$n (pid ${PID_OF[node$n]}) starting on 127.0.0.1:${NODE_PORTS[n - 1]}"
}

# Node 1 first, alone: it sets the database up and makes secret.key if its folder has none.
start_node 1 demo --host-listen "127.0.0.1:$HOST_PORT"
wait_http node1 "http://127.0.0.1:${NODE_PORTS[0]}/healthz" "$LOGS/node1.log"

# Every node signs and checks links with the same key: node1's.
for n in 2 3; do
  mkdir -p "$WORK/node$n"
  chmod 700 "$WORK/node$n"
  if [ -f "$WORK/node$n/secret.key" ] && ! cmp -s "$WORK/node1/secret.key" "$WORK/node$n/secret.key"; then
    say "node$n: replacing its secret.key with node1's"
  fi
  install -m 600 "$WORK/node1/secret.key" "$WORK/node$n/secret.key"
done

start_node 2 serve
start_node 3 serve
wait_http node2 "http://127.0.0.1:${NODE_PORTS[1]}/healthz" "$LOGS/node2.log"
wait_http node3 "http://127.0.0.1:${NODE_PORTS[2]}/healthz" "$LOGS/node3.log"

# --- nginx ------------------------------------------------------------------------------------

if [ "$(id -u)" = 0 ]; then user_sed="s|@USER@|$(id -un) $(id -gn)|"; else user_sed='/^user @USER@;/d'; fi
sed -e "$user_sed" -e "s|@WORK@|$WORK|g" -e "s|@LOGS@|$LOGS|g" -e "s|@LISTEN@|127.0.0.1:$LB_PORT|g" \
  -e "s|@NODE1@|127.0.0.1:${NODE_PORTS[0]}|g" -e "s|@NODE2@|127.0.0.1:${NODE_PORTS[1]}|g" \
  -e "s|@NODE3@|127.0.0.1:${NODE_PORTS[2]}|g" scripts/cluster/nginx.conf >"$WORK/nginx/nginx.conf"
nginx_args=(-p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$LOGS/nginx-error.log")
/usr/sbin/nginx -t -q "${nginx_args[@]}" || die "nginx refuses $WORK/nginx/nginx.conf"
spawn nginx "$LOGS/nginx.log" /usr/sbin/nginx "${nginx_args[@]}"
wait_http nginx "$PUBLIC_URL/healthz" "$LOGS/nginx-error.log" 30

# --- Summary ----------------------------------------------------------------------------------

# The hub's owner, once every node has said who it is (their logs, at info level).
deadline=$((SECONDS + 30))
while :; do
  known=0
  for name in "${NODES[@]}"; do grep -q 'hub owner' "$LOGS/$name.log" && known=$((known + 1)); done
  if [ "$known" -eq 3 ] || [ "$SECONDS" -ge "$deadline" ]; then break; fi
  sleep 0.2
done
owner=$(hub_owner)
owner_shown=${owner:-"unknown (no \"hub owner\" line in the nodes' logs: is RUST_LOG below info?)"}

{
  echo
  echo "Node 1 (consult demo) says:"
  sed -n '/^Consult demo is running/,/^Book on the host page/s/^/  /p' "$LOGS/node1.log"
  echo
  echo "Consult cluster is running; Ctrl-C stops it all."
  echo "  Load balancer (the public URL):  $PUBLIC_URL/  (nginx, pid ${PID_OF[nginx]})"
  for n in 1 2 3; do
    printf '  node%s:  http://127.0.0.1:%s  (pid %s, %s)\n' "$n" "${NODE_PORTS[n - 1]}" \
      "${PID_OF[node$n]}" "$([ "$n" = 1 ] && echo "consult demo" || echo "consult serve")"
  done
  echo "  Demo host page (node1):          http://127.0.0.1:$HOST_PORT/"
  echo "  Hub owner:                       $owner_shown"
  echo "  Database:                        $DATABASE_SHOWN"
  echo "  Bus:                             $BUS_SHOWN"
  echo "  Data folders:                    $WORK/node{1,2,3} (one secret.key, node1's)"
  echo "  Logs:                            $LOGS/ (node{1,2,3}.log, nats.log, nginx-access.log"
  echo "                                   with the node that served each request, nginx-error.log)"
  echo
} >&2

# --- Until Ctrl-C: report nodes that exit and changes of the hub's owner ----------------------

reported=()
while :; do
  for name in nats nginx; do
    if [ -n "${PID_OF[$name]:-}" ] && ! alive "$name"; then
      die "$name exited (log: $LOGS/$name*.log); stopping the cluster"
    fi
  done
  up=0
  for name in "${NODES[@]}"; do
    if alive "$name"; then
      up=$((up + 1))
    elif [[ " ${reported[*]} " != *" $name "* ]]; then
      reported+=("$name")
      say "$name (pid ${PID_OF[$name]}) exited; nginx sends its requests to the others (log: $LOGS/$name.log)"
    fi
  done
  [ "$up" -gt 0 ] || die "every node has exited"
  now=$(hub_owner)
  if [ -n "$now" ] && [ "$now" != "$owner" ]; then
    owner=$now
    say "hub owner now: $owner"
  fi
  # Asleep in `wait`, so Ctrl-C is handled at once.
  sleep 1 &
  PID_OF[tick]=$!
  [[ " ${STARTED[*]} " == *" tick "* ]] || STARTED+=(tick)
  wait "${PID_OF[tick]}" || true
done
