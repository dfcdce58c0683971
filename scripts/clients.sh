#!/usr/bin/env bash
# Real clients against specgate, on loopback:
#   - the official Huawei Cloud SDK core signs a fixed set of requests (fixed dates, repeated
#     query keys, non-ASCII and reserved characters, an empty path segment); specgate's signer
#     (examples/sign.rs) must produce the same headers byte for byte;
#   - the official IMS SDK (huaweicloudsdkims) lists images from `specgate serve --ak --sk`
#     with filters, marker/limit paging to the end and every sort key; a tampered signed
#     request gets 401;
#   - openstacksdk lists every image through Glance v2 paging and the compute image detail
#     view through the Nova-compatible endpoint of `specgate serve`;
#   - a real Keystone (PyPI `keystone`, sqlite, `keystone-manage bootstrap`, gunicorn) lists
#     `specgate serve` in its catalog, and specgate logs in to it by itself: password login
#     with `--service image`, application credential with `--service compute`, `--os-cloud`
#     from a clouds.yaml; a wrong password is one line and exit 2; no secret in any output.
#
#   scripts/clients.sh install   cached venvs under target/clients/ (pinned versions)
#   scripts/clients.sh check     install, build, run all of the above, stop the servers (always)
#   scripts/clients.sh models    the IMS SDK's ListImages request and ImageInfo models compared
#                                with specs/ims/cloudimages.yaml and its schemas (also run by check)
#
# A failure prints one line naming the client and the call, and exits 1.
# Knobs (environment): CLIENTS_PYTHON (python >= 3.9, default python3),
# CLIENTS_PIP_TIMEOUT (s per venv, default 900), SPECGATE_BIN (specgate binary to serve with).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib/keystone.sh
source "$ROOT/scripts/lib/keystone.sh"
DIR=$ROOT/target/clients
TESTS=$ROOT/tests/clients
PYTHON=${CLIENTS_PYTHON:-python3}
PIP_TIMEOUT=${CLIENTS_PIP_TIMEOUT:-900}

# Test keys, not credentials of anything.
export HUAWEICLOUD_SDK_AK=AKSPECGATECLIENTS
export HUAWEICLOUD_SDK_SK=clients-check-secret-key

log() { printf 'clients: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

KEYSTONE_PASSWORD=clients-check-admin-password

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
    install_venv keystone "$TESTS/constraints-keystone.txt" keystone==30.0.0 gunicorn==27.0.1
}

