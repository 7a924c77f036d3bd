#!/usr/bin/env bash
# xapi_badinput.sh - the LRS rejects bad input with the right status and a JSON
# error, and stores nothing: malformed JSON, invalid statements, a batch with one
# bad statement, oversize bodies, wrong or missing credentials, missing version,
# scopes, conflicting ids, 2.0 alternate syntax, and another tenant's ids.
source "$(dirname "$0")/lib.sh"

dla_setup
dla_init
dla_cli tenant add other --name "Other institution" >/dev/null || dla_fail "tenant add"
cred=$(dla_credential demo)
KEY=$(dla_json_get "$cred" key)
SECRET=$(dla_json_get "$cred" secret)
ocred=$(dla_credential other)
OKEY=$(dla_json_get "$ocred" key)
OSECRET=$(dla_json_get "$ocred" secret)
rcred=$(dla_credential demo statements/read)
RKEY=$(dla_json_get "$rcred" key)
RSECRET=$(dla_json_get "$rcred" secret)
dla_start
X="$DLA_URL/xapi"
V="X-Experience-API-Version: 2.0.0"

# req METHOD URL USER:PASS [curl args...] -> sets STATUS and BODY
req()
{
    local m=$1 u=$2 a=$3
    shift 3
    BODY=$(curl -s -o - -w '\n%{http_code}' -X "$m" -u "$a" "$@" "$u") || dla_fail "curl $m $u"
    STATUS=${BODY##*$'\n'}
    BODY=${BODY%$'\n'*}
}
expect()
{ # status what
    [ "$STATUS" = "$1" ] || dla_fail "$2: expected $1, got $STATUS ($BODY)"
    if [ "$1" -ge 400 ]; then
        dla_json_get "$BODY" error.code >/dev/null || dla_fail "$2: error body is not JSON: $BODY"
    fi
}
count()
{ # number of statements the demo credential can see
    req GET "$X/statements?limit=500" "$KEY:$SECRET" -H "$V"
    expect 200 "count"
    node -e 'process.stdout.write(String(JSON.parse(process.argv[1]).statements.length))' "$BODY"
}
GOOD='{"actor":{"mbox":"mailto:ona@example.lt"},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"https://dla.example.lt/act/1"}}'

req POST "$X/statements" "$KEY:$SECRET" -H "$V" -H 'Content-Type: application/json' -d "$GOOD"
expect 200 "good statement"
ID=$(dla_json_get "$BODY" 0)
[ "$(count)" = 1 ] || dla_fail "one statement expected"

# malformed JSON
req POST "$X/statements" "$KEY:$SECRET" -H "$V" -H 'Content-Type: application/json' -d '{"actor":'
expect 400 "malformed JSON"
# invalid statements: no verb, bad mbox, bad id, extra property
for bad in '{"actor":{"mbox":"mailto:a@b.lt"},"object":{"id":"https://x.lt/a"}}' \
    '{"actor":{"mbox":"a@b.lt"},"verb":{"id":"http://x.lt/v"},"object":{"id":"https://x.lt/a"}}' \
    '{"id":"nope","actor":{"mbox":"mailto:a@b.lt"},"verb":{"id":"http://x.lt/v"},"object":{"id":"https://x.lt/a"}}' \
    '{"actor":{"mbox":"mailto:a@b.lt"},"verb":{"id":"http://x.lt/v"},"object":{"id":"https://x.lt/a"},"bogus":1}'; do
    req POST "$X/statements" "$KEY:$SECRET" -H "$V" -H 'Content-Type: application/json' -d "$bad"
    expect 400 "invalid statement $bad"
done
# a batch with one invalid statement stores none of them
req POST "$X/statements" "$KEY:$SECRET" -H "$V" -H 'Content-Type: application/json' \
    -d "[$GOOD,$GOOD,{\"actor\":{\"mbox\":\"mailto:a@b.lt\"}}]"
expect 400 "batch with an invalid statement"
# the same id twice in one batch
DUP='{"id":"8c1f6a36-2d0e-4f45-9a53-5b0c5b1f1a01","actor":{"mbox":"mailto:a@b.lt"},"verb":{"id":"http://x.lt/v"},"object":{"id":"https://x.lt/a"}}'
req POST "$X/statements" "$KEY:$SECRET" -H "$V" -H 'Content-Type: application/json' -d "[$DUP,$DUP]"
expect 400 "repeated id in a batch"
# wrong content type
req POST "$X/statements" "$KEY:$SECRET" -H "$V" -H 'Content-Type: text/plain' -d "$GOOD"
expect 400 "text/plain body"
# oversize body (over the 32 MiB route limit)
head -c $((33 * 1024 * 1024)) /dev/zero | tr '\0' ' ' >"$DLA_TMP/big.json"
req POST "$X/statements" "$KEY:$SECRET" -H "$V" -H 'Content-Type: application/json' \
    --data-binary "@$DLA_TMP/big.json"
expect 413 "oversize body"
[ "$(count)" = 1 ] || dla_fail "rejected requests stored statements"

# conflicting PUT of an existing id; an equal PUT is fine
req PUT "$X/statements?statementId=$ID" "$KEY:$SECRET" -H "$V" -H 'Content-Type: application/json' \
    -d '{"actor":{"mbox":"mailto:other@example.lt"},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"https://dla.example.lt/act/1"}}'
expect 409 "conflicting PUT"

# credentials
req GET "$X/statements" "$KEY:wrong" -H "$V"
expect 401 "wrong secret"
req GET "$X/statements" "nobody:nothing" -H "$V"
expect 401 "unknown key"
BODY=$(curl -s -w '\n%{http_code}' -H "$V" "$X/statements")
STATUS=${BODY##*$'\n'}
BODY=${BODY%$'\n'*}
expect 401 "no credentials"
# scopes: a read-only credential cannot write
req POST "$X/statements" "$RKEY:$RSECRET" -H "$V" -H 'Content-Type: application/json' -d "$GOOD"
expect 403 "read-only credential writes"
req GET "$X/statements?statementId=$ID" "$RKEY:$RSECRET" -H "$V"
expect 200 "read-only credential reads"
# version header
req GET "$X/statements" "$KEY:$SECRET"
expect 400 "missing version header"
req GET "$X/statements" "$KEY:$SECRET" -H "X-Experience-API-Version: 3.0.0"
expect 400 "unsupported version"
# bad query parameters
req GET "$X/statements?limit=-1" "$KEY:$SECRET" -H "$V"
expect 400 "negative limit"
req GET "$X/statements?agent=%7Bnot-json" "$KEY:$SECRET" -H "$V"
expect 400 "agent not JSON"
req GET "$X/statements?statementId=$ID&verb=http%3A%2F%2Fx.lt%2Fv" "$KEY:$SECRET" -H "$V"
expect 400 "statementId with another filter"
req GET "$X/statements?bogus=1" "$KEY:$SECRET" -H "$V"
expect 400 "unknown parameter"
# alternate request syntax is 1.0.3 only
req POST "$X/statements?method=GET" "$KEY:$SECRET" -H "$V" \
    -H 'Content-Type: application/x-www-form-urlencoded' -d 'limit=1'
expect 400 "alternate syntax under 2.0"

# another tenant sees nothing of demo's: statements, documents, activities
req GET "$X/statements?statementId=$ID" "$OKEY:$OSECRET" -H "$V"
expect 404 "other tenant reads a statement id"
req GET "$X/statements" "$OKEY:$OSECRET" -H "$V"
expect 200 "other tenant lists"
n=$(node -e 'process.stdout.write(String(JSON.parse(process.argv[1]).statements.length))' "$BODY")
[ "$n" = 0 ] || dla_fail "other tenant sees $n statements"
AG='%7B%22mbox%22%3A%22mailto%3Aona%40example.lt%22%7D'
ST="$X/activities/state?activityId=https%3A%2F%2Fdla.example.lt%2Fact%2F1&agent=$AG&stateId=bookmark"
req PUT "$ST" "$KEY:$SECRET" -H "$V" -H 'Content-Type: application/json' -d '{"page":3}'
expect 204 "state PUT"
req GET "$ST" "$OKEY:$OSECRET" -H "$V"
expect 404 "other tenant reads a state document"
req PUT "$ST" "$OKEY:$OSECRET" -H "$V" -H 'Content-Type: application/json' -d '{"page":9}'
expect 204 "other tenant writes its own state"
req GET "$ST" "$KEY:$SECRET" -H "$V"
expect 200 "own state"
[ "$BODY" = '{"page":3}' ] || dla_fail "state crossed tenants: $BODY"
# the other tenant cannot void demo's statement (its voiding lands in its own tenant)
VOID="{\"actor\":{\"mbox\":\"mailto:x@example.lt\"},\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/voided\"},\"object\":{\"objectType\":\"StatementRef\",\"id\":\"$ID\"}}"
req POST "$X/statements" "$OKEY:$OSECRET" -H "$V" -H 'Content-Type: application/json' -d "$VOID"
expect 200 "other tenant voiding"
req GET "$X/statements?statementId=$ID" "$KEY:$SECRET" -H "$V"
expect 200 "demo statement still there after the other tenant's voiding"

# document rules: POST merge needs JSON objects; If-Match mismatch is 412
req POST "$ST" "$KEY:$SECRET" -H "$V" -H 'Content-Type: application/json' -d '[1,2]'
expect 400 "POST merge with an array"
req PUT "$ST" "$KEY:$SECRET" -H "$V" -H 'Content-Type: application/json' -H 'If-Match: "0000"' -d '{}'
expect 412 "If-Match mismatch"
req PUT "$ST" "$KEY:$SECRET" -H "$V" -H 'Content-Type: application/json' -d '{}'
expect 409 "2.0 state PUT over an existing document without a precondition"

dla_stop
dla_pass
