#!/usr/bin/env bash
# Whole-process benchmarks of smile-sec against what a user would run instead:
#   verify     vs the official Python SDK's confirm_signature in a loop (PyPI smile-id-core),
#              and the Node SDK's (npm smile-identity-core) when node and npm are installed;
#              from a file, from stdin, as one JSON array, and recording a --seen file
#   ip-check   vs grepcidr -c -f
#   sign       vs printf | openssl dgst -sha256 -hmac | base64
# plus the peak RSS of verify and ip-check as their input grows ten- and fivefold.
#
# usage: scripts/bench.sh [--quick] [--runs N]
#   --quick   smaller inputs and fewer runs: a smoke test of this script, not numbers to publish
#   --runs N  timed runs of each command (default 7, quick 3); runs alternate A B A B ...
#
# It installs what it needs (apt: grepcidr, hyperfine, time; a Python venv with smile-id-core;
# smile-identity-core with npm),
# builds `cargo build --release`, generates seeded inputs once (cached), checks that both sides of
# each pair give the same answer, then prints Markdown tables for the README on stdout (progress
# on stderr) and keeps a copy in $BENCH_DIR/results.md. Inputs and the venv live in $BENCH_DIR
# (default: ${CARGO_TARGET_DIR:-target}/bench). SMILE_SEC_BIN=PATH times that binary instead of
# building one (e.g. to compare two builds). Never run by `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

QUICK=0
RUNS=
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --runs) RUNS=${2:?--runs needs a number}; shift ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench.sh: unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done

if [ "$QUICK" = 1 ]; then
  CALLBACKS=10000 CALLBACKS_BIG=100000 ADDRS=500000 ADDRS_SMALL=100000
  RUNS=${RUNS:-3} SIGN_RUNS=10
else
  CALLBACKS=100000 CALLBACKS_BIG=1000000 ADDRS=5000000 ADDRS_SMALL=1000000
  RUNS=${RUNS:-7} SIGN_RUNS=30
fi

TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BENCH_DIR=${BENCH_DIR:-$TARGET/bench}
DATA=$BENCH_DIR/data
VENV=$BENCH_DIR/venv
BIN=${SMILE_SEC_BIN:-$TARGET/release/smile-sec}
HERE=$ROOT/scripts/bench
# Commands are handed to the timer as shell words; keep every path free of quoting trouble.
case "$ROOT$BENCH_DIR$TARGET" in
  *[[:space:]\'\"\\\$\`]*) echo "bench.sh: paths with spaces or quotes are not supported: $BENCH_DIR" >&2; exit 2 ;;
esac

PARTNER_ID=085
# A made-up key, not any real one; no shell specials, since the openssl peer takes it in argv.
API_KEY=bench-6a0f2c9e-3b1d-4e8a-9c7f-5d2e1b0a4c3f
# After the last generated timestamp (2026-11-20 + 500 ms × 1M ≈ 5.8 days).
NOW=2026-11-27T00:00:00Z
SIGN_TS=2026-11-20T10:00:00.123Z
SMILE_ID_ADDRS=(34.240.137.52 44.230.128.108 52.36.32.43 52.213.46.74 35.166.227.53 44.246.19.66 54.246.37.255 99.81.237.141)

log() { printf '==> %s\n' "$*" >&2; }
warn() { printf 'bench.sh: warning: %s\n' "$*" >&2; }

# --- tools -------------------------------------------------------------------------------------
missing=()
command -v grepcidr >/dev/null || missing+=(grepcidr)
command -v hyperfine >/dev/null || missing+=(hyperfine)
[ -x /usr/bin/time ] || missing+=(time)
command -v openssl >/dev/null || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing ${missing[*]}"
    apt-get update -qq
    available=()
    for pkg in "${missing[@]}"; do
      if apt-cache policy "$pkg" 2>/dev/null | grep -q 'Candidate: [0-9]'; then
        available+=("$pkg")
      else
        warn "apt has no $pkg"
      fi
    done
    if [ ${#available[@]} -gt 0 ]; then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${available[@]}" >/dev/null
    fi
  else
    warn "missing ${missing[*]} and cannot apt-get install (not root, or no apt)"
  fi
fi
command -v hyperfine >/dev/null || warn "no hyperfine: timing whole processes with Python's clock instead"

if ! [ -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import smile_id_core' 2>/dev/null; then
  log "creating $VENV with smile-id-core"
  python3 -m venv "$VENV"
  # The version the project's signing notes were read from (shared docs: smile-id-signing.md).
  "$VENV/bin/pip" install -q --disable-pip-version-check smile-id-core==3.0.1
fi
SDK_VERSION=$("$VENV/bin/python" -c 'import smile_id_core; print(smile_id_core.__version__)')

# The official Node SDK: the other official peer (it has no target of its own).
NODE_DIR=$BENCH_DIR/node
NODE_SDK=$NODE_DIR/node_modules/smile-identity-core/package.json
if command -v node >/dev/null && command -v npm >/dev/null; then
  if ! [ -f "$NODE_SDK" ]; then
    log "installing smile-identity-core into $NODE_DIR"
    npm install --silent --prefix "$NODE_DIR" smile-identity-core@3.2.1 >/dev/null ||
      warn "npm install failed: skipping the Node SDK peer"
  fi
else
  warn "no node or npm: skipping the Node SDK peer"
fi
NODE_PEER=0
if [ -f "$NODE_SDK" ]; then
  NODE_PEER=1
  export NODE_PATH=$NODE_DIR/node_modules
  NODE_SDK_VERSION=$(node -p "require('$NODE_SDK').version")
fi

# --- build -------------------------------------------------------------------------------------
if [ -z "${SMILE_SEC_BIN:-}" ]; then
  log "cargo build --release"
  cargo build --release --quiet
fi

# --- inputs (seeded, cached; regenerated when a generator changes) ----------------------------
mkdir -p "$DATA"
KEY_FILE=$DATA/api.key
printf '%s\n' "$API_KEY" >"$KEY_FILE"
ALLOWLIST=$DATA/allowlist.txt
printf '%s\n' "${SMILE_ID_ADDRS[@]}" >"$ALLOWLIST"

fresh() { # fresh FILE GENERATOR: FILE exists and is newer than GENERATOR
  [ -s "$1" ] && [ "$1" -nt "$2" ]
}
CB_BIG=$DATA/callbacks-$CALLBACKS_BIG.ndjson
CB=$DATA/callbacks-$CALLBACKS.ndjson
if ! fresh "$CB_BIG" "$HERE/gen_callbacks.py"; then
  log "generating $CALLBACKS_BIG callbacks"
  python3 "$HERE/gen_callbacks.py" "$CALLBACKS_BIG" "$CB_BIG.tmp" "$KEY_FILE" "$PARTNER_ID" 1
  mv "$CB_BIG.tmp" "$CB_BIG"
fi
fresh "$CB" "$CB_BIG" || head -n "$CALLBACKS" "$CB_BIG" >"$CB"
# The same callbacks as one JSON array, an element a line.
CB_ARRAY=$DATA/callbacks-$CALLBACKS.json
fresh "$CB_ARRAY" "$CB" || { echo '['; sed '$!s/$/,/' "$CB"; echo ']'; } >"$CB_ARRAY"
AD=$DATA/addrs-$ADDRS.txt
AD_SMALL=$DATA/addrs-$ADDRS_SMALL.txt
if ! fresh "$AD" "$HERE/gen_addrs.py"; then
  log "generating $ADDRS address lines"
  python3 "$HERE/gen_addrs.py" "$ADDRS" "$AD.tmp" 1
  mv "$AD.tmp" "$AD"
fi
fresh "$AD_SMALL" "$AD" || head -n "$ADDRS_SMALL" "$AD" >"$AD_SMALL"

# --- the same answer on both sides, once -------------------------------------------------------
VERIFY=("$BIN" verify "$CB" --api-key-file "$KEY_FILE" --partner-id "$PARTNER_ID" --now "$NOW" --format json)
log "checking answers"
summary=$("${VERIFY[@]}" | tail -n 1)
case "$summary" in
  *"\"valid\":$CALLBACKS,"*) ;;
  *) echo "bench.sh: smile-sec verify did not accept all $CALLBACKS callbacks: $summary" >&2; exit 1 ;;
esac
peer=$("$VENV/bin/python" "$HERE/sdk_verify.py" "$CB" "$KEY_FILE" "$PARTNER_ID")
[ "$peer" = "valid $CALLBACKS invalid 0" ] || { echo "bench.sh: the SDK loop said: $peer" >&2; exit 1; }
if [ "$NODE_PEER" = 1 ]; then
  peer=$(node "$HERE/sdk_verify.js" "$CB" "$KEY_FILE" "$PARTNER_ID")
  [ "$peer" = "valid $CALLBACKS invalid 0" ] || { echo "bench.sh: the Node SDK loop said: $peer" >&2; exit 1; }
fi

OPENSSL_SIGN="printf %s ${SIGN_TS}${PARTNER_ID}sid_request | openssl dgst -sha256 -hmac $API_KEY -binary | base64"
ours=$("$BIN" sign --api-key-file "$KEY_FILE" --partner-id "$PARTNER_ID" --timestamp "$SIGN_TS" --format json)
theirs=$(sh -c "$OPENSSL_SIGN")
case "$ours" in
  *"\"signature\":\"$theirs\""*) ;;
  *) echo "bench.sh: sign and openssl disagree: $ours vs $theirs" >&2; exit 1 ;;
