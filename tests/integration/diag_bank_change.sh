#!/usr/bin/env bash
# diag_bank_change.sh - a diagnostic survives its current item leaving the bank
# between two runs of the daemon (items edited by an institution): the state shows
# another item, answers recorded before stay, and the diagnostic can be finished.
source "$(dirname "$0")/lib.sh"
dla_setup
home="$DLA_TMP/home"
mkdir -p "$home"
cp -r "$DLA_SOURCE_DIR/config" "$home/"
export DLA_HOME=$home
dla_init
dla_start
tok=$(dla_token demo bank-1 learner)
H=(-H "Authorization: Bearer $tok" -H 'Content-Type: application/json')
st=$(curl -sf -X POST "${H[@]}" -d '{}' "$DLA_URL/api/v1/diagnostics")
id=$(echo "$st" | jq -r .id)
for _ in 1 2 3; do
    item=$(echo "$st" | jq -r .item.id)
    st=$(curl -sf -X POST "${H[@]}" -d "{\"item\":\"$item\",\"answer\":\"a\"}" "$DLA_URL/api/v1/diagnostics/$id/answers")
done
gone=$(echo "$st" | jq -r .item.id)
comp=$(echo "$st" | jq -r .item.competence)
dla_stop
f="$home/config/items/digcomp-2.1/$comp.json"
jq --arg id "$gone" '.items |= map(select(.id != $id))' "$f" > "$f.new" && mv "$f.new" "$f"
dla_start
st=$(curl -sf "${H[@]}" "$DLA_URL/api/v1/diagnostics/$id") || dla_fail "GET after the bank changed"
now=$(echo "$st" | jq -r .item.id)
[ "$now" != "$gone" ] && [ "$now" != null ] || dla_fail "still shows the removed item: $st"
[ "$(echo "$st" | jq .progress.answered)" -eq 3 ] || dla_fail "answers lost: $st"
n=3
while [ "$(echo "$st" | jq -r .state)" = in_progress ]; do
    item=$(echo "$st" | jq -r .item.id)
    st=$(curl -sf -X POST "${H[@]}" -d "{\"item\":\"$item\",\"answer\":\"b\"}" "$DLA_URL/api/v1/diagnostics/$id/answers") ||
        dla_fail "answer $n"
    n=$((n + 1))
    [ $n -le 40 ] || dla_fail "runaway"
done
curl -sf "${H[@]}" "$DLA_URL/api/v1/diagnostics/$id/result" | jq -e '.answered == 40' >/dev/null || dla_fail "result"
dla_stop
dla_pass
