#!/usr/bin/env bash
# Load-tests the reference server with wrk and prints a Markdown table of the figures.
#
#   crates/refserver/benches/bench.sh [IMAGES] [DURATION_SECONDS]
#
# Needs wrk (Debian: apt-get install wrk), curl and python3. Builds the `serve` example in
# release mode, starts it on a free port, measures startup time, requests/s and latency per
# scenario (each with 32 connections on one wrk thread, so the server keeps the other core),
# and resident memory (VmRSS/VmHWM from /proc) after the load.
set -euo pipefail

IMAGES=${1:-1000000}
DURATION=${2:-10}
CONNECTIONS=32
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
LOG=$(mktemp)
MARKERS=$(mktemp)

cargo build --quiet --release -p specgate-refserver --example serve --manifest-path "$ROOT/Cargo.toml"
"$ROOT/target/release/examples/serve" --port "$PORT" --images "$IMAGES" >"$LOG" 2>&1 &
PID=$!
trap 'kill "$PID" 2>/dev/null || true; rm -f "$LOG" "$MARKERS"' EXIT
for _ in $(seq 1 600); do grep -q '^ready' "$LOG" && break; sleep 0.1; done
grep -q '^ready' "$LOG" || { cat "$LOG"; exit 1; }
STARTUP_MS=$(sed -n 's/.*startup_ms=\([0-9]*\).*/\1/p' "$LOG")
PROJECT=$(sed -n 's/.*project_id=\([0-9a-f]*\).*/\1/p' "$LOG")
RSS_IDLE=$(awk '/VmRSS/ {print $2}' "/proc/$PID/status")
URL="http://127.0.0.1:$PORT"

# 1000 ids spread over the catalogue, for the random-marker scenario.
curl -s "$URL/v2/images?limit=1000&sort_key=size&sort_dir=asc" |
  python3 -c 'import json,sys; [print(i["id"]) for i in json.load(sys.stdin)["images"]]' >"$MARKERS"

run() { # name, path, [lua script]
  local name=$1 path=$2 script=${3:-}
  local out
  if [[ -n $script ]]; then
    out=$(MARKERS=$MARKERS BENCH_PATH=$path wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" -s "$script" "$URL")
  else
    out=$(wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" "$URL$path")
  fi
  local rps lat
  rps=$(awk '/Requests\/sec/ {printf "%d", $2}' <<<"$out")
  lat=$(awk '/Latency/ {print $2 " / " $4}' <<<"$out")
  echo "| $name | \`$path\` | $rps | $lat |"
}

echo "images: $IMAGES, startup: ${STARTUP_MS} ms, RSS after startup: $((RSS_IDLE / 1024)) MiB"
echo
echo "| scenario | request | req/s | latency avg / max |"
echo "|---|---|---:|---|"
run "IMS first page" "/v2/cloudimages?limit=25"
run "Nova first page" "/v2.1/$PROJECT/images/detail?limit=25"
run "Glance v1 first page" "/v1.1/images/detail?limit=25"
run "Glance v2 first page" "/v2/images?limit=25"
run "Glance v2, random marker, by name" "/v2/images?limit=25&sort_key=name&sort_dir=asc&marker=" "$HERE/random-marker.lua"
run "IMS, random marker, filtered" "/v2/cloudimages?limit=25&__platform=CentOS&status=active&marker=" "$HERE/random-marker.lua"
run "IMS, exact name" "/v2/cloudimages?limit=25&name=app-base-00042"
run "IMS, default page (500)" "/v2/cloudimages"
run "Glance v2, two sort keys" "/v2/images?limit=25&sort=status:asc,name:desc"
run "Glance v2, two sort keys, random marker" "/v2/images?limit=25&sort=status:asc,name:desc&marker=" "$HERE/random-marker.lua"
echo
echo "RSS after load: $(awk '/VmRSS/ {printf "%d", $2/1024}' "/proc/$PID/status") MiB, peak (VmHWM): $(awk '/VmHWM/ {printf "%d", $2/1024}' "/proc/$PID/status") MiB"
