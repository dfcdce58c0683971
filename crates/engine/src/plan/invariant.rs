//! Invariants: the cases a spec's `pagination:` and `filters:` blocks stand for, and what
//! each checks. `plan::pagination` and `plan::filters` derive them (the same for `list` and
//! `run`); `run::invariant` executes them.

use crate::spec::model::{Direction, DocRef, Level};
use crate::spec::Spec;

/// One derived case.
#[derive(Debug, Clone)]
pub struct Invariant {
    pub name: String,
    pub level: Level,
    pub doc: DocRef,
    pub why: Option<String>,
    /// Line of the block (or parameter) it came from.
    pub line: usize,
    pub check: Check,
}

/// What an invariant checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    Pagination(PagCheck),
    Filter(FilterCheck),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PagCheck {
    Limit,
    DefaultLimit,
    MaxLimit,
    Walk,
    Order { key: String, dir: Direction },
    DefaultOrder,
    NextLink,
    BadMarker,
    BadLimit(String),
    BadSortKey,
    BadSortDir,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterCheck {
    /// Every returned item satisfies the filter (param index).
    Sound(usize),
    /// Every matching item of the full listing is returned (param index).
    Complete(usize),
    /// Malformed values are rejected (param index).
    Invalid(usize),
    /// Pairs of the given filters together: soundness (`true`) or completeness (`false`).
    Pairs { sound: bool, params: Vec<usize> },
    /// The given filters with small pages and a sort.
    Paged(Vec<usize>),
    /// A case variant of a catalogue value matches only what the relation says (param index).
    CaseVariant(usize),
    /// Values of the given filters that need percent-encoding (space as `+` and `%20`,
    /// reserved characters, non-ASCII) match literally.
    Encoded(Vec<usize>),
    /// A boolean filter's `true` and `false` split the listing in two (param index).
    BothValues(usize),
    /// The given filters walked sorted in both directions with small pages.
    SortedWalk(Vec<usize>),
}

/// A value as a case-name segment (`-1` stays `-1`, spaces and dots become `_`).
pub(crate) fn case_suffix(v: &str) -> String {
    v.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect()
}

impl Check {
    /// The item members a walk for this check keeps: the id, the sort fields for the checks
    /// that judge order, and the check's own filter fields. A subset of the spec's
    /// `item_members`, so a walk keeps no more of each item than its own case reads. `None`:
    /// every member (a pointer names the whole item).
    pub(crate) fn members(&self, spec: &Spec) -> Option<std::collections::BTreeSet<String>> {
        let mut pointers: Vec<&str> = Vec::new();
        let p = spec.file.pagination.as_ref().map(|p| &p.value);
        pointers.extend(p.map(|p| p.id.as_str()));
        let sort_fields = || {
            let sort = p.and_then(|p| p.sort.as_ref());
            sort.into_iter().flat_map(|s| s.keys.values().map(|k| k.field.as_str()).chain(s.tie_breaker.as_deref()))
        };
        let params = |indices: &[usize]| -> Vec<&str> {
            let f = spec.file.filters.as_ref().map(|f| &f.value);
            indices.iter().filter_map(|i| f.and_then(|f| f.params.get(*i)).map(|p| p.value.field.as_str())).collect()
        };
        match self {
            Check::Pagination(PagCheck::Order { .. } | PagCheck::DefaultOrder) => pointers.extend(sort_fields()),
            Check::Pagination(_) => {}
            Check::Filter(f) => {
                use FilterCheck as F;
                let own = match f {
                    F::Sound(i) | F::Complete(i) | F::Invalid(i) | F::CaseVariant(i) | F::BothValues(i) => params(&[*i]),
                    F::Pairs { params: ps, .. } | F::Paged(ps) | F::SortedWalk(ps) | F::Encoded(ps) => params(ps),
                };
                pointers.extend(own);
                pointers.extend(sort_fields());
            }
        }
        // Order findings name items by their `id` member, whatever the id pointer is.
        let mut members: std::collections::BTreeSet<String> =
            pointers.into_iter().map(crate::spec::load::member_of).collect::<Option<_>>()?;
        members.insert("id".to_string());
        Some(members)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::invariants as derive;
    use std::collections::BTreeSet;

    fn members(spec: &Spec, name: &str) -> BTreeSet<String> {
        let inv = derive(spec).into_iter().find(|i| i.name == name).unwrap_or_else(|| panic!("no case {name}"));
        inv.check.members(spec).expect("the seed spec names members")
    }

    #[test]
    fn each_check_keeps_the_id_and_only_the_members_it_reads() {
        let spec = crate::spec::load::load_file(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../specs/openstack/glance-v2-images.yaml"
        )))
        .unwrap();
        let all = spec.item_members.clone().expect("the spec names members");
        let set = |m: &[&str]| m.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
        assert_eq!(members(&spec, "pagination.walk"), set(&["id"]));
        let order = members(&spec, "pagination.order.created_at.asc");
        assert!(order.contains("created_at") && order.contains("name") && order.contains("id"), "{order:?}");
        let name = members(&spec, "filter.name.sound");
        assert!(name.contains("name") && name.contains("id") && !name.contains("visibility"), "{name:?}");
        for inv in derive(&spec) {
            let own = inv.check.members(&spec).unwrap();
            assert!(own.is_subset(&all) || own.difference(&all).all(|m| m == "id"), "{}: {own:?} not within {all:?}", inv.name);
        }
    }
}
