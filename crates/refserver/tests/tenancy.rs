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

/// Ids of one listing, as `identity` sees it (one page: the catalogue is smaller than a page).
async fn ids(server: &Running, identity: &Identity, path: &str) -> std::collections::BTreeSet<String> {
    let (status, body) = get(server, path, &identity.project_id, Some(&identity.token)).await;
    assert_eq!(status, 200, "{path}: {body}");
    body["images"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_owned()).collect()
}

/// Every image, as the administrator's Glance v2 lists it: id → (owner, visibility, image type, status).
async fn truth(server: &Running) -> std::collections::BTreeMap<String, (String, String, String, String)> {
    let admin = who(server, "admin");
    let mut all = std::collections::BTreeMap::new();
    for hidden in ["false", "true"] {
        let (_, body) = get(server, &format!("/v2/images?visibility=all&os_hidden={hidden}&limit=1000"), "", Some(&admin.token)).await;
        for i in body["images"].as_array().unwrap() {
            let field = |k: &str| i[k].as_str().unwrap_or_default().to_owned();
            all.insert(field("id"), (field("owner"), field("visibility"), field("__imagetype"), field("status")));
        }
    }
    all
}

#[tokio::test]
async fn each_identity_sees_one_catalogue_through_the_four_listings() {
    let s = tenancy().await;
    let truth = truth(&s).await;
    assert_eq!(truth.len(), 120, "the administrator sees every image");
    for identity in s.identities() {
        let glance = &ids(&s, identity, "/v2/images?limit=1000").await | &ids(&s, identity, "/v2/images?limit=1000&os_hidden=true").await;
        let nova = ids(&s, identity, "/v2.1/{project}/images/detail?limit=1000").await;
        let v1 = ids(&s, identity, "/v1.1/images/detail?limit=1000").await;
        let cloudimages = ids(&s, identity, "/v2/cloudimages?limit=1000").await;
        assert_eq!(v1, glance, "{}: v1 is Glance's catalogue", identity.name);
        // Nova: but hidden and deleted images.
        let listed_by_nova: std::collections::BTreeSet<String> =
            ids(&s, identity, "/v2/images?limit=1000").await.into_iter().filter(|id| truth[id].3 != "deleted").collect();
        assert_eq!(nova, listed_by_nova, "{}", identity.name);
        let ims: std::collections::BTreeSet<String> =
            glance.iter().filter(|id| truth[*id].1 != "community" && truth[*id].2 != "market").cloned().collect();
        assert_eq!(cloudimages, ims, "{}", identity.name);
    }
    s.shutdown().await;
}

#[tokio::test]
async fn no_listing_filter_sort_or_page_shows_a_private_image_to_another_project() {
    let s = tenancy().await;
    let truth = truth(&s).await;
    let (alice, bob) = (who(&s, "alice"), who(&s, "bob"));
    for (me, other) in [(alice, bob), (bob, alice)] {
        let others_private: Vec<&String> =
            truth.iter().filter(|(_, (owner, vis, _, _))| *owner == other.project_id && vis == "private").map(|(id, _)| id).collect();
        let mine: Vec<&String> =
            truth.iter().filter(|(_, (owner, vis, _, _))| *owner == me.project_id && vis == "private").map(|(id, _)| id).collect();
        assert!(!others_private.is_empty() && !mine.is_empty(), "both hold private images");
        let (_, named) = get(&s, "/v2/images?visibility=all&limit=1000", "", Some(&who(&s, "admin").token)).await;
        let name_of =
            |id: &str| named["images"].as_array().unwrap().iter().find(|i| i["id"] == id).map(|i| i["name"].as_str().unwrap().to_owned());
        let secret = others_private[0];
        let name = name_of(secret).unwrap_or_default().replace(' ', "+");
        let queries = [
            "/v2/images?visibility=all&member_status=all&limit=1000".to_owned(),
            "/v2/images?visibility=private&limit=1000".to_owned(),
            format!("/v2/images?owner={}&limit=1000", other.project_id),
            format!("/v2/images?name={name}&limit=1000"),
            format!("/v2/images?id={secret}"),
            "/v2/images?sort=name:asc,size:desc&limit=7".to_owned(),
            "/v2/cloudimages?visibility=private&limit=1000".to_owned(),
            format!("/v2/cloudimages?owner={}&limit=1000", other.project_id),
            format!("/v2/cloudimages?id={secret}"),
            format!("/v2/cloudimages?name={name}"),
            "/v2/cloudimages?sort_key=name&limit=1000".to_owned(),
            format!("/v2.1/{{project}}/images/detail?name={name}"),
            format!("/v1.1/images/detail?name={name}&sort_key=size&limit=1000"),
        ];
        for q in &queries {
            let seen = ids(&s, me, q).await;
            for id in &others_private {
                assert!(!seen.contains(*id), "{} sees {}'s private image {id} through {q}", me.name, other.name);
            }
        }
        // Paging: a walk in pages of 7 visits exactly the default listing, and an invisible image is no marker.
        let mut walked = std::collections::BTreeSet::new();
        let mut path = "/v2/images?limit=7&sort_key=name&sort_dir=asc".to_owned();
        loop {
            let (_, page) = get(&s, &path, &me.project_id, Some(&me.token)).await;
            walked.extend(page["images"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_owned()));
            match page["next"].as_str() {
                Some(next) => path = next.to_owned(),
                None => break,
            }
        }
        assert_eq!(walked, ids(&s, me, "/v2/images?limit=1000").await);
        for listing in
            ["/v2/images?marker=", "/v2/cloudimages?marker=", "/v1.1/images/detail?marker=", "/v2.1/{project}/images/detail?marker="]
        {
            let (status, _) = get(&s, &format!("{listing}{secret}"), &me.project_id, Some(&me.token)).await;
            assert_eq!(status, 400, "{listing}: another project's private image is an unknown marker");
        }
        assert_eq!(get(&s, &format!("/v2/images?marker={}", mine[0]), &me.project_id, Some(&me.token)).await.0, 200);
    }
    s.shutdown().await;
}

