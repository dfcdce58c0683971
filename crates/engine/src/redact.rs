//! Secrets never leave the process: every string that reaches a report goes through here.

use std::sync::Arc;

/// Query parameters whose values are credentials (compared case-insensitively).
const SECRET_PARAMS: &[&str] = &[
    "token",
    "auth_token",
    "x-auth-token",
    "signature",
    "x-amz-signature",
    "secret",
    "password",
    "access_key",
    "secret_key",
    "ak",
    "sk",
    "api_key",
    "apikey",
];

/// Headers whose values are credentials.
pub fn is_secret_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n == "authorization"
        || n == "cookie"
        || n == "proxy-authorization"
        || n.contains("token")
        || n.contains("secret")
        || n.contains("api-key")
        || n.contains("apikey")
        || n.ends_with("-key")
}

/// The shell variable a reproduction names instead of a secret header's value:
/// `$SPECGATE_TOKEN` for the token (the variable `--token` also reads), `$SPECGATE_<NAME>`
/// for any other secret header.
pub(crate) fn placeholder(header: &str) -> String {
    if header.eq_ignore_ascii_case("x-auth-token") {
        return "$SPECGATE_TOKEN".into();
    }
    let name: String = header.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect();
    format!("$SPECGATE_{name}")
}

/// What masked secrets in URLs (`***`) become in a reproduction.
pub(crate) const URL_SECRET_PLACEHOLDER: &str = "$SPECGATE_URL_SECRET";

/// Replaces known secret values with `***`.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Arc<Vec<String>>,
}

impl Redactor {
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Redactor {
        // Very short values would redact ordinary text; they are still never printed on
        // purpose, since headers are not reported at all.
        let mut s: Vec<String> = secrets.into_iter().filter(|s| s.len() >= 4).collect();
        s.sort_by_key(|x| std::cmp::Reverse(x.len()));
        s.dedup();
        Redactor { secrets: Arc::new(s) }
    }

    pub fn text(&self, s: &str) -> String {
        let mut out = s.to_string();
        for secret in self.secrets.iter() {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), "***");
            }
        }
        out
    }

    /// The URL as text, with secret query values and userinfo replaced.
    pub(crate) fn url(&self, url: &url::Url) -> String {
        let mut u = url.clone();
        if !u.username().is_empty() || u.password().is_some() {
            let _ = u.set_username("***");
            let _ = u.set_password(None);
        }
        if u.query().is_some() {
            let pairs: Vec<(String, String)> = u
                .query_pairs()
                .map(|(k, v)| {
                    let secret = SECRET_PARAMS.iter().any(|p| p.eq_ignore_ascii_case(&k));
                    (k.into_owned(), if secret { "***".to_string() } else { v.into_owned() })
                })
                .collect();
            u.query_pairs_mut().clear().extend_pairs(pairs);
        }
        self.text(u.as_str())
    }

    /// Redact every string inside a JSON value.
    pub(crate) fn json(&self, v: &mut serde_json::Value) {
        match v {
            serde_json::Value::String(s) => *s = self.text(s),
            serde_json::Value::Array(a) => a.iter_mut().for_each(|x| self.json(x)),
            serde_json::Value::Object(o) => o.values_mut().for_each(|x| self.json(x)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_values_are_replaced_everywhere() {
        let r = Redactor::new(["s3cr3t-token".to_string()]);
        assert_eq!(r.text("sent s3cr3t-token twice: s3cr3t-token"), "sent *** twice: ***");
        let mut v = serde_json::json!({"a": ["x s3cr3t-token"]});
        r.json(&mut v);
        assert_eq!(v, serde_json::json!({"a": ["x ***"]}));
    }

    #[test]
    fn credential_query_parameters_are_masked_but_sort_key_is_not() {
        let r = Redactor::default();
        let u = url::Url::parse("http://h/v2/images?sort_key=name&token=abc&limit=2").unwrap();
        assert_eq!(r.url(&u), "http://h/v2/images?sort_key=name&token=***&limit=2");
    }

    #[test]
    fn placeholders_name_the_environment_variable() {
        assert_eq!(placeholder("X-Auth-Token"), "$SPECGATE_TOKEN");
        assert_eq!(placeholder("Authorization"), "$SPECGATE_AUTHORIZATION");
        assert_eq!(placeholder("X-Api-Key"), "$SPECGATE_X_API_KEY");
    }

    #[test]
    fn secret_headers_are_recognised() {
        assert!(is_secret_header("X-Auth-Token"));
        assert!(is_secret_header("Authorization"));
        assert!(!is_secret_header("X-Project-Id"));
    }
}
