//! Tenancy mode over HTTP: who may list (a known token), what each API answers to anyone else
//! (401 in its upstream's shape), Nova's `{project_id}` checked against the token's project,
//! and a server without tenancy exactly as before.

use specgate_refserver::{start, Config, Identity, Running};

const LISTINGS: [&str; 4] = ["/v2/cloudimages", "/v2.1/{project}/images/detail", "/v1.1/images/detail", "/v2/images"];

async fn tenancy() -> Running {
    start(Config { images: 120, tenancy: true, ..Config::default() }, 0).await.unwrap()
}

fn who<'a>(server: &'a Running, name: &str) -> &'a Identity {
    server.identities().iter().find(|i| i.name == name).unwrap()
}

async fn get(server: &Running, path: &str, project: &str, token: Option<&str>) -> (u16, serde_json::Value) {
    let url = format!("{}{}", server.url(), path.replace("{project}", project));
    let mut request = reqwest::Client::new().get(url);
    if let Some(token) = token {
        request = request.header("X-Auth-Token", token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let body = response.text().await.unwrap();
    (status, serde_json::from_str(&body).unwrap_or(serde_json::Value::String(body)))
}

#[tokio::test]
async fn identities_exist_only_with_tenancy() {
    let off = start(Config { images: 10, ..Config::default() }, 0).await.unwrap();
    assert!(off.identities().is_empty());
    let on = tenancy().await;
    let names: Vec<(&str, bool)> = on.identities().iter().map(|i| (i.name.as_str(), i.admin)).collect();
    assert_eq!(names, [("alice", false), ("bob", false), ("admin", true)]);
    assert_eq!(who(&on, "alice").project_id, on.project_id());
    assert_ne!(who(&on, "bob").project_id, on.project_id());
    let again = tenancy().await;
    assert_eq!(on.identities(), again.identities(), "tokens follow the seed");
    off.shutdown().await;
    on.shutdown().await;
    again.shutdown().await;
}

#[tokio::test]
async fn every_listing_refuses_a_missing_or_unknown_token_with_its_upstreams_401() {
    let s = tenancy().await;
    let project = s.project_id().to_owned();
    for path in LISTINGS {
        for token in [None, Some("tok-mallory-0000")] {
            let (status, body) = get(&s, path, &project, token).await;
            assert_eq!(status, 401, "{path} {token:?}");
            if path == "/v2/cloudimages" {
                assert_eq!(body["error_code"], "APIGW.0301", "{body}");
                assert!(body["error_msg"].as_str().unwrap().starts_with("Incorrect IAM authentication information"));
            } else {
                assert_eq!(body["error"]["code"], 401, "{path}: {body}");
                assert_eq!(body["error"]["title"], "Unauthorized");
            }
        }
        let (status, body) = get(&s, path, &project, Some(&who(&s, "alice").token)).await;
        assert_eq!(status, 200, "{path}: {body}");
        assert!(!body["images"].as_array().unwrap().is_empty(), "{path}");
    }
    // Version documents stay open, as upstream.
    assert_eq!(get(&s, "/", &project, None).await.0, 300);
    assert_eq!(get(&s, "/v2", &project, None).await.0, 200);
    s.shutdown().await;
}

#[tokio::test]
async fn nova_checks_the_paths_project_against_the_tokens() {
    let s = tenancy().await;
    let (alice, bob) = (who(&s, "alice"), who(&s, "bob"));
    let path = "/v2.1/{project}/images/detail?limit=1";
    assert_eq!(get(&s, path, &alice.project_id, Some(&alice.token)).await.0, 200);
    assert_eq!(get(&s, path, &bob.project_id, Some(&bob.token)).await.0, 200);
    let (status, body) = get(&s, path, &alice.project_id, Some(&bob.token)).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["badRequest"]["message"].as_str().unwrap().contains("doesn't match Context's project_id"), "{body}");
    // Links name the caller's project.
    let (_, page) = get(&s, path, &bob.project_id, Some(&bob.token)).await;
    let link = page["images"][0]["links"][0]["href"].as_str().unwrap();
    assert!(link.contains(&bob.project_id), "{link}");
    s.shutdown().await;
}

#[tokio::test]
async fn without_tenancy_no_token_is_needed() {
    let s = start(Config { images: 30, ..Config::default() }, 0).await.unwrap();
    let project = s.project_id().to_owned();
    for path in LISTINGS {
        assert_eq!(get(&s, path, &project, None).await.0, 200, "{path}");
        assert_eq!(get(&s, path, &project, Some("anything")).await.0, 200, "{path}");
    }
    s.shutdown().await;
}
