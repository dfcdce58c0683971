//! Keystone v3: one password or application-credential login, a token shared by every case and
//! renewed before it expires, the token's project and its service catalog.

use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::{json, Value};

use super::error::AuthError;

/// Who logs in, and into which project.
#[derive(Clone, Default)]
pub(crate) struct Credentials {
    /// As configured (`…:5000`, `…:5000/v3` or `…/identity/v3`).
    pub auth_url: String,
    pub username: Option<String>,
    pub user_id: Option<String>,
    pub password: Option<String>,
    pub user_domain_name: Option<String>,
    pub user_domain_id: Option<String>,
    pub project_id: Option<String>,
    pub project_name: Option<String>,
    pub project_domain_name: Option<String>,
    pub project_domain_id: Option<String>,
    pub application_credential_id: Option<String>,
    pub application_credential_name: Option<String>,
    pub application_credential_secret: Option<String>,
    /// An existing token (`OS_TOKEN`, `auth.token`), exchanged for a new one (`token`/`v3token`).
    pub token: Option<String>,
    /// `OS_AUTH_TYPE` / `auth_type`; inferred from the credentials when absent.
    pub auth_type: Option<String>,
    pub region: Option<String>,
    /// `public` (default), `internal` or `admin`.
    pub interface: Option<String>,
}

impl std::fmt::Debug for Credentials {
    // Passwords and secrets are never formatted.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("auth_url", &self.auth_url)
            .field("username", &self.username)
            .field("project_id", &self.project_id)
            .field("project_name", &self.project_name)
            .field("application_credential_id", &self.application_credential_id)
            .field("auth_type", &self.auth_type)
            .finish_non_exhaustive()
    }
}

impl Credentials {
    /// The values that must never be printed.
    pub(crate) fn secrets(&self) -> Vec<String> {
        [&self.password, &self.application_credential_secret, &self.token].into_iter().flatten().cloned().collect()
    }

    /// How to log in: `OS_AUTH_TYPE` as the OpenStack clients name it, or, without one, what
    /// the credentials given imply (an application-credential secret, else a user with a
    /// password, else a token).
    pub(crate) fn method(&self) -> Result<Method, AuthError> {
        let Some(kind) = self.auth_type.as_deref().filter(|k| !k.is_empty()) else {
            return Ok(if self.application_credential_secret.is_some() {
                Method::ApplicationCredential
            } else if self.token.is_some() && self.password.is_none() {
                Method::Token
            } else {
                Method::Password
            });
        };
        match kind {
            "password" | "v3password" => Ok(Method::Password),
            "applicationcredential" | "v3applicationcredential" => Ok(Method::ApplicationCredential),
            "token" | "v3token" => Ok(Method::Token),
            "admin_token" | "token_endpoint" => Ok(Method::Direct),
            other => Err(AuthError::Usage(format!(
                "OS_AUTH_TYPE `{other}` is not supported (password, v3password, v3applicationcredential, token, v3token, admin_token)"
            ))),
        }
    }

