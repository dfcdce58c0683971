//! The server over real HTTP: start on an ephemeral port, call every endpoint, stop.

use specgate_refserver::{start, Config, Error};

fn config() -> Config {
    Config::default()
}

async fn get(url: &str, accept_json: bool) -> (u16, String, String) {
    let mut request = reqwest::Client::new().get(url);
    if accept_json {
        request = request.header("Accept", "application/json");
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let content_type = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    (status, content_type, response.text().await.unwrap())
}

#[tokio::test]
async fn every_endpoint_answers_in_its_family_shape() {
    let server = start(config(), 0).await.unwrap();
    let base = server.url().to_owned();
    assert!(base.starts_with("http://127.0.0.1:"));
    let project = server.project_id().to_owned();
    assert!(project.bytes().all(|b| b.is_ascii_hexdigit()));
    for path in [
        "/v2/cloudimages?limit=3".to_owned(),
        format!("/v2.1/{project}/images/detail?limit=3"),
        "/v1.1/images/detail?limit=3".to_owned(),
        "/v2/images?limit=3".to_owned(),
    ] {
        let (status, content_type, body) = get(&format!("{base}{path}"), false).await;
        assert_eq!(status, 200, "{path}: {body}");
        assert!(content_type.starts_with("application/json"), "{path}: {content_type}");
        let value: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(value["images"].as_array().unwrap().len(), 3, "{path}");
    }
    server.shutdown().await;
}

#[tokio::test]
async fn error_bodies_follow_each_family() {
    let server = start(config(), 0).await.unwrap();
    let base = server.url();
    let (status, _, body) = get(&format!("{base}/v2/cloudimages?marker=nope"), false).await;
    assert_eq!(status, 400);
    assert!(body.contains("\"IMG."), "{body}");
    let (status, _, body) = get(&format!("{base}/v2.1/{}/images/detail?limit=0", server.project_id()), false).await;
    assert_eq!(status, 400);
    assert!(body.starts_with("{\"badRequest\""), "{body}");
    let (status, content_type, body) = get(&format!("{base}/v2/images?marker=nope"), false).await;
    assert_eq!((status, content_type.as_str()), (400, "text/html; charset=UTF-8"));
    assert!(body.contains("No image found with ID nope"));
    let (status, content_type, body) = get(&format!("{base}/v2/images?marker=nope"), true).await;
    assert_eq!((status, content_type.as_str()), (400, "application/json"));
    assert!(body.contains("\"title\":\"Bad Request\""));
    server.shutdown().await;
}

#[tokio::test]
async fn same_seed_same_answers_across_servers() {
    let a = start(Config { images: 500, seed: 9, ..Config::default() }, 0).await.unwrap();
    let b = start(Config { images: 500, seed: 9, ..Config::default() }, 0).await.unwrap();
    let c = start(Config { images: 500, seed: 10, ..Config::default() }, 0).await.unwrap();
    let path = "/v2/images?limit=50&sort_key=name";
    let body = |s: &specgate_refserver::Running| format!("{}{path}", s.url());
    let (_, _, from_a) = get(&body(&a), false).await;
    let (_, _, from_b) = get(&body(&b), false).await;
    let (_, _, from_c) = get(&body(&c), false).await;
    assert_eq!(from_a, from_b);
    assert_ne!(from_a, from_c);
    assert_eq!(a.project_id(), b.project_id());
    a.shutdown().await;
    b.shutdown().await;
    c.shutdown().await;
}

#[tokio::test]
async fn following_next_links_walks_the_whole_listing() {
    let server = start(config(), 0).await.unwrap();
    let base = server.url();
    let mut next = Some("/v2/images?limit=40&sort_key=created_at&sort_dir=asc".to_owned());
    let mut ids = Vec::new();
    while let Some(path) = next {
        let (_, _, body) = get(&format!("{base}{path}"), false).await;
        let page: serde_json::Value = serde_json::from_str(&body).unwrap();
        ids.extend(page["images"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_owned()));
        next = page.get("next").and_then(|n| n.as_str()).map(str::to_owned);
    }
    let (_, _, all) = get(&format!("{base}/v2/images?limit=1000&sort_key=created_at&sort_dir=asc"), false).await;
    let all: serde_json::Value = serde_json::from_str(&all).unwrap();
    let expected: Vec<String> = all["images"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(ids, expected);
    server.shutdown().await;
}

#[tokio::test]
async fn nova_rejects_a_foreign_project() {
    let server = start(config(), 0).await.unwrap();
    let (status, _, body) = get(&format!("{}/v2.1/0123abcd/images/detail", server.url()), false).await;
    assert_eq!(status, 400);
    assert!(body.contains("badRequest"));
    server.shutdown().await;
}

#[tokio::test]
async fn unknown_faults_and_oversized_catalogues_are_refused() {
    let err = start(Config { faults: vec!["glance.next-link-loop".into()], ..config() }, 0).await.unwrap_err();
    match &err {
        Error::UnknownFault { name, suggestion } => {
            assert_eq!(name, "glance.next-link-loop");
            assert_eq!(suggestion.as_deref(), Some("glance.next-link-loops"));
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("did you mean `glance.next-link-loops`?"));
    let err = start(Config { images: 1_000_001, ..config() }, 0).await.unwrap_err();
    assert!(matches!(err, Error::TooManyImages { .. }));
}

#[tokio::test]
async fn a_taken_port_is_a_bind_error() {
    let first = start(config(), 0).await.unwrap();
    let port: u16 = first.url().rsplit(':').next().unwrap().parse().unwrap();
    let err = start(config(), port).await.unwrap_err();
    assert!(matches!(err, Error::Bind(_)), "{err:?}");
    first.shutdown().await;
}

#[tokio::test]
async fn shutdown_stops_serving() {
    let server = start(config(), 0).await.unwrap();
    let url = format!("{}/v2/images?limit=1", server.url());
    assert_eq!(get(&url, false).await.0, 200);
    server.shutdown().await;
    assert!(reqwest::get(&url).await.is_err());
}
