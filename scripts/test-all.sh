#!/usr/bin/env bash
# `make test`: every part, in the order the README gives, with the ASan and
# fuzz trees compiling meanwhile. The Release and browser tests mostly wait
# on sockets and child processes (a third of two cores busy), so the two
# compiles, at the lowest priority, take the idle cores without slowing the
# tests; CI's fresh clone saves most of their time (docs/internals.md,
# "Build time"). Usage: scripts/test-all.sh (the Makefile passes BUILD, ASAN_BUILD,
# FUZZ_BUILD and JOBS through the environment).
set -uo pipefail
cd "$(dirname "$0")/.."

: "${BUILD:=build}" "${ASAN_BUILD:=build-asan}" "${FUZZ_BUILD:=build-fuzz}" "${JOBS:=$(nproc)}"
vars=(BUILD="$BUILD" ASAN_BUILD="$ASAN_BUILD" FUZZ_BUILD="$FUZZ_BUILD" JOBS="$JOBS")
side_log="$BUILD/side-build.log"

make --no-print-directory "${vars[@]}" build || exit

# Its own process group (setsid), so that stopping it stops its compilers.
setsid nice -n 19 make --no-print-directory "${vars[@]}" build-asan build-fuzz >"$side_log" 2>&1 &
side=$!
# A failed test stops the run: the compiles go with it.
trap 'kill -- -$side 2>/dev/null' EXIT

make --no-print-directory "${vars[@]}" test-release test-web || exit

if ! wait "$side"; then
  tail -n 60 "$side_log"
  echo "test-all: building the ASan or fuzz tree failed (all of it: $side_log)" >&2
  exit 1
fi
trap - EXIT
echo "test-all: ASan and fuzz trees built beside the tests ($side_log)"
make --no-print-directory "${vars[@]}" test-asan test-fuzz