# serve NAME ARGS...: start `specgate serve` on a free port; sets URL and PROJECT_ID.
serve() {
    local name=$1
    shift
    local out=$DIR/$name.url err=$DIR/$name.log
    rm -f "$out" "$err"
    "$SPECGATE" serve --images 120 "$@" >"$out" 2>"$err" &
    SERVER_PIDS+=($!)
    local i
    URL= PROJECT_ID=
    # It prints its URL on stdout, then its project id on stderr.
    for i in $(seq 100); do
        URL=$(grep -m1 '^http://' "$out" 2>/dev/null || true)
        PROJECT_ID=$(sed -n 's/.*project id \([0-9a-f]\{32\}\).*/\1/p' "$err" 2>/dev/null || true)
        [[ -n $URL && -n $PROJECT_ID ]] && return 0
        kill -0 "${SERVER_PIDS[-1]}" 2>/dev/null || die "specgate serve ($name) exited: $(cat "$err")"
        sleep 0.1
    done
    die "specgate serve ($name) printed no URL and project id within 10s"
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

free_port() {
    "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# A fresh Keystone on loopback: sqlite, fernet tokens, bootstrapped admin; sets KEYSTONE_URL.
start_keystone() {
    local dir=$DIR/keystone bin=$DIR/venv-keystone/bin port
    [[ -n $DIR ]] || die "no working directory"
    rm -rf "$dir"
    port=$(free_port)
    KEYSTONE_URL=http://127.0.0.1:$port
    keystone_bootstrap "$dir" "$bin" "$KEYSTONE_URL/v3" "$KEYSTONE_PASSWORD" ||
        { tail -n 20 "$dir/setup.log" >&2; die "keystone-manage failed"; }
    # One thread: sqlite and concurrent writers do not mix.
    (cd "$dir" && exec env OS_KEYSTONE_CONFIG_DIR="$dir" "$bin/gunicorn" --bind "127.0.0.1:$port" \
        --workers 1 --threads 1 --timeout 120 --no-control-socket keystone_wsgi:application) \
        </dev/null >"$dir/server.log" 2>&1 &
    SERVER_PIDS+=($!)
    local i
    for i in $(seq 120); do
        curl -fsS -o /dev/null --max-time 5 "$KEYSTONE_URL/v3" 2>/dev/null && return 0
        kill -0 "${SERVER_PIDS[-1]}" 2>/dev/null || { tail -n 20 "$dir/server.log" >&2; die "keystone exited"; }
        sleep 0.5
    done
    die "keystone did not answer $KEYSTONE_URL/v3 within 60s"
}

# keystone_run NAME EXPECTED_EXIT VAR=VALUE... -- SPECGATE_RUN_ARGS...: one specgate run in a
# clean login environment; its outputs are kept under target/clients/keystone/NAME.
keystone_run() {
    local name=$1 want=$2
    shift 2
    local -a env=()
    while [[ $1 != -- ]]; do
        env+=("$1")
        shift
    done
    shift
    local out=$DIR/keystone/$name rc=0
    mkdir -p "$out"
    (cd "$out" && env -u OS_CLOUD -u OS_AUTH_URL -u OS_USERNAME -u OS_PASSWORD -u OS_PROJECT_ID \
        -u OS_PROJECT_NAME -u OS_APPLICATION_CREDENTIAL_ID -u OS_APPLICATION_CREDENTIAL_SECRET \
        -u OS_CLIENT_CONFIG_FILE -u HUAWEICLOUD_SDK_AK -u HUAWEICLOUD_SDK_SK -u SPECGATE_TOKEN \
        HOME="$out" "${env[@]}" "$SPECGATE" run --report-dir "$out/reports" "$@" \
        >"$out/stdout" 2>"$out/stderr") || rc=$?
    if ((rc != want)); then
        tail -n 5 "$out/stderr" >&2
        die "FAIL specgate login ($name) against keystone: exit code $rc, expected $want"
    fi
}

check_keystone() {
    start_keystone
    serve keystone-target
    local creds ac_id ac_secret
    creds=$(timeout 120 "$PYTHON" "$TESTS/keystone_setup.py" "$KEYSTONE_URL" "$KEYSTONE_PASSWORD" \
        "$URL/v2" "$URL/v2.1/$PROJECT_ID") || die "registering the reference server in keystone failed"
    ac_id=$(printf '%s' "$creds" | "$PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["application_credential_id"])')
    ac_secret=$(printf '%s' "$creds" | "$PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["application_credential_secret"])')
    local pw=(OS_AUTH_URL="$KEYSTONE_URL" OS_USERNAME=admin OS_USER_DOMAIN_NAME=Default
        OS_PROJECT_NAME=admin OS_PROJECT_DOMAIN_NAME=Default)

    keystone_run password 0 "${pw[@]}" OS_PASSWORD="$KEYSTONE_PASSWORD" -- \
        "$ROOT/specs/openstack/glance-v2-images.yaml" --service image
    # The reference server's Nova route accepts its own project id only, not Keystone's.
    keystone_run appcred 0 OS_AUTH_URL="$KEYSTONE_URL/v3" OS_APPLICATION_CREDENTIAL_ID="$ac_id" \
        OS_APPLICATION_CREDENTIAL_SECRET="$ac_secret" -- \
        "$ROOT/specs/ims/nova-images-detail.yaml" --service compute --var "project_id=$PROJECT_ID"
    mkdir -p "$DIR/keystone/clouds"
    cat >"$DIR/keystone/clouds/clouds.yaml" <<EOF
clouds:
  check:
    auth:
      auth_url: $KEYSTONE_URL/v3
      username: admin
      password: $KEYSTONE_PASSWORD
      user_domain_name: Default
      project_name: admin
      project_domain_name: Default
    region_name: RegionOne
EOF
    keystone_run clouds 0 OS_CLIENT_CONFIG_FILE="$DIR/keystone/clouds/clouds.yaml" -- \
        "$ROOT/specs/openstack/glance-v2-images.yaml" --os-cloud check --service image -- first-page
    rm "$DIR/keystone/clouds/clouds.yaml"
    keystone_run wrong-password 2 "${pw[@]}" OS_PASSWORD="$KEYSTONE_PASSWORD-wrong" -- \
        "$ROOT/specs/openstack/glance-v2-images.yaml" --service image
    local err=$DIR/keystone/wrong-password/stderr
    [[ $(wc -l <"$err") == 1 ]] && grep -q 'refused the credentials (HTTP 401)' "$err" ||
        die "FAIL specgate login (wrong-password): not one clear line: $(cat "$err")"
    if grep -rlF -e "$KEYSTONE_PASSWORD" -e "$ac_secret" "$DIR/keystone"/{password,appcred,clouds,wrong-password}; then
        die "FAIL specgate login: a secret appears in the files above"
    fi
    log "ok: specgate logged in to keystone 30 (password, application credential, clouds.yaml) and took its targets from the catalog; a wrong password is exit 2; no secret in any output"
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
    cmd_models >&2 || die "the IMS SDK's models disagree with specs/ims/cloudimages.yaml (see above)"
    log "ok: huaweicloudsdkims models agree with specs/ims/cloudimages.yaml (recorded differences aside)"

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

    command -v curl >/dev/null || die "curl is required"
    check_keystone
    stop_servers
    log "passed in $((SECONDS - t0))s ($((SECONDS - t1))s after install and build)"
}

# The SDK's models against the cloudimages spec: exit 1 on a disagreement not recorded in the
# spec. Only the venv-huawei is needed.
cmd_models() {
    mkdir -p "$DIR"
    install_venv huawei "$TESTS/constraints-huawei.txt" huaweicloudsdkcore==3.1.219 huaweicloudsdkims==3.1.219
    timeout 120 "$DIR/venv-huawei/bin/python" "$TESTS/sdk_models.py" "$ROOT" "$@"
}

case "${1:-}" in
install) cmd_install ;;
check) cmd_check ;;
models)
    shift
    cmd_models "$@"
    ;;
*)
    sed -n '2,23p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