    /// `POST …/v3/auth/tokens`.
    pub(crate) fn tokens_url(&self) -> Result<url::Url, AuthError> {
        let mut base =
            url::Url::parse(&self.auth_url).map_err(|e| AuthError::Usage(format!("OS_AUTH_URL `{}` is not a URL: {e}", self.auth_url)))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(AuthError::Usage(format!("OS_AUTH_URL `{}`: only http and https URLs are supported", self.auth_url)));
        }
        let path = base.path().trim_end_matches('/').to_string();
        let v3 = if path.ends_with("/v3") { path } else { format!("{path}/v3") };
        base.set_path(&format!("{v3}/auth/tokens"));
        base.set_query(None);
        Ok(base)
    }

    /// The `auth` object of the token request.
    fn body(&self) -> Result<Value, AuthError> {
        let domain = |name: &Option<String>, id: &Option<String>| match (id, name) {
            (Some(id), _) => Some(json!({"id": id})),
            (None, Some(name)) => Some(json!({"name": name})),
            (None, None) => None,
        };
        let user = |user: &mut serde_json::Map<String, Value>| -> Result<(), AuthError> {
            match (&self.user_id, &self.username) {
                (Some(id), _) => {
                    user.insert("id".into(), json!(id));
                }
                (None, Some(name)) => {
                    user.insert("name".into(), json!(name));
                    let d = domain(&self.user_domain_name, &self.user_domain_id)
                        .ok_or_else(|| AuthError::Incomplete("a user name needs OS_USER_DOMAIN_NAME (or OS_USER_DOMAIN_ID)".into()))?;
                    user.insert("domain".into(), d);
                }
                (None, None) => return Err(AuthError::Incomplete("OS_USERNAME (or OS_USER_ID) is not set".into())),
            }
            Ok(())
        };
        let method = self.method()?;
        if method == Method::ApplicationCredential {
            let secret = self
                .application_credential_secret
                .as_ref()
                .ok_or_else(|| AuthError::Incomplete("OS_APPLICATION_CREDENTIAL_SECRET is not set".into()))?;
            // An application credential carries its own project scope; a scope is refused.
            let mut cred = serde_json::Map::new();
            cred.insert("secret".into(), json!(secret));
            match (&self.application_credential_id, &self.application_credential_name) {
                (Some(id), _) => {
                    cred.insert("id".into(), json!(id));
                }
                (None, Some(name)) => {
                    cred.insert("name".into(), json!(name));
                    let mut u = serde_json::Map::new();
                    user(&mut u)?;
                    cred.insert("user".into(), Value::Object(u));
                }
                (None, None) => {
                    return Err(AuthError::Incomplete(
                        "an application credential secret needs OS_APPLICATION_CREDENTIAL_ID (or its name and user)".into(),
                    ))
                }
            }
            return Ok(json!({"auth": {"identity": {"methods": ["application_credential"], "application_credential": cred}}}));
        }
        let mut auth = match method {
            Method::Token => {
                // Exchanged for a token of the scope asked for, as keystoneauth's `v3token` does.
                let token = self.token.as_ref().ok_or_else(|| AuthError::Incomplete("OS_TOKEN is not set".into()))?;
                json!({"identity": {"methods": ["token"], "token": {"id": token}}})
            }
            Method::Direct => return Err(AuthError::Usage("an admin_token is used as it is, not exchanged".into())),
            _ => {
                let password = self.password.as_ref().ok_or_else(|| AuthError::Incomplete("OS_PASSWORD is not set".into()))?;
                let mut u = serde_json::Map::new();
                user(&mut u)?;
                u.insert("password".into(), json!(password));
                json!({"identity": {"methods": ["password"], "password": {"user": u}}})
            }
        };
        let scope = match (&self.project_id, &self.project_name) {
            (Some(id), _) => Some(json!({"project": {"id": id}})),
            (None, Some(name)) => {
                let d = domain(&self.project_domain_name, &self.project_domain_id)
                    .ok_or_else(|| AuthError::Incomplete("a project name needs OS_PROJECT_DOMAIN_NAME (or OS_PROJECT_DOMAIN_ID)".into()))?;
                Some(json!({"project": {"name": name, "domain": d}}))
            }
            (None, None) => None,
        };
        if let Some(scope) = scope {
            auth["scope"] = scope;
        }
        Ok(json!({ "auth": auth }))
    }
}

/// How the credentials become a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Password,
    ApplicationCredential,
    /// An existing token exchanged for a (scoped) one: keystoneauth's `token` / `v3token`.
    Token,
    /// An existing token sent as it is, without asking Keystone: keystoneauth's `admin_token`.
    Direct,
}

