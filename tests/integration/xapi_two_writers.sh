#!/usr/bin/env bash
# xapi_two_writers.sh - two processes write statements into one store at once:
# `dla xapi-import` (bulk, 6,000 statements, batches of 500) while `dla serve`
# takes POSTs. Every statement of both must be stored under its own id and be
# found through the agent index afterwards: the writers take their sequence
# numbers, index tier boundary and stored times from the store inside each write
# transaction, never from what their process last wrote.
source "$(dirname "$0")/lib.sh"
dla_setup
dla_init
cred=$(dla_credential demo)
AUTH="$(dla_json_get "$cred" key):$(dla_json_get "$cred" secret)"
dla_start
python3 -c '
import uuid
with open("'"$DLA_TMP"'/import.ndjson", "w") as f, open("'"$DLA_TMP"'/import.ids", "w") as ids:
    for i in range(6000):
        u = str(uuid.uuid4())
        ids.write(u + "\n")
        f.write("{\"id\":\"%s\",\"actor\":{\"mbox\":\"mailto:bulk@example.lt\"},\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/experienced\"},\"object\":{\"id\":\"https://dla.example.lt/act/bulk%d\"}}\n" % (u, i % 7))
'
# the HTTP writer: batches of 10 until the import is done
: >"$DLA_TMP/http.ids"
(
    while [ ! -e "$DLA_TMP/done" ]; do
        body="" ids=()
        for i in $(seq 1 10); do
            ids+=("$(cat /proc/sys/kernel/random/uuid)")
            body+="${body:+,}{\"id\":\"${ids[-1]}\",\"actor\":{\"mbox\":\"mailto:web@example.lt\"},\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/experienced\"},\"object\":{\"id\":\"https://dla.example.lt/act/web\"}}"
        done
        code=$(curl -s -o /dev/null -w '%{http_code}' -u "$AUTH" -H 'X-Experience-API-Version: 1.0.3' \
            -H 'Content-Type: application/json' --data-binary "[$body]" "$DLA_URL/xapi/statements")
        [ "$code" = 200 ] && printf '%s\n' "${ids[@]}" >>"$DLA_TMP/http.ids"
        [ "$code" = 200 ] || echo "$code" >>"$DLA_TMP/errors"
    done
) &
web=$!
sleep 0.3
dla_cli xapi-import --tenant demo --batch 500 "$DLA_TMP/import.ndjson" >/dev/null ||
    dla_fail "xapi-import failed while the daemon was writing"
touch "$DLA_TMP/done"
wait "$web"
[ -s "$DLA_TMP/errors" ] && dla_fail "POSTs failed: $(sort "$DLA_TMP/errors" | uniq -c)"
nhttp=$(wc -l <"$DLA_TMP/http.ids")
[ "$nhttp" -gt 0 ] || dla_fail "no POST was acknowledged during the import"

# every statement through its agent's index, paging with `more`
dla_xapi_agent_ids bulk "$AUTH" >"$DLA_TMP/bulk.found"
dla_xapi_agent_ids web "$AUTH" >"$DLA_TMP/web.found"
lost_bulk=$(sort -u "$DLA_TMP/bulk.found" | comm -13 - <(sort -u "$DLA_TMP/import.ids") | wc -l)
lost_web=$(sort -u "$DLA_TMP/web.found" | comm -13 - <(sort -u "$DLA_TMP/http.ids") | wc -l)
[ "$lost_bulk" = 0 ] || dla_fail "$lost_bulk imported statements missing from the agent index"
[ "$lost_web" = 0 ] || dla_fail "$lost_web posted statements missing from the agent index"
[ "$(sort -u "$DLA_TMP/bulk.found" | wc -l)" = 6000 ] || dla_fail "the bulk agent has extra statements"
# and by id (a sample of each)
for id in $(shuf -n 20 "$DLA_TMP/import.ids") $(shuf -n 20 "$DLA_TMP/http.ids"); do
    code=$(curl -s -o /dev/null -w '%{http_code}' -u "$AUTH" -H 'X-Experience-API-Version: 1.0.3' \
        "$DLA_URL/xapi/statements?statementId=$id")
    [ "$code" = 200 ] || dla_fail "statement $id: $code"
done
dla_log "6000 imported and $nhttp posted statements, written side by side, all present"
dla_stop
dla_pass
