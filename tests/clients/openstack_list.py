"""openstacksdk against specgate's reference server: every image through
Glance v2 paging (next links), and the compute image detail view through the Nova-compatible
endpoint (images_links paging).

Usage: openstack_list.py URL PROJECT_ID TOTAL   (TOTAL: the images Glance v2 lists by default)
A failure exits 1 with one line naming the client and the call."""
import json
import sys

url, project, total = sys.argv[1], sys.argv[2], int(sys.argv[3])


def fail(client, call, why):
    print(f"clients: FAIL {client} {call}: {why}", file=sys.stderr)
    sys.exit(1)


def attempt(client, call, fn):
    try:
        return fn()
    except Exception as e:
        fail(client, call, f"{type(e).__name__}: {e}")


def check_all(client, call, ids, want):
    if len(ids) != want or len(set(ids)) != len(ids):
        fail(client, call, f"{len(ids)} images ({len(set(ids))} distinct), expected {want}")


import openstack  # noqa: E402

conn = attempt("openstacksdk", "connect", lambda: openstack.connect(
    auth_type="none", auth={"endpoint": url}, load_yaml_config=False, load_envvars=False,
    image_api_version="2", image_endpoint_override=f"{url}/v2",
    compute_api_version="2", compute_endpoint_override=f"{url}/v2.1/{project}"))

call = "image.images(limit=7)"
ids = attempt("openstacksdk", call, lambda: [i.id for i in conn.image.images(limit=7)])
check_all("openstacksdk", call, ids, total)

call = "image.images(sort_key=name, sort_dir=asc, limit=50)"
names = attempt("openstacksdk", call, lambda: [i.name for i in conn.image.images(sort_key="name", sort_dir="asc", limit=50)])
if names != sorted(names):
    fail("openstacksdk", call, "not ordered by name")

call = "compute.images(details=True)"
detail = attempt("openstacksdk", call, lambda: list(conn.compute.images(details=True)))
if not detail or any(i.status is None or i.min_disk is None for i in detail):
    fail("openstacksdk", call, "no images, or images without status/minDisk")

print(json.dumps({"client": "openstacksdk", "glance_images": len(ids), "nova_images": len(detail)}))
