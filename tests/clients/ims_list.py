"""The official Huawei Cloud IMS SDK (huaweicloudsdkims) against specgate's reference server in
AK/SK mode: ListImages with filters, marker/limit paging to the end and every sort key, then a
request signed by the SDK's signer but tampered with afterwards, which must be refused.

Usage: ims_list.py URL   (HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK / HUAWEICLOUD_SDK_PROJECT_ID set)
A failure exits 1 with one line naming the client and the call."""
import json
import os
import sys
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer
from huaweicloudsdkims.v2 import ImsClient, ListImagesRequest

CLIENT = "huaweicloudsdkims"
url = sys.argv[1]
ak, sk, project = (os.environ[k] for k in ("HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_PROJECT_ID"))


def fail(call, why):
    print(f"clients: FAIL {CLIENT} {call}: {why}", file=sys.stderr)
    sys.exit(1)


config = HttpConfig.get_default_config()
config.timeout = (5, 20)
client = ImsClient.new_builder().with_http_config(config).with_credentials(BasicCredentials(ak, sk, project)) \
    .with_endpoints([url]).build()


def list_images(**params):
    call = "ListImages(%s)" % ", ".join(f"{k}={v!r}" for k, v in params.items())
    try:
        return call, client.list_images(ListImagesRequest(**params)).images or []
    except Exception as e:  # the SDK's exceptions carry the status and the gateway's error body
        fail(call, f"{type(e).__name__}: {e}")


# Paging to the end with marker/limit finds every image once, as one large page does.
_, everything = list_images(limit=1000)
if not everything:
    fail("ListImages(limit=1000)", "no image listed")
seen, marker, pages = [], None, 0
while True:
    params = {"limit": 7} if marker is None else {"limit": 7, "marker": marker}
    call, page = list_images(**params)
    pages += 1
    if not page:
        break
    if len(page) > 7:
        fail(call, f"{len(page)} images for limit 7")
    seen += [i.id for i in page]
    marker = page[-1].id
    if pages > 1000:
        fail(call, "paging does not end")
if sorted(seen) != sorted(i.id for i in everything) or len(set(seen)) != len(seen):
    fail("ListImages(limit=7, marker=…)", f"paging listed {len(seen)} ids ({len(set(seen))} distinct), one page {len(everything)}")

# Filters: every listed image has the asked value; nothing matching is missing.
for field, param, value in [("imagetype", "imagetype", "gold"), ("status", "status", "active"),
                            ("disk_format", "disk_format", everything[0].disk_format), ("name", "name", everything[0].name)]:
    call, page = list_images(limit=1000, **{param: value})
    got = sorted(i.id for i in page)
    want = sorted(i.id for i in everything if getattr(i, field) == value)
    if got != want:
        fail(call, f"{len(got)} images listed, {len(want)} expected")

# Sort keys, both directions: the listed order follows the key.
for key in ["name", "container_format", "disk_format", "status", "id", "size", "created_at"]:
    for direction in ["asc", "desc"]:
        call, page = list_images(limit=1000, sort_key=key, sort_dir=direction)
        values = [getattr(i, "image_size" if key == "size" else key) for i in page]
        values = [int(v) if key == "size" and v is not None else v for v in values]
        if values != sorted(values, reverse=direction == "desc"):
            fail(call, f"not ordered by {key} {direction}")

# The SDK's own signer, then a change after signing: the server must refuse it.
def signed(path_query, tamper=None):
    u = urlsplit(url)
    path, _, query = path_query.partition("?")
    req = SdkRequest(method="GET", schema=u.scheme, host=u.netloc, resource_path=path,
                     query_params=[tuple(p.split("=", 1)) for p in query.split("&") if p],
                     header_params={"X-Project-Id": project}, body="")
    req = Signer(BasicCredentials(ak, sk)).sign(req)
    sent = tamper(req.uri) if tamper else req.uri
    headers = {k: v for k, v in req.header_params.items() if k != "Host"}
    try:
        with urllib.request.urlopen(urllib.request.Request(f"{u.scheme}://{u.netloc}{sent}", headers=headers), timeout=20) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


call = "Signer.sign(GET /v2/cloudimages?limit=3)"
status = signed("/v2/cloudimages?limit=3")
if status != 200:
    fail(call, f"signed request answered {status}")
status = signed("/v2/cloudimages?limit=3", tamper=lambda uri: uri.replace("limit=3", "limit=4"))
if status != 401:
    fail(call + " then limit=4", f"tampered request answered {status}, expected 401")
print(json.dumps({"client": CLIENT, "images": len(everything), "pages": pages}))
