//! Prints the AK/SK headers specgate sends for each request of a JSON list read from stdin:
//! `[{"method": "GET", "url": "http://…", "date": "20260102T030405Z", "project_id": "…"}]`,
//! keys from `HUAWEICLOUD_SDK_AK` / `HUAWEICLOUD_SDK_SK`. `scripts/clients.sh check` compares
//! the output with the official Python SDK's signer, byte for byte.

use std::io::Read;

use serde_json::{json, Value};
use specgate::auth::AkSk;

fn main() {
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input).expect("stdin");
    let requests: Vec<Value> = serde_json::from_str(&input).expect("a JSON list of requests");
    let ak = std::env::var("HUAWEICLOUD_SDK_AK").expect("HUAWEICLOUD_SDK_AK");
    let sk = std::env::var("HUAWEICLOUD_SDK_SK").expect("HUAWEICLOUD_SDK_SK");
    let mut out = Vec::new();
    for r in &requests {
        let field = |k: &str| r.get(k).and_then(Value::as_str).map(str::to_string);
        let signer = AkSk::new(ak.clone(), sk.clone(), field("project_id"));
        // Parsed the way specgate parses every request URL before sending it.
        let url = url::Url::parse(&field("url").expect("url")).expect("a URL");
        let headers = signer.headers_at(&field("method").expect("method"), &url, &field("date").expect("date"));
        out.push(headers.into_iter().map(|(k, v)| (k, json!(v))).collect::<serde_json::Map<_, _>>());
    }
    println!("{}", serde_json::to_string_pretty(&out).expect("JSON"));
}
