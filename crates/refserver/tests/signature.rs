//! AK/SK mode: signed requests are served, unsigned, tampered, stale or foreign ones get 401.

use std::time::{SystemTime, UNIX_EPOCH};

use specgate_refserver::{start, AkSk, Config};
use specgate_sdksign as sdksign;

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// `(X-Sdk-Date, Authorization)` for a GET of `path_and_query` on `host`.
fn sign(ak: &str, sk: &str, host: &str, path: &str, query: Option<&str>, at: u64) -> (String, String) {
    let date = sdksign::sdk_date(at);
    let headers = vec![("Host".to_string(), host.to_string()), ("X-Sdk-Date".to_string(), date.clone())];
    let req = sdksign::Request { method: "GET", path, query, headers: &headers, body: b"" };
    (date, sdksign::authorization(ak, sk.as_bytes(), &req).unwrap())
}

#[tokio::test]
async fn only_correctly_signed_requests_are_served() {
    let keys = AkSk { access_key: "AKREF".into(), secret_key: "sk-ref".into() };
    let server = start(Config { images: 20, aksk: Some(keys), ..Config::default() }, 0).await.unwrap();
    let host = server.url().trim_start_matches("http://").to_string();
    let client = reqwest::Client::new();
    let get = |url: String, date: Option<String>, auth: Option<String>| {
        let mut b = client.get(url);
        if let Some(d) = date {
            b = b.header("X-Sdk-Date", d);
        }
        if let Some(a) = auth {
            b = b.header("Authorization", a);
        }
        b.send()
    };
    let q = "limit=3&__imagetype=gold";
    let (date, auth) = sign("AKREF", "sk-ref", &host, "/v2/cloudimages", Some(q), now());
    let ok = get(format!("{}/v2/cloudimages?{q}", server.url()), Some(date.clone()), Some(auth.clone())).await.unwrap();
    assert_eq!(ok.status(), 200);

    // Tampered query, no signature, another key, a stale date: all 401 in the gateway's shape.
    let tampered = get(format!("{}/v2/cloudimages?limit=4&__imagetype=gold", server.url()), Some(date.clone()), Some(auth)).await.unwrap();
    assert_eq!(tampered.status(), 401);
    let body = tampered.text().await.unwrap();
    assert!(body.contains("APIGW.0301") && body.contains("signature mismatch"), "{body}");
    assert_eq!(get(format!("{}/v2/images", server.url()), None, None).await.unwrap().status(), 401);
    let (d, a) = sign("AKREF", "wrong", &host, "/v2/images", None, now());
    assert_eq!(get(format!("{}/v2/images", server.url()), Some(d), Some(a)).await.unwrap().status(), 401);
    let (d, a) = sign("AKOTHER", "sk-ref", &host, "/v2/images", None, now());
    assert_eq!(get(format!("{}/v2/images", server.url()), Some(d), Some(a)).await.unwrap().status(), 401);
    let (d, a) = sign("AKREF", "sk-ref", &host, "/v2/images", None, now() - 3600);
    let stale = get(format!("{}/v2/images", server.url()), Some(d), Some(a)).await.unwrap();
    assert_eq!(stale.status(), 401);
    assert!(stale.text().await.unwrap().contains("15 minutes"));
    server.shutdown().await;
}
