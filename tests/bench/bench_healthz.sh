#!/usr/bin/env bash
# bench_healthz: GET /healthz requests/s over keep-alive connections, measured with
# wrk (Debian package) on the same machine: wrk -t2 -c50 -d5s after a 1 s warm-up,
# access log off. Prints one JSON line; exits 1 when the best of up to three runs
# stays under the floor (50,000 requests/s on 2 cores).
# Tunables: DLA_BENCH_THREADS (2), DLA_BENCH_CONNS (50), DLA_BENCH_SECONDS (5).
source "$(dirname "$0")/../integration/lib.sh"
DLA_TEST_NAME=bench_healthz
command -v wrk >/dev/null || dla_fail "wrk is not installed (apt-get install wrk)"
floor=50000
threads=${DLA_BENCH_THREADS:-2}
conns=${DLA_BENCH_CONNS:-50}
secs=${DLA_BENCH_SECONDS:-5}

dla_setup
dla_write_config >/dev/null <<'JSON'
{"server": {"access_log": false, "log_level": "warn"}}
JSON
dla_init
dla_start

# Runs wrk once; prints "rps p50_ms p99_ms errors non2xx".
measure()
{
    local out
    out=$(wrk -t"$threads" -c"$conns" -d"$1"s --latency "$DLA_URL/healthz" 2>&1) ||
        dla_fail "wrk failed: $out"
    echo "$out" >>"$DLA_TMP/wrk.log"
    awk '
        function ms(v) {
            if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0;
            if (v ~ /s$/) return v * 1000; return v + 0 }
        /Requests\/sec:/ { rps = $2 }
        $1 == "50%" { p50 = ms($2) }
        $1 == "99%" { p99 = ms($2) }
        /Socket errors:/ { gsub(/,/, ""); err = $4 + $6 + $8 + $10 }
        /Non-2xx or 3xx responses:/ { non2xx = $5 }
        END { printf "%d %.3f %.3f %d %d\n", rps, p50, p99, err, non2xx }' <<<"$out"
}

measure 1 >/dev/null # warm-up
best=0 runs=() line=""
for attempt in 1 2 3; do
    read -r rps p50 p99 errs non2xx < <(measure "$secs")
    runs+=("$rps")
    if [ "$non2xx" -ne 0 ]; then
        dla_fail "$non2xx non-2xx responses from /healthz"
    fi
    if [ "$rps" -gt "$best" ]; then
        best=$rps
        line="$p50 $p99 $errs"
    fi
    [ "$best" -ge "$floor" ] && break
done
read -r p50 p99 errs <<<"$line"
dla_stop
pass=false
[ "$best" -ge "$floor" ] && pass=true
printf '{"bench":"core.healthz","value":%d,"unit":"requests/s","floor":%d,"pass":%s,' \
    "$best" "$floor" "$pass"
printf '"runs":[%s],"latency_p50_ms":%s,"latency_p99_ms":%s,"socket_errors":%d,' \
    "$(IFS=,; echo "${runs[*]}")" "$p50" "$p99" "$errs"
printf '"client":"wrk -t%d -c%d -d%ds","keep_alive":true,"cores":%d}\n' \
    "$threads" "$conns" "$secs" "$(nproc)"
[ "$pass" = true ]
