//! Running an isolation case: walk one listing as each identity of the run (and, for the
//! refusals, as nobody), learn whose images are whose from the listings that tell ownership,
//! then hand what each identity saw to `check::isolation`.

use std::collections::BTreeMap;

use serde_json::Value;

use super::invariant::full_listing;
use super::session::{Session, Stranger};
use crate::auth::Identity;
use crate::check::isolation::{leaks, missing, not_refused, Seen};
use crate::check::pages::{id_of, scalar_text};
use crate::plan::isolation::{IsoCase, IsoListing};
use crate::plan::merge_query;
use crate::spec::isolation::Rule;
use crate::spec::model::{Query, Relation};
use crate::verdict::{CheckId, Conclusion, Finding};

/// A token no server issued: sent to see it refused.
const BAD_TOKEN: &str = "specgate-not-a-token-0000000000000000";

pub(crate) async fn run<'a>(case: &'a IsoCase, session: &mut Session<'a>) -> Conclusion {
    let identities = session.ctx.identities.clone();
    let found = match case.rule {
        Rule::Private => private(case, session, &identities).await,
        Rule::Shared => shared(case, session, &identities).await,
        Rule::Public => public(case, session, &identities).await,
        Rule::Unauthenticated => unauthenticated(case, session, &identities).await,
        Rule::ProjectInPath => project_in_path(case, session, &identities).await,
        Rule::Admin => admin(case, session, &identities).await,
        Rule::SameCatalogue => Err(Conclusion::Skip("not derived".into())),
    };
    match found {
        Ok(f) if f.is_empty() => Conclusion::Pass,
        Ok(f) => Conclusion::Fail(f),
        Err(c) => c,
    }
}

/// The identities that are not admin, by index into the run's.
fn members(identities: &[Identity]) -> Vec<usize> {
    (0..identities.len()).filter(|i| !identities[*i].admin).collect()
}

/// How an identity is named in findings.
fn who(identities: &[Identity], i: usize) -> String {
    match identities[i].name.as_str() {
        "" => "the run's identity".into(),
        name => name.to_string(),
    }
}

fn need_two(identities: &[Identity]) -> Result<Vec<usize>, Conclusion> {
    let m = members(identities);
    if m.len() < 2 {
        return Err(Conclusion::Skip(format!("needs two identities that are not admin (--identity NAME=SOURCE); the run has {}", m.len())));
    }
    Ok(m)
}

/// `listing` walked in full as identity `i`, with `extra` over its scope.
async fn walk<'a>(session: &mut Session<'a>, listing: &'a IsoListing, i: usize, extra: &Query) -> Result<Vec<(Seen, Value)>, Conclusion> {
    session.spec = &listing.spec;
    session.target = &listing.target;
    session.identity = i;
    let p = &listing.spec.file.pagination.as_ref().expect("isolation listings are planned only with a pagination block").value;
    let mut q: Query = listing.spec.file.request.query.clone();
    for over in [&p.query, &listing.scope, extra] {
        for (k, v) in over {
            q.insert(k.clone(), v.clone());
        }
    }
    let w = full_listing(session, p, merge_query(&q, &Query::new())).await?;
    let mut out = Vec::new();
    for page in w.pages {
        for item in page.items {
            let Some(id) = id_of(&item, &listing.id) else { continue };
            let owner = listing.owner.as_deref().and_then(|o| item.pointer(o)).and_then(scalar_text);
            let visibility = listing.visibility.as_ref().and_then(|v| {
                let raw = item.pointer(&v.field).and_then(scalar_text)?;
                Some(v.map.get(&raw).cloned().unwrap_or(raw))
            });
            out.push((Seen { id, owner, visibility, url: page.url.clone(), exchange: page.exchange }, item));
        }
    }
    Ok(out)
}

fn seen_only(v: Vec<(Seen, Value)>) -> Vec<Seen> {
    v.into_iter().map(|(s, _)| s).collect()
}

