#!/usr/bin/env bash
# xapi_kill9.sh - durability: writers post statements (single and batches of 20,
# client-chosen ids) while the daemon is killed with SIGKILL at random moments;
# after every restart the store opens and every statement whose POST had been
# answered 200 is there, by id and through the agent index. The store starts
# with 4,000 imported statements, so the writes cross the boundary where the
# index's hot tier is merged into the cold one (4,096) while kills happen.
source "$(dirname "$0")/lib.sh"

ROUNDS=${XAPI_KILL_ROUNDS:-5}
dla_setup
dla_init
cred=$(dla_credential demo)
AUTH="$(dla_json_get "$cred" key):$(dla_json_get "$cred" secret)"
python3 -c '
for i in range(4000):
    print("{\"actor\":{\"mbox\":\"mailto:pre%d@example.lt\"},\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/experienced\"},\"object\":{\"id\":\"https://dla.example.lt/act/pre\"}}" % (i % 50))
' | dla_cli xapi-import --tenant demo --batch 1000 - >/dev/null || dla_fail "preload import failed"
ACKED="$DLA_TMP/acked"
: >"$ACKED"

uuid() { cat /proc/sys/kernel/random/uuid; }
stmt() { # id n
    printf '{"id":"%s","actor":{"mbox":"mailto:w%s@example.lt"},"verb":{"id":"http://adlnet.gov/expapi/verbs/experienced"},"object":{"id":"https://dla.example.lt/act/%s"}}' "$1" "$2" "$2"
}
# writer W BATCH: posts until the stop file appears; logs ids answered 200
writer()
{
    local w=$1 batch=$2 ids body i code
    while [ ! -e "$DLA_TMP/stop" ]; do
        ids=()
        body=""
        for i in $(seq 1 "$batch"); do
            ids+=("$(uuid)")
            body+="${body:+,}$(stmt "${ids[-1]}" "$w")"
        done
        [ "$batch" -gt 1 ] && body="[$body]"
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -u "$AUTH" \
            -H 'X-Experience-API-Version: 1.0.3' -H 'Content-Type: application/json' \
            -d "$body" "$DLA_URL/xapi/statements" 2>/dev/null) || code=000
        if [ "$code" = 200 ]; then
            printf '%s\n' "${ids[@]}" >>"$ACKED.$w"
        elif [ "$code" != 000 ]; then
            echo "unexpected status $code" >>"$DLA_TMP/errors"
        fi
    done
}

for round in $(seq 1 "$ROUNDS"); do
    dla_start
    rm -f "$DLA_TMP/stop"
    pids=()
    for w in 1 2 3; do
        writer "$w" 1 &
        pids+=($!)
    done
    writer 4 20 &
    pids+=($!)
    # a random moment between 0.5 and 2.5 s into the load
    sleep "$(awk -v r=$RANDOM 'BEGIN{printf "%.2f", 0.5 + (r % 200) / 100}')"
    kill -KILL "$DLA_PID"
    wait "$DLA_PID" 2>/dev/null || true
    DLA_PID=""
    touch "$DLA_TMP/stop"
    wait "${pids[@]}" 2>/dev/null || true
    cat "$ACKED".* >>"$ACKED" 2>/dev/null || true
    rm -f "$ACKED".*
    dla_log "round $round: killed; $(wc -l <"$ACKED") statements acknowledged so far"
done
[ -s "$DLA_TMP/errors" ] && dla_fail "writers saw errors: $(sort "$DLA_TMP/errors" | uniq -c)"

# the store opens and holds every acknowledged statement
dla_start
total=$(wc -l <"$ACKED")
[ "$total" -gt 0 ] || dla_fail "no statement was acknowledged"
missing=0
while read -r id; do
    code=$(curl -s -o /dev/null -w '%{http_code}' -u "$AUTH" -H 'X-Experience-API-Version: 1.0.3' \
        "$DLA_URL/xapi/statements?statementId=$id")
    if [ "$code" != 200 ]; then
        missing=$((missing + 1))
        echo "missing $id ($code)" >&2
    fi
done <"$ACKED"
[ "$missing" = 0 ] || dla_fail "$missing of $total acknowledged statements lost"
# every acknowledged statement is also found through its agent's index entries
for w in 1 2 3 4; do dla_xapi_agent_ids "w$w" "$AUTH"; done >"$DLA_TMP/indexed"
unindexed=$(sort -u "$DLA_TMP/indexed" | comm -13 - <(sort -u "$ACKED") | wc -l)
[ "$unindexed" = 0 ] || dla_fail "$unindexed acknowledged statements missing from the agent index"
dla_log "all $total acknowledged statements present after $ROUNDS SIGKILLs"
dla_stop
dla_pass
