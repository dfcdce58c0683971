# shellcheck shell=bash
# Sourced by scripts/upstreams.sh: two tenants and an admin in the real Keystone, their images in
# the real Glance behind keystonemiddleware (glance-ks), and curl checks that the two together
# isolate the tenants as Glance's api-ref says. The setup itself is scripts/lib/tenancy.py.
#
# The caller sets RUN_DIR, PYTHON and KEYSTONE_PASSWORD and defines log and die; tenancy_images
# and tenancy_verify read KEYSTONE_URL, GLANCE_KS_URL and NOVA_KS_URL from the run's env file.

TENANCY_PY=$(dirname "${BASH_SOURCE[0]}")/tenancy.py

# Loopback test passwords, like the admin's: not credentials of anything, never printed.
tenancy_password() { printf 'upstreams-check-%s-password' "$1"; }

# tenancy_run COMMAND OUT: scripts/lib/tenancy.py with the three passwords in its environment.
tenancy_run() {
    ADMIN_PASSWORD=$KEYSTONE_PASSWORD ALICE_PASSWORD=$(tenancy_password alice) \
        BOB_PASSWORD=$(tenancy_password bob) timeout 300 "$PYTHON" "$TENANCY_PY" "$@"
}

# The clouds.yaml entries alice, bob and admin (appended to the file holding `upstreams`).
tenancy_clouds() { # tenancy_clouds KEYSTONE_V3_URL
    local user project password
    for user in alice:alpha bob:beta admin:admin; do
        project=${user#*:} user=${user%%:*}
        if [[ $user == admin ]]; then password=$KEYSTONE_PASSWORD; else password=$(tenancy_password "$user"); fi
        cat <<EOF
  $user:
    auth:
      auth_url: $1
      username: $user
      password: $password
      user_domain_name: Default
      project_name: $project
      project_domain_name: Default
    region_name: RegionOne
EOF
    done
}

# Projects alpha and beta, users alice and bob (Keystone's own API); RUN_DIR/tenancy-keystone.json.
tenancy_keystone() { # tenancy_keystone KEYSTONE_V3_URL
    KEYSTONE_URL=$1 tenancy_run keystone "$RUN_DIR/tenancy-keystone.json" ||
        die "creating projects alpha and beta and users alice and bob in Keystone failed"
}

# The images, created through glance-ks with each identity's token; RUN_DIR/tenancy-images.json.
# Every listing of glance and glance-ks sees them (one database): run this after the runs that
# compare verdicts with the seeded catalogue alone.
tenancy_images() {
    KEYSTONE_URL=$KEYSTONE_URL GLANCE_KS_URL=$GLANCE_KS_URL tenancy_run images "$RUN_DIR/tenancy-images.json" ||
        die "creating the isolation images through glance-ks failed"
}

# ---- curl checks of the setup ---------------------------------------------------------------

# tenancy_token USER PROJECT: a project-scoped token. The request body, password included, goes
# to curl on stdin (printf is a builtin), so it shows in no process list.
tenancy_token() {
    local password
    if [[ $1 == admin ]]; then password=$KEYSTONE_PASSWORD; else password=$(tenancy_password "$1"); fi
    printf '{"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "%s", "domain": {"id": "default"}, "password": "%s"}}}, "scope": {"project": {"name": "%s", "domain": {"id": "default"}}}}}' \
        "$1" "$password" "$2" |
        curl -sS -o /dev/null -D - --max-time 30 -H 'Content-Type: application/json' --data @- \
            "$KEYSTONE_URL/auth/tokens" | tr -d '\r' | sed -n 's/^[Xx]-[Ss]ubject-[Tt]oken: *//p'
}

tenancy_sorted() { tr ' ' '\n' <<<"$*" | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//'; }

# tenancy_spawn CHECK URL [curl args...]: one request in the background; its status goes to
# CHECK.code and its body to CHECK.json under RUN_DIR/tenancy-verify.
tenancy_spawn() {
    local check=$RUN_DIR/tenancy-verify/$1
    curl -s --max-time 60 -H 'Accept: application/json' -o "$check.json" -w '%{http_code}' "${@:3}" "$2" \
        >"$check.code" &
    TENANCY_JOBS+=($!)
}

# After the requests: each CHECK.json's isolation image names, sorted, into CHECK.names (one
# python for them all; one page each: the catalogue is far below Glance's and Nova's limits).
tenancy_names() {
    "$PYTHON" - "$RUN_DIR/tenancy-verify" <<'EOF'
import glob, json, os, sys
for path in glob.glob(os.path.join(sys.argv[1], "*.json")):
    try:
        images = json.load(open(path)).get("images", [])
    except ValueError:
        continue
    names = sorted(i.get("name") or "" for i in images)
    with open(path[: -len(".json")] + ".names", "w") as f:
        f.write(" ".join(n for n in names if n.startswith("isolation-")))
EOF
}

# tenancy_answer CHECK KIND: what request CHECK got (KIND code or names; empty if nothing).
tenancy_answer() { cat "$RUN_DIR/tenancy-verify/$1.$2" 2>/dev/null || true; }

TENANCY_FAILS=0
# tenancy_expect WHAT WANT GOT: one check; a mismatch is logged with both sides.
tenancy_expect() {
    if [[ $3 != "$2" ]]; then
        log "FAIL isolation setup: $1: got [$3], want [$2]"
        TENANCY_FAILS=$((TENANCY_FAILS + 1))
    fi
}

# What Glance's api-ref says each identity lists (docs/upstreams.md, "Two tenants"), checked on
# glance-ks and, through Nova's image proxy, on nova-ks. Quiet when all hold; fails loudly.
tenancy_verify() {
    local t0=$SECONDS out=$RUN_DIR/tenancy-verify alice bob admin
    rm -rf "$out"
    mkdir -p "$out"
    alice=$(tenancy_token alice alpha)
    bob=$(tenancy_token bob beta)
    admin=$(tenancy_token admin admin)
    [[ -n $alice && -n $bob && -n $admin ]] || die "isolation setup: Keystone gave no token to alice, bob or admin"
    local alpha beta
    read -r alpha beta < <("$PYTHON" -c 'import json, sys; p = json.load(open(sys.argv[1]))["projects"]; print(p["alice"], p["bob"])' \
        "$RUN_DIR/tenancy-images.json")
    local g="$GLANCE_KS_URL/v2/images?limit=1000" n=$NOVA_KS_URL/v2.1

    # All at once (each server has 4 threads).
    TENANCY_JOBS=()
    tenancy_spawn bob "$g" -H "X-Auth-Token: $bob"
    tenancy_spawn bob-pending "$g&visibility=shared&member_status=pending" -H "X-Auth-Token: $bob"
    tenancy_spawn bob-rejected "$g&visibility=shared&member_status=rejected" -H "X-Auth-Token: $bob"
    tenancy_spawn bob-community "$g&visibility=community" -H "X-Auth-Token: $bob"
    tenancy_spawn alice "$g" -H "X-Auth-Token: $alice"
    tenancy_spawn admin "$g" -H "X-Auth-Token: $admin"
    tenancy_spawn bob-nova "$n/$beta/images/detail" -H "X-Auth-Token: $bob"
    tenancy_spawn bob-nova-alpha "$n/$alpha/images/detail" -H "X-Auth-Token: $bob"
    tenancy_spawn no-token "$g"
    tenancy_spawn bad-token "$g" -H 'X-Auth-Token: not-a-token'
    local pid
    for pid in "${TENANCY_JOBS[@]}"; do wait "$pid" || true; done
    tenancy_names

    local public="isolation-admin-public-1 isolation-admin-public-2"
    local alpha_private="isolation-alpha-private-1 isolation-alpha-private-2"
    local beta_private="isolation-beta-private-1 isolation-beta-private-2"
    local shared="isolation-alpha-shared-accepted isolation-alpha-shared-pending isolation-alpha-shared-rejected"
    local bob_sees="$public isolation-alpha-shared-accepted $beta_private"
    tenancy_expect "bob's GET /v2/images" "$(tenancy_sorted "$bob_sees")" "$(tenancy_answer bob names)"
    tenancy_expect "bob's GET /v2/images?visibility=shared&member_status=pending" \
        isolation-alpha-shared-pending "$(tenancy_answer bob-pending names)"
    tenancy_expect "bob's GET /v2/images?visibility=shared&member_status=rejected" \
        isolation-alpha-shared-rejected "$(tenancy_answer bob-rejected names)"
    tenancy_expect "bob's GET /v2/images?visibility=community" isolation-alpha-community \
        "$(tenancy_answer bob-community names)"
    tenancy_expect "alice's GET /v2/images" \
        "$(tenancy_sorted "$public isolation-alpha-community $alpha_private $shared")" "$(tenancy_answer alice names)"
    # Glance lists others' community images only with visibility=community, to admins too.
    tenancy_expect "admin's GET /v2/images" "$(tenancy_sorted "$public $alpha_private $shared $beta_private")" \
        "$(tenancy_answer admin names)"
    tenancy_expect "bob's GET /v2.1/{beta}/images/detail (nova-ks)" "$(tenancy_sorted "$bob_sees")" \
        "$(tenancy_answer bob-nova names)"
    tenancy_expect "bob's GET /v2.1/{alpha}/images/detail (nova-ks), the path's project not the token's" \
        400 "$(tenancy_answer bob-nova-alpha code)"
    tenancy_expect "GET /v2/images without a token" 401 "$(tenancy_answer no-token code)"
    tenancy_expect "GET /v2/images with a bad token" 401 "$(tenancy_answer bad-token code)"
    ((TENANCY_FAILS == 0)) || die "the isolation setup is not what the checks expect ($TENANCY_FAILS failed; answers in $out)"
    log "isolation setup verified with curl in $((SECONDS - t0))s: alice (alpha), bob (beta) and admin list what Glance's api-ref says"
}
