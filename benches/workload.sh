#!/usr/bin/env bash
# Benchmark workload W: 200 sequential GETs of one list endpoint, each answer a 28 KB page of
# 25 IMS-like images (32 fields), every item checked against a JSON Schema 2020-12 with `uuid`
# and `date-time` formats, enums and 16 required fields (benches/w/schema.json). nginx serves
# the page statically on loopback, so the server costs nothing.
#
#   benches/workload.sh [RUNS]        (default 10 runs per command)
#
# W is run side by side, in one hyperfine run, by: oha (raw HTTP floor), specgate -j1/-j4, a
# Python requests + jsonschema loop, and the peer tools a user would pick instead, each doing W
# as faithfully as the tool allows (the notes printed under the table say how close each is):
#   - Schemathesis 4.32.5: an OpenAPI 3.1 document whose GET /v2/cloudimages 200 response is
#     benches/w/schema.json; `st run` makes one case of an operation without parameters, so a
#     Python loop sends that case 200 times through `case.call_and_validate` with the
#     status_code, content_type and response_schema conformance checks (formats validated).
#   - Tavern 3.7.1 (pytest<9): one test of 200 stages, each GET + status 200 + content-type +
#     `verify_response_with` a small jsonschema (Draft 2020-12, format checker) function, since
#     Tavern ships no JSON Schema validator.
#   - Step CI 2.8.2 (npm `stepci`, STEPCI_DISABLE_ANALYTICS=1): one test of 200 steps, each
#     `check: {status: 200, headers, schema}` (Ajv draft-07 + ajv-formats; the schema's $schema and
#     $id are dropped, every keyword it uses means the same there).
#   - Hurl 8.0.1 (installed only with BENCH_HURL=1, a long build; measured whenever `hurl` is
#     installed): status 200 and item 0's id only (Hurl has no JSON Schema assert).
# Before timing, every tool is run once against three broken pages (item 0's id not a uuid,
# item 5's id not a uuid, item 5's created_at not a date-time) and its exit codes are printed:
# a tool that exits 0 there does not check what W checks.
#
# Installs what it needs (not part of `cargo test`): nginx, hyperfine and (when missing) npm
# from Debian; under target/bench-tools/: oha (cargo), Python venvs with requests + jsonschema,
# schemathesis==4.32.5, and tavern==3.7.1 + pytest<9 + jsonschema, `npm install stepci@2.8.2`,
# and with BENCH_HURL=1 Hurl (Debian libclang-dev libcurl4-openssl-dev libxml2-dev pkg-config,
# then `cargo install --locked hurl --version 8.0.1`).
# Environment: BENCH_PEERS=0 skips Schemathesis, Tavern and Step CI (on by default);
# BENCH_HURL=1 installs Hurl; SPECGATE_BIN=/path/to/specgate uses that binary instead of
# `cargo build --release`.
# Prints Markdown tables; the raw figures and the per-tool workload files go to target/bench/w/.
set -euo pipefail

RUNS=${1:-10}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
HERE=$ROOT/benches/w
OUT=$ROOT/target/bench/w
TOOLS=$ROOT/target/bench-tools
mkdir -p "$OUT" "$TOOLS"
log() { printf 'workload: %s\n' "$*" >&2; }

