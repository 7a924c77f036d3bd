#!/usr/bin/env bash
# make fuzz: run every libFuzzer target for DLA_FUZZ_SECONDS (default 60) on its corpus.
set -euo pipefail
bdir=${1:-build/fuzz}
secs=${DLA_FUZZ_SECONDS:-60}
here=$(cd "$(dirname "$0")" && pwd)
for bin in "$bdir"/tests/fuzz/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin"); parser=${name#fuzz_}
  corpus="$here/corpus/$parser"; work="$bdir/corpus/$parser"; mkdir -p "$work"
  dict=(); [ -f "$here/$parser.dict" ] && dict=(-dict="$here/$parser.dict")
  echo "== $name (${secs}s)"
  "$bin" -max_total_time="$secs" "${dict[@]}" "$work" "$corpus"
done
