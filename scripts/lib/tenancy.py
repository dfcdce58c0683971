"""Two tenants and an admin in a real Keystone, and their images in a real Glance.

Standard library only; run by scripts/upstreams.sh (see docs/upstreams.md, "Two tenants").

    tenancy.py keystone OUT.json   projects alpha and beta, users alice (alpha) and bob (beta)
                                   with the `member` role, beside the bootstrapped admin
    tenancy.py images OUT.json     images created through Glance's own v2 API with each
                                   identity's token: private, shared (accepted, pending,
                                   rejected), public and community

Environment: KEYSTONE_URL (…/v3), ADMIN_PASSWORD, ALICE_PASSWORD, BOB_PASSWORD, and for
`images` GLANCE_KS_URL (Glance behind keystonemiddleware). OUT.json records ids, names and
owners, never a password or a token; nothing secret is printed either.
"""
import json
import os
import sys
import urllib.error
import urllib.request

KEYSTONE = os.environ["KEYSTONE_URL"].rstrip("/")
DOMAIN = "default"
# user -> (project, password variable); admin is the one `keystone-manage bootstrap` made.
TENANTS = {"alice": ("alpha", "ALICE_PASSWORD"), "bob": ("beta", "BOB_PASSWORD")}
LOGINS = dict(TENANTS, admin=("admin", "ADMIN_PASSWORD"))

# name -> (creator, visibility, bob's member status or None). Queued images: no data is
# uploaded, the listings are what is checked. Names are unique in the catalogue.
IMAGES = {
    "isolation-alpha-private-1": ("alice", "private", None),
    "isolation-alpha-private-2": ("alice", "private", None),
    "isolation-beta-private-1": ("bob", "private", None),
    "isolation-beta-private-2": ("bob", "private", None),
    "isolation-alpha-shared-accepted": ("alice", "shared", "accepted"),
    "isolation-alpha-shared-pending": ("alice", "shared", "pending"),
    "isolation-alpha-shared-rejected": ("alice", "shared", "rejected"),
    "isolation-admin-public-1": ("admin", "public", None),
    "isolation-admin-public-2": ("admin", "public", None),
    "isolation-alpha-community": ("alice", "community", None),
}


def call(method, url, body=None, token=None, content_type="application/json", expect=(200, 201, 204)):
    """One request; returns (headers, decoded JSON body or None). Fails with the call's name."""
    headers = {"Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = content_type
    if token is not None:
        headers["X-Auth-Token"] = token
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            status, resp_headers, payload = resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        status, resp_headers, payload = err.code, err.headers, err.read()
    if status not in expect:
        # The body of an error never echoes a password (Keystone and Glance say what failed).
        raise SystemExit("tenancy: %s %s -> %d %s" % (
            method, url, status, payload[:300].decode("utf-8", "replace")))
    return resp_headers, (json.loads(payload) if payload.strip() else None)


def login(user, project):
    """A project-scoped token of USER (password from the environment) and its project id."""
    password = os.environ[LOGINS[user][1]]
    body = {"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": user, "domain": {"id": DOMAIN}, "password": password}}},
        "scope": {"project": {"name": project, "domain": {"id": DOMAIN}}},
    }}
    headers, answer = call("POST", KEYSTONE + "/auth/tokens", body, expect=(201,))
    return headers["X-Subject-Token"], answer["token"]["project"]["id"]


def keystone(out):
    token, admin_project = login("admin", "admin")
    _, roles = call("GET", KEYSTONE + "/roles?name=member", token=token)
    if len(roles["roles"]) != 1:
        raise SystemExit("tenancy: Keystone has %d roles named member" % len(roles["roles"]))
    member = roles["roles"][0]["id"]
    summary = {"admin": {"project": "admin", "project_id": admin_project}}
    for user, (project, password_var) in TENANTS.items():
        _, p = call("POST", KEYSTONE + "/projects", {"project": {
            "name": project, "domain_id": DOMAIN, "description": "isolation checks"}}, token=token)
        project_id = p["project"]["id"]
        _, u = call("POST", KEYSTONE + "/users", {"user": {
            "name": user, "domain_id": DOMAIN, "default_project_id": project_id,
            "password": os.environ[password_var]}}, token=token)
        call("PUT", "%s/projects/%s/users/%s/roles/%s" % (KEYSTONE, project_id, u["user"]["id"], member),
             token=token, expect=(204,))
        summary[user] = {"project": project, "project_id": project_id, "user_id": u["user"]["id"]}
    with open(out, "w") as f:
        json.dump(summary, f, indent=1)


def images(out):
    glance = os.environ["GLANCE_KS_URL"].rstrip("/")
    tokens, projects = {}, {}
    for user, (project, _) in LOGINS.items():
        tokens[user], projects[user] = login(user, project)
    created = {}
    for name, (creator, visibility, member_status) in IMAGES.items():
        _, image = call("POST", glance + "/v2/images", {
            "name": name, "visibility": visibility, "disk_format": "raw", "container_format": "bare",
            "tags": ["isolation"]}, token=tokens[creator], expect=(201,))
        if image["owner"] != projects[creator]:
            raise SystemExit("tenancy: %s was created by %s but is owned by %s, not %s" % (
                name, creator, image["owner"], projects[creator]))
        if member_status is not None:
            members = "%s/v2/images/%s/members" % (glance, image["id"])
            call("POST", members, {"member": projects["bob"]}, token=tokens[creator], expect=(200,))
            if member_status != "pending":
                call("PUT", "%s/%s" % (members, projects["bob"]), {"status": member_status},
                     token=tokens["bob"], expect=(200,))
        created[name] = {"id": image["id"], "owner": image["owner"], "creator": creator,
                         "visibility": visibility, "member_status": member_status}
    with open(out, "w") as f:
        json.dump({"projects": projects, "images": created}, f, indent=1)


def main():
    command, out = sys.argv[1], sys.argv[2]
    {"keystone": keystone, "images": images}[command](out)


if __name__ == "__main__":
    main()
