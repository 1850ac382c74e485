#!/usr/bin/env bash
# Two server builds side by side on the fanout scenario (memory broker),
# interleaved A B, B A, A B, ... so that what else the machine runs weighs
# on both alike. For each run: p50, p99, deliveries, the server's CPU per
# delivery (its whole CPU over the load window) and the CPU its busiest
# unnamed thread (the io loop; CAF's threads are named caf.*) used over its
# whole life; then each measure's ratio B/A per round. bench/README.md,
# "Comparing two builds".
#
#   bench/ab.sh A_SERVER B_SERVER [RATE] [ROUNDS]
#   bench/ab.sh build/switchboard build-uring/switchboard 1000 4
#
# RATE is messages/s to 1000 subscribers (default 1000: 1M deliveries/s),
# ROUNDS defaults to 4. BENCH names the load generator (default
# build/bench/switchboard-bench). Needs node.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 2 ] || { sed -n '2,15p' "$0"; exit 2; }
A=$1 B=$2 RATE=${3:-1000} ROUNDS=${4:-4}
BENCH=${BENCH:-$here/../build/bench/switchboard-bench}
say_as=ab
work=$(mktemp -d)
# shellcheck source=bench/processes.sh
. "$here/processes.sh"

rows=$work/rows.jsonl
say "A=$A B=$B rate=$RATE rounds=$ROUNDS; load: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$ROUNDS"); do
  if [ $((round % 2)) = 1 ]; then order="A B"; else order="B A"; fi
  for which in $order; do
    bin=${!which}
    port=$(free_port)
    start "server-$which" "$port" "$bin" --http.port="$port" --limits.commands-per-second=0 \
      --log.level=warning
    pid=$last_pid
    load=$(cut -d' ' -f1 /proc/loadavg)
    result=$("$BENCH" fanout --url="ws://127.0.0.1:$port/ws" --subscribers=1000 --rate="$RATE" \
      --duration=5 --server-pid="$pid" --quiet 2>/dev/null | grep '^RESULT ' | cut -c8- || true)
    io=$(for t in /proc/"$pid"/task/*; do
           [ "$(cat "$t/comm")" = switchboard ] && awk '{ print $14 + $15 }' "$t/stat"
         done | sort -n | tail -1)
    stop_pid "$pid"
    echo "{\"round\":$round,\"which\":\"$which\",\"load\":$load,\"io_ticks\":${io:-0},\"result\":${result:-null}}" >>"$rows"
  done
done

HZ=$(getconf CLK_TCK) node - "$rows" <<'EOF'
const rows = require('fs').readFileSync(process.argv[2], 'utf8').trim().split('\n').map(JSON.parse);
const hz = Number(process.env.HZ);
const runs = {};
const line = (...c) => console.log(c.map(String).map((s, i) => i ? s.padStart(11) : s.padEnd(9)).join(''));
line('round', 'build', 'load', 'p50 ms', 'p99 ms', 'delivered', 'ns/deliv', 'io cpu s');
for (const r of rows) {
  const x = r.result;
  if (!x) { line(r.round, r.which, r.load, 'no result'); continue; }
  const cpu = x.server_cpu_pct / 100 * x.measured_window_s;
  const m = { p50: x.latency_us.p50 / 1e3, p99: x.latency_us.p99 / 1e3,
              ns: x.delivered ? cpu / x.delivered * 1e9 : NaN, io: r.io_ticks / hz };
  (runs[r.round] = runs[r.round] || {})[r.which] = m;
  line(r.round, r.which, r.load, m.p50.toFixed(1), m.p99.toFixed(1), x.delivered,
       m.ns.toFixed(0), m.io.toFixed(2));
}
console.log('\nB/A per round (below 1: B is better)');
line('round', 'p50', 'p99', 'ns/deliv', 'io cpu');
for (const [round, m] of Object.entries(runs)) {
  if (!m.A || !m.B) continue;
  line(round, ...['p50', 'p99', 'ns', 'io'].map(k => (m.B[k] / m.A[k]).toFixed(2)));
}
EOF