/// The private images of identity `i`'s project (id → whose), read from every listing that
/// tells ownership, as `i` lists them.
async fn privates_of<'a>(
    case: &'a IsoCase,
    session: &mut Session<'a>,
    identities: &[Identity],
    i: usize,
) -> Result<BTreeMap<String, String>, Conclusion> {
    let mut out = BTreeMap::new();
    let name = who(identities, i);
    for l in case.listings.iter().filter(|l| l.tells_ownership()) {
        for (s, _) in walk(session, l, i, &Query::new()).await? {
            let own = match &identities[i].project_id {
                Some(p) => s.owner.as_deref() == Some(p.as_str()),
                None => true,
            };
            if own && s.visibility.as_deref() == Some("private") {
                let project = s.owner.clone().unwrap_or_default();
                out.entry(s.id).or_insert_with(|| format!("private image of `{name}`, project {project}"));
            }
        }
    }
    Ok(out)
}

/// A private image of one identity is never listed to another: the full listing, each
/// equality filter of the listing's spec at the image's own value, and each sort key.
async fn private<'a>(case: &'a IsoCase, session: &mut Session<'a>, identities: &[Identity]) -> Result<Vec<Finding>, Conclusion> {
    let members = need_two(identities)?;
    if !case.listings.iter().any(|l| l.tells_ownership()) {
        return Err(Conclusion::Skip("no listing of the isolation file shows owner and visibility".into()));
    }
    let listing = &*case.listing;
    let mut findings = Vec::new();
    let mut hidden_any = false;
    for &a in &members {
        let hidden = privates_of(case, session, identities, a).await?;
        if hidden.is_empty() {
            continue;
        }
        hidden_any = true;
        // The listing's own spelling of one of a's private images, for the filters' values.
        let own = walk(session, listing, a, &Query::new()).await?;
        let sample = own.into_iter().find(|(s, _)| hidden.contains_key(&s.id)).map(|(_, item)| item);
        let asks = asks(listing, sample.as_ref());
        for &b in members.iter().filter(|b| **b != a) {
            let viewer = who(identities, b);
            for (how, extra) in &asks {
                let seen = seen_only(walk(session, listing, b, extra).await?);
                findings.extend(leaks(CheckId::IsolationPrivate, &hidden, &viewer, &seen, how));
            }
        }
    }
    if !hidden_any {
        return Err(Conclusion::Skip("no identity lists a private image of its own: nothing to hide".into()));
    }
    Ok(findings)
}

/// What `private` asks the listing: the default listing, each equality filter of its spec at
/// the value `sample` holds (with the parameters the filter needs), each sort key.
fn asks(listing: &IsoListing, sample: Option<&Value>) -> Vec<(String, Query)> {
    let mut out = vec![("default listing".to_string(), Query::new())];
    let file = &listing.spec.file;
    if let (Some(filters), Some(item)) = (&file.filters, sample) {
        for f in &filters.value.params {
            let f = &f.value;
            if !matches!(f.relation, Relation::Equals | Relation::EqualsIgnoreCase | Relation::Boolean) {
                continue;
            }
            let Some(value) = item.pointer(&f.field).and_then(scalar_text) else { continue };
            let mut q = f.with.clone();
            q.insert(f.param.clone(), Some(crate::spec::model::QueryValue::One(crate::spec::model::Scalar::Str(value.clone()))));
            out.push((format!("filter {}={value}", f.param), q));
        }
    }
    if let Some(sort) = file.pagination.as_ref().and_then(|p| p.value.sort.as_ref()) {
        for key in sort.keys.keys() {
            let mut q = Query::new();
            q.insert(sort.key_param.clone(), Some(crate::spec::model::QueryValue::One(crate::spec::model::Scalar::Str(key.clone()))));
            out.push((format!("sorted by {key}"), q));
        }
    }
    out
}

