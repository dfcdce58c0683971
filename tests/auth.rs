//! Logins end to end, on loopback: AK/SK against the reference server in AK/SK mode, Keystone
//! (password, application credential, clouds.yaml) against a fake Keystone whose catalog points
//! at a token-checking gate in front of the reference server. Every run uses canary secrets, and
//! every file it wrote, its stdout and its stderr are searched for them. A login that cannot
//! succeed is one line and exit 2 before any case.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, post};
use axum::{Json, Router};
use common::{report_dir, root, text};
use serde_json::{json, Value};

const PASSWORD: &str = "pw-canary-7f3a91c2";
const APP_SECRET: &str = "appsecret-canary-5b2e77";
const SK: &str = "sk-canary-93c1d4e8";
const TOKEN_MARK: &str = "tok-canary-";
/// A token the user already has (`OS_TOKEN`): valid at the gate, and exchangeable.
const USER_TOKEN: &str = "usertok-canary-41d9";

/// What the fake Keystone does.
#[derive(Clone, Copy, PartialEq)]
enum Keystone {
    /// Issues tokens of this many seconds.
    Good(u64),
    /// Issues tokens that are already expired.
    Expired,
    /// Accepts the first login only.
    Once(u64),
}

struct Fake {
    mode: Keystone,
    upstream: String,
    project: String,
    base: Mutex<String>,
    issued: Mutex<Vec<String>>,
    logins: AtomicUsize,
    accepted: AtomicUsize,
    rejected: AtomicUsize,
}

