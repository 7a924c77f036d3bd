#!/usr/bin/env bash
# core_config_errors: a missing config file, invalid JSON, an unknown key, a wrong
# type and an unwritable data dir each end `dla serve` with a non-zero exit and
# one line on stderr naming the problem (file:line:col for config errors).
source "$(dirname "$0")/lib.sh"
dla_setup

# Runs `dla serve` expecting failure; $1 = what must appear in the one line.
expect_refusal()
{
    local want=$1 what=$2 rc=0 err lines
    timeout 30 "$DLA_BIN" serve >"$DLA_TMP/out.log" 2>"$DLA_TMP/err.log" || rc=$?
    err=$(cat "$DLA_TMP/err.log")
    [ $rc -ne 0 ] || dla_fail "$what: dla serve exited 0"
    [ $rc -ne 124 ] || dla_fail "$what: dla serve kept running"
    lines=$(grep -c . "$DLA_TMP/err.log" || true)
    dla_assert_eq "$lines" 1 "$what: stderr lines (stderr: $err)"
    dla_assert_contains "$err" "$want" "$what: message"
    dla_log "$what -> exit $rc: $err"
}

# 1. missing config file
export DLA_CONFIG="$DLA_TMP/nonexistent.json"
expect_refusal "nonexistent.json" "missing config"

# 2. invalid JSON (names file, line and column)
printf '{\n  "server": {\n    "listen": "127.0.0.1:1",\n  }\n}\n' >"$DLA_TMP/broken.json"
export DLA_CONFIG="$DLA_TMP/broken.json"
expect_refusal "broken.json:4:" "invalid JSON"

# 3. unknown key (names the key)
printf '{\n  "server": {"listen": "127.0.0.1:1", "colour": "blue"}\n}\n' >"$DLA_TMP/unknown.json"
export DLA_CONFIG="$DLA_TMP/unknown.json"
expect_refusal "colour" "unknown key"
expect_refusal "unknown.json:2:" "unknown key position"

# 4. duplicate key and wrong type
printf '{"store": {"sync": true, "sync": false}}\n' >"$DLA_TMP/dup.json"
export DLA_CONFIG="$DLA_TMP/dup.json"
expect_refusal "sync" "duplicate key"
printf '{"server": {"threads": "many"}}\n' >"$DLA_TMP/type.json"
export DLA_CONFIG="$DLA_TMP/type.json"
expect_refusal "threads" "wrong type"

# 5. unwritable data dir: below a regular file (fails even as root) ...
export DLA_CONFIG="$DLA_SOURCE_DIR/config/dla.example.json"
: >"$DLA_TMP/plainfile"
export DLA_DATA_DIR="$DLA_TMP/plainfile/data"
expect_refusal "$DLA_TMP/plainfile/data" "data dir below a file"
# ... and a read-only directory (only meaningful when not root)
if [ "$(id -u)" != 0 ]; then
    mkdir -p "$DLA_TMP/ro"
    chmod 0555 "$DLA_TMP/ro"
    export DLA_DATA_DIR="$DLA_TMP/ro"
    expect_refusal "$DLA_TMP/ro" "read-only data dir"
    chmod 0755 "$DLA_TMP/ro"
fi

# 6. a bad plugins entry is a config error too
printf '{"plugins": [{"name": "x", "path": "x", "colour": 1}]}\n' >"$DLA_TMP/plug.json"
export DLA_CONFIG="$DLA_TMP/plug.json"
export DLA_DATA_DIR="$DLA_TMP/data"
DLA_CONFIG="$DLA_SOURCE_DIR/config/dla.example.json" dla_init # no first-run log line
expect_refusal "colour" "unknown key in a plugin entry"
expect_refusal "plug.json:1:" "plugin entry position"

dla_pass
