//! Version discovery documents, so that OpenStack clients (keystoneauth, openstacksdk), which
//! look one up before their first call, accept the server: the image API's at `/v2`, the
//! compute API's at `/v2.1` (and at the project-scoped `/v2.1/{project_id}` they are configured
//! with), and both families at `/`, in the shapes Glance and Nova use.

use serde_json::{json, Value};

use super::reply::{Reply, JSON};

/// The newest Glance v2 minor version the image endpoints follow.
const GLANCE: &str = "v2.17";

fn glance(base: &str) -> Value {
    json!({"id": GLANCE, "status": "CURRENT", "links": [{"rel": "self", "href": format!("{base}/v2/")}]})
}

fn nova(base: &str) -> Value {
    // The image proxy API exists up to microversion 2.35; the server claims no more than that.
    json!({"id": "v2.1", "status": "CURRENT", "version": "2.35", "min_version": "2.1", "updated": "2013-07-23T11:33:21Z",
           "links": [{"rel": "self", "href": format!("{base}/v2.1/")}],
           "media-types": [{"base": "application/json", "type": "application/vnd.openstack.compute+json;version=2.1"}]})
}

/// `GET /`: every version, with 300 Multiple Choices as Glance answers.
pub(crate) fn root(base: &str) -> Reply {
    Reply { status: 300, content_type: JSON, body: json!({"versions": [glance(base), nova(base)]}).to_string() }
}

/// `GET /v2`, `GET /v2/`.
pub(crate) fn image(base: &str) -> Reply {
    Reply { status: 200, content_type: JSON, body: json!({"versions": [glance(base)]}).to_string() }
}

/// `GET /v2.1`, `GET /v2.1/`, `GET /v2.1/{project_id}`.
pub(crate) fn compute(base: &str) -> Reply {
    Reply { status: 200, content_type: JSON, body: json!({"version": nova(base)}).to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_link_to_their_own_version() {
        let v: Value = serde_json::from_str(&image("http://h").body).unwrap();
        assert_eq!(v["versions"][0]["links"][0]["href"], "http://h/v2/");
        let v: Value = serde_json::from_str(&compute("http://h").body).unwrap();
        assert_eq!(v["version"]["id"], "v2.1");
        assert_eq!(root("http://h").status, 300);
    }
}
