#!/usr/bin/env bash
# diag_cli.sh - the diagnostic's admin commands against a real data dir and daemon:
# QTI import (2.1 + 3.0, refusals), items check, frameworks export/import (CASE),
# simulate (JSON report, determinism), and calibrate (minimum-sample refusal, then
# a fit report from diagnostics walked through the HTTP API).
source "$(dirname "$0")/lib.sh"
dla_setup
dla_init
export DLA_HOME=$DLA_SOURCE_DIR
Q=$DLA_SOURCE_DIR/tests/fuzz/corpus/qti

before=$(dla_cli items check | jq .items)
out=$(dla_cli items import --json "$Q/phish-21-en.xml" "$Q/phish-21-lt.xml" "$Q/sign-30-en.xml" "$Q/sign-30-lt.xml")
[ "$(echo "$out" | jq -c .imported)" = '["qti-4.1-phish","qti-2.3-esign"]' ] || dla_fail "import: $out"
after=$(dla_cli items check | jq .items)
[ "$after" -eq $((before + 2)) ] || dla_fail "items check: $before -> $after"
# the same ids again: refused unless --replace
if dla_cli items import "$Q/phish-21-en.xml" "$Q/phish-21-lt.xml" 2>"$DLA_TMP/err"; then dla_fail "duplicate import accepted"; fi
grep -q "use --replace" "$DLA_TMP/err" || dla_fail "duplicate message: $(cat "$DLA_TMP/err")"
dla_cli items import --replace "$Q/phish-21-en.xml" "$Q/phish-21-lt.xml" >/dev/null || dla_fail "replace"
# one language only, a DOCTYPE, a multiple-choice item: refused, nothing stored
for bad in "$Q/sign-30-en.xml" "$Q/bad-doctype.xml" "$Q/bad-multiple.xml"; do
    if dla_cli items import "$bad" 2>"$DLA_TMP/err"; then dla_fail "accepted $bad"; fi
    [ -s "$DLA_TMP/err" ] || dla_fail "no message for $bad"
done
grep -q "exactly one choice" "$DLA_TMP/err" || dla_fail "message: $(cat "$DLA_TMP/err")"
[ "$(dla_cli items check | jq .items)" -eq "$after" ] || dla_fail "a refused import changed the bank"

# frameworks: CASE export and import
dla_cli frameworks export --framework digcomp-2.1 > "$DLA_TMP/case.json"
[ "$(jq '.CFItems | length' "$DLA_TMP/case.json")" -eq 26 ] || dla_fail "CASE export"
dla_cli frameworks import --id digcomp-copy --out "$DLA_TMP/copy.json" "$DLA_TMP/case.json" >/dev/null || dla_fail "CASE import"
[ "$(jq -r '.areas[3].competences[1].title.lt' "$DLA_TMP/copy.json")" = "Asmens duomenų ir privatumo apsauga" ] || dla_fail "CASE round trip"

# simulate: a JSON report, identical for the same seed
s1=$(dla_cli simulate --examinees 30 --seed 5)
s2=$(dla_cli simulate --examinees 30 --seed 5)
[ "$s1" = "$s2" ] || dla_fail "simulate not deterministic"
echo "$s1" | jq -e '.adaptive.per_area | length == 5' >/dev/null || dla_fail "simulate report: $s1"
echo "$s1" | jq -e '.fixed.length.mean == 82 and .adaptive.length.mean <= 40' >/dev/null || dla_fail "lengths"
if dla_cli simulate --examinees 0 2>/dev/null; then dla_fail "bad option accepted"; fi

# calibrate: refused below the minimum sample
if dla_cli items calibrate --json >"$DLA_TMP/cal" 2>&1; then dla_fail "calibrated with no data"; fi
grep -q "needs at least" "$DLA_TMP/cal" || dla_fail "calibrate message: $(cat "$DLA_TMP/cal")"

# tenant role profiles: add (validated), list, use through the API, remove
jq '.id = "lawyer" | .title = {"lt": "Teisininkas", "en": "Lawyer"} | .targets["3.3"] = 6' \
    "$DLA_SOURCE_DIR/config/roles/specialist.json" > "$DLA_TMP/lawyer.json"
jq 'del(.targets["5.4"])' "$DLA_TMP/lawyer.json" > "$DLA_TMP/bad-role.json"
if dla_cli roles add --tenant demo "$DLA_TMP/bad-role.json" 2>"$DLA_TMP/err"; then dla_fail "bad role accepted"; fi
grep -q "each of the 21 competences" "$DLA_TMP/err" || dla_fail "role message: $(cat "$DLA_TMP/err")"
dla_cli roles add --tenant demo --json "$DLA_TMP/lawyer.json" | jq -e '.added == "lawyer"' >/dev/null || dla_fail "roles add"
dla_cli roles list --tenant demo | jq -e '[.roles[].id] | index("lawyer") != null and length == 5' >/dev/null ||
    dla_fail "roles list"

# walk three learners through whole diagnostics over HTTP, then calibrate
dla_start
tok=$(dla_token demo c0 learner)
curl -sf -H "Authorization: Bearer $tok" "$DLA_URL/api/v1/roles" | jq -e '[.roles[].id] | index("lawyer") != null' >/dev/null ||
    dla_fail "GET /roles lacks the tenant's role"
curl -sf -X PUT -H "Authorization: Bearer $tok" -d '{"role_id":"lawyer","objectives":[]}' "$DLA_URL/api/v1/profile" |
    jq -e '.role.title.en == "Lawyer"' >/dev/null || dla_fail "profile with the tenant's role"
for u in c1 c2 c3; do
    tok=$(dla_token demo "$u" learner)
    st=$(curl -sf -X POST -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
        -d '{"framework":"digcomp-2.1","language":"en"}' "$DLA_URL/api/v1/diagnostics")
    id=$(echo "$st" | jq -r .id)
    n=0
    while [ "$(echo "$st" | jq -r .state)" = in_progress ]; do
        item=$(echo "$st" | jq -r .item.id)
        opt=$(echo "$st" | jq -r ".item.options[$(( (n + ${#u}) % 3 ))].id")
        st=$(curl -sf -X POST -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
            -d "{\"item\":\"$item\",\"answer\":\"$opt\"}" "$DLA_URL/api/v1/diagnostics/$id/answers") ||
            dla_fail "answer $n of $u"
        n=$((n + 1))
        [ $n -le 40 ] || dla_fail "more than 40 items"
    done
    [ $n -eq 40 ] || dla_fail "$u answered $n items"
    curl -sf -H "Authorization: Bearer $tok" "$DLA_URL/api/v1/diagnostics/$id/result" | jq -e '.areas | length == 5' >/dev/null ||
        dla_fail "result of $u"
done
dla_stop
dla_cli roles remove --tenant demo --id lawyer >/dev/null || dla_fail "roles remove"
if dla_cli roles remove --tenant demo --id lawyer 2>/dev/null; then dla_fail "removed twice"; fi
cal=$(dla_cli items calibrate --json --min-persons 3 --min-n 2 --max-iter 50) || dla_fail "calibrate: $cal"
echo "$cal" | jq -e '.persons == 3 and (.items | length) > 300 and .saved == (.fitted > 0)' >/dev/null || dla_fail "fit report: $(echo "$cal" | head -c 300)"
echo "$cal" | jq -e '[.items[] | select(.n > 0)] | length > 30' >/dev/null || dla_fail "responses not counted"
dla_pass