fn iso(secs: u64) -> String {
    let d = specgate_sdksign::sdk_date(secs);
    format!("{}-{}-{}T{}:{}:{}.000000Z", &d[0..4], &d[4..6], &d[6..8], &d[9..11], &d[11..13], &d[13..15])
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

async fn tokens(State(f): State<Arc<Fake>>, Json(body): Json<Value>) -> Response {
    let id = &body["auth"]["identity"];
    let ok = id["password"]["user"]["name"] == "alice"
        && id["password"]["user"]["domain"]["name"] == "Default"
        && id["password"]["user"]["password"] == PASSWORD
        || id["application_credential"]["id"] == "ac-1" && id["application_credential"]["secret"] == APP_SECRET
        || id["methods"] == json!(["token"]) && id["token"]["id"] == USER_TOKEN;
    let n = f.logins.fetch_add(1, Ordering::SeqCst);
    if !ok || matches!(f.mode, Keystone::Once(_) if n > 0) {
        let e = json!({"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}});
        return (StatusCode::UNAUTHORIZED, Json(e)).into_response();
    }
    let lifetime = match f.mode {
        Keystone::Good(s) | Keystone::Once(s) => s,
        Keystone::Expired => 0,
    };
    let token = format!("{TOKEN_MARK}{n}");
    f.issued.lock().unwrap().push(token.clone());
    let base = f.base.lock().unwrap().clone();
    let t = now();
    let body = json!({"token": {
    "issued_at": iso(t), "expires_at": iso(t + lifetime), "methods": ["password"],
    "project": {"id": f.project, "name": "demo", "domain": {"id": "default", "name": "Default"}},
    "catalog": [
        {"type": "image", "name": "glance", "endpoints": [{"interface": "public", "region_id": "RegionOne", "region": "RegionOne", "url": format!("{base}/v2")}]},
        {"type": "compute", "name": "nova", "endpoints": [{"interface": "public", "region_id": "RegionOne", "region": "RegionOne", "url": format!("{base}/v2.1/{}", f.project)}]}
    ]}});
    (StatusCode::CREATED, [("X-Subject-Token", token)], Json(body)).into_response()
}

/// The image and compute APIs behind the catalog: the reference server, token required.
async fn gate(State(f): State<Arc<Fake>>, headers: HeaderMap, req: Request) -> Response {
    let token = headers.get("x-auth-token").and_then(|v| v.to_str().ok()).unwrap_or("");
    if !f.issued.lock().unwrap().iter().any(|t| t == token) {
        f.rejected.fetch_add(1, Ordering::SeqCst);
        return (StatusCode::UNAUTHORIZED, "token required").into_response();
    }
    f.accepted.fetch_add(1, Ordering::SeqCst);
    let url = format!("{}{}", f.upstream, req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/"));
    let resp = reqwest::Client::new().get(url).header("accept", "application/json").send().await.unwrap();
    let status = StatusCode::from_u16(resp.status().as_u16()).unwrap();
    let ct = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("application/json").to_string();
    let body: Bytes = resp.bytes().await.unwrap();
    // A proxy that rewrites the links it relays, as a deployment behind one must (Nova's
    // `osapi_compute_link_prefix`): links naming the server behind it would lead clients
    // around the gate, which specgate reports (`link.origin`).
    let upstream = f.upstream.trim_end_matches('/');
    let base = f.base.lock().unwrap().clone();
    let body = Bytes::from(String::from_utf8_lossy(&body).replace(upstream, &base));
    (status, [("content-type", ct)], body).into_response()
}

/// A reference server (optionally in AK/SK mode) and a fake Keystone in front of it, on a
/// runtime of their own.
struct World {
    fake: Arc<Fake>,
    keystone: String,
    reference: String,
    project: String,
}

fn world(mode: Keystone, aksk: Option<(&str, &str)>) -> World {
    let (tx, rx) = std::sync::mpsc::channel();
    let aksk = aksk.map(|(a, s)| specgate_refserver::AkSk { access_key: a.into(), secret_key: s.into() });
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        rt.block_on(async move {
            let config = specgate_refserver::Config { images: 60, aksk, ..Default::default() };
            let reference = specgate_refserver::start(config, 0).await.unwrap();
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let base = format!("http://{}", listener.local_addr().unwrap());
            let fake = Arc::new(Fake {
                mode,
                upstream: reference.url().to_string(),
                project: reference.project_id().to_string(),
                base: Mutex::new(base.clone()),
                issued: Mutex::new(vec![USER_TOKEN.to_string()]),
                logins: AtomicUsize::new(0),
                accepted: AtomicUsize::new(0),
                rejected: AtomicUsize::new(0),
            });
            let app = Router::new().route("/v3/auth/tokens", post(tokens)).fallback(any(gate)).with_state(fake.clone());
            tx.send(World {
                fake,
                keystone: format!("{base}/v3"),
                reference: reference.url().to_string(),
                project: reference.project_id().to_string(),
            })
            .unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    rx.recv().unwrap()
}

/// Runs the binary in an empty directory with a clean login environment plus `env`.
fn specgate_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    std::fs::create_dir_all(dir).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_specgate"));
    cmd.args(args).current_dir(dir).env("HOME", dir).env_remove("XDG_CONFIG_HOME").env_remove("SPECGATE_TOKEN");
    for (k, _) in std::env::vars() {
        if k.starts_with("OS_") || k.starts_with("HUAWEICLOUD_SDK_") {
            cmd.env_remove(k);
        }
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run specgate")
}

fn spec(name: &str) -> String {
    root().join("specs").join(name).to_string_lossy().into_owned()
}

/// Every file under `dir`, and the run's own output, searched for each canary.
fn assert_no_canary(dir: &Path, out: &Output, canaries: &[&str]) {
    fn files(dir: &Path, acc: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                files(&p, acc)
            } else {
                acc.push(p)
            }
        }
    }
    let mut all = Vec::new();
    files(dir, &mut all);
    assert!(all.iter().any(|p| p.ends_with("results.json")), "the run wrote its reports: {all:?}");
    let mut texts: Vec<(String, String)> = all.iter().map(|p| (p.display().to_string(), text(&std::fs::read(p).unwrap()))).collect();
    texts.push(("stdout".into(), text(&out.stdout)));
    texts.push(("stderr".into(), text(&out.stderr)));
    for (name, body) in &texts {
        for c in canaries {
            assert!(!body.contains(c), "{name} contains the secret `{c}`");
        }
    }
}

#[test]
fn aksk_run_signs_every_request_and_leaks_nothing() {
    let w = world(Keystone::Good(3600), Some(("AKCANARY", SK)));
    let dir = report_dir("auth-aksk");
    let (reports, snaps) = (dir.join("reports"), dir.join("snapshots"));
    let args = [
        "run",
        &spec("ims/cloudimages.yaml"),
        &spec("ims/nova-images-detail.yaml"),
        "--target",
        &w.reference,
        "--secret-var",
        &format!("project_id={}", w.project),
        "--report-dir",
        reports.to_str().unwrap(),
        "--snapshot-dir",
        snaps.to_str().unwrap(),
        "--update-snapshots",
    ];
    let out = specgate_in(&dir, &args, &[("HUAWEICLOUD_SDK_AK", "AKCANARY"), ("HUAWEICLOUD_SDK_SK", SK)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_no_canary(&dir, &out, &[SK, &w.project, "SDK-HMAC-SHA256 "]);

    // The same run unsigned is refused by the server: the signatures above did the work.
    let unsigned = specgate_in(&dir, &["run", &spec("ims/cloudimages.yaml"), "--target", &w.reference, "--report-dir", "unsigned"], &[]);
    assert_eq!(unsigned.status.code(), Some(1), "{}", text(&unsigned.stderr));
}

#[test]
fn keystone_password_login_takes_target_and_project_from_the_token() {
    let w = world(Keystone::Good(3600), None);
    let dir = report_dir("auth-keystone-password");
    let out = specgate_in(
        &dir,
        &["run", &spec("openstack/glance-v2-images.yaml"), &spec("ims/nova-images-detail.yaml"), "--service", "image", "--report-dir", "r"],
        &[
            ("OS_AUTH_URL", &w.keystone),
            ("OS_USERNAME", "alice"),
            ("OS_PASSWORD", PASSWORD),
            ("OS_USER_DOMAIN_NAME", "Default"),
            ("OS_PROJECT_NAME", "demo"),
            ("OS_PROJECT_DOMAIN_NAME", "Default"),
        ],
    );
    // Both specs pass through the gate: the Nova one only if `{project_id}` came from the token.
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(w.fake.logins.load(Ordering::SeqCst), 1, "one token for the whole run");
    assert!(w.fake.accepted.load(Ordering::SeqCst) > 50);
    assert_eq!(w.fake.rejected.load(Ordering::SeqCst), 0);
    assert_no_canary(&dir, &out, &[PASSWORD, TOKEN_MARK]);
}

#[test]
fn application_credential_and_clouds_yaml_logins() {
    let w = world(Keystone::Good(3600), None);
    let dir = report_dir("auth-keystone-appcred");
    let nova = spec("ims/nova-images-detail.yaml");
    let out = specgate_in(
        &dir,
        &["run", &nova, "--service", "compute", "--report-dir", "r"],
        &[("OS_AUTH_URL", &w.keystone), ("OS_APPLICATION_CREDENTIAL_ID", "ac-1"), ("OS_APPLICATION_CREDENTIAL_SECRET", APP_SECRET)],
    );
    assert!(matches!(out.status.code(), Some(0)), "{}", text(&out.stderr));
    assert_no_canary(&dir, &out, &[APP_SECRET, TOKEN_MARK]);

    let yaml = format!(
        "clouds:\n  fake:\n    auth:\n      auth_url: {}\n      username: alice\n      password: {PASSWORD}\n      user_domain_name: Default\n      \
         project_id: {}\n    region_name: RegionOne\n",
        w.keystone, w.project
    );
    let cdir = report_dir("auth-keystone-clouds");
    std::fs::create_dir_all(&cdir).unwrap();
    std::fs::write(cdir.join("clouds.yaml"), yaml).unwrap();
    let out = specgate_in(&cdir, &["run", &nova, "--os-cloud", "fake", "--service", "compute", "--report-dir", "r"], &[]);
    assert!(matches!(out.status.code(), Some(0)), "{}", text(&out.stderr));
    // clouds.yaml itself holds the password; everything else must not.
    std::fs::remove_file(cdir.join("clouds.yaml")).unwrap();
    assert_no_canary(&cdir, &out, &[PASSWORD, TOKEN_MARK]);
    assert_eq!(w.fake.rejected.load(Ordering::SeqCst), 0);
}

#[test]
fn an_existing_token_is_exchanged_or_used_as_it_is() {
    let w = world(Keystone::Good(3600), None);
    let dir = report_dir("auth-os-token-exchange");
    let nova = spec("ims/nova-images-detail.yaml");
    // OS_AUTH_TYPE=v3token: exchanged for a project-scoped token with a catalog.
    let out = specgate_in(
        &dir,
        &["run", &nova, "--service", "compute", "--report-dir", "r"],
        &[("OS_AUTH_URL", &w.keystone), ("OS_AUTH_TYPE", "v3token"), ("OS_TOKEN", USER_TOKEN), ("OS_PROJECT_ID", &w.project)],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(w.fake.logins.load(Ordering::SeqCst), 1);
    assert_no_canary(&dir, &out, &[USER_TOKEN, TOKEN_MARK]);

    // admin_token: sent as it is; Keystone is not asked.
    let dir = report_dir("auth-os-token-direct");
    let out = specgate_in(
        &dir,
        &["run", &nova, "--target", &format!("nova={}", w.fake.base.lock().unwrap()), "--report-dir", "r"],
        &[("OS_AUTH_TYPE", "admin_token"), ("OS_TOKEN", USER_TOKEN), ("HUAWEICLOUD_SDK_PROJECT_ID", &w.project)],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(w.fake.logins.load(Ordering::SeqCst), 1, "no second login");
    assert_no_canary(&dir, &out, &[USER_TOKEN, TOKEN_MARK]);
    assert_eq!(w.fake.rejected.load(Ordering::SeqCst), 0);

    // A token used as it is has no catalog.
    let refused = dir.join("refused");
    let out = specgate_in(&refused, &["run", &nova, "--service", "compute", "--report-dir", "r"], &[("OS_TOKEN", USER_TOKEN)]);
    assert_refused(&out, &refused, "--service needs the token's catalog");
    assert!(!text(&out.stderr).contains(USER_TOKEN));
}

#[test]
fn secure_yaml_completes_clouds_yaml() {
    let w = world(Keystone::Good(3600), None);
    let dir = report_dir("auth-secure-yaml");
    std::fs::create_dir_all(&dir).unwrap();
    let clouds = format!(
        "clouds:\n  fake:\n    auth:\n      auth_url: {}\n      username: alice\n      user_domain_name: Default\n      project_id: {}\n",
        w.keystone, w.project
    );
    std::fs::write(dir.join("clouds.yaml"), clouds).unwrap();
    std::fs::write(dir.join("secure.yaml"), format!("clouds:\n  fake:\n    auth:\n      password: {PASSWORD}\n")).unwrap();
    let nova = spec("ims/nova-images-detail.yaml");
    let out = specgate_in(&dir, &["run", &nova, "--os-cloud", "fake", "--service", "compute", "--report-dir", "r"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    std::fs::remove_file(dir.join("secure.yaml")).unwrap();
    assert_no_canary(&dir, &out, &[PASSWORD, TOKEN_MARK]);
    // Without secure.yaml the login lacks its password, and says so.
    let alone = dir.join("alone");
    let clouds = dir.join("clouds.yaml");
    let out = specgate_in(
        &alone,
        &["run", &nova, "--os-cloud", "fake", "--service", "compute", "--report-dir", "r"],
        &[("OS_CLIENT_CONFIG_FILE", clouds.to_str().unwrap())],
    );
    assert_refused(&out, &alone, "OS_PASSWORD is not set");
}

fn env(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// One line on stderr, exit 2, no report, no secret.
fn assert_refused(out: &Output, dir: &Path, says: &str) {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains(says), "{err}");
    for c in [PASSWORD, APP_SECRET, SK, TOKEN_MARK] {
        assert!(!err.contains(c), "{err}");
    }
    assert!(!dir.join("r/results.json").exists(), "no case ran");
}

#[test]
fn logins_that_cannot_work_stop_before_any_case() {
    let w = world(Keystone::Good(3600), None);
    let dir = report_dir("auth-refused");
    let glance = spec("openstack/glance-v2-images.yaml");
    let run = ["run", glance.as_str(), "--service", "image", "--report-dir", "r"];
    let pw = |url: &str, password: &str| -> Vec<(String, String)> {
        [
            ("OS_AUTH_URL", url),
            ("OS_USERNAME", "alice"),
            ("OS_PASSWORD", password),
            ("OS_USER_DOMAIN_NAME", "Default"),
            ("OS_PROJECT_ID", "p"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    };

    let bad = pw(&w.keystone, &format!("{PASSWORD}-wrong"));
    assert_refused(&specgate_in(&dir, &run, &env(&bad)), &dir, "refused the credentials (HTTP 401)");

    // A port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let gone = pw(&format!("http://{closed}/v3"), PASSWORD);
    assert_refused(&specgate_in(&dir, &run, &env(&gone)), &dir, "is unreachable");

    let expired = world(Keystone::Expired, None);
    let e = pw(&expired.keystone, PASSWORD);
    assert_refused(&specgate_in(&dir, &run, &env(&e)), &dir, "already expired");

    std::fs::write(dir.join("clouds.yaml"), "clouds:\n  devstack:\n    auth: {auth_url: http://127.0.0.1:9}\n").unwrap();
    let out = specgate_in(&dir, &["run", &glance, "--os-cloud", "devstak", "--service", "image", "--report-dir", "r"], &[]);
    assert_refused(&out, &dir, "no cloud `devstak` in clouds.yaml (did you mean `devstack`?)");

    let out = specgate_in(&dir, &["run", &glance, "--target", &w.reference, "--report-dir", "r"], &[("HUAWEICLOUD_SDK_AK", "AK")]);
    assert_refused(&out, &dir, "needs both HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK");
}

#[test]
fn credentials_in_the_environment_leave_the_embedded_server_and_listing_alone() {
    // An unreachable Keystone: any attempt to log in would end the run with exit 2.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let url = format!("http://{closed}/v3");
    let env = [("OS_AUTH_URL", url.as_str()), ("OS_USERNAME", "alice"), ("OS_PASSWORD", PASSWORD), ("OS_USER_DOMAIN_NAME", "Default")];
    let dir = report_dir("auth-embedded");
    let nova = spec("ims/nova-images-detail.yaml");
    let out = specgate_in(&dir, &["run", &nova, "--report-dir", "r", "--", "list-detail"], &env);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = specgate_in(&dir, &["list", &nova, "--service", "compute"], &env);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("nova-images-detail.yaml::"), "{}", text(&out.stdout));
}

fn intent() -> specgate::auth::Intent {
    specgate::auth::Intent { token_given: false, has_target: true, list_only: false, timeout: Duration::from_secs(5) }
}

#[test]
fn the_token_is_renewed_before_it_expires_and_an_unrenewable_one_stops_requests() {
    let w = world(Keystone::Once(2), None);
    let args = specgate::auth::AuthArgs {
        os_auth_url: Some(w.keystone.clone()),
        os_username: Some("alice".into()),
        os_password: Some(PASSWORD.into()),
        os_user_domain_name: Some("Default".into()),
        os_project_id: Some(w.project.clone()),
        ..Default::default()
    };
    let login = specgate::auth::establish(&args, intent()).unwrap();
    assert_eq!(login.project_id.as_deref(), Some(w.project.as_str()));
    assert!(login.secrets.iter().any(|s| s == PASSWORD) && login.secrets.iter().any(|s| s.starts_with(TOKEN_MARK)));
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let url = url::Url::parse(&w.reference).unwrap();
    let token = |rt: &tokio::runtime::Runtime| rt.block_on(login.auth.headers("GET", &url));
    assert_eq!(token(&rt).unwrap(), [("X-Auth-Token".to_string(), format!("{TOKEN_MARK}0"))]);
    // Past the renewal point (a quarter of the 2 s lifetime left): the renewal is refused,
    // the still-valid token is used…
    std::thread::sleep(Duration::from_millis(1600));
    assert_eq!(token(&rt).unwrap()[0].1, format!("{TOKEN_MARK}0"));
    assert_eq!(w.fake.logins.load(Ordering::SeqCst), 2);
    // …and once it has expired, requests get an error instead of a dead token.
    std::thread::sleep(Duration::from_millis(600));
    let e = token(&rt).unwrap_err().to_string();
    assert!(e.contains("could not be refreshed") && !e.contains(PASSWORD), "{e}");

    let w = world(Keystone::Good(2), None);
    let args = specgate::auth::AuthArgs { os_auth_url: Some(w.keystone.clone()), ..args };
    let renewing = specgate::auth::establish(&args, intent()).unwrap();
    let token = |rt: &tokio::runtime::Runtime| rt.block_on(renewing.auth.headers("GET", &url));
    assert_eq!(token(&rt).unwrap()[0].1, format!("{TOKEN_MARK}0"));
    std::thread::sleep(Duration::from_millis(1600));
    assert_eq!(token(&rt).unwrap()[0].1, format!("{TOKEN_MARK}1"), "renewed ahead of expiry");
    assert_eq!(w.fake.logins.load(Ordering::SeqCst), 2);
}

#[test]
fn several_identities_log_in_each_and_no_secret_of_any_reaches_a_report() {
    let w = world(Keystone::Good(3600), None);
    let dir = report_dir("auth-identities");
    std::fs::create_dir_all(&dir).unwrap();
    let yaml = format!(
        "clouds:\n  bob:\n    auth:\n      auth_url: {}\n      username: alice\n      password: {PASSWORD}\n      user_domain_name: Default\n      \
         project_id: {}\n",
        w.keystone, w.project
    );
    std::fs::write(dir.join("clouds.yaml"), yaml).unwrap();
    let glance = spec("openstack/glance-v2-images.yaml");
    let target = format!("glance={}", w.fake.base.lock().unwrap());
    let args = [
        "run",
        &glance,
        "--target",
        &target,
        "--identity",
        "alice=token-env:ALICE_TOKEN",
        "--identity",
        "bob=os-cloud:bob,admin",
        "--report-dir",
        "r",
    ];
    let out = specgate_in(&dir, &args, &[("ALICE_TOKEN", USER_TOKEN)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(w.fake.logins.load(Ordering::SeqCst), 1, "bob logged in with Keystone; alice's token is used as it is");
    assert_eq!(w.fake.rejected.load(Ordering::SeqCst), 0);
    // The ordinary cases ran as the first identity, and say so.
    let results = std::fs::read_to_string(dir.join("r/results.json")).unwrap();
    assert!(results.contains(r#""identity": "alice""#), "{results}");
    std::fs::remove_file(dir.join("clouds.yaml")).unwrap();
    assert_no_canary(&dir, &out, &[USER_TOKEN, PASSWORD, TOKEN_MARK]);

    // An unknown source kind is one line, exit 2, before anything is sent.
    let refused = dir.join("refused");
    let out = specgate_in(&refused, &["run", &glance, "--target", &target, "--identity", "alice=kerberos:x", "--report-dir", "r"], &[]);
    assert_refused(&out, &refused, "the kinds are os-cloud:CLOUD, token-env:VAR, aksk-env:AK_VAR:SK_VAR:PROJECT_ID");
}