esac

IP_CHECK=1
if ! probe=$(printf '%s\n' 34.240.137.52 | "$BIN" ip-check --count 2>&1) || [ "$probe" != "$(printf 'allowed 1\ndenied 0\ninvalid 0')" ]; then
  IP_CHECK=0
  warn "this smile-sec has no working \`ip-check --count\` yet ($(printf '%s' "$probe" | head -n 1)): skipping the ip-check pair"
elif command -v grepcidr >/dev/null; then
  ours=$("$BIN" ip-check --count <"$AD" || true)
  theirs=$(grepcidr -c -f "$ALLOWLIST" <"$AD" || true)
  log "ip-check says: $(echo $ours); grepcidr counts $theirs matching lines"
  [ "$(printf '%s\n' "$ours" | sed -n 's/^allowed //p')" = "$theirs" ] ||
    warn "ip-check's allowed count differs from grepcidr's (grepcidr matches an address anywhere in a line)"
fi
if ! command -v grepcidr >/dev/null; then
  IP_CHECK=0
  warn "no grepcidr: skipping the ip-check pair"
fi

# --- timings -----------------------------------------------------------------------------------
pair() { python3 "$HERE/alternate.py" "$@"; }
rows=()
log "verify ($CALLBACKS callbacks) vs the Python SDK loop, $RUNS runs each"
rows+=("$(pair --runs "$RUNS" --name "verify, $CALLBACKS callbacks" --target "≤ 0.05" \
  --a "${VERIFY[*]}" --a-label "smile-sec verify FILE --format json" \
  --b "$VENV/bin/python $HERE/sdk_verify.py $CB $KEY_FILE $PARTNER_ID" \
  --b-label "smile-id-core $SDK_VERSION confirm_signature loop")")
# The default output, text, against the same peer: what someone running it by hand gets.
VERIFY_TEXT=("$BIN" verify "$CB" --api-key-file "$KEY_FILE" --partner-id "$PARTNER_ID" --now "$NOW")
log "verify ($CALLBACKS callbacks, text output) vs the Python SDK loop, $RUNS runs each"
rows+=("$(pair --runs "$RUNS" --name "verify, $CALLBACKS callbacks, text output" --target "—" \
  --a "${VERIFY_TEXT[*]}" --a-label "smile-sec verify FILE" \
  --b "$VENV/bin/python $HERE/sdk_verify.py $CB $KEY_FILE $PARTNER_ID" \
  --b-label "smile-id-core $SDK_VERSION confirm_signature loop")")
