#!/usr/bin/env bash
# Throughput and latency of `smile-sec guard` against nginx doing the same job without the checks:
#   direct   wrk -> app                          (the app alone: nginx answering 200)
#   nginx    wrk -> nginx proxy_pass -> app       (what a plain reverse proxy costs)
#   guard    wrk -> smile-sec guard -> app        (replay store: SQLite file, Redis, or memory)
# Every request is a valid signed callback with its own timestamp, so each one is verified,
# claimed as new in the store and forwarded. Then the added latency at one connection (median and
# p99 against direct) and the gate's resident memory after all the runs.
#
# usage: scripts/bench-guard.sh [--duration SECONDS] [--connections N] [--long REQUESTS]
#   --duration     seconds of load per throughput run (default 15)
#   --connections  concurrent connections of the throughput runs (default 32)
#   --long         instead of the above, one gate with the SQLite store under load until it has
#                  served REQUESTS requests, its resident memory after each run of --duration
#                  (the 160,000 bodies are sent again and again: after the first pass, resends)
#
# It installs what it needs when missing (apt: wrk, nginx, redis-server, python3), builds
# `cargo build --release` unless SMILE_SEC_BIN=PATH names a binary, runs everything on loopback,
# prints a Markdown report on stdout (progress on stderr) and keeps it in $BENCH_DIR/guard.md
# (default: ${CARGO_TARGET_DIR:-target}/bench-guard). Never run by `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

DURATION=15
CONNECTIONS=32
LONG=0
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION=${2:?--duration needs a number}; shift ;;
    --connections) CONNECTIONS=${2:?--connections needs a number}; shift ;;
    --long) LONG=${2:?--long needs a number of requests}; shift ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench-guard.sh: unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done

