#!/usr/bin/env bash
# Instruction counts (valgrind's callgrind) of the release binary on fixed inputs: verify on
# 20,000 callbacks as NDJSON and as one JSON array, ip-check --count on 200,000 addresses, one
# sign. Counts are repeatable whatever else the machine is doing, so two builds (before and after
# a change) can be compared on a busy machine where wall-clock timings cannot.
#
# usage: scripts/instructions.sh [BINARY ...]   (default: target/release/smile-sec)
# Needs valgrind and python3.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=${TMPDIR:-/tmp}/smile-sec-instructions
mkdir -p "$work"
[ $# -gt 0 ] || set -- "$here/../target/release/smile-sec"

key="$work/key.txt"
printf 'bench-key-0123456789abcdef' > "$key"
if [ ! -s "$work/cb.ndjson" ]; then
  python3 "$here/bench/gen_callbacks.py" 20000 "$work/cb.ndjson" "$key" 085 1
  python3 -c 'import json,sys; print(json.dumps([json.loads(l) for l in open(sys.argv[1])]))' \
    "$work/cb.ndjson" > "$work/cb.json"
  python3 -c '
import random, sys
r = random.Random(1)
with open(sys.argv[1], "w") as f:
    for _ in range(200000):
        f.write("%d.%d.%d.%d\n" % tuple(r.randrange(256) for _ in range(4)))
' "$work/addrs.txt"
fi

count() { # prints the instructions the command ran, whatever its verdict (ip-check exits 1)
  { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null || true; } \
    | awk '/Collected/ {print $4}'
}

printf '%16s %16s %14s %10s  %s\n' verify-ndjson verify-array ip-check sign binary
for bin in "$@"; do
  v1=$(count "$bin" verify "$work/cb.ndjson" --api-key-file "$key" --partner-id 085 --now 2026-11-21T00:00:00Z --format json)
  v2=$(count "$bin" verify "$work/cb.json" --api-key-file "$key" --partner-id 085 --now 2026-11-21T00:00:00Z --format json)
  ip=$(count "$bin" ip-check --count < "$work/addrs.txt")
  sg=$(count "$bin" sign --api-key-file "$key" --partner-id 085 --timestamp 2026-11-21T00:00:00.000Z)
  printf '%16s %16s %14s %10s  %s\n' "$v1" "$v2" "$ip" "$sg" "$bin"
done
