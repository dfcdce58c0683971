//! `SDK-HMAC-SHA256`: the AK/SK request signature of Huawei Cloud APIs, for signing (specgate)
//! and verifying (its reference server) with one implementation.
//!
//! The signature covers a *canonical request*:
//!
//! ```text
//! METHOD
//! canonical URI      path percent-decoded, each segment re-encoded (only A-Z a-z 0-9 - _ . ~ kept), ends with `/`
//! canonical query    (key, value) pairs decoded, sorted by key then value, re-encoded the same way, `k=v` joined by `&`
//! canonical headers  `name:value\n` for each signed header (lower-case name, trimmed value)
//! signed headers     lower-case names, sorted, joined by `;`
//! payload hash       hex SHA-256 of the body (of the empty string for no body)
//! ```
//!
//! The string to sign is `SDK-HMAC-SHA256\n{X-Sdk-Date}\n{hex SHA-256 of the canonical request}`,
//! the signature is the hex HMAC-SHA256 of it keyed with the secret key, and the request carries
//! `Authorization: SDK-HMAC-SHA256 Access={AK}, SignedHeaders={names}, Signature={hex}`.
//! `X-Sdk-Date` is `YYYYMMDDTHHMMSSZ` (UTC) and is itself signed, so a signature is valid for one
//! date only: a retried request is signed again.

mod canonical;
mod date;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

pub use canonical::{canonical_query, canonical_uri};
pub use date::{parse_sdk_date, sdk_date};

/// The algorithm name, as it appears in `Authorization`.
pub const ALGORITHM: &str = "SDK-HMAC-SHA256";
/// The header carrying the signing time.
pub const DATE_HEADER: &str = "X-Sdk-Date";

/// A request as the signature sees it.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub method: &'a str,
    /// The path as sent on the wire (percent-encoded or not: it is decoded first).
    pub path: &'a str,
    /// The raw query string without `?`, if any.
    pub query: Option<&'a str>,
    /// Every header that is signed, with its value as sent (names in any case).
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

/// The canonical request text the signature is computed over.
pub fn canonical_request(req: &Request<'_>) -> String {
    let mut headers: Vec<(String, &str)> = req.headers.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.trim())).collect();
    headers.sort_by(|a, b| a.0.cmp(&b.0));
    let mut canonical_headers = String::new();
    for (k, v) in &headers {
        canonical_headers.push_str(k);
        canonical_headers.push(':');
        canonical_headers.push_str(v);
        canonical_headers.push('\n');
    }
    let signed: Vec<&str> = headers.iter().map(|(k, _)| k.as_str()).collect();
    format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        req.method.to_ascii_uppercase(),
        canonical_uri(req.path),
        canonical_query(req.query.unwrap_or("")),
        canonical_headers,
        signed.join(";"),
        hex::encode(Sha256::digest(req.body)),
    )
}

/// The hex signature of a canonical request made at `date` (`YYYYMMDDTHHMMSSZ`).
pub fn signature(secret_key: &[u8], date: &str, canonical_request: &str) -> String {
    let string_to_sign = format!("{ALGORITHM}\n{date}\n{}", hex::encode(Sha256::digest(canonical_request.as_bytes())));
    let mut mac = Hmac::<Sha256>::new_from_slice(secret_key).expect("HMAC takes a key of any length");
    mac.update(string_to_sign.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The lower-case, sorted, `;`-joined names of the signed headers.
pub fn signed_header_names(headers: &[(String, String)]) -> String {
    let mut names: Vec<String> = headers.iter().map(|(k, _)| k.to_ascii_lowercase()).collect();
    names.sort();
    names.join(";")
}

/// Signs `req`, whose headers must include `X-Sdk-Date` (and normally `Host`), and returns the
/// `Authorization` value.
///
/// Returns `None` when the request carries no `X-Sdk-Date`.
pub fn authorization(access_key: &str, secret_key: &[u8], req: &Request<'_>) -> Option<String> {
    let date = req.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(DATE_HEADER))?.1.trim();
    let sig = signature(secret_key, date, &canonical_request(req));
    Some(format!("{ALGORITHM} Access={access_key}, SignedHeaders={}, Signature={sig}", signed_header_names(req.headers)))
}

/// The parts of an `Authorization: SDK-HMAC-SHA256 …` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization<'a> {
    pub access: &'a str,
    pub signed_headers: Vec<&'a str>,
    pub signature: &'a str,
}

/// Parses an `Authorization` value; `None` if it is not an `SDK-HMAC-SHA256` one.
pub fn parse_authorization(value: &str) -> Option<Authorization<'_>> {
    let rest = value.trim().strip_prefix(ALGORITHM)?.strip_prefix(' ')?;
    let (mut access, mut signed, mut sig) = (None, None, None);
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        match k {
            "Access" => access = Some(v),
            "SignedHeaders" => signed = Some(v),
            "Signature" => sig = Some(v),
            _ => return None,
        }
    }
    let signed_headers: Vec<&str> = signed?.split(';').filter(|s| !s.is_empty()).collect();
    Some(Authorization { access: access?, signed_headers, signature: sig? })
}

/// Compares two signatures in time independent of where they differ.
pub fn same_signature(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(date: &str) -> Vec<(String, String)> {
        vec![("Host".into(), "ims.example.com".into()), ("X-Sdk-Date".into(), date.into())]
    }

    #[test]
    fn canonical_request_has_six_parts_in_order() {
        let h = headers("20260102T030405Z");
        let req = Request { method: "get", path: "/v2/cloudimages", query: Some("limit=2&__isregistered=true"), headers: &h, body: b"" };
        assert_eq!(
            canonical_request(&req),
            "GET\n/v2/cloudimages/\n__isregistered=true&limit=2\nhost:ims.example.com\nx-sdk-date:20260102T030405Z\n\nhost;x-sdk-date\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn authorization_round_trips_through_the_parser() {
        let h = headers("20260102T030405Z");
        let req = Request { method: "GET", path: "/v2/images", query: None, headers: &h, body: b"" };
        let value = authorization("AKEXAMPLE", b"secret", &req).unwrap();
        let parsed = parse_authorization(&value).unwrap();
        assert_eq!(parsed.access, "AKEXAMPLE");
        assert_eq!(parsed.signed_headers, ["host", "x-sdk-date"]);
        assert_eq!(parsed.signature, signature(b"secret", "20260102T030405Z", &canonical_request(&req)));
        assert!(parse_authorization("Bearer abc").is_none());
        assert!(parse_authorization("SDK-HMAC-SHA256 Access=a, Bogus=b").is_none());
    }

    #[test]
    fn any_change_changes_the_signature() {
        let h = headers("20260102T030405Z");
        let base = Request { method: "GET", path: "/v2/images", query: Some("limit=2"), headers: &h, body: b"" };
        let sig = |r: &Request<'_>| signature(b"sk", "20260102T030405Z", &canonical_request(r));
        let s0 = sig(&base);
        assert_ne!(s0, sig(&Request { query: Some("limit=3"), ..base }));
        assert_ne!(s0, sig(&Request { path: "/v2/image", ..base }));
        assert_ne!(s0, sig(&Request { method: "HEAD", ..base }));
        let other = headers("20260102T030406Z");
        assert_ne!(s0, sig(&Request { headers: &other, ..base }));
        assert!(same_signature(&s0, &sig(&base)));
        assert!(!same_signature(&s0, &s0[1..]));
    }
}
