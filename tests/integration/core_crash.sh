#!/usr/bin/env bash
# core_crash: kill -9 during writes leaves a store that opens and reads back
# cleanly.
#  1. A writer (tests/unit/test_store --writer: durable transactions of records
#     of varying size plus a marker) is killed with SIGKILL at random moments,
#     8 times over the same store; after each kill the store must open, every
#     record reported committed must be intact, no partial transaction visible,
#     and the next writer continues where the last commit ended.
#  2. The dla CLI itself writing (credential add in a loop) is killed at random
#     moments; afterwards `dla credential list` reads the store and `dla serve`
#     starts on it and answers /healthz.
source "$(dirname "$0")/lib.sh"
: "${DLA_BUILD_DIR:?}"
helper="$DLA_BUILD_DIR/tests/test_store"
[ -x "$helper" ] || dla_fail "missing $helper"
dla_setup
store="$DLA_TMP/crashstore"

for round in 1 2 3 4 5 6 7 8; do
    "$helper" --writer "$store" >"$DLA_TMP/writer.out" 2>"$DLA_TMP/writer.log" &
    wpid=$!
    # once it is writing (a slow, loaded machine may take a while to start),
    # kill it at a random moment 0..600 ms later
    for _ in $(seq 1 300); do
        [ "$(wc -l <"$DLA_TMP/writer.out")" -gt 0 ] && break
        kill -0 "$wpid" 2>/dev/null || break
        sleep 0.1
    done
    sleep "0.$(printf '%03d' $((RANDOM % 600)))"
    kill -KILL "$wpid" 2>/dev/null || true
    wait "$wpid" 2>/dev/null || true
    if grep -q "writer:\|ERROR: \|runtime error" "$DLA_TMP/writer.log"; then
        dla_fail "writer error: $(cat "$DLA_TMP/writer.log")"
    fi
    committed=$(tail -n 1 "$DLA_TMP/writer.out" || true)
    out=$("$helper" --verify "$store") || dla_fail "round $round: $out"
    present=${out#ok }
    if [ -n "$committed" ] && [ "$present" -lt $((committed + 1)) ]; then
        dla_fail "round $round: record $committed was committed but only $present present"
    fi
    dla_log "round $round: killed after commit #${committed:-none}, store holds $present records"
done
[ "${present:-0}" -gt 0 ] || dla_fail "the writer never committed anything"

# 2. the CLI writing, killed at random moments
dla_init
for round in 1 2 3 4; do
    : >"$DLA_TMP/cli.out"
    (
        i=0
        while :; do
            "$DLA_BIN" credential add --tenant demo --name "crash-$round-$i" --json \
                >>"$DLA_TMP/cli.out" 2>/dev/null || exit 1
            i=$((i + 1))
        done
    ) &
    lpid=$!
    # after the first credential of this round, kill at a random moment
    for _ in $(seq 1 300); do
        [ -s "$DLA_TMP/cli.out" ] && break
        sleep 0.1
    done
    sleep "0.$(printf '%03d' $((RANDOM % 900)))"
    # kill the running dla child first (mid-write), then the loop
    pkill -KILL -P "$lpid" 2>/dev/null || true
    kill -KILL "$lpid" 2>/dev/null || true
    wait "$lpid" 2>/dev/null || true
    list=$("$DLA_BIN" credential list --tenant demo --json) || dla_fail "credential list after kill"
    n=$(node -e 'console.log(JSON.parse(process.argv[1]).credentials.length)' "$list")
    dla_log "CLI round $round: $n credentials readable"
done
[ "$n" -gt 1 ] || dla_fail "no credentials were written"
dla_start
curl -sf -o /dev/null "$DLA_URL/healthz" || dla_fail "healthz on the crashed store"
tok=$(dla_token demo crash-check learner)
[ -n "$tok" ] || dla_fail "no token minted on the crashed store"
dla_stop
dla_pass
