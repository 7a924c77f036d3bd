#!/usr/bin/env bash
# bench_xapi.sh - LRS throughput and query latency (run by `make bench`).
#
#  1. builds a store of XAPI_BENCH_STATEMENTS (default 1,000,000) statements with
#     `dla xapi-import` (same validation and writer as the HTTP resource);
#  2. GET /statements filtered by agent, verb, activity, registration and since
#     (limit 10), 4 clients, p99 latency in ms (floor: <= 5 ms);
#  3. POST batches of 100 with 4 clients (floor: >= 20,000 statements/s);
#  4. single-statement POSTs with 16 clients (floor: >= 5,000 statements/s).
# The load client is tests/bench/xapi_load.c (keep-alive, loopback only, bounded
# by XAPI_BENCH_SECONDS per phase). Prints one JSON line per figure; exits 1 if a
# figure misses its floor (XAPI_BENCH_NO_FLOOR=1 reports without failing).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
DLA_BIN=${DLA_BIN:?DLA_BIN must point at the release dla binary}
N=${XAPI_BENCH_STATEMENTS:-1000000}
SECS=${XAPI_BENCH_SECONDS:-10}
work=$(mktemp -d /tmp/dla-bench-xapi.XXXXXX)
pid=
cleanup() {
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi
    rm -rf "$work"
}
trap cleanup EXIT

cc -O2 -pthread -o "$work/xapi_load" "$here/xapi_load.c" || exit 2
export DLA_DATA_DIR=$work/data
"$DLA_BIN" init >/dev/null 2>&1 || { echo "bench_xapi: dla init failed" >&2; exit 2; }
cred=$("$DLA_BIN" credential add --tenant demo --json) || exit 2
key=$(printf '%s' "$cred" | sed 's/.*"key":"\([^"]*\)".*/\1/')
secret=$(printf '%s' "$cred" | sed 's/.*"secret":"\([^"]*\)".*/\1/')

# ---- 1. the store ----------------------------------------------------------------
t0=$(date +%s.%N)
since=$(date -u +%Y-%m-%dT%H:%M:%S.000Z)
"$work/xapi_load" gen --count "$N" --seed 7 |
    "$DLA_BIN" xapi-import --tenant demo --batch 20000 - >"$work/import.json" ||
    { echo "bench_xapi: import failed" >&2; exit 2; }
t1=$(date +%s.%N)
build=$(echo "$t1 - $t0" | bc)
rate=$(echo "$N / $build" | bc)
size=$(du -sm "$work/data" | cut -f1)
echo "{\"bench\":\"xapi.store_build\",\"value\":$rate,\"unit\":\"statements/s\",\"statements\":$N,\"seconds\":$build,\"store_mb\":$size}"

# ---- the daemon ---------------------------------------------------------------------
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
DLA_LISTEN=127.0.0.1:$port "$DLA_BIN" serve >"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$port/xapi/about" >/dev/null 2>&1 && break
    sleep 0.1
done
auth="$key:$secret"
fail=0
floor() { # name value op limit
    local ok
    ok=$(echo "$2 $3 $4" | bc)
    if [ "$ok" != 1 ]; then
        echo "bench_xapi: $1 = $2 misses its floor ($3 $4)" >&2
        fail=1
    fi
}

# ---- 2. filtered queries -------------------------------------------------------------
enc() { python3 -c 'import sys,urllib.parse;print(urllib.parse.quote(sys.argv[1],safe=""))' "$1"; }
agent=$(enc '{"objectType":"Agent","account":{"homePage":"https://lms.example.lt","name":"uXNX"}}')
run_get() { # name mod query
    local out p99
    out=$("$work/xapi_load" get --port "$port" --auth "$auth" --conc 4 --seconds "$SECS" \
        --tag "xapi.get_$1" --mod "$2" --query "$3&limit=10")
    echo "$out"
    p99=$(printf '%s' "$out" | sed 's/.*"p99_ms":\([0-9.]*\).*/\1/')
    floor "xapi.get_$1 p99 ms" "$p99" "<=" 5
}
run_get agent 1000 "agent=$agent"
run_get verb 20 "verb=$(enc 'http://adlnet.gov/expapi/verbs/vXNX')"
run_get activity 500 "activity=$(enc 'https://dla.example.lt/act/XNX')"
run_get registration 10000 "registration=00000000-0000-4000-8000-XN12X"
run_get since 1 "since=$(enc "$since")"

# ---- 3, 4. writes -------------------------------------------------------------------------
out=$("$work/xapi_load" post --port "$port" --auth "$auth" --conc 4 --batch 100 \
    --seconds "$SECS" --tag xapi.post_batch100)
echo "$out"
floor "xapi.post_batch100 statements/s" "$(printf '%s' "$out" | sed 's/.*"value":\([0-9]*\).*/\1/')" ">=" 20000
out=$("$work/xapi_load" post --port "$port" --auth "$auth" --conc 16 --batch 1 \
    --seconds "$SECS" --tag xapi.post_single)
echo "$out"
floor "xapi.post_single statements/s" "$(printf '%s' "$out" | sed 's/.*"value":\([0-9]*\).*/\1/')" ">=" 5000

fsync=$(python3 - "$work" <<'PY'
import os, sys, time
p = os.path.join(sys.argv[1], "fsync.probe")
fd = os.open(p, os.O_WRONLY | os.O_CREAT)
ts = []
for _ in range(30):
    os.pwrite(fd, b"x" * 4096, 0)
    t = time.time(); os.fdatasync(fd); ts.append((time.time() - t) * 1000)
os.close(fd); os.unlink(p)
ts.sort(); print("%.2f" % ts[len(ts) // 2])
PY
)
echo "{\"bench\":\"xapi.fdatasync_4k_p50\",\"value\":$fsync,\"unit\":\"ms\",\"load_avg\":\"$(cut -d' ' -f1 /proc/loadavg)\"}"
if [ "$fail" = 1 ] && [ "${XAPI_BENCH_NO_FLOOR:-0}" != 1 ]; then
    exit 1
fi
exit 0