# ---- tools --------------------------------------------------------------------------------
apt_get() { # PACKAGE...: install with apt, refreshing the package lists once if that fails
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null; }
}
apt_install() { # COMMAND...: the Debian package of the same name for each missing command
  local missing=()
  for pkg in "$@"; do command -v "$pkg" >/dev/null || missing+=("$pkg"); done
  if ((${#missing[@]})); then
    log "installing ${missing[*]} (apt)"
    apt_get "${missing[@]}"
  fi
}
pip_has() { # PYTHON DIST VERSION
  "$1" -c 'import sys, importlib.metadata as m; sys.exit(m.version(sys.argv[1]) != sys.argv[2])' "$2" "$3" 2>/dev/null
}
apt_install nginx hyperfine
export PATH=$TOOLS/bin:$PATH STEPCI_DISABLE_ANALYTICS=1
command -v oha >/dev/null || { log "installing oha (cargo)"; cargo install --quiet --locked oha --root "$TOOLS"; }
HURL_VERSION=8.0.1
if [[ ${BENCH_HURL:-0} == 1 ]] && ! command -v hurl >/dev/null; then
  log "installing Hurl $HURL_VERSION (apt libclang-dev libcurl4-openssl-dev libxml2-dev pkg-config; cargo: a long build)"
  apt_get libclang-dev libcurl4-openssl-dev libxml2-dev pkg-config
  nice -n 19 cargo install --quiet --locked hurl --version "$HURL_VERSION" --root "$TOOLS"
fi
VENV=$TOOLS/venv
if [[ ! -x $VENV/bin/python ]]; then
  log "creating $VENV (requests, jsonschema)"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet 'requests==2.32.*' 'jsonschema[format]==4.23.*'
fi
PEERS=${BENCH_PEERS:-1}
SCHEMATHESIS_VERSION=4.32.5 TAVERN_VERSION=3.7.1 STEPCI_VERSION=2.8.2
ST_VENV=$TOOLS/schemathesis-venv TAVERN_VENV=$TOOLS/tavern-venv STEPCI=$TOOLS/stepci/node_modules/.bin/stepci
if [[ $PEERS == 1 ]]; then
  if ! pip_has "$ST_VENV/bin/python" schemathesis "$SCHEMATHESIS_VERSION"; then
    log "creating $ST_VENV (schemathesis $SCHEMATHESIS_VERSION)"
    python3 -m venv "$ST_VENV"
    "$ST_VENV/bin/pip" install --quiet "schemathesis==$SCHEMATHESIS_VERSION"
  fi
  if ! pip_has "$TAVERN_VENV/bin/python" tavern "$TAVERN_VERSION"; then
    log "creating $TAVERN_VENV (tavern $TAVERN_VERSION, pytest<9, jsonschema)"
    python3 -m venv "$TAVERN_VENV"
    "$TAVERN_VENV/bin/pip" install --quiet "tavern==$TAVERN_VERSION" 'pytest<9' 'jsonschema[format]==4.23.*'
  fi
  if [[ ! -x $STEPCI || $("$STEPCI" --version 2>/dev/null) != "$STEPCI_VERSION" ]]; then
    apt_install npm
    log "installing stepci $STEPCI_VERSION (npm)"
    mkdir -p "$TOOLS/stepci"
    npm install --prefix "$TOOLS/stepci" --no-audit --no-fund --silent "stepci@$STEPCI_VERSION"
  fi
fi
if [[ -n ${SPECGATE_BIN:-} ]]; then
  SPECGATE=$SPECGATE_BIN
else
  log "building specgate (release)"
  cargo build --quiet --release --manifest-path "$ROOT/Cargo.toml"
  SPECGATE=$ROOT/target/release/specgate
fi

# ---- the server: nginx serving the fixed pages ------------------------------------------
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$VENV/bin/python" - "$HERE/body.json" "$OUT/body1000.json" <<'EOF'
# The 1,000-image page: the 25 images repeated with distinct ids (the schema checks formats).
import json, sys, uuid
page = json.load(open(sys.argv[1]))
images = [dict(page["images"][i % 25], id=str(uuid.UUID(int=(i * 2654435761) << 64 | i, version=4))) for i in range(1000)]
json.dump({"images": images}, open(sys.argv[2], "w"), indent=1)
EOF
"$VENV/bin/python" - "$HERE/body.json" "$OUT" <<'EOF'
# Broken pages for the check that each tool really fails: one bad value in an otherwise good page.
import copy, json, sys
page = json.load(open(sys.argv[1]))
for name, item, field, value in [("uuid0", 0, "id", "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz"),
                                 ("uuid5", 5, "id", "83e2824a-c48b-42a1-9f80-a09836247664x"),
                                 ("datetime5", 5, "created_at", "2020-05-12 22:49")]:
    broken = copy.deepcopy(page)
    broken["images"][item][field] = value
    json.dump(broken, open(f"{sys.argv[2]}/broken-{name}.json", "w"))
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
    location ~ ^/broken-(uuid0|uuid5|datetime5)/v2/cloudimages\$ { default_type application/json; alias $OUT/broken-\$1.json; }
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
# Schemathesis: an OpenAPI 3.1 document (its schema dialect is 2020-12) and the 200-call loop.
"$VENV/bin/python" - "$OUT/schema.json" "$OUT/openapi.json" <<'EOF'
import json, sys
schema = json.load(open(sys.argv[1]))
json.dump({"openapi": "3.1.0", "info": {"title": "Workload W", "version": "1"},
           "paths": {"/v2/cloudimages": {"get": {"operationId": "listCloudImages", "responses": {
               "200": {"description": "A page of images", "content": {"application/json": {"schema": schema}}}}}}}},
          open(sys.argv[2], "w"), indent=1)
EOF
cat >"$OUT/schemathesis_w.py" <<'EOF'
# `st run` makes a single case of an operation without parameters, so the case is sent 200 times.
import sys
import requests
import schemathesis
from schemathesis.specs.openapi.checks import (
    content_type_conformance, response_schema_conformance, status_code_conformance)

schema = schemathesis.openapi.from_path(sys.argv[1])
case = schema["/v2/cloudimages"]["GET"].Case()
checks = [status_code_conformance, content_type_conformance, response_schema_conformance]
session = requests.Session()
for _ in range(200):
    response = case.call_and_validate(base_url=sys.argv[2], session=session, checks=checks)
    assert response.status_code == 200
EOF
# Tavern: JSON Schema through `verify_response_with` (Tavern 3.7 validates with pykwalify, regex,
# JMESPath, JWT or pydantic only).
cat >"$OUT/tavern_jsonschema.py" <<'EOF'
import functools, json
import jsonschema

@functools.cache
def _validator(schema_path):
    schema = json.load(open(schema_path))
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())

def validate(response, schema_path):
    _validator(schema_path).validate(response.json())
EOF
workloads() { # VARIANT BASE_URL: the per-tool files that embed the URL
  local url=$2/v2/cloudimages
  "$VENV/bin/python" - "$url" "$OUT/schema.json" >"$OUT/test_$1.tavern.yaml" <<'EOF'
import sys
url, schema = sys.argv[1:3]
print("test_name: Workload W, 200 GETs, every item of every body validated")
print("stages:")
for i in range(1, 201):
    print(f"""  - name: page-{i}
    request: {{url: "{url}", method: GET}}
    response:
      status_code: 200
      headers: {{content-type: application/json}}
      verify_response_with:
        function: tavern_jsonschema:validate
        extra_kwargs: {{schema_path: "{schema}"}}""")
EOF
  "$VENV/bin/python" - "$url" "$OUT/schema.json" >"$OUT/stepci-$1.yml" <<'EOF'
import json, sys
url, schema_path = sys.argv[1:3]
schema = json.load(open(schema_path))
# Step CI compiles with Ajv's default (draft-07) class, which rejects the 2020-12 meta-schema
# URI; every keyword this schema uses means the same in draft-07.
for key in ("$schema", "$id"):
    schema.pop(key)
step = lambda i: {"name": f"page-{i}", "http": {"url": url, "method": "GET", "check": {
    "status": 200, "headers": {"Content-Type": "application/json"},
    "schema": {"$ref": "#/components/schemas/Page"}}}}
print(json.dumps({"version": "1.1", "name": "Workload W", "components": {"schemas": {"Page": schema}},
                  "tests": {"w": {"steps": [step(i) for i in range(1, 201)]}}}, indent=1))
EOF
  for _ in $(seq 1 200); do
    printf 'GET %s\nHTTP 200\n[Asserts]\njsonpath "$.images[0].id" matches /^[0-9a-f-]{36}$/\n\n' "$url"
  done >"$OUT/$1.hurl"
}
BASE=http://127.0.0.1:$PORT
BROKEN=(broken-uuid0 broken-uuid5 broken-datetime5)
workloads w "$BASE"
for b in "${BROKEN[@]}"; do workloads "$b" "$BASE/$b"; done

sg() { echo "$SPECGATE run $1 --target http://127.0.0.1:$PORT${3:-} --report-dir $OUT/reports${3:-} ${2:-}"; }

# ---- the tools measured: NAME, COMMAND for VARIANT (w or a broken page), and a note -----------
names=() notes=() kinds=()
tool() { names+=("$1"); kinds+=("$2"); notes+=("$3"); }
tool_cmd() { # KIND VARIANT -> the command line
  local prefix='' url
  [[ $2 == w ]] || prefix=/$2
  url=$BASE$prefix/v2/cloudimages
  case $1 in
    oha) echo "oha -n 200 -c 1 --no-tui $url" ;;
    sg1) sg "$OUT/w.yaml" "-j 1" "$prefix" ;;
    sg4) sg "$OUT/w.yaml" "-j 4" "$prefix" ;;
    py) echo "$VENV/bin/python $OUT/loop.py $url $OUT/schema.json" ;;
    st) echo "$ST_VENV/bin/python $OUT/schemathesis_w.py $OUT/openapi.json $BASE$prefix" ;;
    tavern) echo "env PYTHONPATH=$OUT $TAVERN_VENV/bin/pytest -q -p no:cacheprovider $OUT/test_$2.tavern.yaml" ;;
    stepci) echo "$STEPCI run $OUT/stepci-$2.yml" ;;
    hurl) echo "hurl --test $OUT/$2.hurl" ;;
  esac
}
tool "oha -n 200 -c 1 (raw HTTP)" oha "no check at all: the HTTP floor"
tool "specgate --jobs 1" sg1 "W exactly: status, content type, JSON Schema 2020-12 with formats, every item"
tool "specgate --jobs 4" sg4 "W exactly, 4 cases at a time"
tool "Python requests + jsonschema" py "W exactly, hand-written: one keep-alive session, Draft202012Validator + FormatChecker"
if [[ $PEERS == 1 ]]; then
  pyver() { "$1" -c 'import sys, importlib.metadata as m; print(m.version(sys.argv[1]))' "$2"; }
  tool "Schemathesis $(pyver "$ST_VENV/bin/python" schemathesis) (Python API, 1 case × 200)" st \
    "W through Schemathesis' Python API: \`st run\` makes one case for an operation without parameters, so one case is sent 200 times with \`call_and_validate\` and the status_code, content_type and response_schema conformance checks (JSON Schema 2020-12 from an OpenAPI 3.1 document, formats on); one keep-alive session"
  tool "Tavern $(pyver "$TAVERN_VENV/bin/python" tavern) (200 stages)" tavern \
    "W: one pytest test of 200 stages, each status 200 + content-type + a 10-line jsonschema Draft 2020-12 function (with formats) through \`verify_response_with\`, as Tavern has no JSON Schema validator; one keep-alive session; most of its time is Tavern itself (it YAML-dumps every value of every response for its report, Allure or not)"
  tool "Step CI $("$STEPCI" --version) (200 steps)" stepci \
    "W: one test of 200 steps, each \`check: {status: 200, headers: {Content-Type}, schema}\`; Ajv draft-07 + ajv-formats (\$schema and \$id dropped, same meaning for every keyword used); a new connection per step"
