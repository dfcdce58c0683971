# shellcheck shell=bash
# Shared by scripts/upstreams.sh and scripts/clients.sh (sourced): a fresh Keystone's files and
# bootstrap.
#
# keystone_bootstrap DIR BIN PUBLIC_URL PASSWORD [CONF]
#   Writes DIR/keystone.conf (sqlite and fernet keys under DIR, then the extra CONF lines) and
#   DIR/keystone_wsgi.py, then runs keystone-manage (BIN is the venv's bin): db_sync, fernet and
#   credential setup, and bootstrap of `admin` with PASSWORD, its public endpoint PUBLIC_URL.
#   The output goes to DIR/setup.log; the status is keystone-manage's.
keystone_bootstrap() {
    local dir=$1 bin=$2 url=$3 password=$4 extra=${5:-}
    mkdir -p "$dir/fernet" "$dir/credential"
    cat >"$dir/keystone.conf" <<EOF
[DEFAULT]
use_stderr = true
[database]
connection = sqlite:///$dir/keystone.sqlite
[fernet_tokens]
key_repository = $dir/fernet
[credential]
key_repository = $dir/credential
$extra
EOF
    # keystone's WSGI module parses sys.argv as its own options: hide gunicorn's.
    cat >"$dir/keystone_wsgi.py" <<'EOF'
import sys

sys.argv = [sys.argv[0]]

from keystone.wsgi.api import application  # noqa: E402,F401
EOF
    local manage=("$bin/keystone-manage" --config-file "$dir/keystone.conf")
    local who=(--keystone-user "$(id -un)" --keystone-group "$(id -gn)")
    {
        timeout 300 "${manage[@]}" db_sync &&
            timeout 60 "${manage[@]}" fernet_setup "${who[@]}" &&
            timeout 60 "${manage[@]}" credential_setup "${who[@]}" &&
            timeout 120 "${manage[@]}" bootstrap --bootstrap-password "$password" \
                --bootstrap-public-url "$url" --bootstrap-region-id RegionOne
    } >"$dir/setup.log" 2>&1
}
