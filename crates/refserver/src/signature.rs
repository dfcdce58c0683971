//! AK/SK mode: every request must carry a valid `SDK-HMAC-SHA256` signature of the configured
//! key pair, as Huawei Cloud's API gateway demands; anything else is answered 401 in the
//! gateway's error shape, before any endpoint runs.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use specgate_sdksign as sdksign;

/// The one key pair the server accepts.
#[derive(Clone, PartialEq, Eq)]
pub struct AkSk {
    pub access_key: String,
    pub secret_key: String,
}

impl std::fmt::Debug for AkSk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AkSk").field("access_key", &self.access_key).finish_non_exhaustive()
    }
}

/// How far `X-Sdk-Date` may be from the server's clock, as the gateway allows.
const MAX_SKEW_SECS: u64 = 15 * 60;

/// The middleware in front of every route in AK/SK mode.
pub(crate) async fn verify(State(keys): State<Arc<AkSk>>, request: Request, next: Next) -> Response {
    match check(&keys, request.method(), request.uri(), request.headers()) {
        Ok(()) => next.run(request).await,
        Err(why) => unauthorized(why),
    }
}

/// The access key of a request signed `SDK-HMAC-SHA256`; `None` when it carries no
/// `Authorization` header.
pub(crate) fn signed_with(headers: &HeaderMap) -> Option<Result<&str, &'static str>> {
    let value = headers.get(header::AUTHORIZATION)?;
    let Ok(text) = value.to_str() else { return Some(Err("Authorization is not text")) };
    Some(sdksign::parse_authorization(text).map(|auth| auth.access).ok_or("Authorization is not SDK-HMAC-SHA256"))
}

/// Whether a request for `uri` with these headers is signed with `keys`.
pub(crate) fn check(keys: &AkSk, method: &Method, uri: &Uri, headers: &HeaderMap) -> Result<(), &'static str> {
    let value = headers.get(header::AUTHORIZATION).ok_or("no Authorization header")?;
    let auth = sdksign::parse_authorization(value.to_str().map_err(|_| "Authorization is not text")?)
        .ok_or("Authorization is not SDK-HMAC-SHA256")?;
    if auth.access != keys.access_key {
        return Err("unknown access key");
    }
    if !auth.signed_headers.contains(&"host") || !auth.signed_headers.contains(&"x-sdk-date") {
        return Err("Host and X-Sdk-Date must be signed");
    }
    let mut signed = Vec::with_capacity(auth.signed_headers.len());
    for name in &auth.signed_headers {
        let value = headers.get(*name).ok_or("a signed header is missing")?;
        // Header values outside ASCII are signed as their UTF-8 text.
        let text = String::from_utf8(value.as_bytes().to_vec()).map_err(|_| "a signed header is not UTF-8")?;
        signed.push((name.to_string(), text));
    }
    let date = signed.iter().find(|(k, _)| k == "x-sdk-date").map(|(_, v)| v.trim()).unwrap_or("");
    let at = sdksign::parse_sdk_date(date).ok_or("X-Sdk-Date is not YYYYMMDDTHHMMSSZ")?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    if at.abs_diff(now) > MAX_SKEW_SECS {
        return Err("X-Sdk-Date is more than 15 minutes off");
    }
    // The endpoints are all GET: no body is read, so the empty payload is what is signed.
    let req = sdksign::Request { method: method.as_str(), path: uri.path(), query: uri.query(), headers: &signed, body: b"" };
    let expected = sdksign::signature(keys.secret_key.as_bytes(), date, &sdksign::canonical_request(&req));
    if sdksign::same_signature(&expected, auth.signature) {
        Ok(())
    } else {
        Err("signature mismatch")
    }
}

fn unauthorized(why: &str) -> Response {
    let body = crate::api::reply::apigw_unauthorized(why);
    (StatusCode::UNAUTHORIZED, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}
