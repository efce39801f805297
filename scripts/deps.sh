#!/usr/bin/env bash
# Installs every Debian 12 package cucm-sbd needs to build, test, fuzz and make captures.
# Runs as root (CI, containers) or through sudo.
set -euo pipefail
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
PACKAGES=(
  build-essential cmake ninja-build pkg-config clang llvm libclang-rt-14-dev clang-format cppcheck
  libssl-dev openssl libpcap-dev libjansson-dev zlib1g-dev libglib2.0-dev
  libwireshark-dev wireshark-dev tshark
  tcpdump tftpd-hpa tftp-hpa atftp iproute2 iptables tcpreplay xxd jq libxml2-utils python3 curl
  util-linux procps time parallel
  chromium fonts-dejavu-core
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