/// A shared image an identity left pending or rejected is not in its default listing.
async fn shared<'a>(case: &'a IsoCase, session: &mut Session<'a>, identities: &[Identity]) -> Result<Vec<Finding>, Conclusion> {
    let listing = &*case.listing;
    let Some(ms) = &listing.member_status else { return Err(Conclusion::Skip("the listing cannot ask by member status".into())) };
    let members = members(identities);
    if members.is_empty() {
        return Err(Conclusion::Skip("the run has no identity that is not admin".into()));
    }
    let mut findings = Vec::new();
    let mut any = false;
    for &b in &members {
        let viewer = who(identities, b);
        let mut barred = BTreeMap::new();
        for status in ["pending", "rejected"] {
            let mut q = ms.with.clone();
            q.insert(ms.param.clone(), Some(crate::spec::model::QueryValue::One(crate::spec::model::Scalar::Str(status.into()))));
            for (s, _) in walk(session, listing, b, &q).await? {
                let theirs = identities[b].project_id.as_deref().is_some_and(|p| s.owner.as_deref() != Some(p));
                if theirs {
                    let owner = s.owner.clone().unwrap_or_default();
                    barred.entry(s.id).or_insert_with(|| format!("shared with `{viewer}` by project {owner}, member status {status}"));
                }
            }
        }
        if barred.is_empty() {
            continue;
        }
        any = true;
        let seen = seen_only(walk(session, listing, b, &Query::new()).await?);
        findings.extend(leaks(
            CheckId::IsolationShared,
            &barred,
            &viewer,
            &seen,
            "default listing, which lists accepted shared images only",
        ));
    }
    if !any {
        return Err(Conclusion::Skip("no identity has a shared image pending or rejected".into()));
    }
    Ok(findings)
}

/// Every public image any identity sees is listed to every identity.
async fn public<'a>(case: &'a IsoCase, session: &mut Session<'a>, identities: &[Identity]) -> Result<Vec<Finding>, Conclusion> {
    if identities.len() < 2 {
        return Err(Conclusion::Skip("needs two identities (--identity NAME=SOURCE); the run has one".into()));
    }
    let listing = &*case.listing;
    let mut views = Vec::new();
    let mut public = BTreeMap::new();
    for i in 0..identities.len() {
        let seen = seen_only(walk(session, listing, i, &Query::new()).await?);
        for s in seen.iter().filter(|s| s.visibility.as_deref() == Some("public")) {
            public.entry(s.id.clone()).or_insert_with(|| format!("public, listed to `{}`", who(identities, i)));
        }
        views.push(seen);
    }
    let mut findings = Vec::new();
    for (i, seen) in views.iter().enumerate() {
        let first = seen.first().map(|s| (s.url.as_str(), s.exchange));
        findings.extend(missing(CheckId::IsolationPublic, &public, &who(identities, i), seen, first));
    }
    Ok(findings)
}

/// No credentials, a bad token, and (with an AK/SK identity) a bad signature: each 401.
async fn unauthenticated<'a>(case: &'a IsoCase, session: &mut Session<'a>, identities: &[Identity]) -> Result<Vec<Finding>, Conclusion> {
    if identities.iter().all(|i| i.auth.is_none()) {
        return Err(Conclusion::Skip("the run sends no credentials, so a refusal of none proves nothing".into()));
    }
    let listing = &*case.listing;
    let mut strangers = vec![
        Stranger { label: "(no credentials)".into(), auth: crate::auth::Auth::default() },
        Stranger { label: "(bad token)".into(), auth: crate::auth::Auth::token(BAD_TOKEN.into()) },
    ];
    if let Some(bad) = identities.iter().find_map(|i| i.auth.wrong_signature()) {
        strangers.push(Stranger { label: "(bad signature)".into(), auth: bad });
    }
    session.spec = &listing.spec;
    session.target = &listing.target;
    let p = &listing.spec.file.pagination.as_ref().expect("planned with a pagination block").value;
    let mut q: Query = listing.spec.file.request.query.clone();
    for (k, v) in p.query.iter().chain(&listing.scope) {
        q.insert(k.clone(), v.clone());
    }
    let url = session.url(&merge_query(&q, &Query::new())).map_err(|e| Conclusion::Error(e, vec![]))?;
    let headers = session.headers(&BTreeMap::new());
    let mut findings = Vec::new();
    for stranger in strangers {
        let how = match stranger.label.as_str() {
            "(no credentials)" => "without credentials",
            "(bad token)" => "with a token no server issued",
            _ => "signed with a wrong secret key",
        };
        session.stranger = Some(stranger);
        let sent = session.send(url.clone(), headers.clone()).await;
        session.stranger = None;
        let i = sent.map_err(|e| Conclusion::Error(e.to_string(), vec![]))?;
        let ex = &session.exchanges[i];
        // No answer, or a server error, says nothing of the credentials: could not check.
        let unreadable = ex.status.is_some_and(|s| (200..300).contains(&s)) && ex.body.json().is_err();
        if ex.error.is_some() || ex.status.is_none_or(|s| s >= 500) || unreadable {
            let why = match &ex.error {
                Some(e) => e.to_string(),
                None if unreadable => format!("HTTP {} with a body that is not JSON", ex.status.unwrap_or(0)),
                None => format!("HTTP {}", ex.status.unwrap_or(0)),
            };
            return Err(Conclusion::Error(format!("the request {how} got no usable answer: {why}"), vec![]));
        }
        findings.extend(not_refused(how, ex.status, &ex.url, i));
    }
    Ok(findings)
}

