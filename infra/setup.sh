#!/usr/bin/env bash
# Sets up a fresh machine for tcpx from the repository alone: system packages (Debian), npm
# dependencies, and a build. Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages: libpcap-dev (live capture through npm `pcap`), and the test tools
# (tshark is the oracle, tcpdump/iproute2/iptables/ethtool make real traffic captures).
bash infra/test-deps.sh
if ! [ -e /usr/include/pcap/pcap.h ]; then
  echo "setup: installing libpcap-dev (live capture)"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libpcap-dev
fi

# npm dependencies: `pcap` is optional, so a machine without libpcap still installs the rest.
export npm_config_cache="${npm_config_cache:-$PWD/.cache/npm}"
# `npm install`, not `npm ci`: npm 11 writes lockfiles without other platforms' optional binaries
# (biome, turbo) and then its own `npm ci` rejects them as out of sync. The lockfile still pins.
npm install --no-audit --no-fund
npx turbo run build
echo "setup: done"
