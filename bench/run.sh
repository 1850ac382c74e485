#!/usr/bin/env bash
# The standard benchmark (`make bench`): Switchboard with the memory broker,
# with the Redis broker when the binary has one, and the Node.js baseline
# (bench/baseline), each through the same switchboard-bench scenarios:
#   fanout  1000 subscribers, 10..1000 msg/s in, pub-sub and streams
#   rooms   5000 sockets over 500 streams, 1 msg/s each
#   idle    15,000 sockets, server RSS per socket: one chat plugin each, and
#           the demo's shape (chat + presence in rooms of 10 + notifications)
#   churn   5,000 connects/s
#   streams 100,000 streams created and abandoned (churn on the warm server)
#   hooks   what a proxy plugin's backend hook adds to a command (Switchboard only)
#   crowd   10,000 sockets joining one room (chat + presence; Switchboard only)
#   peak    the highest pub-sub fanout rate each server sustains, searched
#   repeat  1,000,000 deliveries/s a few times per broker, interleaved
# It writes bench/RESULTS.md, bench/p99-latency.svg and the raw results in
# bench/results.jsonl. About 10 minutes. Every process it starts is stopped
# on exit, Ctrl-C included.
#
# Environment: BUILD (default build), FANOUT_RATES ("10 30 100 300 1000"),
# FANOUT_DURATION (5), ROOMS_DURATION (10), IDLE_SOCKETS (15000),
# IDLE_DURATION (10), CHURN_RATE (5000), CHURN_DURATION (5), STREAMS_CREATED (100000),
# HOOKS_SOCKETS (1), HOOKS_DURATION (10),
# CROWD_SOCKETS (10000),
# SERVERS ("switchboard-memory switchboard-redis node switchboard-cluster";
# switchboard-cluster: the Redis broker on a 3-master Redis Cluster the
# bench starts, run for fan-out and rooms only), JOBS (1),
# PEAK (1: search each server's peak; 0: skip), PEAK_START (250 msg/s),
# PEAK_MAX (16000), PEAK_PRECISION (0.1), PEAK_DURATION (4), REPEATS (3:
# interleaved 1,000,000 deliveries/s runs per broker), and
# SWITCHBOARD / BENCH: prebuilt binaries (then nothing is built), OUT: the
# directory for the results (default bench/).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
here=$root/bench
BUILD=${BUILD:-$root/build}
[[ $BUILD == /* ]] || BUILD=$root/$BUILD
FANOUT_RATES=${FANOUT_RATES:-"10 30 100 300 1000"}
FANOUT_DURATION=${FANOUT_DURATION:-5}
ROOMS_DURATION=${ROOMS_DURATION:-10}
IDLE_SOCKETS=${IDLE_SOCKETS:-15000}
IDLE_DURATION=${IDLE_DURATION:-10}
CHURN_RATE=${CHURN_RATE:-5000}
CHURN_DURATION=${CHURN_DURATION:-5}
STREAMS_CREATED=${STREAMS_CREATED:-100000}
HOOKS_SOCKETS=${HOOKS_SOCKETS:-1}
HOOKS_DURATION=${HOOKS_DURATION:-10}
CROWD_SOCKETS=${CROWD_SOCKETS:-10000}
SERVERS=${SERVERS:-"switchboard-memory switchboard-redis node switchboard-cluster"}
CLUSTER_MASTERS=${CLUSTER_MASTERS:-3}
PEAK=${PEAK:-1}
PEAK_START=${PEAK_START:-250}
PEAK_MAX=${PEAK_MAX:-16000}
PEAK_PRECISION=${PEAK_PRECISION:-0.1}
PEAK_DURATION=${PEAK_DURATION:-4}
REPEATS=${REPEATS:-3}
declare -A peak_rate=()
JOBS=${JOBS:-1}

# SWITCHBOARD and BENCH name prebuilt binaries and skip the build.
switchboard=${SWITCHBOARD:-$BUILD/switchboard}
bench=${BENCH:-$BUILD/bench/switchboard-bench}
work=$(mktemp -d /tmp/switchboard-bench.XXXXXX)
OUT=${OUT:-$here} # where RESULTS.md and the rest go
mkdir -p "$OUT"
results=$OUT/results.jsonl
started=$(date +%s)

# --- processes: every one we start is recorded and stopped on exit ---------------------

say_as=bench
source "$here/processes.sh"

cpu_ticks() { # utime + stime of pids, in clock ticks
  local total=0 pid
  for pid in "$@"; do
    total=$(( total + $(awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat" 2>/dev/null || echo 0) ))
  done
  echo "$total"
}
busy_ticks() { # machine-wide busy ticks (all CPUs)
  awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat
}

# --- build, baseline, redis ------------------------------------------------------------

for tool in node redis-server cmake; do
  command -v "$tool" >/dev/null || { say "$tool is missing (Debian: apt-get install nodejs npm redis-server cmake)"; exit 1; }
done

if [[ -z ${SWITCHBOARD:-} && -z ${BENCH:-} ]]; then
  say "building switchboard and switchboard-bench in $BUILD (-j$JOBS)"
  if [[ ! -f $BUILD/build.ninja && ! -f $BUILD/Makefile ]]; then
    cmake -S "$root" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  elif ! cmake --build "$BUILD" --target help 2>/dev/null | grep -q switchboard-bench; then
    cmake -S "$root" -B "$BUILD" >/dev/null # configured before bench/ existed
  fi
  cmake --build "$BUILD" --target switchboard switchboard-bench -j "$JOBS"
fi
for bin in "$switchboard" "$bench"; do
  [[ -x $bin ]] || { say "$bin is missing"; exit 1; }
done
# Private copies: a rebuild in $BUILD during the run must not mix versions.
binary_info="${switchboard#"$root"/}, built $(date -r "$switchboard" '+%F %T')"
cp "$switchboard" "$work/switchboard" && switchboard=$work/switchboard
cp "$bench" "$work/switchboard-bench" && bench=$work/switchboard-bench

if [[ $SERVERS == *node* && ! -d $here/baseline/node_modules ]]; then
  say "installing the Node baseline's dependencies (npm ci)"
  (cd "$here/baseline" && npm ci --no-audit --no-fund --loglevel=error)
fi

ulimit -n "$(ulimit -Hn)" # 15,000 sockets on each side
if (( $(ulimit -n) < IDLE_SOCKETS + 1000 )); then
  say "warning: RLIMIT_NOFILE is $(ulimit -n): the idle scenario may fail for lack of descriptors"
fi

redis_port=$(free_port)
start redis "$redis_port" redis-server --port "$redis_port" --bind 127.0.0.1 --save "" \
  --appendonly no --protected-mode no || { say "redis-server did not start:"; cat "$work/redis.log"; exit 1; }
redis_pid=$last_pid
redis_url=redis://127.0.0.1:$redis_port
say "redis-server $(redis-server --version | grep -o 'v=[^ ]*') on port $redis_port"

# The Redis Cluster of switchboard-cluster: CLUSTER_MASTERS masters, no
# replicas, each with a free bus port, joined by redis-cli, ready once every
# node says cluster_state:ok.
cluster_pids=()
cluster_url=
start_cluster() {
  local ports=() port bus i
  for ((i = 0; i < CLUSTER_MASTERS; i++)); do
    port=$(free_port); bus=$(free_port)
    start "cluster-$port" "$port" redis-server --port "$port" --cluster-port "$bus" \
      --bind 127.0.0.1 --save "" --appendonly no --protected-mode no --cluster-enabled yes \
      --cluster-config-file "$work/nodes-$port.conf" --dir "$work" \
      || { say "cluster node $port did not start:"; cat "$work/cluster-$port.log"; exit 1; }
    cluster_pids+=("$last_pid")
    ports+=("127.0.0.1:$port")
    cluster_url+="${cluster_url:+,}redis://127.0.0.1:$port"
  done
  redis-cli --cluster create "${ports[@]}" --cluster-yes >"$work/cluster-create.log" 2>&1 \
    || { say "redis-cli --cluster create failed:"; cat "$work/cluster-create.log"; exit 1; }
  for port in "${ports[@]}"; do
    for _ in $(seq 300); do
      redis-cli -p "${port#*:}" cluster info 2>/dev/null | grep -q 'cluster_state:ok' && break
      sleep 0.1
    done
  done
  say "Redis Cluster of $CLUSTER_MASTERS masters on ${ports[*]}"
}
[[ $SERVERS == *switchboard-cluster* ]] && start_cluster

has_redis_broker=0
help_text=$({ "$switchboard" --help; "$switchboard" --long-help; } 2>&1 || true)
if [[ $help_text == *redis.url* ]]; then
  has_redis_broker=1
fi

# --- machine ---------------------------------------------------------------------------

commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
# Tracked files changed, other than what this script writes itself.
changes=$(git -C "$root" status --porcelain 2>/dev/null | grep -v '^??' \
  | grep -vE ' bench/(RESULTS\.md|p99-latency\.svg|results\.jsonl|reports\.txt)$' || true)
dirty=
if [[ -n $changes ]]; then dirty=" (with uncommitted changes)"; fi
export PEAK PEAK_START PEAK_MAX PEAK_PRECISION PEAK_DURATION REPEATS CLUSTER_MASTERS
export FANOUT_RATES FANOUT_DURATION ROOMS_DURATION IDLE_SOCKETS IDLE_DURATION CHURN_RATE CHURN_DURATION STREAMS_CREATED HOOKS_SOCKETS HOOKS_DURATION CROWD_SOCKETS
META=$work/meta.json node -e '
  const os = require("os"), fs = require("fs");
  const [commit, loadavg, hasRedis, redisVersion, binary, niceness] = process.argv.slice(1);
  fs.writeFileSync(process.env.META, JSON.stringify({
    date: new Date().toISOString(), commit, binary, niceness,
    nproc: os.cpus().length, cpu: os.cpus()[0].model, kernel: os.release(),
    memory_gib: +(os.totalmem() / 2 ** 30).toFixed(1), loadavg_start: loadavg,
    node: process.version, redis: redisVersion, redis_broker: hasRedis === "1",
    settings: Object.fromEntries(["FANOUT_RATES", "FANOUT_DURATION", "ROOMS_DURATION",
      "IDLE_SOCKETS", "IDLE_DURATION", "CHURN_RATE", "CHURN_DURATION", "STREAMS_CREATED", "HOOKS_SOCKETS", "HOOKS_DURATION", "CROWD_SOCKETS",
      "PEAK", "PEAK_START", "PEAK_MAX", "PEAK_PRECISION", "PEAK_DURATION", "REPEATS", "CLUSTER_MASTERS"].map(k => [k, process.env[k]])),
  }, null, 1));
' "$commit$dirty" "$(cut -d' ' -f1-3 /proc/loadavg)" "$has_redis_broker" \
  "$(redis-server --version | grep -o 'v=[^ ]*' | cut -c3-)" "$binary_info" "$(nice)"
load1=$(cut -d' ' -f1 /proc/loadavg)
say "machine: $(nproc) CPUs, load average $load1 at start"
if awk -v l="$load1" 'BEGIN { exit !(l > 0.5) }'; then
  say "warning: other processes are using the CPU; results will be noisy (see 'machine busy' in RESULTS.md)"
fi

# --- servers ---------------------------------------------------------------------------

# start_server NAME [ARGS...]: a fresh server of kind NAME, with ARGS for a
# Switchboard; sets $server_pid, $url, $server_cmd.
start_server() {
  local name=$1 attempt
  shift
  for attempt in 1 2 3 4 5; do
    try_start_server "$name" "$@" && return 0
    say "$name exited at start (attempt $attempt); its log:"; cat "$work/$name.log"
  done
  exit 1
}

try_start_server() {
  local name=$1 port
  shift
  port=$(free_port)
  case $name in
    switchboard-memory)
      server_cmd=("$switchboard" --http.host=127.0.0.1 --http.port="$port" --broker=memory
                  --limits.commands-per-second=0 --scheduler.max-threads=2 --log.level=warning "$@") ;;
    switchboard-redis)
      server_cmd=("$switchboard" --http.host=127.0.0.1 --http.port="$port" --broker=redis
                  --redis.url="$redis_url" --limits.commands-per-second=0
                  --scheduler.max-threads=2 --log.level=warning "$@") ;;
    switchboard-cluster)
      server_cmd=("$switchboard" --http.host=127.0.0.1 --http.port="$port" --broker=redis
                  --redis.mode=cluster --redis.url="$cluster_url" --limits.commands-per-second=0
                  --scheduler.max-threads=2 --log.level=warning "$@") ;;
    node)
      server_cmd=(node "$here/baseline/server.js" --host=127.0.0.1 --port="$port"
                  --redis="$redis_url") ;;
  esac
  start "$name" "$port" "${server_cmd[@]}" || return 1
  server_pid=$last_pid
  url=ws://127.0.0.1:$port/ws
  echo "$name: ${server_cmd[*]}" | sed "s|$work/|build/|; s|$root/||g; s|--http.port=[0-9]*|--http.port=PORT|; s|--port=[0-9]*|--port=PORT|; s|127.0.0.1:$redis_port|127.0.0.1:REDIS_PORT|; s|--redis.url=redis://[^ ]*,[^ ]*|--redis.url=CLUSTER_NODES|" \
    >>"$work/servers.txt"
}

stop_server() {
  stop_pid "$server_pid"
  sleep 1 # let TIME_WAIT and the allocator settle between servers
}

# run_bench SERVER LABEL ARGS...: one switchboard-bench run against the
# current server; appends {server, label, cmd, result, ...} to results.jsonl.
run_bench() {
  local server=$1 label=$2
  shift 2
  local cmd=("$bench" "$@" --url="$url" --server-pid="$server_pid" --quiet)
  local t0 b0 r0 out status=0 redis_pids=("$redis_pid")
  [[ $server == switchboard-cluster ]] && redis_pids=("${cluster_pids[@]}")
  t0=$(date +%s.%N); b0=$(busy_ticks); r0=$(cpu_ticks "${redis_pids[@]}")
  printf '  %-20s %-34s ' "$server" "$label"
  "${cmd[@]}" >"$work/out.txt" 2>"$work/err.txt" || status=$?
  out=$(grep '^RESULT ' "$work/out.txt" | tail -1 | cut -c8- || true)
  if [[ -z $out ]]; then
    echo "no result (exit $status)"; cat "$work/err.txt" "$work/out.txt" >&2
    out='{"verdict":"NO RESULT"}'
  fi
  cat "$work/out.txt" >>"$work/reports.txt"
  SERVER="$server" LABEL="$label" CMD="$(echo "${cmd[*]}" | sed "s|$work/|build/bench/|; s|--server-pid=[0-9]*|--server-pid=PID|; s|--url=[^ ]*|--url=ws://127.0.0.1:PORT/ws|")" \
  T0="$t0" T1="$(date +%s.%N)" B0="$b0" B1="$(busy_ticks)" R0="$r0" R1="$(cpu_ticks "${redis_pids[@]}")" \
  HZ="$(getconf CLK_TCK)" NPROC="$(nproc)" RESULT="$out" node -e '
    const e = process.env, wall = e.T1 - e.T0, hz = +e.HZ;
    const r = JSON.parse(e.RESULT);
    const row = { server: e.SERVER, label: e.LABEL, cmd: e.CMD, wall_s: +wall.toFixed(1),
      machine_busy_pct: +(100 * (e.B1 - e.B0) / hz / wall / e.NPROC).toFixed(0),
      redis_cpu_pct: +(100 * (e.R1 - e.R0) / hz / wall).toFixed(0), result: r };
    require("fs").appendFileSync(process.argv[1], JSON.stringify(row) + "\n");
    const lat = r.latency_us || r.welcome_latency_us;
    const bits = [];
    if (r.deliveries_per_s !== undefined) bits.push(`${Math.round(r.deliveries_per_s)} deliveries/s`);
    if (r.connects_per_s !== undefined) bits.push(`${Math.round(r.connects_per_s)} connects/s`);
    if (lat) bits.push(`p99 ${(lat.p99 / 1000).toFixed(2)} ms`);
    if (r.missing) bits.push(`${r.missing} missing`);
    if (r.server_bytes_per_socket !== undefined) bits.push(`${r.server_bytes_per_socket} B/socket`);
    if (r.hook_added_p50_us !== undefined) bits.push(`hook adds ${r.hook_added_p50_us} us (p50)`);
    console.log(`${bits.join(", ")}  ${r.verdict}`);
  ' "$results"
}

# --- scenarios -------------------------------------------------------------------------

# The fan-out sweep on both strategies, then the rooms scenario.
run_sweep_and_rooms() {
  local name=$1
  for strategy in pub-sub streams; do
    start_server "$name"
    for rate in $FANOUT_RATES; do
      run_bench "$name" "fanout $strategy $rate msg/s" fanout --strategy="$strategy" \
        --subscribers=1000 --publishers=1 --rate="$rate" --duration="$FANOUT_DURATION" \
        --drain-timeout=5
      sleep 1
    done
    stop_server
  done
  start_server "$name"
  run_bench "$name" "rooms 5000 sockets 500 streams" rooms --sockets=5000 --streams=500 \
    --rate-per-socket=1 --duration="$ROOMS_DURATION" --drain-timeout=5
  stop_server
}

run_server() {
  local name=$1
  say "$name"
  run_sweep_and_rooms "$name"
  start_server "$name"
  run_bench "$name" "idle $IDLE_SOCKETS sockets" idle --sockets="$IDLE_SOCKETS" \
    --duration="$IDLE_DURATION"
  stop_server
  if [[ $name == switchboard-* ]]; then # the demo's three plugins; the baseline has one
    start_server "$name"
    run_bench "$name" "idle demo $IDLE_SOCKETS sockets" idle --demo --sockets="$IDLE_SOCKETS" \
      --duration="$IDLE_DURATION"
    stop_server
  fi
  start_server "$name"
  run_bench "$name" "churn $CHURN_RATE/s" churn --rate="$CHURN_RATE" --duration="$CHURN_DURATION"
  sleep 1
  # Same server, now warm: do that many streams come and go without a trace?
  # --settle: the node trims freed memory every 5 s.
  run_bench "$name" "streams $STREAMS_CREATED created" churn --rate="$CHURN_RATE" \
    --duration="$(awk -v n="$STREAMS_CREATED" -v r="$CHURN_RATE" 'BEGIN { print n / r }')" --settle=6
  stop_server
  if [[ $name == switchboard-* ]]; then # the baseline has no presence
    start_server "$name"
    run_bench "$name" "crowd $CROWD_SOCKETS in one room" crowd --sockets="$CROWD_SOCKETS"
    stop_server
  fi
  [[ $name == switchboard-* ]] && run_hooks "$name"
  return 0
}

# The peak: the highest offered fan-out (1000 subscribers, pub-sub) the
# server sustains (everything delivered, p99 <= 50 ms), searched over the
# rate: doubling from PEAK_START msg/s (halving if that already fails),
# then bisecting (geometric mean) until the highest sustained and the
# lowest unsustained rate are within PEAK_PRECISION of each other. Every
# probe gets a fresh server: an overloaded one is still draining.
run_peak() {
  local name=$1 lo=0 hi=0 rate=$PEAK_START
  while :; do
    probe "$name" "$rate"
    if [[ $probe_ok == 1 ]]; then
      lo=$rate
      (( hi == 0 && rate * 2 <= PEAK_MAX )) || break
      rate=$((rate * 2))
    else
      hi=$rate
      (( lo == 0 && rate / 2 >= 10 )) || break
      rate=$((rate / 2))
    fi
  done
  while (( lo > 0 && hi > 0 )) && awk -v l="$lo" -v h="$hi" -v p="$PEAK_PRECISION" 'BEGIN { exit !(h / l > 1 + p) }'; do
    rate=$(awk -v l="$lo" -v h="$hi" 'BEGIN { printf "%d", sqrt(l * h) + 0.5 }')
    (( rate > lo && rate < hi )) || break
    probe "$name" "$rate"
    if [[ $probe_ok == 1 ]]; then lo=$rate; else hi=$rate; fi
  done
  peak_rate[$name]=$lo
}

probe() { # probe NAME RATE [LABEL]: one fanout run on a fresh server; sets $probe_ok
  local name=$1 rate=$2 label=${3:-peak}
  start_server "$name"
  run_bench "$name" "$label pub-sub $rate msg/s" fanout --strategy=pub-sub --subscribers=1000 \
    --publishers=1 --rate="$rate" --duration="$PEAK_DURATION" --drain-timeout=5
  stop_server
  probe_ok=$(tail -1 "$results" | node -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      const r = JSON.parse(s).result;
      console.log(r.verdict === "PASS" && r.latency_us && r.latency_us.p99 <= 50000 ? 1 : 0);
    });')
}

# A relay and a proxy plugin; the proxy's backend is the bench's own.
run_hooks() {
  local name=$1 backend_port
  backend_port=$(free_port)
  start_server "$name" --plugins.relayed.relay --plugins.relayed.events=ping \
    --plugins.hooked.proxy="http://127.0.0.1:$backend_port/hook"
  run_bench "$name" "hooks $HOOKS_SOCKETS sockets" hooks --sockets="$HOOKS_SOCKETS" \
    --duration="$HOOKS_DURATION" --backend-port="$backend_port"
  stop_server
}

: >"$results"
: >"$work/servers.txt"
for name in $SERVERS; do
  if [[ $name == switchboard-redis && $has_redis_broker == 0 ]]; then
    say "switchboard-redis: not available (build/switchboard has no --redis.url); skipped"
    continue
  fi
  if [[ $name == switchboard-cluster ]]; then # next to single Redis: fan-out and rooms
    say "$name ($CLUSTER_MASTERS masters)"
    run_sweep_and_rooms "$name"
    continue
  fi
  run_server "$name"
  [[ $PEAK == 1 ]] && run_peak "$name"
done
# 1,000,000 deliveries/s again, REPEATS times, the two brokers in turn on
# fresh servers: the Redis broker's p99 against the memory broker's as
# medians of interleaved runs, and how much p99 varies from run to run.
if [[ $SERVERS == *switchboard-memory* && $SERVERS == *switchboard-redis* && $has_redis_broker == 1 ]]; then
  say "1,000,000 deliveries/s, $REPEATS times each, the brokers in turn"
  for ((i = 1; i <= REPEATS; i++)); do
    for name in switchboard-memory switchboard-redis; do
      start_server "$name"
      run_bench "$name" "repeat pub-sub 1000 msg/s" fanout --strategy=pub-sub --subscribers=1000 \
        --publishers=1 --rate=1000 --duration="$FANOUT_DURATION" --drain-timeout=5
      stop_server
    done
  done
fi
# The Redis broker at the memory broker's peak: does it deliver as much?
if [[ $PEAK == 1 && -n ${peak_rate[switchboard-memory]:-} && -n ${peak_rate[switchboard-redis]:-} ]] \
   && [[ ${peak_rate[switchboard-memory]} -gt 0 ]]; then
  probe switchboard-redis "${peak_rate[switchboard-memory]}" "at memory's peak"
fi

say "writing $OUT/RESULTS.md and $OUT/p99-latency.svg"
# results.jsonl gets the run's facts too, so report.js can redo RESULTS.md
# from it alone: `node bench/report.js bench/results.jsonl bench/RESULTS.md bench/p99-latency.svg`.
ELAPSED=$(( $(date +%s) - started )) node -e '
  const fs = require("fs");
  const [metaPath, serversPath, resultsPath] = process.argv.slice(1);
  const meta = JSON.parse(fs.readFileSync(metaPath, "utf8"));
  meta.elapsed_s = +process.env.ELAPSED;
  meta.servers = [...new Set(fs.readFileSync(serversPath, "utf8").split("\n").filter(Boolean))];
  fs.appendFileSync(resultsPath, JSON.stringify({ meta }) + "\n");
' "$work/meta.json" "$work/servers.txt" "$results"
node "$here/report.js" "$results" "$OUT/RESULTS.md" "$OUT/p99-latency.svg"
cp "$work/reports.txt" "$OUT/reports.txt"
say "done in $(( $(date +%s) - started )) s: $OUT/RESULTS.md"
