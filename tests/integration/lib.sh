# lib.sh - shared helpers for bash integration tests (source it, do not run it).
#
#   source "$(dirname "$0")/lib.sh"
#   dla_setup                  # temp dir, data dir, cleanup on exit
#   dla_init                   # `dla init --json`; sets DLA_DEMO_KEY / DLA_DEMO_SECRET
#   dla_start                  # `dla serve` on a free 127.0.0.1 port; waits for /healthz
#   curl -sf "$DLA_URL/healthz"
#   cred=$(dla_credential demo)            # {"key","secret","tenant","scopes"}
#   key=$(dla_json_get "$cred" key)
#   tok=$(dla_token demo alice learner)    # the token string
#   dla_stop                   # SIGTERM, waits, fails on a non-zero exit (ASan findings)
#   dla_pass                   # prints "PASS <test>" and exits 0
#
# Environment (from ctest): DLA_BIN, DLA_SOURCE_DIR, DLA_BUILD_DIR, DLA_PLUGIN_DIR,
# NODE_PATH, DLA_ARTIFACTS. Set DLA_KEEP_TMP=1 to keep the temporary directory.
# Every helper fails the test (exit 1 with a message) rather than returning errors.
# The daemon is a background job of the test shell: wait for your own background
# jobs by pid (wait "$pid"), never with a bare `wait`, which would wait for it.

set -euo pipefail

