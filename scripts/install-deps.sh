#!/usr/bin/env bash
# Install every Debian package dla needs to build, test and run.
# Idempotent: a no-op (one dpkg query) when everything is present.
set -euo pipefail

PKGS=(
  build-essential cmake ninja-build pkgconf git ca-certificates curl jq bc python3
  libcurl4-openssl-dev libjansson-dev liboauth-dev libxml2-dev liblmdb-dev
  libmicrohttpd-dev libcmocka-dev libcjose-dev libssl-dev
  clang-14 libclang-rt-14-dev
  nodejs npm wrk
)
# Browser tests need Chromium; skip with DLA_NO_BROWSER=1.
if [ "${DLA_NO_BROWSER:-0}" != "1" ]; then
  PKGS+=(chromium)
fi

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    # node may come from elsewhere (e.g. a preinstalled build); accept a working binary
    case "$p" in
      nodejs) command -v node >/dev/null 2>&1 && continue ;;
      npm) command -v npm >/dev/null 2>&1 && continue ;;
    esac
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
