//! The cases an isolation file stands for: each declared rule on each listing whose spec the
//! run loaded (`isolation.<rule>.<listing>`). Which identities a case compares is the run's
//! business (`run::isolation`): planning, like listing, needs no login.

use std::sync::Arc;

use super::{PlannedCase, Target, Work};
use crate::spec::equivalence::same_path;
use crate::spec::isolation::{IsolationSpec, MemberStatus, Rule, Visibility};
use crate::spec::model::Query;
use crate::spec::Spec;

/// One listing as the isolation cases walk it.
#[derive(Debug, Clone)]
pub struct IsoListing {
    pub name: String,
    /// Its spec, keeping whole items.
    pub spec: Arc<Spec>,
    pub target: Arc<Target>,
    pub scope: Query,
    /// JSON pointer of the image id.
    pub id: String,
    pub owner: Option<String>,
    pub visibility: Option<Visibility>,
    pub member_status: Option<MemberStatus>,
}

impl IsoListing {
    /// Whether its items say whose they are and who may see them: the listings a case reads an
    /// identity's private images from.
    pub fn tells_ownership(&self) -> bool {
        self.owner.is_some() && self.visibility.is_some()
    }

    /// Whether its path names the project (`{project_id}`).
    pub fn names_project(&self) -> bool {
        self.spec.file.request.path.value.contains("{project_id}")
    }
}

/// A derived isolation case: `rule` on `listing`, with every listing of the file at hand (the
/// ones that tell ownership say which images are whose).
#[derive(Debug, Clone)]
pub struct IsoCase {
    pub file: Arc<IsolationSpec>,
    pub rule: Rule,
    pub listing: Arc<IsoListing>,
    pub listings: Vec<Arc<IsoListing>>,
}

/// The isolation cases of `files` over the loaded `specs`, in file, rule and listing order; on
/// each target in turn when there are several.
pub(crate) fn plan(files: &[Arc<IsolationSpec>], specs: &[Arc<Spec>], targets: &[Arc<Target>], out: &mut Vec<PlannedCase>) {
    for file in files {
        for target in targets {
            let suffix = if targets.len() > 1 { format!("@{}", target.name) } else { String::new() };
            let listings: Vec<Arc<IsoListing>> = file
                .block()
                .listings
                .iter()
                .filter_map(|d| {
                    let l = &d.value;
                    let spec = specs.iter().find(|s| same_path(&s.path, &file.listing_specs[&l.name]))?;
                    let p = spec.file.pagination.as_ref()?;
                    Some(Arc::new(IsoListing {
                        name: l.name.clone(),
                        spec: Arc::new(Spec { item_members: None, ..(**spec).clone() }),
                        target: target.clone(),
                        scope: l.query.clone(),
                        id: p.value.id.clone(),
                        owner: l.owner.clone(),
                        visibility: l.visibility.clone(),
                        member_status: l.member_status.clone(),
                    }))
                })
                .collect();
            for (rule, decl) in &file.block().rules {
                for listing in listings.iter().filter(|l| applies(*rule, l)) {
                    let name = format!("isolation.{}.{}", rule.as_str(), listing.name);
                    out.push(PlannedCase {
                        id: format!("{}::{name}{suffix}", file.path),
                        spec: listing.spec.clone(),
                        target: target.clone(),
                        name,
                        level: decl.value.level,
                        doc: decl.value.doc.clone(),
                        why: decl.value.why.clone(),
                        location: format!("{}:{}", file.path, decl.referenced.line()),
                        work: Work::Isolation(IsoCase {
                            file: file.clone(),
                            rule: *rule,
                            listing: listing.clone(),
                            listings: listings.clone(),
                        }),
                    });
                }
            }
        }
    }
}

/// Whether `rule` can be checked on `listing` at all, whatever the identities.
fn applies(rule: Rule, listing: &IsoListing) -> bool {
    match rule {
        Rule::Private | Rule::Unauthenticated | Rule::Admin => true,
        Rule::Public => listing.visibility.is_some(),
        Rule::Shared => listing.member_status.is_some() && listing.owner.is_some(),
        Rule::ProjectInPath => listing.names_project(),
        Rule::SameCatalogue => false,
    }
}
