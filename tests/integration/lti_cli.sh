#!/usr/bin/env bash
# lti_cli: the LTI admin commands (consumer, platform, key, grade) print one JSON
# object with --json, refuse bad input with a JSON error and a non-zero exit, and
# what they store is what the daemon uses (/lti/jwks after a rotation).
source "$(dirname "$0")/lib.sh"
dla_setup
dla_init

json_ok() { node -e 'JSON.parse(process.argv[1])' "$1" || dla_fail "not one JSON object: $1"; }

out=$(dla_cli consumer add --tenant demo --key moodle-11 --json)
json_ok "$out"
[ "$(dla_json_get "$out" key)" = moodle-11 ] || dla_fail "consumer add: $out"
secret=$(dla_json_get "$out" secret)
[ ${#secret} -ge 20 ] || dla_fail "generated secret too short: $secret"
out=$(dla_cli consumer add --tenant demo --key k2 --secret 'given-secret' --json)
[ "$(dla_json_get "$out" secret)" = given-secret ] || dla_fail "consumer add --secret: $out"
out=$(dla_cli consumer list --json)
json_ok "$out"
[ "$(dla_json_get "$out" consumers.0.key)" = k2 ] || dla_fail "consumer list: $out"
case "$out" in *secret*) dla_fail "consumer list must not print secrets: $out" ;; esac
out=$(dla_cli consumer list --tenant nobody --json)
[ "$(dla_json_get "$out" consumers)" = "[]" ] || dla_fail "consumer list --tenant: $out"
out=$(dla_cli consumer remove --key k2 --json)
[ "$(dla_json_get "$out" removed)" = true ] || dla_fail "consumer remove: $out"
if out=$(dla_cli consumer remove --key k2 --json 2>/dev/null); then dla_fail "second remove succeeded"; fi
[ "$(dla_json_get "$out" error.code)" = not_found ] || dla_fail "remove error: $out"
if out=$(dla_cli consumer add --tenant nope --key x --json 2>/dev/null); then dla_fail "unknown tenant accepted"; fi
[ "$(dla_json_get "$out" error.code)" = unknown_tenant ] || dla_fail "unknown tenant: $out"
if out=$(dla_cli consumer add --tenant demo --key x --secret short --json 2>/dev/null); then
    dla_fail "short secret accepted"
fi

args=(--tenant demo --issuer https://moodle.example.lt --client-id abc
      --auth-url https://moodle.example.lt/mod/lti/auth.php
      --token-url https://moodle.example.lt/mod/lti/token.php
      --jwks-url https://moodle.example.lt/mod/lti/certs.php)
if out=$(dla_cli platform add "${args[@]}" --json 2>/dev/null); then dla_fail "platform without deployment"; fi
[ "$(dla_json_get "$out" error.code)" = usage ] || dla_fail "usage error: $out"
out=$(dla_cli platform add "${args[@]}" --deployment 1 --deployment 7 --json)
json_ok "$out"
[ "$(dla_json_get "$out" deployments)" = '["1","7"]' ] || dla_fail "platform add: $out"
if out=$(dla_cli platform add "${args[@]/https:\/\/moodle.example.lt\/mod\/lti\/auth.php/ftp://x}" \
    --deployment 1 --json 2>/dev/null); then dla_fail "ftp url accepted"; fi
out=$(dla_cli platform list --json)
[ "$(dla_json_get "$out" platforms.0.client_id)" = abc ] || dla_fail "platform list: $out"
out=$(dla_cli platform remove --issuer https://moodle.example.lt --client-id abc --json)
[ "$(dla_json_get "$out" removed)" = true ] || dla_fail "platform remove: $out"
out=$(dla_cli platform list --json)
[ "$(dla_json_get "$out" platforms)" = "[]" ] || dla_fail "platform not removed: $out"

dla_start
kid0=$(dla_json_get "$(curl -sf "$DLA_URL/lti/jwks")" keys.0.kid)
out=$(dla_cli key rotate --json)
kid1=$(dla_json_get "$out" kid)
[ "$kid1" != "$kid0" ] || dla_fail "rotation kept the kid"
jwks=$(curl -sf "$DLA_URL/lti/jwks")
[ "$(dla_json_get "$jwks" keys.0.kid)" = "$kid1" ] || dla_fail "daemon did not pick up the new key: $jwks"
[ "$(dla_json_get "$jwks" keys.1.kid)" = "$kid0" ] || dla_fail "old key not kept for the overlap: $jwks"
case "$jwks" in *'"d":'*) dla_fail "private key material in the JWKS" ;; esac
tok=$(dla_token demo alice learner)
if out=$(dla_cli grade --token "$tok" --score 0.5 --json 2>/dev/null); then dla_fail "grade without launch"; fi
[ "$(dla_json_get "$out" error.code)" = grade_failed ] || dla_fail "grade error: $out"
dla_stop
dla_pass
