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

# HTTP: POST /api/v1/diagnostics/{id}/answers through the real daemon (10 learners x 40
# answers, sequential curl; time_total includes curl's own connection setup).
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
DLA_LISTEN=127.0.0.1:$port DLA_LOG_LEVEL=warn "$DLA_BIN" serve 2>"$data/serve.log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
times=()
for u in $(seq 1 10); do
    tok=$("$DLA_BIN" token --tenant demo --user "bench-$u" --role learner)
    st=$(curl -sf -X POST -H "Authorization: Bearer $tok" -d '{}' "http://127.0.0.1:$port/api/v1/diagnostics")
    id=$(echo "$st" | jq -r .id)
    while [ "$(echo "$st" | jq -r .state)" = in_progress ]; do
        item=$(echo "$st" | jq -r .item.id)
        res=$(curl -sf -w '\n%{time_total}' -X POST -H "Authorization: Bearer $tok" \
            -d "{\"item\":\"$item\",\"answer\":\"a\"}" "http://127.0.0.1:$port/api/v1/diagnostics/$id/answers")
        st=${res%$'\n'*}
        times+=("${res##*$'\n'}")
    done
done
printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END {
    printf "{\"bench\":\"diag.http_answer_p50\",\"value\":%.2f,\"unit\":\"ms\",\"requests\":%d}\n", a[int(NR*0.5)+1]*1000, NR;
    printf "{\"bench\":\"diag.http_answer_p99\",\"value\":%.2f,\"unit\":\"ms\",\"requests\":%d}\n", a[int(NR*0.99)+1]*1000, NR }'
