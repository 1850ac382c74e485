# Shell helpers for the install and package tests (sourced, not run).
# start_server BIN ARGS...: starts BIN on a free port from the current
# directory; sets SERVER_PID and SERVER_PORT, SERVER_LOG holds its stderr.
# expect_200 PATH: GET http://127.0.0.1:$SERVER_PORT/PATH must answer 200.

fail() { echo "FAIL: $*" >&2; [ -n "${SERVER_LOG:-}" ] && [ -f "$SERVER_LOG" ] && cat "$SERVER_LOG" >&2; exit 1; }

start_server() {
  local bin="$1"; shift
  SERVER_LOG="$(mktemp)"
  for attempt in 1 2 3 4 5; do
    SERVER_PORT=$((20000 + RANDOM % 40000))
    "$bin" "$@" --http.port="$SERVER_PORT" 2>"$SERVER_LOG" &
    SERVER_PID=$!
    for _ in $(seq 100); do
      grep -q "listening on" "$SERVER_LOG" && return 0
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    grep -q "cannot listen" "$SERVER_LOG" || fail "$bin did not start"
  done
  fail "no free port for $bin"
}

stop_server() {
  if [ -n "${SERVER_PID:-}" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}

expect_200() {
  local code
  code="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$SERVER_PORT$1")"
  [ "$code" = 200 ] || fail "GET $1 answered $code"
  echo "ok: GET $1 -> 200"
}
