#!/usr/bin/env bash
# What redis.wait-replicas costs (docs/redis.md, "wait-replicas"): one node
# on a Redis primary with one replica, chat sends on `streams` (the
# `fanout` scenario, 10 subscribers, 200 sends/s for 10 s), once without
# WAIT and once with redis.wait-replicas=1. Prints both reports; compare
# their ack latencies. Not part of `make bench`.
#   bench/wait_replicas.sh [build dir]
set -euo pipefail
build=${1:-build}
say_as=wait-replicas
work=$(mktemp -d /tmp/switchboard-wait-XXXXXX)
source "$(dirname "$0")/processes.sh"

primary=$(free_port)
start primary "$primary" redis-server --port "$primary" --save "" --appendonly no
replica=$(free_port)
start replica "$replica" redis-server --port "$replica" --save "" --appendonly no \
  --replicaof 127.0.0.1 "$primary"
until redis-cli -p "$replica" INFO replication | grep -q master_link_status:up; do sleep 0.1; done

for wait in 0 1; do
  http=$(free_port)
  start "node-wait-$wait" "$http" "$build/switchboard" --broker=redis \
    --redis.url="redis://127.0.0.1:$primary" --redis.wait-replicas="$wait" \
    --http.port="$http" --limits.commands-per-second=0 --log.level=warning
  node=$last_pid
  say "redis.wait-replicas=$wait"
  "$build/bench/switchboard-bench" fanout --url="ws://127.0.0.1:$http/ws" --strategy=streams \
    --subscribers=10 --rate=200 --duration=10 --quiet --server-pid="$node" | grep -v '^RESULT'
  stop_pid "$node"
done
