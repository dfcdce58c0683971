#!/usr/bin/env bash
# Benchmark: whole walks of a large catalogue. specgate runs the Glance v2 spec's
# `pagination.walk` case (a full listing at limit=1000, the walk itself at --page-size, and a
# second full listing) against `specgate serve` holding IMAGES images, once per page size:
# wall time and peak RSS from /usr/bin/time. Then curl fetches the very pages the case fetched,
# in the same order (their URLs taken from the run's event stream), one at a time on one
# connection: raw fetching of the same pages, without checks.
#
#   benches/walk.sh [IMAGES [PAGE_SIZE...]]     (default: 1000000 images, page sizes 1000 100)
#
# Installs curl and time (apt) when missing. SPECGATE_BIN=/path/to/specgate
# uses that binary instead of `cargo build --release`. Prints a Markdown table; the event
# streams, URL lists and reports go to target/bench/walk/.
set -euo pipefail

IMAGES=${1:-1000000}
shift || true
SIZES=("$@")
((${#SIZES[@]})) || SIZES=(1000 100)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/target/bench/walk
mkdir -p "$OUT"
log() { printf 'walk: %s\n' "$*" >&2; }
for tool in curl time bc; do
  [[ -x /usr/bin/$tool ]] || { log "installing $tool (apt)"; DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$tool" >/dev/null; }
done
if [[ -z ${SPECGATE_BIN:-} ]]; then
  (cd "$ROOT" && cargo build --release --quiet)
  SPECGATE_BIN=$ROOT/target/release/specgate
fi

SPEC=specs/openstack/glance-v2-images.yaml
CASE=$SPEC::pagination.walk
"$SPECGATE_BIN" serve --port 0 --images "$IMAGES" >"$OUT/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
BASE=
for _ in $(seq 600); do
  BASE=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$OUT/serve.log" | head -1 || true)
  [[ -n $BASE ]] && curl -sf -o /dev/null "$BASE/v2/images?limit=1" && break
  BASE=
  sleep 0.5
done
[[ -n $BASE ]] || { log "the reference server did not start: $(cat "$OUT/serve.log")"; exit 1; }
log "reference server with $IMAGES images at $BASE"

echo "| page size | requests | specgate | raw (curl, same pages) | ratio | specgate peak RSS | verdict |"
echo "|---:|---:|---:|---:|---:|---:|---|"
for size in "${SIZES[@]}"; do
  events=$OUT/events-$size.jsonl
  budget=$((3 * IMAGES / size + 2 * IMAGES / 1000 + 100))
  (cd "$ROOT" && /usr/bin/time -f '%e %M' -o "$OUT/time-$size" "$SPECGATE_BIN" run "$SPEC" --target "$BASE" \
    --page-size "$size" --budget "$budget" --case-timeout 3600 --report-dir "$OUT/reports-$size" \
    --events "$events" -- --exact "$CASE" >"$OUT/run-$size.log" 2>&1) || true
  read -r wall rss <"$OUT/time-$size"
  verdict=$(grep -o '"outcome":"[a-z]*"' "$events" | tail -1 | cut -d'"' -f4)
  grep '"event":"exchange"' "$events" | grep -o '"url":"[^"]*"' | cut -d'"' -f4 |
    sed 's/.*/url = "&"\noutput = "\/dev\/null"/' >"$OUT/curl-$size.cfg"
  requests=$(grep -c '^url' "$OUT/curl-$size.cfg")
  start=$(date +%s.%N)
  curl -sf --config "$OUT/curl-$size.cfg"
  raw=$(echo "$(date +%s.%N) - $start" | bc)
  printf '| %s | %s | %.2f s | %.2f s | %.2f | %.1f MiB | %s |\n' "$size" "$requests" "$wall" "$raw" \
    "$(echo "$wall / $raw" | bc -l)" "$(echo "$rss / 1024" | bc -l)" "$verdict"
done
