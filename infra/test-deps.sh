#!/usr/bin/env bash
# Idempotent installer for what the @tcpx/test workspace needs to generate and check captures:
# tshark (oracle), tcpdump/dumpcap (capture), iproute2 (netns/veth/tc), iptables (loss),
# ethtool (offloads off), python3 (traffic programs), chromium (the web UI's browser tests). Runs apt-get update only when a package is missing.
set -euo pipefail

need=()
have_cmd() { command -v "$1" >/dev/null 2>&1; }
have_cmd tshark   || need+=(tshark)
have_cmd tcpdump  || [ -x /usr/sbin/tcpdump ] || need+=(tcpdump)
have_cmd ip       || [ -x /usr/sbin/ip ] || need+=(iproute2)
have_cmd iptables || [ -x /usr/sbin/iptables ] || need+=(iptables)
have_cmd ethtool  || [ -x /usr/sbin/ethtool ] || need+=(ethtool)
have_cmd python3  || need+=(python3)
# the browser tests of the web UI drive Debian's chromium through playwright-core
have_cmd chromium || need+=(chromium)

if [ "${#need[@]}" -eq 0 ]; then
  echo "test-deps: all present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "test-deps: installing ${need[*]}"
# tshark asks whether non-root users may capture; answer non-interactively.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections 2>/dev/null || true
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${need[@]}"
