#!/usr/bin/env bash
# The package test. Builds the .deb from BUILD_DIR with CPack and checks
# its files, its Depends (from dpkg-shlibdeps), its conffile, its unit and
# maintainer scripts. Then, as root (CI runs as root), installs it with
# dpkg -i, checks the switchboard user, the config's permissions and the
# unit (systemd-analyze verify), runs /usr/bin/switchboard as that user
# with the packaged config, and purges it again. Not root: that second
# part is skipped, and says so.
# Usage: package_test.sh BUILD_DIR
set -euo pipefail
build="$(cd "$1" && pwd)"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../support/serve_check.sh"

out="$(mktemp -d /tmp/switchboard-deb-XXXXXX)"
installed=""
cleanup() {
  stop_server
  if [ -n "$installed" ]; then
    dpkg --purge switchboard >/dev/null || echo "WARNING: dpkg --purge switchboard failed" >&2
  fi
  rm -rf "$out" "${SERVER_LOG:-}"
}
trap cleanup EXIT

(cd "$build" && cpack -G DEB -B "$out" >"$out/cpack.log" 2>&1) || { cat "$out/cpack.log"; fail "cpack"; }
deb="$(ls "$out"/switchboard_*.deb)"
echo "ok: built $(basename "$deb")"

files="$(dpkg-deb -c "$deb" | awk '{print $6}')"
for f in ./usr/bin/switchboard ./etc/switchboard/switchboard.ini \
         ./lib/systemd/system/switchboard.service ./usr/lib/sysusers.d/switchboard.conf \
         ./usr/share/switchboard/web/demo/index.html ./usr/share/switchboard/web/client/switchboard.js \
         ./usr/share/doc/switchboard/operations.md ./usr/include/switchboard/plugin.hpp \
         ./usr/lib/cmake/switchboard/switchboardConfig.cmake \
         ./usr/lib/cmake/switchboard/switchboardTargets.cmake; do
  grep -qx -- "$f" <<<"$files" || fail "$f is not in the package"
done
! grep -q "^./usr/local" <<<"$files" || fail "files under /usr/local"
echo "ok: file list"

depends="$(dpkg-deb -f "$deb" Depends)"
for lib in libc6 libstdc++6 libcaf-core0.17 libhiredis libssl3 libjwt0 libsystemd0; do
  grep -q "$lib" <<<"$depends" || fail "Depends lacks $lib: $depends"
done
echo "ok: Depends: $depends"

control="$out/control"
dpkg-deb -e "$deb" "$control"
grep -qx /etc/switchboard/switchboard.ini "$control/conffiles" || fail "the config is no conffile"
for s in postinst prerm postrm; do
  [ -x "$control/$s" ] || fail "no executable $s"
done
echo "ok: conffile and maintainer scripts"

unit="$(dpkg-deb --fsys-tarfile "$deb" | tar -xO ./lib/systemd/system/switchboard.service)"
for line in "Type=notify" "User=switchboard" "ProtectSystem=strict" "NoNewPrivileges=yes" \
            "LimitNOFILE=262144" "CapabilityBoundingSet=" \
            "ExecStart=/usr/bin/switchboard --config-file=/etc/switchboard/switchboard.ini"; do
  grep -qx -- "$line" <<<"$unit" || fail "the unit lacks $line"
done
echo "ok: unit"

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIPPED: dpkg -i and the installed service need root (CI runs as root)"
  exit 0
fi

# One package test at a time on a machine; never touch a real install.
exec 9>/tmp/switchboard-package-test.lock
flock -w 600 9 || fail "another package test holds the lock"
if dpkg-query -W -f='${Status}' switchboard 2>/dev/null | grep -q "install ok installed"; then
  echo "SKIPPED: dpkg -i, because switchboard is already installed on this machine"
  exit 0
fi
for _ in $(seq 60); do
  if dpkg -i "$deb" >"$out/dpkg.log" 2>&1; then installed=yes; break; fi
  grep -q "lock" "$out/dpkg.log" || { cat "$out/dpkg.log"; fail "dpkg -i"; }
  sleep 2
done
[ -n "$installed" ] || fail "dpkg stayed locked"
echo "ok: dpkg -i"

getent passwd switchboard >/dev/null || fail "no switchboard user"
[ "$(stat -c '%U:%G %a' /etc/switchboard/switchboard.ini)" = "root:switchboard 640" ] \
  || fail "config permissions: $(stat -c '%U:%G %a' /etc/switchboard/switchboard.ini)"
if command -v systemd-analyze >/dev/null; then
  systemd-analyze verify /lib/systemd/system/switchboard.service || fail "systemd-analyze verify"
  echo "ok: systemd-analyze verify"
fi

cd /
start_server runuser -u switchboard -- /usr/bin/switchboard \
  --config-file=/etc/switchboard/switchboard.ini
grep -q "web-root=/usr/share/switchboard/web" "$SERVER_LOG" || fail "wrong web root"
expect_200 /
expect_200 /switchboard.js
expect_200 /healthz
stop_server
echo "ok: /usr/bin/switchboard runs as switchboard with the packaged config"
