//! Tenancy mode: the projects and identities the server knows, and who a request comes from.
//!
//! With tenancy on, every listing request must carry the `X-Auth-Token` of a known identity;
//! the endpoints then list what that identity's project may see (see `listing::view`). Without
//! a token, or with one the server does not know, each API answers 401 in the shape its
//! upstream's authentication layer uses. The version documents stay open, as upstream.

use axum::http::HeaderMap;

use crate::api::family::Api;
use crate::api::reply::{self, Reply};
use crate::catalog::generate::hex_id;
use crate::listing::view::Viewer;

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
}

/// The catalogue's owner index of each identity's project: alice is the calling project of
/// a server without tenancy (owner 1, `Running::project_id`), bob owns images of owner 2, and
/// the administrator belongs to the platform project that publishes the public images.
const PEOPLE: [(&str, u8, bool); 3] = [("alice", 1, false), ("bob", 2, false), ("admin", 0, true)];

/// Keeps the tokens apart from the project ids derived from the same seed.
const TOKEN_SALT: u64 = 0x70_6b_65_6e;

/// The identities of a server started with `seed`: the same seed, the same tokens.
pub(crate) fn identities(seed: u64) -> Vec<(Identity, Viewer)> {
    PEOPLE
        .iter()
        .enumerate()
        .map(|(i, (name, owner, admin))| {
            let identity = Identity {
                name: (*name).to_owned(),
                token: format!("tok-{name}-{}", hex_id(seed ^ TOKEN_SALT, i as u64 + 11)),
                project_id: hex_id(seed, u64::from(*owner)),
                admin: *admin,
            };
            let viewer = if *admin { Viewer::Admin } else { Viewer::Project(*owner) };
            (identity, viewer)
        })
        .collect()
}

/// The administrator among the identities.
pub(crate) fn admin(known: &[(Identity, Viewer)]) -> &Identity {
    &known.iter().find(|(identity, _)| identity.admin).expect("tenancy has an administrator").0
}

/// Why a request is not authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    NoToken,
    UnknownToken,
}

/// The identity whose token the request carries.
pub(crate) fn authenticate<'a>(known: &'a [(Identity, Viewer)], headers: &HeaderMap) -> Result<&'a (Identity, Viewer), Refusal> {
    let token = headers.get("x-auth-token").ok_or(Refusal::NoToken)?;
    known.iter().find(|(identity, _)| identity.token.as_bytes() == token.as_bytes()).ok_or(Refusal::UnknownToken)
}

/// The 401 each API's upstream answers: Huawei Cloud's API gateway in front of IMS (the same
/// `APIGW.0301` the AK/SK mode answers), keystonemiddleware in front of Nova and Glance.
pub(crate) fn unauthorized(api: Api, why: Refusal) -> Reply {
    let body = match api {
        Api::Cloudimages => reply::apigw_unauthorized(match why {
            Refusal::NoToken => "x-auth-token not found",
            Refusal::UnknownToken => "decrypt token fail",
        }),
        // keystonemiddleware words both cases the same.
        Api::Nova | Api::GlanceV1 | Api::GlanceV2 => reply::keystone_unauthorized(),
    };
    Reply { status: 401, content_type: reply::JSON, body }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_identities_deterministic_from_the_seed() {
        let a = identities(1);
        let names: Vec<&str> = a.iter().map(|(i, _)| i.name.as_str()).collect();
        assert_eq!(names, ["alice", "bob", "admin"]);
        assert_eq!(a[0].0.project_id, crate::catalog::generate::project_id(1), "alice is the calling project");
        assert_eq!(a, identities(1));
        assert_ne!(a[0].0.token, identities(2)[0].0.token);
        let admins: Vec<bool> = a.iter().map(|(i, _)| i.admin).collect();
        assert_eq!(admins, [false, false, true]);
        let mut tokens: Vec<&str> = a.iter().map(|(i, _)| i.token.as_str()).collect();
        tokens.dedup();
        assert_eq!(tokens.len(), 3);
    }

    #[test]
    fn a_request_is_its_tokens_identity() {
        let known = identities(1);
        let mut headers = HeaderMap::new();
        assert_eq!(authenticate(&known, &headers).err(), Some(Refusal::NoToken));
        headers.insert("x-auth-token", "tok-alice-0".parse().unwrap());
        assert_eq!(authenticate(&known, &headers).err(), Some(Refusal::UnknownToken));
        headers.insert("x-auth-token", known[1].0.token.parse().unwrap());
        assert_eq!(authenticate(&known, &headers).unwrap().0.name, "bob");
    }

    #[test]
    fn unauthorized_bodies_follow_each_upstream() {
        let ims: serde_json::Value = serde_json::from_str(&unauthorized(Api::Cloudimages, Refusal::NoToken).body).unwrap();
        assert_eq!(ims["error_code"], "APIGW.0301");
        for api in [Api::Nova, Api::GlanceV1, Api::GlanceV2] {
            let reply = unauthorized(api, Refusal::UnknownToken);
            assert_eq!(reply.status, 401);
            let v: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
            assert_eq!(v["error"]["code"], 401);
            assert_eq!(v["error"]["title"], "Unauthorized");
        }
    }
}