say() { echo "bench-guard: $*" >&2; }

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx)
command -v redis-server >/dev/null || need+=(redis-server)
command -v python3 >/dev/null || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing ${need[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "bench-guard.sh: needs ${need[*]} (install them, or run as root with apt-get)" >&2
    exit 2
  fi
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BENCH_DIR=${BENCH_DIR:-$TARGET/bench-guard}
if [ -z "${SMILE_SEC_BIN:-}" ]; then
  say "building the release binary"
  cargo build --release --quiet
fi
BIN=${SMILE_SEC_BIN:-$TARGET/release/smile-sec}

rm -rf "$BENCH_DIR/run" && mkdir -p "$BENCH_DIR/run"
RUN=$BENCH_DIR/run
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
  for _ in $(seq 1 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "bench-guard.sh: nothing listens on port $1" >&2
  exit 1
}

API_KEY=bench-guard-0c4f6a1e-9d2b-4b7e-8f35-2a6d1c9e7b40
PARTNER_ID=085
printf '%s' "$API_KEY" > "$RUN/key"
chmod 600 "$RUN/key"
echo "127.0.0.1 production" > "$RUN/allow.txt"

# Signed callbacks with distinct timestamps (one millisecond apart, ending now), one a line, each
# a realistic job result of about 570 bytes.
BODIES=200000
# The throughput runs take bodies from the first LOAD_BODIES, the one-connection runs from the rest.
LOAD_BODIES=160000
say "signing $BODIES callbacks"
python3 - "$API_KEY" "$PARTNER_ID" "$BODIES" > "$RUN/bodies.txt" <<'EOF'
import base64, datetime, hashlib, hmac, json, sys
key, partner, count = sys.argv[1].encode(), sys.argv[2], int(sys.argv[3])
now = datetime.datetime.now(datetime.timezone.utc)
for i in range(count):
    at = now - datetime.timedelta(milliseconds=count - i)
    ts = at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"
    mac = hmac.new(key, (ts + partner + "sid_request").encode(), hashlib.sha256).digest()
    body = {
        "signature": base64.b64encode(mac).decode(), "timestamp": ts,
        "Actions": {"Verify_ID_Number": "Verified", "Return_Personal_Info": "Returned",
                    "Names": "Exact Match", "DOB": "Exact Match", "Gender": "Exact Match"},
        "ResultCode": "1012", "ResultText": "ID Number Validated", "ResultType": "ID Verification",
        "SmileJobID": str(5000000000 + i), "Country": "NG", "IDType": "BVN",
        "PartnerParams": {"job_id": f"job-{i}", "user_id": f"user-{i}", "job_type": 5},
        "FullName": "Jane Bench Doe", "DOB": "1990-01-01", "Gender": "F",
        "IDNumber": "00000000000", "PhoneNumber": "+2340000000000",
    }
    print(json.dumps(body, separators=(",", ":")))
EOF

# wrk: each of two threads walks every other body of its range, so no two requests carry the
# same pair until the range runs out (then it wraps, and later requests are identical resends).
cat > "$RUN/bodies.lua" <<EOF
local bodies = {}
for line in io.lines("$RUN/bodies.txt") do bodies[#bodies + 1] = line end
local threads = 0
function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end
-- args: the first body and the last one this run takes.
function init(args)
  first, last = tonumber(args[1]), tonumber(args[2])
  index = first + id
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end
function request()
  local body = bodies[index]
  index = index + 2
  if index > last then index = first + id end
  return wrk.format(nil, "/callback", nil, body)
end
EOF

APP=$(free_port)
PROXY=$(free_port)
cat > "$RUN/nginx.conf" <<EOF
worker_processes 2;
daemon off;
pid $RUN/nginx.pid;
error_log $RUN/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $RUN/body;
  proxy_temp_path $RUN/proxy;
  fastcgi_temp_path $RUN/fastcgi;
  uwsgi_temp_path $RUN/uwsgi;
  scgi_temp_path $RUN/scgi;
  client_max_body_size 2m;
  client_body_buffer_size 2m;
  upstream app { server 127.0.0.1:$APP; keepalive 64; }
  server {
    listen 127.0.0.1:$APP;
    location / { return 200 '{"ok":true}'; }
  }
  server {
    listen 127.0.0.1:$PROXY;
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
    }
  }
}
EOF
"$NGINX" -c "$RUN/nginx.conf" -p "$RUN" 2>"$RUN/nginx.stderr" &
PIDS+=($!)
wait_port "$APP"
wait_port "$PROXY"

REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no >/dev/null 2>&1 &
PIDS+=($!)
wait_port "$REDIS_PORT"

# Throughput run: "requests/s non2xx p50 p99" of wrk against port $1.
load() {
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$RUN/bodies.lua" "http://127.0.0.1:$1/callback" -- 1 "$LOAD_BODIES" > "$RUN/wrk.out" 2>&1
  summarise "$RUN/wrk.out"
}
# Latency run: one connection, half the duration.
single() {
  wrk -t1 -c1 -d"$(( (DURATION + 1) / 2 ))s" --latency -s "$RUN/bodies.lua" "http://127.0.0.1:$1/callback" -- "$((LOAD_BODIES + 1))" "$BODIES" > "$RUN/wrk1.out" 2>&1
  summarise "$RUN/wrk1.out"
}
summarise() {
  python3 - "$1" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
def ms(v):
    n, unit = re.match(r"([\d.]+)(us|ms|s)", v).groups()
    return float(n) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
errors = re.search(r"Socket errors:.*", text)
p50 = ms(re.search(r"^\s+50%\s+(\S+)", text, re.M).group(1))
p99 = ms(re.search(r"^\s+99%\s+(\S+)", text, re.M).group(1))
print(f"{rps:.0f} {int(bad.group(1)) if bad else 0} {p50:.3f} {p99:.3f} {'errors' if errors else 'none'}")
EOF
}

GUARD_PID=
start_guard() {
  local port
  port=$(free_port)
  "$BIN" guard --listen "127.0.0.1:$port" --upstream "http://127.0.0.1:$APP" \
    --api-key-file "$RUN/key" --partner-id "$PARTNER_ID" --allowlist "$RUN/allow.txt" \
    --max-age 10m "$@" > /dev/null 2>> "$RUN/guard.stderr" &
  GUARD_PID=$!
  PIDS+=("$GUARD_PID")
  wait_port "$port"
  GUARD_PORT=$port
}
stop_guard() {
  kill -TERM "$GUARD_PID"
  wait "$GUARD_PID" || true
}
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
hwm_kib() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }

row() { # name, "rps non2xx p50 p99 errors" of the load run, "... " of the single run
  local name=$1 l=($2) s=($3)
  printf '| %s | %s | %s | %s ms | %s ms | %s ms | %s ms |\n' "$name" "${l[0]}" "${l[1]}" "${l[2]}" "${l[3]}" "${s[2]}" "${s[3]}"
  RPS[$name]=${l[0]}
  P50[$name]=${s[2]}
  P99[$name]=${s[3]}
}
declare -A RPS P50 P99

