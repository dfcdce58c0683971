"""Registers specgate's reference server in a freshly bootstrapped Keystone (the image and
compute services, public endpoints in RegionOne) and creates an application credential for
the admin user. Standard library only.

Usage: keystone_setup.py KEYSTONE_URL ADMIN_PASSWORD IMAGE_URL COMPUTE_URL
Prints JSON: {"project_id": ..., "application_credential_id": ..., "application_credential_secret": ...}"""
import json
import sys
import urllib.error
import urllib.request

keystone, password, image_url, compute_url = sys.argv[1:5]


def call(method, path, body=None, token=None, expect=(200, 201)):
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["X-Auth-Token"] = token
    req = urllib.request.Request(keystone + path, data=json.dumps(body).encode() if body else None, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        raise SystemExit(f"keystone setup: {method} {path} -> {e.code} {e.read()[:300]!r}")


scope = {"project": {"name": "admin", "domain": {"name": "Default"}}}
user = {"name": "admin", "domain": {"name": "Default"}, "password": password}
_, headers, body = call("POST", "/v3/auth/tokens", {"auth": {"identity": {"methods": ["password"], "password": {"user": user}}, "scope": scope}})
token, project, user_id = headers["X-Subject-Token"], body["token"]["project"]["id"], body["token"]["user"]["id"]
for kind, name, url in [("image", "glance", image_url), ("compute", "nova", compute_url)]:
    _, _, svc = call("POST", "/v3/services", {"service": {"type": kind, "name": name}}, token)
    endpoint = {"service_id": svc["service"]["id"], "interface": "public", "region_id": "RegionOne", "url": url}
    call("POST", "/v3/endpoints", {"endpoint": endpoint}, token)
_, _, cred = call("POST", f"/v3/users/{user_id}/application_credentials", {"application_credential": {"name": "specgate-check"}}, token)
print(json.dumps({"project_id": project, "application_credential_id": cred["application_credential"]["id"],
                  "application_credential_secret": cred["application_credential"]["secret"]}))
