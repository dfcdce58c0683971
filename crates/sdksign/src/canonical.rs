//! The canonical forms of the path and the query: decode what was sent, re-encode one way.

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Everything but the unreserved characters of RFC 3986 is encoded.
const ENCODED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

fn encode(s: &str) -> String {
    utf8_percent_encode(s, ENCODED).to_string()
}

/// The path decoded, each `/`-separated segment re-encoded (empty ones kept), ending in `/`.
///
/// A decoded `%2F` becomes a separator like a literal `/`: the signer on the other side sees
/// the same decoded text, so both agree.
pub fn canonical_uri(path: &str) -> String {
    let decoded = percent_decode_str(path).decode_utf8_lossy();
    let mut out: String = decoded.split('/').map(encode).collect::<Vec<_>>().join("/");
    if !out.ends_with('/') {
        out.push('/');
    }
    out
}

/// The query's `(key, value)` pairs decoded (`+` is a space), sorted by key then value (so
/// repeated keys keep all their values), each part re-encoded, joined as `k=v&k=v`.
pub fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    pairs.sort();
    pairs.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_keeps_empty_segments_and_encodes_reserved_and_non_ascii() {
        assert_eq!(canonical_uri("/v2//images"), "/v2//images/");
        assert_eq!(canonical_uri("/v2/images/"), "/v2/images/");
        assert_eq!(canonical_uri("/a%20b/caf%C3%A9/x:y"), "/a%20b/caf%C3%A9/x%3Ay/");
        assert_eq!(canonical_uri("/a b/~x"), "/a%20b/~x/");
    }

    #[test]
    fn query_sorts_repeated_keys_by_value() {
        assert_eq!(canonical_query("tag=b&tag=a&limit=2"), "limit=2&tag=a&tag=b");
        assert_eq!(canonical_query("name=a+b%2Fc&x"), "name=a%20b%2Fc&x=");
        assert_eq!(canonical_query(""), "");
    }
}
