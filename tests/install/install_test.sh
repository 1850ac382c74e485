#!/usr/bin/env bash
# The install test: `cmake --install BUILD --prefix P` into a temporary
# prefix, then P/bin/switchboard run from another directory with the
# installed config serves the demo (/) and the client (/switchboard.js).
# Usage: install_test.sh BUILD_DIR
set -euo pipefail
build="$(cd "$1" && pwd)"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../support/serve_check.sh"

prefix="$(mktemp -d /tmp/switchboard-prefix-XXXXXX)"
elsewhere="$(mktemp -d /tmp/switchboard-cwd-XXXXXX)"
trap 'stop_server; rm -rf "$prefix" "$elsewhere" "${SERVER_LOG:-}"' EXIT

cmake --install "$build" --prefix "$prefix" >/dev/null
for f in bin/switchboard etc/switchboard/switchboard.ini \
         share/switchboard/web/demo/index.html share/switchboard/web/client/switchboard.js \
         lib/systemd/system/switchboard.service lib/sysusers.d/switchboard.conf \
         share/doc/switchboard/operations.md include/switchboard/plugin.hpp \
         lib/cmake/switchboard/switchboardConfig.cmake \
         lib/cmake/switchboard/switchboardConfigVersion.cmake \
         lib/cmake/switchboard/switchboardTargets.cmake; do
  [ -e "$prefix/$f" ] || fail "cmake --install did not install $f"
done
echo "ok: installed into $prefix"
grep -qx "ExecStart=$prefix/bin/switchboard --config-file=$prefix/etc/switchboard/switchboard.ini" \
  "$prefix/lib/systemd/system/switchboard.service" || fail "the unit does not run the installed binary"

cd "$elsewhere"
"$prefix/bin/switchboard" check-config --config-file="$prefix/etc/switchboard/switchboard.ini" \
  || fail "check-config refused the installed config"
start_server "$prefix/bin/switchboard" --config-file="$prefix/etc/switchboard/switchboard.ini"
grep -q "web-root=$prefix/share/switchboard/web" "$SERVER_LOG" \
  || fail "the web root is not the installed one"
expect_200 /
expect_200 /switchboard.js
expect_200 /demo/demo.js
