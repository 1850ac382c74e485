#!/usr/bin/env bash
# Smoke run of switchboard-bench, a few seconds with small numbers, so the
# load generator cannot rot: start a fresh switchboard on a free port, run
# fanout, churn, idle and crowd, then hooks against a second server with a
# relay and a proxy plugin, and fail unless each one delivered every expected
# message with no error, failure or unexpected close (the bench's exit status).
#
# usage: bench/smoke.sh [path/to/switchboard] [path/to/switchboard-bench]
# (defaults: build/switchboard and build/bench/switchboard-bench)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
server=${1:-$here/../build/switchboard}
bench=${2:-$here/../build/bench/switchboard-bench}
for bin in "$server" "$bench"; do
  [[ -x $bin ]] || { echo "smoke: $bin is not built" >&2; exit 2; }
done

log=$(mktemp)
pid=
cleanup() {
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -f "$log"
}
trap cleanup EXIT

# A port nobody listens on, below the ephemeral range (where the bench's own
# client sockets take theirs); the server exits if it loses a race for it.
port_is_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
ephemeral_low=$(awk '{ print $1 }' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)

# Sets $port and $pid; its arguments go to the server.
start_server() {
  for _ in 1 2 3 4 5; do
    port=$((10000 + RANDOM % (ephemeral_low - 10000)))
    port_is_free "$port" || continue
    "$server" --http.host=127.0.0.1 --http.port="$port" --broker=memory \
      --limits.commands-per-second=0 --scheduler.max-threads=2 --log.level=warning "$@" \
      >"$log" 2>&1 &
    pid=$!
    for _ in $(seq 100); do
      kill -0 "$pid" 2>/dev/null || break
      if ! port_is_free "$port"; then return 0; fi
      sleep 0.05
    done
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    pid=
  done
  echo "smoke: switchboard did not start; its log:" >&2
  cat "$log" >&2
  exit 1
}

start_server
url="ws://127.0.0.1:$port/ws"
common=(--url="$url" --server-pid="$pid" --quiet --ready-timeout=30 --drain-timeout=5)

status=0
run() {
  echo "--- switchboard-bench $*"
  if ! "$bench" "$@" "${common[@]}"; then
    echo "smoke: FAILED: switchboard-bench $*" >&2
    status=1
  fi
}
run fanout --subscribers=20 --rate=50 --duration=2
run churn --rate=50 --duration=1
run idle --sockets=50 --duration=1
run crowd --sockets=30

check_alive() {
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "smoke: switchboard died during the run; its log:" >&2
    cat "$log" >&2
    status=1
  fi
}
check_alive

# hooks: a fresh server whose proxy plugin posts to the bench's own backend.
kill -TERM "$pid" && wait "$pid" || true
pid=
backend_port=
for _ in 1 2 3 4 5; do
  candidate=$((10000 + RANDOM % (ephemeral_low - 10000)))
  if port_is_free "$candidate"; then backend_port=$candidate; break; fi
done
[[ -n $backend_port ]] || { echo "smoke: no free port for the hooks backend" >&2; exit 1; }
start_server --plugins.relayed.relay --plugins.relayed.events=ping \
  --plugins.hooked.proxy="http://127.0.0.1:$backend_port/hook"
url="ws://127.0.0.1:$port/ws"
common=(--url="$url" --server-pid="$pid" --quiet --ready-timeout=30 --drain-timeout=5)
run hooks --sockets=4 --duration=1 --backend-port="$backend_port"
check_alive
exit $status
