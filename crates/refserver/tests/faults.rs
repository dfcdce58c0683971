//! Every contract and transport fault in the catalogue changes what its endpoint answers (no
//! fault is a no-op), every load fault gives the right answer slowly or sparingly, and the README
//! documents every fault.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use specgate_refserver::{faults, start, Config, FaultKind, Running};

/// How to expose one fault: a request (placeholders: `{project}`, `{marker}` = the last id of
/// the clean answer to `marker_from`, `{size}` = the size of a listed image, and with tenancy
/// `{bob_project}`, `{bob_private_name}` = the name of one of bob's private images),
/// optionally `Accept: application/json`, a catalogue size, and for a fault that needs tenancy
/// whether alice's token is sent (both servers then start with tenancy).
struct Probe {
    request: &'static str,
    marker_from: Option<&'static str>,
    accept_json: bool,
    images: usize,
    anonymous: bool,
}

const fn get(request: &'static str) -> Probe {
    Probe { request, marker_from: None, accept_json: false, images: 300, anonymous: false }
}

const fn after(marker_from: &'static str) -> Probe {
    Probe { request: "", marker_from: Some(marker_from), accept_json: false, images: 300, anonymous: false }
}

/// With tenancy, a request without a token.
const fn anonymous(request: &'static str) -> Probe {
    Probe { anonymous: true, ..get(request) }
}