: "${DLA_BIN:?DLA_BIN must point at the dla binary}"
DLA_SOURCE_DIR=${DLA_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
DLA_TEST_NAME=${DLA_TEST_NAME:-$(basename "${0%.sh}")}
DLA_PID=""

# Prints a failure (with the daemon log tail when there is one) and exits 1.
dla_fail()
{
    echo "FAIL $DLA_TEST_NAME: $*" >&2
    if [ -n "${DLA_LOG:-}" ] && [ -s "$DLA_LOG" ]; then
        echo "---- last lines of $DLA_LOG" >&2
        tail -n 30 "$DLA_LOG" >&2
    fi
    exit 1
}

dla_pass()
{
    echo "PASS $DLA_TEST_NAME"
    exit 0
}

dla_log() { echo "[$DLA_TEST_NAME] $*"; }

_dla_cleanup()
{
    local rc=$?
    if [ -n "$DLA_PID" ] && kill -0 "$DLA_PID" 2>/dev/null; then
        kill -KILL "$DLA_PID" 2>/dev/null || true
        wait "$DLA_PID" 2>/dev/null || true
    fi
    if [ -n "${DLA_TMP:-}" ] && [ -d "$DLA_TMP" ]; then
        if [ $rc -ne 0 ] && [ -n "${DLA_ARTIFACTS:-}" ]; then
            mkdir -p "$DLA_ARTIFACTS/$DLA_TEST_NAME" 2>/dev/null &&
                cp "$DLA_TMP"/*.log "$DLA_ARTIFACTS/$DLA_TEST_NAME/" 2>/dev/null || true
        fi
        if [ "${DLA_KEEP_TMP:-0}" = 1 ]; then
            echo "kept $DLA_TMP" >&2
        else
            rm -rf "$DLA_TMP"
        fi
    fi
    return $rc
}

# Creates the temp dir ($DLA_TMP), the data dir ($DLA_DATA_DIR), picks a port and
# installs the cleanup trap. DLA_CONFIG defaults to the example config.
dla_setup()
{
    DLA_TMP=$(mktemp -d "${TMPDIR:-/tmp}/dla-it-$DLA_TEST_NAME-XXXXXX")
    trap _dla_cleanup EXIT
    export DLA_DATA_DIR="$DLA_TMP/data"
    export DLA_CONFIG=${DLA_CONFIG:-$DLA_SOURCE_DIR/config/dla.example.json}
    export DLA_LOG_LEVEL=${DLA_LOG_LEVEL:-info}
    DLA_LOG="$DLA_TMP/serve.log"
    dla_pick_port
}

# Sets DLA_PORT, DLA_LISTEN and DLA_URL to a loopback port nobody listens on.
dla_pick_port()
{
    local p i
    for i in $(seq 1 50); do
        p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            DLA_PORT=$p
            export DLA_LISTEN="127.0.0.1:$p"
            DLA_URL="http://127.0.0.1:$p"
            return 0
        fi
    done
    dla_fail "no free loopback port found"
}

# Writes a config file (JSON text on stdin) into $DLA_TMP/NAME and exports it as
# DLA_CONFIG. Prints the path.
dla_write_config()
{
    local path="$DLA_TMP/${1:-config.json}"
    cat >"$path"
    export DLA_CONFIG="$path"
    echo "$path"
}

# Reads key K (dotted path, e.g. "items.0.id") of the JSON text $1. Uses node,
# which the test dependencies install.
dla_json_get()
{
    node -e '
        let v = JSON.parse(process.argv[1]);
        for (const k of process.argv[2].split(".")) {
            if (v === null || v === undefined) break;
            v = Array.isArray(v) ? v[Number(k)] : v[k];
        }
        if (v === undefined) process.exit(3);
        process.stdout.write(typeof v === "string" ? v : JSON.stringify(v));
    ' "$1" "$2" || dla_fail "no \"$2\" in JSON: $1"
}

# Runs the dla CLI with the test's environment.
dla_cli() { "$DLA_BIN" "$@"; }

# `dla init --json`: creates the data dir with the demo tenant. Sets
# DLA_DEMO_KEY / DLA_DEMO_SECRET when the output carries them.
dla_init()
{
    local out
    out=$("$DLA_BIN" init --json "$@" 2>"$DLA_TMP/init.log") ||
        dla_fail "dla init failed: $(cat "$DLA_TMP/init.log")"
    DLA_INIT_JSON=$out
    DLA_DEMO_KEY=$(node -e 'const j=JSON.parse(process.argv[1]);process.stdout.write(j.key||"")' "$out")
    DLA_DEMO_SECRET=$(node -e 'const j=JSON.parse(process.argv[1]);process.stdout.write(j.secret||"")' "$out")
}

# `dla credential add --tenant T [--scope S]... --json`: prints the JSON object.
dla_credential()
{
    local tenant=${1:-demo}
    shift || true
    local scopes=() s
    for s in "$@"; do scopes+=(--scope "$s"); done
    "$DLA_BIN" credential add --tenant "$tenant" "${scopes[@]}" --json ||
        dla_fail "credential add --tenant $tenant failed"
}

# Prints the ids of every statement whose actor is mailto:LOCAL@example.lt, one per
# line, following `more` links (basic auth AUTH, xAPI 1.0.3).
dla_xapi_agent_ids()
{
    local q="/xapi/statements?agent=%7B%22mbox%22%3A%22mailto%3A$1%40example.lt%22%7D&limit=500" page
    for _ in $(seq 1 200); do
        page=$(curl -s -u "$2" -H 'X-Experience-API-Version: 1.0.3' "$DLA_URL$q")
        printf '%s' "$page" | jq -r '.statements[].id'
        q=$(printf '%s' "$page" | jq -r '.more // ""')
        [ -n "$q" ] || break
    done
}

# `dla token --tenant T --user U --role R --json`: prints the token.
dla_token()
{
    local out
    out=$("$DLA_BIN" token --tenant "${1:-demo}" --user "${2:-learner1}" --role "${3:-learner}" \
        --json) || dla_fail "token for ${2:-learner1} failed"
    dla_json_get "$out" token
}

# Starts `dla serve` in the background (extra args passed on), waits until
# /healthz answers 200 (DLA_START_TIMEOUT seconds, default 30). Retries on
# another port when the chosen one was taken meanwhile.
dla_start()
{
    local attempt
    for attempt in 1 2 3; do
        "$DLA_BIN" serve "$@" >>"$DLA_LOG" 2>&1 &
        DLA_PID=$!
        if dla_wait_healthy; then
            return 0
        fi
        if kill -0 "$DLA_PID" 2>/dev/null; then
            dla_fail "dla serve did not answer /healthz in time"
        fi
        wait "$DLA_PID" 2>/dev/null || true
        DLA_PID=""
        if grep -qi "in use" "$DLA_LOG"; then
            dla_pick_port
            continue
        fi
        dla_fail "dla serve exited during start-up"
    done
    dla_fail "dla serve could not bind a port"
}

# Waits for /healthz = 200 while the daemon lives. Returns 1 if it died.
dla_wait_healthy()
{
    local deadline=$((SECONDS + ${DLA_START_TIMEOUT:-30}))
    while [ $SECONDS -lt $deadline ]; do
        if ! kill -0 "$DLA_PID" 2>/dev/null; then
            return 1
        fi
        if curl -sf -o /dev/null --max-time 2 "$DLA_URL/healthz"; then
            return 0
        fi
        sleep 0.1
    done
    return 1
}

# Stops the daemon with SIGTERM and waits (at most 30 s, then SIGKILL). Fails
# the test if it exited non-zero (e.g. an ASan/LSan report) unless
# DLA_ALLOW_FAIL_EXIT=1.
dla_stop()
{
    [ -n "$DLA_PID" ] || return 0
    local rc=0 i
    kill -TERM "$DLA_PID" 2>/dev/null || true
    for i in $(seq 1 300); do
        kill -0 "$DLA_PID" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$DLA_PID" 2>/dev/null; then
        kill -KILL "$DLA_PID" 2>/dev/null || true
        wait "$DLA_PID" 2>/dev/null || true
        DLA_PID=""
        dla_fail "dla serve did not stop within 30 s of SIGTERM"
    fi
    wait "$DLA_PID" || rc=$?
    DLA_PID=""
    if [ $rc -ne 0 ] && [ "${DLA_ALLOW_FAIL_EXIT:-0}" != 1 ]; then
        dla_fail "dla serve exited with status $rc"
    fi
    if grep -q "ERROR: AddressSanitizer\|runtime error:\|ERROR: LeakSanitizer" "$DLA_LOG"; then
        dla_fail "sanitizer report in the daemon log"
    fi
    return 0
}

# Kills the daemon with SIGKILL (crash simulation) and reaps it.
dla_kill9()
{
    [ -n "$DLA_PID" ] || return 0
    kill -KILL "$DLA_PID" 2>/dev/null || true
    wait "$DLA_PID" 2>/dev/null || true
    DLA_PID=""
}

# Assertions.
dla_assert_eq()
{
    [ "$1" = "$2" ] || dla_fail "${3:-values differ}: got [$1], expected [$2]"
}

dla_assert_contains()
{
    case "$1" in
    *"$2"*) ;;
    *) dla_fail "${3:-text lacks [$2]}: [$1]" ;;
    esac
}

# HTTP status of a request: dla_http_status GET /path [curl args...]
dla_http_status()
{
    local method=$1 path=$2
    shift 2
    curl -s -o /dev/null -w '%{http_code}' -X "$method" "$@" "$DLA_URL$path"
}
