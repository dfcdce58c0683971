//! Huawei Cloud AK/SK: every request signed with `SDK-HMAC-SHA256`, freshly at each attempt.

use std::time::{SystemTime, UNIX_EPOCH};

use specgate_sdksign as sdksign;

/// The access key pair and the project the requests act for.
#[derive(Clone)]
pub struct AkSk {
    access_key: String,
    secret_key: String,
    project_id: Option<String>,
}

impl std::fmt::Debug for AkSk {
    // The secret key is never formatted, not even in a debug dump.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AkSk").field("access_key", &self.access_key).field("project_id", &self.project_id).finish_non_exhaustive()
    }
}

impl AkSk {
    pub fn new(access_key: String, secret_key: String, project_id: Option<String>) -> AkSk {
        AkSk { access_key, secret_key, project_id }
    }

    /// The same key pair with a secret key that is not its own: its signatures must be refused.
    pub(crate) fn with_wrong_secret(&self) -> AkSk {
        AkSk {
            access_key: self.access_key.clone(),
            secret_key: format!("{}-not-the-secret", self.secret_key),
            project_id: self.project_id.clone(),
        }
    }

    /// The headers that make `method url` a signed request at the current time.
    pub(crate) fn headers(&self, method: &str, url: &url::Url) -> Vec<(String, String)> {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        self.headers_at(method, url, &sdksign::sdk_date(now))
    }

    /// The signed headers for a fixed `X-Sdk-Date`: `X-Sdk-Date`, `X-Project-Id` (with a
    /// project) and `Authorization`. `Host` is signed as the client will send it.
    pub fn headers_at(&self, method: &str, url: &url::Url, date: &str) -> Vec<(String, String)> {
        let mut signed = vec![("Host".to_string(), host(url)), (sdksign::DATE_HEADER.to_string(), date.to_string())];
        if let Some(p) = &self.project_id {
            signed.push(("X-Project-Id".to_string(), p.clone()));
        }
        let req = sdksign::Request { method, path: url.path(), query: url.query(), headers: &signed, body: b"" };
        let authorization = sdksign::authorization(&self.access_key, self.secret_key.as_bytes(), &req).expect("the date header is present");
        // `Host` stays with the HTTP client, which writes the same value.
        signed.remove(0);
        signed.push(("Authorization".to_string(), authorization));
        signed
    }
}

/// The `Host` header an HTTP client writes for `url`: the port only when it is not the default.
fn host(url: &url::Url) -> String {
    let h = url.host_str().unwrap_or("");
    match url.port() {
        Some(p) => format!("{h}:{p}"),
        None => h.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_carry_date_project_and_signature_but_never_the_secret() {
        let a = AkSk::new("AKID".into(), "very-secret-key".into(), Some("p1".into()));
        let url = url::Url::parse("http://127.0.0.1:8080/v2/cloudimages?limit=2").unwrap();
        let h = a.headers_at("GET", &url, "20260102T030405Z");
        let names: Vec<&str> = h.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["X-Sdk-Date", "X-Project-Id", "Authorization"]);
        let auth = &h[2].1;
        assert!(auth.starts_with("SDK-HMAC-SHA256 Access=AKID, SignedHeaders=host;x-project-id;x-sdk-date, Signature="), "{auth}");
        assert!(!format!("{h:?}{a:?}").contains("very-secret-key"));
        // The date is signed: another second, another signature.
        assert_ne!(h, a.headers_at("GET", &url, "20260102T030406Z"));
    }

    #[test]
    fn default_ports_are_not_part_of_host() {
        assert_eq!(host(&url::Url::parse("https://ims.example.com:443/x").unwrap()), "ims.example.com");
        assert_eq!(host(&url::Url::parse("http://[::1]:9/x").unwrap()), "[::1]:9");
    }
}
