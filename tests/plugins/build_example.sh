#!/usr/bin/env bash
# Builds examples/plugins/typing as a plugin author would: `cmake --install`
# of this build into a temporary prefix, then the example, copied away from
# the source tree, configured with find_package(switchboard) against that
# prefix and built. The integration tests load the result into a real node
# (CTest runs this first: fixture `typing_plugin`).
# Usage: build_example.sh BUILD_DIR OUT_DIR   -> OUT_DIR/build/libtyping.so
set -euo pipefail
build="$(cd "$1" && pwd)"
out="$2"
src="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/examples/plugins/typing"
fail() { echo "build_example: $*" >&2; exit 1; }

rm -rf "$out"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
cmake --install "$build" --prefix "$out/prefix" >/dev/null
for f in include/switchboard/plugin.hpp lib/cmake/switchboard/switchboardConfig.cmake \
         lib/cmake/switchboard/switchboardConfigVersion.cmake; do
  [ -f "$out/prefix/$f" ] || fail "cmake --install did not install $f"
done
cp -r "$src" "$out/src"
cmake -S "$out/src" -B "$out/build" -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_PREFIX_PATH="$out/prefix" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
      >"$out/configure.log" 2>&1 \
  || { cat "$out/configure.log" >&2; fail "configuring the example against $out/prefix failed"; }
cmake --build "$out/build" >"$out/build.log" 2>&1 \
  || { cat "$out/build.log" >&2; fail "building the example failed"; }
[ -f "$out/build/libtyping.so" ] || fail "no libtyping.so in $out/build"
grep -q "$out/prefix/include" "$out/build/compile_commands.json" \
  || fail "the example did not compile against the installed headers"
echo "ok: $out/build/libtyping.so built out of tree against $out/prefix"
