#!/usr/bin/env bash
# OpenAPI export checked by tools nobody here wrote.
#
#   scripts/openapi.sh install   cached venv under target/openapi/ (pinned versions)
#   scripts/openapi.sh check     export specs/, validate it with openapi-spec-validator, then run
#                                Schemathesis (positive mode; status-code, content-type and
#                                response-schema conformance) against the reference server
#
# Environment: OPENAPI_PYTHON (default python3), OPENAPI_MAX_EXAMPLES (default 20),
# OPENAPI_PIP_TIMEOUT (s, default 600), SPECGATE (binary; default: cargo build, target/debug).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=$ROOT/target/openapi
VENV=$DIR/venv
PYTHON=${OPENAPI_PYTHON:-python3}
MAX_EXAMPLES=${OPENAPI_MAX_EXAMPLES:-20}
PIP_TIMEOUT=${OPENAPI_PIP_TIMEOUT:-600}
SCHEMATHESIS_VERSION=4.32.5
VALIDATOR_VERSION=0.9.0

log() { printf 'openapi: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

SERVER_PID=
cleanup() {
    if [[ -n $SERVER_PID ]]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
}
trap cleanup EXIT

cmd_install() {
    local want marker=$VENV/.specgate-complete
    want="python=$("$PYTHON" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])') schemathesis==$SCHEMATHESIS_VERSION openapi-spec-validator==$VALIDATOR_VERSION"
    if [[ -f $marker && "$(cat "$marker")" == "$want" ]]; then
        log "venv: up to date"
        return 0
    fi
    log "venv: installing schemathesis==$SCHEMATHESIS_VERSION openapi-spec-validator==$VALIDATOR_VERSION ..."
    local t0=$SECONDS
    rm -rf "$VENV"
    mkdir -p "$DIR"
    "$PYTHON" -m venv "$VENV"
    PIP_CACHE_DIR=$DIR/pip-cache PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 \
        timeout "$PIP_TIMEOUT" "$VENV/bin/pip" install --quiet \
        "schemathesis==$SCHEMATHESIS_VERSION" "openapi-spec-validator==$VALIDATOR_VERSION" ||
        die "pip install failed (or exceeded ${PIP_TIMEOUT}s)"
    printf '%s\n' "$want" >"$marker"
    log "venv: installed in $((SECONDS - t0))s"
}

cmd_check() {
    cmd_install
    local bin=${SPECGATE:-}
    if [[ -z $bin ]]; then
        (cd "$ROOT" && cargo build --quiet --bin specgate) || die "cargo build failed"
        bin=$ROOT/target/debug/specgate
    fi
    local export=$DIR/specs.openapi.json
    (cd "$ROOT" && "$bin" export openapi specs --out "$export") || die "export failed"
    log "openapi-spec-validator:"
    "$VENV/bin/openapi-spec-validator" "$export" || die "the export is not a valid OpenAPI document"

    # The reference server on a free port; it prints its URL, and the Nova project id on stderr.
    "$bin" serve --port 0 >"$DIR/serve.out" 2>"$DIR/serve.err" &
    SERVER_PID=$!
    local url= project= i
    for i in $(seq 1 100); do
        url=$(head -n1 "$DIR/serve.out" 2>/dev/null || true)
        project=$(sed -n 's/.*project id \([0-9a-f]*\).*/\1/p' "$DIR/serve.err" 2>/dev/null || true)
        [[ -n $url && -n $project ]] && break
        sleep 0.1
    done
    [[ -n $url && -n $project ]] || die "the reference server did not start: $(cat "$DIR/serve.err")"
    log "reference server at $url (project $project)"

    # Path variables have no value a generator could guess: the project id is fixed.
    printf '[parameters]\n"path.project_id" = "%s"\n' "$project" >"$DIR/schemathesis.toml"
    log "schemathesis (positive; max $MAX_EXAMPLES examples per operation):"
    # Schemathesis keeps a cache in the working directory: keep it under target/.
    cd "$DIR"
    timeout 600 "$VENV/bin/schemathesis" --config-file "$DIR/schemathesis.toml" run "$export" \
        --url "$url" --mode positive \
        --checks status_code_conformance,content_type_conformance,response_schema_conformance \
        --max-examples "$MAX_EXAMPLES" --seed 1 --phases examples,coverage,fuzzing \
        --header "Accept: application/json" --no-color ||
        die "Schemathesis found disagreements between the export and the reference server"
}

case ${1:-} in
    install) cmd_install ;;
    check) cmd_check ;;
    *) sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
