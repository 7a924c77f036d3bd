#!/usr/bin/env bash
# bench_diag.sh - next-item selection of the adaptive diagnostic with a 2,016-item
# bank (96 synthetic items per competence): the engine step a live answer costs
# (posterior update, moments, selection with exposure control). Floor: p99 <= 1 ms.
# Also times `dla simulate --examinees 2000 --seed 1` on the shipped bank.
set -euo pipefail
: "${DLA_BIN:?DLA_BIN must point at the dla binary}"
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
export DLA_DATA_DIR=$data DLA_HOME=${DLA_SOURCE_DIR:-$(pwd)}
"$DLA_BIN" init >/dev/null 2>&1
out=$("$DLA_BIN" simulate --bench-select --synthetic 96 --examinees 300 --seed 1) || true
echo "$out"
p99=$(echo "$out" | grep '"diag.next_item_p99"' | sed 's/.*"value":\([0-9.]*\).*/\1/')
[ -n "$p99" ] || { echo "bench_diag: no measurement" >&2; exit 1; }
start=$(date +%s.%N)
"$DLA_BIN" simulate --examinees 2000 --seed 1 >/dev/null
end=$(date +%s.%N)
printf '{"bench":"diag.simulate_2000","value":%.2f,"unit":"s","examinees":2000}\n' \
    "$(echo "$end - $start" | bc -l)"
awk -v p="$p99" 'BEGIN { exit !(p <= 1000) }' || { echo "bench_diag: p99 $p99 us > 1000 us" >&2; exit 1; }
