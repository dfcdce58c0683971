//! Tenancy mode: the projects and identities the server knows, and who a request comes from.
//!
//! With tenancy on, every listing request must carry the `X-Auth-Token` of a known identity,
//! or be signed (`SDK-HMAC-SHA256`) with an identity's access key, as Huawei Cloud's API
//! gateway takes either; the endpoints then list what that identity's project may see (see
//! `listing::view`). Without credentials, or with ones the server does not know, each API
//! answers 401 in the shape its upstream's authentication layer uses. The version documents
//! stay open, as upstream.

use axum::http::{HeaderMap, Method, Uri};

use crate::api::family::Api;
use crate::api::reply::{self, Reply};
use crate::catalog::generate::hex_id;
use crate::listing::view::{Viewer, CALLER};
use crate::signature::{self, AkSk};

/// An identity the server accepts in tenancy mode: a test token of a local server, not a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// `alice`, `bob` or `admin`.
    pub name: String,
    /// Sent as `X-Auth-Token`.
    pub token: String,
    /// The hex project id the token is scoped to (`{project_id}` of the Nova path).
    pub project_id: String,
    /// Sees what the docs say an administrator sees.
    pub admin: bool,
    /// The access key of the identity's AK/SK pair (requests signed `SDK-HMAC-SHA256`).
    pub access_key: String,
    /// The secret key of that pair.
    pub secret_key: String,
}

/// An identity with what it views.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tenant {
    pub(crate) identity: Identity,
    pub(crate) viewer: Viewer,
    keys: AkSk,
}

/// The parts of a request that say who sent it.
pub(crate) struct Asked {
    pub(crate) method: Method,
    pub(crate) uri: Uri,
    pub(crate) headers: HeaderMap,
}

/// The catalogue's owner index of each identity's project: alice is the calling project of
/// a server without tenancy (owner 1, `Running::project_id`), bob owns images of owner 2, and
/// the administrator belongs to the platform project that publishes the public images.
const PEOPLE: [(&str, u8, bool); 3] = [("alice", 1, false), ("bob", 2, false), ("admin", 0, true)];

/// Keep the credentials apart from the project ids derived from the same seed.
const TOKEN_SALT: u64 = 0x70_6b_65_6e;
const AK_SALT: u64 = 0x61_6b;
const SK_SALT: u64 = 0x73_6b;

/// The identities of a server started with `seed`: the same seed, the same credentials.
/// A key pair given for AK/SK mode is alice's.
pub(crate) fn identities(seed: u64, alice_keys: Option<AkSk>) -> Vec<Tenant> {
    PEOPLE
        .iter()
        .enumerate()
        .map(|(i, (name, owner, admin))| {
            let which = i as u64 + 11;
            let mut identity = Identity {
                name: (*name).to_owned(),
                token: format!("tok-{name}-{}", hex_id(seed ^ TOKEN_SALT, which)),
                project_id: hex_id(seed, u64::from(*owner)),
                admin: *admin,
                // Huawei Cloud's access keys are 20 upper-case characters, secret keys 40.
                access_key: hex_id(seed ^ AK_SALT, which)[..20].to_ascii_uppercase(),
                secret_key: hex_id(seed ^ SK_SALT, which) + &hex_id(seed ^ SK_SALT, which + 100)[..8],
            };
            if let (Some(keys), CALLER) = (&alice_keys, *owner) {
                identity.access_key.clone_from(&keys.access_key);
                identity.secret_key.clone_from(&keys.secret_key);
            }
            let viewer = if *admin { Viewer::Admin } else { Viewer::Project(*owner) };
            let keys = AkSk { access_key: identity.access_key.clone(), secret_key: identity.secret_key.clone() };
            Tenant { identity, viewer, keys }
        })
        .collect()
}

/// The administrator among the identities.
pub(crate) fn admin(known: &[Tenant]) -> &Identity {
    &known.iter().find(|t| t.identity.admin).expect("tenancy has an administrator").identity
}

/// Why a request is not authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    NoToken,
    UnknownToken,
    /// Signed, but not with an identity's key pair, or not correctly.
    BadSignature(&'static str),
}

