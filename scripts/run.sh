#!/usr/bin/env bash
# make run: prepare ./var with the demo tenant on first run, print what a newcomer needs, serve.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${DLA_BIN:-build/default/dla}
export DLA_CONFIG=${DLA_CONFIG:-config/dla.demo.json}
export DLA_LISTEN=${DLA_LISTEN:-127.0.0.1:8080}
export DLA_DATA_DIR=${DLA_DATA_DIR:-./var}

init_json=$("$BIN" init --json)
key=$(printf '%s' "$init_json" | sed -n 's/.*"key":"\([^"]*\)".*/\1/p')
secret=$(printf '%s' "$init_json" | sed -n 's/.*"secret":"\([^"]*\)".*/\1/p')
base="http://$DLA_LISTEN"
cat <<TXT

  dla is starting on $base   (data: $DLA_DATA_DIR, config: $DLA_CONFIG)

  Demo LMS (launch as learner, supervisor or HR):  $base/demo
  Learner app:                                     $base/app/
  xAPI LRS endpoint:                               $base/xapi/
      demo credential (HTTP Basic)  key:    ${key:-"(see $DLA_DATA_DIR/demo-credentials.json)"}
                                    secret: ${secret:-"(see $DLA_DATA_DIR/demo-credentials.json)"}
      try: curl -u '$key:$secret' -H 'X-Experience-API-Version: 1.0.3' $base/xapi/statements
  Health:                                          $base/healthz
  Admin CLI:                                       $BIN help

  Stop with Ctrl-C.

TXT
exec "$BIN" serve
