//! The cases an equivalence file stands for: for each pair of listings whose specs the run
//! loaded, the same ids, each mapped field, the default order and each mapped filter.

use std::sync::Arc;

use super::{PlannedCase, Target, Work};
use crate::spec::equivalence::{same_path, Catalogue, Exclude};
use crate::spec::model::{DocRef, Level, Query};
use crate::spec::Spec;

/// What one equivalence case compares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EquivCheck {
    Ids,
    /// `fields[index]`.
    Field(usize),
    Order,
    /// `filters[index]`.
    Filter(usize),
}

/// One listing as a case walks it: its spec (keeping whole items), its target and its scope.
#[derive(Debug, Clone)]
pub struct ListingPlan {
    pub name: String,
    pub spec: Arc<Spec>,
    pub target: Arc<Target>,
    pub scope: Query,
    /// Items of this listing outside the pair's common scope.
    pub exclude: Vec<Exclude>,
    /// Further listings whose items join this listing's side.
    pub include: Vec<Query>,
    /// JSON pointer of the image id.
    pub id: String,
}

/// A derived equivalence case.
#[derive(Debug, Clone)]
pub struct EquivCase {
    pub catalogue: Arc<Catalogue>,
    pub a: Arc<ListingPlan>,
    pub b: Arc<ListingPlan>,
    pub check: EquivCheck,
}

/// The listings' targets: with one target, every listing is on it; with several, a listing is on the
/// target of its own name, or on each target in turn when none has its name.
fn targets_of(listing: &str, targets: &[Arc<Target>]) -> Option<Arc<Target>> {
    targets.iter().find(|t| t.name == listing).cloned()
}

/// The equivalence cases of `catalogues` over the loaded `specs`, in file and pair order.
pub(crate) fn plan(catalogues: &[Arc<Catalogue>], specs: &[Arc<Spec>], targets: &[Arc<Target>], out: &mut Vec<PlannedCase>) {
    for cat in catalogues {
        let block = cat.block();
        let listing = |name: &str, target: &Arc<Target>, exclude: Vec<Exclude>, include: Vec<Query>| -> Option<Arc<ListingPlan>> {
            let d = cat.listing(name)?;
            let spec = specs.iter().find(|s| same_path(&s.path, &cat.listing_specs[name]))?;
            let p = spec.file.pagination.as_ref()?;
            // Equivalence reads whole items (custom properties included), not only the
            // members the listing's own invariants need.
            let whole = Arc::new(Spec { item_members: None, ..(**spec).clone() });
            Some(Arc::new(ListingPlan {
                name: name.to_string(),
                spec: whole,
                target: target.clone(),
                scope: d.query.clone(),
                exclude,
                include,
                id: d.id.clone().unwrap_or_else(|| p.value.id.clone()),
            }))
        };
        for (pair, line) in cat.pairs() {
            let (a, b) = (pair.listings[0].clone(), pair.listings[1].clone());
            let exclude = |d: &str| pair.exclude.get(d).cloned().unwrap_or_default();
            let include = |d: &str| pair.include.get(d).cloned().unwrap_or_default();
            let named = (targets_of(&a, targets), targets_of(&b, targets));
            let placements: Vec<(Arc<Target>, Arc<Target>, String)> = match named {
                (Some(ta), Some(tb)) => vec![(ta, tb, String::new())],
                _ => targets
                    .iter()
                    .map(|t| (t.clone(), t.clone(), if targets.len() > 1 { format!("@{}", t.name) } else { String::new() }))
                    .collect(),
            };
            for (ta, tb, suffix) in placements {
                let (Some(da), Some(db)) = (listing(&a, &ta, exclude(&a), include(&a)), listing(&b, &tb, exclude(&b), include(&b))) else {
                    continue;
                };
                let mut add = |name: String, level: Level, doc: DocRef, why: Option<String>, line: usize, check: EquivCheck| {
                    out.push(PlannedCase {
                        id: format!("{}::{name}{suffix}", cat.path),
                        spec: da.spec.clone(),
                        target: ta.clone(),
                        name,
                        level,
                        doc,
                        why,
                        location: format!("{}:{line}", cat.path),
                        work: Work::Equivalence(EquivCase { catalogue: cat.clone(), a: da.clone(), b: db.clone(), check }),
                    });
                };
                let prefix = format!("equivalence.{a}~{b}");
                let why = pair.why.clone().or_else(|| block.why.clone());
                let doc = pair.doc.clone().unwrap_or_else(|| block.doc.clone());
                add(format!("{prefix}.ids"), block.level, doc, why, line, EquivCheck::Ids);
                for (i, f) in block.fields.iter().enumerate() {
                    let m = &f.value;
                    if m.listings.contains_key(&a) && m.listings.contains_key(&b) {
                        let name = format!("{prefix}.fields.{}", m.name);
                        let line = f.referenced.line() as usize;
                        add(name, m.level.unwrap_or(block.level), m.doc.clone(), m.why.clone(), line, EquivCheck::Field(i));
                    }
                }
                if block.order && same_default_sort(&da.spec, &db.spec) {
                    add(format!("{prefix}.order"), block.level, block.doc.clone(), block.why.clone(), line, EquivCheck::Order);
                }
                for (i, f) in block.filters.iter().enumerate() {
                    let m = &f.value;
                    if m.listings.contains_key(&a) && m.listings.contains_key(&b) {
                        let name = format!("{prefix}.filters.{}", super::invariant::case_suffix(&m.name));
                        let line = f.referenced.line() as usize;
                        add(name, m.level.unwrap_or(block.level), m.doc.clone(), m.why.clone(), line, EquivCheck::Filter(i));
                    }
                }
            }
        }
    }
}

/// Whether both specs document the same default sort (key name and direction).
pub(crate) fn same_default_sort(a: &Spec, b: &Spec) -> bool {
    let sort = |s: &Spec| {
        let sort = s.file.pagination.as_ref()?.value.sort.as_ref()?;
        Some((sort.default_key.clone()?, sort.default_dir?))
    };
    matches!((sort(a), sort(b)), (Some(x), Some(y)) if x == y)
}
