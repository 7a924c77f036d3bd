#!/usr/bin/env bash
# make bench: runs every tests/bench/bench_*.sh in name order against the release
# build (builds nothing: `make bench` builds first). Each script prints JSON lines
# {"bench":..., "value":..., "unit":...}; this runner passes them through and
# exits non-zero if any script failed (e.g. a figure under its floor).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${DLA_BENCH_BUILD:-$root/build/default}
export DLA_BIN=${DLA_BIN:-$build/dla}
export DLA_SOURCE_DIR=$root
export DLA_BUILD_DIR=$build
export DLA_PLUGIN_DIR=${DLA_PLUGIN_DIR:-$build/plugins}
export NODE_PATH=${NODE_PATH:-$root/tests/node_modules}
export DLA_ARTIFACTS=${DLA_ARTIFACTS:-$root/tests/artifacts}
if [ ! -x "$DLA_BIN" ]; then
    echo "bench: $DLA_BIN is missing; run make build (or make bench) first" >&2
    exit 2
fi
failed=()
for script in "$here"/bench_*.sh; do
    [ -e "$script" ] || continue
    name=$(basename "$script" .sh)
    echo "== $name" >&2
    if ! bash "$script"; then
        failed+=("$name")
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "bench: failed: ${failed[*]}" >&2
    exit 1
fi