# Callbacks that cannot be read twice (stdin), and a run that records every accepted callback in
# a `--seen` file (a fresh one each run): both digest every accepted body as they go.
VERIFY_STDIN=("$BIN" verify --api-key-file "$KEY_FILE" --partner-id "$PARTNER_ID" --now "$NOW" --format json)
log "verify ($CALLBACKS callbacks on stdin) vs the Python SDK loop, $RUNS runs each"
rows+=("$(pair --runs "$RUNS" --name "verify, $CALLBACKS callbacks on stdin" --target "—" \
  --a "sh -c 'exec ${VERIFY_STDIN[*]} < $CB'" --a-label "smile-sec verify --format json < FILE" \
  --b "$VENV/bin/python $HERE/sdk_verify.py $CB $KEY_FILE $PARTNER_ID" \
  --b-label "smile-id-core $SDK_VERSION confirm_signature loop")")
VERIFY_ARRAY=("$BIN" verify "$CB_ARRAY" --api-key-file "$KEY_FILE" --partner-id "$PARTNER_ID" --now "$NOW" --format json)
case "$("${VERIFY_ARRAY[@]}" | tail -n 1)" in
  *"\"valid\":$CALLBACKS,"*) ;;
  *) echo "bench.sh: smile-sec verify did not accept the array's $CALLBACKS callbacks" >&2; exit 1 ;;
esac
log "verify ($CALLBACKS callbacks as one JSON array) vs the Python SDK loop, $RUNS runs each"
rows+=("$(pair --runs "$RUNS" --name "verify, $CALLBACKS callbacks as one JSON array" --target "—" \
  --a "${VERIFY_ARRAY[*]}" --a-label "smile-sec verify ARRAY.json --format json" \
  --b "$VENV/bin/python $HERE/sdk_verify.py $CB $KEY_FILE $PARTNER_ID" \
  --b-label "smile-id-core $SDK_VERSION confirm_signature loop")")
log "verify ($CALLBACKS callbacks as one JSON array on stdin) vs the Python SDK loop, $RUNS runs each"
rows+=("$(pair --runs "$RUNS" --name "verify, $CALLBACKS callbacks as one JSON array on stdin" --target "—" \
  --a "sh -c 'exec ${VERIFY_STDIN[*]} < $CB_ARRAY'" --a-label "smile-sec verify --format json < ARRAY.json" \
  --b "$VENV/bin/python $HERE/sdk_verify.py $CB $KEY_FILE $PARTNER_ID" \
  --b-label "smile-id-core $SDK_VERSION confirm_signature loop")")
SEEN=$BENCH_DIR/seen.ndjson
log "verify ($CALLBACKS callbacks, --seen) vs the Python SDK loop, $RUNS runs each"
rows+=("$(pair --runs "$RUNS" --name "verify, $CALLBACKS callbacks, --seen" --target "—" \
  --a "sh -c 'rm -f $SEEN; exec ${VERIFY[*]} --seen $SEEN'" \
  --a-label "smile-sec verify FILE --format json --seen NEW_FILE" \
  --b "$VENV/bin/python $HERE/sdk_verify.py $CB $KEY_FILE $PARTNER_ID" \
  --b-label "smile-id-core $SDK_VERSION confirm_signature loop")")
rm -f "$SEEN"
if [ "$NODE_PEER" = 1 ]; then
  log "verify ($CALLBACKS callbacks) vs the Node SDK loop, $RUNS runs each"
  rows+=("$(pair --runs "$RUNS" --name "verify, $CALLBACKS callbacks" --target "—" \
    --a "${VERIFY[*]}" --a-label "smile-sec verify FILE --format json" \
    --b "node $HERE/sdk_verify.js $CB $KEY_FILE $PARTNER_ID" \
    --b-label "smile-identity-core $NODE_SDK_VERSION (Node) confirm_signature loop")")