fn probes() -> HashMap<&'static str, Probe> {
    HashMap::from([
        ("cloudimages.limit-off-by-one", get("/v2/cloudimages?limit=5")),
        ("cloudimages.default-limit-25", get("/v2/cloudimages")),
        ("cloudimages.marker-inclusive", after("/v2/cloudimages?limit=5")),
        ("cloudimages.sort-dir-ignored", get("/v2/cloudimages?sort_dir=asc&limit=5")),
        ("cloudimages.name-prefix-match", get("/v2/cloudimages?name=CentOS+7.3+64bit")),
        ("cloudimages.time-ops-inverted", get("/v2/cloudimages?created_at=gt:2019-06-01T00:00:00Z&limit=5")),
        ("cloudimages.imagetype-filter-ignored", get("/v2/cloudimages?__imagetype=market")),
        ("cloudimages.tag-filter-ignored", get("/v2/cloudimages?tag=team=db")),
        ("cloudimages.os-bit-number", get("/v2/cloudimages?limit=2")),
        ("cloudimages.min-ram-string", get("/v2/cloudimages?limit=2")),
        ("cloudimages.status-missing", get("/v2/cloudimages?limit=2")),
        ("cloudimages.wrapper-renamed", get("/v2/cloudimages?limit=2")),
        ("cloudimages.bad-request-500", get("/v2/cloudimages?limit=abc")),
        ("cloudimages.unstable-tie-order", after("/v2/cloudimages?sort_key=status&limit=10")),
        ("cloudimages.leak-private", get("/v2/cloudimages?visibility=private&limit=1000")),
        ("nova.project-unchecked", get("/v2.1/{bob_project}/images/detail")),
        ("nova.name-filter-leaks", get("/v2.1/{project}/images/detail?name={bob_private_name}")),
        ("glance-v1.credentials-ignored", anonymous("/v1.1/images/detail?limit=1")),
        ("glance.pending-shared-listed", get("/v2/images?limit=1000")),
        ("glance.owner-filter-leaks", get("/v2/images?owner={bob_project}&limit=1000")),
        ("cloudimages.space-time-local", get("/v2/cloudimages?created_at=lte:{created_space}&limit=1000")),
        ("nova.wrapper-image", get("/v2.1/{project}/images/detail?limit=2")),
        ("nova.queued-shown-active", get("/v2.1/{project}/images/detail")),
        ("nova.progress-always-100", get("/v2.1/{project}/images/detail")),
        ("nova.timestamps-fractional", get("/v2.1/{project}/images/detail?limit=2")),
        ("nova.min-ram-at-most", get("/v2.1/{project}/images/detail?minRam=2048")),
        ("nova.min-ram-as-text", get("/v2.1/{project}/images/detail?minRam=512&limit=1000")),
        ("nova.changes-since-offset-ignored", get("/v2.1/{project}/images/detail?changes-since={updated_0530}&limit=1000")),
        ("nova.changes-since-ignored", get("/v2.1/{project}/images/detail?changes-since=2020-01-01T00:00:00Z")),
        ("nova.status-filter-ignored", get("/v2.1/{project}/images/detail?status=SAVING")),
        ("nova.marker-skips-one", after("/v2.1/{project}/images/detail?limit=5")),
        ("nova.next-link-missing", get("/v2.1/{project}/images/detail?limit=2")),
        ("nova.invalid-limit-accepted", get("/v2.1/{project}/images/detail?limit=0")),
        ("nova.text-plain", get("/v2.1/{project}/images/detail?limit=1")),
        ("nova.links-foreign-host", get("/v2.1/{project}/images/detail?limit=2")),
        ("nova.hides-an-image", get("/v2.1/{project}/images/detail?limit=1000")),
        ("nova.size-in-mib", get("/v2.1/{project}/images/detail?limit=5")),
        ("nova.queued-active-everywhere", get("/v2.1/{project}/images/detail")),
        ("glance-v1.size-max-exclusive", get("/v1.1/images/detail?size_max={size}&size_min={size}")),
        ("glance-v1.changes-since-uses-created", get("/v1.1/images/detail?limit=1000&changes-since=2019-01-01T00:00:00")),
        ("glance-v1.name-ignore-case", get("/v1.1/images/detail?name=centos+7.3+64BIT")),
        ("glance-v1.sort-key-ignored", get("/v1.1/images/detail?sort_key=name")),
        ("glance-v1.timestamps-with-zone", get("/v1.1/images/detail?limit=1")),
        ("glance-v1.is-public-string", get("/v1.1/images/detail?limit=1")),
        ("glance-v1.deleted-missing", get("/v1.1/images/detail?limit=1")),
        ("glance-v1.bad-marker-empty", get("/v1.1/images/detail?marker=nope")),
        ("glance-v1.local-time-zone", get("/v1.1/images/detail?limit=1")),
        ("glance.next-link-drops-params", get("/v2/images?limit=2&sort_key=name")),
        ("glance.next-link-loops", get("/v2/images?limit=2")),
        ("glance.next-link-drops-filters", get("/v2/images?limit=2&status=active")),
        ("glance.later-pages-lack-status", after("/v2/images?limit=5")),
        ("glance.first-link-keeps-marker", after("/v2/images?limit=5")),
        ("glance.tag-any-of", get("/v2/images?tag=env=prod&tag=team=web&limit=1000")),
        ("glance.visibility-filter-ignored", get("/v2/images?visibility=community")),
        ("glance.null-id", get("/v2/images?limit=1")),
        ("glance.hidden-images-listed", get("/v2/images?limit=1000")),
        ("glance.marker-inclusive", after("/v2/images?limit=5")),
        ("glance.size-min-exclusive", get("/v2/images?size_min={size}&limit=1000")),
        ("*.html-error-body", Probe { accept_json: true, ..get("/v2/images?limit=abc") }),
        ("*.hang", get("/v2/images?limit=1")),
        ("*.trickle", get("/v2/images?limit=1")),
        ("*.huge-body", get("/v2/images?limit=1")),
        ("*.not-json", get("/v2/images?limit=1")),
        ("*.reset", get("/v2/images?limit=1")),
        ("*.redirect-loop", get("/v2/images?limit=1")),
        ("*.rate-limit", get("/v2/images?limit=1")),
        ("*.endless-pages", get("/v2/images?limit=1000")),
        ("*.latency", get("/v2/images?limit=1")),
        ("*.rate", get("/v2/images?limit=1")),
    ])
}

/// What a client saw: status, content type and (at most 4 MiB of) body, or why it saw nothing.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Answer { status: u16, content_type: String, body: String },
    Failed(String),
}

async fn fetch(url: &str, accept_json: bool, token: Option<&str>) -> Outcome {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let exchange = async {
        let mut request = client.get(url);
        if accept_json {
            request = request.header("Accept", "application/json");
        }
        if let Some(token) = token {
            request = request.header("X-Auth-Token", token);
        }
        let mut response = request.send().await.map_err(|e| format!("send: {e}"))?;
        let status = response.status().as_u16();
        let content_type = response.headers().get("content-type").map(|v| v.to_str().unwrap_or_default().to_owned()).unwrap_or_default();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| format!("body: {e}"))? {
            body.extend_from_slice(&chunk);
            if body.len() > 4 << 20 {
                body.truncate(4 << 20);
                break;
            }
        }
        Ok::<_, String>(Outcome::Answer { status, content_type, body: String::from_utf8_lossy(&body).into_owned() })
    };
    // Long enough for a clean answer on a loaded machine; a hanging or trickling fault still
    // runs past it.
    match tokio::time::timeout(Duration::from_secs(10), exchange).await {
        Ok(Ok(answer)) => answer,
        Ok(Err(e)) => Outcome::Failed(e),
        Err(_) => Outcome::Failed("timed out".into()),
    }
}

