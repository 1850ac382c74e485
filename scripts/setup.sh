#!/usr/bin/env bash
# Installs the Debian packages Switchboard needs to build, run and test,
# skipping every package that is already installed. Safe to run often:
# `make run` and `make test` call it first.
set -euo pipefail

packages=(
  g++ cmake ninja-build ccache make pkg-config
  libcaf-dev libboost-dev libhiredis-dev nlohmann-json3-dev libssl-dev
  libgtest-dev redis-server curl
  chromium
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ] && command -v node >/dev/null; then
  exit 0
fi
# The web tests need Node.js >= 20 and npm. Debian's own nodejs is older;
# use it only when the machine has no node at all.
if ! command -v node >/dev/null; then
  missing+=(nodejs npm)
fi

echo "setup: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