fi
if command -v hurl >/dev/null; then
  tool "Hurl $(hurl --version | head -1 | cut -d' ' -f2) (item 0 only)" hurl \
    "not W: status 200 and a regex on item 0's id; Hurl has no JSON Schema assert"
fi

# ---- each tool must fail on a broken page (or its row is not W) -----------------------------
mkdir -p "$OUT/broken"
log "broken pages: each tool once per page"
{
  echo "### Does each tool catch a broken page? (exit code; 0 = passed)"
  echo
  echo "| tool | valid page | item 0 id not a uuid | item 5 id not a uuid | item 5 created_at not a date-time |"
  echo "|---|---:|---:|---:|---:|"
  for i in "${!names[@]}"; do
    [[ ${kinds[i]} == oha ]] && continue
    row="| ${names[i]} |"
    for v in w "${BROKEN[@]}"; do
      # shellcheck disable=SC2046
      rc=0; $(tool_cmd "${kinds[i]}" "$v") >"$OUT/broken/${kinds[i]}-$v.log" 2>&1 || rc=$?
      row+=" $rc |"
    done
    echo "$row"
  done
} >"$OUT/broken.md"

# ---- W, side by side --------------------------------------------------------------------
cmds=()
for i in "${!names[@]}"; do cmds+=(-n "${names[i]}" "$(tool_cmd "${kinds[i]}" w)"); done
log "W: $RUNS runs of each command"
hyperfine -N -w 2 -r "$RUNS" --export-markdown "$OUT/w.md" --export-json "$OUT/w.json" "${cmds[@]}" >/dev/null
echo "### W: 200 GETs, every item validated"
echo
cat "$OUT/w.md"
echo
echo "Medians of the same runs, and their ratio to raw HTTP's:"
echo
python3 - "$OUT/w.json" <<'EOF'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
floor = results[0]["median"]
print("| command | median | × raw HTTP |\n|:---|---:|---:|")
for r in results:
    print(f"| `{r['command']}` | {r['median'] * 1000:.1f} ms | {r['median'] / floor:.2f} |")
EOF
echo
for i in "${!names[@]}"; do echo "- ${names[i]}: ${notes[i]}."; done
echo
cat "$OUT/broken.md"
echo

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