fn json(outcome: &Outcome) -> serde_json::Value {
    match outcome {
        Outcome::Answer { body, .. } => serde_json::from_str(body).unwrap(),
        Outcome::Failed(e) => panic!("{e}"),
    }
}

/// The token a probe sends: alice's on a server with tenancy, unless the probe is anonymous.
fn token<'a>(server: &'a Running, probe: &Probe) -> Option<&'a str> {
    let alice = server.identities().iter().find(|i| i.name == "alice");
    alice.filter(|_| !probe.anonymous).map(|i| i.token.as_str())
}

/// Resolves a probe's placeholders against the clean server.
async fn url_for(clean: &Running, probe: &Probe) -> String {
    let base = clean.url();
    let mut request = probe.request.to_owned();
    let fetch = |url: String, accept_json| async move { fetch(&url, accept_json, token(clean, probe)).await };
    if request.contains("{bob_project}") || request.contains("{bob_private_name}") {
        let bob = clean.identities().iter().find(|i| i.name == "bob").expect("a probe naming bob needs tenancy");
        let admin = clean.identities().iter().find(|i| i.admin).unwrap();
        let private = format!("{base}/v2/images?owner={}&visibility=private&limit=1", bob.project_id);
        let page = json(&self::fetch(&private, false, Some(&admin.token)).await);
        let name = page["images"][0]["name"].as_str().unwrap();
        let name: String = form_urlencoded::byte_serialize(name.as_bytes()).collect();
        request = request.replace("{bob_project}", &bob.project_id).replace("{bob_private_name}", &name);
    }
    if let Some(first) = probe.marker_from {
        let first = first.replace("{project}", clean.project_id());
        let page = json(&fetch(format!("{base}{first}"), false).await);
        let last = page["images"].as_array().unwrap().last().unwrap()["id"].as_str().unwrap().to_owned();
        request = format!("{first}&marker={last}");
    }
    if request.contains("{size}") {
        // From Glance v2, whose listing is a subset of Glance v1's.
        let all = json(&fetch(format!("{base}/v2/images?limit=1000"), false).await);
        let size = all["images"].as_array().unwrap().iter().find_map(|i| i["size"].as_u64().filter(|s| *s > 0)).unwrap();
        request = request.replace("{size}", &size.to_string());
    }
    if request.contains("{created_space}") {
        // An image's own instant in the doc's second layout: `lte:` it lists that image.
        let all = json(&fetch(format!("{base}/v2/cloudimages?limit=1000"), false).await);
        let at = all["images"][0]["created_at"].as_str().unwrap();
        let at = chrono::DateTime::parse_from_rfc3339(at).unwrap().to_utc();
        request = request.replace("{created_space}", &at.format("%Y-%m-%d%%20%H:%M:%S").to_string());
    }
    if request.contains("{updated_0530}") {
        // An image's own instant written at +05:30: `changes-since` it lists that image.
        let page = json(&fetch(format!("{base}/v2.1/{}/images/detail?limit=1000", clean.project_id()), false).await);
        let at = page["images"][0]["updated"].as_str().unwrap();
        let zone = chrono::FixedOffset::east_opt(5 * 3600 + 30 * 60).unwrap();
        let at = chrono::DateTime::parse_from_rfc3339(at).unwrap().with_timezone(&zone);
        request = request.replace("{updated_0530}", &at.format("%Y-%m-%dT%H:%M:%S%%2B05:30").to_string());
    }
    format!("{base}{}", request.replace("{project}", clean.project_id()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_changes_its_endpoints_answer() {
    let probes = probes();
    let catalogue: Vec<&str> = faults().iter().map(|f| f.name).collect();
    for name in &catalogue {
        assert!(probes.contains_key(name), "no probe for fault {name}");
    }
    for name in probes.keys() {
        assert!(catalogue.contains(name), "probe for unknown fault {name}");
    }
    let mut checks = Vec::new();
    // A few pairs of servers at a time: all of them at once starved each other on a loaded
    // machine, and a clean answer then timed out.
    let pairs = std::sync::Arc::new(tokio::sync::Semaphore::new(6));
    for info in faults() {
        let probe = &probes[info.name];
        let pairs = pairs.clone();
        let images = probe.images;
        let (request, marker_from, accept_json, anonymous) = (probe.request, probe.marker_from, probe.accept_json, probe.anonymous);
        checks.push(tokio::spawn(async move {
            let _pair = pairs.acquire_owned().await.unwrap();
            let probe = Probe { request, marker_from, accept_json, images, anonymous };
            let tenancy = info.needs_tenancy;
            let clean = start(Config { images, tenancy, ..Config::default() }, 0).await.unwrap();
            let faulty = start(Config { images, tenancy, faults: vec![info.example()], ..Config::default() }, 0).await.unwrap();
            // The same seed, the same tokens.
            assert_eq!(clean.identities(), faulty.identities());
            let url = url_for(&clean, &probe).await;
            let expected = fetch(&url, accept_json, token(&clean, &probe)).await;
            let actual = fetch(&url.replace(clean.url(), faulty.url()), accept_json, token(&faulty, &probe)).await;
            assert!(matches!(expected, Outcome::Answer { .. }), "{}: clean server failed: {expected:?}", info.name);
            match info.kind {
                // Its own tests below show that it is slow or sparing.
                FaultKind::Load => assert_eq!(expected, actual, "{}: a load fault still answers right", info.name),
                FaultKind::Contract => {
                    assert!(matches!(actual, Outcome::Answer { .. }), "{}: a contract fault still answers", info.name);
                    assert_ne!(expected, actual, "{} changes nothing at {url}", info.name);
                }
                FaultKind::Transport => assert_ne!(expected, actual, "{} changes nothing at {url}", info.name),
            }
            clean.shutdown().await;
            faulty.shutdown().await;
        }));
    }
    for check in checks {
        check.await.unwrap();
    }
}

#[tokio::test]
async fn transport_faults_misbehave_as_described() {
    let url_of = |s: &Running| format!("{}/v2/images?limit=1", s.url());
    let server = |fault: &str| start(Config { faults: vec![fault.to_owned()], ..Config::default() }, 0);

    let s = server("*.rate-limit").await.unwrap();
    let response = reqwest::get(url_of(&s)).await.unwrap();
    assert_eq!(response.status().as_u16(), 429);
    assert_eq!(response.headers()["retry-after"], "1");
    s.shutdown().await;

    let s = server("*.redirect-loop").await.unwrap();
    let err = reqwest::get(url_of(&s)).await.unwrap_err();
    assert!(err.is_redirect(), "{err:?}");
    s.shutdown().await;

    let s = server("*.reset").await.unwrap();
    let err = reqwest::get(url_of(&s)).await.unwrap_err();
    assert!(err.is_request() || err.is_connect(), "{err:?}");
    s.shutdown().await;

    let s = server("*.not-json").await.unwrap();
    let response = reqwest::get(url_of(&s)).await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert!(response.json::<serde_json::Value>().await.is_err());
    s.shutdown().await;

    let s = server("*.trickle").await.unwrap();
    let mut response = reqwest::get(url_of(&s)).await.unwrap();
    let announced: usize = response.headers()["content-length"].to_str().unwrap().parse().unwrap();
    let first = tokio::time::timeout(Duration::from_secs(3), response.chunk()).await.unwrap().unwrap().unwrap();
    assert_eq!((first.len(), first[0]), (1, b'{'));
    assert!(announced > 100);
    s.shutdown().await;

    let s = server("*.huge-body").await.unwrap();
    let mut response = reqwest::get(url_of(&s)).await.unwrap();
    let mut read = 0;
    while read < 32 << 20 {
        read += response.chunk().await.unwrap().unwrap().len();
    }
    drop(response);
    s.shutdown().await;

    let s = server("*.hang").await.unwrap();
    let waited = tokio::time::timeout(Duration::from_millis(500), reqwest::get(url_of(&s))).await;
    assert!(waited.is_err(), "hang answered");
    let started = std::time::Instant::now();
    s.shutdown().await;
    assert!(started.elapsed() < Duration::from_secs(3), "shutdown waits for hanging requests");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latency_delays_every_answer_without_holding_up_others() {
    let s = start(Config { faults: vec!["*.latency=200ms".into()], ..Config::default() }, 0).await.unwrap();
    let url = format!("{}/v2/images?limit=1", s.url());
    let client = reqwest::Client::new();
    let started = Instant::now();
    let response = client.get(&url).send().await.unwrap();
    let took = started.elapsed();
    assert_eq!(response.status().as_u16(), 200);
    eprintln!("one request with 200ms latency: {took:?}");
    assert!(took >= Duration::from_millis(200) && took < Duration::from_secs(1), "{took:?}");
    // Ten at once wait side by side, not one after another (that would be 2 s).
    let started = Instant::now();
    let all: Vec<_> = (0..10).map(|_| tokio::spawn(client.get(&url).send())).collect();
    for one in all {
        assert_eq!(one.await.unwrap().unwrap().status().as_u16(), 200);
    }
    let took = started.elapsed();
    eprintln!("ten concurrent requests with 200ms latency: {took:?}");
    assert!(took >= Duration::from_millis(200) && took < Duration::from_secs(1), "{took:?}");
    s.shutdown().await;
}

#[tokio::test]
async fn latency_ends_at_shutdown() {
    let s = start(Config { faults: vec!["*.latency=1h".into()], ..Config::default() }, 0).await.unwrap();
    let waiting = tokio::spawn(reqwest::get(format!("{}/v2/images?limit=1", s.url())));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    s.shutdown().await;
    assert!(started.elapsed() < Duration::from_secs(3), "shutdown waited out the latency: {:?}", started.elapsed());
    waiting.abort();
}

#[tokio::test]
async fn rate_serves_its_burst_then_429_with_a_retry_after_that_is_enough() {
    let s = start(Config { faults: vec!["*.rate=5".into()], ..Config::default() }, 0).await.unwrap();
    let url = format!("{}/v2/images?limit=1", s.url());
    let client = reqwest::Client::new();
    let (mut served, mut retry_after) = (0, Vec::new());
    let started = Instant::now();
    for _ in 0..20 {
        let response = client.get(&url).send().await.unwrap();
        match response.status().as_u16() {
            200 => served += 1,
            429 => {
                let seconds: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
                retry_after.push(seconds);
                assert!(response.text().await.unwrap().contains("limit:5,time:1 second"));
            }
            other => panic!("status {other}"),
        }
    }
    eprintln!("rate 5: a burst of 20 in {:?}: {served} served, Retry-After {retry_after:?}", started.elapsed());
    assert!(served >= 5, "the first second's burst is served: {served}");
    assert!(!retry_after.is_empty(), "nothing throttled");
    assert!(retry_after.iter().all(|s| *s == 1), "{retry_after:?}");
    tokio::time::sleep(Duration::from_secs(retry_after[retry_after.len() - 1])).await;
    assert_eq!(client.get(&url).send().await.unwrap().status().as_u16(), 200);
    s.shutdown().await;
}

#[tokio::test]
async fn endless_pages_never_end() {
    let s = start(Config { images: 30, faults: vec!["*.endless-pages".into()], ..Config::default() }, 0).await.unwrap();
    let mut path = "/v2/images?limit=20".to_owned();
    let mut seen = std::collections::HashSet::new();
    for _ in 0..10 {
        let page = json(&fetch(&format!("{}{path}", s.url()), false, None).await);
        let images = page["images"].as_array().unwrap();
        assert_eq!(images.len(), 20);
        for image in images {
            assert!(seen.insert(image["id"].as_str().unwrap().to_owned()), "a marker repeats");
        }
        path = page["next"].as_str().expect("always a next link").to_owned();
    }
    s.shutdown().await;
}

#[tokio::test]
async fn a_fault_that_needs_tenancy_is_refused_without_it() {
    let isolation: Vec<_> = faults().iter().filter(|f| f.needs_tenancy).collect();
    assert!(isolation.len() >= 5, "a fault for each isolation rule");
    for info in isolation {
        let err = start(Config { faults: vec![info.example()], ..Config::default() }, 0).await.unwrap_err();
        assert!(err.to_string().contains("needs a server with tenancy"), "{}: {err}", info.name);
    }
}

#[test]
fn readme_documents_every_fault() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for fault in faults() {
        assert!(readme.contains(&format!("`{}`", fault.usage())), "README.md does not list `{}`", fault.usage());
    }
}
