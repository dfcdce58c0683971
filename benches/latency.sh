#!/usr/bin/env bash
# Benchmark: the whole seed suite against a slow, and then a rationed, target. `specgate serve`
# runs once with every answer LATENCY late (`*.latency=`), and once allowing RATE requests a
# second (`*.rate=`, 429 with `Retry-After` beyond that); hyperfine times `specgate run` against
# each with default flags and with each `--jobs` given. From each run's results.json it counts
# the requests sent (exchanges not served from the run's shared responses), the distinct ones,
# the repeats, the errored cases, and the critical path when the run reports one.
#
#   benches/latency.sh [LATENCY [RATE]]        (default: 100ms 10)
#
# JOBS="1 8 32" sets the `--jobs` runs against latency (the default run always comes first);
# RATE_JOBS="" the same against the rate limit (default: only the default run, as one run at
# 10 requests a second takes minutes); RUNS=1 hyperfine's runs of each. SPECGATE_BIN=/path uses
# that binary instead of `cargo build --release`. Prints Markdown tables; reports, hyperfine's
# JSON and the server logs go to target/bench/latency/ (or $OUT).
set -euo pipefail

LATENCY=${1:-100ms}
RATE=${2:-10}
read -r -a JOBS <<<"${JOBS-1 8 32}"
read -r -a RATE_JOBS <<<"${RATE_JOBS-}"
RUNS=${RUNS:-1}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$ROOT/target/bench/latency}
mkdir -p "$OUT"
log() { printf 'latency: %s\n' "$*" >&2; }
command -v hyperfine >/dev/null || { log "hyperfine is needed (apt-get install hyperfine)"; exit 1; }
if [[ -z ${SPECGATE_BIN:-} ]]; then
  (cd "$ROOT" && cargo build --release --quiet)
  SPECGATE_BIN=$ROOT/target/release/specgate
fi
SERVERS=()
trap 'for s in "${SERVERS[@]}"; do kill "$s" 2>/dev/null || true; done' EXIT

# Start `specgate serve --fault FAULT`; sets BASE and PROJECT.
serve() {
  local fault=$1 logfile=$OUT/serve-${1//[^a-z0-9]/_}.log
  "$SPECGATE_BIN" serve --port 0 --fault "$fault" >"$logfile" 2>&1 &
  SERVERS+=($!)
  BASE=
  for _ in $(seq 100); do
    BASE=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$logfile" | head -1 || true)
    [[ -n $BASE ]] && break
    sleep 0.1
  done
  [[ -n $BASE ]] || { log "the reference server did not start: $(cat "$logfile")"; exit 1; }
  PROJECT=$(grep -o 'project id [0-9a-f]*' "$logfile" | cut -d' ' -f3)
  log "reference server with $fault at $BASE"
}

# One row: hyperfine's mean and the counts of the last run's results.json.
row() {
  local label=$1 dir=$2 json=$3
  python3 - "$label" "$dir/results.json" "$json" <<'EOF'
import collections, json, sys
label, results, timing = sys.argv[1:]
r = json.load(open(results))
t = json.load(open(timing))["results"][0]
sent = [(e["method"], e["url"]) for c in r["cases"] for e in c["exchanges"] if not e.get("shared")]
shared = sum(1 for c in r["cases"] for e in c["exchanges"] if e.get("shared"))
distinct = len(set(sent))
repeats = len(sent) - distinct
errored = r["summary"]["errored"]
path = (r["run"].get("traffic") or {}).get("critical_path") or {}
chain = path.get("requests", "–")
mean = t["mean"]
spread = f' ± {t["stddev"]:.1f}' if t.get("stddev") else ""
pct = f"{100 * repeats / len(sent):.0f}%" if sent else "–"
print(f"| {label} | {mean:.1f} s{spread} | {len(sent):,} | {distinct:,} | {repeats:,} ({pct}) | {shared:,} | {chain} | {errored} |")
EOF
}

header() {
  echo
  echo "$1"
  echo
  echo "| run | wall | requests sent | distinct | repeats | served shared | critical path (requests) | errored cases |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|"
}

# Time `specgate run` with extra flags $3.. against BASE; label $1, directory name $2.
measure() {
  local label=$1 name=$2
  shift 2
  local dir=$OUT/$name
  local cmd="$SPECGATE_BIN run --target $BASE --var project_id=$PROJECT --report-dir $dir -q $*"
  hyperfine --runs "$RUNS" --style none -i --export-json "$dir.json" "$cmd" >/dev/null 2>"$dir.hyperfine.log"
  row "$label" "$dir" "$dir.json"
}

serve "*.latency=$LATENCY"
header "Against \`*.latency=$LATENCY\` ($SPECGATE_BIN):"
measure "default" "latency-default"
for j in "${JOBS[@]}"; do
  measure "\`--jobs $j\`" "latency-j$j" --jobs "$j"
done

serve "*.rate=$RATE"
header "Against \`*.rate=$RATE\` ($SPECGATE_BIN):"
measure "default" "rate-default"
for j in "${RATE_JOBS[@]}"; do
  measure "\`--jobs $j\`" "rate-j$j" --jobs "$j"
done
