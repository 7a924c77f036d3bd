#!/usr/bin/env bash
# core_healthz: the daemon starts on a loopback port, answers /healthz with JSON,
# keeps connections alive, answers unknown paths with a JSON 404 and stops
# cleanly on SIGTERM.
source "$(dirname "$0")/lib.sh"
dla_setup
dla_init
dla_start

body=$(curl -sf "$DLA_URL/healthz") || dla_fail "GET /healthz failed"
dla_assert_contains "$(dla_json_get "$body" status)" "ok" "healthz status"

# keep-alive: two requests on one connection reuse it (curl reports the reuse)
verbose=$(curl -sv -o /dev/null -o /dev/null "$DLA_URL/healthz" "$DLA_URL/healthz" 2>&1)
dla_assert_contains "$verbose" "Re-using existing connection" "keep-alive"
case "$verbose" in *"Connection: close"*) dla_fail "server closed a keep-alive connection" ;; esac

# HEAD works, unknown path is a JSON 404
dla_assert_eq "$(curl -s -o /dev/null -w '%{http_code}' -I "$DLA_URL/healthz")" 200 "HEAD /healthz"
nf=$(curl -s -w '\n%{http_code}' "$DLA_URL/no/such/path")
dla_assert_eq "${nf##*$'\n'}" 404 "unknown path status"
code=$(dla_json_get "${nf%$'\n'*}" error.code)
[ -n "$code" ] || dla_fail "404 without error.code"

# a path that is not valid UTF-8 still gets a proper JSON 404
bad=$(curl -s "$DLA_URL/%ff%fe")
dla_assert_eq "$(dla_json_get "$bad" error.code)" not_found "invalid UTF-8 path"

dla_stop
dla_pass