fi
if [ "$IP_CHECK" = 1 ]; then
  log "ip-check --count ($ADDRS lines) vs grepcidr, $RUNS runs each"
  rows+=("$(pair --runs "$RUNS" --name "ip-check, $ADDRS lines" --target "≤ 0.5" \
    --a "sh -c 'exec $BIN ip-check --count < $AD'" --a-label "smile-sec ip-check --count < FILE" \
    --b "sh -c 'exec grepcidr -c -f $ALLOWLIST < $AD'" --b-label "grepcidr -c -f allowlist < FILE")")
fi
log "sign vs the openssl pipeline, $SIGN_RUNS runs each"
rows+=("$(pair --runs "$SIGN_RUNS" --warmup 3 --name "sign, one signature" --target "≤ 0.5" \
  --a "$BIN sign --api-key-file $KEY_FILE --partner-id $PARTNER_ID --timestamp $SIGN_TS" \
  --a-label "smile-sec sign" \
  --b "sh -c '$OPENSSL_SIGN'" --b-label "sh -c 'printf | openssl dgst -hmac | base64'")")

# --- memory ------------------------------------------------------------------------------------
# ip-check exits 1 when any address is denied: only the peak RSS matters here.
rss_kib() { { /usr/bin/time -f %M "$@" 2>&1 >/dev/null </dev/null || true; } | tail -n 1; }
rss_kib_stdin() { local in=$1; shift; { /usr/bin/time -f %M "$@" 2>&1 >/dev/null <"$in" || true; } | tail -n 1; }
mem=()
if [ -x /usr/bin/time ]; then
  log "peak RSS"
  for f in "$CB" "$CB_BIG"; do
    n=$(wc -l <"$f")
    kib=$(rss_kib "$BIN" verify "$f" --api-key-file "$KEY_FILE" --partner-id "$PARTNER_ID" --now "$NOW" --format json)
    mem+=("| verify --format json | $n callbacks ($(( $(stat -c %s "$f") >> 20 )) MiB) | $(( kib / 1024 )) |")
  done
  if [ "$IP_CHECK" = 1 ]; then
    for f in "$AD_SMALL" "$AD"; do
      n=$(wc -l <"$f")
      kib=$(rss_kib_stdin "$f" "$BIN" ip-check --count)
      mem+=("| ip-check --count | $n lines ($(( $(stat -c %s "$f") >> 20 )) MiB) | $(( kib / 1024 )) |")
    done
  fi
else
  warn "no /usr/bin/time: skipping peak RSS"
fi

# --- report ------------------------------------------------------------------------------------
timer="hyperfine $(hyperfine --version 2>/dev/null | cut -d' ' -f2) (-N, one run per call)"
command -v hyperfine >/dev/null || timer="Python perf_counter around fork/exec/wait"
{
  echo "Whole processes, median of $RUNS alternating runs (sign: $SIGN_RUNS), wall time in ms (min–max in brackets)."
  [ "$QUICK" = 1 ] && echo "**--quick run: small inputs, few runs; not for publishing.**"
  echo
  echo "| what | smile-sec | peer | smile-sec ms | peer ms | ratio | target |"
  echo "|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  if [ ${#mem[@]} -gt 0 ]; then
    echo
    echo "| command | input | peak RSS (MiB) |"
    echo "|---|---|---|"
    printf '%s\n' "${mem[@]}"
  fi
  echo
  echo "Machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)," \
    "$(awk '/MemTotal/ {printf "%.0f GiB RAM", $2 / 1048576}' /proc/meminfo), Linux $(uname -r)." \
    "smile-sec $([ -n "${SMILE_SEC_BIN:-}" ] && echo "$BIN" || git rev-parse --short HEAD 2>/dev/null || echo '?'), $(rustc --version | cut -d' ' -f1-2);" \
    "Python $("$VENV/bin/python" -c 'import platform; print(platform.python_version())'),$([ "$NODE_PEER" = 1 ] && echo " Node.js $(node --version),") $(openssl version | cut -d' ' -f1-2)," \
    "grepcidr $(dpkg-query -W -f='${Version}' grepcidr 2>/dev/null || echo '?'). Timer: $timer."
  echo "Reproduce: \`scripts/bench.sh$([ "$QUICK" = 1 ] && echo ' --quick')\`."
} | tee "$BENCH_DIR/results.md"