/// A token and what came with it.
#[derive(Clone)]
pub(crate) struct Token {
    pub(crate) value: String,
    pub expires_at: String,
    /// When to log in again, by this machine's clock.
    renew_at: Instant,
    /// When it stops working, by this machine's clock.
    expires: Instant,
    pub project_id: Option<String>,
    pub catalog: Vec<Service>,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token").field("expires_at", &self.expires_at).field("project_id", &self.project_id).finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Service {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub endpoints: Vec<Endpoint>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Endpoint {
    pub interface: String,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub region_id: Option<String>,
    pub url: String,
}

#[derive(Deserialize)]
struct TokenBody {
    token: TokenInfo,
}

#[derive(Deserialize)]
struct TokenInfo {
    expires_at: String,
    #[serde(default)]
    issued_at: Option<String>,
    #[serde(default)]
    project: Option<Project>,
    #[serde(default)]
    catalog: Vec<Service>,
}

#[derive(Deserialize)]
struct Project {
    id: String,
}

/// `2026-11-28T07:05:00.000000Z` → seconds since the epoch (UTC only, as Keystone writes it).
pub(crate) fn parse_time(s: &str) -> Option<u64> {
    let head = s.get(..19)?;
    let tail = &s[19..];
    let utc = tail.ends_with('Z') || tail.ends_with("+00:00") || tail.is_empty();
    if !utc || head.as_bytes().get(10) != Some(&b'T') {
        return None;
    }
    let compact: String = head.chars().filter(|c| *c != '-' && *c != ':').collect();
    specgate_sdksign::parse_sdk_date(&format!("{compact}Z"))
}

/// Logs in once.
pub(crate) async fn login(client: &reqwest::Client, creds: &Credentials) -> Result<Token, AuthError> {
    let url = creds.tokens_url()?;
    let shown = url.to_string();
    let body = creds.body()?;
    let started = Instant::now();
    let resp = client
        .post(url)
        .json(&body)
        .send()
        .await
        .map_err(|e| AuthError::Unreachable { url: shown.clone(), reason: crate::transport::error_chain(&e) })?;
    let status = resp.status().as_u16();
    let subject = resp.headers().get("x-subject-token").and_then(|v| v.to_str().ok()).map(str::to_string);
    let text = resp.text().await.map_err(|e| AuthError::Unreachable { url: shown.clone(), reason: crate::transport::error_chain(&e) })?;
    if status == 401 || status == 403 {
        // Keystone's message names what was wrong ("The request you have made requires
        // authentication."), never the secret; the redactor runs over it anyway.
        let message = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| v.pointer("/error/message").and_then(Value::as_str).map(str::to_string))
            .unwrap_or_default();
        let mut message: String = message.chars().take(200).collect();
        for s in creds.secrets() {
            message = message.replace(&s, "***");
        }
        return Err(AuthError::Rejected { url: shown, status, message });
    }
    let bad = |reason: String| AuthError::BadToken { url: shown.clone(), status, reason };
    if status != 201 && status != 200 {
        return Err(bad("expected 201 Created (is OS_AUTH_URL a Keystone v3 endpoint?)".into()));
    }
    let value = subject.filter(|s| !s.is_empty()).ok_or_else(|| bad("no X-Subject-Token header".into()))?;
    let info = serde_json::from_str::<TokenBody>(&text).map_err(|e| bad(format!("token body: {e}")))?.token;
    let expires = parse_time(&info.expires_at).ok_or_else(|| bad(format!("expires_at `{}` is not a UTC time", info.expires_at)))?;
    // Lifetimes by the server's own clock, so a skewed local clock does not matter.
    let issued = info
        .issued_at
        .as_deref()
        .and_then(parse_time)
        .unwrap_or_else(|| std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0));
    let lifetime = Duration::from_secs(expires.saturating_sub(issued));
    if lifetime.is_zero() {
        return Err(AuthError::Expired { expires_at: info.expires_at, reason: "Keystone issued a token that is already expired".into() });
    }
    // Renew with a quarter of the lifetime left (at most five minutes before the end).
    let margin = (lifetime / 4).min(Duration::from_secs(300));
    Ok(Token {
        value,
        expires_at: info.expires_at,
        renew_at: started + lifetime - margin,
        expires: started + lifetime,
        project_id: info.project.map(|p| p.id),
        catalog: info.catalog,
    })
}

