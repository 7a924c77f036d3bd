#!/usr/bin/env bash
# Install the npm packages the tests drive dla with (platform emulator, xAPI client,
# browser driver, accessibility checker). Idempotent: skipped when the lockfile is unchanged.
set -euo pipefail
cd "$(dirname "$0")/../tests"
stamp=node_modules/.dla-lock-stamp
if [ -f "$stamp" ] && cmp -s package-lock.json "$stamp"; then
  exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
cp package-lock.json "$stamp"
