#!/usr/bin/env bash
# core_plugins: the daemon loads the two example plugins and the test plugins from
# the "plugins" config array; `dla plugin list|search|export` answer through
# them; a plugin with a wrong ABI, one without its entry and a missing file are
# refused by name (the wrong ABI with both versions) and `dla serve` exits non-zero.
source "$(dirname "$0")/lib.sh"
: "${DLA_PLUGIN_DIR:?}" "${DLA_BUILD_DIR:?}"
TP="$DLA_BUILD_DIR/tests/plugins"
dla_setup
cp "$DLA_SOURCE_DIR/plugins/content_catalog/catalog.example.json" "$DLA_TMP/catalog.json"

dla_write_config <<JSON >/dev/null
{
  "plugins": [
    {"name": "katalogas", "path": "content_catalog",
     "config": {"catalog": "$DLA_TMP/catalog.json", "max_results": 20}},
    {"name": "hr", "path": "hr_csv.so",
     "config": {"path": "exports/kompetencijos-{tenant}.csv", "delimiter": ";"}},
    {"name": "testas", "path": "$TP/test_content.so", "config": {"items": 1}},
    {"name": "hrmem", "path": "$TP/test_hr.so"}
  ]
}
JSON
dla_init
dla_start
grep -q 'plugin "katalogas" loaded: content_catalog 1.0.0' "$DLA_LOG" ||
    dla_fail "daemon log does not show content_catalog loaded"
grep -q 'plugin "hr" loaded: hr_csv 1.0.0' "$DLA_LOG" || dla_fail "hr_csv not loaded"
curl -sf -o /dev/null "$DLA_URL/healthz" || dla_fail "healthz with plugins"

# content search over HTTP: GET /api/v1/content with a session token
tok=$(dla_token demo ona learner)
api() { curl -s -H "Authorization: Bearer $tok" -w '\n%{http_code}' "$DLA_URL/api/v1/content$1"; }
res=$(api '?competence=4.2&level=2&language=lt&source=katalogas')
dla_assert_eq "${res##*$'\n'}" 200 "GET /api/v1/content status"
body=${res%$'\n'*}
dla_assert_eq "$(dla_json_get "$body" items.0.id)" slaptazodziai-mfa "HTTP content search"
dla_assert_eq "$(dla_json_get "$body" sources)" 2 "sources count"
res=$(api '?text=phishing&limit=5')
ids=$(node -e 'console.log(JSON.parse(process.argv[1]).items.map(i => i.id).join(","))' "${res%$'\n'*}")
dla_assert_eq "$ids" "slaptazodziai-mfa,phishing-awareness,t0" "HTTP text search"
dla_assert_eq "$(api '?level=9' | tail -n 1)" 400 "bad level"
dla_assert_eq "$(api '?colour=red' | tail -n 1)" 400 "unknown parameter"
dla_assert_eq "$(api '?level=1&level=2' | tail -n 1)" 400 "repeated parameter"
dla_assert_eq "$(api '?source=nope' | tail -n 1)" 404 "unknown source"
dla_assert_eq "$(api '?competence=%ff' | tail -n 1)" 400 "non-UTF-8 parameter"
dla_assert_eq "$(curl -s -o /dev/null -w '%{http_code}' "$DLA_URL/api/v1/content")" 401 "no token"
dla_assert_eq "$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer nope' \
    "$DLA_URL/api/v1/content")" 401 "bad token"
# concurrent searches from several clients (plugins run on pool threads)
pids=()
for i in 1 2 3 4 5 6 7 8; do
    (for j in 1 2 3 4 5 6 7 8 9 10; do
        curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $tok" \
            "$DLA_URL/api/v1/content?competence=4&limit=3"
    done) \
        >"$DLA_TMP/par.$i" &
    pids+=($!)
done
wait "${pids[@]}" # not a bare wait: the daemon is a background job too
dla_assert_eq "$(cat "$DLA_TMP"/par.* | sort | uniq -c | awk '{print $1":"$2}')" "80:200" \
    "parallel searches"

# plugin list (while the daemon runs: LMDB allows several processes)
list=$(dla_cli plugin list --json) || dla_fail "plugin list failed"
dla_assert_eq "$(dla_json_get "$list" plugins.0.name)" katalogas "first plugin"
dla_assert_eq "$(dla_json_get "$list" plugins.0.plugin)" content_catalog "plugin name"
dla_assert_eq "$(dla_json_get "$list" plugins.0.abi_version)" 1 "abi version"
dla_assert_eq "$(dla_json_get "$list" plugins.0.content_sources)" '["katalogas"]' "sources"
dla_assert_eq "$(dla_json_get "$list" plugins.1.hr_exporters)" '["hr"]' "exporters"
dla_assert_eq "$(dla_json_get "$list" plugins.1.path)" "$DLA_PLUGIN_DIR/hr_csv.so" "path"
dla_assert_eq "$(dla_json_get "$list" plugins.3.caps)" '["hr_exporter"]' "caps"
text=$(dla_cli plugin list) || dla_fail "plugin list (text)"
dla_assert_contains "$text" "content_catalog 1.0.0" "text listing"

