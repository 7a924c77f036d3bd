#!/usr/bin/env bash
# lti_ttl_wipe: LTI nonces and sessions live in the store's no-sync TTL
# environment, which is wiped when the kernel boot id changes (OS crash or
# reboot). Replay protection must hold across such a wipe:
#  1. a 1.1 launch signed before the TTL records began (volatile_since, here the
#     time of `dla init`) is refused even though its timestamp is in the window;
#  2. a fresh launch works (303 + session), its replay is refused (409);
#  3. after kill -9 (same boot) nonce and session are still there: the replay is
#     still refused and the session still works;
#  4. after a "reboot" (DLA_BOOT_ID_FILE changes) the TTL records are gone: the
#     nonce is lost, yet replaying the launch is refused (401, signed before
#     volatile_since), the old session is gone, and a new launch works.
source "$(dirname "$0")/lib.sh"
DLA_TEST_NAME=lti_ttl_wipe
dla_setup
export DLA_BOOT_ID_FILE="$DLA_TMP/boot_id"
echo "boot-one" >"$DLA_BOOT_ID_FILE"
dla_write_config >/dev/null <<JSON
{"server": {"log_level": "info"}, "store": {"sync": false}}
JSON
dla_init
dla_cli consumer add --tenant demo --key wipe-key --secret wipe-secret-0123 --json >/dev/null ||
    dla_fail "consumer add failed"
dla_start

# sign TS NONCE: prints a signed basic-lti-launch-request body
sign()
{
    node -e '
        const oauth = require("oauth-sign");
        const [url, ts, nonce] = process.argv.slice(1);
        const p = { lti_message_type: "basic-lti-launch-request", lti_version: "LTI-1p0",
            resource_link_id: "wipe-link", context_id: "wipe-course", user_id: "wipe-user",
            roles: "Learner", lis_person_name_full: "Wipe Learner",
            oauth_consumer_key: "wipe-key", oauth_nonce: nonce, oauth_timestamp: ts,
            oauth_signature_method: "HMAC-SHA1", oauth_version: "1.0" };
        p.oauth_signature = oauth.hmacsign("POST", url, p, "wipe-secret-0123", "");
        process.stdout.write(new URLSearchParams(p).toString());
    ' "$DLA_URL/lti/launch" "$1" "$2" || dla_fail "signing failed"
}

# launch BODY: prints "status location"
launch()
{
    curl -s -o /dev/null -w '%{http_code} %{redirect_url}' -X POST \
        -H 'Content-Type: application/x-www-form-urlencoded' --data-binary "$1" \
        "$DLA_URL/lti/launch"
}

me_status() { dla_http_status GET /api/v1/me -H "Authorization: Bearer $1"; }

# 1. signed 120 s before the TTL store began: inside the ±300 s window, refused
old=$(sign $(($(date +%s) - 120)) "nonce-old")
read -r st _ <<<"$(launch "$old")"
dla_assert_eq "$st" 401 "launch signed before volatile_since"
grep -q "precedes the reset of the nonce store" "$DLA_LOG" ||
    dla_fail "no reason logged for the refused launch: $(tail -5 "$DLA_LOG")"

# 2. a fresh launch works once
body=$(sign "$(date +%s)" "nonce-fresh")
read -r st loc <<<"$(launch "$body")"
dla_assert_eq "$st" 303 "fresh launch"
token=${loc#*#token=}
token=${token%%&*}
[ -n "$token" ] && [ "$token" != "$loc" ] || dla_fail "no session token in [$loc]"
dla_assert_eq "$(me_status "$token")" 200 "session after launch"
read -r st _ <<<"$(launch "$body")"
dla_assert_eq "$st" 409 "replayed launch"

# 3. kill -9: the no-sync TTL environment keeps nonce and session
dla_kill9
dla_start
read -r st _ <<<"$(launch "$body")"
dla_assert_eq "$st" 409 "replay after kill -9"
dla_assert_eq "$(me_status "$token")" 200 "session after kill -9"

# 4. a new boot wipes the TTL records; the lost nonce does not reopen the replay
sleep 1.1 # volatile_since counts whole seconds: the wipe must be after the signing
dla_stop
echo "boot-two" >"$DLA_BOOT_ID_FILE"
dla_start
grep -q "new boot since the TTL records were written" "$DLA_LOG" ||
    dla_fail "the TTL environment was not recreated: $(tail -5 "$DLA_LOG")"
dla_assert_eq "$(me_status "$token")" 401 "session after the wipe"
read -r st _ <<<"$(launch "$body")"
dla_assert_eq "$st" 401 "replay after the wipe (nonce lost)"
read -r st loc <<<"$(launch "$(sign "$(date +%s)" "nonce-after")")"
dla_assert_eq "$st" 303 "new launch after the wipe"
dla_stop
dla_pass
