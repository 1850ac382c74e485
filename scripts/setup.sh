#!/usr/bin/env bash
# Installs the Debian packages Switchboard needs, skipping every package that
# is already installed. Safe to run often: the Makefile calls it first.
#   scripts/setup.sh run       build and serve (make run)
#   scripts/setup.sh package   ... and build the .deb (make package)
#   scripts/setup.sh test      ... and every test (make test; the default)
set -euo pipefail

purpose="${1:-test}"

run_packages=(
  g++ cmake ninja-build ccache make pkg-config
  libcaf-dev libboost-dev libhiredis-dev nlohmann-json3-dev libssl-dev
  libjwt-dev libsystemd-dev
)
# CPack's .deb: dpkg-shlibdeps computes Depends, `file` finds the binaries.
package_packages=(dpkg-dev file)
# Tests: GoogleTest, Redis for the cluster tests, curl and openssl (install
# test, JWT keys), Chromium and Node.js for the browser tests, clang and its
# sanitizer and libFuzzer runtimes for the fuzz targets (fuzz/).
test_packages=(libgtest-dev redis-server redis-tools curl openssl chromium clang libclang-rt-14-dev)

case "$purpose" in
  run) packages=("${run_packages[@]}") ;;
  package) packages=("${run_packages[@]}" "${package_packages[@]}") ;;
  test) packages=("${run_packages[@]}" "${package_packages[@]}" "${test_packages[@]}") ;;
  *) echo "usage: $0 [run|package|test]" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# The web tests need Node.js >= 20 and npm. Debian's own nodejs is older;
# use it only when the machine has no node at all.
if [ "$purpose" = test ] && ! command -v node >/dev/null; then
  missing+=(nodejs npm)
fi
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
