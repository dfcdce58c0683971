//! Running an equivalence case: walk each listing through one session (one request
//! budget for the whole case), then hand the items to `check::equivalence`.

use std::collections::BTreeSet;

use super::branch::branches;
use super::invariant::{changed_between, full_listing};
use super::session::Session;
use crate::check::equivalence::{same_field, same_ids, same_order, Listed, View};
use crate::check::item_ids::{IdList, Key};
use crate::check::pages::id_of;
use crate::plan::equivalence::{EquivCase, EquivCheck, ListingPlan};
use crate::plan::merge_query;
use crate::spec::model::Query;
use crate::verdict::{CheckId, Conclusion, Shift};

/// An equivalence case. Its ids check runs as each of the run's identities in turn: each
/// identity's view must be one catalogue through both listings, whatever that view holds.
pub(crate) async fn run<'a>(case: &'a EquivCase, session: &mut Session<'a>) -> Conclusion {
    let identities = session.ctx.identities.len();
    if case.check != EquivCheck::Ids || identities < 2 {
        return compare(case, session).await;
    }
    let first = session.identity;
    let mut findings = Vec::new();
    let mut ended = None;
    for identity in 0..identities {
        session.identity = identity;
        match compare(case, session).await {
            Conclusion::Pass => {}
            Conclusion::Fail(found) => {
                let who = session.identity_name().to_string();
                findings.extend(found.into_iter().map(|mut f| {
                    f.message = format!("as {who}: {}", f.message);
                    f
                }));
            }
            other => {
                ended = Some(other);
                break;
            }
        }
    }
    session.identity = first;
    match ended {
        Some(Conclusion::Error(why, mut before)) => {
            before.splice(0..0, findings);
            Conclusion::Error(why, before)
        }
        Some(other) if findings.is_empty() => other,
        _ if findings.is_empty() => Conclusion::Pass,
        _ => Conclusion::Fail(findings),
    }
}

/// Walk both listings as the session's identity and compare what they show.
async fn compare<'a>(case: &'a EquivCase, session: &mut Session<'a>) -> Conclusion {
    let block = case.catalogue.block();
    let none = Query::new();
    let (qa, qb) = match &case.check {
        EquivCheck::Filter(i) => {
            let f = &block.filters[*i].value;
            (&f.listings[&case.a.name], &f.listings[&case.b.name])
        }
        _ => (&none, &none),
    };
    // The two listings at once; each branch lists with its own spec and target.
    let both = branches(session, [(&case.a, qa), (&case.b, qb)], |mut session, (plan, extra)| async move {
        let view = listing(&mut session, plan, extra).await;
        (session, view)
    })
    .await;
    let [a, b] = <[_; 2]>::try_from(both).unwrap_or_else(|_| unreachable!("two branches, two views"));
    let (a, b) = match (a, b) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(c), _) | (_, Err(c)) => return c,
    };
    // The first listing again: if its ids moved, the catalogue changed under the walks and a
    // difference proves nothing.
    // Sent again, not answered from the first listing: the point is to see it now.
    let fresh = std::mem::replace(&mut session.fresh, true);
    let again = listing(session, &case.a, qa).await;
    session.fresh = fresh;
    let again = match again {
        Ok(v) => v,
        Err(c) => return c,
    };
    let ids = |v: &View| v.items.iter().map(|l| Key::new(&l.id)).collect::<Vec<_>>();
    if let Some(skip) = changed_between(&IdList::new(ids(&a)), ids(&again)) {
        return skip;
    }
    let finding = match &case.check {
        EquivCheck::Ids => same_ids(&a, &b, CheckId::EquivalenceIds, "in the declared scopes"),
        EquivCheck::Field(i) => {
            let m = &block.fields[*i].value;
            same_field(&m.name, m.compare, (&a, &m.listings[&case.a.name]), (&b, &m.listings[&case.b.name]))
        }
        EquivCheck::Order => {
            let Some((key, dir, field)) = default_sort(&case.a) else {
                return Conclusion::Skip("no default sort declared".into());
            };
            same_order(&a, &b, &field, &format!("{key} {}", dir.as_str()))
        }
        EquivCheck::Filter(i) => {
            let name = &block.filters[*i].value.name;
            same_ids(&a, &b, CheckId::EquivalenceFilter, &format!("filter `{name}`"))
        }
    };
    match finding {
        Some(f) => Conclusion::Fail(vec![f]),
        None if a.items.is_empty() && b.items.is_empty() && case.check != EquivCheck::Ids => {
            Conclusion::Skip("neither door lists any image here: nothing to compare".into())
        }
        None => Conclusion::Pass,
    }
}

fn default_sort(listing: &ListingPlan) -> Option<(String, crate::spec::model::Direction, String)> {
    let sort = listing.spec.file.pagination.as_ref()?.value.sort.as_ref()?;
    let key = sort.default_key.clone()?;
    let field = sort.keys.get(&key)?.field.clone();
    Some((key, sort.default_dir?, field))
}

/// One listing's full listing in its scope (plus `extra`), with the page each item came from.
async fn listing<'a>(session: &mut Session<'a>, listing: &'a ListingPlan, extra: &Query) -> Result<View, Conclusion> {
    session.spec = &listing.spec;
    session.target = &listing.target;
    let p = &listing.spec.file.pagination.as_ref().expect("listings are planned only with a pagination block").value;
    let mut items = Vec::new();
    let mut seen = BTreeSet::new();
    let mut first = None;
    for (n, also) in std::iter::once(&Query::new()).chain(&listing.include).enumerate() {
        let mut q: Query = listing.spec.file.request.query.clone();
        for over in [&p.query, &listing.scope, also, extra] {
            for (k, v) in over {
                q.insert(k.clone(), v.clone());
            }
        }
        let w = full_listing(session, p, merge_query(&q, &Query::new())).await?;
        first = first.or_else(|| w.pages.first().map(|pg| (format!("GET {}", pg.url), pg.exchange)));
        for page in &w.pages {
            let request = format!("GET {}", page.url);
            for item in &page.items {
                let Some(id) = id_of(item, &listing.id) else { continue };
                if listing.exclude.iter().any(|x| excluded(item, x)) {
                    continue;
                }
                // A repeated id is the listing's own paging problem (its pagination cases judge it).
                if seen.insert(id.clone()) {
                    items.push(Listed { id, item: item.clone(), request: request.clone(), exchange: page.exchange, ranked: n == 0 });
                }
            }
        }
    }
    let asked = {
        let mut shown: Vec<String> = merge_query(&listing.scope, extra).iter().map(|(k, v)| format!("{k}={v}")).collect();
        for also in &listing.include {
            shown.push(format!(
                "+ {}",
                merge_query(also, &Query::new()).iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
            ));
        }
        if shown.is_empty() {
            "(all)".to_string()
        } else {
            shown.join(" ")
        }
    };
    Ok(View { listing: listing.name.clone(), asked, first, items })
}

/// Whether `item` is out of the pair's scope by `x`.
fn excluded(item: &serde_json::Value, x: &crate::spec::equivalence::Exclude) -> bool {
    let text = |v: &serde_json::Value| crate::check::pages::scalar_text(v).unwrap_or_else(|| v.to_string());
    item.pointer(&x.field).is_some_and(|v| x.values.iter().any(|w| text(w) == text(v)))
}

impl Shift for View {
    fn shift(&mut self, by: usize) {
        if let Some((_, i)) = &mut self.first {
            *i += by;
        }
        self.items.iter_mut().for_each(|l| l.exchange += by);
    }
}
