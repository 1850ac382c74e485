#!/usr/bin/env bash
# Runs the libFuzzer targets (docs/fuzzing.md), one after the other:
#   fuzz/run.sh BUILD_DIR SECONDS [TARGET...]      (default: every target)
# Each starts from its seeds in fuzz/corpus/<target> plus what earlier runs
# found (BUILD_DIR/fuzz-corpus/<target>, where new inputs go), with the
# dictionary fuzz/dict/<target>.dict when there is one. A crash, leak,
# timeout or out-of-memory stops the run: the input is saved under
# BUILD_DIR/fuzz-artifacts/<target>/ and the log's tail printed.
# Prints one line per target: executions, speed, coverage, corpus, peak RSS.
# FUZZ_RUNS=N makes each target stop after N executions instead (SECONDS
# still bounds it): the long run of docs/fuzzing.md. FUZZ_TIMEOUT (5) is
# the seconds one input may take; libFuzzer counts wall time, so on a
# machine busy with other work a longer one keeps a starved process from
# passing for a hang.
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 BUILD_DIR SECONDS [TARGET...]" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
seconds=$2
shift 2
src=$(cd "$(dirname "$0")" && pwd)
if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=()
  for dir in "$src"/corpus/*/; do
    targets+=("$(basename "$dir")")
  done
fi

# A small quarantine and no filling of new allocations: ASan's defaults
# (256 MiB of freed memory held back, 4 KiB filled per allocation) touch
# fresh pages at every input and cost these targets over half their speed.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1:quarantine_size_mb=16:max_malloc_fill_size=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

printf '%-13s %12s %8s %10s %7s %7s %7s %8s\n' target execs seconds "execs/s" cov ft corpus "rss MB"
status=0
for t in "${targets[@]}"; do
  bin="$build/fuzz/${t}_fuzzer"
  work="$build/fuzz-corpus/$t"
  artifacts="$build/fuzz-artifacts/$t"
  log="$build/fuzz-logs/$t.log"
  mkdir -p "$work" "$artifacts" "$(dirname "$log")"
  dict=()
  if [ -f "$src/dict/$t.dict" ]; then
    dict=("-dict=$src/dict/$t.dict")
  fi
  # -timeout: one input taking longer is a hang; -rss_limit_mb: 2 GiB.
  runs=()
  if [ -n "${FUZZ_RUNS:-}" ]; then
    runs=("-runs=$FUZZ_RUNS")
  fi
  if ! "$bin" -max_total_time="$seconds" "${runs[@]}" -timeout="${FUZZ_TIMEOUT:-5}" -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$artifacts/" "${dict[@]}" \
      "$work" "$src/corpus/$t" >"$log" 2>&1; then
    echo "$t: FAILED (input saved in $artifacts/); log $log:" >&2
    tail -n 60 "$log" >&2
    status=1
    continue
  fi
  done_line=$(grep -E '^#[0-9]+[[:space:]].* cov: ' "$log" | tail -n 1 || true)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log")
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log")
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$done_line")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$done_line")
  corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$done_line")
  printf '%-13s %12s %8s %10s %7s %7s %7s %8s\n' "$t" "$execs" "$secs" "$speed" "$cov" "$ft" "$corp" "$rss"
done
exit $status
