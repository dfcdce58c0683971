#!/usr/bin/env bash
# Real clients against specgate, on loopback:
#   - the official Huawei Cloud SDK core signs a fixed set of requests (fixed dates, repeated
#     query keys, non-ASCII and reserved characters, an empty path segment); specgate's signer
#     (examples/sign.rs) must produce the same headers byte for byte;
#   - the official IMS SDK (huaweicloudsdkims) lists images from `specgate serve --ak --sk`
#     with filters, marker/limit paging to the end and every sort key; a tampered signed
#     request gets 401;
#   - openstacksdk lists every image through Glance v2 paging and the compute image detail
#     view through the Nova-compatible endpoint of `specgate serve`.
#
#   scripts/clients.sh install   cached venvs under target/clients/ (pinned versions)
#   scripts/clients.sh check     install, build, run all of the above, stop the servers (always)
#
# A failure prints one line naming the client and the call, and exits 1.
# Knobs (environment): CLIENTS_PYTHON (python >= 3.9, default python3),
# CLIENTS_PIP_TIMEOUT (s per venv, default 900), SPECGATE_BIN (specgate binary to serve with).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=$ROOT/target/clients
TESTS=$ROOT/tests/clients
PYTHON=${CLIENTS_PYTHON:-python3}
PIP_TIMEOUT=${CLIENTS_PIP_TIMEOUT:-900}

# Test keys, not credentials of anything.
export HUAWEICLOUD_SDK_AK=AKSPECGATECLIENTS
export HUAWEICLOUD_SDK_SK=clients-check-secret-key

log() { printf 'clients: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

SERVER_PIDS=()
stop_servers() {
    local pid
    for pid in "${SERVER_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    SERVER_PIDS=()
}
trap stop_servers EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# install_venv NAME CONSTRAINTS REQUIREMENT... : a venv reused while its requirements are unchanged.
install_venv() {
    local name=$1 constraints=$2
    shift 2
    local venv=$DIR/venv-$name marker=$DIR/venv-$name/.specgate-complete
    local want="$* $(sha256sum "$constraints" | cut -c1-16)"
    if [[ -f $marker && $(cat "$marker") == "$want" ]]; then
        log "venv-$name: up to date ($*)"
        return
    fi
    log "venv-$name: installing $* ..."
    local t0=$SECONDS
    rm -rf "$venv"
    "$PYTHON" -m venv "$venv"
    timeout "$PIP_TIMEOUT" "$venv/bin/pip" install --quiet --disable-pip-version-check \
        --cache-dir "$DIR/pip-cache" -c "$constraints" "$@" ||
        die "pip install $* failed (or exceeded ${PIP_TIMEOUT}s)"
    echo "$want" >"$marker"
    log "venv-$name: installed in $((SECONDS - t0))s"
}

cmd_install() {
    mkdir -p "$DIR"
    install_venv huawei "$TESTS/constraints-huawei.txt" huaweicloudsdkcore==3.1.219 huaweicloudsdkims==3.1.219
    install_venv openstack "$TESTS/constraints-openstack.txt" openstacksdk==4.22.0
}

# serve NAME ARGS...: start `specgate serve` on a free port; sets URL and PROJECT_ID.
serve() {
    local name=$1
    shift
    local out=$DIR/$name.url err=$DIR/$name.log
    "$SPECGATE" serve --images 120 "$@" >"$out" 2>"$err" &
    SERVER_PIDS+=($!)
    local i
    for i in $(seq 100); do
        [[ -s $out ]] && break
        kill -0 "${SERVER_PIDS[-1]}" 2>/dev/null || die "specgate serve ($name) exited: $(cat "$err")"
        sleep 0.1
    done
    URL=$(head -1 "$out")
    [[ -n $URL ]] || die "specgate serve ($name) printed no URL"
    PROJECT_ID=$(sed -n 's/.*project id \([0-9a-f]*\).*/\1/p' "$err")
}

check_signatures() {
    local sdk=$DIR/sign-sdk.json ours=$DIR/sign-specgate.json
    "$DIR/venv-huawei/bin/python" "$TESTS/sdk_sign.py" <"$TESTS/sign-requests.json" >"$sdk" ||
        die "FAIL huaweicloudsdkcore Signer.sign: the reference signer did not run"
    "$SIGN" <"$TESTS/sign-requests.json" >"$ours" || die "FAIL specgate sign example did not run"
    if ! diff -u "$sdk" "$ours" >&2; then
        die "FAIL huaweicloudsdkcore Signer.sign: specgate's headers differ (above: - SDK, + specgate)"
    fi
    log "ok: $(grep -c '"Authorization"' "$ours") signatures identical to huaweicloudsdkcore's"
}

cmd_check() {
    local t0=$SECONDS
    cmd_install
    log "building specgate ..."
    (cd "$ROOT" && cargo build --quiet --bin specgate --example sign)
    SPECGATE=${SPECGATE_BIN:-$ROOT/target/debug/specgate}
    SIGN=$ROOT/target/debug/examples/sign
    local t1=$SECONDS

    check_signatures

    serve aksk --ak "$HUAWEICLOUD_SDK_AK" --sk "$HUAWEICLOUD_SDK_SK"
    HUAWEICLOUD_SDK_PROJECT_ID=$PROJECT_ID timeout 300 "$DIR/venv-huawei/bin/python" "$TESTS/ims_list.py" "$URL" >&2 ||
        die "huaweicloudsdkims check failed (see the line above)"
    log "ok: huaweicloudsdkims ListImages (filters, paging, sort keys) signed and accepted; tampered request refused"

    serve plain
    local total
    total=$("$DIR/venv-openstack/bin/python" -c 'import json, sys, urllib.request
print(len(json.load(urllib.request.urlopen(sys.argv[1] + "/v2/images?limit=1000", timeout=20))["images"]))' "$URL")
    timeout 300 "$DIR/venv-openstack/bin/python" -W ignore "$TESTS/openstack_list.py" "$URL" "$PROJECT_ID" "$total" >&2 ||
        die "openstacksdk check failed (see the line above)"
    log "ok: openstacksdk image.images (Glance v2 paging) and compute.images(details=True)"
    stop_servers
    log "passed in $((SECONDS - t0))s ($((SECONDS - t1))s after install and build)"
}

case "${1:-}" in
install) cmd_install ;;
check) cmd_check ;;
*)
    sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
