#!/usr/bin/env bash
# Every test of the JavaScript side, in one node test run:
#   - client and Vite plugin unit tests (test/unit/, no browser, fake
#     WebSocket and timers);
#   - browser end-to-end tests (test/e2e/): playwright-core driving Debian's
#     headless chromium against a real build/switchboard (and a private
#     redis-server for the restart test);
#   - the SvelteKit example (examples/sveltekit): built with adapter-node and
#     served by its server.js, and under `vite dev` with @switchboard/vite
#     starting the server.
# Installs the npm dependencies first (npm ci from the lockfiles), then packs
# @switchboard/client and @switchboard/vite with `npm pack` and installs the
# tarballs into the example: it runs on what the packages ship, so a file
# missing from a package's `files` fails the tests. Exits non-zero on any
# failure. Needs: node >= 20 and npm, chromium
# (/usr/bin/chromium, or $CHROMIUM), redis-server, build/switchboard (or
# $SWITCHBOARD_BIN). Screenshots land in web/test-output/.
set -euo pipefail

WEB="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$WEB/.." && pwd)"
# Absolute: the tests run from web/, not from where this was called.
SWITCHBOARD_BIN="$(realpath -m "${SWITCHBOARD_BIN:-$REPO/build/switchboard}")"
export SWITCHBOARD_BIN
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

fail() { echo "run-tests: $*" >&2; exit 1; }

command -v node >/dev/null || fail "node is not installed"
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' \
  || fail "node >= 20 is needed (found $(node --version))"
[ -x "$SWITCHBOARD_BIN" ] || fail "no server binary at $SWITCHBOARD_BIN (build it first: ninja -C build switchboard)"
[ -x "$CHROMIUM" ] || fail "no chromium at $CHROMIUM (apt-get install -y chromium)"
command -v "${REDIS_SERVER:-redis-server}" >/dev/null || fail "redis-server is not installed"

npm_install() {
  local dir="$1"
  echo "run-tests: installing npm dependencies in ${dir#"$REPO"/}"
  if [ -f "$dir/package-lock.json" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  else
    (cd "$dir" && npm install --no-audit --no-fund --loglevel=error)
  fi
}
npm_install "$WEB"
npm_install "$REPO/examples/sveltekit"

rm -rf "$WEB/test-output"
mkdir -p "$WEB/test-output/packs"
echo "run-tests: packing @switchboard/client and @switchboard/vite"
for pkg in client vite; do
  (cd "$WEB/$pkg" && npm pack --silent --pack-destination "$WEB/test-output/packs" >/dev/null)
done
# Over the path links `npm ci` made; the lockfile and package.json stay as they are.
(cd "$REPO/examples/sveltekit" && npm install --no-save --no-audit --no-fund --loglevel=error \
  "$WEB"/test-output/packs/switchboard-*.tgz)

cd "$WEB"
# One run, one summary. Files run one at a time: the machine is small and
# each browser test file starts its own server(s) and chromium.
exec node --test --test-concurrency=1 --test-timeout=180000 test/unit/ test/e2e/
