#!/usr/bin/env bash
# What redis.wait-replicas costs (docs/redis.md, "wait-replicas"): one node
# on a Redis primary with one replica, chat sends on `streams`, one at a
# time (bench/wait_replicas.py), once without WAIT and once with
# redis.wait-replicas=1; prints the ack latencies of both. Not part of
# `make bench`.
#   bench/wait_replicas.sh [build dir] [sends]
set -euo pipefail
build=${1:-build}
sends=${2:-2000}
say_as=wait-replicas
work=$(mktemp -d /tmp/switchboard-wait-XXXXXX)
source "$(dirname "$0")/processes.sh"

primary=$(free_port)
# --dir: a replica writes the RDB of its full sync to its directory.
start primary "$primary" redis-server --port "$primary" --save "" --appendonly no --dir "$work"
replica=$(free_port)
start replica "$replica" redis-server --port "$replica" --save "" --appendonly no --dir "$work" \
  --replicaof 127.0.0.1 "$primary"
until redis-cli -p "$replica" INFO replication | grep -q master_link_status:up; do sleep 0.1; done

for wait in 0 1; do
  http=$(free_port)
  start "node-wait-$wait" "$http" "$build/switchboard" --broker=redis \
    --redis.url="redis://127.0.0.1:$primary" --redis.wait-replicas="$wait" \
    --http.port="$http" --limits.commands-per-second=0 --log.level=warning
  node=$last_pid
  until curl -sf "http://127.0.0.1:$http/readyz" >/dev/null; do sleep 0.05; done # Redis connected
  python3 "$(dirname "$0")/wait_replicas.py" "$http" "$sends" "redis.wait-replicas=$wait"
  stop_pid "$node"
done