# content search: by competence + level + language, by text, one source only
res=$(dla_cli plugin search '{"competence":"4.2","level":2,"language":"lt","source":"katalogas"}' --json)
dla_assert_eq "$(dla_json_get "$res" items.0.id)" slaptazodziai-mfa "competence search"
dla_assert_eq "$(node -e 'console.log(JSON.parse(process.argv[1]).items.length)' "$res")" 1 \
    "competence search count"
dla_assert_eq "$(dla_json_get "$res" items.0.source)" katalogas "source annotation"
res=$(dla_cli plugin search '{"text":"phishing"}' --json)
ids=$(node -e 'console.log(JSON.parse(process.argv[1]).items.map(i => i.source + ":" + i.id).join(","))' "$res")
dla_assert_eq "$ids" "katalogas:slaptazodziai-mfa,katalogas:phishing-awareness,testas:t0" "text search"
res=$(dla_cli plugin search '{"competence":"5"}' --json)
dla_assert_contains "$res" '"problemu-sprendimas"' "area search"
rc=0
err=$(dla_cli plugin search '{"source":"nope"}' 2>&1 >/dev/null) || rc=$?
[ $rc -ne 0 ] || dla_fail "search in an unknown source succeeded"
dla_assert_contains "$err" '"nope"' "unknown source message"

# HR export through hr_csv: tenant filter, ';' delimiter, file appears atomically
cat >"$DLA_TMP/rows.json" <<'JSON'
[{"tenant":"demo","user_id":"u1","name":"Jonas Jonaitis","unit":"IT skyrius",
  "framework":"digcomp-2.2","competence":"4.2","level":3,"score":0.625,"assessed":1764288000},
 {"tenant":"kita","user_id":"u2","competence":"1.1","level":1,"score":0.2},
 {"tenant":"demo","user_id":"u3","name":"Ona; Onaitė","competence":"1.1","level":2,"score":0.5}]
JSON
sum=$(dla_cli plugin export hr --options '{"tenant":"demo"}' --rows "$DLA_TMP/rows.json" --json) ||
    dla_fail "export failed"
dla_assert_eq "$(dla_json_get "$sum" rows)" 2 "exported rows"
dla_assert_eq "$(dla_json_get "$sum" skipped)" 1 "skipped rows"
csv="$DLA_DATA_DIR/exports/kompetencijos-demo.csv"
dla_assert_eq "$(dla_json_get "$sum" path)" "$csv" "export path"
expected=$'tenant;user_id;name;unit;framework;competence;level;score;assessed\r
demo;u1;Jonas Jonaitis;IT skyrius;digcomp-2.2;4.2;3;0.625;2025-11-28T00:00:00Z\r
demo;u3;"Ona; Onaitė";;;1.1;2;0.500;\r'
dla_assert_eq "$(cat "$csv")" "$expected" "CSV content"
# rows from stdin into the in-memory test exporter
sum=$(dla_cli plugin export hrmem --json <"$DLA_TMP/rows.json") || dla_fail "export hrmem"
dla_assert_eq "$(dla_json_get "$sum" rows)" 3 "hrmem rows"
# a bad row: non-zero exit, nothing published
printf '[{"tenant":"zzz","user_id":"u","competence":"1.1","level":99}]' >"$DLA_TMP/bad.json"
if dla_cli plugin export hr --options '{"tenant":"zzz"}' --rows "$DLA_TMP/bad.json" 2>/dev/null; then
    dla_fail "a bad row was exported"
fi
[ ! -e "$DLA_DATA_DIR/exports/kompetencijos-zzz.csv" ] || dla_fail "partial export published"
ls "$DLA_DATA_DIR/exports" | grep -q tmp && dla_fail "temporary file left behind"
dla_stop

# refused plugins: serve must exit non-zero with one line naming the plugin
refused()
{
    local name=$1 path=$2 want=$3 rc=0 err
    dla_write_config <<JSON >/dev/null
{"plugins": [{"name": "katalogas", "path": "content_catalog",
              "config": {"catalog": "$DLA_TMP/catalog.json"}},
             {"name": "$name", "path": "$path"}]}
JSON
    timeout 30 "$DLA_BIN" serve >/dev/null 2>"$DLA_TMP/refused.log" || rc=$?
    err=$(grep -v ' info ' "$DLA_TMP/refused.log" || true)
    [ $rc -ne 0 ] && [ $rc -ne 124 ] || dla_fail "$name: serve exit status $rc"
    dla_assert_eq "$(printf '%s\n' "$err" | grep -c .)" 1 "$name: one error line ($err)"
    dla_assert_contains "$err" "\"$name\"" "$name: message names the plugin"
    dla_assert_contains "$err" "$want" "$name: message"
    dla_log "$name refused: $err"
}
refused oldabi "$TP/test_bad_abi.so" "incompatible ABI version 999, this dla supports ABI version 1"
refused notaplugin "$TP/test_no_entry.so" "dla_plugin_entry"
refused missing "does_not_exist" "$DLA_PLUGIN_DIR/does_not_exist.so"

dla_pass
