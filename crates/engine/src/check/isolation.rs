//! Who may see what, judged from the listings each identity was given: pure functions of what
//! the walks saw. Each finding names the image, the identity that saw it (or did not), whose it
//! is, and the request as a `curl` with the credentials left as a shell variable.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

use crate::verdict::{CheckId, Finding};

/// An image as one identity's walk saw it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Seen {
    pub id: String,
    /// Its owner, where the listing shows it.
    pub owner: Option<String>,
    /// Its visibility read as Glance's (`public`, `private`, `shared`, `community`).
    pub visibility: Option<String>,
    /// The request that listed it (redacted URL) and its exchange in the case.
    pub url: String,
    pub exchange: usize,
}

/// The request of `url` as `identity` sends it: a `curl` whose credentials are a shell variable.
pub(crate) fn curl(identity: &str, url: &str) -> String {
    if identity.is_empty() {
        return format!("curl -H \"X-Auth-Token: $SPECGATE_TOKEN\" '{url}'");
    }
    let var: String = identity.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect();
    format!("curl -H \"X-Auth-Token: $SPECGATE_TOKEN_{var}\" '{url}'")
}

/// Images of `hidden` (id → whose) that `viewer`'s listing `seen` holds anyway: one finding a
/// leaked image, `check` naming the rule, `how` what was asked (`default listing`, a filter).
pub(crate) fn leaks(check: CheckId, hidden: &BTreeMap<String, String>, viewer: &str, seen: &[Seen], how: &str) -> Vec<Finding> {
    let mut reported = BTreeSet::new();
    let mut out = Vec::new();
    for s in seen {
        let Some(whose) = hidden.get(&s.id) else { continue };
        if !reported.insert(s.id.clone()) {
            continue;
        }
        let message = format!("image {} ({whose}) was listed to `{viewer}` ({how}): `{}`", s.id, curl(viewer, &s.url));
        let actual = json!({"id": s.id, "owner": s.owner, "visibility": s.visibility, "listed_to": viewer});
        out.push(Finding::new(check, "", json!(format!("not listed to `{viewer}`")), actual, message).on(s.exchange));
    }
    out
}

/// Images of `expected` (id → who else sees it) that `viewer`'s listing `seen` lacks: one
/// finding a missing image; `request` is the first page of `viewer`'s listing.
pub(crate) fn missing(
    check: CheckId,
    expected: &BTreeMap<String, String>,
    viewer: &str,
    seen: &[Seen],
    request: Option<(&str, usize)>,
) -> Vec<Finding> {
    let have: BTreeSet<&str> = seen.iter().map(|s| s.id.as_str()).collect();
    let mut out = Vec::new();
    for (id, why) in expected.iter().filter(|(id, _)| !have.contains(id.as_str())) {
        let shown = request.map(|(url, _)| format!(": `{}`", curl(viewer, url))).unwrap_or_default();
        let message = format!("image {id} ({why}) was not listed to `{viewer}`{shown}");
        let mut f = Finding::new(check, "", json!(format!("listed to `{viewer}`")), json!({"id": id, "missing_for": viewer}), message);
        f.exchange = request.map(|(_, i)| i);
        out.push(f);
    }
    out
}

/// A listing asked `how` (without credentials, with a bad token, …) that did not answer 401.
pub(crate) fn not_refused(how: &str, status: Option<u16>, url: &str, exchange: usize) -> Option<Finding> {
    if status == Some(401) {
        return None;
    }
    let shown = status.map_or("no answer".to_string(), |s| format!("HTTP {s}"));
    let message = format!("a request {how} was answered {shown}, not 401: `curl '{url}'`");
    Some(Finding::new(CheckId::IsolationUnauthenticated, "", json!(401), json!(status), message).on(exchange))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(id: &str) -> Seen {
        Seen {
            id: id.into(),
            owner: Some("p2".into()),
            visibility: Some("private".into()),
            url: "http://h/v2/images?limit=1000".into(),
            exchange: 3,
        }
    }

    #[test]
    fn a_leaked_private_image_names_the_image_the_viewer_the_owner_and_the_request() {
        let hidden = BTreeMap::from([("img-1".to_string(), "private image of `bob` (project p2)".to_string())]);
        let f = leaks(CheckId::IsolationPrivate, &hidden, "alice", &[seen("img-0"), seen("img-1"), seen("img-1")], "default listing");
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].message,
            "image img-1 (private image of `bob` (project p2)) was listed to `alice` (default listing): `curl -H \"X-Auth-Token: $SPECGATE_TOKEN_ALICE\" 'http://h/v2/images?limit=1000'`"
        );
        assert_eq!(f[0].exchange, Some(3));
    }

    #[test]
    fn a_public_image_missing_for_one_identity_is_a_finding() {
        let expected = BTreeMap::from([("pub-1".to_string(), "public, listed to `alice`".to_string())]);
        assert!(missing(CheckId::IsolationPublic, &expected, "bob", &[seen("pub-1")], None).is_empty());
        let f = missing(CheckId::IsolationPublic, &expected, "bob", &[], Some(("http://h/x", 0)));
        assert_eq!(f.len(), 1);
        assert!(f[0].message.starts_with("image pub-1 (public, listed to `alice`) was not listed to `bob`"), "{}", f[0].message);
    }

    #[test]
    fn only_401_refuses() {
        assert!(not_refused("without credentials", Some(401), "http://h/x", 0).is_none());
        assert!(not_refused("without credentials", Some(200), "http://h/x", 0).is_some());
        assert!(not_refused("with a bad token", Some(403), "http://h/x", 0).is_some());
    }
}