/// Another project's id in the path: refused, or none of that project's private images.
async fn project_in_path<'a>(case: &'a IsoCase, session: &mut Session<'a>, identities: &[Identity]) -> Result<Vec<Finding>, Conclusion> {
    let members = need_two(identities)?;
    let listing = &*case.listing;
    let mut findings = Vec::new();
    for &b in &members {
        let Some(project) = identities[b].project_id.clone() else { continue };
        let hidden = privates_of(case, session, identities, b).await?;
        for &a in members.iter().filter(|a| **a != b) {
            if identities[a].project_id.as_deref() == Some(project.as_str()) {
                continue;
            }
            session.path_project = Some(project.clone());
            let walked = walk(session, listing, a, &Query::new()).await;
            session.path_project = None;
            // A refusal (any error status) is what the rule asks for.
            let Ok(seen) = walked else { continue };
            let viewer = who(identities, a);
            let how = format!("with project {project} of `{}` in the path", who(identities, b));
            findings.extend(leaks(CheckId::IsolationProjectInPath, &hidden, &viewer, &seen_only(seen), &how));
        }
    }
    Ok(findings)
}

/// An admin identity is listed every image any other identity is listed.
async fn admin<'a>(case: &'a IsoCase, session: &mut Session<'a>, identities: &[Identity]) -> Result<Vec<Finding>, Conclusion> {
    let admins: Vec<usize> = (0..identities.len()).filter(|i| identities[*i].admin).collect();
    let others = members(identities);
    if admins.is_empty() || others.is_empty() {
        return Err(Conclusion::Skip("needs an admin identity (`,admin`) and another one".into()));
    }
    let listing = &*case.listing;
    let mut everyone = BTreeMap::new();
    for &i in &others {
        // Glance lists community images to their owner only unless visibility is asked for,
        // administrators included: those are not what an administrator must see.
        let community = community_of(case, session, i).await?;
        for (s, _) in walk(session, listing, i, &Query::new()).await? {
            if !community.contains(&s.id) {
                everyone.entry(s.id).or_insert_with(|| format!("listed to `{}`", who(identities, i)));
            }
        }
    }
    let mut findings = Vec::new();
    for &a in &admins {
        let seen = seen_only(walk(session, listing, a, &Query::new()).await?);
        let first = seen.first().map(|s| (s.url.as_str(), s.exchange));
        findings.extend(missing(CheckId::IsolationAdmin, &everyone, &who(identities, a), &seen, first));
    }
    Ok(findings)
}

/// The community images identity `i` is listed, as the listings that tell visibility say.
async fn community_of<'a>(
    case: &'a IsoCase,
    session: &mut Session<'a>,
    i: usize,
) -> Result<std::collections::BTreeSet<String>, Conclusion> {
    let mut out = std::collections::BTreeSet::new();
    for l in case.listings.iter().filter(|l| l.visibility.is_some()) {
        let seen = walk(session, l, i, &Query::new()).await?;
        out.extend(seen.into_iter().filter(|(s, _)| s.visibility.as_deref() == Some("community")).map(|(s, _)| s.id));
    }
    Ok(out)
}
