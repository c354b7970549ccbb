#!/usr/bin/env bash
# Replay store benchmarks (`verify --seen STORE`), whole processes of the release binary:
#   1. one callback verified with a store of 1,000,000 entries vs a nearly empty store, SQLite and
#      Redis: time per run and peak memory (targets: within 2x, memory independent of size);
#   2. 100,000 callbacks into an empty SQLite store vs the same run without --seen (target: 2x);
#   3. Redis: callbacks per second with pipelined claims vs `redis-benchmark -t set` on the same
#      machine and server.
#
# usage: scripts/bench-store.sh [--runs N]     (default 10 timed runs a case; 5 for the 100k runs)
#
# Needs hyperfine, GNU time (/usr/bin/time), python3, redis-server, redis-cli and redis-benchmark
# (apt: hyperfine time python3 redis-server). Builds `cargo build --release` unless SMILE_SEC_BIN
# names a binary. Starts its own redis-server on a free loopback port (no persistence) and stops it
# at the end. Inputs are generated once and cached in $BENCH_DIR (default
# ${CARGO_TARGET_DIR:-target}/bench-store). Prints Markdown tables on stdout (progress on stderr)
# and keeps a copy in $BENCH_DIR/results.md. Never run by `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

RUNS=10
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=${2:?--runs needs a number}; shift ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench-store.sh: unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done
BIG_RUNS=$(( RUNS < 5 ? RUNS : 5 ))

for tool in hyperfine /usr/bin/time python3 redis-server redis-cli redis-benchmark; do
  command -v "$tool" >/dev/null || { echo "bench-store.sh: $tool is missing" >&2; exit 1; }
done
log() { echo "bench-store.sh: $*" >&2; }

TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
W=${BENCH_DIR:-$TARGET/bench-store}
BIN=${SMILE_SEC_BIN:-$TARGET/release/smile-sec}
case "$W$BIN" in
  *[[:space:]\'\"\\\$\`]*) echo "bench-store.sh: paths with spaces or quotes are not supported" >&2; exit 2 ;;
esac
[ -n "${SMILE_SEC_BIN:-}" ] || cargo build --release --quiet
mkdir -p "$W"

PARTNER_ID=085
# A made-up key, not any real one.
printf 'bench-6a0f2c9e-3b1d-4e8a-9c7f-5d2e1b0a4c3f' >"$W/key"
# After the last generated timestamp (2026-11-20 + 500 ms x 1M, about 5.8 days).
NOW=2026-11-27T00:00:00Z
VERIFY="$BIN verify --api-key-file $W/key --partner-id $PARTNER_ID --now $NOW --format json"

if [ ! -s "$W/1m.ndjson" ]; then
  log "generating 1,000,000 signed callbacks"
  python3 scripts/bench/gen_callbacks.py 1000000 "$W/1m.ndjson" "$W/key" "$PARTNER_ID"
fi
head -n 100000 "$W/1m.ndjson" >"$W/100k.ndjson"

# `next.py STORE_TAG`: writes $W/next.json, one callback with a timestamp no run has used (after
# the generated ones, before NOW), so that every timed run makes a new claim.
cat >"$W/next.py" <<PY
import base64, hashlib, hmac, json, os, sys
w = "$W"
counter = os.path.join(w, "counter")
n = int(open(counter).read()) + 1 if os.path.exists(counter) else 0
open(counter, "w").write(str(n))
ts = "2026-11-26T%02d:%02d:%02d.%03dZ" % (n // 3600000 % 24, n // 60000 % 60, n // 1000 % 60, n % 1000)
key = open(os.path.join(w, "key"), "rb").read()
sig = base64.b64encode(hmac.new(key, (ts + "$PARTNER_ID" + "sid_request").encode(), hashlib.sha256).digest()).decode()
with open(os.path.join(w, "1m.ndjson")) as f:
    body = json.loads(f.readline())
body.update(signature=sig, timestamp=ts, SmileJobID="%010d" % (9_000_000 + n))
open(os.path.join(w, "next.json"), "w").write(json.dumps(body) + "\n")
PY
python3 "$W/next.py"

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize no >"$W/redis.log" 2>&1 &
REDIS_PID=$!
trap 'kill $REDIS_PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.05; done
redis-cli -p "$PORT" flushall >/dev/null
R="redis://127.0.0.1:$PORT"

# mean_ms FILE: the mean of a hyperfine JSON export, in ms.
mean_ms() { python3 -c 'import json,sys; print("%.1f" % (json.load(open(sys.argv[1]))["results"][0]["mean"] * 1000))' "$1"; }
sd_ms() { python3 -c 'import json,sys; print("%.1f" % (json.load(open(sys.argv[1]))["results"][0]["stddev"] * 1000))' "$1"; }
# peak_kib ARGS...: the peak RSS of one run.
peak_kib() { /usr/bin/time -f %M -o "$W/rss" "$@" >/dev/null 2>&1 || true; tail -n 1 "$W/rss"; }

log "filling a 1,000,000-entry SQLite store and a 1,000,000-entry Redis store (timed once)"
rm -f "$W/full.db" "$W/full.db-wal" "$W/full.db-shm" "$W/small.db" "$W/small.db-wal" "$W/small.db-shm"
start=$(date +%s%N); $VERIFY "$W/1m.ndjson" --seen "$W/full.db" >/dev/null; fill_sqlite_ms=$((($(date +%s%N) - start) / 1000000))
start=$(date +%s%N); $VERIFY "$W/1m.ndjson" --seen "$R/1" >/dev/null; fill_redis_ms=$((($(date +%s%N) - start) / 1000000))
$VERIFY "$W/next.json" --seen "$W/small.db" >/dev/null
$VERIFY "$W/next.json" --seen "$R/2" >/dev/null
full_entries=$($BIN seen stats "$W/full.db" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["entries"])')
redis_keys=$(redis-cli -p "$PORT" -n 1 dbsize)
sqlite_bytes=$(stat -c %s "$W/full.db")
redis_bytes=$(redis-cli -p "$PORT" info memory | tr -d '\r' | sed -n 's/^used_memory://p')

one() { # one NAME STORE: hyperfine of one new callback against STORE, and its peak RSS
  hyperfine --runs "$RUNS" --warmup 2 --prepare "python3 $W/next.py" \
    --export-json "$W/$1.json" "$VERIFY $W/next.json --seen $2" >&2
  python3 "$W/next.py"
  eval "${1}_ms=$(mean_ms "$W/$1.json") ${1}_sd=$(sd_ms "$W/$1.json") ${1}_kib=$(peak_kib $VERIFY "$W/next.json" --seen "$2")"
}
log "one callback against each store"
one sqlite_small "$W/small.db"
one sqlite_full "$W/full.db"
one redis_small "$R/2"
one redis_full "$R/1"

log "100,000 callbacks: into an empty SQLite store, and without --seen"
hyperfine --runs "$BIG_RUNS" --warmup 1 \
  --prepare "rm -f $W/empty.db $W/empty.db-wal $W/empty.db-shm" \
  --export-json "$W/100k_sqlite.json" "$VERIFY $W/100k.ndjson --seen $W/empty.db" >&2
hyperfine --runs "$BIG_RUNS" --warmup 1 --export-json "$W/100k_none.json" "$VERIFY $W/100k.ndjson" >&2
hyperfine --runs "$BIG_RUNS" --warmup 1 --prepare "redis-cli -p $PORT -n 3 flushdb" \
  --export-json "$W/100k_redis.json" "$VERIFY $W/100k.ndjson --seen $R/3" >&2
k100_sqlite=$(mean_ms "$W/100k_sqlite.json") k100_none=$(mean_ms "$W/100k_none.json") k100_redis=$(mean_ms "$W/100k_redis.json")
# The same callbacks on stdin: a plain run then digests every body too (stdin cannot be read
# again), so the two differ by the store's own work.
hyperfine --runs "$BIG_RUNS" --warmup 1 --export-json "$W/100k_stdin_none.json" "$VERIFY < $W/100k.ndjson" >&2
hyperfine --runs "$BIG_RUNS" --warmup 1 \
  --prepare "rm -f $W/empty.db $W/empty.db-wal $W/empty.db-shm" \
  --export-json "$W/100k_stdin_sqlite.json" "$VERIFY --seen $W/empty.db < $W/100k.ndjson" >&2
k100_stdin_none=$(mean_ms "$W/100k_stdin_none.json") k100_stdin_sqlite=$(mean_ms "$W/100k_stdin_sqlite.json")

log "redis-benchmark -t set on the same server"
bench_set() { redis-benchmark -p "$PORT" -t set -n 1000000 -q "$@" 2>/dev/null | tr '\r' '\n' | grep -o 'SET: [0-9.]*' | tail -n 1 | cut -d' ' -f2; }
set_p1=$(bench_set)
set_p16=$(bench_set -P 16)

ratio() { python3 -c "import sys; print('%.2f' % (float(sys.argv[1]) / float(sys.argv[2])))" "$1" "$2"; }
per_s() { python3 -c "import sys; print('%.0f' % (100000 / (float(sys.argv[1]) / 1000)))" "$1"; }

{
  echo "| case | small store | 1,000,000-entry store | ratio |"
  echo "|---|---|---|---|"
  echo "| SQLite: one new callback, time (mean ± sd) | $sqlite_small_ms ± $sqlite_small_sd ms | $sqlite_full_ms ± $sqlite_full_sd ms | $(ratio "$sqlite_full_ms" "$sqlite_small_ms") |"
  echo "| SQLite: one new callback, peak RSS | $sqlite_small_kib KiB | $sqlite_full_kib KiB | $(ratio "$sqlite_full_kib" "$sqlite_small_kib") |"
  echo "| Redis: one new callback, time (mean ± sd) | $redis_small_ms ± $redis_small_sd ms | $redis_full_ms ± $redis_full_sd ms | $(ratio "$redis_full_ms" "$redis_small_ms") |"
  echo "| Redis: one new callback, peak RSS | $redis_small_kib KiB | $redis_full_kib KiB | $(ratio "$redis_full_kib" "$redis_small_kib") |"
  echo
  echo "Filling the stores with 1,000,000 callbacks (one run each): SQLite $fill_sqlite_ms ms ($full_entries entries, file $((sqlite_bytes / 1048576)) MiB, $((sqlite_bytes / full_entries)) bytes an entry), Redis $fill_redis_ms ms ($redis_keys keys, used_memory $((redis_bytes / 1048576)) MiB, about $((redis_bytes / redis_keys)) bytes a key)."
  echo
  echo "| 100,000 callbacks | time (mean of $BIG_RUNS) | callbacks/s | vs no --seen |"
  echo "|---|---|---|---|"
  echo "| verify, no --seen | $k100_none ms | $(per_s "$k100_none") | 1.00 |"
  echo "| verify --seen (new SQLite file) | $k100_sqlite ms | $(per_s "$k100_sqlite") | $(ratio "$k100_sqlite" "$k100_none") |"
  echo "| verify --seen (empty Redis db, pipelined claims) | $k100_redis ms | $(per_s "$k100_redis") | $(ratio "$k100_redis" "$k100_none") |"
  echo
  echo "| 100,000 callbacks on stdin | time (mean of $BIG_RUNS) | callbacks/s | vs no --seen |"
  echo "|---|---|---|---|"
  echo "| verify < FILE, no --seen | $k100_stdin_none ms | $(per_s "$k100_stdin_none") | 1.00 |"
  echo "| verify --seen (new SQLite file) < FILE | $k100_stdin_sqlite ms | $(per_s "$k100_stdin_sqlite") | $(ratio "$k100_stdin_sqlite" "$k100_stdin_none") |"
  echo
  echo "| Redis SET throughput on the same server | requests/s |"
  echo "|---|---|"
  echo "| verify --seen redis://, one process, pipelined claims | $(per_s "$k100_redis") |"
  echo "| redis-benchmark -t set (50 clients, no pipelining) | $set_p1 |"
  echo "| redis-benchmark -t set -P 16 (50 clients, 16 pipelined) | $set_p16 |"
} | tee "$W/results.md"
