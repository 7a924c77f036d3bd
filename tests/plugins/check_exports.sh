#!/usr/bin/env bash
# check_exports.sh NM FILE EXPECTED: the symbols FILE defines in its dynamic
# symbol table (nm -D --defined-only) must be exactly EXPECTED (space list).
set -euo pipefail
nm=$1 file=$2 expected=${3:-}
got=$("$nm" -D --defined-only "$file" | awk 'NF >= 3 {print $3}' | sort | tr '\n' ' ' |
      sed 's/ $//')
want=$(printf '%s\n' $expected | sed '/^$/d' | sort | tr '\n' ' ' | sed 's/ $//')
if [ "$got" != "$want" ]; then
  echo "FAIL: $file exports [$got], expected [$want]" >&2
  exit 1
fi
echo "ok: $file exports [${got:-nothing}]"