if [ "$LONG" -gt 0 ]; then
  say "long run: the SQLite gate until it has served $LONG requests"
  start_guard --seen "$RUN/seen.db"
  echo "| requests served | resident memory (MiB) | peak so far (MiB) | requests/s of the last $DURATION s |"
  echo "|---:|---:|---:|---:|"
  served=0
  while [ "$served" -lt "$LONG" ]; do
    wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" -s "$RUN/bodies.lua" "http://127.0.0.1:$GUARD_PORT/callback" -- 1 "$LOAD_BODIES" > "$RUN/wrk-long.out" 2>&1
    n=$(awk '/requests in/ {print $1}' "$RUN/wrk-long.out")
    bad=$(awk '/Non-2xx/ {print $NF}' "$RUN/wrk-long.out")
    [ -z "$bad" ] || { echo "bench-guard.sh: $bad non-2xx answers in the long run" >&2; exit 1; }
    served=$((served + n))
    rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$RUN/wrk-long.out")
    echo "| $served | $(( $(rss_kib "$GUARD_PID") / 1024 )) | $(( $(hwm_kib "$GUARD_PID") / 1024 )) | $rps |"
  done
  stop_guard
  exit 0
fi

REPORT=$RUN/report.md
{
  echo "| path | requests/s ($CONNECTIONS conn.) | non-2xx | p50 under load | p99 under load | p50 at 1 conn. | p99 at 1 conn. |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
} > "$REPORT"

say "direct to the app"
row "direct (nginx return 200)" "$(load "$APP")" "$(single "$APP")" >> "$REPORT"
say "through nginx proxy_pass"
row "nginx proxy_pass" "$(load "$PROXY")" "$(single "$PROXY")" >> "$REPORT"

say "through guard, SQLite store"
start_guard --seen "$RUN/seen.db"
row "guard, SQLite store" "$(load "$GUARD_PORT")" "$(single "$GUARD_PORT")" >> "$REPORT"
RSS_SQLITE=$(rss_kib "$GUARD_PID") HWM_SQLITE=$(hwm_kib "$GUARD_PID")
stop_guard

say "through guard, Redis store"
start_guard --seen "redis://127.0.0.1:$REDIS_PORT/0"
row "guard, Redis store" "$(load "$GUARD_PORT")" "$(single "$GUARD_PORT")" >> "$REPORT"
RSS_REDIS=$(rss_kib "$GUARD_PID") HWM_REDIS=$(hwm_kib "$GUARD_PID")
stop_guard

say "through guard, memory only (no --seen)"
start_guard
row "guard, no --seen (memory)" "$(load "$GUARD_PORT")" "$(single "$GUARD_PORT")" >> "$REPORT"
RSS_MEMORY=$(rss_kib "$GUARD_PID") HWM_MEMORY=$(hwm_kib "$GUARD_PID")
stop_guard

ratio() { python3 -c "print(f'{$1 / $2:.2f}')"; }
added() { python3 -c "print(f'{$1 - $2:+.3f}')"; }
{
  echo
  echo "guard with SQLite vs nginx proxy_pass: $(ratio "${RPS[guard, SQLite store]}" "${RPS[nginx proxy_pass]}")x the requests/s (target: at least 0.5x)."
  echo "guard with Redis vs nginx proxy_pass: $(ratio "${RPS[guard, Redis store]}" "${RPS[nginx proxy_pass]}")x."
  echo
  echo "Added latency at one connection, against direct: nginx $(added "${P50[nginx proxy_pass]}" "${P50[direct (nginx return 200)]}") ms median, $(added "${P99[nginx proxy_pass]}" "${P99[direct (nginx return 200)]}") ms p99;"
  echo "guard (SQLite) $(added "${P50[guard, SQLite store]}" "${P50[direct (nginx return 200)]}") ms median, $(added "${P99[guard, SQLite store]}" "${P99[direct (nginx return 200)]}") ms p99;"
  echo "guard (Redis) $(added "${P50[guard, Redis store]}" "${P50[direct (nginx return 200)]}") ms median, $(added "${P99[guard, Redis store]}" "${P99[direct (nginx return 200)]}") ms p99."
  echo
  echo "Resident memory of the gate at the end of its runs ($(( DURATION + (DURATION + 1) / 2 )) s of load each), current / peak:"
  echo "SQLite $((RSS_SQLITE / 1024)) / $((HWM_SQLITE / 1024)) MiB, Redis $((RSS_REDIS / 1024)) / $((HWM_REDIS / 1024)) MiB, memory only $((RSS_MEMORY / 1024)) / $((HWM_MEMORY / 1024)) MiB."
} >> "$REPORT"
cp "$REPORT" "$BENCH_DIR/guard.md"
cat "$REPORT"
