#!/usr/bin/env bash
# Peak memory of the release binary at full size: verify over 1 million
# callbacks, a --seen store of a million entries, ip-check --count over 4 and 16 million
# lines. tests/cli/memory.rs runs the same checks at
# a size the debug binary handles in seconds; this is the measurement behind the README's numbers.
# Needs GNU time (/usr/bin/time, package `time`) and python3 (to sign a million callbacks fast).
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in /usr/bin/time python3; do
  command -v "$tool" >/dev/null || { echo "memory.sh: $tool is missing" >&2; exit 1; }
done
cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-target}/release/smile-sec"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

key=memory-test-key-0123456789
# Callbacks 1 ms apart from 2026-06-01T00:00:00.000Z: every line a distinct, valid callback.
python3 - "$work" "$key" <<'PY'
import base64, datetime, hashlib, hmac, sys
work, key = sys.argv[1], sys.argv[2].encode()
t0 = datetime.datetime(2026, 6, 1, tzinfo=datetime.timezone.utc)
lines = []
for n in range(1_000_000):
    t = t0 + datetime.timedelta(milliseconds=n)
    ts = t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)
    sig = base64.b64encode(hmac.new(key, (ts + "085sid_request").encode(), hashlib.sha256).digest()).decode()
    lines.append('{"timestamp":"%s","signature":"%s","SmileJobID":"%07d","ResultCode":"1012"}\n' % (ts, sig, n))
with open(f"{work}/distinct.ndjson", "w") as f:
    f.writelines(lines)
with open(f"{work}/resent.ndjson", "w") as f:
    f.writelines(lines[:1000] * 1000)
with open(f"{work}/first1000.ndjson", "w") as f:
    f.writelines(lines[:1000])
addrs = ["34.240.137.52\n", "1.2.3.4\n", "52.36.32.43:443\n", "[::ffff:44.230.128.108]:80\n",
         "2001:db8::1\n", "not an address\n", "9" * 300 + "\n"]
block = "".join(addrs[n % len(addrs)] for n in range(1_000_000))
with open(f"{work}/4m.txt", "w") as f:
    f.write(block * 4)
with open(f"{work}/16m.txt", "w") as f:
    f.write(block * 16)
PY

failed=0
# measure VAR NAME MAX_KIB CODE SEEN INPUT ARGS...: runs the binary on INPUT, checks that it exits
# with CODE and printed SEEN (so a run that stopped early cannot pass as small), prints its peak
# RSS, checks the bound, and keeps the peak in VAR.
measure() {
  local var=$1 name=$2 max=$3 code=$4 seen=$5 input=$6 status=0
  shift 6
  SMILE_API_KEY=$key /usr/bin/time -f %M -o "$work/rss" "$bin" "$@" <"$input" >"$work/out" 2>/dev/null || status=$?
  local kib
  kib=$(tail -n 1 "$work/rss")
  printf '%-44s %8s KiB (bound %s KiB)\n' "$name" "$kib" "$max"
  if [ "$status" != "$code" ] || ! grep -q -- "$seen" "$work/out"; then
    echo "memory.sh: $name: exit $status (expected $code), output: $(tail -c 300 "$work/out")" >&2
    failed=1
  fi
  if [ "$kib" -gt "$max" ]; then echo "memory.sh: $name is over its bound" >&2; failed=1; fi
  printf -v "$var" %s "$kib"
}

verify=(verify --partner-id 085 --now 2026-06-01T01:00:00Z --format json)
checked='"checked":1000000,'
measure _ "verify 1M lines, 1000 distinct (resent)" $((32 * 1024)) 0 "$checked" \
  "$work/resent.ndjson" "${verify[@]}"
measure _ "verify 1M lines, none accepted (stale)" $((32 * 1024)) 1 "$checked" \
  "$work/distinct.ndjson" verify --partner-id 085 --now 2027-01-01T00:00:00Z --max-age 1h --format json
# Each distinct accepted callback is remembered for replay detection: about 60 bytes at peak.
measure _ "verify 1M lines, 1M distinct accepted" $((128 * 1024)) 0 "$checked" \
  "$work/distinct.ndjson" "${verify[@]}"
# --seen: record a million accepted callbacks, then check a thousand of them against that store
# (an indexed lookup each: memory and time do not grow with the store).
measure _ "verify 1M distinct, recorded with --seen" $((128 * 1024)) 0 "$checked" \
  "$work/distinct.ndjson" "${verify[@]}" --seen "$work/seen.db"
start=$(date +%s%N)
measure _ "verify 1000 against a 1M-entry --seen store" $((32 * 1024)) 0 '"duplicates":1000' \
  "$work/first1000.ndjson" "${verify[@]}" --seen "$work/seen.db"
ms=$((($(date +%s%N) - start) / 1000000))
printf '%-44s %8s ms (bound 2000 ms)\n' "  ...checking took" "$ms"
if [ "$ms" -gt 2000 ]; then echo "memory.sh: 1000 callbacks against a 1M-entry store took $ms ms" >&2; failed=1; fi
measure small "ip-check --count 4M lines" $((16 * 1024)) 2 "^invalid 1142856$" "$work/4m.txt" ip-check --count
measure large "ip-check --count 16M lines" $((16 * 1024)) 2 "^invalid 4571424$" "$work/16m.txt" ip-check --count

if [ $((large - small)) -gt 4096 ]; then
  echo "memory.sh: ip-check grew from $small KiB (4M lines) to $large KiB (16M lines)" >&2
  failed=1
fi
exit $failed
