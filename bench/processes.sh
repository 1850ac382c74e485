# Process handling shared by bench/run.sh and bench/soak.sh (sourced, not
# run): every process started is recorded and stopped on exit, Ctrl-C
# included, and $work (a temporary directory the script made) is removed.
# Set `say_as` (the prefix of progress lines) and `work` before sourcing.

pids=()
stop_pid() {
  local pid=$1
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do stop_pid "$pid"; done
  rm -rf "$work"
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '\033[1m[%s %s]\033[0m %s\n' "$say_as" "$(date +%H:%M:%S)" "$*"; }

port_is_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# Below the ephemeral range: the bench's own client sockets take ports there.
ephemeral_low=$(awk '{ print $1 }' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
free_port() {
  local port
  while :; do
    port=$((10000 + RANDOM % (ephemeral_low - 10000)))
    if port_is_free "$port"; then echo "$port"; return; fi
  done
}

# start NAME PORT CMD...: runs CMD in the background, logs to
# ${logs:-$work}/NAME.log, waits until PORT accepts connections. Sets
# $last_pid; fails if it exits.
start() {
  local name=$1 port=$2
  shift 2
  "$@" >"${logs:-$work}/$name.log" 2>&1 &
  last_pid=$!
  pids+=("$last_pid")
  for _ in $(seq 200); do
    kill -0 "$last_pid" 2>/dev/null || return 1
    port_is_free "$port" || return 0
    sleep 0.05
  done
  say "$name did not listen on $port within 10 s"; exit 1
}