#[tokio::test]
async fn shared_images_follow_the_member_status_asked_for() {
    let s = tenancy().await;
    let truth = truth(&s).await;
    for name in ["alice", "bob"] {
        let me = who(&s, name);
        let shared_of_others = |set: &std::collections::BTreeSet<String>| -> std::collections::BTreeSet<String> {
            set.iter().filter(|id| truth[*id].1 == "shared" && truth[*id].0 != me.project_id).cloned().collect()
        };
        let mut by_status = Vec::new();
        for status in ["accepted", "pending", "rejected"] {
            let query = format!("/v2/images?visibility=shared&member_status={status}&limit=1000");
            let glance = shared_of_others(&(&ids(&s, me, &query).await | &ids(&s, me, &format!("{query}&os_hidden=true")).await));
            let ims = ids(&s, me, &format!("/v2/cloudimages?visibility=shared&member_status={status}&__imagetype=shared&limit=1000")).await;
            assert!(!glance.is_empty(), "{name} has {status} shared images of others");
            assert_eq!(shared_of_others(&ims), glance, "{name} {status}");
            by_status.push(glance);
        }
        assert!(
            by_status[0].is_disjoint(&by_status[1]) && by_status[1].is_disjoint(&by_status[2]) && by_status[0].is_disjoint(&by_status[2])
        );
        let query = "/v2/images?visibility=shared&member_status=all&limit=1000";
        let all = shared_of_others(&(&ids(&s, me, query).await | &ids(&s, me, &format!("{query}&os_hidden=true")).await));
        assert_eq!(all, &(&by_status[0] | &by_status[1]) | &by_status[2], "{name}");
        // Without member_status: accepted only, as with visibility=shared alone.
        let default =
            shared_of_others(&(&ids(&s, me, "/v2/images?limit=1000").await | &ids(&s, me, "/v2/images?os_hidden=true&limit=1000").await));
        assert_eq!(default, by_status[0], "{name}: only accepted shared images by default");
    }
    s.shutdown().await;
}

/// A server with tenancy and one fault.
async fn faulty(fault: &str) -> Running {
    start(Config { images: 120, tenancy: true, faults: vec![fault.into()], ..Config::default() }, 0).await.unwrap()
}

