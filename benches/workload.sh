#!/usr/bin/env bash
# Benchmark workload W: 200 sequential GETs of one list endpoint, each answer a 28 KB page of
# 25 IMS-like images (32 fields), every item checked against a JSON Schema 2020-12 with `uuid`
# and `date-time` formats, enums and 16 required fields (benches/w/schema.json). nginx serves
# the page statically on loopback, so the server costs nothing.
#
#   benches/workload.sh [RUNS]        (default 10 runs per command)
#
# Installs what it needs (not part of `cargo test`): nginx and hyperfine from Debian, oha with
# cargo, a Python venv with requests + jsonschema; Hurl 8.0.1 is used when BENCH_HURL=1 (a long
# build: libclang-dev libcurl4-openssl-dev libxml2-dev pkg-config, then cargo install). Prints
# Markdown tables; the raw figures go to target/bench/w/.
set -euo pipefail

RUNS=${1:-10}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
HERE=$ROOT/benches/w
OUT=$ROOT/target/bench/w
TOOLS=$ROOT/target/bench-tools
mkdir -p "$OUT" "$TOOLS"
log() { printf 'workload: %s\n' "$*" >&2; }

# ---- tools --------------------------------------------------------------------------------
apt_install() {
  local missing=()
  for pkg in "$@"; do command -v "$pkg" >/dev/null || missing+=("$pkg"); done
  if ((${#missing[@]})); then
    log "installing ${missing[*]} (apt)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
  fi
}
apt_install nginx hyperfine
export PATH=$TOOLS/bin:$PATH
command -v oha >/dev/null || { log "installing oha (cargo)"; cargo install --quiet --locked oha --root "$TOOLS"; }
if [[ ${BENCH_HURL:-0} == 1 ]] && ! command -v hurl >/dev/null; then
  log "installing Hurl 8.0.1 (cargo; needs libclang-dev libcurl4-openssl-dev libxml2-dev pkg-config)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q libclang-dev libcurl4-openssl-dev libxml2-dev pkg-config >/dev/null
  cargo install --quiet --locked hurl --version 8.0.1 --root "$TOOLS"
fi
VENV=$TOOLS/venv
if [[ ! -x $VENV/bin/python ]]; then
  log "creating $VENV (requests, jsonschema)"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet 'requests==2.32.*' 'jsonschema[format]==4.23.*'
fi
log "building specgate (release)"
cargo build --quiet --release --manifest-path "$ROOT/Cargo.toml"
SPECGATE=$ROOT/target/release/specgate

# ---- the server: nginx serving the fixed pages ------------------------------------------
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$VENV/bin/python" - "$HERE/body.json" "$OUT/body1000.json" <<'EOF'
# The 1,000-image page: the 25 images repeated with distinct ids (the schema checks formats).
import json, sys, uuid
page = json.load(open(sys.argv[1]))
images = [dict(page["images"][i % 25], id=str(uuid.UUID(int=(i * 2654435761) << 64 | i, version=4))) for i in range(1000)]
json.dump({"images": images}, open(sys.argv[2], "w"), indent=1)
EOF
cat >"$OUT/nginx.conf" <<EOF
worker_processes 1;
daemon on;
pid $OUT/nginx.pid;
error_log $OUT/nginx-error.log;
events { worker_connections 256; }
http {
  access_log off;
  server {
    listen 127.0.0.1:$PORT;
    location = /v2/cloudimages { default_type application/json; alias $HERE/body.json; }
    location = /v2/cloudimages1000 { default_type application/json; alias $OUT/body1000.json; }
  }
}
EOF
nginx -c "$OUT/nginx.conf"
trap 'kill "$(cat "$OUT/nginx.pid")" 2>/dev/null || true' EXIT
URL=http://127.0.0.1:$PORT/v2/cloudimages

# ---- the workload for each tool ---------------------------------------------------------
spec() { # FILE CASES PATH
  {
    echo "# Benchmark workload: $2 cases, one GET each, every item of every body validated."
    echo "specgate: 1"
    echo "title: Workload W"
    echo "doc: {file: benches/workload.sh, section: W}"
    echo "request: {method: GET, path: $3}"
    echo "cases:"
    for i in $(seq 1 "$2"); do
      echo "  - {name: page-$i, doc: {file: benches/workload.sh, section: W}, level: must,"
      echo "     expect: {status: 200, content_type: application/json, schema: {\$ref: schema.json}}}"
    done
  } >"$1"
}
cp "$HERE/schema.json" "$OUT/schema.json"
spec "$OUT/w.yaml" 200 /v2/cloudimages
spec "$OUT/w2000.yaml" 2000 /v2/cloudimages
spec "$OUT/w1000items.yaml" 200 /v2/cloudimages1000
spec "$OUT/w1000items-2000.yaml" 2000 /v2/cloudimages1000
cat >"$OUT/loop.py" <<'EOF'
import json, sys
import jsonschema, requests
schema = json.load(open(sys.argv[2]))
validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
session = requests.Session()
for _ in range(200):
    r = session.get(sys.argv[1])
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    validator.validate(r.json())
EOF
for _ in $(seq 1 200); do
  printf 'GET %s\nHTTP 200\n[Asserts]\njsonpath "$.images[0].id" matches /^[0-9a-f-]{36}$/\n\n' "$URL"
done >"$OUT/w.hurl"

sg() { echo "$SPECGATE run $1 --target http://127.0.0.1:$PORT --report-dir $OUT/reports ${2:-}"; }

# ---- W, side by side --------------------------------------------------------------------
cmds=(-n "oha -n 200 -c 1 (raw HTTP)" "oha -n 200 -c 1 --no-tui $URL"
      -n "specgate --jobs 1" "$(sg "$OUT/w.yaml" "-j 1")"
      -n "specgate --jobs 4" "$(sg "$OUT/w.yaml" "-j 4")"
      -n "Python requests + jsonschema" "$VENV/bin/python $OUT/loop.py $URL $OUT/schema.json")
if command -v hurl >/dev/null; then cmds+=(-n "Hurl $(hurl --version | head -1 | cut -d' ' -f2) (item 0 only)" "hurl --test $OUT/w.hurl"); fi
log "W: $RUNS runs of each command"
hyperfine -N -w 2 -r "$RUNS" --export-markdown "$OUT/w.md" --export-json "$OUT/w.json" "${cmds[@]}" >/dev/null
echo "### W: 200 GETs, every item validated"
echo
cat "$OUT/w.md"

# ---- CPU per exchange: the difference between 2,000 and 200 exchanges, minus raw HTTP's ---
cpu_ms() { # command... -> task-clock in ms (median of 5)
  for _ in 1 2 3 4 5; do
    perf stat -x, -e task-clock -o "$OUT/stat.txt" "$@" >/dev/null 2>&1 || true
    awk -F, '/task-clock/ {print $1}' "$OUT/stat.txt"
  done | sort -n | sed -n 3p
}
if command -v perf >/dev/null; then
  echo
  echo "### CPU per exchange (perf stat task-clock, median of 5; (2,000 − 200 exchanges) / 1,800)"
  echo
  echo "| page | specgate µs/exchange | oha µs/exchange | added by specgate |"
  echo "|---|---:|---:|---:|"
  for page in "25 images:w:w2000:/v2/cloudimages" "1,000 images:w1000items:w1000items-2000:/v2/cloudimages1000"; do
    IFS=: read -r name small big path <<<"$page"
    # shellcheck disable=SC2046
    s1=$(cpu_ms $(sg "$OUT/$small.yaml" "-j 1")); s2=$(cpu_ms $(sg "$OUT/$big.yaml" "-j 1"))
    o1=$(cpu_ms oha -n 200 -c 1 --no-tui "http://127.0.0.1:$PORT$path"); o2=$(cpu_ms oha -n 2000 -c 1 --no-tui "http://127.0.0.1:$PORT$path")
    python3 -c "s=($s2-$s1)/1.8; o=($o2-$o1)/1.8; print(f'| $name | {s:.0f} | {o:.0f} | {s-o:.0f} |')"
  done
fi

# ---- startup ------------------------------------------------------------------------------
echo
echo "### Startup"
echo
hyperfine -N -w 3 -r "$RUNS" --export-markdown "$OUT/startup.md" \
  -n "specgate list (seed specs)" "$SPECGATE list $ROOT/specs" \
  -n "specgate run, one case" "$(sg "$OUT/w.yaml" "-- --exact $OUT/w.yaml::page-1")" >/dev/null
cat "$OUT/startup.md"
echo
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