/// The identity whose token the request carries, or whose key pair signed it.
pub(crate) fn authenticate<'a>(known: &'a [Tenant], asked: &Asked) -> Result<&'a Tenant, Refusal> {
    if let Some(access) = signature::signed_with(&asked.headers) {
        let access = access.map_err(Refusal::BadSignature)?;
        let tenant = known.iter().find(|t| t.keys.access_key == access).ok_or(Refusal::BadSignature("unknown access key"))?;
        signature::check(&tenant.keys, &asked.method, &asked.uri, &asked.headers).map_err(Refusal::BadSignature)?;
        return Ok(tenant);
    }
    let token = asked.headers.get("x-auth-token").ok_or(Refusal::NoToken)?;
    known.iter().find(|t| t.identity.token.as_bytes() == token.as_bytes()).ok_or(Refusal::UnknownToken)
}

/// The 401 each API's upstream answers: Huawei Cloud's API gateway in front of IMS (the same
/// `APIGW.0301` the AK/SK mode answers), keystonemiddleware in front of Nova and Glance.
pub(crate) fn unauthorized(api: Api, why: Refusal) -> Reply {
    let body = match (api, why) {
        // Signatures are the gateway's to check, whichever API is behind it.
        (_, Refusal::BadSignature(why)) => reply::apigw_unauthorized(why),
        (Api::Cloudimages, Refusal::NoToken) => reply::apigw_unauthorized("x-auth-token not found"),
        (Api::Cloudimages, Refusal::UnknownToken) => reply::apigw_unauthorized("decrypt token fail"),
        // keystonemiddleware words both cases the same.
        (Api::Nova | Api::GlanceV1 | Api::GlanceV2, _) => reply::keystone_unauthorized(),
    };
    Reply { status: 401, content_type: reply::JSON, body }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_identities_deterministic_from_the_seed() {
        let a: Vec<Identity> = identities(1, None).into_iter().map(|t| t.identity).collect();
        let names: Vec<&str> = a.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["alice", "bob", "admin"]);
        assert_eq!(a[0].project_id, crate::catalog::generate::project_id(1), "alice is the calling project");
        assert_eq!(identities(1, None), identities(1, None));
        assert_ne!(a[0].token, identities(2, None)[0].identity.token);
        let admins: Vec<bool> = a.iter().map(|i| i.admin).collect();
        assert_eq!(admins, [false, false, true]);
        let mut tokens: Vec<&str> = a.iter().flat_map(|i| [i.token.as_str(), i.access_key.as_str()]).collect();
        tokens.sort_unstable();
        tokens.dedup();
        assert_eq!(tokens.len(), 6);
        assert!(a.iter().all(|i| i.access_key.len() == 20 && i.secret_key.len() == 40));
    }

    #[test]
    fn a_request_is_its_tokens_identity() {
        let known = identities(1, None);
        let mut asked = Asked { method: Method::GET, uri: Uri::from_static("/v2/images"), headers: HeaderMap::new() };
        assert_eq!(authenticate(&known, &asked).err(), Some(Refusal::NoToken));
        asked.headers.insert("x-auth-token", "tok-alice-0".parse().unwrap());
        assert_eq!(authenticate(&known, &asked).err(), Some(Refusal::UnknownToken));
        asked.headers.insert("x-auth-token", known[1].identity.token.parse().unwrap());
        assert_eq!(authenticate(&known, &asked).unwrap().identity.name, "bob");
        asked
            .headers
            .insert("authorization", "SDK-HMAC-SHA256 Access=AKNOBODY, SignedHeaders=host;x-sdk-date, Signature=00".parse().unwrap());
        assert_eq!(authenticate(&known, &asked).err(), Some(Refusal::BadSignature("unknown access key")), "a signature wins over a token");
    }

    #[test]
    fn unauthorized_bodies_follow_each_upstream() {
        let ims: serde_json::Value = serde_json::from_str(&unauthorized(Api::Cloudimages, Refusal::NoToken).body).unwrap();
        assert_eq!(ims["error_code"], "APIGW.0301");
        let signed: serde_json::Value =
            serde_json::from_str(&unauthorized(Api::GlanceV2, Refusal::BadSignature("signature mismatch")).body).unwrap();
        assert_eq!(signed["error_code"], "APIGW.0301", "the gateway checks signatures for every API");
        for api in [Api::Nova, Api::GlanceV1, Api::GlanceV2] {
            let reply = unauthorized(api, Refusal::UnknownToken);
            assert_eq!(reply.status, 401);
            let v: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
            assert_eq!(v["error"]["code"], 401);
            assert_eq!(v["error"]["title"], "Unauthorized");
        }
    }
}