#[tokio::test]
async fn each_isolation_fault_breaks_its_rule_on_its_endpoint_only() {
    let clean = tenancy().await;
    let truth = truth(&clean).await;
    clean.shutdown().await;
    let (alice_project, bob_project) = {
        let ids = tenancy().await;
        let pair = (who(&ids, "alice").project_id.clone(), who(&ids, "bob").project_id.clone());
        ids.shutdown().await;
        pair
    };
    let bobs_private: std::collections::BTreeSet<String> =
        truth.iter().filter(|(_, (o, v, _, _))| *o == bob_project && v == "private").map(|(id, _)| id.clone()).collect();
    let leaks = |seen: &std::collections::BTreeSet<String>| !seen.is_disjoint(&bobs_private);

    let s = faulty("cloudimages.leak-private").await;
    let alice = who(&s, "alice");
    assert!(leaks(&ids(&s, alice, "/v2/cloudimages?visibility=private&limit=1000").await));
    assert!(!leaks(&ids(&s, alice, "/v2/images?visibility=private&limit=1000").await));
    s.shutdown().await;

    let s = faulty("glance.owner-filter-leaks").await;
    let alice = who(&s, "alice");
    assert!(leaks(&ids(&s, alice, &format!("/v2/images?owner={bob_project}&limit=1000")).await));
    assert!(!leaks(&ids(&s, alice, "/v2/images?visibility=all&member_status=all&limit=1000").await), "only through the filter");
    assert!(!leaks(&ids(&s, alice, &format!("/v2/cloudimages?owner={bob_project}&limit=1000")).await));
    s.shutdown().await;

    let s = faulty("nova.name-filter-leaks").await;
    let alice = who(&s, "alice");
    let (_, page) = get(&s, "/v2/images?visibility=private&limit=1", &bob_project, Some(&who(&s, "bob").token)).await;
    let name: String = form_urlencoded::byte_serialize(page["images"][0]["name"].as_str().unwrap().as_bytes()).collect();
    assert!(leaks(&ids(&s, alice, &format!("/v2.1/{{project}}/images/detail?name={name}")).await));
    assert!(!leaks(&ids(&s, alice, "/v2.1/{project}/images/detail?limit=1000").await));
    assert!(!leaks(&ids(&s, alice, &format!("/v2/images?name={name}")).await));
    s.shutdown().await;

    let s = faulty("glance.pending-shared-listed").await;
    let alice = who(&s, "alice");
    let pending = ids(&s, alice, "/v2/images?visibility=shared&member_status=pending&limit=1000").await;
    let pending: std::collections::BTreeSet<String> = pending.into_iter().filter(|id| truth[id].0 != alice_project).collect();
    assert!(!pending.is_empty());
    assert!(!ids(&s, alice, "/v2/images?limit=1000").await.is_disjoint(&pending), "listed before it is accepted");
    assert!(ids(&s, alice, "/v2.1/{project}/images/detail?limit=1000").await.is_disjoint(&pending));
    s.shutdown().await;

    let s = faulty("glance-v1.credentials-ignored").await;
    let (status, body) = get(&s, "/v1.1/images/detail?limit=1000", "", None).await;
    assert_eq!(status, 200);
    assert_eq!(
        body["images"].as_array().unwrap().len(),
        truth.values().filter(|t| t.1 != "community").count(),
        "an administrator's listing"
    );
    assert_eq!(get(&s, "/v2/images", "", None).await.0, 401);
    assert_eq!(get(&s, "/v1.1/images/detail", "", Some("tok-mallory-0")).await.0, 200);
    s.shutdown().await;

    let s = faulty("nova.project-unchecked").await;
    let alice = who(&s, "alice");
    let (status, body) = get(&s, "/v2.1/{project}/images/detail?limit=1000", &bob_project, Some(&alice.token)).await;
    assert_eq!(status, 200);
    let seen: std::collections::BTreeSet<String> =
        body["images"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_owned()).collect();
    assert!(leaks(&seen), "alice's token lists bob's private images");
    assert_eq!(get(&s, "/v2.1/ffff/images/detail", "", Some(&alice.token)).await.0, 400, "an unknown project is still refused");
    s.shutdown().await;
}

#[tokio::test]
async fn each_identitys_key_pair_signs_for_its_project_and_a_bad_signature_is_refused_everywhere() {
    use specgate_sdksign as sdksign;
    let given = specgate_refserver::AkSk { access_key: "AKALICE".into(), secret_key: "sk-alice".into() };
    let s = start(Config { images: 120, tenancy: true, aksk: Some(given), ..Config::default() }, 0).await.unwrap();
    let (alice, bob) = (who(&s, "alice"), who(&s, "bob"));
    assert_eq!((alice.access_key.as_str(), alice.secret_key.as_str()), ("AKALICE", "sk-alice"), "the given pair is alice's");
    let host = s.url().trim_start_matches("http://").to_owned();
    let signed = |identity: &Identity, secret: &str, path: &str| {
        let (path, query) = path.split_once('?').map_or((path, None), |(p, q)| (p, Some(q)));
        let date = sdksign::sdk_date(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs());
        let headers = vec![("Host".to_owned(), host.clone()), ("X-Sdk-Date".to_owned(), date.clone())];
        let req = sdksign::Request { method: "GET", path, query, headers: &headers, body: b"" };
        let auth = sdksign::authorization(&identity.access_key, secret.as_bytes(), &req).unwrap();
        let url = format!("{}{path}{}", s.url(), query.map(|q| format!("?{q}")).unwrap_or_default());
        reqwest::Client::new().get(url).header("X-Sdk-Date", date).header("Authorization", auth).send()
    };
    for who in [alice, bob] {
        let by_token = ids(&s, who, "/v2/images?limit=1000").await;
        let page: serde_json::Value = signed(who, &who.secret_key, "/v2/images?limit=1000").await.unwrap().json().await.unwrap();
        let by_keys: std::collections::BTreeSet<String> =
            page["images"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_owned()).collect();
        assert_eq!(by_keys, by_token, "{}: the key pair lists what the token lists", who.name);
        for path in LISTINGS {
            let path = format!("{}?limit=1", path.replace("{project}", &who.project_id));
            assert_eq!(signed(who, &who.secret_key, &path).await.unwrap().status(), 200, "{path}");
            let refused = signed(who, "not-the-secret", &path).await.unwrap();
            assert_eq!(refused.status(), 401, "{path}");
            let body: serde_json::Value = refused.json().await.unwrap();
            assert_eq!(body["error_code"], "APIGW.0301", "{path}: {body}");
        }
    }
    s.shutdown().await;
}