/// The token every case shares; renewed under a lock, so concurrent cases log in once.
pub(crate) struct TokenSource {
    client: reqwest::Client,
    creds: Credentials,
    current: tokio::sync::Mutex<Token>,
}

impl TokenSource {
    pub(crate) fn new(client: reqwest::Client, creds: Credentials, first: Token) -> TokenSource {
        TokenSource { client, creds, current: tokio::sync::Mutex::new(first) }
    }

    /// A token valid now, renewed first when it is close to expiry.
    pub(crate) async fn token(&self) -> Result<String, AuthError> {
        let mut cur = self.current.lock().await;
        let now = Instant::now();
        if now < cur.renew_at {
            return Ok(cur.value.clone());
        }
        match login(&self.client, &self.creds).await {
            Ok(t) => {
                *cur = t;
                Ok(cur.value.clone())
            }
            // Renewal failed but the old token still works: use it while it lasts.
            Err(_) if now < cur.expires => Ok(cur.value.clone()),
            Err(e) => Err(AuthError::Expired { expires_at: cur.expires_at.clone(), reason: e.to_string() }),
        }
    }
}

/// The endpoint of `service` in `catalog`, its version path removed (specs carry it).
pub(crate) fn endpoint(catalog: &[Service], service: &str, interface: &str, region: Option<&str>) -> Option<url::Url> {
    let ep =
        catalog.iter().filter(|s| s.kind == service).flat_map(|s| &s.endpoints).find(|e| {
            e.interface == interface && region.is_none_or(|r| e.region_id.as_deref() == Some(r) || e.region.as_deref() == Some(r))
        })?;
    let mut url = url::Url::parse(&ep.url).ok()?;
    // `…/v2.1/{project}` or `…/v2` or `…/image/v2`: the spec paths start at the version.
    let segments: Vec<String> = url.path_segments().map(|s| s.map(str::to_string).collect()).unwrap_or_default();
    let is_version =
        |s: &str| s.len() > 1 && s.starts_with('v') && s[1..].split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let keep = segments.iter().position(|s| is_version(s)).unwrap_or(segments.len());
    let mut path = segments[..keep].join("/");
    path.insert(0, '/');
    url.set_path(&path);
    Some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds() -> Credentials {
        Credentials { auth_url: "http://127.0.0.1:5000".into(), ..Credentials::default() }
    }

    #[test]
    fn tokens_url_adds_v3_once() {
        assert_eq!(creds().tokens_url().unwrap().as_str(), "http://127.0.0.1:5000/v3/auth/tokens");
        let c = Credentials { auth_url: "https://id.example.com/identity/v3/".into(), ..creds() };
        assert_eq!(c.tokens_url().unwrap().as_str(), "https://id.example.com/identity/v3/auth/tokens");
        assert!(Credentials { auth_url: "ftp://x".into(), ..creds() }.tokens_url().is_err());
    }

    #[test]
    fn password_body_scopes_by_project_name_and_domain() {
        let c = Credentials {
            username: Some("alice".into()),
            password: Some("pw".into()),
            user_domain_name: Some("Default".into()),
            project_name: Some("demo".into()),
            project_domain_name: Some("Default".into()),
            ..creds()
        };
        assert_eq!(
            c.body().unwrap(),
            json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "alice", "domain": {"name": "Default"}, "password": "pw"}}},
                   "scope": {"project": {"name": "demo", "domain": {"name": "Default"}}}}})
        );
        let missing = Credentials { project_domain_name: None, ..c.clone() };
        assert!(missing.body().unwrap_err().to_string().contains("OS_PROJECT_DOMAIN_NAME"));
        assert!(Credentials { password: None, ..c }.body().unwrap_err().to_string().contains("OS_PASSWORD"));
    }

    #[test]
    fn application_credential_body_has_no_scope() {
        let c = Credentials { application_credential_id: Some("ac1".into()), application_credential_secret: Some("s".into()), ..creds() };
        assert_eq!(
            c.body().unwrap(),
            json!({"auth": {"identity": {"methods": ["application_credential"], "application_credential": {"secret": "s", "id": "ac1"}}}})
        );
    }

    #[test]
    fn keystone_times_parse_as_utc() {
        assert_eq!(parse_time("1970-01-01T00:01:00.000000Z"), Some(60));
        assert_eq!(parse_time("1970-01-01T00:01:00Z"), Some(60));
        assert_eq!(parse_time("1970-01-01T00:01:00+02:00"), None);
        assert_eq!(parse_time("yesterday"), None);
    }

    #[test]
    fn catalog_endpoint_drops_the_version_path() {
        let catalog: Vec<Service> = serde_json::from_value(json!([
            {"type": "compute", "endpoints": [
                {"interface": "internal", "region_id": "r1", "url": "http://10.0.0.1:8774/v2.1/abc"},
                {"interface": "public", "region_id": "r1", "url": "http://n.example.com:8774/v2.1/abc"}]},
            {"type": "image", "endpoints": [{"interface": "public", "region": "r2", "url": "https://g.example.com/image/v2"}]}
        ]))
        .unwrap();
        assert_eq!(endpoint(&catalog, "compute", "public", None).unwrap().as_str(), "http://n.example.com:8774/");
        assert_eq!(endpoint(&catalog, "image", "public", Some("r2")).unwrap().as_str(), "https://g.example.com/image");
        assert!(endpoint(&catalog, "image", "public", Some("r1")).is_none());
        assert!(endpoint(&catalog, "volume", "public", None).is_none());
    }

    #[test]
    fn a_token_is_exchanged_for_one_of_the_scope_asked_for() {
        let c = Credentials { token: Some("t0".into()), project_id: Some("p1".into()), ..creds() };
        assert_eq!(c.method().unwrap(), Method::Token, "a token alone means `token`");
        assert_eq!(
            c.body().unwrap(),
            json!({"auth": {"identity": {"methods": ["token"], "token": {"id": "t0"}}, "scope": {"project": {"id": "p1"}}}})
        );
        assert_eq!(c.secrets(), ["t0"]);
        let v3token = Credentials { auth_type: Some("v3token".into()), project_id: None, ..c.clone() };
        assert_eq!(v3token.body().unwrap(), json!({"auth": {"identity": {"methods": ["token"], "token": {"id": "t0"}}}}));
        assert!(Credentials { token: None, ..v3token }.body().unwrap_err().to_string().contains("OS_TOKEN"));
    }

    #[test]
    fn auth_types_are_named_as_the_openstack_clients_name_them() {
        let with = |t: &str| Credentials { auth_type: Some(t.into()), ..creds() }.method();
        assert_eq!(with("v3password").unwrap(), Method::Password);
        assert_eq!(with("v3applicationcredential").unwrap(), Method::ApplicationCredential);
        assert_eq!(with("token").unwrap(), Method::Token);
        assert_eq!(with("admin_token").unwrap(), Method::Direct);
        let e = with("v3oidcpassword").unwrap_err().to_string();
        assert!(e.starts_with("OS_AUTH_TYPE `v3oidcpassword` is not supported"), "{e}");
        // A password given with a token: the password login, as keystoneauth's default.
        let both = Credentials { token: Some("t".into()), password: Some("p".into()), ..creds() };
        assert_eq!(both.method().unwrap(), Method::Password);
    }
}
