"""Signs each request of a JSON list (stdin) with the official Huawei Cloud SDK core's signer
and prints the headers it adds, in the shape `examples/sign.rs` prints them."""
import json
import os
import sys
from urllib.parse import parse_qsl, urlsplit

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

ak, sk = os.environ["HUAWEICLOUD_SDK_AK"], os.environ["HUAWEICLOUD_SDK_SK"]
out = []
for r in json.load(sys.stdin):
    u = urlsplit(r["url"])
    host = u.hostname if u.port in (None, {"http": 80, "https": 443}[u.scheme]) else "%s:%d" % (u.hostname, u.port)
    headers = {"X-Sdk-Date": r["date"]}
    if r.get("project_id"):
        headers["X-Project-Id"] = r["project_id"]
    request = SdkRequest(method=r["method"], schema=u.scheme, host=host, resource_path=u.path,
                         query_params=parse_qsl(u.query, keep_blank_values=True), header_params=headers, body="")
    signed = Signer(BasicCredentials(ak, sk)).sign(request)
    out.append({k: v for k, v in signed.header_params.items() if k != "Host"})
print(json.dumps(out, indent=2, ensure_ascii=False))
