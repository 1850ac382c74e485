#!/usr/bin/env bash
# The soak (`make soak`, docs/soak.md): one Switchboard node on the Redis
# broker under switchboard-bench's `soak` scenario for SOAK_MINUTES (default
# 30): 15,000 sockets over 1,500 rooms with chat and presence, steady chat
# traffic, 100 reconnects/s. The server is sampled every 10 s; the verdict
# is the bench's (RSS, descriptors, p99, close codes). Not part of `make test`.
#
# Writes bench/soak/soak.csv (one row per sample), bench/soak/soak.svg (the
# plot), bench/soak/report.txt (the bench's report) and the server's and
# Redis' logs. Every process it starts is stopped on exit, Ctrl-C included.
#
# Environment: SOAK_MINUTES (30), SOAK_SOCKETS (15000), SOAK_ROOMS (1500),
# SOAK_RATE (msg/s, 200), SOAK_CHURN (reconnects/s, 100), SOAK_WARMUP (s,
# default min(300, duration/6)), BUILD (build), JOBS (1), SWITCHBOARD and
# BENCH (prebuilt binaries: nothing is built), OUT (bench/soak).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$root/build}
[[ $BUILD == /* ]] || BUILD=$root/$BUILD
SOAK_MINUTES=${SOAK_MINUTES:-30}
SOAK_SOCKETS=${SOAK_SOCKETS:-15000}
SOAK_ROOMS=${SOAK_ROOMS:-1500}
SOAK_RATE=${SOAK_RATE:-200}
SOAK_CHURN=${SOAK_CHURN:-100}
JOBS=${JOBS:-1}
OUT=${OUT:-$root/bench/soak}
switchboard=${SWITCHBOARD:-$BUILD/switchboard}
bench=${BENCH:-$BUILD/bench/switchboard-bench}
work=$(mktemp -d /tmp/switchboard-soak.XXXXXX)
mkdir -p "$OUT"

say_as=soak
logs=$OUT # the server's and Redis' logs stay
source "$root/bench/processes.sh"

# Two processes hold every socket, one end each: both need the descriptors.
need=$((SOAK_SOCKETS + 1000))
if [ "$(ulimit -Hn)" -lt "$need" ]; then
  say "ulimit -Hn is $(ulimit -Hn): $SOAK_SOCKETS sockets need $need descriptors per process"
  exit 1
fi
ulimit -n "$(ulimit -Hn)"

if [[ -z ${SWITCHBOARD:-} && -z ${BENCH:-} ]]; then
  say "building switchboard and switchboard-bench in $BUILD (-j$JOBS)"
  [[ -f $BUILD/build.ninja ]] || cmake -S "$root" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD" --target switchboard switchboard-bench -j "$JOBS"
fi
# Copies: a rebuild during the run cannot change what runs.
cp "$switchboard" "$work/switchboard"
cp "$bench" "$work/switchboard-bench"

redis_port=$(free_port)
start redis "$redis_port" redis-server --port "$redis_port" --bind 127.0.0.1 --save "" \
  --appendonly no --dir "$work" || { say "redis-server did not start"; exit 1; }

port=$(free_port)
start server "$port" "$work/switchboard" --http.port="$port" --broker=redis \
  --redis.url="redis://127.0.0.1:$redis_port" --scheduler.max-threads=2 \
  --log.level=warning || { say "switchboard did not start"; exit 1; }
server=$last_pid
for _ in $(seq 100); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz")" = 200 ] && break
  sleep 0.1
done

duration=$((SOAK_MINUTES * 60))
say "$SOAK_SOCKETS sockets over $SOAK_ROOMS rooms, $SOAK_RATE msg/s, $SOAK_CHURN reconnects/s, ${SOAK_MINUTES} min"
say "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
status=0
"$work/switchboard-bench" soak --url="ws://127.0.0.1:$port/ws" --server-pid="$server" \
  --sockets="$SOAK_SOCKETS" --streams="$SOAK_ROOMS" --rate="$SOAK_RATE" \
  --churn-rate="$SOAK_CHURN" --duration="$duration" ${SOAK_WARMUP:+--warmup=$SOAK_WARMUP} \
  --connect-concurrency=200 --ready-timeout=300 --csv="$OUT/soak.csv" \
  | tee "$OUT/report.txt" || status=$?
say "machine after: load average $(cut -d' ' -f1-3 /proc/loadavg)"
if command -v node >/dev/null; then
  node "$root/bench/soak_plot.js" "$OUT/soak.csv" "$OUT/soak.svg"
  say "plot: $OUT/soak.svg"
fi
kill -0 "$server" 2>/dev/null || { say "the server died"; status=1; }
exit $status
